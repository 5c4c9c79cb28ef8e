//! Finding 8: no query string or path parser panics; dates far out of range are a 4xx.
//!
//! `week=262143-W01` and `end_date=-262143-01-02` overflowed chrono's date arithmetic and
//! took the handler down. The first tests replay those requests; the property test then
//! sends generated values (out-of-range years, huge numbers, control characters, any
//! Unicode) to every query parameter and path segment of every route that takes one, and
//! asserts each answer is not a 5xx (a panic shows as a 500 or a dropped connection, which
//! fails the request itself).

use bytes::Bytes;
use hyper::Method;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

use crate::both;
use crate::redirects::{encode, session_cookie, sign_in, with_password};
use crate::support::{Backend, TestApp};

/// A session cookie for a demo user, through the real sign-in form.
async fn session(app: &TestApp, login: &str) -> String {
    with_password(app, login).await;
    let reply = sign_in(app, login, "/").await;
    assert_eq!(reply.status.as_u16(), 303, "sign-in: {}", reply.text());
    session_cookie(&reply)
}

async fn page(app: &TestApp, path: &str, cookie: &str) -> crate::support::Reply {
    app.send(Method::GET, path, None, &[("cookie", cookie)], Bytes::new())
        .await
}

both! {
    async fn a_weekly_report_for_the_year_262143_is_refused_not_a_panic(app: &TestApp) {
        for week in ["262143-W01", "-262143-W01", "2147483647-W01", "1999-W52", "2101-W01"] {
            let reply = app
                .get(&format!("/api/v1/reports/weekly?week={}", encode(week)), Some("lead"))
                .await
                .expect(422);
            assert!(reply.text().contains("week"), "{}", reply.text());
        }
        // Within the span of years the report is still made.
        app.get("/api/v1/reports/weekly?week=2026-W47", Some("lead")).await.expect(200);
    }

    async fn the_weekly_report_page_for_the_year_262143_is_a_400_in_the_viewers_language(app: &TestApp) {
        let cookie = session(app, "lead").await;
        let zh = page(app, "/weekly-report?week=262143-W01", &cookie).await;
        assert_eq!(zh.status.as_u16(), 400, "{}", zh.text());
        assert!(zh.text().contains("周次无效"), "{}", zh.text());
        let en = page(app, "/weekly-report?week=262143-W01", &format!("{cookie}; gridloop_lang=en")).await;
        assert_eq!(en.status.as_u16(), 400, "{}", en.text());
        assert!(en.text().contains("Not a week"), "{}", en.text());
        assert!(en.text().contains("lang=\"en\""), "{}", en.text());
        let fine = page(app, "/weekly-report?week=2026-W47", &cookie).await;
        assert_eq!(fine.status.as_u16(), 200, "{}", fine.text());
    }

    async fn open311_requests_ending_in_the_year_minus_262143_are_a_400_not_a_panic(app: &TestApp) {
        let key = app.open311_key("open311").await;
        for query in [
            "end_date=-262143-01-02",
            "start_date=-262143-01-02",
            "end_date=%2B262142-12-31",
            "start_date=1970-01-01T00:00:00Z",
            "end_date=2102-01-01T00:00:00%2B08:00",
        ] {
            let reply = app
                .get(&format!("/open311/v2/requests.json?{query}&api_key={key}"), None)
                .await;
            assert_eq!(reply.status.as_u16(), 400, "{query}: {}", reply.text());
            assert_eq!(reply.json()[0]["code"], 400, "{query}");
        }
        let fine = app
            .get(&format!("/open311/v2/requests.json?end_date=2026-11-27&api_key={key}"), None)
            .await;
        assert_eq!(fine.status.as_u16(), 200, "{}", fine.text());
    }
}

/// Who sends a probe.
#[derive(Debug, Clone, Copy)]
enum Who {
    Nobody,
    /// A bearer token of the admin, who may read everything under /api/v1.
    Admin,
    /// The supervisor's web session.
    Lead,
    /// The admin's web session.
    AdminPage,
    /// The demo's Open311 client, with its key as `api_key` (reads need one).
    Open311,
}

/// A route that parses what it is sent: `{}` in the path is a generated segment, each query
/// key may be sent with a generated value.
struct Route {
    path: &'static str,
    query: &'static [&'static str],
    who: Who,
}

const fn route(path: &'static str, query: &'static [&'static str], who: Who) -> Route {
    Route { path, query, who }
}

/// Every route with a query parameter or a path segment to parse, read from the routers of
/// `http/` (API and Open311) and `web/`.
const ROUTES: &[Route] = &[
    route(
        "/api/v1/issues",
        &[
            "status",
            "grid",
            "unit",
            "category",
            "enterprise",
            "reporter",
            "overdue",
            "q",
            "limit",
            "cursor",
        ],
        Who::Admin,
    ),
    route("/api/v1/issues/{}", &[], Who::Admin),
    route("/api/v1/issues/{}/events", &[], Who::Admin),
    route("/api/v1/issues/{}/attachments", &[], Who::Admin),
    route("/api/v1/issues/{}/attachments/{}", &[], Who::Admin),
    route(
        "/api/v1/reports/weekly",
        &["week", "grid", "unit", "format"],
        Who::Admin,
    ),
    route("/api/v1/reports", &["week", "scope", "limit"], Who::Admin),
    route("/api/v1/reports/{}", &["format"], Who::Admin),
    route(
        "/api/v1/visits",
        &["due", "status", "enterprise"],
        Who::Admin,
    ),
    route("/api/v1/visit-plans/{}", &[], Who::Admin),
    route("/api/v1/grids/{}", &[], Who::Admin),
    route("/api/v1/posts", &["grid"], Who::Admin),
    route("/api/v1/posts/{}", &[], Who::Admin),
    route("/api/v1/enterprises", &["grid"], Who::Admin),
    route("/api/v1/enterprises/{}", &[], Who::Admin),
    route("/api/v1/units/{}", &[], Who::Admin),
    route("/api/v1/categories/{}", &[], Who::Admin),
    route("/api/v1/users/{}", &[], Who::Admin),
    route("/api/v1/notifications", &["state", "limit"], Who::Admin),
    route(
        "/api/v1/notifications/dlr",
        &["id", "status", "secret"],
        Who::Nobody,
    ),
    route(
        "/open311/v2/requests.json",
        &[
            "service_request_id",
            "service_code",
            "status",
            "start_date",
            "end_date",
            "extensions",
            "jurisdiction_id",
        ],
        Who::Open311,
    ),
    route(
        "/open311/v2/requests.xml",
        &["start_date", "end_date", "status"],
        Who::Open311,
    ),
    route(
        "/open311/v2/requests/{}.json",
        &["extensions", "jurisdiction_id"],
        Who::Open311,
    ),
    route(
        "/open311/v2/services/{}.xml",
        &["jurisdiction_id"],
        Who::Nobody,
    ),
    route(
        "/open311/v2/services.json",
        &["jurisdiction_id"],
        Who::Nobody,
    ),
    route("/open311/v2/tokens/{}.json", &[], Who::Nobody),
    route("/open311/v2/{}", &["jurisdiction_id"], Who::Nobody),
    route("/weekly-report", &["week", "unit", "grid"], Who::Lead),
    route("/issues/{}", &[], Who::Lead),
    route("/issues/{}/photos/{}", &[], Who::Lead),
    route("/lang/{}", &["next"], Who::Nobody),
    route("/login", &["next"], Who::Nobody),
    route("/admin/{}", &["saved"], Who::AdminPage),
    route("/admin/users/{}", &[], Who::AdminPage),
    route("/admin/categories/{}", &["saved"], Who::AdminPage),
];

/// Years at and beyond chrono's edges (±262,143), at the edges of `i32`, and ordinary ones.
fn year() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => prop::sample::select(vec![
            262_143i64, 262_142, -262_143, -262_144, 1999, 2101,
            i64::from(i32::MAX), i64::from(i32::MIN),
        ]),
        1 => -300_000i64..300_000,
        1 => 1990i64..2110,
        1 => any::<i64>(),
    ]
}

fn week() -> impl Strategy<Value = String> {
    (year(), 0u32..60).prop_map(|(y, w)| format!("{y}-W{w:02}"))
}

/// A week, a date or an instant, in any year.
fn when() -> impl Strategy<Value = String> {
    let zone = prop::sample::select(vec!["Z", "+08:00", "-23:59", "+99:00", ""]);
    prop_oneof![
        week(),
        (year(), 0u32..14, 0u32..33).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        (year(), 0u32..14, 0u32..33, zone)
            .prop_map(|(y, m, d, z)| format!("{y:+05}-{m:02}-{d:02}T10:00:00{z}")),
        (year(), 0u32..14, 0u32..33, 0u32..25)
            .prop_map(|(y, m, d, h)| format!("{y}-{m:02}-{d:02}T{h:02}:00:00 08:00")),
    ]
}

/// Values a parser may meet: dates and weeks in any year chrono knows and beyond, numbers of
/// every size, the words the parsers expect, and arbitrary Unicode with control characters.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        when(),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u128>().prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "",
            "0",
            "-1",
            "1",
            "2",
            "open",
            "closed",
            "today",
            "week",
            "json",
            "html",
            "csv",
            "md",
            "xml",
            "true",
            "false",
            "park",
            "unit:1",
            "grid:1",
            "power",
            "g1",
            "roads",
            "aluminium",
            "reported",
            "planned",
            "dead",
            "failed",
            "en",
            "zh-CN",
            "users",
            "categories",
            "requests.json",
            "discovery.json",
            "services.xml",
            "1,2,3",
            "open,closed,open",
            "NaN",
            "1e309",
            "%",
            "%00",
            "..",
            "/",
            "//",
            "\u{0}",
        ])
        .prop_map(str::to_owned),
        prop::collection::vec(any::<char>(), 0..24).prop_map(String::from_iter),
    ]
}

/// A value for a query key: mostly what the key takes when it takes a week or a date (so the
/// edges of the calendar are met often), anything otherwise.
fn value_for(key: &str) -> BoxedStrategy<String> {
    match key {
        "week" => prop_oneof![3 => week(), 1 => value()].boxed(),
        "start_date" | "end_date" => prop_oneof![3 => when(), 1 => value()].boxed(),
        _ => value().boxed(),
    }
}

/// What one run of the property varies: one path segment, one query key (the others left
/// plain, so that no other parameter's error answers first), or everything at once.
#[derive(Debug, Clone, Copy)]
enum Target {
    Segment(usize),
    Key(usize),
    All,
}

fn targets(route: &Route) -> Vec<Target> {
    let segments = route.path.matches("{}").count();
    (0..segments)
        .map(Target::Segment)
        .chain((0..route.query.len()).map(Target::Key))
        .chain(std::iter::once(Target::All))
        .collect()
}

/// One generated request to `route`: a value for each of its segments (`1` where not varied)
/// and each query key (left out where `None`).
fn probe(
    route: &Route,
    target: Target,
) -> impl Strategy<Value = (Vec<String>, Vec<Option<String>>)> {
    let segments: Vec<BoxedStrategy<String>> = (0..route.path.matches("{}").count())
        .map(|i| match target {
            Target::Segment(j) if i != j => Just("1".to_owned()).boxed(),
            Target::Key(_) => Just("1".to_owned()).boxed(),
            _ => value().boxed(),
        })
        .collect();
    let query: Vec<BoxedStrategy<Option<String>>> = route
        .query
        .iter()
        .enumerate()
        .map(|(i, k)| match target {
            Target::Key(j) if i == j => value_for(k).prop_map(Some).boxed(),
            Target::All => prop::option::of(value_for(k)).boxed(),
            _ => Just(None).boxed(),
        })
        .collect();
    (segments, query)
}

fn url_of(route: &Route, segments: &[String], query: &[Option<String>]) -> String {
    let mut path = String::new();
    let mut rest = route.path;
    let mut values = segments.iter();
    while let Some(at) = rest.find("{}") {
        path.push_str(&rest[..at]);
        // An empty segment would be another route (or a redirect): give it one character.
        let v = values.next().map(String::as_str).unwrap_or("x");
        path.push_str(&if v.is_empty() {
            "x".to_owned()
        } else {
            encode(v)
        });
        rest = &rest[at + 2..];
    }
    path.push_str(rest);
    let pairs: Vec<String> = route
        .query
        .iter()
        .zip(query)
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
        .collect();
    if !pairs.is_empty() {
        path.push('?');
        path.push_str(&pairs.join("&"));
    }
    path
}

/// Sends `cases` generated requests to each route of the app on `backend`; every answer must
/// be below 500.
fn no_route_answers_a_5xx(backend: Backend, cases: u32) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let Some(app) = rt.block_on(TestApp::spawn(backend)) else {
        return;
    };
    let (lead, admin) =
        rt.block_on(async { (session(&app, "lead").await, session(&app, "admin").await) });
    let token = rt.block_on(app.token("admin"));
    let key = rt.block_on(app.open311_key("open311"));
    let bearer = format!("Bearer {token}");
    let mut failures = Vec::new();
    for (route, target) in ROUTES
        .iter()
        .flat_map(|r| targets(r).into_iter().map(move |t| (r, t)))
    {
        let mut runner = TestRunner::new(Config {
            cases,
            source_file: Some(file!()),
            failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
            ..Config::default()
        });
        let headers: Vec<(&str, &str)> = match route.who {
            Who::Nobody | Who::Open311 => vec![],
            Who::Admin => vec![("authorization", bearer.as_str())],
            Who::Lead => vec![("cookie", lead.as_str())],
            Who::AdminPage => vec![("cookie", admin.as_str())],
        };
        let result = runner.run(&probe(route, target), |(segments, query)| {
            let mut url = url_of(route, &segments, &query);
            if let Who::Open311 = route.who {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str("api_key=");
                url.push_str(&key);
            }
            let reply = rt.block_on(app.send(Method::GET, &url, None, &headers, Bytes::new()));
            prop_assert!(
                reply.status.as_u16() < 500,
                "GET {} → {}: {}",
                url,
                reply.status,
                reply.text()
            );
            Ok::<(), TestCaseError>(())
        });
        if let Err(e) = result {
            failures.push(format!("{} ({target:?}): {e}", route.path));
        }
    }
    rt.block_on(app.stop());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn no_query_parameter_or_path_segment_of_any_route_makes_a_5xx_on_sqlite() {
    no_route_answers_a_5xx(Backend::Sqlite, 100);
}

#[test]
fn no_query_parameter_or_path_segment_of_any_route_makes_a_5xx_on_postgres() {
    no_route_answers_a_5xx(Backend::Postgres, 30);
}

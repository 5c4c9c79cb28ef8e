//! Finding 10: titles and names are one line, with no control characters or bidi overrides.
//!
//! A title with a line break forges a second line in an SMS, a CSV row or a worklist; a TAB
//! shifts a column; a right-to-left override (U+202E) shows `exe.pdf` for `fdp.exe`. Titles
//! and names refuse them all; descriptions, notes and reasons keep their line breaks but never
//! a bidi override. Each front end (the JSON API, the web form, Open311) refuses such text
//! with its own 4xx, and nothing is stored.

use bytes::Bytes;
use hyper::Method;
use serde_json::json;

use crate::both;
use crate::redirects::{encode, session_cookie, sign_in, with_password};
use crate::support::TestApp;

/// One-line text that is not one line, or not shown as stored.
const BAD_TITLES: &[&str] = &[
    "厂区道路破损\n已处理，请忽略",
    "厂区道路破损\r\n已处理",
    "厂区道路破损\r已处理",
    "厂区\t道路破损",
    "厂区道路\u{2028}破损",
    "报告\u{202E}fdp.exe",
    "报告\u{202A}嵌入",
    "报告\u{2066}隔离\u{2069}",
    "报告\u{2067}隔离",
];

/// Every issue's title, as the store holds them.
async fn titles(app: &TestApp) -> Vec<String> {
    let page = app
        .store
        .list_issues(&gridloop_store::IssueFilter::default(), 500, None)
        .await
        .expect("list");
    page.items.iter().map(|i| i.title.to_string()).collect()
}

async fn enterprise_of_g1(app: &TestApp) -> i64 {
    let grid = app
        .store
        .grid_by_code(&gridloop_core::Code::parse("g1").expect("code"))
        .await
        .expect("lookup")
        .expect("g1");
    app.store
        .enterprises(Some(grid.id))
        .await
        .expect("enterprises")[0]
        .id
        .get()
}

both! {
    async fn a_title_with_a_line_break_tab_or_bidi_override_is_refused_by_the_api_and_not_stored(app: &TestApp) {
        let enterprise = enterprise_of_g1(app).await;
        let before = titles(app).await;
        for title in BAD_TITLES {
            let reply = app
                .post_json(
                    "/api/v1/issues",
                    Some("post01"),
                    &json!({"enterprise_id": enterprise, "category": "power", "title": title}),
                )
                .await
                .expect(422);
            assert_eq!(reply.json()["errors"][0]["field"], "title", "{title:?}");
        }
        // A description keeps its line breaks, never an override.
        let reply = app
            .post_json(
                "/api/v1/issues",
                Some("post01"),
                &json!({"enterprise_id": enterprise, "category": "power", "title": "道路破损",
                        "description": "第一段\n第二段 \u{202E}fdp.exe"}),
            )
            .await
            .expect(422);
        assert_eq!(reply.json()["errors"][0]["field"], "description");
        assert_eq!(titles(app).await, before, "nothing stored");
        let fine = app
            .post_json(
                "/api/v1/issues",
                Some("post01"),
                &json!({"enterprise_id": enterprise, "category": "power", "title": "道路破损",
                        "description": "第一段\r\n第二段\t缩进"}),
            )
            .await
            .expect(201)
            .json();
        assert_eq!(fine["description"], "第一段\n第二段\t缩进");
    }

    async fn a_name_with_a_line_break_or_bidi_override_is_refused_and_not_stored(app: &TestApp) {
        for name in ["第一网格\n第二行", "网格\u{202E}1g", "网格\t1"] {
            let reply = app
                .send(
                    Method::PATCH,
                    "/api/v1/grids/1",
                    Some("admin"),
                    &[("content-type", "application/json")],
                    serde_json::to_vec(&json!({ "name": name })).expect("json"),
                )
                .await
                .expect(422);
            assert_eq!(reply.json()["errors"][0]["field"], "name", "{name:?}");
            let user = app
                .post_json(
                    "/api/v1/users",
                    Some("admin"),
                    &json!({"login": "zhang", "name": name, "roles": ["supervisor"]}),
                )
                .await
                .expect(422);
            assert_eq!(user.json()["errors"][0]["field"], "name", "{name:?}");
        }
        let grid = app.get("/api/v1/grids/1", Some("admin")).await.expect(200).json();
        let name = grid["name"].as_str().expect("name");
        assert!(!name.contains(['\n', '\t', '\u{202E}']), "{name:?}");
        let users = app.get("/api/v1/users", Some("admin")).await.expect(200).json();
        assert!(!users.as_array().expect("users").iter().any(|u| u["login"] == "zhang"));
    }

    async fn a_comment_or_visit_note_with_a_bidi_override_or_nul_is_refused(app: &TestApp) {
        let enterprise = enterprise_of_g1(app).await;
        let issue = app
            .post_json(
                "/api/v1/issues",
                Some("post01"),
                &json!({"enterprise_id": enterprise, "category": "power", "title": "道路破损"}),
            )
            .await
            .expect(201)
            .json();
        let id = issue["id"].as_i64().expect("id");
        for note in ["已办结\u{202E}", "已办结\u{0}"] {
            app.post_json(
                &format!("/api/v1/issues/{id}/actions"),
                Some("post01"),
                &json!({"action": "comment", "version": 1, "note": note}),
            )
            .await
            .expect(422);
        }
        let events = app
            .get(&format!("/api/v1/issues/{id}/events"), Some("post01"))
            .await
            .expect(200)
            .json();
        assert_eq!(events["items"].as_array().map(Vec::len), Some(1), "only the report");
        // A visit's notes are notes too.
        gridloop_scheduler::visits::materialise_all(
            &app.store,
            &gridloop_core::Calendar::default_china(),
            crate::support::now(),
        )
        .await
        .expect("materialise");
        let visits = app.get("/api/v1/visits", Some("comm01")).await.expect(200).json();
        let visit = visits[0]["id"].as_i64().expect("a visit");
        app.clock.set(
            chrono::DateTime::parse_from_rfc3339("2026-11-27T06:10:00Z")
                .expect("t")
                .with_timezone(&chrono::Utc),
        );
        for notes in ["走访\u{0}", "走访\u{202D}完成"] {
            app.post_json(
                &format!("/api/v1/visits/{visit}/complete"),
                Some("comm01"),
                &json!({ "notes": notes }),
            )
            .await
            .expect(422);
        }
        let visits = app.get("/api/v1/visits", Some("comm01")).await.expect(200).json();
        assert_eq!(visits[0]["status"], "planned", "nothing logged");
    }

    async fn the_web_report_form_refuses_a_two_line_title_and_stores_nothing(app: &TestApp) {
        with_password(app, "post01").await;
        let cookie = session_cookie(&sign_in(app, "post01", "/").await);
        let secret = cookie.trim_start_matches("gridloop_session=");
        let csrf = gridloop_web::csrf::token_for(secret);
        let enterprise = enterprise_of_g1(app).await.to_string();
        let before = titles(app).await;
        for title in BAD_TITLES {
            let body = [
                ("_csrf", csrf.as_str()),
                ("enterprise", enterprise.as_str()),
                ("category", "power"),
                ("title", title),
                ("priority", "normal"),
            ]
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
            let reply = app
                .send(
                    Method::POST,
                    "/issues",
                    None,
                    &[
                        ("cookie", cookie.as_str()),
                        ("content-type", "application/x-www-form-urlencoded"),
                        ("sec-fetch-site", "same-origin"),
                    ],
                    Bytes::from(body),
                )
                .await;
            assert_eq!(reply.status.as_u16(), 422, "{title:?}: {}", reply.text());
        }
        assert_eq!(titles(app).await, before, "nothing stored");
    }

    async fn open311_refuses_a_bidi_override_in_the_description_or_a_name_and_stores_nothing(app: &TestApp) {
        let key = app.open311_key("open311").await;
        let before = titles(app).await;
        let base = [
            ("api_key", key.as_str()),
            ("service_code", "roads"),
            ("address_string", "铝城大道8号"),
            ("attribute[enterprise]", "1"),
        ];
        for (name, value) in [
            ("description", "道路破损\u{202E}fdp.exe"),
            ("description", "道路\u{2066}破损"),
            ("first_name", "三\u{202E}"),
            ("last_name", "张\u{2067}"),
        ] {
            let body = base
                .iter()
                .chain(std::iter::once(&(name, value)))
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            let reply = app
                .send(
                    Method::POST,
                    "/open311/v2/requests.json",
                    None,
                    &[("content-type", "application/x-www-form-urlencoded")],
                    Bytes::from(body),
                )
                .await;
            assert_eq!(reply.status.as_u16(), 400, "{name}={value:?}: {}", reply.text());
        }
        assert_eq!(titles(app).await, before, "nothing stored");
        // A description whose first line holds a TAB still reports: the title is made one line.
        let body = base
            .iter()
            .chain(std::iter::once(&("description", "厂门口\t道路破损\n雨天积水")))
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let reply = app
            .send(
                Method::POST,
                "/open311/v2/requests.json",
                None,
                &[("content-type", "application/x-www-form-urlencoded")],
                Bytes::from(body),
            )
            .await;
        assert_eq!(reply.status.as_u16(), 201, "{}", reply.text());
        assert!(titles(app).await.contains(&"厂门口 道路破损".to_owned()));
    }
}

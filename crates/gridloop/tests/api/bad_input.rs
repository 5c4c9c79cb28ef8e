//! Bad input to the issue endpoints: each case gets its documented 4xx as a problem document,
//! and leaves the stored data exactly as it was.

use hyper::Method;
use serde_json::{json, Value};

use crate::both;
use crate::issues::{enterprise_in, get_issue, issue_count, report, step};
use crate::support::TestApp;

/// One bad request. `{id}` in the path stands for an existing issue (accepted, version 2),
/// `{e}` in the body for an enterprise of grid g1.
struct Case {
    what: &'static str,
    method: Method,
    path: &'static str,
    login: Option<&'static str>,
    headers: &'static [(&'static str, &'static str)],
    body: Vec<u8>,
    status: u16,
    /// The field the 422 must name first.
    field: Option<&'static str>,
}

const JSON: &[(&str, &str)] = &[("content-type", "application/json")];

fn case(
    what: &'static str,
    method: Method,
    path: &'static str,
    body: impl Into<Vec<u8>>,
    status: u16,
) -> Case {
    Case {
        what,
        method,
        path,
        login: Some("dispatch"),
        headers: JSON,
        body: body.into(),
        status,
        field: None,
    }
}

impl Case {
    fn naming(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    fn by(mut self, login: Option<&'static str>) -> Self {
        self.login = login;
        self
    }

    fn headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }
}

fn cases() -> Vec<Case> {
    use Method as M;
    let report = |what, body: &str, status| {
        case(what, M::POST, "/issues", body.to_owned(), status).by(Some("post01"))
    };
    let action = |what, body: &str, status| {
        case(
            what,
            M::POST,
            "/issues/{id}/actions",
            body.to_owned(),
            status,
        )
    };
    let good_report = r#"{"enterprise_id": {e}, "category": "power", "title": "Fine"}"#;
    let mut oversize = br#"{"enterprise_id": {e}, "category": "power", "title": ""#.to_vec();
    oversize.extend(std::iter::repeat_n(b'x', 1024 * 1024 + 1));
    oversize.extend(br#""}"#);
    let mut not_utf8 = br#"{"enterprise_id": {e}, "category": "power", "title": ""#.to_vec();
    not_utf8.extend([0xff, 0xfe, 0xc3, 0x28]);
    not_utf8.extend(br#""}"#);
    vec![
        // Malformed JSON: 400.
        report(
            "a truncated report",
            r#"{"enterprise_id": {e}, "title": "#,
            400,
        ),
        action("a truncated action", r#"{"action": "reject", "#, 400),
        report("a report that is not JSON at all", "title=Fine", 400),
        case(
            "bytes that are not UTF-8",
            M::POST,
            "/issues",
            not_utf8,
            400,
        ),
        // JSON of the wrong shape: 422 naming the field.
        report(
            "a number for the title",
            r#"{"enterprise_id": {e}, "category": "power", "title": 42}"#,
            422,
        )
        .naming("title"),
        report(
            "text for the enterprise id",
            r#"{"enterprise_id": "one", "category": "power", "title": "Fine"}"#,
            422,
        )
        .naming("enterprise_id"),
        report(
            "an array for the description",
            r#"{"enterprise_id": {e}, "category": "power", "title": "Fine", "description": []}"#,
            422,
        )
        .naming("description"),
        report("a JSON array instead of an object", "[1, 2]", 422),
        action(
            "text for the version",
            r#"{"action": "reject", "version": "2", "reason": "x"}"#,
            422,
        )
        .naming("version"),
        action(
            "a negative version",
            r#"{"action": "reject", "version": -2, "reason": "x"}"#,
            422,
        )
        .naming("version"),
        action(
            "a satisfaction beyond a byte",
            r#"{"action": "verify", "version": 2, "satisfaction": 300}"#,
            422,
        )
        .naming("satisfaction"),
        // Unknown fields: 422.
        report(
            "an unknown field in a report",
            r#"{"enterprise_id": {e}, "category": "power", "title": "Fine", "status": "closed"}"#,
            422,
        )
        .naming("status"),
        action(
            "an unknown field in an action",
            r#"{"action": "reject", "version": 2, "reason": "x", "actor_id": 1}"#,
            422,
        )
        .naming("actor_id"),
        case(
            "an unknown query parameter",
            M::GET,
            "/issues?order=id",
            "",
            422,
        )
        .naming("order"),
        // Fields that parse but are not valid values: 422, every one named at once.
        report(
            "an empty title, a bad priority and a bad category code",
            r#"{"enterprise_id": {e}, "category": "Power!", "title": "  ", "priority": "asap"}"#,
            422,
        )
        .naming("category"),
        report(
            "control characters in the title",
            "{\"enterprise_id\": {e}, \"category\": \"power\", \"title\": \"bell\\u0007\"}",
            422,
        )
        .naming("title"),
        report(
            "a title over 200 characters",
            &format!(
                r#"{{"enterprise_id": {{e}}, "category": "power", "title": "{}"}}"#,
                "长".repeat(201)
            ),
            422,
        )
        .naming("title"),
        report(
            "an unknown enterprise",
            r#"{"enterprise_id": 999999, "category": "power", "title": "Fine"}"#,
            422,
        )
        .naming("enterprise_id"),
        report(
            "an unknown category",
            r#"{"enterprise_id": {e}, "category": "weather", "title": "Fine"}"#,
            422,
        )
        .naming("category"),
        report(
            "a category by code and by id",
            r#"{"enterprise_id": {e}, "category": "power", "category_id": 1, "title": "Fine"}"#,
            422,
        )
        .naming("category"),
        report("an idempotency key too long", good_report, 422)
            .naming("Idempotency-Key")
            .headers(&[
                ("content-type", "application/json"),
                ("idempotency-key", LONG_KEY),
            ]),
        action(
            "an unknown action",
            r#"{"action": "escalate", "version": 2}"#,
            422,
        )
        .naming("action"),
        action(
            "report as an action",
            r#"{"action": "report", "version": 2}"#,
            422,
        )
        .naming("action"),
        action(
            "a reject without its reason",
            r#"{"action": "reject", "version": 2}"#,
            422,
        )
        .naming("reason"),
        action(
            "a field the action does not take",
            r#"{"action": "reject", "version": 2, "reason": "x", "satisfaction": 5}"#,
            422,
        )
        .naming("satisfaction"),
        action(
            "an unknown unit",
            r#"{"action": "assign", "version": 2, "unit": "weather"}"#,
            422,
        )
        .naming("unit"),
        action(
            "a deadline that is not a time",
            r#"{"action": "extend_grant", "version": 2, "until": "next week"}"#,
            422,
        )
        .naming("until")
        .by(Some("lead")),
        action(
            "a duplicate of no issue",
            r#"{"action": "mark_duplicate", "version": 2, "duplicate_of": 999999}"#,
            422,
        )
        .naming("duplicate_of"),
        action(
            "an If-Match that is not an entity tag",
            r#"{"action": "reject", "reason": "x"}"#,
            422,
        )
        .naming("If-Match")
        .headers(&[("content-type", "application/json"), ("if-match", "2")]),
        case(
            "a cursor this server never handed out",
            M::GET,
            "/issues?cursor=i0",
            "",
            422,
        )
        .naming("cursor"),
        // The role comes before the fields, as in the core: who may never accept is told so.
        action(
            "bad fields from someone who may not take the action",
            r#"{"action": "accept", "version": 2, "priority": "asap"}"#,
            403,
        )
        .by(Some("post01")),
        // Too large: 413.
        case("a body over 1 MiB", M::POST, "/issues", oversize, 413).by(Some("post01")),
        // Paths that name no issue: 404.
        case("a word for an id", M::GET, "/issues/abc", "", 404),
        case("a negative id", M::GET, "/issues/-1", "", 404),
        case("a zero id", M::GET, "/issues/0", "", 404),
        case(
            "an id beyond 64 bits",
            M::GET,
            "/issues/99999999999999999999",
            "",
            404,
        ),
        case(
            "a word for an id, for events",
            M::GET,
            "/issues/abc/events",
            "",
            404,
        ),
        action(
            "a negative id, for an action",
            r#"{"action": "comment", "version": 1, "note": "x"}"#,
            404,
        )
        .with_path("/issues/-1/actions"),
        action(
            "a huge id, for an action",
            r#"{"action": "comment", "version": 1, "note": "x"}"#,
            404,
        )
        .with_path("/issues/99999999999999999999/actions"),
        // Who is asking: 401.
        report("no bearer token", good_report, 401).by(None),
        report("a token that was never issued", good_report, 401)
            .by(None)
            .headers(&[
                ("content-type", "application/json"),
                (
                    "authorization",
                    "Bearer glt_0000000000000000000000000000000000000000000000000000000000000000",
                ),
            ]),
        report("another scheme than bearer", good_report, 401)
            .by(None)
            .headers(&[
                ("content-type", "application/json"),
                ("authorization", "Basic ZGlzcGF0Y2g6cHc="),
            ]),
        case("no token on a list", M::GET, "/issues", "", 401).by(None),
        case("no token on a read", M::GET, "/issues/{id}", "", 401).by(None),
        // What it is: 415.
        report("text/plain for JSON", good_report, 415).headers(&[("content-type", "text/plain")]),
        report("no content type", good_report, 415).headers(&[]),
        action(
            "form encoding for an action",
            "action=reject&version=2",
            415,
        )
        .headers(&[("content-type", "application/x-www-form-urlencoded")]),
    ]
}

const LONG_KEY: &str = "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk";

impl Case {
    fn with_path(mut self, path: &'static str) -> Self {
        self.path = path;
        self
    }
}

/// Replaces `{placeholder}` in bytes (a body may not be UTF-8).
fn replace(bytes: &[u8], placeholder: &str, value: &str) -> Vec<u8> {
    let needle = placeholder.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(needle) {
            out.extend_from_slice(value.as_bytes());
            i += needle.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// What must not change: how many issues there are, and the target issue's version and history.
async fn snapshot(app: &TestApp, id: i64) -> (u64, Value, usize) {
    let issue = get_issue(app, id).await;
    let events = app
        .get(&format!("/api/v1/issues/{id}/events"), Some("dispatch"))
        .await
        .expect(200)
        .json();
    (
        issue_count(app).await,
        issue["version"].clone(),
        events["items"].as_array().expect("items").len(),
    )
}

both! {
    async fn bad_input_gets_its_documented_status_and_changes_nothing(app: &TestApp) {
        let issue = report(app, "post01", "The target of bad actions").await;
        let issue = step(app, "dispatch", &issue, json!({"action": "accept"})).await;
        let id = issue["id"].as_i64().expect("id").to_string();
        let enterprise = enterprise_in(app, "g1", 0).await.to_string();
        let before = snapshot(app, issue["id"].as_i64().expect("id")).await;
        assert_eq!(before, (1, json!(2), 2));
        let mut failures = Vec::new();
        for case in cases() {
            let path = format!("/api/v1{}", case.path.replace("{id}", &id));
            let body = replace(&case.body, "{e}", &enterprise);
            let reply = app.send(case.method.clone(), &path, case.login, case.headers, body).await;
            if reply.status.as_u16() != case.status {
                failures.push(format!("{}: expected {}, got {} {}", case.what, case.status, reply.status, reply.text()));
                continue;
            }
            let reply = reply.expect(case.status);
            if let Some(field) = case.field {
                let named = &reply.json()["errors"][0]["field"];
                if named != field {
                    failures.push(format!("{}: expected the field {field}, got {named}: {}", case.what, reply.text()));
                }
            }
            let after = snapshot(app, issue["id"].as_i64().expect("id")).await;
            assert_eq!(after, before, "{} changed the stored data", case.what);
        }
        assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    }

    async fn every_invalid_field_of_a_report_is_named_in_one_answer(app: &TestApp) {
        let body = json!({"enterprise_id": 0, "category": "Power!", "title": "  ", "description": "x".repeat(4001), "priority": "asap"});
        let reply = app.post_json("/api/v1/issues", Some("post01"), &body).await.expect(422);
        let fields: Vec<String> = reply.json()["errors"].as_array().expect("errors").iter()
            .map(|e| e["field"].as_str().expect("field").to_owned()).collect();
        assert_eq!(fields, ["enterprise_id", "category", "title", "description", "priority"]);
        assert_eq!(issue_count(app).await, 0);
    }

    async fn sql_in_a_title_or_a_search_is_stored_and_matched_literally(app: &TestApp) {
        let title = "'; DROP TABLE issues; --";
        let issue = report(app, "post01", title).await;
        let again = get_issue(app, issue["id"].as_i64().expect("id")).await;
        assert_eq!(again["title"], title);
        let other = report(app, "post01", "100% of the lights_out").await;
        assert_eq!(issue_count(app).await, 2);
        // Searching is literal too: quotes, `%` and `_` match only themselves.
        let search = |q: &'static str| async move {
            let list = app.get(&format!("/api/v1/issues?q={q}"), Some("dispatch")).await.expect(200).json();
            list["items"].as_array().expect("items").iter().map(|i| i["id"].clone()).collect::<Vec<_>>()
        };
        assert_eq!(search("%27%3B%20DROP%20TABLE").await, [issue["id"].clone()]);
        assert_eq!(search("%25").await, [other["id"].clone()]);
        assert_eq!(search("_").await, [other["id"].clone()]);
        assert_eq!(search("%27%20OR%20%271%27%3D%271").await, Vec::<Value>::new());
    }

    async fn markup_in_a_title_is_stored_literally_and_returned_escaped(app: &TestApp) {
        let title = r#"<script>alert("x")</script> & <b>bold</b>"#;
        let issue = report(app, "post01", title).await;
        let id = issue["id"].as_i64().expect("id");
        assert_eq!(issue["title"], title);
        for path in [format!("/api/v1/issues/{id}"), "/api/v1/issues".to_owned()] {
            let reply = app.get(&path, Some("post01")).await.expect(200);
            assert_eq!(reply.header("content-type").as_deref(), Some("application/json"));
            assert_eq!(reply.header("x-content-type-options").as_deref(), Some("nosniff"));
            let raw = reply.text();
            assert!(!raw.contains('<') && !raw.contains('>'), "{raw}");
            assert!(raw.contains(r"\u003cscript\u003e"), "{raw}");
        }
        assert_eq!(get_issue(app, id).await["title"], title);
    }
}

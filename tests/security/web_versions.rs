//! Finding 13: web actions require the version the page showed.
//!
//! The API refuses an action without the version the caller saw; the pages treated it as
//! optional, so a forged or replayed form (or a page left open for a day) acted on whatever
//! the issue had become. A missing or garbled `version` is now a 422 with the message in the
//! page's language, and nothing changes.

use bytes::Bytes;
use hyper::Method;
use serde_json::json;

use crate::both;
use crate::redirects::{encode, session_cookie, sign_in, with_password};
use crate::support::{Reply, TestApp};

/// A reported issue in g1, by post01 through the API.
async fn reported(app: &TestApp) -> i64 {
    let grid = app
        .store
        .grid_by_code(&gridloop_core::Code::parse("g1").expect("code"))
        .await
        .expect("lookup")
        .expect("g1");
    let enterprise = app
        .store
        .enterprises(Some(grid.id))
        .await
        .expect("enterprises")[0]
        .id;
    app.post_json(
        "/api/v1/issues",
        Some("post01"),
        &json!({"enterprise_id": enterprise.get(), "category": "power", "title": "道路破损"}),
    )
    .await
    .expect(201)
    .json()["id"]
        .as_i64()
        .expect("id")
}

async fn post_form(app: &TestApp, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Reply {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    app.send(
        Method::POST,
        path,
        None,
        &[
            ("cookie", cookie),
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        Bytes::from(body),
    )
    .await
}

async fn status_and_version(app: &TestApp, id: i64) -> (String, u64) {
    let issue = app
        .get(&format!("/api/v1/issues/{id}"), Some("dispatch"))
        .await
        .expect(200)
        .json();
    (
        issue["status"].as_str().expect("status").to_owned(),
        issue["version"].as_u64().expect("version"),
    )
}

both! {
    async fn a_web_action_without_the_version_the_page_showed_is_a_422_and_changes_nothing(app: &TestApp) {
        let id = reported(app).await;
        with_password(app, "dispatch").await;
        let cookie = session_cookie(&sign_in(app, "dispatch", "/").await);
        let csrf = gridloop_web::csrf::token_for(cookie.trim_start_matches("gridloop_session="));
        let path = format!("/issues/{id}/accept");
        for version in [None, Some(""), Some("abc"), Some("-1"), Some("1.0"), Some("99999999999")] {
            let mut fields = vec![("_csrf", csrf.as_str()), ("_next", "/intake")];
            if let Some(v) = version {
                fields.push(("version", v));
            }
            let reply = post_form(app, &cookie, &path, &fields).await;
            assert_eq!(reply.status.as_u16(), 422, "version {version:?}: {}", reply.text());
            assert!(reply.text().contains("表单未注明页面显示的问题版本"), "{}", reply.text());
            assert_eq!(status_and_version(app, id).await, ("reported".to_owned(), 1));
        }
        // In the page's language.
        let english = format!("{cookie}; gridloop_lang=en");
        let reply = post_form(app, &english, &path, &[("_csrf", csrf.as_str())]).await;
        assert_eq!(reply.status.as_u16(), 422);
        assert!(reply.text().contains("did not say which version"), "{}", reply.text());
        // A stale version is a conflict; the version the page showed goes through.
        let stale = post_form(app, &cookie, &path, &[("_csrf", csrf.as_str()), ("version", "7")]).await;
        assert_eq!(stale.status.as_u16(), 409, "{}", stale.text());
        let done = post_form(app, &cookie, &path, &[("_csrf", csrf.as_str()), ("version", "1")]).await;
        assert_eq!(done.status.as_u16(), 303, "{}", done.text());
        assert_eq!(status_and_version(app, id).await, ("accepted".to_owned(), 2));
    }
}

//! Finding 5: an Open311 key works only under /open311/v2, on the requests it reported.
//!
//! The demo's Open311 client speaks for every enterprise of the park. Before tokens had a
//! scope, its key was a full API token: it read post01's issue and its events through
//! `/api/v1`, commented, uploaded an attachment and listed every user; and through Open311 any
//! caller, with no key at all, read every request of every 311 client.

use bytes::Bytes;
use gridloop_core::{Code, EnterpriseId, IssueId, Login, Name, Role};
use gridloop_store::{IssueFilter, NewUser};
use hyper::Method;
use serde_json::{json, Value};

use crate::both;
use crate::support::{Reply, TestApp};

const BOUNDARY: &str = "----gridloop-scope-test";

/// Sends a request with `token` as the bearer token.
async fn with_bearer(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Reply {
    let auth = format!("Bearer {token}");
    app.send(
        method,
        path,
        None,
        &[("authorization", &auth), ("content-type", content_type)],
        body,
    )
    .await
}

/// A problem post01 reports for the first enterprise of its grid: an issue the Open311 client's
/// user could see through `/api/v1` (it speaks for every enterprise).
async fn post01_issue(app: &TestApp) -> i64 {
    let grid = app
        .store
        .grid_by_code(&Code::parse("g1").expect("code"))
        .await
        .expect("grid lookup")
        .expect("demo grid");
    let enterprise = app.store.enterprises(Some(grid.id)).await.expect("list")[0].id;
    let body = json!({"enterprise_id": enterprise.get(), "category": "power", "title": "专线迁改"});
    app.post_json("/api/v1/issues", Some("post01"), &body)
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id")
}

fn png_upload() -> Vec<u8> {
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    png.extend_from_slice(b"IHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0");
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&png);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let enc = |s: &str| -> String {
                s.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            char::from(b).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Posts an Open311 request for `enterprise` keyed with `key`; the reply as it came.
async fn open311_report(app: &TestApp, key: &str, enterprise: &str, text: &str) -> Reply {
    let body = form(&[
        ("api_key", key),
        ("service_code", "roads"),
        ("address_string", "铝城大道8号"),
        ("attribute[enterprise]", enterprise),
        ("description", text),
    ]);
    app.send(
        Method::POST,
        "/open311/v2/requests.json",
        None,
        &[("content-type", "application/x-www-form-urlencoded")],
        body,
    )
    .await
}

async fn reported_id(reply: Reply) -> String {
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()[0]["service_request_id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

fn ids(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply
        .json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| r["service_request_id"].as_str().expect("id").to_owned())
        .collect()
}

fn assert_open311_error(reply: &Reply, status: u16) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
    let body: Value = reply.json();
    assert_eq!(body[0]["code"], status, "{body}");
}

both! {
    async fn an_open311_key_cannot_read_comment_upload_or_list_users_under_the_api(app: &TestApp) {
        let id = post01_issue(app).await;
        let key = app.open311_key("open311").await;
        let events_before = app.store.events(IssueId::new(id).expect("id")).await.expect("events").len();
        let comment = serde_json::to_vec(&json!({"action": "comment", "version": 1, "note": "我是 Open311 客户端"})).expect("json");
        let multipart = format!("multipart/form-data; boundary={BOUNDARY}");
        let attempts: Vec<(Method, String, &str, Vec<u8>)> = vec![
            (Method::GET, format!("/api/v1/issues/{id}"), "application/json", vec![]),
            (Method::GET, format!("/api/v1/issues/{id}/events"), "application/json", vec![]),
            (Method::GET, "/api/v1/issues".to_owned(), "application/json", vec![]),
            (Method::POST, format!("/api/v1/issues/{id}/actions"), "application/json", comment),
            (Method::POST, format!("/api/v1/issues/{id}/attachments"), &multipart, png_upload()),
            (Method::GET, format!("/api/v1/issues/{id}/attachments"), "application/json", vec![]),
            (Method::GET, "/api/v1/users".to_owned(), "application/json", vec![]),
        ];
        for (method, path, content_type, body) in attempts {
            let reply = with_bearer(app, method.clone(), &path, &key, content_type, body).await;
            let reply = reply.expect(403);
            assert!(
                reply.json()["detail"].as_str().is_some_and(|d| d.contains("/open311/v2")),
                "{method} {path}: {}",
                reply.text()
            );
        }
        // Nothing was written: no comment, no attachment.
        let events_after = app.store.events(IssueId::new(id).expect("id")).await.expect("events").len();
        assert_eq!(events_after, events_before);
        let attachments = app.store.attachments(IssueId::new(id).expect("id")).await.expect("list");
        assert!(attachments.is_empty(), "{attachments:?}");
        // The same user's API token still works there: the scope, not the user, was refused.
        app.get(&format!("/api/v1/issues/{id}"), Some("open311")).await.expect(200);
    }

    async fn an_open311_key_sees_only_the_requests_it_reported(app: &TestApp) {
        // A second 311 client, speaking for enterprise 2 only.
        app.store
            .create_user(NewUser {
                login: Login::parse("acme").expect("login"),
                name: Name::parse("某企业联系人").expect("name"),
                phone: None,
                email: None,
                locale: "zh-CN".into(),
                roles: vec![Role::Enterprise],
                posts: vec![],
                units: vec![],
                grids: vec![],
                enterprises: vec![EnterpriseId::new(2).expect("id")],
            })
            .await
            .expect("user");
        let demo = app.open311_key("open311").await;
        let acme = app.open311_key("acme").await;
        let mine = reported_id(open311_report(app, &demo, "1", "厂门口道路破损").await).await;
        let theirs = reported_id(open311_report(app, &acme, "2", "仓库门前积水").await).await;

        // Lists show only the key's own requests, whatever the filter asks for.
        let list = |key: &str, query: &str| format!("/open311/v2/requests.json?api_key={key}{query}");
        assert_eq!(ids(&app.get(&list(&demo, ""), None).await), std::slice::from_ref(&mine));
        assert_eq!(ids(&app.get(&list(&acme, ""), None).await), std::slice::from_ref(&theirs));
        let both_ids = format!("&service_request_id={mine},{theirs}");
        assert_eq!(ids(&app.get(&list(&demo, &both_ids), None).await), std::slice::from_ref(&mine));
        let xml = app.get(&format!("/open311/v2/requests.xml?api_key={demo}"), None).await;
        assert!(!xml.text().contains("仓库门前积水"), "{}", xml.text());

        // Another's request reads exactly as one that does not exist.
        for path in [format!("requests/{theirs}.json"), format!("tokens/{theirs}.json")] {
            let other = app.get(&format!("/open311/v2/{path}?api_key={demo}"), None).await;
            assert_open311_error(&other, 404);
            let absent = app.get(&format!("/open311/v2/{}?api_key={demo}", path.replace(&theirs, "999999")), None).await;
            assert_open311_error(&absent, 404);
            assert_eq!(
                other.json()[0]["description"].as_str().map(|d| d.replace(&theirs, "N")),
                absent.json()[0]["description"].as_str().map(|d| d.replace("999999", "N")),
            );
        }
        let own = app.get(&format!("/open311/v2/requests/{mine}.json?api_key={demo}"), None).await;
        assert_eq!(ids(&own), std::slice::from_ref(&mine));

        // Without a key, nothing is read at all.
        for path in ["requests.json", "requests.xml"] {
            assert_open311_error_any(&app.get(&format!("/open311/v2/{path}"), None).await, 403);
        }
        assert_open311_error(&app.get(&format!("/open311/v2/requests/{mine}.json"), None).await, 403);
        assert_open311_error(&app.get(&format!("/open311/v2/tokens/{mine}.json"), None).await, 403);
    }

    async fn an_api_token_is_refused_as_an_open311_api_key(app: &TestApp) {
        // The Open311 client's user with an API token: a real token of the right user, but it
        // opens /api/v1 only.
        let api_token = app.token("open311").await;
        let reply = open311_report(app, &api_token, "1", "厂门口道路破损").await;
        assert_open311_error(&reply, 403);
        assert!(reply.text().contains("scope open311"), "{}", reply.text());
        let all = app.store.list_issues(&IssueFilter::default(), 10, None).await.expect("list");
        assert!(all.items.is_empty(), "nothing stored");
        let list = app.get(&format!("/open311/v2/requests.json?api_key={api_token}"), None).await;
        assert_open311_error(&list, 403);
        // Its Open311 key does the same job.
        let key = app.open311_key("open311").await;
        reported_id(open311_report(app, &key, "1", "厂门口道路破损").await).await;
    }
}

/// An error in the spec's shape, in JSON or XML as the path asked.
fn assert_open311_error_any(reply: &Reply, status: u16) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
    let text = reply.text();
    assert!(
        text.contains(&format!("\"code\":{status}"))
            || text.contains(&format!("<code>{status}</code>")),
        "{text}"
    );
}

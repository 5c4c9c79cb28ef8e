//! Finding 14: Open311 status_notes show only what a unit marked public.
//!
//! `status_notes` used to print the unit's resolution note, which is written for the loop's own
//! people and often names who was called and on which number. Now the unit may add a public
//! note when it resolves; Open311 shows that one, or just the status.

use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};

use crate::both;
use crate::support::{Reply, TestApp};

const PHONE: &str = "13812345678";
const INTERNAL: &str = "已联系王建国师傅 13812345678，更换电缆";
const PUBLIC: &str = "电缆已更换，供电恢复";
const REASON: &str = "请联系李主任 13900001111 核实";

fn form(fields: &[(&str, &str)]) -> String {
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
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A request from the demo's Open311 client for enterprise 1, in the power service; its id.
async fn request(app: &TestApp, key: &str, text: &str) -> i64 {
    let body = form(&[
        ("api_key", key),
        ("service_code", "power"),
        ("address_string", "铝城大道8号"),
        ("attribute[enterprise]", "1"),
        ("description", text),
    ]);
    let reply = app
        .send(
            Method::POST,
            "/open311/v2/requests.json",
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
            Bytes::from(body),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()[0]["service_request_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("an id")
}

/// Takes an action through the API at the issue's current version.
async fn act(app: &TestApp, id: i64, login: &str, mut body: Value) {
    let issue = app
        .get(&format!("/api/v1/issues/{id}"), Some("dispatch"))
        .await
        .expect(200)
        .json();
    body["version"] = issue["version"].clone();
    app.post_json(&format!("/api/v1/issues/{id}/actions"), Some(login), &body)
        .await
        .expect(200);
}

/// Accepted, assigned to power, started.
async fn in_progress(app: &TestApp, id: i64) {
    act(app, id, "dispatch", json!({"action": "accept"})).await;
    act(
        app,
        id,
        "dispatch",
        json!({"action": "assign", "unit": "power"}),
    )
    .await;
    act(app, id, "power", json!({"action": "start"})).await;
}

/// Everything Open311 says about the key's requests: each one and the list, in JSON and XML,
/// with and without extensions.
async fn everything_open311_shows(app: &TestApp, key: &str, ids: &[i64]) -> Vec<Reply> {
    let mut paths = Vec::new();
    for format in ["json", "xml"] {
        for ext in ["", "&extensions=true"] {
            paths.push(format!("/open311/v2/requests.{format}?api_key={key}{ext}"));
            for id in ids {
                paths.push(format!(
                    "/open311/v2/requests/{id}.{format}?api_key={key}{ext}"
                ));
            }
        }
    }
    let mut replies = Vec::new();
    for path in paths {
        let reply = app.get(&path, None).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        replies.push(reply);
    }
    replies
}

fn status_notes_json(reply: &Reply, id: i64) -> String {
    reply
        .json()
        .as_array()
        .expect("a list")
        .iter()
        .find(|r| r["service_request_id"].as_str() == Some(id.to_string().as_str()))
        .and_then(|r| r["status_notes"].as_str())
        .expect("status_notes")
        .to_owned()
}

both! {
    async fn an_internal_resolution_note_with_a_phone_number_never_leaves_through_open311(app: &TestApp) {
        let key = app.open311_key("open311").await;
        // Resolved with only an internal note; another rejected with a reason naming a person.
        let quiet = request(app, &key, "厂区断电").await;
        in_progress(app, quiet).await;
        act(app, quiet, "power", json!({"action": "resolve", "note": INTERNAL})).await;
        act(app, quiet, "power", json!({"action": "comment", "note": INTERNAL})).await;
        let rejected = request(app, &key, "路灯不亮").await;
        act(app, rejected, "dispatch", json!({"action": "reject", "reason": REASON})).await;

        for reply in everything_open311_shows(app, &key, &[quiet, rejected]).await {
            let text = reply.text();
            for secret in [PHONE, "王建国", "13900001111", "李主任", "更换电缆"] {
                assert!(!text.contains(secret), "{secret} leaked: {text}");
            }
        }
        let one = app.get(&format!("/open311/v2/requests/{quiet}.json?api_key={key}"), None).await;
        assert_eq!(status_notes_json(&one, quiet), "resolved", "just the status");
        let one = app.get(&format!("/open311/v2/requests/{rejected}.json?api_key={key}"), None).await;
        assert_eq!(status_notes_json(&one, rejected), "rejected");
    }

    async fn a_public_note_is_what_the_requester_reads_in_json_and_xml(app: &TestApp) {
        let key = app.open311_key("open311").await;
        let id = request(app, &key, "厂区断电").await;
        in_progress(app, id).await;
        act(app, id, "power", json!({"action": "resolve", "note": INTERNAL, "public_note": PUBLIC})).await;

        let json = app.get(&format!("/open311/v2/requests/{id}.json?api_key={key}"), None).await;
        assert_eq!(status_notes_json(&json, id), format!("resolved: {PUBLIC}"));
        let xml = app.get(&format!("/open311/v2/requests/{id}.xml?api_key={key}&extensions=true"), None).await;
        assert!(
            xml.text().contains(&format!("<status_notes>resolved: {PUBLIC}</status_notes>")),
            "{}",
            xml.text()
        );
        for reply in everything_open311_shows(app, &key, &[id]).await {
            assert!(!reply.text().contains(PHONE), "{}", reply.text());
        }
        // Verified and closed, the public note stays; the internal one still never shows.
        act(app, id, "post01", json!({"action": "verify", "satisfaction": 5})).await;
        let json = app.get(&format!("/open311/v2/requests.json?api_key={key}&extensions=true"), None).await;
        assert_eq!(status_notes_json(&json, id), format!("closed: {PUBLIC}"));
        assert!(!json.text().contains(PHONE), "{}", json.text());
        // The loop's own people still read the internal note through the API.
        let issue = app.get(&format!("/api/v1/issues/{id}"), Some("dispatch")).await.expect(200).json();
        assert_eq!(issue["resolution"], INTERNAL);
    }

    async fn the_resolved_notice_to_an_open311_requester_carries_the_public_note_never_the_internal_one(app: &TestApp) {
        use gridloop_app::delivery::notice;
        use gridloop_core::NotificationKind;

        let key = app.open311_key("open311").await;
        let requester = app
            .store
            .user_by_login(&gridloop_core::Login::parse("open311").expect("login"))
            .await
            .expect("read")
            .expect("the demo's Open311 user");
        // An enterprise's own account with an address, so it is told when its request is resolved.
        app.send(
            Method::PATCH,
            &format!("/api/v1/users/{}", requester.id),
            Some("admin"),
            &[("content-type", "application/json")],
            Bytes::from(json!({"email": "office@enterprise.example"}).to_string()),
        )
        .await
        .expect(200);
        let id = request(app, &key, "厂区断电").await;
        in_progress(app, id).await;
        act(app, id, "power", json!({"action": "resolve", "note": INTERNAL, "public_note": PUBLIC})).await;

        let resolved: Vec<_> = app
            .store
            .notifications(None, 1000)
            .await
            .expect("notifications")
            .into_iter()
            .filter(|n| n.kind == NotificationKind::Resolved && n.issue_id == Some(id))
            .collect();
        let to_requester: Vec<_> = resolved
            .iter()
            .filter(|n| n.recipient_id == Some(requester.id.get()))
            .collect();
        assert!(!to_requester.is_empty(), "the requester is told ({} others are)", resolved.len());
        for n in &resolved {
            let built = notice::build(&app.store, n, NotificationKind::Resolved, chrono_tz::Asia::Shanghai, gridloop_app::clock::Clock::now(app.clock.as_ref()))
                .await
                .expect("notice");
            let note = built.note.unwrap_or_default();
            if n.recipient_id == Some(requester.id.get()) {
                assert_eq!(note, PUBLIC, "the requester reads the public note");
            } else {
                assert_eq!(note, INTERNAL, "staff read the internal note");
            }
        }
    }
}

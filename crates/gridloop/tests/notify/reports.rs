//! The HTTP side: the admin's outbox listing and retry, and delivery reports from the gateway.

use gridloop_scheduler::reports::ReportContext;
use gridloop_scheduler::LiveWorkflow;
use std::sync::Arc;

use bytes::Bytes;
use gridloop::serve;
use gridloop_app::clock::ManualClock;
use gridloop_app::delivery::dlr::DlrSecret;
use gridloop_app::tokens::{new_token, token_hash};
use gridloop_app::AppState;
use gridloop_app::Shared;
use gridloop_core::{Calendar, Login, Workflow};
use gridloop_store::{NotificationState, Store, TokenScope};
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::support::{instant, Park, DAY};

/// The park's API on 127.0.0.1:0 (a loopback peer, as Kannel next to gridloop would be).
pub async fn serve(store: &Store, park: &Park) -> String {
    let workflow = LiveWorkflow::new(Workflow::new(Calendar::default_china()));
    let state = AppState::new(Shared {
        store: store.clone(),
        workflow: workflow.clone(),
        calendar: gridloop_app::settings::Settings::defaults().calendar,
        calendar_built_from: Default::default(),
        clock: Arc::new(ManualClock::new(instant(DAY))),
        callers: Default::default(),
        category_ids: Default::default(),
        data_dir: park.data_dir(),
        attachment_max_bytes: 1024,
        web: Default::default(),
        reports: ReportContext::live(workflow),
        limits: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}/api/v1", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = serve::serve(listener, state, std::future::pending()).await;
    });
    base
}

async fn token(store: &Store, login: &str) -> String {
    let user = store
        .user_by_login(&Login::parse(login).expect("login"))
        .await
        .expect("lookup")
        .expect("a demo user");
    let secret = new_token().expect("randomness");
    store
        .create_token(
            user.id,
            "test",
            TokenScope::Api,
            &token_hash(&secret),
            instant(DAY),
        )
        .await
        .expect("token");
    secret
}

async fn call(method: Method, url: &str, token: Option<&str>) -> (u16, String, Value) {
    let mut req = Request::builder().method(method).uri(url);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client
        .request(req.body(Full::new(Bytes::new())).expect("request"))
        .await
        .expect("HTTP");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        kind,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_delivery_report_moves_a_sent_sms_to_delivered_once() {
    let park = Park::new();
    park.json(&["notify", "work"], DAY);
    let store = park.store().await;
    let sms = store
        .notifications(Some(NotificationState::Sent), 100)
        .await
        .expect("list")
        .into_iter()
        .find(|n| n.channel == gridloop_core::Channel::Sms)
        .expect("a sent SMS");
    let base = serve(&store, &park).await;
    // The deployment's secret, as the Kannel channel puts it in the dlr-url.
    let secret = DlrSecret::default()
        .get(&store, instant(DAY))
        .await
        .expect("the deployment's secret")
        .expose()
        .to_owned();
    let dlr = |id: String, status: &str| {
        format!("{base}/notifications/dlr?secret={secret}&id={id}&status={status}")
    };

    let (status, _, body) = call(Method::GET, &dlr(sms.id.to_string(), "8"), None).await;
    assert_eq!((status, body["recorded"].as_str()), (200, Some("applied")));
    let (status, _, body) = call(Method::GET, &dlr(sms.id.to_string(), "1"), None).await;
    assert_eq!((status, body["recorded"].as_str()), (200, Some("applied")));
    let (status, _, body) = call(Method::GET, &dlr(sms.id.to_string(), "1"), None).await;
    assert_eq!(
        (status, body["recorded"].as_str()),
        (200, Some("duplicate"))
    );
    let now = store
        .notification(sms.id)
        .await
        .expect("read")
        .expect("row");
    assert_eq!(now.state, NotificationState::Delivered);

    for (id, code) in [
        ("abc".to_owned(), "1"),
        (sms.id.to_string(), "3"),
        (sms.id.to_string(), "x"),
    ] {
        let (status, kind, _) = call(Method::GET, &dlr(id, code), None).await;
        assert_eq!(status, 400);
        assert_eq!(kind, "application/problem+json");
    }
    let (status, _, _) = call(Method::GET, &dlr("999999".into(), "1"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn only_admins_list_and_retry_notifications() {
    let park = Park::new();
    let store = park.store().await;
    let base = serve(&store, &park).await;
    let list = format!("{base}/notifications?state=pending&limit=5");

    assert_eq!(call(Method::GET, &list, None).await.0, 401);
    let dispatcher = token(&store, "dispatch").await;
    assert_eq!(call(Method::GET, &list, Some(&dispatcher)).await.0, 403);
    let admin = token(&store, "admin").await;
    let (status, _, body) = call(Method::GET, &list, Some(&admin)).await;
    assert_eq!(status, 200, "{body}");
    let rows = body.as_array().expect("a list");
    assert!(!rows.is_empty() && rows.len() <= 5, "{body}");
    assert!(rows.iter().all(|n| n["state"] == "pending"));
    assert!(rows
        .iter()
        .all(|n| n["address"].as_str().is_some_and(|a| a.contains("***"))));

    let pending = rows[0]["id"].to_string();
    let retry = format!("{base}/notifications/{pending}/retry");
    assert_eq!(call(Method::POST, &retry, Some(&dispatcher)).await.0, 403);
    assert_eq!(call(Method::POST, &retry, Some(&admin)).await.0, 422);

    let bad = format!("{base}/notifications?state=lost");
    assert_eq!(call(Method::GET, &bad, Some(&admin)).await.0, 422);

    let doc = call(Method::GET, &format!("{base}/openapi.json"), None)
        .await
        .2;
    assert!(
        doc["paths"]["/notifications/dlr"]["get"].is_object(),
        "{doc:#}"
    );
}

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use gridloop_notifier::channel::{signature, Channel, Secret, WebhookConfig};
use gridloop_notifier::{Address, Content, Outcome};
use tokio::sync::mpsc;

use crate::support::{email, sms, unique_id};

const SECRET: &str = "webhook-test-secret";

/// A gateway on loopback: `/ok` checks the signature and records the body; the other paths
/// answer the status their name says.
async fn gateway() -> (SocketAddr, mpsc::UnboundedReceiver<serde_json::Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let ok = move |headers: HeaderMap, body: String| {
        let tx = tx.clone();
        async move {
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            let timestamp: u64 = header("x-gridloop-timestamp").parse().unwrap_or(0);
            if header("x-gridloop-signature") != signature(SECRET, timestamp, body.as_bytes()) {
                return StatusCode::UNAUTHORIZED.into_response();
            }
            let mut json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            json["idempotency_key"] = header("idempotency-key").into();
            let _ = tx.send(json);
            StatusCode::NO_CONTENT.into_response()
        }
    };
    let app = Router::new()
        .route("/ok", post(ok))
        .route(
            "/fail",
            post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route(
            "/bad",
            post(|| async { (StatusCode::BAD_REQUEST, "unknown number") }),
        )
        .route(
            "/slow-down",
            post(|| async { (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "30")], "") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, rx)
}

fn channel(url: String, secret: &str) -> Channel {
    Channel::webhook(WebhookConfig {
        url,
        secret: Secret::new(secret),
        timeout_secs: 10,
    })
    .expect("valid config")
}

#[tokio::test]
async fn a_signed_sms_reaches_the_gateway_with_its_idempotency_key() {
    let (addr, mut rx) = gateway().await;
    let id = unique_id();
    let msg = sms(id, "您的报修已受理");
    let outcome = channel(format!("http://{addr}/ok"), SECRET)
        .send(&msg)
        .await;
    assert_eq!(outcome, Outcome::Accepted { provider_id: None });

    let got = rx.recv().await.expect("one request");
    let (Address::Phone(phone), Content::Sms { text }) = (&msg.to, &msg.content) else {
        unreachable!("an SMS")
    };
    assert_eq!(got["id"], id);
    assert_eq!(got["to"], phone.as_str());
    assert_eq!(got["text"], text.as_str());
    assert_eq!(got["idempotency_key"], id.to_string());
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_gateway_and_is_permanent() {
    let (addr, _rx) = gateway().await;
    let outcome = channel(format!("http://{addr}/ok"), "other")
        .send(&sms(unique_id(), "x"))
        .await;
    assert!(matches!(outcome, Outcome::Permanent { .. }), "{outcome:?}");
}

#[tokio::test]
async fn gateway_answers_are_classified() {
    let (addr, _rx) = gateway().await;
    let msg = sms(unique_id(), "测试");
    let send = |path: &str| channel(format!("http://{addr}/{path}"), SECRET);

    let outcome = send("fail").send(&msg).await;
    assert!(
        matches!(&outcome, Outcome::Transient { error, .. } if error.contains("500")),
        "{outcome:?}"
    );
    let outcome = send("bad").send(&msg).await;
    assert!(
        matches!(&outcome, Outcome::Permanent { error } if error.contains("unknown number")),
        "{outcome:?}"
    );
    assert_eq!(
        send("slow-down").send(&msg).await,
        Outcome::RateLimited {
            retry_after: Some(Duration::from_secs(30))
        }
    );
}

#[tokio::test]
async fn an_unreachable_gateway_is_transient() {
    // Bind then drop to get a port nothing listens on.
    let addr = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("addr");
    let outcome = channel(format!("http://{addr}/ok"), SECRET)
        .send(&sms(unique_id(), "x"))
        .await;
    assert!(matches!(outcome, Outcome::Transient { .. }), "{outcome:?}");
}

#[tokio::test]
async fn email_content_is_permanent_on_the_sms_webhook() {
    let outcome = channel("http://127.0.0.1:9/ok".to_owned(), SECRET)
        .send(&email(unique_id(), "主题", None, None))
        .await;
    assert!(matches!(outcome, Outcome::Permanent { .. }), "{outcome:?}");
}

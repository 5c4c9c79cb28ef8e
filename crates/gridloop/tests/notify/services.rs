//! Against real servers, when `tests/run.sh` started them: MailDev (SMTP) and Kannel (SMS).
//! Without their environment variables these tests say so and pass.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gridloop_app::clock::ManualClock;
use gridloop_store::{Notification, NotificationState, Store};

use crate::reports::serve;
use crate::support::{instant, Park, DAY};

fn var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            eprintln!("{name} is not set: skipping (tests/run.sh starts the service and sets it)");
            None
        }
    }
}

fn control(script: &str, action: &str) {
    let status = Command::new("bash")
        .arg(script)
        .arg(action)
        .status()
        .expect("the service script runs");
    assert!(status.success(), "{script} {action} failed");
}

async fn on(store: &Store, channel: &str, kind: &str) -> Vec<Notification> {
    store
        .notifications(None, 500)
        .await
        .expect("list")
        .into_iter()
        .filter(|n| n.channel.as_str() == channel && n.kind.as_str() == kind)
        .collect()
}

async fn get_json(url: &str) -> serde_json::Value {
    use http_body_util::{BodyExt, Full};
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<bytes::Bytes>>();
    let response = client.get(url.parse().expect("URL")).await.expect("GET");
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    serde_json::from_slice(&body).expect("JSON")
}

#[tokio::test]
async fn through_maildev_a_refused_email_is_retried_and_arrives_once_threaded() {
    let (Some(host), Some(port), Some(api), Some(ctl)) = (
        var("GRIDLOOP_TEST_SMTP_HOST"),
        var("GRIDLOOP_TEST_SMTP_PORT"),
        var("GRIDLOOP_TEST_MAILDEV_URL"),
        var("GRIDLOOP_TEST_MAILDEV_CTL"),
    ) else {
        return;
    };
    let park = Park::new();
    let store = park.store().await;
    let clock = Arc::new(ManualClock::new(instant(DAY)));
    // A Message-ID domain of this run only: MailDev keeps the mail of earlier runs.
    let domain = format!("run{}.test", chrono::Utc::now().timestamp_micros());
    let delivery = park.delivery(
        &store,
        clock.clone(),
        &[
            ("GRIDLOOP_NOTIFY__EMAIL", "smtp".into()),
            ("GRIDLOOP_NOTIFY__SMTP__HOST", host),
            ("GRIDLOOP_NOTIFY__SMTP__PORT", port),
            ("GRIDLOOP_NOTIFY__SMTP__SECURITY", "plain".into()),
            (
                "GRIDLOOP_NOTIFY__SMTP__FROM",
                "园区服务 <noreply@park.example>".into(),
            ),
            ("GRIDLOOP_NOTIFY__SMTP__DOMAIN", domain.clone()),
            ("GRIDLOOP_NOTIFY__SMTP__TIMEOUT_SECS", "5".into()),
        ],
    );

    control(&ctl, "down");
    let refused = delivery.round().await;
    control(&ctl, "restart");
    let refused = refused.expect("round");
    assert!(refused.retried > 0, "{refused:?}");
    for n in on(&store, "email", "assigned").await {
        assert_eq!(n.state, NotificationState::Pending, "{n:?}");
        assert!(n.last_error.is_some());
    }

    // Past any backoff (the cap is an hour).
    clock.advance(chrono::Duration::hours(2));
    let back = delivery.round().await.expect("round");
    assert_eq!(back.sent, back.claimed, "{back:?}");
    let emails = on(&store, "email", "assigned").await;
    assert!(!emails.is_empty());
    let deadline = Instant::now() + Duration::from_secs(15);
    for n in &emails {
        assert_eq!(n.state, NotificationState::Sent, "{n:?}");
        let id = format!("<n{}@{domain}>", n.id);
        let copies = loop {
            let all = get_json(&format!("{api}/api/email")).await;
            let copies: Vec<serde_json::Value> = all
                .as_array()
                .expect("a list")
                .iter()
                .filter(|m| m["headers"]["message-id"].as_str() == Some(id.as_str()))
                .cloned()
                .collect();
            if !copies.is_empty() || Instant::now() > deadline {
                break copies;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(copies.len(), 1, "exactly one copy of {id}");
        let mail = &copies[0];
        assert!(
            mail["subject"].as_str().is_some_and(|s| !s.is_empty()),
            "{mail}"
        );
        let thread = format!("<issue-{}@{domain}>", park.issue);
        assert_eq!(
            mail["headers"]["in-reply-to"].as_str(),
            Some(thread.as_str()),
            "{mail}"
        );
    }
}

#[tokio::test]
async fn through_kannel_a_delivery_report_moves_the_sms_to_delivered() {
    let (Some(url), Some(user), Some(password)) = (
        var("GRIDLOOP_TEST_KANNEL_URL"),
        var("GRIDLOOP_TEST_KANNEL_USER"),
        var("GRIDLOOP_TEST_KANNEL_PASSWORD"),
    ) else {
        return;
    };
    let park = Park::new();
    let store = park.store().await;
    let base = serve(&store, &park).await;
    let clock = Arc::new(ManualClock::new(instant(DAY)));
    let delivery = park.delivery(
        &store,
        clock,
        &[
            ("GRIDLOOP_NOTIFY__SMS", "kannel".into()),
            ("GRIDLOOP_NOTIFY__KANNEL__URL", url),
            ("GRIDLOOP_NOTIFY__KANNEL__USERNAME", user),
            ("GRIDLOOP_NOTIFY__KANNEL__PASSWORD", password),
            (
                "GRIDLOOP_NOTIFY__KANNEL__DLR_URL",
                format!("{base}/notifications/dlr"),
            ),
        ],
    );
    let round = delivery.round().await.expect("round");
    assert_eq!(round.sent, round.claimed, "{round:?}");
    let sms = on(&store, "sms", "assigned").await;
    assert!(!sms.is_empty());
    let deadline = Instant::now() + Duration::from_secs(30);
    for n in sms {
        loop {
            let now = store.notification(n.id).await.expect("read").expect("row");
            if now.state == NotificationState::Delivered {
                break;
            }
            assert!(Instant::now() < deadline, "not delivered in 30 s: {now:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

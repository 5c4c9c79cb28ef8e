use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use gridloop_notifier::channel::{Channel, DlrStatus, KannelConfig, Secret};
use gridloop_notifier::Outcome;
use tokio::sync::mpsc;

use crate::support::{phone_for, sms, unique_id, Kannel};

fn channel(kannel: &Kannel, password: &str, dlr_url: Option<String>) -> Channel {
    Channel::kannel(KannelConfig {
        url: kannel.url.clone(),
        username: kannel.user.clone(),
        password: Secret::new(password),
        from: Some("10690000".to_owned()),
        dlr_url,
        dlr_mask: 31,
        timeout_secs: 10,
    })
    .expect("valid config")
}

fn accepted(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Accepted { .. })
}

#[tokio::test]
async fn chinese_text_reaches_the_sms_centre_intact() {
    let Some(kannel) = Kannel::get().await else {
        return;
    };
    let id = unique_id();
    let text = "【园区】3号楼今晚22:00停电检修，约2小时。";
    let outcome = channel(&kannel, &kannel.password, None)
        .send(&sms(id, text))
        .await;
    assert!(accepted(&outcome), "{outcome:?}");
    assert_eq!(kannel.wait_for(&phone_for(id), 1).await, vec![text]);
}

#[tokio::test]
async fn a_long_chinese_text_goes_out_as_concatenated_parts() {
    let Some(kannel) = Kannel::get().await else {
        return;
    };
    let id = unique_id();
    let text: String = "园区道路养护通知请绕行".chars().cycle().take(120).collect();
    let outcome = channel(&kannel, &kannel.password, None)
        .send(&sms(id, &text))
        .await;
    assert!(accepted(&outcome), "{outcome:?}");
    // 67 UCS-2 characters per linked part.
    let parts = kannel.wait_for(&phone_for(id), 2).await;
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert_eq!(parts.concat(), text);
}

#[tokio::test]
async fn a_wrong_password_is_permanent() {
    let Some(kannel) = Kannel::get().await else {
        return;
    };
    let outcome = channel(&kannel, "not-the-password", None)
        .send(&sms(unique_id(), "测试"))
        .await;
    assert!(
        matches!(&outcome, Outcome::Permanent { error } if error.contains("403")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn an_sms_sent_while_the_sms_centre_is_down_is_queued_and_arrives_after_reconnect() {
    let Some(kannel) = Kannel::get().await else {
        return;
    };
    let id = unique_id();
    let to = phone_for(id);
    kannel.control("smsc-stop");
    let outcome = channel(&kannel, &kannel.password, None)
        .send(&sms(id, "排队中的短信"))
        .await;
    let nothing_yet = kannel.received(&to);
    kannel.control("smsc-start");
    assert!(accepted(&outcome), "{outcome:?}");
    assert!(nothing_yet.is_empty(), "{nothing_yet:?}");
    assert_eq!(kannel.wait_for(&to, 1).await, vec!["排队中的短信"]);
}

#[tokio::test]
async fn kannel_reports_delivery_to_the_dlr_url_with_our_id() {
    let Some(kannel) = Kannel::get().await else {
        return;
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<HashMap<String, String>>();
    let app = Router::new()
        .route(
            "/api/v1/notifications/dlr",
            get(
                |State(tx): State<mpsc::UnboundedSender<HashMap<String, String>>>,
                 Query(q): Query<HashMap<String, String>>| async move {
                    let _ = tx.send(q);
                    "ok"
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let id = unique_id();
    let dlr = format!("http://{addr}/api/v1/notifications/dlr");
    let reporting = channel(&kannel, &kannel.password, Some(dlr));
    reporting.set_dlr_secret(Secret::new("kannel-test-secret"));
    let outcome = reporting.send(&sms(id, "回执测试")).await;
    assert!(accepted(&outcome), "{outcome:?}");

    let mut statuses = Vec::new();
    while statuses.len() < 2 {
        let report = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("Kannel calls the DLR URL within 30 s")
            .expect("listener alive");
        assert_eq!(report.get("id"), Some(&id.to_string()), "{report:?}");
        // The deployment's secret comes back with every report: gridloop refuses reports
        // without it.
        assert_eq!(
            report.get("secret").map(String::as_str),
            Some("kannel-test-secret"),
            "{report:?}"
        );
        let code: u32 = report["status"].parse().expect("numeric status");
        statuses.push(DlrStatus::from_kannel(code).expect("known status"));
    }
    server.abort();
    // The fake SMS centre reports "accepted by the SMSC" (8) and "delivered" (1). Kannel
    // calls the URL from more than one thread, so the two may arrive in either order (CI
    // saw delivered first); gridloop's handling does not depend on it (progress changes no
    // state).
    statuses.sort_by_key(|s| s.is_final());
    assert_eq!(statuses, [DlrStatus::Intermediate, DlrStatus::Delivered]);
}

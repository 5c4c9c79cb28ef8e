//! Finding 6: Kannel's delivery reports need the deployment's secret in their URL.
//!
//! The endpoint used to trust any loopback caller: one unauthenticated request from the same
//! host (or through a local proxy) turned a sent notification into a failed one. The harness
//! serves on 127.0.0.1, so every request here comes from loopback.

use chrono::Duration;
use gridloop_app::delivery::dlr::DlrSecret;
use gridloop_core::Code;
use gridloop_store::{Notification, NotificationState};
use serde_json::json;

use crate::both;
use crate::support::{now, TestApp};

/// Reports, accepts and assigns a power problem, so the unit is told by SMS; claims that SMS
/// and marks it sent, as a delivery round would after Kannel took it.
async fn a_sent_sms(app: &TestApp) -> Notification {
    let grid = app
        .store
        .grid_by_code(&Code::parse("g1").expect("code"))
        .await
        .expect("grid lookup")
        .expect("demo grid");
    let enterprise = app.store.enterprises(Some(grid.id)).await.expect("list")[0].id;
    let body = json!({"enterprise_id": enterprise.get(), "category": "power", "title": "线路老化"});
    let issue = app
        .post_json("/api/v1/issues", Some("post01"), &body)
        .await
        .expect(201)
        .json();
    let actions = format!("/api/v1/issues/{}/actions", issue["id"]);
    app.post_json(
        &actions,
        Some("dispatch"),
        &json!({"action": "accept", "version": 1}),
    )
    .await
    .expect(200);
    app.post_json(
        &actions,
        Some("dispatch"),
        &json!({"action": "assign", "version": 2, "unit": "power"}),
    )
    .await
    .expect(200);
    let claimed = app
        .store
        .claim_notifications("security-test", 100, Duration::minutes(5), now())
        .await
        .expect("claim");
    let sms = claimed
        .into_iter()
        .find(|n| n.channel == gridloop_core::Channel::Sms)
        .expect("the assignment is told to the unit by SMS");
    assert!(app
        .store
        .mark_sent(sms.id, "security-test", None, now())
        .await
        .expect("sent"));
    sms
}

async fn state_of(app: &TestApp, id: i64) -> NotificationState {
    app.store
        .notification(id)
        .await
        .expect("read")
        .expect("row")
        .state
}

both! {
    async fn a_loopback_delivery_report_without_the_secret_is_404_and_changes_nothing(app: &TestApp) {
        let sms = a_sent_sms(app).await;
        let id = sms.id;
        let unknown_route = app.get("/api/v1/notifications/nothing-here", None).await.expect(404);
        let secret = DlrSecret::default()
            .get(&app.store, now())
            .await
            .expect("the deployment's secret")
            .expose()
            .to_owned();
        let wrong = format!("{}x", &secret[..secret.len() - 1]);
        for query in [
            format!("id={id}&status=2"),
            format!("secret=&id={id}&status=2"),
            format!("secret={wrong}&id={id}&status=2"),
            format!("secret={}&id={id}&status=2", &secret[..secret.len() / 2]),
            format!("secret={secret}x&id={id}&status=2"),
            format!("id={id}&status=2&status=1"),
            "secret=%zz&id=1".to_owned(),
        ] {
            let reply = app.get(&format!("/api/v1/notifications/dlr?{query}"), None).await;
            let reply = reply.expect(404);
            assert_eq!(reply.json(), unknown_route.json(), "as if the route did not exist: {query}");
            assert_eq!(state_of(app, id).await, NotificationState::Sent, "unchanged by {query}");
        }

        // With the deployment's secret, as the Kannel channel puts it in the dlr-url, it works.
        let reply = app
            .get(&format!("/api/v1/notifications/dlr?secret={secret}&id={id}&status=2"), None)
            .await
            .expect(200);
        assert_eq!(reply.json()["recorded"], "applied");
        assert_eq!(state_of(app, id).await, NotificationState::Failed);
    }
}

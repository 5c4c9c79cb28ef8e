//! Finding 9: bounded lists in request bodies (a visit raises at most so many issues).
//!
//! One visit completion raised 1,000 issues and 1,000 notifications. Each list a request body
//! carries is now bounded (`[limits]` in config/default.toml) and a longer one is refused
//! whole with a 422, nothing stored.

use chrono::{TimeZone, Utc};
use gridloop_core::Calendar;
use serde_json::{json, Value};

use crate::both;
use crate::support::{now, TestApp};

/// comm01's first visit (Friday 2026-11-27, 14:00 Shanghai), checked in on time.
async fn checked_in_visit(app: &TestApp) -> i64 {
    gridloop_scheduler::visits::materialise_all(&app.store, &Calendar::default_china(), now())
        .await
        .expect("materialise");
    let mine = app
        .get("/api/v1/visits", Some("comm01"))
        .await
        .expect(200)
        .json();
    let id = mine[0]["id"].as_i64().expect("a visit");
    app.clock.set(
        Utc.with_ymd_and_hms(2026, 11, 27, 6, 10, 0)
            .single()
            .expect("t"),
    );
    app.post_json(
        &format!("/api/v1/visits/{id}/checkin"),
        Some("comm01"),
        &json!({}),
    )
    .await
    .expect(200);
    id
}

fn raising(n: usize) -> Value {
    let issues: Vec<Value> = (0..n)
        .map(|i| json!({"title": format!("现场发现的问题 {i}"), "category": "power"}))
        .collect();
    json!({"notes": "走访", "raise_issues": issues})
}

async fn issue_count(app: &TestApp) -> usize {
    let list = app
        .get("/api/v1/issues?limit=500", Some("dispatch"))
        .await
        .expect(200)
        .json();
    list["items"].as_array().map_or(0, Vec::len)
}

fn error_fields(reply: &crate::support::Reply) -> Vec<String> {
    reply.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect()
}

both! {
    async fn a_visit_completion_raising_a_thousand_issues_is_refused_whole_and_raises_none(app: &TestApp) {
        let id = checked_in_visit(app).await;
        let before = issue_count(app).await;
        let reply = app
            .post_json(&format!("/api/v1/visits/{id}/complete"), Some("comm01"), &raising(1000))
            .await
            .expect(422);
        assert_eq!(error_fields(&reply), ["raise_issues"], "{}", reply.text());
        assert_eq!(issue_count(app).await, before, "nothing raised");
        let visits = app.get("/api/v1/visits", Some("comm01")).await.expect(200).json();
        assert_eq!(visits[0]["status"], "checked_in", "the visit is not completed");
        // The limit itself (20 by default) is allowed.
        let done = app
            .post_json(&format!("/api/v1/visits/{id}/complete"), Some("comm01"), &raising(20))
            .await
            .expect(200)
            .json();
        assert_eq!(done["issues"].as_array().map(Vec::len), Some(20));
    }

    async fn a_user_with_a_thousand_memberships_is_refused_before_any_lookup(app: &TestApp) {
        let posts: Vec<&str> = vec!["p01"; 1000];
        let grids: Vec<&str> = vec!["g1"; 101];
        let reply = app
            .post_json(
                "/api/v1/users",
                Some("admin"),
                &json!({"login": "many", "name": "Many Posts", "roles": ["post_member"],
                        "posts": posts, "grids": grids}),
            )
            .await
            .expect(422);
        let fields = error_fields(&reply);
        assert!(fields.contains(&"posts".to_owned()) && fields.contains(&"grids".to_owned()), "{fields:?}");
        let users = app.get("/api/v1/users", Some("admin")).await.expect(200).json();
        assert!(
            !users.as_array().expect("users").iter().any(|u| u["login"] == "many"),
            "nothing stored"
        );
        // Patching is bounded the same way.
        let roles: Vec<&str> = vec!["post_member"; 101];
        let reply = app
            .send(
                hyper::Method::PATCH,
                "/api/v1/users/1",
                Some("admin"),
                &[("content-type", "application/json")],
                serde_json::to_vec(&json!({"roles": roles})).expect("json"),
            )
            .await
            .expect(422);
        assert_eq!(error_fields(&reply), ["roles"]);
    }
}

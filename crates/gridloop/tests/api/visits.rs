//! Visits over HTTP: commissioners see and log their own; supervisors see all; admins manage
//! plans. A visit's window decides what may be logged; bad requests change nothing.

use chrono::{TimeZone, Utc};
use gridloop_core::Calendar;
use hyper::Method;
use serde_json::{json, Value};

use crate::both;
use crate::support::{now, TestApp};

/// Plans the demo's visits for the coming fortnight, as the nightly job does.
async fn materialise(app: &TestApp) {
    gridloop_scheduler::visits::materialise_all(&app.store, &Calendar::default_china(), now())
        .await
        .expect("materialise");
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|v| v["id"].as_i64().expect("id"))
        .collect()
}

/// comm01's first visit: this Friday, 2026-11-27, at 14:00 Shanghai (06:00 UTC); `now()` is
/// 10:00 that morning.
async fn first_visit(app: &TestApp) -> Value {
    let mine = app
        .get("/api/v1/visits", Some("comm01"))
        .await
        .expect(200)
        .json();
    let first = mine[0].clone();
    assert_eq!(
        first["scheduled_at"],
        json!(Utc
            .with_ymd_and_hms(2026, 11, 27, 6, 0, 0)
            .single()
            .expect("t"))
    );
    first
}

both! {
    async fn commissioners_see_their_own_visits_and_supervisors_all(app: &TestApp) {
        materialise(app).await;
        let mine = app.get("/api/v1/visits", Some("comm01")).await.expect(200).json();
        let all = app.get("/api/v1/visits", Some("lead")).await.expect(200).json();
        assert!(!ids(&mine).is_empty());
        assert!(ids(&all).len() > ids(&mine).len());
        let comm01 = mine[0]["commissioner"].clone();
        assert!(mine.as_array().expect("list").iter().all(|v| v["commissioner"] == comm01));
        // A fortnight ahead: 120 enterprises visited weekly, twice (fewer if a holiday fell).
        assert_eq!(ids(&all).len(), 240);
        // This week only: from Monday 23rd, so only Friday 27th afternoon and later remain.
        let week = app.get("/api/v1/visits?due=week", Some("lead")).await.expect(200).json();
        assert!(ids(&week).len() < ids(&all).len());
        // A post member is no commissioner.
        app.get("/api/v1/visits", Some("post01")).await.expect(403);
        let bad = app.get("/api/v1/visits?due=month", Some("lead")).await.expect(422);
        assert_eq!(bad.json()["errors"][0]["field"], "due");
    }

    async fn a_visit_is_checked_in_and_completed_inside_its_window(app: &TestApp) {
        materialise(app).await;
        let visit = first_visit(app).await;
        let id = visit["id"].as_i64().expect("id");
        // Four hours before: too early (check-in opens an hour before the window).
        let early = app
            .post_json(&format!("/api/v1/visits/{id}/checkin"), Some("comm01"), &json!({}))
            .await
            .expect(422);
        assert_eq!(early.json()["type"].as_str().map(|t| t.ends_with("visit-state")), Some(true));
        // Someone else's visit is as good as missing.
        app.post_json(&format!("/api/v1/visits/{id}/checkin"), Some("comm02"), &json!({}))
            .await
            .expect(404);
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 27, 6, 10, 0).single().expect("t"));
        let checked = app
            .post_json(&format!("/api/v1/visits/{id}/checkin"), Some("comm01"), &json!({}))
            .await
            .expect(200)
            .json();
        assert_eq!(checked["status"], "checked_in");
        let body = json!({
            "notes": "走访完成，企业反映用电不稳",
            "raise_issues": [{"title": "厂区电压不稳", "category": "power", "priority": "high"}]
        });
        let done = app
            .post_json(&format!("/api/v1/visits/{id}/complete"), Some("comm01"), &body)
            .await
            .expect(200)
            .json();
        assert_eq!(done["status"], "completed");
        let raised = done["issues"].as_array().expect("issues").clone();
        assert_eq!(raised.len(), 1);
        let issue = app
            .get(&format!("/api/v1/issues/{}", raised[0]), Some("dispatch"))
            .await
            .expect(200)
            .json();
        assert_eq!(issue["source"], "visit");
        assert_eq!(issue["enterprise_id"], visit["enterprise"]);
        // Completing twice is refused and raises nothing more.
        app.post_json(&format!("/api/v1/visits/{id}/complete"), Some("comm01"), &body)
            .await
            .expect(422);
        let again = app.get("/api/v1/visits", Some("comm01")).await.expect(200).json();
        let same = again
            .as_array()
            .expect("list")
            .iter()
            .find(|v| v["id"] == id)
            .expect("the visit");
        assert_eq!(same["issues"].as_array().map(Vec::len), Some(1));
    }

    async fn a_bad_raised_issue_completes_nothing(app: &TestApp) {
        materialise(app).await;
        let visit = first_visit(app).await;
        let id = visit["id"].as_i64().expect("id");
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 27, 6, 10, 0).single().expect("t"));
        let body = json!({"notes": "n", "raise_issues": [{"title": "", "category": "nope"}]});
        let reply = app
            .post_json(&format!("/api/v1/visits/{id}/complete"), Some("comm01"), &body)
            .await
            .expect(422);
        let fields: Vec<String> = reply.json()["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(fields.contains(&"title".to_owned()) && fields.contains(&"category".to_owned()), "{fields:?}");
        let still = app.get("/api/v1/visits", Some("comm01")).await.expect(200).json();
        assert_eq!(still[0]["status"], "planned");
    }

    async fn a_visit_that_cannot_be_completed_raises_nothing(app: &TestApp) {
        materialise(app).await;
        let visit = first_visit(app).await;
        let id = visit["id"].as_i64().expect("id");
        // The window (14:00–18:00) has closed: the visit can only be missed now.
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 27, 10, 30, 0).single().expect("t"));
        let body = json!({"notes": "n", "raise_issues": [{"title": "厂区电压不稳", "category": "power"}]});
        app.post_json(&format!("/api/v1/visits/{id}/complete"), Some("comm01"), &body)
            .await
            .expect(422);
        let issues = app.get("/api/v1/issues", Some("dispatch")).await.expect(200).json();
        assert_eq!(issues["items"].as_array().map(Vec::len), Some(0), "{issues}");
    }

    async fn admins_create_and_pause_plans(app: &TestApp) {
        let enterprise = app.get("/api/v1/enterprises", Some("admin")).await.expect(200).json()[0]["id"].clone();
        let body = json!({"enterprise": enterprise, "commissioner": "comm01", "cron": "30 14 * * WED"});
        app.post_json("/api/v1/visit-plans", Some("comm01"), &body).await.expect(403);
        let bad = json!({"enterprise": enterprise, "commissioner": "comm01", "cron": "61 * * * *", "time_zone": "Mars/Base"});
        let reply = app.post_json("/api/v1/visit-plans", Some("admin"), &bad).await.expect(422);
        assert_eq!(reply.json()["errors"].as_array().map(Vec::len), Some(2));
        let created = app.post_json("/api/v1/visit-plans", Some("admin"), &body).await.expect(201).json();
        let id = created["id"].as_i64().expect("id");
        assert_eq!(created["time_zone"], "Asia/Shanghai");
        // Its visits exist at once: Wednesdays Dec 2 and Dec 9.
        let visits = app
            .get(&format!("/api/v1/visits?enterprise={enterprise}"), Some("comm01"))
            .await
            .expect(200)
            .json();
        let wednesdays = visits
            .as_array()
            .expect("list")
            .iter()
            .filter(|v| v["plan"] == id)
            .count();
        assert_eq!(wednesdays, 2);
        let paused = app
            .send(
                Method::PATCH,
                &format!("/api/v1/visit-plans/{id}"),
                Some("admin"),
                &[("content-type", "application/json")],
                serde_json::to_vec(&json!({"active": false})).expect("json"),
            )
            .await
            .expect(200)
            .json();
        assert_eq!(paused["active"], false);
        let after = app
            .get(&format!("/api/v1/visits?enterprise={enterprise}"), Some("comm01"))
            .await
            .expect(200)
            .json();
        assert!(after.as_array().expect("list").iter().all(|v| v["plan"] != id));
    }

    async fn the_document_bounds_a_plans_minutes_as_the_api_does(app: &TestApp) {
        let doc = app.get("/api/v1/openapi.json", None).await.expect(200).json();
        let fields = &doc["components"]["schemas"]["NewPlanBody"]["properties"];
        assert_eq!((&fields["window_minutes"]["minimum"], &fields["window_minutes"]["maximum"]), (&json!(1), &json!(10080)));
        assert_eq!(fields["reminder_lead_minutes"]["maximum"], json!(10080), "{fields}");
        let enterprise = app.get("/api/v1/enterprises", Some("admin")).await.expect(200).json()[0]["id"].clone();
        let plan = |window: u32, lead: u32| json!({"enterprise": enterprise, "commissioner": "comm01", "window_minutes": window, "reminder_lead_minutes": lead});
        let plans = app.get("/api/v1/visit-plans", Some("admin")).await.expect(200).json();
        for (window, lead, field) in [(0, 0, "window_minutes"), (10081, 0, "window_minutes"), (60, 10081, "reminder_lead_minutes")] {
            let reply = app.post_json("/api/v1/visit-plans", Some("admin"), &plan(window, lead)).await.expect(422).json();
            assert_eq!(reply["errors"][0]["field"], field, "{reply}");
        }
        app.post_json("/api/v1/visit-plans", Some("admin"), &plan(10080, 10080)).await.expect(201);
        // The refused ones stored nothing; the one at both bounds is stored.
        let after = app.get("/api/v1/visit-plans", Some("admin")).await.expect(200).json();
        assert_eq!(after.as_array().map(Vec::len), plans.as_array().map(|p| p.len() + 1));
    }
}

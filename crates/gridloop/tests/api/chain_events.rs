//! Matchmaking events over HTTP, on the demo park (its clock at Friday 2026-11-27): planned,
//! refused in the past as a problem document with nothing written, invitees suggested,
//! invited and sent, someone else's event not found.

use serde_json::json;

use crate::both;

both! {
    async fn an_event_is_planned_suggested_invited_and_sent_and_the_past_is_refused(app: &TestApp) {
        let body = |date: &str| json!({
            "date": date,
            "time": "14:30",
            "place": "园区服务中心二楼",
            "theme": "铝边角料回收与再生合金对接会",
            "capacity": 40,
            "stages": ["recycling"],
            "tags": ["边角料"],
        });
        let refused = app.post_json("/api/v1/chain/events", Some("dispatch"), &body("2026-11-27")).await.expect(422);
        assert_eq!(refused.json()["errors"][0]["field"], "date");
        let none = app.get("/api/v1/chain/events", Some("dispatch")).await.expect(200).json();
        assert!(none["items"].as_array().expect("items").is_empty());
        // Not a role that plans.
        app.post_json("/api/v1/chain/events", Some("post01"), &body("2026-12-10")).await.expect(403);
        let planned = app.post_json("/api/v1/chain/events", Some("dispatch"), &body("2026-12-10")).await.expect(201).json();
        assert_eq!(planned["status"], "planned");
        let id = planned["id"].as_i64().expect("id");
        let found = app
            .get(&format!("/api/v1/chain/events/{id}/suggestions?locale=en&limit=5"), Some("dispatch"))
            .await
            .expect(200)
            .json();
        let first = &found[0];
        assert!(first["explanation"].as_str().expect("why").contains("再生铝"), "{first}");
        let invitee = first["enterprise"].as_i64().expect("enterprise");
        let detail = app
            .post_json(&format!("/api/v1/chain/events/{id}/invitations"), Some("dispatch"), &json!({"enterprises": [invitee]}))
            .await
            .expect(200)
            .json();
        assert_eq!(detail["invitations"][0]["enterprise"], invitee);
        let sent = app.post_json(&format!("/api/v1/chain/events/{id}/send"), Some("dispatch"), &json!({})).await.expect(200).json();
        assert_eq!(sent["enterprises"], json!([invitee]));
        // Attendance waits for the day.
        app.post_json(&format!("/api/v1/chain/events/{id}/attendance"), Some("dispatch"), &json!({"enterprise": invitee, "attended": true}))
            .await
            .expect(422);
        app.get("/api/v1/chain/events/999999", Some("dispatch")).await.expect(404);
    }

    async fn a_commissioners_event_is_not_found_by_another_grids_commissioner(app: &TestApp) {
        let body = json!({
            "date": "2026-12-03",
            "time": "09:00",
            "place": "一网格党群服务站",
            "theme": "网格企业用工对接",
            "capacity": 10,
        });
        let planned = app.post_json("/api/v1/chain/events", Some("comm01"), &body).await.expect(201).json();
        let id = planned["id"].as_i64().expect("id");
        app.get(&format!("/api/v1/chain/events/{id}"), Some("comm01")).await.expect(200);
        app.get(&format!("/api/v1/chain/events/{id}"), Some("dispatch")).await.expect(200);
        app.get(&format!("/api/v1/chain/events/{id}"), Some("comm03")).await.expect(404);
        app.post_json(&format!("/api/v1/chain/events/{id}/hold"), Some("comm03"), &json!({})).await.expect(404);
    }
}

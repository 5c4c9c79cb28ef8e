//! Matchmaking events over HTTP, on the demo park (its clock at Friday 2026-11-27): planned,
//! refused in the past as a problem document with nothing written, invitees suggested,
//! invited and sent, someone else's event not found.

use serde_json::json;

use crate::both;
use crate::web::{hidden, with_password, Browser};

/// The plan form's fields, for `date`.
fn plan_fields<'a>(csrf: &'a str, date: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("theme", "铝边角料回收与再生合金对接会"),
        ("date", date),
        ("time", "14:30"),
        ("place", "园区服务中心二楼"),
        ("capacity", "40"),
        ("stages", "recycling"),
        ("tags", "边角料"),
    ]
}

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

    async fn the_event_pages_plan_invite_and_send_with_csrf_in_both_languages(app: &TestApp) {
        with_password(app, "dispatch").await;
        let mut browser = Browser::new(app);
        browser.sign_in("dispatch").await;
        let form = browser.get("/chain/events/new").await;
        assert_eq!(form.status.as_u16(), 200, "{}", form.text());
        assert!(form.text().contains("value=\"recycling\""));
        let csrf = hidden(&form.text(), "_csrf");
        // The park's today is refused, said on the page in Chinese, and nothing is planned.
        let r = browser.post("/chain/events/new", &plan_fields(&csrf, "2026-11-27")).await;
        assert_eq!(r.status.as_u16(), 422);
        assert!(r.text().contains("role=\"alert\"") && r.text().contains("日期"), "{}", r.text());
        let none = app.get("/api/v1/chain/events", Some("dispatch")).await.expect(200).json();
        assert!(none["items"].as_array().expect("items").is_empty());
        // Without the token: refused, nothing planned.
        let ok = plan_fields(&csrf, "2026-12-10");
        let forged = browser.post("/chain/events/new", &ok[1..]).await;
        assert_eq!(forged.status.as_u16(), 403);
        let r = browser.post("/chain/events/new", &ok).await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        let page_path = r.header("location").expect("location");
        let page = browser.get(&page_path).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text());
        let html = page.text();
        let marker = "data-suggested=\"";
        let at = html.find(marker).expect("a suggestion") + marker.len();
        let enterprise = html[at..].split('"').next().expect("id").to_owned();
        let r = browser
            .post(&format!("{page_path}/invite"), &[("_csrf", &csrf), ("enterprise", &enterprise)])
            .await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        let r = browser.post(&format!("{page_path}/send"), &[("_csrf", &csrf)]).await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        let html = browser.get(&page_path).await.text();
        assert!(html.contains(&format!("data-invitation=\"{enterprise}\"")), "{html}");
        assert!(!html.contains("未发送"), "{html}");
        // Attendance before the day: the page says why, in the page's language.
        let r = browser
            .post(&format!("{page_path}/attend"), &[("_csrf", &csrf), ("enterprise", &enterprise), ("attended", "yes")])
            .await;
        assert_eq!(r.status.as_u16(), 422);
        assert!(r.text().contains("role=\"alert\""));
        // In English, the list.
        browser.get("/lang/en?next=/chain/events").await;
        let list = browser.get("/chain/events").await;
        assert!(list.text().contains("Matchmaking events"), "{}", list.text());
        // A commissioner sees a park-wide event (someone else's grid's event is 404: see above).
        with_password(app, "comm03").await;
        let mut other = Browser::new(app);
        other.sign_in("comm03").await;
        assert_eq!(other.get(&page_path).await.status.as_u16(), 200, "park-wide events are seen by staff");
    }
}

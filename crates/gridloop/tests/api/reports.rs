//! Weekly reports over HTTP: computed on demand in four formats, each reader limited to the
//! slices the Monday emails give them; stored copies listed and shown as sent.

use std::sync::Arc;

use gridloop_core::{Calendar, Period};
use gridloop_scheduler::reports::{send_weekly, ReportContext};
use serde_json::Value;

use crate::both;
use crate::issues::report;
use crate::support::now;

fn settings() -> ReportContext {
    ReportContext::new(Arc::new(Calendar::default_china()))
}

both! {
    async fn the_weekly_report_comes_in_four_formats_with_the_weeks_numbers(app: &TestApp) {
        report(app, "post01", "Street light out").await;
        report(app, "post01", "Cable hanging low").await;
        let json = app
            .get("/api/v1/reports/weekly?week=2026-W48", Some("lead"))
            .await
            .expect(200);
        assert_eq!(json.header("content-type").as_deref(), Some("application/json"));
        let doc = json.json();
        assert_eq!(doc["label"], "2026-W48");
        assert_eq!(doc["scope"]["kind"], "park");
        assert_eq!(doc["counts"]["reported"], 2);
        assert_eq!(doc["counts"]["open_at_end"], 2);
        assert_eq!(doc["trend"].as_array().map(Vec::len), Some(8));
        assert!(!doc["footnotes"].as_array().expect("footnotes").is_empty());
        // The week before had nothing: the delta is the whole week.
        assert_eq!(doc["delta"]["reported"], 2);

        let html = app
            .get("/api/v1/reports/weekly?week=2026-W48&format=html", Some("lead"))
            .await
            .expect(200);
        assert_eq!(html.header("content-type").as_deref(), Some("text/html; charset=utf-8"));
        let page = html.text();
        assert!(page.contains("2026-W48"), "{page}");
        assert!(page.contains("src=\"data:image/png;base64,"), "the chart is embedded");
        let csv = app
            .get("/api/v1/reports/weekly?week=2026-W48&format=csv", Some("lead"))
            .await
            .expect(200);
        assert_eq!(csv.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
        assert!(csv.text().starts_with('\u{feff}'), "a BOM for Excel");
        assert!(csv
            .header("content-disposition")
            .is_some_and(|d| d.contains("report-2026-W48-park.csv")));
        let md = app
            .get("/api/v1/reports/weekly?week=2026-W48&format=md", Some("lead"))
            .await
            .expect(200);
        assert!(md.text().starts_with('#'));
    }

    async fn readers_get_their_own_slice_and_no_other(app: &TestApp) {
        report(app, "post01", "Street light out").await;
        // A unit's head: the unit's slice, not the park's nor another unit's.
        app.get("/api/v1/reports/weekly", Some("power-head")).await.expect(403);
        let own = app
            .get("/api/v1/reports/weekly?unit=power&week=2026-W48", Some("power-head"))
            .await
            .expect(200)
            .json();
        assert_eq!(own["scope"]["kind"], "unit");
        app.get("/api/v1/reports/weekly?unit=tax", Some("power-head")).await.expect(403);
        // A post member: the grid they walk.
        let grid = app
            .get("/api/v1/reports/weekly?grid=g1&week=2026-W48", Some("post01"))
            .await
            .expect(200)
            .json();
        assert_eq!(grid["scope"]["kind"], "grid");
        assert_eq!(grid["counts"]["reported"], 1);
        app.get("/api/v1/reports/weekly?grid=g2", Some("post01")).await.expect(403);
        app.get("/api/v1/reports/weekly", Some("dispatch")).await.expect(200);
    }

    async fn bad_report_requests_are_refused_with_the_field_named(app: &TestApp) {
        for (query, field) in [
            ("week=2026-W60", "week"),
            ("week=yesterday", "week"),
            ("format=pdf", "format"),
            ("grid=g1&unit=power", "unit"),
            ("unit=nosuch", "unit"),
            ("grid=Not%20a%20code", "grid"),
        ] {
            let reply = app
                .get(&format!("/api/v1/reports/weekly?{query}"), Some("lead"))
                .await
                .expect(422);
            assert_eq!(
                reply.header("content-type").as_deref(),
                Some("application/problem+json")
            );
            assert_eq!(reply.json()["errors"][0]["field"], field, "{query}");
        }
        app.get("/api/v1/reports/weekly", None).await.expect(401);
    }

    async fn stored_reports_are_listed_and_shown_to_their_readers(app: &TestApp) {
        report(app, "post01", "Street light out").await;
        let week = Period::iso_week(2026, 48, Calendar::default_china().tz()).expect("week");
        // Sent the Monday after.
        let ids = send_weekly(&app.store, &settings(), week, now() + chrono::Duration::days(3))
            .await
            .expect("send");
        // The park, 7 units, 6 grids.
        assert_eq!(ids.len(), 14);
        let all = app.get("/api/v1/reports?week=2026-W48", Some("lead")).await.expect(200).json();
        assert_eq!(all.as_array().map(Vec::len), Some(14));
        let mine = app.get("/api/v1/reports", Some("power-head")).await.expect(200).json();
        let scopes: Vec<&str> = mine
            .as_array()
            .expect("list")
            .iter()
            .map(|r: &Value| r["scope"].as_str().expect("scope"))
            .collect();
        assert_eq!(scopes.len(), 1, "{scopes:?}");
        assert!(scopes[0].starts_with("unit:"));
        let park_id = all
            .as_array()
            .expect("list")
            .iter()
            .find(|r| r["scope"] == "park")
            .and_then(|r| r["id"].as_i64())
            .expect("the park's copy");
        let shown = app
            .get(&format!("/api/v1/reports/{park_id}"), Some("lead"))
            .await
            .expect(200)
            .json();
        assert_eq!(shown["counts"]["reported"], 1);
        app.get(&format!("/api/v1/reports/{park_id}?format=html"), Some("lead"))
            .await
            .expect(200);
        // Another reader's copy looks absent.
        app.get(&format!("/api/v1/reports/{park_id}"), Some("power-head")).await.expect(404);
        app.get("/api/v1/reports/999999", Some("lead")).await.expect(404);
    }
}

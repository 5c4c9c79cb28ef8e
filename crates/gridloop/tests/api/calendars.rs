//! Working calendars over HTTP: admins read a year, set a day and import a year; everyone else
//! is refused; a malformed file or day is refused whole and changes nothing.

use hyper::Method;
use serde_json::{json, Value};

use crate::both;
use crate::support::{Reply, TestApp};

async fn put_json(app: &TestApp, path: &str, login: &str, body: &Value) -> Reply {
    app.send(
        Method::PUT,
        path,
        Some(login),
        &[("content-type", "application/json")],
        serde_json::to_vec(body).expect("json"),
    )
    .await
}

const CSV_2027: &str = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-07,workday,春节\n";

both! {
    async fn an_admin_imports_2027_sets_a_day_and_reads_the_year_back(app: &TestApp) {
        app.get("/api/v1/calendars/cn/2027", Some("admin")).await.expect(404);
        let changed = app
            .post_json(
                "/api/v1/calendars/cn/import",
                Some("admin"),
                &json!({"format": "csv", "content": CSV_2027, "note": "State Council notice"}),
            )
            .await
            .expect(200)
            .json();
        assert_eq!(changed["dry_run"], false);
        let year = &changed["year"];
        assert_eq!(year["year"], 2027);
        assert_eq!(year["version"], 1);
        assert_eq!(year["time_zone"], "Asia/Shanghai");
        assert_eq!(year["days"][1]["kind"], "workday");
        assert_eq!(year["days"][1]["works_as"], "mon");

        let year = put_json(
            app,
            "/api/v1/calendars/cn/days/2027-01-04",
            "admin",
            &json!({"kind": "holiday", "note": "extra"}),
        )
        .await
        .expect(200)
        .json()["year"]
            .clone();
        assert_eq!(year["version"], 2);
        assert_eq!(year["days"][1], json!({"date": "2027-01-04", "kind": "holiday", "name": "extra", "works_as": null}));

        let year = app.get("/api/v1/calendars/cn/2027", Some("admin")).await.expect(200).json();
        assert_eq!(year["version"], 2);
        assert_eq!(year["days"].as_array().map(Vec::len), Some(3));

        let toml = "year = 2027\n\n[[holiday]]\nname = \"元旦\"\nfrom = 2027-01-01\nto = 2027-01-03\n";
        let year = app
            .post_json("/api/v1/calendars/cn/import", Some("admin"), &json!({"format": "toml", "content": toml}))
            .await
            .expect(200)
            .json()["year"]
            .clone();
        assert_eq!(year["version"], 3);
        assert_eq!(year["days"].as_array().map(Vec::len), Some(3));
        assert_eq!(year["days"][2]["date"], "2027-01-03");
    }

    async fn only_admins_change_calendars_and_bad_input_changes_nothing(app: &TestApp) {
        app.post_json(
            "/api/v1/calendars/cn/import",
            Some("admin"),
            &json!({"format": "csv", "content": CSV_2027}),
        )
        .await
        .expect(200);
        for login in ["post01", "lead"] {
            app.get("/api/v1/calendars/cn/2027", Some(login)).await.expect(403);
            put_json(app, "/api/v1/calendars/cn/days/2027-01-04", login, &json!({"kind": "holiday"}))
                .await
                .expect(403);
            app.post_json(
                "/api/v1/calendars/cn/import",
                Some(login),
                &json!({"format": "csv", "content": CSV_2027}),
            )
            .await
            .expect(403);
        }
        app.get("/api/v1/calendars/cn/2027", None).await.expect(401);

        let bad = app
            .post_json(
                "/api/v1/calendars/cn/import",
                Some("admin"),
                &json!({"format": "csv", "content": "2027-01-01,holiday\n2027-01-02,party\n"}),
            )
            .await
            .expect(422)
            .json();
        let detail = bad["detail"].as_str().expect("detail");
        assert!(detail.contains("line 2") && detail.contains("party"), "{detail}");
        let bad = app
            .post_json(
                "/api/v1/calendars/cn/import",
                Some("admin"),
                &json!({"format": "toml", "content": "year = 2027\n\n[[holiday]]\nname = \"x\"\nfrom = 2026-12-31\nto = 2027-01-01\n"}),
            )
            .await
            .expect(422)
            .json();
        assert!(bad["detail"].as_str().expect("detail").contains("line 5"), "{bad}");
        app.post_json(
            "/api/v1/calendars/cn/import",
            Some("admin"),
            &json!({"format": "xlsx", "content": ""}),
        )
        .await
        .expect(422);
        put_json(app, "/api/v1/calendars/cn/days/2027-01-04", "admin", &json!({"kind": "party"}))
            .await
            .expect(422);
        put_json(app, "/api/v1/calendars/cn/days/1999-01-04", "admin", &json!({"kind": "holiday"}))
            .await
            .expect(422);
        put_json(app, "/api/v1/calendars/cn/days/2027-02-30", "admin", &json!({"kind": "holiday"}))
            .await
            .expect(422);
        // Only the configured region has a calendar: another would be stored and never used.
        put_json(app, "/api/v1/calendars/de/days/2027-01-04", "admin", &json!({"kind": "holiday"}))
            .await
            .expect(404);
        app.get("/api/v1/calendars/de/2027", Some("admin")).await.expect(404);
        // A dry run writes nothing.
        put_json(app, "/api/v1/calendars/cn/days/2027-01-04?dry_run=true", "admin", &json!({"kind": "holiday"}))
            .await
            .expect(200);

        let year = app.get("/api/v1/calendars/cn/2027", Some("admin")).await.expect(200).json();
        assert_eq!(year["version"], 1, "nothing changed: {year}");
        assert_eq!(year["days"].as_array().map(Vec::len), Some(2));
    }

    async fn a_holiday_entered_late_moves_an_open_deadline_after_a_dry_run_shows_it(app: &TestApp) {
        use crate::issues::{report, step};
        // New Year's Eve, 17:00 in Shanghai; 2027 has no calendar yet, so New Year's Day
        // counts as a working day.
        app.clock.set("2026-12-31T09:00:00Z".parse().expect("instant"));
        let issue = report(app, "post01", "Transformer hums").await;
        let issue = step(app, "dispatch", &issue, json!({"action": "accept"})).await;
        let issue = step(app, "dispatch", &issue, json!({"action": "assign", "unit": "power"})).await;
        let id = issue["id"].as_i64().expect("id");
        let due = issue["resolve_due_at"].as_str().expect("a deadline").to_owned();
        assert!(due.as_str() > "2027-01-01", "the deadline reaches into 2027: {due}");

        let body = json!({"format": "csv", "content": CSV_2027, "note": "State Council notice"});
        let dry = app
            .post_json("/api/v1/calendars/cn/import?dry_run=true", Some("admin"), &body)
            .await
            .expect(200)
            .json();
        assert_eq!(dry["dry_run"], true);
        let moved = dry["moved"].as_array().expect("moved");
        let this = moved.iter().find(|m| m["issue"] == id).expect("the issue would move");
        assert_eq!(this["resolve_due_at"]["from"].as_str(), Some(due.as_str()));
        let to = this["resolve_due_at"]["to"].as_str().expect("to").to_owned();
        assert!(to > due, "moved later: {due} -> {to}");
        // Nothing was written: no year, the deadline as it was.
        app.get("/api/v1/calendars/cn/2027", Some("admin")).await.expect(404);
        let seen = app.get(&format!("/api/v1/issues/{id}"), Some("dispatch")).await.expect(200).json();
        assert_eq!(seen["resolve_due_at"].as_str(), Some(due.as_str()));
        assert_eq!(seen["version"], issue["version"]);

        let done = app
            .post_json("/api/v1/calendars/cn/import", Some("admin"), &body)
            .await
            .expect(200)
            .json();
        assert_eq!(done["moved"], dry["moved"], "the change moves what the dry run said");
        let seen = app.get(&format!("/api/v1/issues/{id}"), Some("dispatch")).await.expect(200).json();
        assert_eq!(seen["resolve_due_at"].as_str(), Some(to.as_str()));
        let events = app.get(&format!("/api/v1/issues/{id}/events"), Some("dispatch")).await.expect(200).json();
        let last = events["items"].as_array().and_then(|e| e.last()).expect("events").clone();
        assert_eq!(last["kind"], "deadlines_recomputed", "{last}");
        assert_eq!(last["payload"]["resolve_due_at"]["from"].as_str(), Some(due.as_str()));
        assert_eq!(last["payload"]["resolve_due_at"]["to"].as_str(), Some(to.as_str()));
        assert_eq!(last["payload"]["cause"], json!({"region": "cn", "year": 2027, "version": 1}));
        assert_eq!(last["actor_id"], Value::Null);

        // Entering the same year again moves nothing more.
        let again = app.post_json("/api/v1/calendars/cn/import", Some("admin"), &body).await.expect(200).json();
        assert_eq!(again["moved"], json!([]));
    }

    async fn the_openapi_document_describes_the_calendar_endpoints(app: &TestApp) {
        let doc = app.get("/api/v1/openapi.json", None).await.expect(200).json();
        let paths = &doc["paths"];
        for (path, method, statuses) in [
            ("/calendars/{region}/{year}", "get", &["200", "401", "403", "404", "422"][..]),
            ("/calendars/{region}/days/{date}", "put", &["200", "401", "403", "404", "422"][..]),
            ("/calendars/{region}/import", "post", &["200", "401", "403", "404", "422"][..]),
        ] {
            let op = &paths[path][method];
            assert!(op.is_object(), "{method} {path} is documented");
            assert_eq!(op["tags"][0], "calendars");
            for status in statuses {
                assert!(op["responses"][*status].is_object(), "{method} {path} {status}");
            }
        }
        assert!(doc["components"]["schemas"]["CalendarYearView"].is_object());
        assert!(doc["components"]["schemas"]["CalendarChangeView"].is_object());
    }
}

//! Matches (对接) and the chain map over HTTP, on the demo park (five matches, two agreed):
//! the API's steps, scope, conflicts and bad input, the OpenAPI entries, and the web pages from
//! a need's suggestion to the link on the map.

use serde_json::{json, Value};

use crate::both;
use crate::web::{hidden, location, with_password, Browser};

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|v| v["id"].as_i64().expect("id"))
        .collect()
}

fn links(map: &Value) -> usize {
    map["links"].as_array().expect("links").len()
}

both! {
    async fn a_dispatcher_introduces_and_agrees_a_match_and_the_map_draws_it(app: &TestApp) {
        let map = app.get("/api/v1/chain/map", Some("dispatch")).await.expect(200).json();
        assert_eq!(map["stages"].as_array().expect("stages").len(), 6);
        assert_eq!(map["enterprises"].as_array().expect("nodes").len(), 120);
        assert_eq!(links(&map), 2, "the demo's two agreed matches");
        assert_eq!(map["links"][1]["contract_value"], "3600000.00");

        let created = app
            .post_json(
                "/api/v1/chain/matches",
                Some("dispatch"),
                &json!({"enterprise": 4, "with": 61, "note": "短驳运输"}),
            )
            .await
            .expect(201);
        let m = created.json();
        let id = m["id"].as_i64().expect("id");
        assert_eq!(created.header("location"), Some(format!("/api/v1/chain/matches/{id}")));
        assert_eq!(m["status"], "introduced");
        let path = |step: &str| format!("/api/v1/chain/matches/{id}/{step}");
        app.post_json(&path("talk"), Some("dispatch"), &json!({"version": 1})).await.expect(200);
        // A stale version is a conflict; nothing was written.
        app.post_json(&path("talk"), Some("dispatch"), &json!({"version": 1})).await.expect(409);
        // Talking twice is no transition.
        let p = app.post_json(&path("talk"), Some("dispatch"), &json!({"version": 2})).await.expect(422).json();
        assert_eq!(p["type"].as_str().map(|t| t.ends_with("no-such-match-step")), Some(true), "{p}");
        // A negative or absurd value is refused; the match stays where it was.
        for bad in ["-1", "100000000000.01", "12.345"] {
            app.post_json(&path("agree"), Some("dispatch"), &json!({"version": 2, "contract_value": bad}))
                .await
                .expect(422);
        }
        let agreed = app
            .post_json(&path("agree"), Some("dispatch"), &json!({"version": 2, "contract_value": "880000.5"}))
            .await
            .expect(200)
            .json();
        assert_eq!(agreed["status"], "agreed");
        assert_eq!(agreed["contract_value"], "880000.50");
        let shown = app.get(&format!("/api/v1/chain/matches/{id}"), Some("dispatch")).await.expect(200).json();
        assert_eq!(shown["steps"].as_array().expect("steps").len(), 3);
        assert_eq!(shown["actions"], json!([]));
        let map = app.get("/api/v1/chain/map", Some("dispatch")).await.expect(200).json();
        assert_eq!(links(&map), 3);
        let recycling = app.get("/api/v1/chain/map?stage=recycling", Some("dispatch")).await.expect(200).json();
        assert_eq!(recycling["enterprises"].as_array().expect("nodes").len(), 20);
        app.get("/api/v1/chain/map?stage=nowhere", Some("dispatch")).await.expect(422);
    }

    async fn a_match_is_scoped_like_an_issue_and_bad_input_writes_nothing(app: &TestApp) {
        let all = ids(&app.get("/api/v1/chain/matches", Some("dispatch")).await.expect(200).json());
        assert_eq!(all.len(), 5);
        let mine = ids(&app.get("/api/v1/chain/matches", Some("comm01")).await.expect(200).json());
        assert!(mine.len() < all.len(), "{mine:?}");
        let other = all.iter().find(|id| !mine.contains(id)).expect("a match out of sight");
        app.get(&format!("/api/v1/chain/matches/{other}"), Some("comm01")).await.expect(404);
        app.post_json(&format!("/api/v1/chain/matches/{other}/talk"), Some("comm01"), &json!({}))
            .await
            .expect(404);
        app.get("/api/v1/chain/matches/999999", Some("dispatch")).await.expect(404);
        // A post member may not introduce.
        app.post_json("/api/v1/chain/matches", Some("post01"), &json!({"enterprise": 2, "with": 42}))
            .await
            .expect(403);
        // An enterprise with itself, or with one that does not exist.
        let p = app
            .post_json("/api/v1/chain/matches", Some("dispatch"), &json!({"enterprise": 2, "with": 2}))
            .await
            .expect(422)
            .json();
        assert_eq!(p["errors"][0]["field"], "with", "{p}");
        app.post_json("/api/v1/chain/matches", Some("dispatch"), &json!({"enterprise": 2, "with": 99999}))
            .await
            .expect(422);
        // A drop needs its reason.
        app.post_json(&format!("/api/v1/chain/matches/{}/drop", all[1]), Some("dispatch"), &json!({"reason": " "}))
            .await
            .expect(422);
        let after = ids(&app.get("/api/v1/chain/matches", Some("dispatch")).await.expect(200).json());
        assert_eq!(after, all);
    }

    async fn the_openapi_document_describes_the_match_endpoints(app: &TestApp) {
        let doc = app.get("/api/v1/openapi.json", None).await.expect(200).json();
        for path in [
            "/chain/matches",
            "/chain/matches/{id}",
            "/chain/matches/{id}/talk",
            "/chain/matches/{id}/agree",
            "/chain/matches/{id}/drop",
            "/chain/map",
        ] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
        let agree = &doc["components"]["schemas"]["AgreeBody"]["properties"]["contract_value"];
        assert_eq!(agree["maxLength"], 14);
    }

    async fn a_dispatcher_introduces_from_a_suggestion_and_sees_the_link_on_the_map(app: &TestApp) {
        with_password(app, "dispatch").await;
        let mut browser = Browser::new(app);
        browser.sign_in("dispatch").await;
        // From the offcut need's suggestion (need 1 of enterprise 2, the recycler 42): prefilled.
        let form = browser.get("/chain/matches/new?need=1&enterprise=42").await;
        assert_eq!(form.status.as_u16(), 200, "{}", form.text());
        let html = form.text();
        assert!(html.contains("<option value=\"2\" selected>"), "the need's enterprise");
        assert!(html.contains("<option value=\"42\" selected>"), "the suggested one");
        let csrf = hidden(&html, "_csrf");
        // Matched with itself: the form again, with why, in Chinese.
        let r = browser
            .post("/chain/matches", &[("_csrf", &csrf), ("enterprise", "4"), ("with", "4")])
            .await;
        assert_eq!(r.status.as_u16(), 422);
        assert!(r.text().contains("不能与"), "{}", r.text());
        let r = browser
            .post(
                "/chain/matches",
                &[("_csrf", &csrf), ("enterprise", "4"), ("with", "61"), ("note", "短驳运输")],
            )
            .await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        let page_path = location(&r);
        let page = browser.get(&page_path).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text());
        let html = page.text();
        let version = hidden(&html, "version");
        let id = page_path.rsplit('/').next().expect("id").to_owned();
        let agree = format!("{page_path}/agree");
        let r = browser
            .post(&agree, &[("_csrf", &csrf), ("version", &version), ("contract_value", "880000")])
            .await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        // The same form again is stale: 409 with a message, nothing changed.
        let r = browser
            .post(&agree, &[("_csrf", &csrf), ("version", &version), ("contract_value", "1")])
            .await;
        assert_eq!(r.status.as_u16(), 409);
        assert!(r.text().contains("role=\"alert\""));
        let list = browser.get("/chain/matches?status=agreed").await.text();
        assert!(list.contains(&format!("data-match=\"{id}\"")));
        let map = browser.get("/chain/map").await;
        assert_eq!(map.status.as_u16(), 200);
        let svg = map.text();
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("data-links=\"3\""), "the demo's two and this one");
        assert!(svg.contains("<path d=\"M"));
        assert!(svg.contains(&format!("data-match=\"{id}\"")));
        assert!(svg.contains(&format!("data-link=\"{id}\"")), "the text alternative lists it");
        assert!(svg.contains("<title id=\"map-title\">"));
        let filtered = browser.get("/chain/map?stage=recycling").await.text();
        assert!(filtered.contains("data-links=\"0\""));
        let bad = browser.get("/chain/map?grid=nowhere").await;
        assert_eq!(bad.status.as_u16(), 422);
    }
}

//! The chain's matchmaking over HTTP, on the demo park: its six stages, positions, the dozen
//! needs and offers, searched in Chinese; posting in scope, bad input refused whole with
//! nothing written, withdrawal, and the offcut need's suggestions.

use hyper::Method;
use serde_json::{json, Value};

use crate::both;

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|v| v["id"].as_i64().expect("id"))
        .collect()
}

fn need(enterprise: i64) -> Value {
    json!({
        "side": "need",
        "kind": "capacity",
        "enterprise": enterprise,
        "title": "外协挤压产能",
        "text": "旺季挤压产能不足，寻求外协。",
        "quantity": "每月50吨",
        "tags": ["挤压, 外协"],
        "valid_until": "2027-02-28",
    })
}

both! {
    async fn the_demo_chain_has_six_stages_and_the_offcut_need_finds_the_recycler_first(app: &TestApp) {
        let stages = app.get("/api/v1/chain/aluminium/stages", Some("post01")).await.expect(200).json();
        let names: Vec<&str> = stages.as_array().expect("list").iter()
            .map(|s| s["name"].as_str().expect("name")).collect();
        assert_eq!(names, ["电解铝", "合金化", "铝加工", "精深加工", "再生铝", "应用"]);
        let position = app.get("/api/v1/chain/positions/2", Some("comm01")).await.expect(200).json();
        assert_eq!(position["stage"]["name"], "铝加工");
        // The offcut need is listing 1; its best match is the recycler's offer.
        let found = app
            .get("/api/v1/listings/1/suggestions?locale=en&limit=3", Some("comm01"))
            .await
            .expect(200)
            .json();
        assert_eq!(found[0]["target"], "offer");
        assert_eq!(found[0]["label"], "边角料回收再生为合金锭");
        let why = found[0]["explanation"].as_str().expect("why");
        assert!(why.starts_with("再生铝 is downstream of 铝加工; both mention"), "{why}");
        assert!(found.as_array().expect("list").iter().all(|s| s["enterprise"] != 2));
        // Suggestions are for needs; the offer is listing 2.
        app.get("/api/v1/listings/2/suggestions", Some("admin")).await.expect(422);
        app.get("/api/v1/listings/1/suggestions?limit=51", Some("admin")).await.expect(422);
    }

    async fn listings_are_searched_in_chinese_and_scoped_like_issues(app: &TestApp) {
        let all = app.get("/api/v1/listings", Some("dispatch")).await.expect(200).json();
        assert_eq!(ids(&all).len(), 12);
        let q = "/api/v1/listings?q=%E8%BE%B9%E8%A7%92%E6%96%99"; // 边角料
        let found = app.get(q, Some("dispatch")).await.expect(200).json();
        assert_eq!(ids(&found), [2, 1]);
        // A commissioner of grid 1 sees grid 1's listings only.
        let theirs = app.get(q, Some("comm01")).await.expect(200).json();
        assert_eq!(ids(&theirs), [1]);
        app.get("/api/v1/listings/2", Some("comm01")).await.expect(404);
        let offers = app.get("/api/v1/listings?side=offer&limit=2", Some("dispatch")).await.expect(200).json();
        assert_eq!(ids(&offers).len(), 2);
        let cursor = offers["next_cursor"].as_str().expect("more");
        let next = app
            .get(&format!("/api/v1/listings?side=offer&limit=2&cursor={cursor}"), Some("dispatch"))
            .await
            .expect(200)
            .json();
        assert!(ids(&next).iter().all(|id| !ids(&offers).contains(id)));
        let bad = app.get("/api/v1/listings?q=%E9%93%9D", Some("dispatch")).await.expect(422); // 铝
        assert_eq!(bad.json()["errors"][0]["field"], "q");
    }

    async fn a_need_is_posted_in_scope_and_bad_input_writes_nothing(app: &TestApp) {
        let posted = app.post_json("/api/v1/listings", Some("comm01"), &need(2)).await.expect(201);
        let id = posted.json()["id"].as_i64().expect("id");
        assert_eq!(posted.header("location"), Some(format!("/api/v1/listings/{id}")));
        assert_eq!(posted.json()["tags"], json!(["外协", "挤压"]));
        assert_eq!(posted.json()["status"], "open");
        // Enterprise 42 is in grid 3, out of comm01's sight.
        let out = app.post_json("/api/v1/listings", Some("comm01"), &need(42)).await.expect(422);
        assert_eq!(out.json()["errors"][0]["field"], "enterprise");
        let mut bad = need(2);
        bad["title"] = json!(" ");
        bad["valid_until"] = json!("2026-11-01");
        let refused = app.post_json("/api/v1/listings", Some("comm01"), &bad).await.expect(422).json();
        let fields: Vec<&str> = refused["errors"].as_array().expect("errors").iter()
            .map(|e| e["field"].as_str().expect("field")).collect();
        assert_eq!(fields, ["title", "valid_until"]);
        // Admins do not post.
        app.post_json("/api/v1/listings", Some("admin"), &need(2)).await.expect(403);
        let all = app.get("/api/v1/listings", Some("dispatch")).await.expect(200).json();
        assert_eq!(ids(&all).len(), 13);
        // Withdrawn once; twice is refused.
        let done = app.post_json(&format!("/api/v1/listings/{id}/withdraw"), Some("comm01"), &json!({}))
            .await.expect(200).json();
        assert_eq!(done["status"], "withdrawn");
        app.post_json(&format!("/api/v1/listings/{id}/withdraw"), Some("comm01"), &json!({}))
            .await.expect(422);
    }

    async fn stages_are_set_by_admins_and_positions_by_commissioners_of_the_grid(app: &TestApp) {
        let body = json!({"stages": [{"code": "smelting", "name": "电解铝"}]});
        let put = |login: &'static str, path: &'static str, body: Value| async move {
            app.send(
                Method::PUT,
                path,
                Some(login),
                &[("content-type", "application/json")],
                serde_json::to_vec(&body).expect("json"),
            )
            .await
        };
        put("dispatch", "/api/v1/chain/aluminium/stages", body.clone()).await.expect(403);
        // Every other stage is held by an enterprise: leaving them out is refused.
        put("admin", "/api/v1/chain/aluminium/stages", body).await.expect(422);
        put("admin", "/api/v1/chain/steel/stages", json!({"stages": []})).await.expect(422);
        let position = json!({"stage": "recycling", "materials": ["边角料"]});
        let set = put("comm01", "/api/v1/chain/positions/2", position.clone()).await.expect(200).json();
        assert_eq!(set["stage"]["code"], "recycling");
        assert_eq!(set["materials"], json!(["边角料"]));
        put("comm01", "/api/v1/chain/positions/42", position).await.expect(404);
        let bad = put("comm01", "/api/v1/chain/positions/2", json!({"stage": "mining"})).await.expect(422);
        assert_eq!(bad.json()["errors"][0]["field"], "stage");
    }

    async fn the_openapi_document_describes_the_chain_endpoints(app: &TestApp) {
        let doc = app.get("/api/v1/openapi.json", None).await.expect(200).json();
        for path in [
            "/chain/{chain}/stages",
            "/chain/positions/{enterprise}",
            "/listings",
            "/listings/{id}",
            "/listings/{id}/withdraw",
            "/listings/{id}/suggestions",
        ] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
        let body = &doc["components"]["schemas"]["ListingBody"]["properties"];
        assert_eq!(body["title"]["maxLength"], 200);
        assert_eq!(body["tags"]["maxItems"], 12);
        assert_eq!(body["tags"]["items"]["maxLength"], 32);
    }
}

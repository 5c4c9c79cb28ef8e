//! Reference data over HTTP: grids, posts, enterprises, units, categories and users. Everyone
//! signed in reads; admins create and change; bad requests write nothing.

use gridloop_core::{
    ActionFields, ActionKind, Calendar, CategoryId, Code, Description, Login, Priority, Sla,
    Source, Title, Workflow,
};
use gridloop_store::{ActionRequest, NewIssue};
use hyper::Method;
use serde_json::{json, Value};

use crate::both;
use crate::support::{now, Reply, TestApp};

/// The six resources, by the path of their collection.
const RESOURCES: [&str; 6] = [
    "/api/v1/grids",
    "/api/v1/posts",
    "/api/v1/enterprises",
    "/api/v1/units",
    "/api/v1/categories",
    "/api/v1/users",
];

async fn patch(app: &TestApp, path: &str, login: Option<&str>, body: &Value) -> Reply {
    app.send(
        Method::PATCH,
        path,
        login,
        &[("content-type", "application/json")],
        serde_json::to_vec(body).expect("json"),
    )
    .await
}

/// The `field` of each entry of a problem's `errors`, in order.
fn bad_fields(reply: &Reply) -> Vec<String> {
    reply.json()["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors list: {}", reply.text()))
        .iter()
        .map(|e| e["field"].as_str().expect("field").to_owned())
        .collect()
}

/// The list at `path` as the admin sees it.
async fn list(app: &TestApp, path: &str) -> Vec<Value> {
    app.get(path, Some("admin"))
        .await
        .expect(200)
        .json()
        .as_array()
        .expect("a list")
        .clone()
}

/// The id of the item of the list at `path` whose `key` is `value`.
async fn id_of(app: &TestApp, path: &str, key: &str, value: &str) -> i64 {
    list(app, path)
        .await
        .iter()
        .find(|item| item[key] == value)
        .unwrap_or_else(|| panic!("no {key} {value} in {path}"))["id"]
        .as_i64()
        .expect("id")
}

/// A valid creation body for each resource (codes unused in the demo park).
fn new_bodies() -> [(&'static str, Value); 6] {
    [
        (
            "/api/v1/grids",
            json!({"code": "g7", "name": "第七网格", "chain": "aluminium"}),
        ),
        (
            "/api/v1/posts",
            json!({"code": "p79", "name": "新先锋岗", "grid": "g1"}),
        ),
        (
            "/api/v1/enterprises",
            json!({"name": "重庆新铝业有限公司", "grid": "g1", "address": "冶金路 99 号"}),
        ),
        (
            "/api/v1/units",
            json!({"code": "water", "name": "自来水公司"}),
        ),
        (
            "/api/v1/categories",
            json!({
                "code": "water", "name": "供水", "default_unit": "town",
                "sla": {
                    "low": {"response_minutes": 480, "resolve_minutes": 4800},
                    "normal": {"response_minutes": 240, "resolve_minutes": 2400},
                    "high": {"response_minutes": 60, "resolve_minutes": 900},
                    "urgent": {"response_minutes": 15, "resolve_minutes": 240}
                }
            }),
        ),
        (
            "/api/v1/users",
            json!({"login": "newbie", "name": "新同事", "roles": ["post_member"], "posts": ["p01"]}),
        ),
    ]
}

/// The path of the first item of each resource, as the admin lists it.
async fn first_items(app: &TestApp) -> Vec<String> {
    let mut paths = Vec::new();
    for resource in RESOURCES {
        let first = list(app, resource).await[0]["id"].as_i64().expect("id");
        paths.push(format!("{resource}/{first}"));
    }
    paths
}

async fn snapshot(app: &TestApp) -> Vec<Vec<Value>> {
    let mut all = Vec::new();
    for resource in RESOURCES {
        all.push(list(app, resource).await);
    }
    all
}

both! {
    async fn every_signed_in_user_can_list_and_read_reference_data(app: &TestApp) {
        let store = &app.store;
        let expected = [
            store.grids().await.expect("grids").len(),
            store.posts(None).await.expect("posts").len(),
            store.enterprises(None).await.expect("enterprises").len(),
            store.units().await.expect("units").len(),
            store.categories().await.expect("categories").len(),
            store.users().await.expect("users").len(),
        ];
        assert_eq!(expected[..5], [6, 78, 120, 7, 10], "the demo park");
        for (resource, n) in RESOURCES.into_iter().zip(expected) {
            let items = app.get(resource, Some("post01")).await.expect(200).json();
            let items = items.as_array().expect("a list");
            assert_eq!(items.len(), n, "{resource}");
            let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().expect("id")).collect();
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "{resource} in id order");
            let one = app
                .get(&format!("{resource}/{}", ids[3]), Some("post01"))
                .await
                .expect(200)
                .json();
            assert_eq!(one, items[3], "{resource}: one item reads as it lists");
        }
        let grid = app.get("/api/v1/grids", Some("dispatch")).await.expect(200).json();
        assert_eq!(grid[0]["code"], "g1");
        assert_eq!(grid[0]["chain"], "aluminium");
        let posts = app.get("/api/v1/posts", Some("dispatch")).await.expect(200).json();
        assert_eq!(posts[0]["grid"], "g1");
        let categories = list(app, "/api/v1/categories").await;
        let power = categories.iter().find(|c| c["code"] == "power").expect("power");
        assert_eq!(power["default_unit"], "power");
        assert_eq!(
            power["sla"]["urgent"],
            json!({"response_minutes": 15, "resolve_minutes": 240})
        );
        let users = list(app, "/api/v1/users").await;
        let post01 = users.iter().find(|u| u["login"] == "post01").expect("post01");
        assert_eq!(post01["roles"], json!(["post_member"]));
        assert_eq!(post01["posts"], json!(["p01"]));
        assert_eq!(post01["active"], true);
    }

    async fn enterprises_and_posts_filter_by_grid_code(app: &TestApp) {
        let enterprises = app
            .get("/api/v1/enterprises?grid=g2", Some("post01"))
            .await
            .expect(200)
            .json();
        let enterprises = enterprises.as_array().expect("a list");
        assert_eq!(enterprises.len(), 20);
        assert!(enterprises.iter().all(|e| e["grid"] == "g2"));
        let posts = app.get("/api/v1/posts?grid=g3", Some("post01")).await.expect(200).json();
        assert_eq!(posts.as_array().expect("a list").len(), 13);
        assert!(posts.as_array().expect("a list").iter().all(|p| p["grid"] == "g3"));
        let unknown = app.get("/api/v1/enterprises?grid=g99", Some("post01")).await.expect(422);
        assert_eq!(bad_fields(&unknown), vec!["grid"]);
        let malformed = app.get("/api/v1/enterprises?grid=G%201", Some("post01")).await.expect(422);
        assert_eq!(bad_fields(&malformed), vec!["grid"]);
    }

    async fn requests_without_a_valid_token_are_401(app: &TestApp) {
        let items = first_items(app).await;
        for ((resource, body), item) in new_bodies().into_iter().zip(items) {
            app.get(resource, None).await.expect(401);
            app.get(&item, None).await.expect(401);
            app.post_json(resource, None, &body).await.expect(401);
            patch(app, &item, None, &json!({})).await.expect(401);
            app.send(
                Method::GET,
                resource,
                None,
                &[("authorization", "Bearer glt_not-a-token")],
                Vec::new(),
            )
            .await
            .expect(401);
        }
    }

    async fn non_admins_may_neither_create_nor_patch_and_nothing_is_written(app: &TestApp) {
        let before = snapshot(app).await;
        let items = first_items(app).await;
        for login in ["dispatch", "lead", "post01", "power-head"] {
            for ((resource, body), item) in new_bodies().into_iter().zip(&items) {
                let reply = app.post_json(resource, Some(login), &body).await.expect(403);
                assert!(reply.json()["detail"].as_str().expect("detail").contains("admin"));
                patch(app, item, Some(login), &json!({"name": "改名"})).await.expect(403);
                // Refused before the body is read: even a bad body is 403, not 422.
                patch(app, item, Some(login), &json!({"bogus": 1})).await.expect(403);
            }
        }
        assert_eq!(snapshot(app).await, before);
    }

    async fn an_admin_creates_and_renames_a_grid(app: &TestApp) {
        // The chain may be left out: the park has one.
        let reply = app
            .post_json("/api/v1/grids", Some("admin"), &json!({"code": "g7", "name": "第七网格"}))
            .await
            .expect(201);
        let created = reply.json();
        let location = reply.header("location").expect("Location");
        assert_eq!(location, format!("/api/v1/grids/{}", created["id"]));
        assert_eq!(created["chain"], "aluminium");
        let read = app.get(&location, Some("post01")).await.expect(200).json();
        assert_eq!(read, created);
        let patched = patch(app, &location, Some("admin"), &json!({"name": "第七网格（扩区）"}))
            .await
            .expect(200)
            .json();
        assert_eq!(patched["name"], "第七网格（扩区）");
        assert_eq!(patched["code"], "g7");
        assert_eq!(app.get(&location, Some("post01")).await.expect(200).json(), patched);
        // An empty patch changes nothing.
        let same = patch(app, &location, Some("admin"), &json!({})).await.expect(200).json();
        assert_eq!(same, patched);
    }

    async fn an_admin_creates_and_moves_a_post(app: &TestApp) {
        let reply = app
            .post_json("/api/v1/posts", Some("admin"), &json!({"code": "p79", "name": "新先锋岗", "grid": "g1"}))
            .await
            .expect(201);
        let location = reply.header("location").expect("Location");
        assert_eq!(app.get(&location, Some("post01")).await.expect(200).json(), reply.json());
        let patched = patch(app, &location, Some("admin"), &json!({"grid": "g2", "name": "二区先锋岗"}))
            .await
            .expect(200)
            .json();
        assert_eq!((patched["grid"].clone(), patched["name"].clone()), (json!("g2"), json!("二区先锋岗")));
        assert_eq!(app.get(&location, Some("post01")).await.expect(200).json(), patched);
    }

    async fn an_admin_creates_moves_and_readdresses_an_enterprise(app: &TestApp) {
        let reply = app
            .post_json(
                "/api/v1/enterprises",
                Some("admin"),
                &json!({"name": "重庆新铝业有限公司", "grid": "g1", "address": " 冶金路 99 号 "}),
            )
            .await
            .expect(201);
        let created = reply.json();
        assert_eq!(created["address"], "冶金路 99 号");
        let location = reply.header("location").expect("Location");
        let patched = patch(app, &location, Some("admin"), &json!({"grid": "g6", "address": null}))
            .await
            .expect(200)
            .json();
        assert_eq!(patched["grid"], "g6");
        assert_eq!(patched["address"], Value::Null);
        assert_eq!(patched["name"], created["name"]);
        assert_eq!(app.get(&location, Some("post01")).await.expect(200).json(), patched);
        let in_g6 = app.get("/api/v1/enterprises?grid=g6", Some("post01")).await.expect(200).json();
        assert!(in_g6.as_array().expect("list").contains(&patched));
    }

    async fn an_enterprises_credit_code_is_found_and_no_other_may_take_it(app: &TestApp) {
        let code = "914403001922038216";
        let reply = app
            .post_json(
                "/api/v1/enterprises",
                Some("admin"),
                &json!({"name": "深圳某通信技术有限公司", "grid": "g1",
                        "credit_code": " 9144 0300 1922 0382 16 "}),
            )
            .await
            .expect(201);
        let created = reply.json();
        assert_eq!(created["credit_code"], code, "normalised");
        let location = reply.header("location").expect("Location");
        let found = app
            .get(&format!("/api/v1/enterprises?credit_code={code}"), Some("post01"))
            .await
            .expect(200)
            .json();
        assert_eq!(found, json!([created]));
        let elsewhere = app
            .get(&format!("/api/v1/enterprises?credit_code={code}&grid=g2"), Some("post01"))
            .await
            .expect(200)
            .json();
        assert_eq!(elsewhere, json!([]));
        let malformed = app
            .get("/api/v1/enterprises?credit_code=914403001922038217&grid=g99", Some("post01"))
            .await
            .expect(422);
        assert_eq!(bad_fields(&malformed), vec!["grid", "credit_code"]);

        // Another enterprise cannot take it, new or patched; a wrong check character is named.
        let before = snapshot(app).await;
        let other = list(app, "/api/v1/enterprises?grid=g2").await[0]["id"].clone();
        patch(
            app,
            &format!("/api/v1/enterprises/{other}"),
            Some("admin"),
            &json!({"name": "改名的企业", "credit_code": code}),
        )
        .await
        .expect(409);
        app.post_json(
            "/api/v1/enterprises",
            Some("admin"),
            &json!({"name": "另一家企业", "grid": "g2", "credit_code": code}),
        )
        .await
        .expect(409);
        let typo = app
            .post_json(
                "/api/v1/enterprises",
                Some("admin"),
                &json!({"name": "另一家企业", "grid": "g2", "credit_code": "914403001922038126"}),
            )
            .await
            .expect(422);
        assert_eq!(bad_fields(&typo), vec!["credit_code"]);
        assert_eq!(snapshot(app).await, before, "nothing written");

        // Cleared, it is free for another.
        let cleared = patch(app, &location, Some("admin"), &json!({"credit_code": null}))
            .await
            .expect(200)
            .json();
        assert_eq!(cleared["credit_code"], Value::Null);
        assert_eq!(cleared["name"], created["name"]);
        let moved = patch(
            app,
            &format!("/api/v1/enterprises/{other}"),
            Some("admin"),
            &json!({"credit_code": code.to_lowercase()}),
        )
        .await
        .expect(200)
        .json();
        assert_eq!(moved["credit_code"], code);
    }

    async fn an_admin_creates_and_renames_a_unit(app: &TestApp) {
        let reply = app
            .post_json("/api/v1/units", Some("admin"), &json!({"code": "water", "name": "自来水公司"}))
            .await
            .expect(201);
        let location = reply.header("location").expect("Location");
        assert_eq!(app.get(&location, Some("power")).await.expect(200).json(), reply.json());
        let patched = patch(app, &location, Some("admin"), &json!({"name": "金桥水务有限公司"}))
            .await
            .expect(200)
            .json();
        assert_eq!(patched["name"], "金桥水务有限公司");
        assert_eq!(app.get(&location, Some("power")).await.expect(200).json(), patched);
    }

    async fn an_admin_creates_a_category_and_changes_its_unit_and_slas(app: &TestApp) {
        let body = new_bodies()[4].1.clone();
        let reply = app.post_json("/api/v1/categories", Some("admin"), &body).await.expect(201);
        let created = reply.json();
        assert_eq!(created["sla"], body["sla"]);
        assert_eq!(created["default_unit"], "town");
        let location = reply.header("location").expect("Location");
        assert_eq!(app.get(&location, Some("dispatch")).await.expect(200).json(), created);
        let patched = patch(
            app,
            &location,
            Some("admin"),
            &json!({
                "default_unit": "platform",
                "sla": {"high": {"response_minutes": 30, "resolve_minutes": 450}}
            }),
        )
        .await
        .expect(200)
        .json();
        assert_eq!(patched["default_unit"], "platform");
        assert_eq!(patched["sla"]["high"], json!({"response_minutes": 30, "resolve_minutes": 450}));
        assert_eq!(patched["sla"]["low"], body["sla"]["low"], "other priorities keep theirs");
        assert_eq!(app.get(&location, Some("dispatch")).await.expect(200).json(), patched);
        let cleared = patch(app, &location, Some("admin"), &json!({"default_unit": null}))
            .await
            .expect(200)
            .json();
        assert_eq!(cleared["default_unit"], Value::Null);
    }

    async fn an_admin_creates_a_user_and_changes_roles_memberships_and_contacts(app: &TestApp) {
        let enterprise = list(app, "/api/v1/enterprises?grid=g1").await[0]["id"].clone();
        let reply = app
            .post_json(
                "/api/v1/users",
                Some("admin"),
                &json!({
                    "login": "newbie", "name": "新同事", "phone": "139 0000 1111",
                    "email": "newbie@Example.CN", "locale": "en",
                    "roles": ["post_member", "commissioner"], "posts": ["p01"],
                    "grids": ["g2"], "enterprises": [enterprise]
                }),
            )
            .await
            .expect(201);
        let created = reply.json();
        assert_eq!(created["phone"], "+8613900001111");
        assert_eq!(created["email"], "newbie@example.cn");
        assert_eq!(created["roles"], json!(["post_member", "commissioner"]));
        assert_eq!(created["grids"], json!(["g2"]));
        assert_eq!(created["enterprises"], json!([enterprise]));
        assert_eq!(created["active"], true);
        let location = reply.header("location").expect("Location");
        assert_eq!(app.get(&location, Some("admin")).await.expect(200).json(), created);

        let patched = patch(
            app,
            &location,
            Some("admin"),
            &json!({
                "roles": ["unit_member"], "units": ["power", "town"], "posts": [],
                "phone": null, "locale": "zh-CN"
            }),
        )
        .await
        .expect(200)
        .json();
        assert_eq!(patched["roles"], json!(["unit_member"]));
        assert_eq!(patched["units"], json!(["town", "power"]), "in id order");
        assert_eq!(patched["posts"], json!([]));
        assert_eq!(patched["grids"], json!(["g2"]), "lists not sent stay");
        assert_eq!(patched["phone"], Value::Null);
        assert_eq!(patched["email"], "newbie@example.cn");
        assert_eq!(patched["locale"], "zh-CN");
        assert_eq!(app.get(&location, Some("admin")).await.expect(200).json(), patched);
        // The new user can sign in and act as what they now are.
        let actor = app.store.actor(&Login::parse("newbie").expect("login")).await.expect("actor");
        assert_eq!(actor.roles, vec![gridloop_core::Role::UnitMember]);
        assert_eq!(actor.units.len(), 2);
    }

    async fn taken_codes_and_logins_are_409_and_write_nothing(app: &TestApp) {
        let before = snapshot(app).await;
        let taken = [
            ("/api/v1/grids", json!({"code": "g1", "name": "重复"})),
            ("/api/v1/posts", json!({"code": "p01", "name": "重复", "grid": "g2"})),
            ("/api/v1/units", json!({"code": "power", "name": "重复"})),
            ("/api/v1/categories", {
                let mut body = new_bodies()[4].1.clone();
                body["code"] = json!("roads");
                body
            }),
            ("/api/v1/users", json!({"login": "dispatch", "name": "重复"})),
        ];
        for (resource, body) in taken {
            let reply = app.post_json(resource, Some("admin"), &body).await.expect(409);
            assert!(reply.json()["detail"].as_str().expect("detail").contains("already exists"));
        }
        assert_eq!(snapshot(app).await, before);
    }

    async fn bad_fields_are_one_422_naming_each_and_write_nothing(app: &TestApp) {
        let before = snapshot(app).await;
        let cases = [
            ("/api/v1/grids", json!({"code": "Bad Code", "name": " ", "chain": "copper"}),
             vec!["code", "name", "chain"]),
            ("/api/v1/posts", json!({"code": "-p", "name": "", "grid": "g99"}),
             vec!["code", "name", "grid"]),
            ("/api/v1/enterprises", json!({"name": "", "grid": "nowhere", "address": "路".repeat(201),
                                           "credit_code": "914403001922038217"}),
             vec!["name", "address", "credit_code", "grid"]),
            ("/api/v1/units", json!({"code": "", "name": "x".repeat(101)}),
             vec!["code", "name"]),
            ("/api/v1/categories", json!({
                "code": "UPPER", "name": "", "default_unit": "nobody",
                "sla": {
                    "low": {"response_minutes": 0, "resolve_minutes": 10},
                    "normal": {"response_minutes": 100, "resolve_minutes": 10}
                }
            }), vec!["code", "name", "sla.low", "sla.normal", "sla.high", "sla.urgent", "default_unit"]),
            ("/api/v1/users", json!({
                "login": "X", "name": "", "phone": "call me", "email": "nope",
                "locale": "fr", "roles": ["boss"], "posts": ["p999"], "units": ["nobody"],
                "grids": ["g99"], "enterprises": [999999]
            }), vec!["login", "name", "phone", "email", "locale", "roles", "posts", "units",
                     "grids", "enterprises"]),
        ];
        for (resource, body, fields) in cases {
            let reply = app.post_json(resource, Some("admin"), &body).await.expect(422);
            assert_eq!(bad_fields(&reply), fields, "{resource}");
        }

        // Patches too, and a good field next to bad ones is not written either.
        let post01 = id_of(app, "/api/v1/users", "login", "post01").await;
        let reply = patch(
            app,
            &format!("/api/v1/users/{post01}"),
            Some("admin"),
            &json!({"name": "改名", "phone": "12", "roles": ["admin", "boss"], "posts": ["p01", "p999"],
                    "enterprises": [0]}),
        )
        .await
        .expect(422);
        assert_eq!(bad_fields(&reply), vec!["phone", "roles", "posts", "enterprises"]);
        let power = id_of(app, "/api/v1/categories", "code", "power").await;
        let reply = patch(
            app,
            &format!("/api/v1/categories/{power}"),
            Some("admin"),
            &json!({"name": "改名", "default_unit": "nobody",
                    "sla": {"urgent": {"response_minutes": 500, "resolve_minutes": 100}}}),
        )
        .await
        .expect(422);
        assert_eq!(bad_fields(&reply), vec!["sla.urgent", "default_unit"]);
        let g1 = id_of(app, "/api/v1/grids", "code", "g1").await;
        let reply = patch(app, &format!("/api/v1/grids/{g1}"), Some("admin"), &json!({"name": ""}))
            .await
            .expect(422);
        assert_eq!(bad_fields(&reply), vec!["name"]);
        let p01 = id_of(app, "/api/v1/posts", "code", "p01").await;
        let reply = patch(app, &format!("/api/v1/posts/{p01}"), Some("admin"), &json!({"name": "改名", "grid": "g99"}))
            .await
            .expect(422);
        assert_eq!(bad_fields(&reply), vec!["grid"]);
        // A type error is named by its path.
        let reply = app
            .post_json("/api/v1/categories", Some("admin"), &json!({
                "code": "x", "name": "x",
                "sla": {"low": {"response_minutes": -1, "resolve_minutes": 10}}
            }))
            .await
            .expect(422);
        assert_eq!(bad_fields(&reply), vec!["sla.low.response_minutes"]);
        assert_eq!(snapshot(app).await, before);
    }

    async fn unknown_ids_are_404(app: &TestApp) {
        for resource in RESOURCES {
            for id in ["999999", "0", "-3", "abc"] {
                let path = format!("{resource}/{id}");
                app.get(&path, Some("post01")).await.expect(404);
                patch(app, &path, Some("admin"), &json!({})).await.expect(404);
            }
        }
    }

    async fn unknown_fields_are_422_and_codes_and_logins_cannot_change(app: &TestApp) {
        let before = snapshot(app).await;
        let items = first_items(app).await;
        for ((resource, mut body), item) in new_bodies().into_iter().zip(items) {
            body["colour"] = json!("red");
            let reply = app.post_json(resource, Some("admin"), &body).await.expect(422);
            assert!(reply.text().contains("colour"), "{resource}: {}", reply.text());
            let reply = patch(app, &item, Some("admin"), &json!({"colour": "red"})).await.expect(422);
            assert!(reply.text().contains("colour"), "{item}: {}", reply.text());
        }
        let g1 = id_of(app, "/api/v1/grids", "code", "g1").await;
        patch(app, &format!("/api/v1/grids/{g1}"), Some("admin"), &json!({"code": "g100"}))
            .await
            .expect(422);
        let post01 = id_of(app, "/api/v1/users", "login", "post01").await;
        patch(app, &format!("/api/v1/users/{post01}"), Some("admin"), &json!({"login": "p1"}))
            .await
            .expect(422);
        let power = id_of(app, "/api/v1/categories", "code", "power").await;
        patch(
            app,
            &format!("/api/v1/categories/{power}"),
            Some("admin"),
            &json!({"sla": {"critical": {"response_minutes": 1, "resolve_minutes": 2}}}),
        )
        .await
        .expect(422);
        assert_eq!(snapshot(app).await, before);
    }

    async fn a_category_sla_change_affects_the_next_assignment_but_not_an_assigned_issue(app: &TestApp) {
        let workflow = Workflow::new(Calendar::default_china());
        let category = app
            .store
            .category_by_code(&Code::parse("power").expect("code"))
            .await
            .expect("read")
            .expect("power category");
        let enterprise = list(app, "/api/v1/enterprises?grid=g1").await[0]["id"].as_i64().expect("id");
        let unit = category.default_unit.expect("power has a default unit");
        let reporter = app.store.actor(&Login::parse("post01").expect("login")).await.expect("actor");
        let dispatcher = app.store.actor(&Login::parse("dispatch").expect("login")).await.expect("actor");
        let assign = |title: &'static str, category: CategoryId| {
            let (workflow, reporter, dispatcher) = (&workflow, &reporter, &dispatcher);
            async move {
                let mut issue = app
                    .store
                    .intake(
                        workflow,
                        reporter,
                        NewIssue {
                            enterprise: gridloop_core::EnterpriseId::new(enterprise).expect("id"),
                            category,
                            title: Title::parse(title).expect("title"),
                            description: Description::parse("seen on the walk").expect("text"),
                            priority: Priority::High,
                            source: Source::Api,
                            client_key: None,
                        },
                        now(),
                    )
                    .await
                    .expect("report")
                    .issue;
                let assign = ActionFields {
                    unit: Some(unit),
                    ..ActionFields::default()
                };
                for (kind, fields) in [
                    (ActionKind::Accept, ActionFields::default()),
                    (ActionKind::Assign, assign),
                ] {
                    let request = ActionRequest {
                        kind,
                        fields,
                        expected_version: Some(issue.version),
                    };
                    issue = app
                        .store
                        .act(workflow, issue.id, dispatcher, request, now())
                        .await
                        .unwrap_or_else(|e| panic!("{kind}: {e}"))
                        .issue;
                }
                issue
            }
        };
        let before = assign("Transformer hums", category.id).await;
        assert_eq!(before.sla, category.sla_for(Priority::High));

        patch(
            app,
            &format!("/api/v1/categories/{}", category.id),
            Some("admin"),
            &json!({"sla": {"high": {"response_minutes": 20, "resolve_minutes": 200}}}),
        )
        .await
        .expect(200);

        let still = app.store.issue(before.id).await.expect("read").expect("issue");
        assert_eq!(still, before, "an assigned issue keeps the deadlines it was promised");
        let after = assign("Pole leaning", category.id).await;
        assert_eq!(after.sla, Some(Sla::new(20, 200).expect("sla")));
        assert_eq!(
            after.resolve_due_at,
            Some(workflow.calendar().add_working_minutes(now(), 200))
        );
        assert_ne!(after.resolve_due_at, before.resolve_due_at);
    }

    async fn deactivating_a_user_makes_their_token_answer_401(app: &TestApp) {
        app.get("/api/v1/grids", Some("post01")).await.expect(200);
        let post01 = id_of(app, "/api/v1/users", "login", "post01").await;
        let path = format!("/api/v1/users/{post01}");
        let off = patch(app, &path, Some("admin"), &json!({"active": false})).await.expect(200).json();
        assert_eq!(off["active"], false);
        app.get("/api/v1/grids", Some("post01")).await.expect(401);
        app.get(&path, Some("admin")).await.expect(200);
        patch(app, &path, Some("admin"), &json!({"active": true})).await.expect(200);
        app.get("/api/v1/grids", Some("post01")).await.expect(200);
    }

    async fn the_last_active_admin_can_be_neither_deactivated_nor_demoted(app: &TestApp) {
        let admin = id_of(app, "/api/v1/users", "login", "admin").await;
        let path = format!("/api/v1/users/{admin}");
        let reply = patch(app, &path, Some("admin"), &json!({"active": false})).await.expect(422);
        assert_eq!(bad_fields(&reply), vec!["active"]);
        let reply = patch(app, &path, Some("admin"), &json!({"roles": ["dispatcher"]})).await.expect(422);
        assert_eq!(bad_fields(&reply), vec!["roles"]);
        let me = app.get(&path, Some("admin")).await.expect(200).json();
        assert_eq!((me["active"].clone(), me["roles"].clone()), (json!(true), json!(["admin"])));
    }

    async fn non_admins_see_masked_contacts_and_admins_and_the_user_see_them_in_full(app: &TestApp) {
        let post01 = id_of(app, "/api/v1/users", "login", "post01").await;
        let full = app.get(&format!("/api/v1/users/{post01}"), Some("admin")).await.expect(200).json();
        let phone = full["phone"].as_str().expect("phone").to_owned();
        let email = full["email"].as_str().expect("email").to_owned();
        assert!(phone.starts_with("+86138") && !phone.contains('*'), "{phone}");
        assert_eq!(email, "post01@demo.gridloop.example");

        let seen = app.get(&format!("/api/v1/users/{post01}"), Some("dispatch")).await.expect(200).json();
        assert_eq!(seen["phone"], format!("+86138****{}", &phone[phone.len() - 4..]));
        assert_eq!(seen["email"], "p***@demo.gridloop.example");
        let listed = app.get("/api/v1/users", Some("post02")).await.expect(200).json();
        for user in listed.as_array().expect("list") {
            let Some(phone) = user["phone"].as_str() else {
                continue;
            };
            if user["login"] == "post02" {
                assert!(!phone.contains('*'), "one's own number in full");
            } else {
                assert!(phone.contains("****"), "{phone}");
                if let Some(email) = user["email"].as_str() {
                    assert!(email.contains("***@"), "{email}");
                }
            }
        }
        let own = app.get(&format!("/api/v1/users/{post01}"), Some("post01")).await.expect(200).json();
        assert_eq!(own["phone"], phone.as_str());
    }

    async fn the_openapi_document_describes_every_reference_endpoint(app: &TestApp) {
        let doc = app.get("/api/v1/openapi.json", None).await.expect(200).json();
        for resource in ["grids", "posts", "enterprises", "units", "categories", "users"] {
            let collection = &doc["paths"][format!("/{resource}")];
            let item = &doc["paths"][format!("/{resource}/{{id}}")];
            for (op, statuses) in [
                (&collection["get"], vec!["200", "401"]),
                (&collection["post"], vec!["201", "401", "403", "422"]),
                (&item["get"], vec!["200", "401", "404"]),
                (&item["patch"], vec!["200", "401", "403", "404", "422"]),
            ] {
                assert_eq!(op["tags"], json!([resource]), "{resource}: {op}");
                assert_eq!(op["security"], json!([{"bearer": []}]), "{resource}");
                for status in statuses {
                    assert!(op["responses"][status].is_object(), "{resource} {status}: {op}");
                }
            }
            assert!(collection["post"]["requestBody"].is_object(), "{resource}");
            assert!(item["patch"]["requestBody"].is_object(), "{resource}");
            assert!(collection["post"]["responses"]["201"]["headers"]["Location"].is_object());
            assert!(
                collection["post"]["responses"]["422"]["content"]["application/problem+json"]
                    .is_object()
            );
            assert!(item.get("delete").is_none(), "reference data is never deleted");
        }
    }
}

//! `/api/v1/issues`: reporting, the loop over HTTP, idempotency, versions, lists, scoping.

use chrono::Duration;
use gridloop_core::{Code, Login};
use hyper::Method;
use serde_json::{json, Value};

use crate::both;
use crate::support::{Reply, TestApp};

/// The id of the `n`-th enterprise (0-based) of a grid.
pub async fn enterprise_in(app: &TestApp, grid: &str, n: usize) -> i64 {
    let grid = app
        .store
        .grid_by_code(&Code::parse(grid).expect("code"))
        .await
        .expect("grid lookup")
        .expect("demo grid");
    let enterprises = app
        .store
        .enterprises(Some(grid.id))
        .await
        .expect("enterprises");
    enterprises[n].id.get()
}

pub async fn user_id(app: &TestApp, login: &str) -> i64 {
    app.store
        .user_by_login(&Login::parse(login).expect("login"))
        .await
        .expect("user lookup")
        .expect("demo user")
        .id
        .get()
}

/// How many issues the store holds, whoever can see them.
pub async fn issue_count(app: &TestApp) -> u64 {
    app.store
        .count_by_status()
        .await
        .expect("count")
        .iter()
        .map(|(_, n)| n)
        .sum()
}

/// Reports a `power` problem for the first enterprise of g1 as `login`; asserts 201.
pub async fn report(app: &TestApp, login: &str, title: &str) -> Value {
    let enterprise = enterprise_in(app, "g1", 0).await;
    let body = json!({"enterprise_id": enterprise, "category": "power", "title": title});
    app.post_json("/api/v1/issues", Some(login), &body)
        .await
        .expect(201)
        .json()
}

/// Sends an action with the fields in `body` (which names the action and version).
pub async fn act(app: &TestApp, login: &str, id: i64, body: Value) -> Reply {
    app.post_json(&format!("/api/v1/issues/{id}/actions"), Some(login), &body)
        .await
}

/// Takes an action that must succeed and returns the issue after it.
pub async fn step(app: &TestApp, login: &str, issue: &Value, mut body: Value) -> Value {
    body["version"] = issue["version"].clone();
    act(app, login, issue["id"].as_i64().expect("id"), body)
        .await
        .expect(200)
        .json()
}

pub async fn get_issue(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/issues/{id}"), Some("dispatch"))
        .await
        .expect(200)
        .json()
}

/// The ids of a list answer, in order.
fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

both! {
    async fn reporting_answers_201_with_a_location_an_etag_and_the_new_issue(app: &TestApp) {
        let enterprise = enterprise_in(app, "g1", 0).await;
        let body = json!({
            "enterprise_id": enterprise,
            "category": "power",
            "title": "  Power line to be moved  ",
            "description": "The 10 kV line crosses the new plot.",
            "priority": "high",
        });
        let reply = app.post_json("/api/v1/issues", Some("post01"), &body).await.expect(201);
        let issue = reply.json();
        let id = issue["id"].as_i64().expect("id");
        assert_eq!(reply.header("location").as_deref(), Some(format!("/api/v1/issues/{id}").as_str()));
        assert_eq!(reply.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(reply.header("content-type").as_deref(), Some("application/json"));
        assert_eq!(issue["status"], "reported");
        assert_eq!(issue["version"], 1);
        assert_eq!(issue["title"], "Power line to be moved");
        assert_eq!(issue["priority"], "high");
        assert_eq!(issue["source"], "api");
        assert_eq!(issue["enterprise_id"], enterprise);
        assert_eq!(issue["reporter_id"], user_id(app, "post01").await);
        assert_eq!(issue["unit_id"], Value::Null);
        assert_eq!(issue["overdue"], false);
        assert_eq!(issue["available_actions"], json!(["comment"]));
        assert_eq!(issue["created_at"], "2026-11-27T02:00:00Z");

        // The Location reads back the same issue, with the same ETag.
        let again = app.get(&format!("/api/v1/issues/{id}"), Some("post01")).await.expect(200);
        assert_eq!(again.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(again.json(), issue);
        // The dispatcher is offered the dispatcher's actions.
        let seen = get_issue(app, id).await;
        assert_eq!(seen["available_actions"], json!(["accept", "reject", "mark_duplicate", "comment"]));

        // By category id instead of code, by a commissioner of the grid.
        let power = app.store.category_by_code(&Code::parse("power").expect("code")).await.expect("lookup").expect("demo");
        let body = json!({"enterprise_id": enterprise, "category_id": power.id.get(), "title": "Lights out"});
        let by_id = app.post_json("/api/v1/issues", Some("comm01"), &body).await.expect(201).json();
        assert_eq!(by_id["category_id"], power.id.get());
        assert_eq!(by_id["priority"], "normal");
    }

    async fn the_full_loop_over_http_ends_closed_at_version_6_with_6_events(app: &TestApp) {
        let issue = report(app, "post01", "Transformer hums and trips").await;
        let id = issue["id"].as_i64().expect("id");
        let issue = step(app, "dispatch", &issue, json!({"action": "accept"})).await;
        assert_eq!(issue["status"], "accepted");
        let issue = step(app, "dispatch", &issue, json!({"action": "assign", "unit": "power"})).await;
        assert_eq!(issue["status"], "assigned");
        let power = app.store.unit_by_code(&Code::parse("power").expect("code")).await.expect("lookup").expect("demo");
        assert_eq!(issue["unit_id"], power.id.get());
        assert!(issue["resolve_due_at"].is_string());
        let issue = step(app, "power", &issue, json!({"action": "start"})).await;
        assert_eq!(issue["status"], "in_progress");
        assert_eq!(issue["available_actions"], json!(["hold", "extend_request", "resolve", "comment"]));
        let issue = step(app, "power", &issue, json!({"action": "resolve", "note": "Replaced the breaker."})).await;
        assert_eq!(issue["status"], "resolved");
        let reply = act(app, "post01", id, json!({"action": "verify", "version": 5, "satisfaction": 5})).await.expect(200);
        assert_eq!(reply.header("etag").as_deref(), Some("\"6\""));
        let issue = reply.json();
        assert_eq!(issue["status"], "closed");
        assert_eq!(issue["version"], 6);
        assert_eq!(issue["satisfaction"], 5);
        assert_eq!(issue["resolution"], "Replaced the breaker.");
        assert_eq!(issue["verifier_id"], user_id(app, "post01").await);
        assert!(issue["closed_at"].is_string());

        let reply = app.get(&format!("/api/v1/issues/{id}/events"), Some("post01")).await.expect(200);
        assert_eq!(reply.header("etag").as_deref(), Some("\"6\""));
        let events = reply.json();
        let events = events["items"].as_array().expect("items");
        assert_eq!(events.len(), 6);
        let kinds: Vec<_> = events.iter().map(|e| e["kind"].as_str().expect("kind")).collect();
        assert_eq!(kinds, ["reported", "accepted", "assigned", "started", "resolved", "verified"]);
        let steps: Vec<_> = events.iter().map(|e| (e["version"].as_u64().expect("v"), e["from"].clone(), e["to"].clone())).collect();
        assert_eq!(steps, [
            (1, Value::Null, json!("reported")),
            (2, json!("reported"), json!("accepted")),
            (3, json!("accepted"), json!("assigned")),
            (4, json!("assigned"), json!("in_progress")),
            (5, json!("in_progress"), json!("resolved")),
            (6, json!("resolved"), json!("closed")),
        ]);
        assert_eq!(events[0]["actor_id"], user_id(app, "post01").await);
        assert_eq!(events[2]["payload"]["unit"], power.id.get());
        assert_eq!(events[4]["payload"]["note"], "Replaced the breaker.");
        assert!(events[0]["payload"].get("kind").is_none());
    }

    async fn an_idempotency_key_replays_the_first_report_and_refuses_a_different_body(app: &TestApp) {
        let enterprise = enterprise_in(app, "g1", 0).await;
        let body = json!({"enterprise_id": enterprise, "category": "roads", "title": "Lorries wrecked the road"});
        let key = [("content-type", "application/json"), ("idempotency-key", "6f1c2a9e-2b1d-4c55-9f11-0a7d1e3b5c42")];
        let send = |body: Value| async move {
            app.send(Method::POST, "/api/v1/issues", Some("post01"), &key, serde_json::to_vec(&body).expect("json")).await
        };
        let first = send(body.clone()).await.expect(201);
        assert_eq!(first.header("idempotent-replayed"), None);
        let second = send(body.clone()).await.expect(201);
        assert_eq!(second.header("idempotent-replayed").as_deref(), Some("true"));
        assert_eq!(first.json()["id"], second.json()["id"]);
        assert_eq!(first.header("location"), second.header("location"));
        assert_eq!(issue_count(app).await, 1);

        let mut other = body.clone();
        other["title"] = json!("A different problem");
        let reply = send(other).await.expect(422);
        assert!(reply.json()["type"].as_str().expect("type").ends_with("idempotency-key-reuse"));
        assert_eq!(issue_count(app).await, 1);

        // Keys are the reporter's own: another reporter's same key is a new report.
        let reply = app.send(Method::POST, "/api/v1/issues", Some("post02"), &key, serde_json::to_vec(&body).expect("json")).await.expect(201);
        assert_ne!(reply.json()["id"], first.json()["id"]);
        assert_eq!(issue_count(app).await, 2);
    }

    async fn if_match_carries_the_version_and_a_stale_one_is_409_with_nothing_written(app: &TestApp) {
        let issue = report(app, "post01", "Street lights out").await;
        let id = issue["id"].as_i64().expect("id");
        let path = format!("/api/v1/issues/{id}/actions");
        let send = |if_match: &'static str, body: Value| {
            let path = path.clone();
            async move {
                app.send(Method::POST, &path, Some("dispatch"),
                    &[("content-type", "application/json"), ("if-match", if_match)],
                    serde_json::to_vec(&body).expect("json")).await
            }
        };
        let reply = send("\"1\"", json!({"action": "accept"})).await.expect(200);
        assert_eq!(reply.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(reply.json()["status"], "accepted");

        // Stale, by header and by body: 409, nothing written.
        let stale = send("\"1\"", json!({"action": "assign", "unit": "power"})).await.expect(409);
        assert!(stale.json()["detail"].as_str().expect("detail").contains("version 2"));
        act(app, "dispatch", id, json!({"action": "assign", "unit": "power", "version": 1})).await.expect(409);
        let now = get_issue(app, id).await;
        assert_eq!(now["version"], 2);
        assert_eq!(now["status"], "accepted");
        let events = app.get(&format!("/api/v1/issues/{id}/events"), Some("dispatch")).await.expect(200).json();
        assert_eq!(events["items"].as_array().expect("items").len(), 2);

        // Header and body must agree; a version is required one way or the other.
        let reply = send("\"2\"", json!({"action": "assign", "unit": "power", "version": 3})).await.expect(422);
        assert_eq!(reply.json()["errors"][0]["field"], "If-Match");
        let reply = act(app, "dispatch", id, json!({"action": "assign", "unit": "power"})).await.expect(422);
        assert_eq!(reply.json()["errors"][0]["field"], "version");
        let reply = send("\"2\"", json!({"action": "assign", "unit": "power", "version": 2})).await.expect(200);
        assert_eq!(reply.header("etag").as_deref(), Some("\"3\""));
    }

    async fn lists_filter_by_status_grid_unit_category_enterprise_reporter_overdue_and_text(app: &TestApp) {
        let g1_first = enterprise_in(app, "g1", 0).await;
        let g1_second = enterprise_in(app, "g1", 1).await;
        let g2_first = enterprise_in(app, "g2", 0).await;
        let new = |login: &'static str, enterprise: i64, category: &'static str, title: &'static str| async move {
            let body = json!({"enterprise_id": enterprise, "category": category, "title": title});
            app.post_json("/api/v1/issues", Some(login), &body).await.expect(201).json()
        };
        let a = new("post01", g1_first, "power", "Cable trench flooded").await;
        let b = new("post02", g1_second, "roads", "Potholes at the gate").await;
        let c = new("post14", g2_first, "roads", "Road closed by lorries").await;
        let a = step(app, "dispatch", &a, json!({"action": "accept"})).await;
        let a = step(app, "dispatch", &a, json!({"action": "assign", "unit": "power"})).await;
        let id = |v: &Value| v["id"].as_i64().expect("id");
        let list = |query: String| async move {
            app.get(&format!("/api/v1/issues{query}"), Some("dispatch")).await.expect(200).json()
        };

        assert_eq!(ids(&list(String::new()).await), [id(&c), id(&b), id(&a)]);
        assert_eq!(ids(&list("?status=assigned".into()).await), [id(&a)]);
        assert_eq!(ids(&list("?status=reported,%20assigned".into()).await), [id(&c), id(&b), id(&a)]);
        assert_eq!(ids(&list("?grid=g1".into()).await), [id(&b), id(&a)]);
        assert_eq!(ids(&list("?grid=g2".into()).await), [id(&c)]);
        assert_eq!(ids(&list("?unit=power".into()).await), [id(&a)]);
        assert_eq!(ids(&list("?category=roads".into()).await), [id(&c), id(&b)]);
        assert_eq!(ids(&list(format!("?enterprise={g1_second}")).await), [id(&b)]);
        assert_eq!(ids(&list("?reporter=post14".into()).await), [id(&c)]);
        assert_eq!(ids(&list("?q=ROAD".into()).await), [id(&c)]);
        assert_eq!(ids(&list("?grid=g1&category=roads&status=reported".into()).await), [id(&b)]);
        assert!(ids(&list("?overdue=true".into()).await).is_empty());
        assert_eq!(list(String::new()).await["next_cursor"], Value::Null);

        // A month later the power issue is past its deadlines.
        app.clock.advance(Duration::days(30));
        assert_eq!(ids(&list("?overdue=true".into()).await), [id(&a)]);
        assert_eq!(list("?overdue=true".into()).await["items"][0]["overdue"], true);
        assert_eq!(ids(&list("?overdue=false".into()).await).len(), 3);

        // Codes and logins that name nothing are 422 naming the parameter, all at once.
        let reply = app.get("/api/v1/issues?grid=g99&unit=nope&category=nope&reporter=nobody&status=lost", Some("dispatch")).await.expect(422);
        let fields: Vec<_> = reply.json()["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().expect("field").to_owned()).collect();
        assert_eq!(fields, ["status", "grid", "unit", "category", "reporter"]);
        let reply = app.get("/api/v1/issues?enterprise=99999", Some("dispatch")).await.expect(422);
        assert_eq!(reply.json()["errors"][0]["field"], "enterprise");
        let reply = app.get("/api/v1/issues?color=red", Some("dispatch")).await.expect(422);
        assert_eq!(reply.json()["errors"][0]["field"], "color");
        let reply = app.get("/api/v1/issues?cursor=bogus", Some("dispatch")).await.expect(422);
        assert_eq!(reply.json()["errors"][0]["field"], "cursor");
        for limit in ["0", "501", "ten"] {
            let reply = app.get(&format!("/api/v1/issues?limit={limit}"), Some("dispatch")).await.expect(422);
            assert_eq!(reply.json()["errors"][0]["field"], "limit");
        }
    }

    async fn lists_are_scoped_so_a_post_sees_its_grid_and_a_unit_its_assignments(app: &TestApp) {
        let mine = report(app, "post01", "Assigned to power").await;
        let other = report(app, "post02", "Still on the desk").await;
        let mine = step(app, "dispatch", &mine, json!({"action": "accept"})).await;
        let mine = step(app, "dispatch", &mine, json!({"action": "assign", "unit": "power"})).await;
        let id = |v: &Value| v["id"].as_i64().expect("id");
        let list = |login: &'static str| async move {
            ids(&app.get("/api/v1/issues", Some(login)).await.expect(200).json())
        };
        // post20 walks grid g2: none of g1's issues, not even by id or by filter.
        assert!(list("post20").await.is_empty());
        assert!(ids(&app.get("/api/v1/issues?grid=g1", Some("post20")).await.expect(200).json()).is_empty());
        app.get(&format!("/api/v1/issues/{}", id(&other)), Some("post20")).await.expect(404);
        // A post of g1 sees the grid's issues; so does the grid's commissioner.
        assert_eq!(list("post13").await, [id(&other), id(&mine)]);
        assert_eq!(list("comm02").await, [id(&other), id(&mine)]);
        // The power unit (member and head) sees only what is assigned to it; transport nothing.
        assert_eq!(list("power").await, [id(&mine)]);
        assert_eq!(list("power-head").await, [id(&mine)]);
        assert!(list("transport").await.is_empty());
        app.get(&format!("/api/v1/issues/{}", id(&other)), Some("power")).await.expect(404);
        app.get(&format!("/api/v1/issues/{}/events", id(&mine)), Some("transport")).await.expect(404);
        // Dispatchers, supervisors and admins see everything.
        for login in ["dispatch", "lead", "admin"] {
            assert_eq!(list(login).await, [id(&other), id(&mine)], "{login}");
        }
        // A unit member is offered the unit's actions only on its own issue.
        let seen = app.get(&format!("/api/v1/issues/{}", id(&mine)), Some("power")).await.expect(200).json();
        assert_eq!(seen["available_actions"], json!(["return", "start", "extend_request", "comment"]));
    }

    async fn pages_follow_the_cursor_newest_first_without_gaps_or_repeats(app: &TestApp) {
        let mut reported = Vec::new();
        for n in 0..5 {
            reported.push(report(app, "post01", &format!("Problem number {n}")).await["id"].as_i64().expect("id"));
        }
        reported.reverse();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let query = match &cursor {
                Some(c) => format!("?limit=2&cursor={c}"),
                None => "?limit=2".to_owned(),
            };
            let page = app.get(&format!("/api/v1/issues{query}"), Some("post01")).await.expect(200).json();
            pages += 1;
            let items = ids(&page);
            assert!(items.len() <= 2);
            seen.extend(items);
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, reported);
    }

    async fn codes_and_duplicates_that_name_nothing_are_field_errors_after_the_role(app: &TestApp) {
        let issue = report(app, "post01", "Power line to be moved").await;
        let other = report(app, "post01", "The same power line").await;
        let issue = step(app, "dispatch", &issue, json!({"action": "accept"})).await;
        let id = issue["id"].as_i64().expect("id");
        let field = |reply: Reply| reply.expect(422).json()["errors"][0]["field"].clone();
        let assign = json!({"action": "assign", "version": 2, "unit": "nope"});
        assert_eq!(field(act(app, "dispatch", id, assign.clone()).await), "unit");
        // Someone who may never assign is told so first, whatever the fields say.
        act(app, "post01", id, assign).await.expect(403);
        for of in [id, id + 1000] {
            let body = json!({"action": "mark_duplicate", "version": 2, "duplicate_of": of});
            assert_eq!(field(act(app, "dispatch", id, body).await), "duplicate_of", "{of}");
        }
        assert_eq!(get_issue(app, id).await["version"], 2, "nothing was written");
        let of = other["id"].clone();
        let done = step(app, "dispatch", &issue, json!({"action": "mark_duplicate", "duplicate_of": of})).await;
        assert_eq!(done["status"], "duplicate");
    }

    async fn an_unseen_issue_answers_exactly_like_a_missing_one(app: &TestApp) {
        let issue = report(app, "post01", "Visible in g1 only").await;
        let id = issue["id"].as_i64().expect("id");
        let missing = id + 1000;
        for path in ["", "/events"] {
            let unseen = app.get(&format!("/api/v1/issues/{id}{path}"), Some("post20")).await.expect(404);
            let absent = app.get(&format!("/api/v1/issues/{missing}{path}"), Some("post20")).await.expect(404);
            assert_eq!(unseen.body, absent.body);
            assert_eq!(unseen.header("content-type"), absent.header("content-type"));
        }
        // Acting: the same answer whether the issue is out of sight or does not exist, even
        // with a stale version (which must not leak the real one).
        for version in [1, 7] {
            let body = json!({"action": "comment", "note": "hello?", "version": version});
            let unseen = act(app, "post20", id, body.clone()).await.expect(404);
            let absent = act(app, "post20", missing, body).await.expect(404);
            assert_eq!(unseen.body, absent.body);
        }
        assert_eq!(get_issue(app, id).await["version"], 1);
    }

    async fn reporting_for_an_enterprise_of_another_grid_is_403_naming_the_scope_not_a_role(app: &TestApp) {
        let before = issue_count(app).await;
        let enterprise = enterprise_in(app, "g1", 0).await;
        let body = json!({"enterprise_id": enterprise, "category": "power", "title": "Not my grid"});
        // post20 is a post member (who may report), of another grid than g1.
        let refused = app.post_json("/api/v1/issues", Some("post20"), &body).await.expect(403).json();
        let detail = refused["detail"].as_str().expect("detail");
        assert!(detail.contains("outside your grids"), "{detail}");
        assert!(!detail.contains("roles"), "post20 holds the role: {detail}");
        assert_eq!(issue_count(app).await, before, "nothing was written");
    }

    async fn the_openapi_document_is_3_1_and_lists_every_issue_operation_and_status(app: &TestApp) {
        let doc = app.get("/api/v1/openapi.json", None).await.expect(200).json();
        assert_eq!(doc["openapi"], "3.1.0");
        let expected: [(&str, &str, &[&str]); 5] = [
            ("/issues", "post", &["201", "400", "401", "403", "413", "415", "422"]),
            ("/issues", "get", &["200", "401", "422"]),
            ("/issues/{id}", "get", &["200", "401", "404"]),
            ("/issues/{id}/events", "get", &["200", "401", "404"]),
            ("/issues/{id}/actions", "post", &["200", "400", "401", "403", "404", "409", "413", "415", "422"]),
        ];
        for (path, method, statuses) in expected {
            let op = &doc["paths"][path][method];
            assert!(op.is_object(), "{method} {path} is documented");
            assert_eq!(op["tags"], json!(["issues"]), "{method} {path}");
            assert_eq!(op["security"], json!([{"bearer": []}]), "{method} {path}");
            let documented: Vec<&str> = op["responses"].as_object().expect("responses").keys().map(String::as_str).collect();
            assert_eq!(documented, statuses, "{method} {path}");
            for status in statuses.iter().filter(|s| s.starts_with('4')) {
                let content = &op["responses"][*status]["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(content, "#/components/schemas/Problem", "{method} {path} {status}");
            }
        }
        assert!(doc["paths"]["/issues/{id}/actions"]["post"]["parameters"].as_array().expect("params")
            .iter().any(|p| p["name"] == "If-Match" && p["in"] == "header"));
        assert!(doc["paths"]["/issues"]["get"]["parameters"].as_array().expect("params")
            .iter().any(|p| p["name"] == "cursor" && p["in"] == "query"));
        // Every reference resolves.
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(!refs.is_empty());
        for r in refs {
            let pointer = r.strip_prefix('#').expect("local reference");
            assert!(doc.pointer(pointer).is_some(), "dangling {r}");
        }
        let issue_view = &doc["components"]["schemas"]["IssueView"]["properties"];
        for field in ["id", "status", "version", "available_actions", "overdue", "pending_extension", "resolve_due_at"] {
            assert!(issue_view[field].is_object(), "IssueView.{field}");
        }
        assert!(issue_view["available_actions"]["items"]["enum"].as_array().expect("enum").contains(&json!("mark_duplicate")));
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

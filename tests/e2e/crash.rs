//! Nothing acknowledged is lost: a report the server answered 201 to is still there after the
//! server is killed with SIGKILL (no shutdown, no flush) and started again.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

use crate::support::Db;

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub(crate) fn start(db: &Db, port: u16) -> Child {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    Command::new(env!("CARGO_BIN_EXE_gridloop"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(root)
        .env("GRIDLOOP_DATABASE_URL", &db.url)
        .env(
            "GRIDLOOP_NOTIFY__FILE__DIR",
            crate::support::scratch_outbox(),
        )
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("start gridloop serve")
}

pub(crate) async fn call(
    port: u16,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = Request::builder()
        .method(method)
        .uri(format!("http://127.0.0.1:{port}{path}"))
        .header("authorization", format!("Bearer {token}"));
    let bytes = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Bytes::from(serde_json::to_vec(&b).expect("json"))
        }
        None => Bytes::new(),
    };
    let res = client
        .request(req.body(Full::new(bytes)).expect("request"))
        .await
        .expect("send");
    let status = res.status().as_u16();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

pub(crate) async fn wait_ready(port: u16) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    for _ in 0..200 {
        let req = Request::get(format!("http://127.0.0.1:{port}/readyz"))
            .body(Full::new(Bytes::new()))
            .expect("request");
        if let Ok(res) = client.request(req).await {
            if res.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

async fn acknowledged_reports_survive_a_killed_server(db: &Db) {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    let token = db.json(&["token", "create", "--user", "post01"])["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let dispatch = db.json(&["token", "create", "--user", "dispatch"])["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let enterprise = db.json(&["enterprise", "list", "--grid", "g1"])[0]["id"].clone();

    let port = free_port();
    let mut server = start(db, port);
    wait_ready(port).await;
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        let (status, issue) = call(
            port,
            Method::POST,
            "/api/v1/issues",
            &token,
            Some(json!({"enterprise_id": enterprise, "category": "roads", "title": format!("路面塌陷 {i}")})),
        )
        .await;
        assert_eq!(status, 201, "{issue}");
        acknowledged.push(issue["id"].as_i64().expect("id"));
    }
    let last = acknowledged[acknowledged.len() - 1];
    let (status, accepted) = call(
        port,
        Method::POST,
        &format!("/api/v1/issues/{last}/actions"),
        &dispatch,
        Some(json!({"action": "accept", "version": 1})),
    )
    .await;
    assert_eq!(status, 200, "{accepted}");
    // SIGKILL: no graceful shutdown, nothing flushed on the way out.
    server.kill().expect("kill -9");
    server.wait().expect("reap");

    let mut server = start(db, port);
    wait_ready(port).await;
    for id in &acknowledged {
        let (status, issue) = call(
            port,
            Method::GET,
            &format!("/api/v1/issues/{id}"),
            &token,
            None,
        )
        .await;
        assert_eq!(
            status, 200,
            "issue {id} was acknowledged, then lost: {issue}"
        );
    }
    let (_, issue) = call(
        port,
        Method::GET,
        &format!("/api/v1/issues/{last}"),
        &token,
        None,
    )
    .await;
    assert_eq!(issue["status"], "accepted");
    assert_eq!(issue["version"], 2);
    let _ = server.kill();
    let _ = server.wait();
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_keeps_every_acknowledged_report_across_a_kill_9() {
    let db = Db::sqlite();
    acknowledged_reports_survive_a_killed_server(&db).await;
    db.drop_async().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_keeps_every_acknowledged_report_across_a_kill_9() {
    let Some(db) = Db::postgres().await else {
        return;
    };
    acknowledged_reports_survive_a_killed_server(&db).await;
    db.drop_async().await;
}

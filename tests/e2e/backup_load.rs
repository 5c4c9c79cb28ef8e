//! A backup taken while 16 clients keep reporting problems and attaching photos is consistent:
//! restored into a fresh database, every issue acknowledged before the backup started is there,
//! with its events and its attachments' bytes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;

use crate::crash::{call, free_port, start, wait_ready};
use crate::support::{Db, Scratch};

const CLIENTS: usize = 16;

/// A 1×1 PNG (the type is read from the bytes).
fn png(n: u64) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend_from_slice(&[0, 0, 0, 13]);
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
    bytes.extend_from_slice(&[0x90, 0x77, 0x53, 0xDE]);
    bytes.extend_from_slice(&n.to_be_bytes());
    bytes
}

async fn attach(port: u16, token: &str, issue: i64, bytes: Vec<u8>) -> u16 {
    let boundary = "gridloop-load-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!(
            "http://127.0.0.1:{port}/api/v1/issues/{issue}/attachments"
        ))
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Full::new(Bytes::from(body)))
        .expect("request");
    let res = client.request(req).await.expect("send");
    let status = res.status().as_u16();
    let _ = res.into_body().collect().await;
    status
}

/// What the clients were told: each acknowledged issue, when, and the photo it got (if any).
#[derive(Default)]
struct Acknowledged {
    issues: BTreeMap<i64, Instant>,
    photos: BTreeMap<i64, (Instant, Vec<u8>)>,
}

async fn backup_under_load(db: &Db, restored: &Db) {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    let token = db.json(&["token", "create", "--user", "post01"])["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let enterprise = db.json(&["enterprise", "list", "--grid", "g1"])[0]["id"].clone();
    let port = free_port();
    let mut server = start(db, port);
    wait_ready(port).await;

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let (stop, acked, token, enterprise) = (
            stop.clone(),
            acked.clone(),
            token.clone(),
            enterprise.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let body = json!({"enterprise_id": enterprise, "category": "power",
                                  "title": format!("负载 {client}-{n}")});
                let (status, issue) =
                    call(port, Method::POST, "/api/v1/issues", &token, Some(body)).await;
                if status != 201 {
                    continue;
                }
                let id = issue["id"].as_i64().expect("id");
                acked
                    .lock()
                    .expect("lock")
                    .issues
                    .insert(id, Instant::now());
                if n % 4 == 0 {
                    let photo = png(id as u64);
                    if attach(port, &token, id, photo.clone()).await == 201 {
                        acked
                            .lock()
                            .expect("lock")
                            .photos
                            .insert(id, (Instant::now(), photo));
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let dir = Scratch::new("load");
    let file = dir.file("park.backup");
    let started = Instant::now();
    let backed = db.json(&["backup", file.to_str().expect("path")]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.expect("client");
    }
    let _ = server.kill();
    let _ = server.wait();

    let acked = std::mem::take(&mut *acked.lock().expect("lock"));
    let before: Vec<i64> = acked
        .issues
        .iter()
        .filter(|(_, at)| **at < started)
        .map(|(id, _)| *id)
        .collect();
    assert!(
        before.len() > 50,
        "the load ran: {} issues before the backup",
        before.len()
    );
    assert!(
        acked.issues.len() > before.len(),
        "the load went on during the backup"
    );
    let restore = restored.json(&["restore", file.to_str().expect("path")]);
    assert_eq!(restore["event_log_sha256"], backed["event_log_sha256"]);
    let store = gridloop_store::Store::connect(&restored.url)
        .await
        .expect("connect");
    for id in &before {
        let issue_id = gridloop_core::IssueId::new(*id).expect("id");
        assert!(
            store.issue(issue_id).await.expect("read").is_some(),
            "issue {id}, acknowledged before the backup, is in it"
        );
        assert!(!store.events(issue_id).await.expect("events").is_empty());
    }
    let mut photos = 0;
    for (id, (at, bytes)) in &acked.photos {
        if *at >= started {
            continue;
        }
        let issue_id = gridloop_core::IssueId::new(*id).expect("id");
        let rows = store.attachments(issue_id).await.expect("attachments");
        assert_eq!(rows.len(), 1, "issue {id}'s photo is in the backup");
        assert_eq!(
            store.blob(&rows[0].sha256).await.expect("blob").as_deref(),
            Some(&bytes[..])
        );
        photos += 1;
    }
    assert!(photos > 5, "{photos} photos acknowledged before the backup");
    eprintln!(
        "backup under {CLIENTS} clients: {} issues acknowledged before it started, {photos} photos; {} in it; {} acknowledged in all",
        before.len(),
        backed["issues"],
        acked.issues.len()
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_backup_under_16_clients_holds_every_issue_acknowledged_before_it() {
    let (db, restored) = (Db::sqlite(), Db::sqlite());
    backup_under_load(&db, &restored).await;
    db.drop_async().await;
    restored.drop_async().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_backup_under_16_clients_holds_every_issue_acknowledged_before_it() {
    let Some(db) = Db::postgres().await else {
        return;
    };
    let Some(restored) = Db::postgres().await else {
        return;
    };
    backup_under_load(&db, &restored).await;
    db.drop_async().await;
    restored.drop_async().await;
}

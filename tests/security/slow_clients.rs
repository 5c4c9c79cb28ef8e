//! Finding 3: slow and half-open clients neither starve others nor hold up shutdown.
//!
//! These run the real binary: what is measured is sockets, file descriptors and signals.

use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::scratch::Db;
use crate::server::{seed, token, Server};

/// Opens `n` connections that each send part of a request and never finish it: half stop in
/// the request line, half in the headers.
async fn half_open(server: &Server, n: usize) -> Vec<TcpStream> {
    let mut sockets = Vec::with_capacity(n);
    for i in 0..n {
        let mut s = TcpStream::connect(server.addr()).await.expect("connect");
        let part: &[u8] = if i % 2 == 0 {
            b"GET /api/v1/iss"
        } else {
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
        };
        s.write_all(part).await.expect("write part of a request");
        sockets.push(s);
    }
    sockets
}

/// Waits until the server closes `socket` (EOF or reset); `None` if it is still open after
/// `within`. Whatever the server sends before closing is returned.
async fn closed_by_server(socket: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(within, read_all).await.ok()?;
    Some(got)
}

/// The server's open file descriptors now.
fn open_fds(server: &Server) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", server.pid()))
        .expect("/proc/PID/fd")
        .count()
}

/// The status code of a raw HTTP/1.1 answer.
fn status_of(answer: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(answer);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_hundred_half_open_requests_neither_starve_a_normal_request_nor_outlive_the_header_timeout(
) {
    let db = Db::sqlite();
    seed(&db);
    let server = Server::start(&db, &[("GRIDLOOP_SERVER__HEADER_READ_TIMEOUT_SECS", "2")]).await;
    let opened = Instant::now();
    let mut attackers = half_open(&server, 300).await;

    // A normal client, while the 300 hold their connections: the probe and a database read.
    let started = Instant::now();
    let health = server.get("/healthz").await.expect("healthz under attack");
    let healthz_took = started.elapsed();
    let started = Instant::now();
    let ready = server.get("/readyz").await.expect("readyz under attack");
    let readyz_took = started.elapsed();
    println!(
        "under 300 half-open connections: /healthz answered in {} ms, /readyz in {} ms",
        healthz_took.as_millis(),
        readyz_took.as_millis()
    );
    assert_eq!(health.status, 200);
    assert_eq!(ready.status, 200);
    assert!(healthz_took < Duration::from_secs(1), "{healthz_took:?}");
    assert!(readyz_took < Duration::from_secs(1), "{readyz_took:?}");

    // Each half-open connection is closed by the server once its 2 s are up, not before (the
    // first one was opened first, so it is the first to go).
    let mut first_closed = None;
    for socket in &mut attackers {
        let left = Duration::from_secs(6).saturating_sub(opened.elapsed());
        let answer = closed_by_server(socket, left)
            .await
            .expect("a half-sent request is closed by the server after the header timeout");
        assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
        first_closed.get_or_insert(opened.elapsed());
    }
    let first_closed = first_closed.expect("300 sockets");
    println!(
        "the first half-open connection was closed {} ms after it opened (header timeout 2 s)",
        first_closed.as_millis()
    );
    assert!(
        first_closed >= Duration::from_millis(1950),
        "closed before the header timeout: {first_closed:?}"
    );
    drop(server);
    db.drop_async().await;
}

/// Descriptors the server's background work (scheduler, notifier, pools) may open while the
/// flood is held: not the flood's.
const BACKGROUND_SLACK: usize = 6;

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_connections_past_the_limit_waits_in_the_queue_and_costs_no_descriptors() {
    let db = Db::sqlite();
    seed(&db);
    let server = Server::start(
        &db,
        &[
            ("GRIDLOOP_SERVER__HEADER_READ_TIMEOUT_SECS", "1"),
            ("GRIDLOOP_SERVER__MAX_CONNECTIONS", "20"),
        ],
    )
    .await;
    // The baseline is taken once the server has answered a request and its pools have opened
    // what they open on first use; a few descriptors of slack stay for its background jobs
    // (a pooled SQLite connection is up to three: the file, its WAL and its shared memory),
    // far below the 40 that 60 unqueued connections would add.
    server
        .get("/healthz")
        .await
        .expect("healthz before the flood");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let baseline = open_fds(&server);
    let _attackers = half_open(&server, 60).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let during = open_fds(&server);
    println!("server descriptors: {baseline} before, {during} with 60 half-open connections");
    assert!(
        during <= baseline + 20 + BACKGROUND_SLACK,
        "the server holds more connections than its limit: {baseline} → {during}"
    );
    // Queued behind 60 slow clients (three rounds of 20, one header timeout each), a normal
    // request is still answered once slots free.
    let started = Instant::now();
    let health = server
        .get("/healthz")
        .await
        .expect("healthz after the queue");
    println!(
        "/healthz behind 60 queued half-open connections: {} ms",
        started.elapsed().as_millis()
    );
    assert_eq!(health.status, 200);
    drop(server);
    db.drop_async().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_with_a_half_sent_request_and_slow_uploads_exits_zero_within_the_grace_period() {
    let db = Db::sqlite();
    seed(&db);
    let post01 = token(&db, "post01");
    let mut server = Server::start(&db, &[("GRIDLOOP_SERVER__SHUTDOWN_GRACE_SECS", "3")]).await;
    let enterprises = server
        .send(
            Method::GET,
            "/api/v1/enterprises?grid=g1",
            &[("authorization", &format!("Bearer {post01}"))],
            Bytes::new(),
        )
        .await
        .expect("enterprises");
    let enterprise: serde_json::Value = serde_json::from_slice(&enterprises.body).expect("json");
    let enterprise = enterprise[0]["id"].as_i64().expect("an enterprise id");
    let body = format!(
        r#"{{"enterprise_id": {enterprise}, "category": "power", "title": "finished during the grace period"}}"#
    );
    let head = format!(
        "POST /api/v1/issues HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {post01}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.split_at(body.len() / 2);

    // A request that stops in its headers, one upload that will finish within the grace period
    // and one that never will.
    let mut half_sent = TcpStream::connect(server.addr()).await.expect("connect");
    half_sent
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .expect("write");
    let mut finishing = TcpStream::connect(server.addr()).await.expect("connect");
    finishing
        .write_all(format!("{head}{first}").as_bytes())
        .await
        .expect("write");
    let mut stuck = TcpStream::connect(server.addr()).await.expect("connect");
    stuck
        .write_all(format!("{head}{first}").as_bytes())
        .await
        .expect("write");
    // Both uploads are in the handlers' hands (reading their bodies) before the signal.
    tokio::time::sleep(Duration::from_millis(500)).await;

    server.terminate();
    let signalled = Instant::now();
    let cut = closed_by_server(&mut half_sent, Duration::from_secs(1)).await;
    assert_eq!(
        cut.as_deref(),
        Some(&b""[..]),
        "a half-sent request is closed at once"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    finishing.write_all(rest.as_bytes()).await.expect("finish");
    let answer = closed_by_server(&mut finishing, Duration::from_secs(3))
        .await
        .expect("the finished upload is answered, then its connection closed");
    assert_eq!(
        status_of(&answer),
        Some(201),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    let status = server
        .wait_exit(Duration::from_secs(3 + 3))
        .await
        .expect("exited within the grace period and a margin");
    let took = signalled.elapsed();
    println!(
        "SIGTERM to exit with a stuck upload: {} ms (grace 3 s)",
        took.as_millis()
    );
    assert!(status.success(), "{status:?}");
    assert!(took >= Duration::from_millis(2900), "{took:?}");
    let _ = closed_by_server(&mut stuck, Duration::from_secs(1))
        .await
        .expect("the stuck upload's connection is closed");
    db.drop_async().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_that_stops_halfway_is_answered_408_when_the_request_timeout_runs_out() {
    let db = Db::sqlite();
    seed(&db);
    let post01 = token(&db, "post01");
    let server = Server::start(&db, &[("GRIDLOOP_SERVER__REQUEST_TIMEOUT_SECS", "1")]).await;
    let mut upload = TcpStream::connect(server.addr()).await.expect("connect");
    upload
        .write_all(
            format!(
                "POST /api/v1/issues HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {post01}\r\n\
                 Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\": "
            )
            .as_bytes(),
        )
        .await
        .expect("write");
    let started = Instant::now();
    let answer = closed_by_server(&mut upload, Duration::from_secs(5))
        .await
        .expect("answered and closed");
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&answer);
    assert_eq!(status_of(&answer), Some(408), "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{text}"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
    drop(server);
    db.drop_async().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kept_alive_connection_left_idle_is_closed_after_the_idle_timeout_not_the_header_timeout()
{
    let db = Db::sqlite();
    seed(&db);
    let server = Server::start(
        &db,
        &[
            ("GRIDLOOP_SERVER__HEADER_READ_TIMEOUT_SECS", "1"),
            ("GRIDLOOP_SERVER__IDLE_TIMEOUT_SECS", "3"),
        ],
    )
    .await;
    let mut socket = TcpStream::connect(server.addr()).await.expect("connect");
    let request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let mut buf = [0u8; 1024];
    socket.write_all(request).await.expect("write");
    let n = socket.read(&mut buf).await.expect("answer");
    assert_eq!(status_of(&buf[..n]), Some(200));
    let answered = Instant::now();
    // Idle for longer than the header timeout: still open, and serves the next request.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    socket.write_all(request).await.expect("write again");
    let n = socket.read(&mut buf).await.expect("second answer");
    assert_eq!(
        status_of(&buf[..n]),
        Some(200),
        "the kept-alive connection was cut"
    );
    let answered_again = Instant::now();
    let closed = closed_by_server(&mut socket, Duration::from_secs(6)).await;
    let idle_for = answered_again.elapsed();
    assert!(
        closed.is_some(),
        "an idle connection was kept past the idle timeout"
    );
    assert!(
        idle_for >= Duration::from_millis(2900) && idle_for < Duration::from_secs(5),
        "closed after {idle_for:?} idle, first answer {:?} ago",
        answered.elapsed()
    );
    drop(server);
    db.drop_async().await;
}

//! `gridloop-bench http`: the real server in a child process, driven over loopback.
//!
//! The server is the `gridloop` binary ([`gridloop_binary`]: `--gridloop`, `GRIDLOOP_BIN`, or
//! the `gridloop` next to this program), so what is measured is what ships.
//!
//! For each backend and client count: a scratch database, `gridloop demo --seed-only` and
//! `gridloop token create` run as child processes, then `gridloop serve` on a free loopback
//! port. This process is the load: each client task sends its requests one after another on a
//! kept-alive connection, first reports alone, then full loops (report, accept, assign, start,
//! resolve, verify). Latencies are per request; the server's peak RSS is its `VmHWM`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

use crate::cli::{Backend, BenchHttpArgs};
use crate::out::{print_json, say, table};
use crate::scratch::Scratch;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

#[derive(Debug, Serialize)]
struct Row {
    backend: &'static str,
    clients: usize,
    reports_per_s: f64,
    report_p50_ms: f64,
    report_p99_ms: f64,
    loops_per_s: f64,
    loop_request_p50_ms: f64,
    loop_request_p99_ms: f64,
    errors: usize,
    server_peak_rss_mib: f64,
}

pub async fn run(args: &BenchHttpArgs, json_out: bool) -> anyhow::Result<()> {
    let exe = gridloop_binary(args.gridloop.as_deref())?;
    let mut rows = Vec::new();
    for &backend in &args.backend {
        for &clients in &args.clients {
            let clients = clients.max(1);
            let scratch = Scratch::create(backend, &args.pg_url).await?;
            let result = one_run(&exe, &scratch.url, clients, args.reports, args.cycles).await;
            scratch.drop().await?;
            let mut row = result?;
            row.backend = match backend {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            };
            if !json_out {
                eprintln!(
                    "{} × {} clients: {:.0} reports/s (p99 {:.1} ms), {:.0} loops/s, {} errors, {:.0} MiB peak",
                    row.backend, row.clients, row.reports_per_s, row.report_p99_ms, row.loops_per_s, row.errors, row.server_peak_rss_mib
                );
            }
            rows.push(row);
        }
    }
    if json_out {
        return print_json(&rows);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.backend.to_owned(),
                r.clients.to_string(),
                format!("{:.0}", r.reports_per_s),
                format!("{:.1}/{:.1}", r.report_p50_ms, r.report_p99_ms),
                format!("{:.0}", r.loops_per_s),
                format!("{:.1}/{:.1}", r.loop_request_p50_ms, r.loop_request_p99_ms),
                r.errors.to_string(),
                format!("{:.0}", r.server_peak_rss_mib),
            ]
        })
        .collect();
    say!(
        "{}",
        table(
            &[
                "BACKEND",
                "CLIENTS",
                "REPORTS/S",
                "P50/P99 MS",
                "LOOPS/S",
                "REQ P50/P99 MS",
                "ERRORS",
                "PEAK RSS MIB",
            ],
            &cells
        )
    );
    Ok(())
}

/// The `gridloop` binary to run: the one given (`--gridloop`, `GRIDLOOP_BIN`), else the one
/// next to this program (cargo builds both into the same target folder).
pub(crate) fn gridloop_binary(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let exe = match given {
        Some(path) => path.to_owned(),
        None => std::env::current_exe()
            .context("finding this program's folder")?
            .with_file_name(format!("gridloop{}", std::env::consts::EXE_SUFFIX)),
    };
    if !exe.is_file() {
        bail!(
            "the gridloop binary is not at {}: build it with `cargo build --release -p gridloop` \
             (beside this program), or give its path with --gridloop or GRIDLOOP_BIN",
            exe.display()
        );
    }
    Ok(exe)
}

/// Runs `gridloop ARGS` to completion on the database and returns its stdout.
async fn gridloop(exe: &Path, db: &str, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(exe)
        .arg("--database-url")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .output()
        .await?;
    if !out.status.success() {
        bail!(
            "gridloop {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8(out.stdout)?)
}

async fn token(exe: &Path, db: &str, login: &str) -> anyhow::Result<String> {
    let out = gridloop(
        exe,
        db,
        &[
            "--json", "token", "create", "--user", login, "--name", "bench",
        ],
    )
    .await?;
    let v: Value = serde_json::from_str(&out)?;
    v["token"]
        .as_str()
        .map(str::to_owned)
        .context("no token in the output")
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(exe: &Path, db: &str) -> anyhow::Result<Self> {
        let port = free_port()?;
        let child = Command::new(exe)
            .args(["--database-url", db, "serve", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting gridloop serve")?;
        let base = format!("http://127.0.0.1:{port}");
        let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
        for _ in 0..200 {
            if let Ok((200, _)) =
                send(&client, Method::GET, &format!("{base}/readyz"), None, None).await
            {
                return Ok(Self { child, base });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the server did not become ready")
    }

    /// The server's peak resident set (VmHWM), in MiB.
    fn peak_rss_mib(&self) -> f64 {
        let Some(pid) = self.child.id() else {
            return 0.0;
        };
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // SIGTERM: the graceful path a supervisor would use.
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }
}

async fn send(
    client: &HttpClient,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> anyhow::Result<(u16, Value)> {
    let mut req = Request::builder().method(method).uri(url);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let bytes = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Bytes::from(serde_json::to_vec(b)?)
        }
        None => Bytes::new(),
    };
    let res = client.request(req.body(Full::new(bytes))?).await?;
    let status = res.status().as_u16();
    let body = res.into_body().collect().await?.to_bytes();
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Ok((status, value))
}

struct Cast {
    base: String,
    reporter: String,
    dispatcher: String,
    unit: String,
    enterprise: i64,
}

/// Latencies and error count of one client's work.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
}

impl Tally {
    async fn call(
        &mut self,
        client: &HttpClient,
        method: Method,
        url: &str,
        token: &str,
        body: &Value,
        expect: u16,
    ) -> Option<Value> {
        let started = Instant::now();
        let result = send(client, method, url, Some(token), Some(body)).await;
        self.latencies.push(started.elapsed());
        match result {
            Ok((status, value)) if status == expect => Some(value),
            _ => {
                self.errors += 1;
                None
            }
        }
    }
}

fn report_body(cast: &Cast) -> Value {
    json!({
        "enterprise_id": cast.enterprise,
        "category": "roads",
        "title": "货车碾压导致厂区道路破损",
        "description": "压路面积约20平方米，雨天积水",
        "priority": "normal",
    })
}

async fn reports(client: HttpClient, cast: Arc<Cast>, n: usize) -> Tally {
    let mut tally = Tally::default();
    let url = format!("{}/api/v1/issues", cast.base);
    for _ in 0..n {
        tally
            .call(
                &client,
                Method::POST,
                &url,
                &cast.reporter,
                &report_body(&cast),
                201,
            )
            .await;
    }
    tally
}

async fn loops(client: HttpClient, cast: Arc<Cast>, n: usize) -> Tally {
    let mut tally = Tally::default();
    let issues = format!("{}/api/v1/issues", cast.base);
    'cycle: for _ in 0..n {
        let Some(issue) = tally
            .call(
                &client,
                Method::POST,
                &issues,
                &cast.reporter,
                &report_body(&cast),
                201,
            )
            .await
        else {
            continue;
        };
        let id = issue["id"].as_i64().unwrap_or_default();
        let mut version = issue["version"].as_i64().unwrap_or_default();
        let url = format!("{issues}/{id}/actions");
        let steps = [
            (&cast.dispatcher, json!({"action": "accept"})),
            (
                &cast.dispatcher,
                json!({"action": "assign", "unit": "transport"}),
            ),
            (&cast.unit, json!({"action": "start"})),
            (
                &cast.unit,
                json!({"action": "resolve", "note": "已修复路面"}),
            ),
            (
                &cast.reporter,
                json!({"action": "verify", "satisfaction": 5}),
            ),
        ];
        for (token, mut body) in steps {
            body["version"] = json!(version);
            match tally
                .call(&client, Method::POST, &url, token, &body, 200)
                .await
            {
                Some(updated) => version = updated["version"].as_i64().unwrap_or_default(),
                None => continue 'cycle,
            }
        }
    }
    tally
}

fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

async fn drive<F, Fut>(
    clients: usize,
    total: usize,
    client: &HttpClient,
    cast: &Arc<Cast>,
    work: F,
) -> anyhow::Result<(Duration, Tally)>
where
    F: Fn(HttpClient, Arc<Cast>, usize) -> Fut,
    Fut: std::future::Future<Output = Tally> + Send + 'static,
{
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let share = total / clients + usize::from(c < total % clients);
        tasks.push(tokio::spawn(work(client.clone(), cast.clone(), share)));
    }
    let mut all = Tally::default();
    for t in tasks {
        let tally = t.await?;
        all.latencies.extend(tally.latencies);
        all.errors += tally.errors;
    }
    let took = started.elapsed();
    all.latencies.sort();
    Ok((took, all))
}

async fn one_run(
    exe: &Path,
    db: &str,
    clients: usize,
    n_reports: usize,
    n_cycles: usize,
) -> anyhow::Result<Row> {
    gridloop(exe, db, &["demo", "--seed-only"]).await?;
    let enterprises: Value = serde_json::from_str(
        &gridloop(exe, db, &["--json", "enterprise", "list", "--grid", "g1"]).await?,
    )?;
    let enterprise = enterprises[0]["id"]
        .as_i64()
        .context("no enterprise in grid g1")?;
    let server = Server::start(exe, db).await?;
    let cast = Arc::new(Cast {
        base: server.base.clone(),
        reporter: token(exe, db, "post01").await?,
        dispatcher: token(exe, db, "dispatch").await?,
        unit: token(exe, db, "transport").await?,
        enterprise,
    });
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(clients)
        .build_http();
    let (report_took, report_tally) = drive(clients, n_reports, &client, &cast, reports).await?;
    let (loop_took, loop_tally) = drive(clients, n_cycles, &client, &cast, loops).await?;
    let peak = server.peak_rss_mib();
    server.stop().await;
    Ok(Row {
        backend: "",
        clients,
        reports_per_s: n_reports as f64 / report_took.as_secs_f64(),
        report_p50_ms: percentile_ms(&report_tally.latencies, 50.0),
        report_p99_ms: percentile_ms(&report_tally.latencies, 99.0),
        loops_per_s: n_cycles as f64 / loop_took.as_secs_f64(),
        loop_request_p50_ms: percentile_ms(&loop_tally.latencies, 50.0),
        loop_request_p99_ms: percentile_ms(&loop_tally.latencies, 99.0),
        errors: report_tally.errors + loop_tally.errors,
        server_peak_rss_mib: peak,
    })
}

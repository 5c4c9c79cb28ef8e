//! No notification is lost when the process delivering them is killed: 1,000 pending rows,
//! `gridloop serve` delivering them through the file channel, SIGKILL mid-delivery, then
//! `gridloop notify work` (a restart, an hour later by its clock, so the dead worker's
//! leases have expired) until nothing is pending. Every row ends `sent` with its `.eml`
//! file; rows the killed worker had written but not yet marked go twice (the file channel
//! overwrites the same file name), and are counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use gridloop_core::Login;
use gridloop_store::{NewNotification, NotificationState, Recipients, Store};

use crate::support::{Db, Scratch};

const PENDING: usize = 1000;

/// The notification ids of the `.eml` files delivered so far.
fn file_ids(dir: &Path) -> BTreeSet<i64> {
    std::fs::read_dir(dir).map_or_else(
        |_| BTreeSet::new(),
        |entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".eml")?.parse().ok()
                })
                .collect()
        },
    )
}

/// `.eml` files delivered so far (the channel writes a dot-named temp file, then renames).
fn delivered_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
            .count()
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `gridloop` with the file channel into `outbox`, small batches, and no scheduler.
fn gridloop(db: &Db, outbox: &Path, data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gridloop"));
    cmd.current_dir(root())
        .env("GRIDLOOP_DATABASE_URL", &db.url)
        .env("GRIDLOOP_NOTIFY__FILE__DIR", outbox)
        .env("GRIDLOOP_NOTIFY__BATCH", "10")
        .env("GRIDLOOP_NOTIFY__POLL_MS", "50")
        .env("GRIDLOOP_SCHEDULER__ENABLED", "false")
        .env("GRIDLOOP_SERVER__DATA_DIR", data)
        .env("RUST_LOG", "error")
        .env_remove("GRIDLOOP_NOW")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    cmd
}

fn start(db: &Db, outbox: &Path, data: &Path) -> Child {
    gridloop(db, outbox, data)
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .spawn()
        .expect("start gridloop serve")
}

async fn counts(store: &Store) -> BTreeMap<&'static str, u64> {
    store
        .count_notifications()
        .await
        .expect("count notifications")
        .into_iter()
        .map(|(state, n)| (state.as_str(), n))
        .collect()
}

/// Seeds the demo park, reports an issue through the CLI, and writes `PENDING` notices about
/// it for the dispatcher (email only: `reported` is not an SMS kind, so neither quiet hours nor
/// the hourly SMS cap hold anything back) with the outbox's own writer, `Tx::notify`.
async fn seed(db: &Db) -> Store {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    let enterprise = db.json(&["enterprise", "list", "--grid", "g1"])[0]["id"].to_string();
    let issue = db.json(&[
        "issue",
        "report",
        "--as",
        "post01",
        "--enterprise",
        &enterprise,
        "--category",
        "power",
        "--title",
        "配电箱异响",
    ])["id"]
        .as_i64()
        .expect("issue id");
    let store = Store::connect(&db.url).await.expect("connect");
    // The report's own rows (if routing sends any) are delivered too, and counted with the rest.
    let before = counts(&store).await["pending"];
    let dispatcher = store
        .actor(&Login::parse("dispatch").expect("login"))
        .await
        .expect("the demo's dispatcher")
        .user;
    let issue = gridloop_core::IssueId::new(issue).expect("issue id");
    // Written in the past: the server's clock is the wall clock, so they are due at once.
    let now = Utc::now() - chrono::Duration::seconds(1);
    let mut tx = store.transaction().await.expect("transaction");
    for i in 0..PENDING {
        let notice = NewNotification {
            recipients: Recipients::User(dispatcher),
            kind: gridloop_core::NotificationKind::Reported,
            issue: Some(issue),
            params: serde_json::json!({"event": "reported", "version": 1, "level": 0}),
            dedupe: format!("e2e-crash:{i}"),
            urgent: false,
        };
        assert_eq!(tx.notify(&notice, now).await.expect("notify"), 1);
    }
    tx.commit().await.expect("commit");
    assert_eq!(
        counts(&store).await["pending"],
        before + PENDING as u64,
        "the outbox did not take {PENDING} rows"
    );
    store
}

/// Waits until what the killed process had already sent PostgreSQL is done. A COMMIT the
/// server sent just before the SIGKILL is still carried out by its backend after the process
/// is gone, so a row counted `sending` at once may be `sent` a moment later: the count at the
/// kill is taken once no other backend of the database is busy (at most 10 s). SQLite's writer
/// is the process itself: nothing outlives it.
async fn settle_after_kill(db: &Db) {
    use sqlx::Connection;
    if !db.url.starts_with("postgres") {
        return;
    }
    let mut conn = sqlx::PgConnection::connect(&db.url)
        .await
        .expect("connect to PostgreSQL");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (busy,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'",
        )
        .fetch_one(&mut conn)
        .await
        .expect("pg_stat_activity");
        if busy == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = conn.close().await;
}

async fn every_pending_notification_is_delivered_after_a_kill_9(db: &Db) {
    let scratch = Scratch::new("outbox-crash");
    let (outbox, data) = (scratch.file("outbox"), scratch.file("data"));
    std::fs::create_dir_all(&data).expect("data dir");
    let store = seed(db).await;
    let total = counts(&store).await["pending"];

    // Kill once a fifth of the files are out, halfway through a batch of 10: well into
    // delivery, far from its end, with rows written but not yet marked.
    let mut server = start(db, &outbox, &data);
    let deadline = Instant::now() + Duration::from_secs(30);
    let threshold = PENDING / 5 + 5;
    while delivered_files(&outbox) < threshold {
        if let Ok(Some(status)) = server.try_wait() {
            panic!("gridloop serve exited before delivering {threshold}: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "gridloop serve delivered {} files in 30 s",
            delivered_files(&outbox)
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // SIGKILL: no graceful shutdown, the batch in flight is cut short.
    server.kill().expect("kill -9");
    server.wait().expect("reap");
    settle_after_kill(db).await;
    let files_at_kill = file_ids(&outbox);
    let at_kill = counts(&store).await;
    let sent_at_kill: BTreeSet<i64> = store
        .notifications(Some(NotificationState::Sent), 5000)
        .await
        .expect("list notifications")
        .iter()
        .map(|n| n.id)
        .collect();
    // Written to the folder, not yet marked sent: these will go a second time.
    let unmarked = files_at_kill.difference(&sent_at_kill).count();
    eprintln!(
        "at the kill: {} files, outbox {at_kill:?}, {unmarked} written but unmarked",
        files_at_kill.len()
    );
    assert!(
        at_kill["sent"] < total,
        "the kill came after the last delivery: nothing was tested ({at_kill:?})"
    );

    // The restart: an hour later by its clock, so the dead worker's leases (120 s) are over.
    let later = (Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mut runs = 0;
    loop {
        let left = counts(&store).await;
        if left["pending"] + left["sending"] == 0 {
            break;
        }
        runs += 1;
        assert!(runs <= 10, "still not drained after 10 runs: {left:?}");
        let out = gridloop(db, &outbox, &data)
            .env("GRIDLOOP_NOW", &later)
            .env("GRIDLOOP_NOTIFY__BATCH", "500")
            .args(["notify", "work"])
            .stderr(Stdio::piped())
            .output()
            .expect("run gridloop notify work");
        assert!(
            out.status.success(),
            "notify work: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // None lost: every row sent, each with its file — the rows seeded and any the server wrote
    // of its own (in November and December, the admins' notice that next year's calendar is
    // missing, since the server's clock is the wall clock).
    let rows = store
        .notifications(None, 5000)
        .await
        .expect("list notifications");
    assert!(rows.len() as u64 >= total, "rows went missing");
    let total = rows.len() as u64;
    let after = counts(&store).await;
    assert_eq!(after["sent"], total, "outbox after the restart: {after:?}");
    let mut retried = 0;
    for n in &rows {
        assert_eq!(n.state, NotificationState::Sent, "row {}", n.id);
        assert!(
            outbox.join(format!("{}.eml", n.id)).is_file(),
            "notification {} is marked sent but has no file",
            n.id
        );
        if n.attempts > 1 {
            retried += 1;
        }
    }
    assert_eq!(delivered_files(&outbox) as u64, total);
    // Only the claimed batch in flight (`batch` = 10) is attempted again, and of it only the
    // rows written before the kill went twice (the same file name, overwritten).
    let sending_at_kill = at_kill["sending"];
    eprintln!(
        "{total} delivered after {runs} restart run(s); {retried} attempted twice \
         (in flight at the kill: {sending_at_kill}), {unmarked} of them sent twice"
    );
    assert_eq!(retried, sending_at_kill, "only the rows in flight go again");
    assert!(sending_at_kill <= 10, "more in flight than one batch");
    assert!(unmarked as u64 <= sending_at_kill);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_delivers_every_pending_notification_across_a_kill_9() {
    let db = Db::sqlite();
    every_pending_notification_is_delivered_after_a_kill_9(&db).await;
    db.drop_async().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_delivers_every_pending_notification_across_a_kill_9() {
    let Some(db) = Db::postgres().await else {
        return;
    };
    every_pending_notification_is_delivered_after_a_kill_9(&db).await;
    db.drop_async().await;
}

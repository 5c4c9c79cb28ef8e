//! A worker killed with SIGKILL while it holds a job: the job is not lost. Once the lease runs
//! out, the next worker takes it again and completes it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::Db;

const T0: &str = "2026-11-30T01:00:30Z";
/// A minute and a half later: the every-minute schedule has an occurrence due.
const T1: &str = "2026-11-30T01:02:00Z";
/// Past the default five-minute lease of a job claimed at T1.
const T2: &str = "2026-11-30T01:08:00Z";

fn jobs(db: &Db) -> Vec<Value> {
    db.json(&["jobs", "list", "--limit", "100"])
        .as_array()
        .expect("a job list")
        .clone()
}

#[test]
fn a_job_held_by_a_killed_worker_completes_after_its_lease() {
    let db = Db::sqlite();
    db.run(&["migrate"]).assert_ok();
    db.run(&[
        "--now",
        T0,
        "schedule",
        "add",
        "slow",
        "--cron",
        "* * * * *",
        "--job",
        "noop",
        "--payload",
        r#"{"sleep_ms": 4000}"#,
        "--misfire",
        "skip",
    ])
    .assert_ok();

    // A worker fires the due occurrence and starts the job, which takes 4 s: kill it mid-job.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut worker = Command::new(env!("CARGO_BIN_EXE_gridloop"))
        .args(["--now", T1, "jobs", "work"])
        .current_dir(&root)
        .env("GRIDLOOP_DATABASE_URL", &db.url)
        .env(
            "GRIDLOOP_NOTIFY__FILE__DIR",
            crate::support::scratch_outbox(),
        )
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("start a worker");
    let mut running = None;
    for _ in 0..200 {
        std::thread::sleep(Duration::from_millis(50));
        if let Some(job) = jobs(&db)
            .into_iter()
            .find(|j| j["kind"] == "noop" && j["state"] == "running")
        {
            running = Some(job);
            break;
        }
    }
    let running = running.expect("the worker claimed the job");
    worker.kill().expect("kill -9");
    worker.wait().expect("reap");
    let id = running["id"].as_i64().expect("id");

    // Before the lease expires nobody else may take it.
    db.run(&["--now", T1, "jobs", "work"]).assert_ok();
    let held = jobs(&db)
        .into_iter()
        .find(|j| j["id"] == id)
        .expect("the job");
    assert_eq!(held["state"], "running", "{held}");

    // After it, the next worker rescues and completes it: a second attempt, not a second job.
    db.run(&["--now", T2, "jobs", "work"]).assert_ok();
    let all = jobs(&db);
    let done = all.iter().find(|j| j["id"] == id).expect("the job");
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["attempts"], 2, "{done}");
    let copies = all
        .iter()
        .filter(|j| j["unique_key"] == running["unique_key"])
        .count();
    assert_eq!(copies, 1, "the occurrence was enqueued once: {all:?}");
}

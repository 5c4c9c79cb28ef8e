//! A demo park in a temporary folder with one issue assigned to the `power` unit, driven
//! through the real binary; the store and the worker can also be opened in-process on it.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use gridloop_app::clock::ManualClock;
use gridloop_app::delivery::Delivery;
use gridloop_app::settings::Settings;
use gridloop_store::Store;
use serde_json::Value;

/// Friday 27 November 2026, 10:00 in Shanghai: working hours, no quiet hours.
pub const DAY: &str = "2026-11-27T02:00:00Z";

pub fn instant(raw: &str) -> DateTime<Utc> {
    raw.parse().expect("an RFC 3339 instant")
}

#[derive(Debug)]
pub struct Park {
    pub folder: PathBuf,
    pub url: String,
    /// The assigned issue's id.
    pub issue: i64,
}

fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{tag}-{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        Utc::now().timestamp_micros() % 1_000_000
    )
}

impl Park {
    /// Seeds the park and reports, accepts and assigns one issue at [`DAY`].
    pub fn new() -> Self {
        let folder = std::env::temp_dir().join(unique("gridloop-notify"));
        std::fs::create_dir_all(&folder).expect("temp dir");
        let url = format!("sqlite://{}", folder.join("gridloop.db").display());
        let mut park = Self {
            folder,
            url,
            issue: 0,
        };
        park.run(&["demo", "--seed-only", "--no-history"], DAY)
            .assert_ok();
        let enterprise =
            park.json(&["enterprise", "list", "--grid", "g1"], DAY)[0]["id"].to_string();
        let issue = park.json(
            &[
                "issue",
                "report",
                "--as",
                "post01",
                "--enterprise",
                &enterprise,
                "--category",
                "power",
                "--title",
                "厂区专线需要迁改",
            ],
            DAY,
        );
        let id = issue["id"].to_string();
        park.json(&["issue", "act", &id, "accept", "--as", "dispatch"], DAY);
        park.json(
            &[
                "issue", "act", &id, "assign", "--as", "dispatch", "--unit", "power",
            ],
            DAY,
        );
        park.issue = issue["id"].as_i64().expect("an issue id");
        park
    }

    pub fn data_dir(&self) -> PathBuf {
        self.folder.join("data")
    }

    pub fn outbox(&self) -> PathBuf {
        self.data_dir().join("outbox")
    }

    /// Runs `gridloop ARGS` at `now`, from the repository root (where `config/` is).
    pub fn run(&self, args: &[&str], now: &str) -> Run {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let output = Command::new(env!("CARGO_BIN_EXE_gridloop"))
            .args(args)
            .current_dir(root)
            .env("GRIDLOOP_DATABASE_URL", &self.url)
            .env("GRIDLOOP_SERVER__DATA_DIR", self.data_dir())
            .env("GRIDLOOP_NOW", now)
            .env_remove("RUST_LOG")
            .output()
            .expect("run gridloop");
        Run { output }
    }

    /// Runs with `--json`, asserting success, and parses stdout.
    pub fn json(&self, args: &[&str], now: &str) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let run = self.run(&all, now);
        run.assert_ok();
        serde_json::from_slice(&run.output.stdout).expect("JSON on stdout")
    }

    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.url).await.expect("connect");
        store.migrate().await.expect("migrate");
        store
    }

    /// Settings as the binary would load them, with `extra` environment on top.
    pub fn settings(&self, extra: &[(&str, String)]) -> Settings {
        let mut env = vec![(
            "GRIDLOOP_SERVER__DATA_DIR".to_owned(),
            self.data_dir().display().to_string(),
        )];
        env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        gridloop::config::load(None, env).expect("settings")
    }

    /// A worker in this process on the park, its clock standing at `now`.
    pub fn delivery(
        &self,
        store: &Store,
        clock: Arc<ManualClock>,
        extra: &[(&str, String)],
    ) -> Delivery {
        Delivery::from_settings(store.clone(), clock, &self.settings(extra)).expect("delivery")
    }
}

impl Drop for Park {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

#[derive(Debug)]
pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.output.status.success()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn assert_ok(&self) {
        assert!(
            self.ok(),
            "gridloop failed ({:?}):\n{}",
            self.output.status,
            String::from_utf8_lossy(&self.output.stderr)
        );
    }
}

/// The rows of a `notify list --json` answer with `kind` and `channel`.
pub fn rows<'a>(list: &'a Value, kind: &str, channel: &str) -> Vec<&'a Value> {
    list.as_array()
        .expect("a list")
        .iter()
        .filter(|n| n["kind"] == kind && n["channel"] == channel)
        .collect()
}

//! Running the binary against a scratch database.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;
use sqlx::Connection;

/// Friday 2026-11-27 10:00 in Shanghai: a working morning, so deadlines are easy to reason about.
pub const NOW: &str = "2026-11-27T02:00:00Z";

/// Where the binaries these tests run write notifications through the file channel: under
/// the build's scratch folder, not the default `data/outbox` of the repository root they run
/// from. Nothing here reads them (the outbox's own tests give their own folder).
pub fn scratch_outbox() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-outbox")
}

/// A database that lives for one test: removed by [`Db::drop_async`], or when dropped (a test
/// that fails or returns early leaves no folder or database behind).
pub struct Db {
    pub url: String,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    /// Removed when dropped.
    Folder(Scratch),
    Pg {
        admin: String,
        name: String,
    },
}

/// A name no other test of this run shares: tests run in parallel threads of one process, and
/// two of them can start in the same microsecond, so the counter, not the clock, makes it unique.
pub fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{tag}_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_micros() % 1_000_000
    )
}

impl Db {
    pub fn sqlite() -> Self {
        let dir = Scratch::new("e2e");
        Self {
            url: format!("sqlite://{}", dir.file("sub/gridloop.db").display()),
            cleanup: Some(Cleanup::Folder(dir)),
        }
    }

    /// `None` only when GRIDLOOP_SKIP_PG=1; an unreachable server otherwise fails the test.
    pub async fn postgres() -> Option<Self> {
        if std::env::var("GRIDLOOP_SKIP_PG").as_deref() == Ok("1") {
            return None;
        }
        let admin = std::env::var("GRIDLOOP_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = unique("gl_e2e");
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .expect("PostgreSQL on 127.0.0.1:5432 (set GRIDLOOP_SKIP_PG=1 to skip)");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create database");
        let base = admin
            .rsplit_once('/')
            .map(|(b, _)| b.to_owned())
            .unwrap_or(admin.clone());
        Some(Self {
            url: format!("{base}/{name}"),
            cleanup: Some(Cleanup::Pg { admin, name }),
        })
    }

    pub async fn drop_async(mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup.run().await;
        }
    }

    /// Runs `gridloop ARGS` on this database, from the repository root (where `config/` is).
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// Runs `gridloop ARGS` with more environment variables (configuration overrides).
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let output = Command::new(env!("CARGO_BIN_EXE_gridloop"))
            .args(args)
            .current_dir(root)
            .env("GRIDLOOP_DATABASE_URL", &self.url)
            .env("GRIDLOOP_NOW", NOW)
            .env("GRIDLOOP_NOTIFY__FILE__DIR", scratch_outbox())
            .envs(env.iter().copied())
            .env_remove("RUST_LOG")
            .output()
            .expect("run gridloop");
        Run { output }
    }

    /// Runs with `--json` and parses stdout, asserting success.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        run.assert_ok();
        serde_json::from_slice(&run.output.stdout)
            .unwrap_or_else(|e| panic!("stdout of {args:?} is not JSON ({e}): {}", run.stdout()))
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        match self.cleanup.take() {
            None | Some(Cleanup::Folder(_)) => {}
            // Dropped inside a test's runtime, which cannot be blocked on: the database is
            // dropped from a thread of its own, waited for. A panic there (PostgreSQL gone) is
            // that thread's alone and must not abort a test already unwinding.
            Some(pg) => {
                let _ = std::thread::spawn(move || {
                    if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        runtime.block_on(pg.run());
                    }
                })
                .join();
            }
        }
    }
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::Folder(dir) => drop(dir),
            Cleanup::Pg { admin, name } => {
                let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .expect("drop database");
            }
        }
    }
}

/// A folder for a test's files, under the system's temporary folder, removed when dropped
/// (also when the test fails).
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("gridloop-{}", unique(tag)));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Self(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }

    /// A path in the folder (nothing is created).
    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// [`Scratch::file`] as a command-line argument.
    pub fn arg(&self, name: &str) -> String {
        self.file(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn assert_ok(&self) {
        assert!(
            self.output.status.success(),
            "exit {}\nstdout: {}\nstderr: {}",
            self.code(),
            self.stdout(),
            self.stderr()
        );
    }

    /// Asserts a failure with this exit code and a one-line message on stderr.
    pub fn assert_fails(&self, code: i32, needle: &str) {
        assert_eq!(
            self.code(),
            code,
            "stdout: {}\nstderr: {}",
            self.stdout(),
            self.stderr()
        );
        let err = self.stderr();
        assert!(err.contains(needle), "stderr lacks {needle:?}: {err}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "one line expected: {err}"
        );
    }
}

/// Runs a test body on SQLite, then on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident => $body:ident;)*) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    let db = $crate::support::Db::sqlite();
                    super::$body(&db);
                    db.drop_async().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    let Some(db) = $crate::support::Db::postgres().await else { return };
                    super::$body(&db);
                    db.drop_async().await;
                }
            )*
        }
    };
}

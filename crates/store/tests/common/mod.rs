//! The harness shared by the store's integration tests (`conformance.rs`, `admin.rs`,
//! `attachments.rs`).
//!
//! Each test is an `async fn` written once; the [`both!`] macro runs it on SQLite (a fresh file
//! in a folder of its own under the temp dir) and on PostgreSQL (a fresh database `gl_test_…`
//! on `GRIDLOOP_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`, dropped
//! afterwards). When PostgreSQL is unreachable its variants fail, unless `GRIDLOOP_SKIP_PG=1`.
//!
//! A test takes either a [`Db`] or, when it needs nothing but the store, a [`Store`].

// Every test binary compiles this module on its own (`mod common;`) and none of them uses all
// of it, so what one binary leaves unused would otherwise warn there.
#![allow(dead_code)]

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeZone, Utc};
use gridloop_core::{Code, Login, Name, Sla};
use gridloop_store::Store;
use sqlx::Connection;

// ---------------------------------------------------------------------------------------------
// Harness

/// What each test gets: a migrated, empty store and the URL it was opened with.
#[derive(Debug)]
pub struct Db {
    pub store: Store,
    pub url: String,
}

/// For tests that take the store alone.
impl From<Db> for Store {
    fn from(db: Db) -> Self {
        db.store
    }
}

pub fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// Runs the test body on its own task, so that a panic still lets the harness clean up.
async fn run<T, F, Fut>(test: F, db: Db) -> Result<(), tokio::task::JoinError>
where
    T: From<Db>,
    F: FnOnce(T) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(test(T::from(db))).await
}

fn rethrow(result: Result<(), tokio::task::JoinError>) {
    if let Err(e) = result {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("test task failed: {e}"),
        }
    }
}

pub async fn on_sqlite<T, F, Fut>(test: F)
where
    T: From<Db>,
    F: FnOnce(T) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir: PathBuf = std::env::temp_dir().join(format!("gridloop-store-{}", unique_suffix()));
    // The folder does not exist yet: connect must create it.
    let url = format!(
        "sqlite://{}",
        dir.join("data").join("gridloop.db").display()
    );
    let store = Store::connect(&url).await.expect("open a SQLite store");
    store.migrate().await.expect("migrate SQLite");
    let result = run(
        test,
        Db {
            store: store.clone(),
            url,
        },
    )
    .await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    rethrow(result);
}

/// The admin URL with another database name in its path.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

pub async fn on_postgres<T, F, Fut>(test: F)
where
    T: From<Db>,
    F: FnOnce(T) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if std::env::var("GRIDLOOP_SKIP_PG").is_ok_and(|v| v == "1") {
        eprintln!("GRIDLOOP_SKIP_PG=1: PostgreSQL variant skipped");
        return;
    }
    let admin_url = std::env::var("GRIDLOOP_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!("PostgreSQL at {admin_url} is unreachable ({e}); set GRIDLOOP_SKIP_PG=1 to skip")
        });
    let name = format!("gl_test_{}", unique_suffix());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create the test database");
    let url = with_database(&admin_url, &name);
    let result = async {
        let store = Store::connect(&url).await.expect("open a PostgreSQL store");
        store.migrate().await.expect("migrate PostgreSQL");
        let result = run(
            test,
            Db {
                store: store.clone(),
                url: url.clone(),
            },
        )
        .await;
        store.close().await;
        result
    }
    .await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop the test database");
    let _ = admin.close().await;
    rethrow(result);
}

/// Runs a statement on a raw connection, around the store: to try what its API never does.
pub async fn raw_execute(url: &str, sql: &str) -> Result<u64, sqlx::Error> {
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        let done = sqlx::query(sql).execute(&mut conn).await?;
        conn.close().await?;
        Ok(done.rows_affected())
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        let done = sqlx::query(sql).execute(&mut conn).await?;
        conn.close().await?;
        Ok(done.rows_affected())
    }
}

/// Runs each named test fn (an `async fn(Db)` or `async fn(Store)` at the root of the test
/// file) on both backends, as `sqlite::<name>` and `postgres::<name>`. The runtime has four
/// worker threads unless the list starts with `worker_threads = N;`.
macro_rules! both {
    (worker_threads = $threads:tt; $($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
                async fn $test() {
                    $crate::common::on_sqlite($crate::$test).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
                async fn $test() {
                    $crate::common::on_postgres($crate::$test).await;
                }
            )*
        }
    };
    ($($test:ident),* $(,)?) => {
        $crate::common::both!(worker_threads = 4; $($test),*);
    };
}
pub(crate) use both;

// ---------------------------------------------------------------------------------------------
// Fixtures

pub fn code(s: &str) -> Code {
    Code::parse(s).expect("a valid code")
}

pub fn name(s: &str) -> Name {
    Name::parse(s).expect("a valid name")
}

pub fn login(s: &str) -> Login {
    Login::parse(s).expect("a valid login")
}

pub fn sla(response: u32, resolve: u32) -> Sla {
    Sla::new(response, resolve).expect("a valid SLA")
}

/// Monday 2 March 2026, 09:00 in Shanghai: a working morning.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("a valid instant")
}

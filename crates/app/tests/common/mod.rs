//! What the app's integration tests share: a migrated SQLite store in a folder of its own, or a
//! migrated PostgreSQL store in a scratch database.
// Each test binary uses a part of it.
#![allow(dead_code)]

use gridloop_store::Store;

/// A migrated SQLite store in a temp folder, removed by [`Scratch::remove`].
pub struct Scratch {
    pub store: Store,
    folder: std::path::PathBuf,
}

impl Scratch {
    pub async fn new(tag: &str) -> Self {
        let folder = std::env::temp_dir().join(format!(
            "gridloop-{tag}-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        std::fs::create_dir_all(&folder).expect("folder");
        let store = Store::connect(&format!("sqlite://{}", folder.join("g.db").display()))
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        Self { store, folder }
    }

    /// A folder beside the database, for files a test writes.
    pub fn folder(&self) -> &std::path::Path {
        &self.folder
    }

    pub async fn remove(self) {
        self.store.close().await;
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// A migrated PostgreSQL store in a fresh database `gl_app_…` on `GRIDLOOP_TEST_PG_URL`
/// (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped by [`PgScratch::remove`].
/// As in the store's tests, an unreachable server fails the test unless `GRIDLOOP_SKIP_PG=1`.
pub struct PgScratch {
    pub store: Store,
    admin_url: String,
    name: String,
}

impl PgScratch {
    /// `None` when `GRIDLOOP_SKIP_PG=1`.
    pub async fn new(tag: &str) -> Option<Self> {
        use sqlx::Connection as _;
        if std::env::var("GRIDLOOP_SKIP_PG").is_ok_and(|v| v == "1") {
            eprintln!("GRIDLOOP_SKIP_PG=1: PostgreSQL variant skipped");
            return None;
        }
        let admin_url = std::env::var("GRIDLOOP_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL at {admin_url} is unreachable ({e}); set GRIDLOOP_SKIP_PG=1 to skip")
            });
        let name = format!(
            "gl_app_{tag}_{}_{}",
            std::process::id(),
            chrono::Utc::now().timestamp_micros()
        );
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        let _ = admin.close().await;
        let (base, _) = admin_url
            .rsplit_once('/')
            .expect("a database URL ends in /NAME");
        let store = Store::connect(&format!("{base}/{name}"))
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        Some(Self {
            store,
            admin_url,
            name,
        })
    }

    pub async fn remove(self) {
        use sqlx::Connection as _;
        self.store.close().await;
        if let Ok(mut admin) = sqlx::PgConnection::connect(&self.admin_url).await {
            let _ = sqlx::query(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
                .execute(&mut admin)
                .await;
            let _ = admin.close().await;
        }
    }
}

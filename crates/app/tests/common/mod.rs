//! What the app's integration tests share: a migrated SQLite store in a folder of its own, or a
//! migrated PostgreSQL store in a scratch database.
// Each test binary uses a part of it.
#![allow(dead_code)]

use gridloop_store::Store;

/// A migrated SQLite store in a temp folder, removed by [`Scratch::remove`] or when dropped
/// (a test that fails leaves nothing behind).
pub struct Scratch {
    pub store: Store,
    folder: std::path::PathBuf,
}

/// A name no other test of this run shares. Tests run in parallel threads of one process and
/// two of them can start in the same microsecond (a CI run once created one database twice),
/// so a counter, not the clock, tells them apart; the clock tells runs apart.
fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{tag}_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        chrono::Utc::now().timestamp_micros() % 1_000_000
    )
}

impl Scratch {
    pub async fn new(tag: &str) -> Self {
        let folder = std::env::temp_dir().join(format!("gridloop-{}", unique(tag)));
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
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
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
        let name = format!("gl_app_{}", unique(tag));
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

/// The app on `store` with the default settings and a manual clock at `now`.
pub async fn app_at(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
) -> (
    gridloop_app::AppState,
    std::sync::Arc<gridloop_app::clock::ManualClock>,
) {
    use gridloop_app::clock::{Clock, ManualClock};
    let clock = std::sync::Arc::new(ManualClock::new(now));
    let settings = gridloop_app::settings::Settings::defaults();
    let calendar = gridloop_app::calendars::load_stored(store, &settings.calendar, clock.now())
        .await
        .expect("calendar");
    let dyn_clock: std::sync::Arc<dyn Clock> = clock.clone();
    let state = gridloop_app::AppState::from_settings(
        store.clone(),
        gridloop_core::Workflow::new(calendar),
        dyn_clock,
        &settings,
    )
    .expect("state");
    (state, clock)
}

/// A park of the chain tests, written in one transaction: the chain `aluminium` (铝产业链),
/// its grids, enterprises and users. Grids and enterprises are created in the order given;
/// each enterprise names its grid by index.
pub struct ChainPark<'a> {
    pub grids: &'a [&'a str],
    pub enterprises: &'a [(&'a str, usize)],
}

impl ChainPark<'_> {
    /// The grids' and enterprises' ids, in the order given; `users` are made by
    /// `users(grids, enterprises)`.
    pub async fn create(
        &self,
        store: &Store,
        users: impl FnOnce(
            &[gridloop_core::GridId],
            &[gridloop_core::EnterpriseId],
        ) -> Vec<gridloop_store::NewUser>,
    ) -> (Vec<gridloop_core::GridId>, Vec<gridloop_core::EnterpriseId>) {
        use gridloop_core::{Code, Name};
        let code = |s: &str| Code::parse(s).expect("code");
        let name = |s: &str| Name::parse(s).expect("name");
        let mut tx = store.transaction().await.expect("begin");
        let chain = tx
            .create_chain(code("aluminium"), name("铝产业链"))
            .await
            .expect("chain");
        let mut grids = Vec::new();
        for c in self.grids {
            let grid = gridloop_store::NewGrid {
                code: code(c),
                name: name(c),
                chain: chain.id,
            };
            grids.push(tx.create_grid(grid).await.expect("grid").id);
        }
        let mut enterprises = Vec::new();
        for (n, grid) in self.enterprises {
            let firm = gridloop_store::NewEnterprise {
                name: name(n),
                grid: grids[*grid],
                address: None,
                credit_code: None,
            };
            enterprises.push(tx.create_enterprise(firm).await.expect("enterprise").id);
        }
        for user in users(&grids, &enterprises) {
            tx.create_user(user).await.expect("user");
        }
        tx.commit().await.expect("commit");
        (grids, enterprises)
    }
}

/// A user to create: `login` (also their name) with `roles`, an email at example.cn, no
/// memberships (set them with struct update syntax).
pub fn new_user(login: &str, roles: Vec<gridloop_core::Role>) -> gridloop_store::NewUser {
    use gridloop_core::{Email, Login, Name};
    gridloop_store::NewUser {
        login: Login::parse(login).expect("login"),
        name: Name::parse(login).expect("name"),
        phone: None,
        email: Some(Email::parse(&format!("{login}@example.cn")).expect("email")),
        locale: "zh-CN".to_owned(),
        roles,
        posts: vec![],
        units: vec![],
        grids: vec![],
        enterprises: vec![],
    }
}

/// The actor `login` is.
pub async fn actor(store: &Store, login: &str) -> gridloop_core::Actor {
    store
        .actor(&gridloop_core::Login::parse(login).expect("login"))
        .await
        .expect("actor")
}

/// The demo's six stages of the aluminium chain, set by `admin`.
pub async fn set_demo_stages(state: &gridloop_app::AppState, admin: &gridloop_core::Actor) {
    use gridloop_app::chain::stages::{self, StageInput};
    let six = gridloop_app::demo::chain::STAGES.map(|(code, name)| StageInput {
        code: code.into(),
        name: name.into(),
    });
    stages::set(state, admin, "aluminium", &six)
        .await
        .expect("stages");
}

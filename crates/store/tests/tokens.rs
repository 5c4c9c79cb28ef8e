//! Token scopes and deployment secrets (`crates/store/src/tokens.rs`, `secrets.rs`), on both
//! backends; and migration 0012's choice of scope for the tokens that existed before it.

mod common;

use std::path::{Path, PathBuf};

use common::{both, code, login, name, t0};
use gridloop_core::Role;
use gridloop_store::{
    ErrorKind, NewEnterprise, NewGrid, NewPost, NewUnit, NewUser, Store, TokenScope, User,
};
use sqlx::Connection;

async fn user(store: &Store, login_name: &str, roles: Vec<Role>) -> User {
    store
        .create_user(NewUser {
            login: login(login_name),
            name: name(login_name),
            phone: None,
            email: None,
            locale: "zh-CN".to_owned(),
            roles,
            posts: vec![],
            units: vec![],
            grids: vec![],
            enterprises: vec![],
        })
        .await
        .expect("create user")
}

async fn a_token_keeps_its_scope_and_an_open311_key_is_only_for_enterprise_users(store: Store) {
    let client = user(&store, "open311", vec![Role::Enterprise]).await;
    let walker = user(&store, "post01", vec![Role::PostMember]).await;
    let key = store
        .create_token(client.id, "311 app", TokenScope::Open311, "h-key", t0())
        .await
        .expect("an enterprise user may hold an Open311 key");
    assert_eq!(key.scope, TokenScope::Open311);
    let api = store
        .create_token(client.id, "script", TokenScope::Api, "h-api", t0())
        .await
        .expect("and an API token");
    assert_eq!(api.scope, TokenScope::Api);

    let holder = store
        .token_holder("h-key")
        .await
        .expect("read")
        .expect("live");
    assert_eq!(
        (holder.user.id, holder.scope),
        (client.id, TokenScope::Open311)
    );
    let holder = store
        .token_holder("h-api")
        .await
        .expect("read")
        .expect("live");
    assert_eq!(holder.scope, TokenScope::Api);

    let refused = store
        .create_token(walker.id, "311 app", TokenScope::Open311, "h-walker", t0())
        .await
        .expect_err("a post member may not hold an Open311 key");
    assert_eq!(refused.kind(), ErrorKind::Invalid);
    assert!(refused.to_string().contains("enterprise"), "{refused}");
    assert!(store
        .token_holder("h-walker")
        .await
        .expect("read")
        .is_none());

    let listed: Vec<_> = store
        .tokens(None)
        .await
        .expect("list")
        .into_iter()
        .map(|t| (t.name, t.scope))
        .collect();
    assert_eq!(
        listed,
        [
            ("311 app".to_owned(), TokenScope::Open311),
            ("script".to_owned(), TokenScope::Api)
        ]
    );
}

async fn a_deployment_secret_is_kept_from_the_first_offer(store: Store) {
    let first = store
        .deployment_secret("dlr", "first-offer", t0())
        .await
        .expect("stored");
    assert_eq!(first, "first-offer");
    let again = store
        .deployment_secret("dlr", "second-offer", t0())
        .await
        .expect("read");
    assert_eq!(again, "first-offer", "a later offer changes nothing");
    // Instances starting together agree on one value.
    let offers = (0..8).map(|n| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .deployment_secret("other", &format!("offer-{n}"), t0())
                .await
                .expect("stored or read")
        })
    });
    let mut seen = Vec::new();
    for offer in offers {
        seen.push(offer.await.expect("task"));
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "{seen:?}");
}

/// Authentication reads the holder in one statement; it must be the user and actor that the
/// login reads, every role and membership included (a grid of one of their posts as well).
async fn a_tokens_holder_is_the_user_and_actor_its_login_reads(store: Store) {
    let chain = store
        .create_chain(code("c1"), name("链"))
        .await
        .expect("chain");
    let mut grids = Vec::new();
    for g in ["g1", "g2", "g3"] {
        let grid = store
            .create_grid(NewGrid {
                code: code(g),
                name: name(g),
                chain: chain.id,
            })
            .await
            .expect("grid");
        grids.push(grid.id);
    }
    let post = store
        .create_post(NewPost {
            code: code("p1"),
            name: name("岗"),
            grid: grids[2],
        })
        .await
        .expect("post");
    let unit = store
        .create_unit(NewUnit {
            code: code("u1"),
            name: name("单位"),
        })
        .await
        .expect("unit");
    let enterprise = store
        .create_enterprise(NewEnterprise {
            name: name("企业"),
            grid: grids[0],
            address: None,
            credit_code: None,
        })
        .await
        .expect("enterprise");
    let many = store
        .create_user(NewUser {
            login: login("many"),
            name: name("many"),
            phone: None,
            email: None,
            locale: "en".to_owned(),
            roles: vec![Role::PostMember, Role::UnitMember, Role::Commissioner],
            posts: vec![post.id],
            units: vec![unit.id],
            grids: vec![grids[1], grids[0]],
            enterprises: vec![enterprise.id],
        })
        .await
        .expect("a user of many memberships");
    store
        .create_token(many.id, "script", TokenScope::Api, "h-many", t0())
        .await
        .expect("token");
    let holder = store
        .token_holder("h-many")
        .await
        .expect("read")
        .expect("live");
    assert_eq!(holder.user, many);
    assert_eq!(
        holder.actor,
        store.actor(&login("many")).await.expect("the actor")
    );
    assert_eq!(holder.actor.grids, grids);
    let bare = user(&store, "bare", vec![Role::Dispatcher]).await;
    store
        .create_token(bare.id, "script", TokenScope::Api, "h-bare", t0())
        .await
        .expect("token");
    let holder = store
        .token_holder("h-bare")
        .await
        .expect("read")
        .expect("live");
    assert_eq!((holder.user, holder.actor.grids.len()), (bare, 0));
}

both!(
    a_tokens_holder_is_the_user_and_actor_its_login_reads,
    a_token_keeps_its_scope_and_an_open311_key_is_only_for_enterprise_users,
    a_deployment_secret_is_kept_from_the_first_offer,
);

// ---------------------------------------------------------------------------------------------
// Migration 0012 on the tokens of an existing deployment

/// The dialect's migrations before 0012, copied to a folder of their own.
fn migrations_before_0012(dialect: &str, into: &Path) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(dialect);
    let dir = into.join(dialect);
    std::fs::create_dir_all(&dir).expect("folder");
    for entry in std::fs::read_dir(&from).expect("migrations") {
        let path = entry.expect("entry").path();
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let version: u32 = file
            .split('_')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if version < 12 {
            std::fs::copy(&path, dir.join(file)).expect("copy");
        }
    }
    dir
}

/// Users and tokens as they were before scopes: an Open311 client (enterprise only), an
/// enterprise contact who is also a post member, and a dispatcher.
const BEFORE: &[&str] = &[
    "INSERT INTO users (id, login, name) VALUES (1, 'open311', 'client'), (2, 'both', 'both'), \
     (3, 'dispatch', 'dispatch')",
    "INSERT INTO user_roles (user_id, role) VALUES (1, 'enterprise'), (2, 'enterprise'), \
     (2, 'post_member'), (3, 'dispatcher')",
    "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES \
     (1, 'key', 'h1', '2026-01-01T00:00:00Z'), (2, 'both', 'h2', '2026-01-01T00:00:00Z'), \
     (3, 'dispatch', 'h3', '2026-01-01T00:00:00Z')",
];

async fn assert_scopes_after_0012(url: &str) {
    let store = Store::connect(url).await.expect("connect");
    store.migrate().await.expect("0012 and later");
    let scopes: Vec<(String, TokenScope)> = store
        .tokens(None)
        .await
        .expect("list")
        .into_iter()
        .map(|t| (t.name, t.scope))
        .collect();
    store.close().await;
    assert_eq!(
        scopes,
        [
            ("key".to_owned(), TokenScope::Open311),
            ("both".to_owned(), TokenScope::Api),
            ("dispatch".to_owned(), TokenScope::Api),
        ]
    );
}

#[tokio::test]
async fn on_sqlite_existing_tokens_of_enterprise_only_users_become_open311_keys() {
    let dir = std::env::temp_dir().join(format!("gridloop-0012-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let migrations = migrations_before_0012("sqlite", &dir);
    let url = format!("sqlite://{}?mode=rwc", dir.join("gridloop.db").display());
    {
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open");
        let migrator = sqlx::migrate::Migrator::new(migrations)
            .await
            .expect("read");
        migrator.run(&mut conn).await.expect("0001–0011");
        for sql in BEFORE {
            sqlx::query(sql).execute(&mut conn).await.expect(sql);
        }
        conn.close().await.expect("close");
    }
    assert_scopes_after_0012(&url).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn on_postgres_existing_tokens_of_enterprise_only_users_become_open311_keys() {
    if std::env::var("GRIDLOOP_SKIP_PG").is_ok_and(|v| v == "1") {
        return;
    }
    let admin_url = std::env::var("GRIDLOOP_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL");
    let db = format!("gl_test_0012_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop");
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&mut admin)
        .await
        .expect("create");
    let url = format!(
        "{}/{db}",
        admin_url
            .rsplit_once('/')
            .map(|(base, _)| base)
            .unwrap_or_default()
    );
    let dir = std::env::temp_dir().join(format!("gridloop-0012-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let migrations = migrations_before_0012("postgres", &dir);
    {
        let mut conn = sqlx::PgConnection::connect(&url).await.expect("open");
        let migrator = sqlx::migrate::Migrator::new(migrations)
            .await
            .expect("read");
        migrator.run(&mut conn).await.expect("0001–0011");
        for sql in BEFORE {
            // Users' ids are generated ALWAYS on PostgreSQL: these fixed ones must say so.
            let sql = sql.replace(
                "(id, login, name) VALUES",
                "(id, login, name) OVERRIDING SYSTEM VALUE VALUES",
            );
            sqlx::query(&sql).execute(&mut conn).await.expect("insert");
        }
        conn.close().await.expect("close");
    }
    assert_scopes_after_0012(&url).await;
    let _ = std::fs::remove_dir_all(&dir);
    sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop");
}

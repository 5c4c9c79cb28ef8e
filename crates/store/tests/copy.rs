//! Whole-database copies, on both backends: the list of tables a copy carries is every table of
//! the schema, and a copy into a database that is not empty writes nothing.
//!
//! (The copies themselves, SQLite ⇄ PostgreSQL through backups, are run end to end by the
//! binary's test `tests/e2e/backup.rs`.)

mod common;

use common::{both, Db};
use gridloop_store::{CopyRefused, StoreError, TABLES};
use sqlx::Connection;

async fn schema_tables(url: &str) -> Vec<String> {
    let rows: Vec<(String,)> = if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.expect("connect");
        sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
        )
        .fetch_all(&mut conn)
        .await
        .expect("tables")
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
        sqlx::query_as(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(&mut conn)
        .await
        .expect("tables")
    };
    let mut names: Vec<String> = rows.into_iter().map(|(n,)| n).collect();
    names.sort();
    names
}

async fn a_copy_carries_every_table_of_the_schema(db: Db) {
    let mut listed: Vec<String> = TABLES.iter().map(|t| (*t).to_owned()).collect();
    listed.sort();
    assert_eq!(
        listed,
        schema_tables(&db.url).await,
        "a table added by a migration must be added to TABLES (in an order after the tables it refers to)"
    );
}

async fn a_copy_into_a_database_with_rows_is_refused_and_writes_nothing(db: Db) {
    // The source: an empty SQLite file; the target: this database, with one chain in it.
    let folder = std::env::temp_dir().join(format!("gridloop-copy-{}", common::unique_suffix()));
    let source =
        gridloop_store::Store::connect(&format!("sqlite://{}", folder.join("empty.db").display()))
            .await
            .expect("connect");
    source.migrate().await.expect("migrate");
    db.store
        .create_chain(common::code("aluminium"), common::name("铝产业链"))
        .await
        .expect("a chain");
    let before = db.store.row_counts().await.expect("counts");
    let refused = source.copy_into(&db.store, |_, _| {}).await;
    assert!(
        matches!(&refused, Err(StoreError::Copy(CopyRefused::TargetNotEmpty { table })) if table == "chains"),
        "{refused:?}"
    );
    assert_eq!(db.store.row_counts().await.expect("counts"), before);
    source.close().await;
    let _ = std::fs::remove_dir_all(&folder);
}

both!(
    a_copy_carries_every_table_of_the_schema,
    a_copy_into_a_database_with_rows_is_refused_and_writes_nothing,
);

//! The two backends, and the only code that knows there are two.
//!
//! Every statement in the store is written once, with `$1, $2, …` placeholders (which
//! sqlx-sqlite accepts as well as PostgreSQL), and runs through the four query primitives of
//! [`Tx`] at the bottom of this file. Each primitive's body is written once too: the
//! `on_backend!` macro expands it for the SQLite and the PostgreSQL connection, so the compiler
//! checks it against both. The few real dialect differences are methods of [`Backend`] and the
//! connection settings in [`Pool::connect`].

use gridloop_core::{Format, Rule};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{FromRow, Postgres, Sqlite, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::StoreError;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// The case-insensitive `LIKE`. SQLite's `LIKE` already ignores case, for ASCII letters
    /// only (without the ICU extension); PostgreSQL's `ILIKE` follows the database's locale.
    pub(crate) fn ilike(self) -> &'static str {
        match self {
            Self::Sqlite => "LIKE",
            Self::Postgres => "ILIKE",
        }
    }
}

/// A connection pool of either backend.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    /// The pool, and what lines up this process's writers (see `begin_write`).
    Sqlite(SqlitePool, Arc<SqliteWriter>),
    Postgres(PgPool),
}

impl Pool {
    /// Opens a pool for a `sqlite:` or `postgres:`/`postgresql:` URL.
    pub(crate) async fn connect(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                // WAL lets readers run while one writer commits.
                .journal_mode(SqliteJournalMode::Wal)
                // FULL, not the usual WAL companion NORMAL: with NORMAL a commit is only
                // appended to the WAL and the WAL is synced at checkpoints, so a power loss or
                // kernel crash can drop the last commits even though the caller was told they
                // succeeded. gridloop promises that an acknowledged write (a reported problem,
                // an assignment) survives a crash, so every commit syncs the WAL: one fsync per
                // transaction, which is why bulk writes should share one [`Tx`]. If only process
                // crashes mattered, NORMAL would do, since the WAL is in the OS cache already.
                .synchronous(SqliteSynchronous::Full)
                // Writers queue on the database lock (BEGIN IMMEDIATE) instead of failing.
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            let path = options.get_filename();
            if path != std::path::Path::new(":memory:") {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    tokio::fs::create_dir_all(parent).await.map_err(|e| {
                        StoreError::Database(sqlx::Error::Configuration(
                            format!("cannot create the folder {}: {e}", parent.display()).into(),
                        ))
                    })?;
                }
            }
            // Several readers work in parallel under WAL; writers take turns whatever the size.
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?;
            Ok(Self::Sqlite(pool, Arc::new(SqliteWriter::default())))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // A server that restarts, or a network that drops, leaves the pool with dead
            // connections and refused new ones. The pool heals by itself: every idle connection
            // is pinged before it is handed out (`test_before_acquire`, sqlx's default, made
            // explicit here) and a broken one replaced, and a refused connect is retried with
            // backoff. The acquire timeout bounds that retrying: a request waits at most this
            // long for a connection before it fails as "unavailable" (503 with Retry-After,
            // well inside the request timeout) instead of hanging while the database is away.
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .test_before_acquire(true)
                .connect(url)
                .await?;
            Ok(Self::Postgres(pool))
        } else {
            Err(StoreError::invalid(
                "database_url",
                Rule::Format(Format::DatabaseUrl),
            ))
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(..) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(pool, _) => SQLITE_MIGRATIONS.run(pool).await?,
            Self::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(pool, _) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
            Self::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// A one-connection pool reading the SQLite file at `path` as it is: no journal change,
    /// nothing written.
    pub(crate) async fn open_read_only(path: &std::path::Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .create_if_missing(false)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(Self::Sqlite(pool, Arc::default()))
    }

    pub(crate) async fn close(&self) {
        match self {
            Self::Sqlite(pool, _) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }

    /// A write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`): a
    /// deferred transaction that reads first and writes later would have to upgrade its lock,
    /// and two of them upgrading at once fail with SQLITE_BUSY whatever the busy timeout. On
    /// PostgreSQL a plain `BEGIN` (read committed); the issue updates are compare-and-set.
    pub(crate) async fn begin_write(&self) -> Result<Tx, StoreError> {
        match self {
            Self::Sqlite(_, writer) => {
                // Writers of this process queue here, first come first served, instead of in
                // SQLite's busy handler, which polls with growing sleeps (up to 100 ms) and so
                // leaves the database idle while writers wait. The busy timeout still covers
                // writers in other processes (the CLI next to a running server).
                let turn = writer.turn.clone().lock_owned().await;
                self.begin_write_in_turn(turn).await
            }
            Self::Postgres(pool) => Ok(Tx {
                inner: Inner::Postgres(pool.begin().await?),
                _turn: None,
            }),
        }
    }

    /// A SQLite write transaction for a writer that already has its turn.
    pub(crate) async fn begin_write_in_turn(
        &self,
        turn: OwnedMutexGuard<()>,
    ) -> Result<Tx, StoreError> {
        match self {
            Self::Sqlite(pool, _) => Ok(Tx {
                inner: Inner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
                _turn: Some(turn),
            }),
            Self::Postgres(_) => Err(StoreError::Corrupt(
                "a SQLite writer's turn was used on PostgreSQL".into(),
            )),
        }
    }

    /// SQLite's writer line, or `None` on PostgreSQL.
    pub(crate) fn sqlite_writer(&self) -> Option<&Arc<SqliteWriter>> {
        match self {
            Self::Sqlite(_, writer) => Some(writer),
            Self::Postgres(_) => None,
        }
    }

    /// A read-only transaction, so that a read of several statements sees one snapshot.
    pub(crate) async fn begin_read(&self) -> Result<Tx, StoreError> {
        let inner = match self {
            Self::Sqlite(pool, _) => Inner::Sqlite(pool.begin().await?),
            Self::Postgres(pool) => Inner::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        };
        Ok(Tx { inner, _turn: None })
    }
}

/// This process's SQLite writers: whose turn it is, and reports waiting to be written together.
#[derive(Debug, Default)]
pub(crate) struct SqliteWriter {
    pub(crate) turn: Arc<Mutex<()>>,
    pub(crate) reports: crate::batch::Queue,
}

/// One value bound to a `$n` placeholder. The few types the schema uses, each nullable.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Time(Option<DateTime<Utc>>),
    Bool(bool),
    Json(serde_json::Value),
    Bytes(Option<Vec<u8>>),
    Real(Option<f64>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}
impl From<u32> for Arg {
    fn from(v: u32) -> Self {
        Self::Int(Some(i64::from(v)))
    }
}
impl From<Option<u32>> for Arg {
    fn from(v: Option<u32>) -> Self {
        Self::Int(v.map(i64::from))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_owned()))
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Self::Text(v.map(str::to_owned))
    }
}
impl From<DateTime<Utc>> for Arg {
    fn from(v: DateTime<Utc>) -> Self {
        Self::Time(Some(v))
    }
}
impl From<Option<DateTime<Utc>>> for Arg {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        Self::Time(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Self::Bytes(Some(v))
    }
}
impl From<serde_json::Value> for Arg {
    fn from(v: serde_json::Value) -> Self {
        Self::Json(v)
    }
}

/// `args![a, b, …]`: the values for `$1, $2, …`.
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        vec![$($crate::backend::Arg::from($value)),*]
    };
}
pub(crate) use args;

/// A row type both backends can decode (anything deriving `sqlx::FromRow`, and tuples).
pub(crate) trait Decodable:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Decodable for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// A transaction on the store: the unit of atomic (and, on SQLite, of fsync) work.
///
/// Get one from [`crate::Store::transaction`], call any number of its methods, then
/// [`commit`](Tx::commit). Dropping it without committing rolls everything back, also when the
/// future holding it is dropped midway. After a method returns an error, drop the transaction:
/// PostgreSQL refuses every further statement in a failed transaction.
pub struct Tx {
    inner: Inner,
    /// This process's turn to write to SQLite, held until the transaction ends. Declared after
    /// `inner` so a dropped transaction is rolled back before the next writer's turn.
    _turn: Option<OwnedMutexGuard<()>>,
}

enum Inner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl fmt::Debug for Tx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tx")
            .field("backend", &self.backend().name())
            .finish()
    }
}

/// Expands `$body` once per backend, with `$conn` bound to that backend's connection.
macro_rules! on_backend {
    ($inner:expr, $conn:ident => $body:expr) => {
        match $inner {
            Inner::Sqlite(tx) => {
                let $conn: &mut sqlx::SqliteConnection = tx;
                $body
            }
            Inner::Postgres(tx) => {
                let $conn: &mut sqlx::PgConnection = tx;
                $body
            }
        }
    };
}

/// Binds every [`Arg`] to a query of either backend, in order.
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Int(v) => query.bind(v),
                Arg::Text(v) => query.bind(v),
                Arg::Time(v) => query.bind(v),
                Arg::Bool(v) => query.bind(v),
                Arg::Json(v) => query.bind(sqlx::types::Json(v)),
                Arg::Bytes(v) => query.bind(v),
                Arg::Real(v) => query.bind(v),
            };
        }
        query
    }};
}

impl Tx {
    pub(crate) fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Makes everything done in the transaction durable, or nothing if this fails.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            Inner::Sqlite(tx) => tx.commit().await?,
            Inner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Undoes everything done in the transaction (dropping it does the same, lazily).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.inner {
            Inner::Sqlite(tx) => tx.rollback().await?,
            Inner::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    /// Runs a statement; returns the number of rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let done = on_backend!(&mut self.inner, conn => {
            bind_all!(sqlx::query(sql), args).execute(conn).await?.rows_affected()
        });
        Ok(done)
    }

    pub(crate) async fn fetch_all<T: Decodable>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, StoreError> {
        let rows = on_backend!(&mut self.inner, conn => {
            bind_all!(sqlx::query_as(sql), args).fetch_all(conn).await?
        });
        Ok(rows)
    }

    pub(crate) async fn fetch_optional<T: Decodable>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>, StoreError> {
        let row = on_backend!(&mut self.inner, conn => {
            bind_all!(sqlx::query_as(sql), args).fetch_optional(conn).await?
        });
        Ok(row)
    }

    pub(crate) async fn fetch_one<T: Decodable>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<T, StoreError> {
        let row = on_backend!(&mut self.inner, conn => {
            bind_all!(sqlx::query_as(sql), args).fetch_one(conn).await?
        });
        Ok(row)
    }
}

/// How a column's values are read from PostgreSQL (its `information_schema` type), for copying
/// whole tables between databases. SQLite values are read as they are stored (its storage
/// classes), since SQLite keeps no other type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PgType {
    BigInt,
    Integer,
    SmallInt,
    Text,
    TimestampTz,
    Jsonb,
    Boolean,
    Double,
    Bytea,
}

impl PgType {
    /// The type `information_schema.columns.data_type` names, if the copy knows it.
    pub(crate) fn named(data_type: &str) -> Option<Self> {
        Some(match data_type {
            "bigint" => Self::BigInt,
            "integer" => Self::Integer,
            "smallint" => Self::SmallInt,
            "text" | "character varying" => Self::Text,
            "timestamp with time zone" => Self::TimestampTz,
            "jsonb" | "json" => Self::Jsonb,
            "boolean" => Self::Boolean,
            "double precision" => Self::Double,
            "bytea" => Self::Bytea,
            _ => return None,
        })
    }
}

impl Tx {
    /// The rows of `sql`, one `Vec<Arg>` each, streamed (never all in memory). On PostgreSQL
    /// column `i` is read as `types[i]`; on SQLite as stored (`types` is not used). A NULL is
    /// `Arg::Text(None)`.
    pub(crate) fn stream_values<'a>(
        &'a mut self,
        sql: &'a str,
        types: &'a [PgType],
    ) -> futures_util::stream::BoxStream<'a, Result<Vec<Arg>, StoreError>> {
        use futures_util::StreamExt;
        match &mut self.inner {
            Inner::Sqlite(tx) => {
                let conn: &mut sqlx::SqliteConnection = tx;
                sqlx::query(sql)
                    .fetch(conn)
                    .map(|row| sqlite_values(&row?))
                    .boxed()
            }
            Inner::Postgres(tx) => {
                let conn: &mut sqlx::PgConnection = tx;
                sqlx::query(sql)
                    .fetch(conn)
                    .map(move |row| pg_values(&row?, types))
                    .boxed()
            }
        }
    }
}

fn sqlite_values(row: &SqliteRow) -> Result<Vec<Arg>, StoreError> {
    use sqlx::{Row, TypeInfo, ValueRef};
    let mut values = Vec::with_capacity(row.len());
    for i in 0..row.len() {
        let raw = row.try_get_raw(i)?;
        let value = if raw.is_null() {
            Arg::Text(None)
        } else {
            match raw.type_info().name() {
                "INTEGER" => Arg::Int(Some(row.try_get_unchecked(i)?)),
                "REAL" => Arg::Real(Some(row.try_get_unchecked(i)?)),
                "BLOB" => Arg::Bytes(Some(row.try_get_unchecked(i)?)),
                _ => Arg::Text(Some(row.try_get_unchecked(i)?)),
            }
        };
        values.push(value);
    }
    Ok(values)
}

fn pg_values(row: &PgRow, types: &[PgType]) -> Result<Vec<Arg>, StoreError> {
    use sqlx::Row;
    let mut values = Vec::with_capacity(types.len());
    for (i, ty) in types.iter().enumerate() {
        let value = match ty {
            PgType::BigInt => Arg::Int(row.try_get(i)?),
            PgType::Integer => Arg::Int(row.try_get::<Option<i32>, _>(i)?.map(i64::from)),
            PgType::SmallInt => Arg::Int(row.try_get::<Option<i16>, _>(i)?.map(i64::from)),
            PgType::Text => Arg::Text(row.try_get(i)?),
            PgType::TimestampTz => Arg::Time(row.try_get(i)?),
            PgType::Jsonb => {
                match row.try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(i)? {
                    Some(json) => Arg::Json(json.0),
                    None => Arg::Text(None),
                }
            }
            PgType::Boolean => match row.try_get::<Option<bool>, _>(i)? {
                Some(b) => Arg::Bool(b),
                None => Arg::Text(None),
            },
            PgType::Double => Arg::Real(row.try_get(i)?),
            PgType::Bytea => Arg::Bytes(row.try_get(i)?),
        };
        values.push(value);
    }
    Ok(values)
}

/// Statements outside a [`Tx`] (after `bind_all!` is defined).
impl Pool {
    /// Runs one statement outside any explicit transaction (PostgreSQL's autocommit makes a
    /// single statement atomic on its own): one round trip instead of three.
    pub(crate) async fn fetch_one_alone<T: Decodable>(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<T, StoreError> {
        Ok(match self {
            Self::Sqlite(pool, _) => bind_all!(sqlx::query_as(sql), args).fetch_one(pool).await?,
            Self::Postgres(pool) => bind_all!(sqlx::query_as(sql), args).fetch_one(pool).await?,
        })
    }

    /// Runs one statement outside any transaction: for the few that refuse to run inside one
    /// (PostgreSQL's `VACUUM`, SQLite's WAL checkpoint).
    pub(crate) async fn execute_alone(&self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        Ok(match self {
            Self::Sqlite(pool, _) => bind_all!(sqlx::query(sql), args)
                .execute(pool)
                .await?
                .rows_affected(),
            Self::Postgres(pool) => bind_all!(sqlx::query(sql), args)
                .execute(pool)
                .await?
                .rows_affected(),
        })
    }

    /// Like [`Pool::fetch_one_alone`], for zero or one row.
    pub(crate) async fn fetch_optional_alone<T: Decodable>(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>, StoreError> {
        Ok(match self {
            Self::Sqlite(pool, _) => {
                bind_all!(sqlx::query_as(sql), args)
                    .fetch_optional(pool)
                    .await?
            }
            Self::Postgres(pool) => {
                bind_all!(sqlx::query_as(sql), args)
                    .fetch_optional(pool)
                    .await?
            }
        })
    }
}

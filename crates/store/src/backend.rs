//! The two backends, and the only code that knows there are two.
//!
//! Every statement in the store is written once, with `$1, $2, …` placeholders (which
//! sqlx-sqlite accepts as well as PostgreSQL), and runs through the four query primitives of
//! [`Tx`] at the bottom of this file. Each primitive's body is written once too: the
//! `on_backend!` macro expands it for the SQLite and the PostgreSQL connection, so the compiler
//! checks it against both. The few real dialect differences are methods of [`Backend`] and the
//! connection settings in [`Pool::connect`].

use gridloop_core::{Format, Rule};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::batch::{Finished, Member, SqliteWriter};
use crate::error::StoreError;
use crate::readers::{FromLite, Readers};
use crate::single_write::{is_plain_read, Autocommit};
use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{FromRow, Postgres, Sqlite, Transaction};

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

    /// `expr`'s values of a group as one comma-separated text (`NULL` for none). The values
    /// must hold no comma: ids and codes.
    pub(crate) fn list_of(self, expr: &str) -> String {
        match self {
            Self::Sqlite => format!("group_concat({expr}, ',')"),
            Self::Postgres => format!("string_agg(({expr})::text, ',')"),
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
    /// SQLite: the readers' pool, and the writer (its own pool, the turn, the group commit);
    /// for a file, also the hot reads' own connections (see `readers`).
    Sqlite {
        read: SqlitePool,
        writer: Arc<SqliteWriter>,
        readers: Option<Arc<Readers>>,
    },
    Postgres(PgPool),
}

/// How long a PostgreSQL connection may sit idle in the pool before it is pinged again on its
/// way out (see [`Pool::connect`]).
const PING_IDLE_AFTER: Duration = Duration::from_secs(1);

/// How many read-only connections a SQLite store keeps: two per core, at least four. Under WAL
/// readers never wait for the writer nor for each other, so the cores bound them; the spare
/// ones keep a long read (an export streaming every issue, a weekly report) from holding up
/// the short ones (a list, a sign-in) on a small machine.
fn sqlite_readers() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores.saturating_mul(2))
        .unwrap_or(u32::MAX)
        .max(4)
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
            let path = options.get_filename().to_owned();
            let in_memory = path == std::path::Path::new(":memory:")
                || path.to_string_lossy().starts_with("file:sqlx-in-memory-");
            if !in_memory {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    tokio::fs::create_dir_all(parent).await.map_err(|e| {
                        StoreError::Database(sqlx::Error::Configuration(
                            format!("cannot create the folder {}: {e}", parent.display()).into(),
                        ))
                    })?;
                }
            }
            if in_memory {
                // Each connection to `:memory:` is a database of its own (sqlx shares one by
                // the shared cache, whose table locks would make readers fail rather than
                // wait): one connection for everything, reads included.
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await?;
                return Ok(Self::Sqlite {
                    read: pool.clone(),
                    writer: Arc::new(SqliteWriter::new(pool)),
                    readers: None,
                });
            }
            // The writers' pool: the group commit's connection (see `batch`), the migrations
            // and the few statements run alone. One connection stays open so the WAL and its
            // index outlive idle spells (the readers open read-only and cannot recreate them
            // once SQLite removes them with its last connection).
            //
            // Neither pool pings a connection as it hands it out (sqlx's default): a SQLite
            // connection is a thread of this process, not a socket that may have died, and the
            // ping is a hop to that thread and back, which for the writers' pool the group
            // commit's turn waited out at the start of every batch (issue 17). sqlx still pings
            // each one given back, which flushes what a dropped statement left.
            let write = SqlitePoolOptions::new()
                .max_connections(3)
                .min_connections(1)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options.clone())
                .await?;
            // Readers on connections of their own, read-only: under WAL they see the last
            // commit and never queue behind the writer. Connected lazily, after the writer
            // has made the file and put it in WAL mode.
            let read_options = SqliteConnectOptions::new()
                .filename(&path)
                .read_only(true)
                .create_if_missing(false)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            let read = SqlitePoolOptions::new()
                .max_connections(sqlite_readers())
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(30))
                .connect_lazy_with(read_options);
            let readers = Readers::new(path, sqlite_readers() as usize);
            Ok(Self::Sqlite {
                read,
                writer: Arc::new(SqliteWriter::new(write)),
                readers: Some(Arc::new(readers)),
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // A server that restarts, or a network that drops, leaves the pool with dead
            // connections and refused new ones. The pool heals by itself: sqlx pings every
            // connection as it is given back and drops a broken one, a connection idle for more
            // than [`PING_IDLE_AFTER`] is pinged again before it is handed out (it may have died
            // while idle), and a refused connect is retried with backoff. The acquire timeout
            // bounds that retrying: a request waits at most this long for a connection before
            // it fails as "unavailable" (503 with Retry-After, well inside the request timeout)
            // instead of hanging while the database is away.
            //
            // Not sqlx's default ping on every hand-out: a connection given back a moment ago
            // was pinged then, and under load that second ping was a third of the round trips
            // of a statement run alone (issue 17).
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for > PING_IDLE_AFTER {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
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

    /// SQLite's own read connections, for a file (see `readers`).
    pub(crate) fn readers(&self) -> Option<&Arc<Readers>> {
        match self {
            Self::Sqlite { readers, .. } => readers.as_ref(),
            Self::Postgres(_) => None,
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run(writer.pool()).await?,
            Self::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite { read, .. } => {
                sqlx::query("SELECT 1").execute(read).await?;
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
        Ok(Self::Sqlite {
            read: pool.clone(),
            writer: Arc::new(SqliteWriter::new(pool)),
            readers: None,
        })
    }

    pub(crate) async fn close(&self) {
        match self {
            Self::Sqlite {
                read,
                writer,
                readers,
            } => {
                if let Some(readers) = readers {
                    readers.close();
                }
                read.close().await;
                writer.pool().close().await;
            }
            Self::Postgres(pool) => pool.close().await,
        }
    }

    /// A write transaction. On SQLite it joins the group commit (see `batch`), which takes the
    /// write lock up front (`BEGIN IMMEDIATE`). On PostgreSQL a plain `BEGIN` (read committed);
    /// the issue updates are compare-and-set.
    pub(crate) async fn begin_write(&self) -> Result<Tx, StoreError> {
        let inner = match self {
            Self::Sqlite { writer, .. } => Inner::Batched(writer.begin().await?),
            Self::Postgres(pool) => Inner::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            inner,
            deferred: Deferred::default(),
        })
    }

    /// A write whose work may end in one statement (an action on an issue): on PostgreSQL it
    /// starts in autocommit and becomes a transaction only if it must (see `single_write`);
    /// on SQLite it is [`Pool::begin_write`]'s.
    pub(crate) async fn begin_single_write(&self) -> Result<Tx, StoreError> {
        let Self::Postgres(pool) = self else {
            return self.begin_write().await;
        };
        Ok(Tx {
            inner: Inner::Autocommit(Autocommit::new(pool.clone(), pool.acquire().await?)),
            deferred: Deferred::default(),
        })
    }

    /// A read-only transaction, so that a read of several statements sees one snapshot.
    pub(crate) async fn begin_read(&self) -> Result<Tx, StoreError> {
        let inner = match self {
            Self::Sqlite { read, .. } => Inner::Sqlite(read.begin().await?),
            Self::Postgres(pool) => Inner::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        };
        Ok(Tx {
            inner,
            deferred: Deferred::default(),
        })
    }
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
    /// Statements whose outcome nobody reads, held back on a SQLite write (see [`Tx::defer`]).
    deferred: Deferred,
}

/// Deferred statements as one text, each numbered on from the one before, and their values.
/// On SQLite the text is the statements one after another; on PostgreSQL, which takes one
/// statement per prepared text, the `WITH` list that makes them one statement (`d1 AS (…),
/// d2 AS (…)`), to go in front of a statement that carries them.
#[derive(Default)]
struct Deferred {
    sql: String,
    args: Vec<Arg>,
    count: usize,
}

impl Deferred {
    fn push(&mut self, backend: Backend, sql: &str, args: Vec<Arg>) {
        use std::fmt::Write;
        self.count += 1;
        match backend {
            Backend::Sqlite => {
                renumber(sql, self.args.len(), &mut self.sql);
                self.sql.push_str(";\n");
            }
            Backend::Postgres => {
                if self.count > 1 {
                    self.sql.push_str(",\n");
                }
                let _ = write!(self.sql, "d{} AS (", self.count);
                renumber(sql, self.args.len(), &mut self.sql);
                self.sql.push(')');
            }
        }
        self.args.extend(args);
    }

    fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Runs PostgreSQL's statements held back, carried by `sql` as its `WITH` clauses (`sql`'s
/// own `WITH` list goes on after theirs), its values after theirs; the count is `sql`'s.
/// With nothing of its own to run, `sql` is `SELECT 1`.
async fn run_carried(
    conn: &mut sqlx::PgConnection,
    deferred: Deferred,
    sql: &str,
    sql_args: Vec<Arg>,
) -> Result<u64, StoreError> {
    let Deferred {
        sql: with,
        mut args,
        ..
    } = deferred;
    let (mut text, sql) = match sql.strip_prefix("WITH ") {
        Some(rest) => (format!("WITH {with},\n"), rest),
        None => (format!("WITH {with}\n"), sql),
    };
    renumber(sql, args.len(), &mut text);
    args.extend(sql_args);
    let done = bind_all!(sqlx::query(&text), args).execute(conn).await?;
    Ok(done.rows_affected())
}

/// A write in autocommit (see `single_write`) asked to do more after its one statement, which
/// committed: a bug of the store's, refused rather than written outside the write.
fn written_alone() -> StoreError {
    StoreError::Corrupt("a write that ran as one statement was asked for more".into())
}

/// A streamed read asked of a write in autocommit (see `single_write`): no such write streams.
fn streamed_in_autocommit() -> StoreError {
    StoreError::Corrupt("a streamed read in a write that may be one statement".into())
}

/// A statement as it goes to the connection (see [`Tx::outgoing`]).
struct Outgoing<'s> {
    sql: Cow<'s, str>,
    args: Vec<Arg>,
    /// Whether other statements go before the caller's in the text.
    joined: bool,
}

enum Inner {
    /// A SQLite read transaction (or any on a read-only copy).
    Sqlite(Transaction<'static, Sqlite>),
    /// A SQLite write transaction: a member of the group commit, holding the write turn.
    Batched(Member),
    Postgres(Transaction<'static, Postgres>),
    /// A PostgreSQL write not (yet) in a transaction (see `single_write`).
    Autocommit(Autocommit),
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
            Inner::Batched(member) => {
                let $conn: &mut sqlx::SqliteConnection = member.conn()?;
                $body
            }
            Inner::Postgres(tx) => {
                let $conn: &mut sqlx::PgConnection = tx;
                $body
            }
            Inner::Autocommit(auto) => {
                let $conn: &mut sqlx::PgConnection = auto.conn()?;
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
pub(crate) use bind_all;

impl Tx {
    pub(crate) fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) | Inner::Batched(_) => Backend::Sqlite,
            Inner::Postgres(_) | Inner::Autocommit(_) => Backend::Postgres,
        }
    }

    /// Whether the write's next statement that carries the held-back ones
    /// ([`Tx::execute_carrying`]) will be its commit: a PostgreSQL write still in autocommit
    /// (see `single_write`). That statement must then fail as a whole rather than write part.
    pub(crate) fn in_autocommit(&self) -> bool {
        matches!(&self.inner, Inner::Autocommit(auto) if !auto.wrote)
    }

    /// Before `sql` runs on a write still in autocommit: leaves it there if `sql` is a plain
    /// read and nothing is held back; otherwise makes it a transaction, on a connection of its
    /// own (nothing was written yet, and reads lose nothing: each had its own snapshot).
    async fn leave_autocommit_unless_read(&mut self, sql: &str) -> Result<(), StoreError> {
        let Inner::Autocommit(auto) = &mut self.inner else {
            return Ok(());
        };
        if self.deferred.is_empty() && is_plain_read(sql) {
            return Ok(());
        }
        if auto.wrote {
            return Err(written_alone());
        }
        auto.give_back();
        let pool = auto.pool.clone();
        self.inner = Inner::Postgres(pool.begin().await?);
        Ok(())
    }

    /// Makes everything done in the transaction durable, or nothing if this fails.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            Inner::Sqlite(tx) => tx.commit().await?,
            // The statements held back go with the savepoint's release, in one text.
            Inner::Batched(member) => {
                let Deferred { sql, args, .. } = self.deferred;
                member.commit(sql, args).await?;
            }
            Inner::Postgres(mut tx) => {
                if !self.deferred.is_empty() {
                    run_carried(&mut tx, self.deferred, "SELECT 1", Vec::new()).await?;
                }
                tx.commit().await?;
            }
            // Held back with nothing to carry them: one statement, its own commit.
            Inner::Autocommit(mut auto) => {
                if !self.deferred.is_empty() {
                    if auto.wrote {
                        return Err(written_alone());
                    }
                    run_carried(auto.conn()?, self.deferred, "SELECT 1", Vec::new()).await?;
                }
            }
        }
        Ok(())
    }

    /// Runs `sql` as the write's last statement and commits; returns the rows it changed. On a
    /// SQLite write `sql` goes in one text with the member's savepoint, the statements held
    /// back and the release: one hop to the connection's thread while the write turn waits,
    /// where running it and then committing took two. For the one-statement writes that run
    /// for every message and job (a claim, a message marked sent).
    pub(crate) async fn execute_and_commit(
        mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<u64, StoreError> {
        if matches!(self.inner, Inner::Batched(_)) {
            return Ok(self.finish(sql, args).await?.count);
        }
        let count = self.execute(sql, args).await?;
        self.commit().await?;
        Ok(count)
    }

    /// Like [`Tx::execute_and_commit`], for a statement that returns rows (`RETURNING`).
    pub(crate) async fn fetch_all_and_commit<T: Decodable>(
        mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, StoreError> {
        if matches!(self.inner, Inner::Batched(_)) {
            let finished = self.finish(sql, args).await?;
            let rows: Result<Vec<T>, sqlx::Error> =
                finished.rows.iter().map(|row| T::from_row(row)).collect();
            return Ok(rows?);
        }
        let rows = self.fetch_all(sql, args).await?;
        self.commit().await?;
        Ok(rows)
    }

    /// A SQLite write's last text: the statements held back, then `sql`, then the commit.
    async fn finish(self, sql: &str, args: Vec<Arg>) -> Result<Finished, StoreError> {
        let Inner::Batched(member) = self.inner else {
            return Err(StoreError::Corrupt(
                "only a SQLite write ends in its last text".into(),
            ));
        };
        let Deferred {
            sql: mut text,
            args: mut values,
            ..
        } = self.deferred;
        renumber(sql, values.len(), &mut text);
        text.push_str(";\n");
        values.extend(args);
        member.commit(text, values).await
    }

    /// Undoes everything done in the transaction (dropping it does the same, lazily).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.inner {
            Inner::Sqlite(tx) => tx.rollback().await?,
            Inner::Batched(member) => member.rollback().await?,
            Inner::Postgres(tx) => tx.rollback().await?,
            Inner::Autocommit(auto) if auto.wrote => return Err(written_alone()),
            // Nothing was written.
            Inner::Autocommit(_) => {}
        }
        Ok(())
    }

    /// Undoes what this transaction wrote so far and carries on in it: a SQLite writer keeps
    /// its place in the group commit. Only SQLite's write transactions can.
    pub(crate) async fn undo(&mut self) -> Result<(), StoreError> {
        self.deferred = Deferred::default();
        match &mut self.inner {
            Inner::Batched(member) => member.undo().await,
            Inner::Sqlite(_) | Inner::Postgres(_) | Inner::Autocommit(_) => {
                Err(StoreError::Corrupt(
                    "only a SQLite write transaction can be undone and carried on".into(),
                ))
            }
        }
    }

    /// Runs a statement whose outcome nobody reads (no rows, no count, and no returned rows:
    /// it may not have `RETURNING`), held back to save the trips it would take alone, which
    /// a write waits out:
    ///
    /// - on a SQLite write it is sent to the connection's thread with the others held back,
    ///   in one text ahead of the next statement, or with the commit (each statement is
    ///   otherwise a hop there and back while the write turn waits);
    /// - on PostgreSQL those held back become one statement, of data-modifying `WITH`
    ///   clauses, sent before the next statement, or carried by it
    ///   ([`Tx::execute_carrying`]), or before the commit: one round trip for all of them,
    ///   or none. They run on one snapshot: none sees what another writes;
    /// - a SQLite read transaction runs it at once.
    ///
    /// Its error, if any, comes from the statement or commit it goes with, and fails the
    /// transaction all the same.
    pub(crate) async fn defer(&mut self, sql: &str, args: Vec<Arg>) -> Result<(), StoreError> {
        if matches!(self.inner, Inner::Sqlite(_)) {
            self.execute(sql, args).await?;
            return Ok(());
        }
        self.deferred.push(self.backend(), sql, args);
        Ok(())
    }

    /// Like [`Tx::execute`], with the statements held back by [`Tx::defer`] in the same
    /// statement on PostgreSQL, as `WITH` clauses ahead of `sql`'s own, if it has any: `sql`
    /// does not see what they write. The count is `sql`'s alone.
    pub(crate) async fn execute_carrying(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<u64, StoreError> {
        match &mut self.inner {
            Inner::Postgres(tx) if !self.deferred.is_empty() => {
                let deferred = std::mem::take(&mut self.deferred);
                run_carried(tx, deferred, sql, args).await
            }
            // The write's one statement, and its commit.
            Inner::Autocommit(auto) => {
                if auto.wrote {
                    return Err(written_alone());
                }
                let deferred = std::mem::take(&mut self.deferred);
                let conn = auto.conn()?;
                let count = if deferred.is_empty() {
                    bind_all!(sqlx::query(sql), args)
                        .execute(conn)
                        .await?
                        .rows_affected()
                } else {
                    run_carried(conn, deferred, sql, args).await?
                };
                auto.wrote = true;
                Ok(count)
            }
            _ => self.execute(sql, args).await,
        }
    }

    /// The text that runs `sql` and its values: on a SQLite write, the member's pending
    /// `SAVEPOINT` and the statements held back go first, in the same text (one hop to the
    /// connection's thread for all of them), `sql` numbered on after them. Elsewhere `sql` as
    /// it is.
    async fn outgoing<'s>(
        &mut self,
        sql: &'s str,
        args: Vec<Arg>,
    ) -> Result<Outgoing<'s>, StoreError> {
        self.leave_autocommit_unless_read(sql).await?;
        let head = match &mut self.inner {
            Inner::Batched(member) => member.text_head(),
            Inner::Postgres(tx) => {
                // Ahead of `sql` in a statement of their own, so that `sql` sees their writes,
                // as it would have run after them.
                if !self.deferred.is_empty() {
                    let deferred = std::mem::take(&mut self.deferred);
                    run_carried(tx, deferred, "SELECT 1", Vec::new()).await?;
                }
                ""
            }
            Inner::Sqlite(_) | Inner::Autocommit(_) => "",
        };
        if head.is_empty() && self.deferred.is_empty() {
            return Ok(Outgoing {
                sql: Cow::Borrowed(sql),
                args,
                joined: false,
            });
        }
        let Deferred {
            sql: mut text,
            args: mut values,
            ..
        } = std::mem::take(&mut self.deferred);
        text.insert_str(0, head);
        renumber(sql, values.len(), &mut text);
        values.extend(args);
        Ok(Outgoing {
            sql: Cow::Owned(text),
            args: values,
            joined: true,
        })
    }

    /// Runs a statement; returns the number of rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        self.execute_kept(sql, args, true).await
    }

    /// Like [`Tx::execute`], the statement kept prepared on the connection only if `kept`: a
    /// text that changes with its rows (a batch's `VALUES` lists) would push the statements
    /// that do repeat out of the connection's cache.
    pub(crate) async fn execute_kept(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
        kept: bool,
    ) -> Result<u64, StoreError> {
        use futures_util::TryStreamExt;
        let Outgoing { sql, args, joined } = self.outgoing(sql, args).await?;
        let done = on_backend!(&mut self.inner, conn => {
            let query = bind_all!(sqlx::query(&sql).persistent(kept), args);
            if joined {
                // The count of the text's last statement, `sql`'s: `execute` would add up
                // every statement's, and SQLite reports a `SAVEPOINT` as changing as many
                // rows as the write before it.
                let mut steps = sqlx::Executor::fetch_many(conn, query);
                let mut last = 0;
                while let Some(step) = steps.try_next().await? {
                    if let sqlx::Either::Left(done) = step {
                        last = done.rows_affected();
                    }
                }
                last
            } else {
                query.execute(conn).await?.rows_affected()
            }
        });
        Ok(done)
    }

    /// Like [`Tx::fetch_all`], kept prepared only if `kept` (see [`Tx::execute_kept`]).
    pub(crate) async fn fetch_all_kept<T: Decodable>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
        kept: bool,
    ) -> Result<Vec<T>, StoreError> {
        let Outgoing { sql, args, .. } = self.outgoing(sql, args).await?;
        let rows = on_backend!(&mut self.inner, conn => {
            bind_all!(sqlx::query_as(&sql).persistent(kept), args).fetch_all(conn).await?
        });
        Ok(rows)
    }

    pub(crate) async fn fetch_all<T: Decodable>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, StoreError> {
        self.fetch_all_kept(sql, args, true).await
    }

    /// The rows of `sql`, decoded one at a time as they arrive: for reads too long to hold in
    /// memory (a report's backlog), in one statement the database can plan as a whole.
    pub(crate) fn fetch_stream<'a, T: Decodable + 'a>(
        &'a mut self,
        sql: &'a str,
        args: Vec<Arg>,
    ) -> futures_util::stream::BoxStream<'a, Result<T, StoreError>> {
        use futures_util::{StreamExt, TryStreamExt};
        if !self.deferred.is_empty() {
            let e = StoreError::Corrupt("a streamed read after deferred writes, unflushed".into());
            return futures_util::stream::once(async move { Err(e) }).boxed();
        }
        let sqlite: Result<&mut sqlx::SqliteConnection, StoreError> = match &mut self.inner {
            Inner::Sqlite(tx) => Ok(tx),
            Inner::Batched(member) => member.conn(),
            Inner::Postgres(tx) => {
                let conn: &mut sqlx::PgConnection = tx;
                return bind_all!(sqlx::query_as::<Postgres, T>(sql), args)
                    .fetch(conn)
                    .map_err(StoreError::from)
                    .boxed();
            }
            Inner::Autocommit(_) => Err(streamed_in_autocommit()),
        };
        match sqlite {
            Ok(conn) => bind_all!(sqlx::query_as::<Sqlite, T>(sql), args)
                .fetch(conn)
                .map_err(StoreError::from)
                .boxed(),
            Err(e) => futures_util::stream::once(async move { Err(e) }).boxed(),
        }
    }

    pub(crate) async fn fetch_optional<T: Decodable>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>, StoreError> {
        // A text's statements before `sql` return no rows (`defer` takes none that do).
        let Outgoing { sql, args, .. } = self.outgoing(sql, args).await?;
        let row = on_backend!(&mut self.inner, conn => {
            bind_all!(sqlx::query_as(&sql), args).fetch_optional(conn).await?
        });
        Ok(row)
    }

    pub(crate) async fn fetch_one<T: Decodable>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<T, StoreError> {
        let Outgoing { sql, args, .. } = self.outgoing(sql, args).await?;
        let row = on_backend!(&mut self.inner, conn => {
            bind_all!(sqlx::query_as(&sql), args).fetch_one(conn).await?
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
        if !self.deferred.is_empty() {
            let e = StoreError::Corrupt("a streamed read after deferred writes, unflushed".into());
            return futures_util::stream::once(async move { Err(e) }).boxed();
        }
        let sqlite: Result<&mut sqlx::SqliteConnection, StoreError> = match &mut self.inner {
            Inner::Sqlite(tx) => Ok(tx),
            Inner::Batched(member) => member.conn(),
            Inner::Postgres(tx) => {
                let conn: &mut sqlx::PgConnection = tx;
                return sqlx::query(sql)
                    .fetch(conn)
                    .map(move |row| pg_values(&row?, types))
                    .boxed();
            }
            Inner::Autocommit(_) => Err(streamed_in_autocommit()),
        };
        match sqlite {
            Ok(conn) => sqlx::query(sql)
                .fetch(conn)
                .map(|row| sqlite_values(&row?))
                .boxed(),
            Err(e) => futures_util::stream::once(async move { Err(e) }).boxed(),
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
    /// single statement atomic on its own): one round trip instead of three. A read: on SQLite
    /// it runs on a reader.
    pub(crate) async fn fetch_one_alone<T: Decodable>(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<T, StoreError> {
        Ok(match self {
            Self::Sqlite { read, .. } => {
                bind_all!(sqlx::query_as(sql), args).fetch_one(read).await?
            }
            Self::Postgres(pool) => bind_all!(sqlx::query_as(sql), args).fetch_one(pool).await?,
        })
    }

    /// Runs one statement outside any transaction: for the few that refuse to run inside one
    /// (PostgreSQL's `VACUUM`, SQLite's WAL checkpoint).
    pub(crate) async fn execute_alone(&self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        Ok(match self {
            Self::Sqlite { writer, .. } => bind_all!(sqlx::query(sql), args)
                .execute(writer.pool())
                .await?
                .rows_affected(),
            Self::Postgres(pool) => bind_all!(sqlx::query(sql), args)
                .execute(pool)
                .await?
                .rows_affected(),
        })
    }

    /// Like [`Pool::fetch_one_alone`], for every row (a read too).
    pub(crate) async fn fetch_all_alone<T: Decodable>(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, StoreError> {
        Ok(match self {
            Self::Sqlite { read, .. } => {
                bind_all!(sqlx::query_as(sql), args).fetch_all(read).await?
            }
            Self::Postgres(pool) => bind_all!(sqlx::query_as(sql), args).fetch_all(pool).await?,
        })
    }

    /// Like [`Pool::fetch_one_alone`], for zero or one row (a read too).
    pub(crate) async fn fetch_optional_alone<T: Decodable>(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>, StoreError> {
        Ok(match self {
            Self::Sqlite { read, .. } => {
                bind_all!(sqlx::query_as(sql), args)
                    .fetch_optional(read)
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

/// Writes of one statement, durable on their own: on PostgreSQL the statement in autocommit
/// (one round trip, where BEGIN, the statement and COMMIT took three), on SQLite a member of
/// the group commit like any write transaction. For the notifier's and the scheduler's
/// bookkeeping (a claim, a message marked sent, a job completed), which runs for every message
/// and job.
impl Pool {
    pub(crate) async fn execute_write(&self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        match self {
            Self::Postgres(pool) => Ok(bind_all!(sqlx::query(sql), args)
                .execute(pool)
                .await?
                .rows_affected()),
            Self::Sqlite { .. } => {
                self.begin_write()
                    .await?
                    .execute_and_commit(sql, args)
                    .await
            }
        }
    }

    pub(crate) async fn fetch_all_write<T: Decodable>(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, StoreError> {
        match self {
            Self::Postgres(pool) => {
                Ok(bind_all!(sqlx::query_as(sql), args).fetch_all(pool).await?)
            }
            Self::Sqlite { .. } => {
                self.begin_write()
                    .await?
                    .fetch_all_and_commit(sql, args)
                    .await
            }
        }
    }

    pub(crate) async fn fetch_optional_write<T: Decodable>(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>, StoreError> {
        match self {
            Self::Postgres(pool) => Ok(bind_all!(sqlx::query_as(sql), args)
                .fetch_optional(pool)
                .await?),
            Self::Sqlite { .. } => {
                let tx = self.begin_write().await?;
                Ok(tx.fetch_all_and_commit(sql, args).await?.into_iter().next())
            }
        }
    }
}

/// The hot reads: one statement each, on SQLite's own read connections when the store is a
/// file (see `readers`), otherwise as [`Pool::fetch_all_alone`] and its kin.
impl Pool {
    pub(crate) async fn fetch_all_read<T: Decodable + FromLite>(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, StoreError> {
        match self {
            Self::Sqlite {
                readers: Some(readers),
                ..
            } => readers.fetch_all(sql, args).await,
            _ => self.fetch_all_alone(sql, args).await,
        }
    }

    pub(crate) async fn fetch_optional_read<T: Decodable + FromLite>(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>, StoreError> {
        match self {
            Self::Sqlite {
                readers: Some(readers),
                ..
            } => readers.fetch_optional(sql, args).await,
            _ => self.fetch_optional_alone(sql, args).await,
        }
    }
}

/// Appends `sql` to `out` with each placeholder `$n` numbered `$n+offset`, so that statements
/// can share one list of values. Quoted text and identifiers are copied as they are.
fn renumber(sql: &str, offset: usize, out: &mut String) {
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                out.push(c);
                quote = Some(c);
            }
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = 0_usize;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    n = n * 10 + d as usize;
                    chars.next();
                }
                out.push('$');
                out.push_str(&(n + offset).to_string());
            }
            None => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::renumber;

    #[test]
    fn renumbering_moves_every_placeholder_and_leaves_quoted_text_alone() {
        let mut out = String::new();
        renumber(
            "SELECT $1, '$2 costs', \"$3\", json_extract(p, '$.a') FROM t WHERE a = $12",
            10,
            &mut out,
        );
        assert_eq!(
            out,
            "SELECT $11, '$2 costs', \"$3\", json_extract(p, '$.a') FROM t WHERE a = $22"
        );
    }
}

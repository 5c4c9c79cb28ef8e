//! SQLite's hot reads on connections of their own, driven directly (issue 17).
//!
//! sqlx-sqlite runs each connection on a worker thread of its own, sends every row back through
//! a channel and decodes every value through its type-erased row: for a page of 100 issues of 36
//! columns most of the server's CPU went there, not into SQLite. The reads that most requests
//! make, one statement each (the list's page, so also the overdue sweep, and a token's holder),
//! run here instead: a read-only connection from an idle stack, driven for the whole statement
//! on tokio's blocking pool, each value decoded straight from SQLite's by column index. A point
//! read (one row by a unique key) is driven on the thread that asks, without the hop there and
//! back, unless it would have to wait (see [`Readers::try_here`]).
//!
//! Same SQL with the same `$n` placeholders, values bound as sqlx encodes them and read as sqlx
//! decodes them, so a read returns the same rows on either path (the conformance suite compares
//! them).
//! Both drivers link the one bundled SQLite of `libsqlite3-sys`.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, SecondsFormat, TimeZone, Utc};
use rusqlite::types::{FromSqlError, ValueRef};
use rusqlite::{Connection, ErrorCode, OpenFlags, Row, Statement};
use tokio::sync::Semaphore;

use crate::backend::Arg;
use crate::error::StoreError;

/// Prepared statements kept per connection: the list's shapes (one per combination of
/// filters) and the token lookup.
const STATEMENTS_KEPT: usize = 64;

/// How long a read on the blocking pool waits for a lock (a WAL being recovered) before it
/// fails: as long as the writer's.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How much of the file a read connection maps into memory (SQLite's `mmap_size`).
///
/// Without a map, every page SQLite's small cache of its own (2 MB a connection) does not hold
/// is a `read()` that copies 4 KiB out of the kernel's page cache: a quarter of the time of
/// reading every overdue issue of a million (a page for each, scattered), more than SQLite's
/// own stepping (issue 17, `perf`). Through the map a page is read where the kernel keeps it.
/// Only the database file is mapped, never the WAL, and a read-only connection never writes
/// through it. The pages it touches count in the process's resident size as file pages the
/// kernel may drop at any time, not as memory of its own.
const MAPPED_BYTES: i64 = 1 << 30;

/// A row type read on this path: its columns, in the order the statement returns them.
pub(crate) trait FromLite: Sized + Send + 'static {
    /// The names of the columns the statement must return, in order (checked on every read,
    /// so a statement and its row type cannot drift apart).
    const COLUMNS: &'static [&'static str];

    fn from_lite(row: &Row<'_>) -> rusqlite::Result<Self>;
}

/// Implements [`FromLite`] for a struct whose fields are the statement's columns, in order.
macro_rules! from_lite {
    ($row:ident { $($field:ident),* $(,)? }) => {
        impl $crate::readers::FromLite for $row {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            fn from_lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                let mut index = 0;
                $(
                    let $field = $crate::readers::column(row, index)?;
                    index += 1;
                )*
                let _ = index;
                Ok(Self { $($field),* })
            }
        }
    };
    // The same, and sqlx's `FromRow` for both backends' rows (in place of the derive).
    (sqlx $row:ident { $($field:ident),* $(,)? }) => {
        $crate::readers::from_lite!($row { $($field),* });
        $crate::readers::from_lite!(@sqlx sqlx::postgres::PgRow, try_get_unchecked, $row { $($field),* });
        $crate::readers::from_lite!(@sqlx sqlx::sqlite::SqliteRow, try_get, $row { $($field),* });
    };
    // sqlx's `FromRow` (for a row type that is `FromLite` too) by column index when the row's
    // columns are the fields, in order (a statement that selects exactly them): sqlx otherwise
    // finds each column by its name, a hash lookup per column and row, which was a third of a
    // list's decoding on PostgreSQL.
    // Any other row (a join that selects the fields among others) is read by name.
    // PostgreSQL's values are decoded without sqlx's check of the column's type against the
    // field's: the names are checked, and a value of another type fails to decode all the
    // same (binary values of the wrong length), where SQLite's, typed per value, keep it.
    (@sqlx $sqlx_row:ty, $get:ident, $row:ident { $($field:ident),* $(,)? }) => {
        impl<'r> sqlx::FromRow<'r, $sqlx_row> for $row {
            fn from_row(row: &'r $sqlx_row) -> Result<Self, sqlx::Error> {
                use sqlx::{Column as _, Row as _};
                let names = <$row as $crate::readers::FromLite>::COLUMNS;
                let columns = row.columns();
                let in_order = columns.len() == names.len()
                    && columns.iter().zip(names).all(|(c, name)| c.name() == *name);
                if !in_order {
                    return Ok(Self { $($field: row.try_get(stringify!($field))?),* });
                }
                let mut index = 0;
                $(
                    let $field = row.$get(index)?;
                    index += 1;
                )*
                let _ = index;
                Ok(Self { $($field),* })
            }
        }
    };
}
pub(crate) use from_lite;

/// A value of a column, decoded as sqlx decodes it.
pub(crate) trait LiteValue: Sized {
    fn from_value(value: ValueRef<'_>) -> Result<Self, FromSqlError>;
}

/// Column `index` of `row`, decoded.
pub(crate) fn column<T: LiteValue>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let value = row.get_ref(index)?;
    T::from_value(value).map_err(|e| match e {
        FromSqlError::InvalidType => {
            rusqlite::Error::InvalidColumnType(index, format!("#{index}"), value.data_type())
        }
        other => rusqlite::Error::FromSqlConversionFailure(index, value.data_type(), other.into()),
    })
}

impl LiteValue for i64 {
    fn from_value(value: ValueRef<'_>) -> Result<Self, FromSqlError> {
        match value {
            ValueRef::Integer(v) => Ok(v),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

/// sqlx stores a `bool` as the integer 0 or 1.
impl LiteValue for bool {
    fn from_value(value: ValueRef<'_>) -> Result<Self, FromSqlError> {
        i64::from_value(value).map(|v| v != 0)
    }
}

impl LiteValue for String {
    fn from_value(value: ValueRef<'_>) -> Result<Self, FromSqlError> {
        match value {
            ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                .map(str::to_owned)
                .map_err(|e| FromSqlError::Other(Box::new(e))),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

/// sqlx-sqlite's decoding of an instant: RFC 3339 text (what it writes), SQLite's own text
/// forms, Unix seconds, or a Julian day.
impl LiteValue for DateTime<Utc> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, FromSqlError> {
        if let ValueRef::Text(bytes) = value {
            if let Some(at) = utc_as_written(bytes) {
                return Ok(at);
            }
        }
        let at = match value {
            ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok().and_then(instant_from_text),
            ValueRef::Integer(seconds) => Utc.fix().timestamp_opt(seconds, 0).single(),
            ValueRef::Real(day) => instant_from_julian_day(day),
            _ => return Err(FromSqlError::InvalidType),
        };
        at.map(|at| at.with_timezone(&Utc))
            .ok_or_else(|| FromSqlError::Other("invalid datetime".into()))
    }
}

/// The one form sqlx writes an instant in (`to_rfc3339_opts(AutoSi, false)`:
/// `2026-11-27T04:00:00.123456+00:00`, with 0, 3, 6 or 9 digits of fraction), read by hand; any
/// other text is `None` and goes to [`instant_from_text`]. A page of issues holds about ten
/// instants a row, and chrono's general parser was a third of decoding one (issue 17).
fn utc_as_written(text: &[u8]) -> Option<DateTime<Utc>> {
    let (stamp, offset) = text.split_at_checked(text.len().checked_sub(6)?)?;
    if offset != b"+00:00" || stamp.len() < 19 {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        stamp.get(range)?.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(i, c)| stamp[i] != c) {
        return None;
    }
    let nanos = match stamp.get(19..) {
        Some([]) => 0,
        Some([b'.', fraction @ ..]) if matches!(fraction.len(), 3 | 6 | 9) => {
            let n = digits(20..stamp.len())?;
            n * 10u32.pow(9 - u32::try_from(fraction.len()).ok()?)
        }
        _ => return None,
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)?;
    let time = chrono::NaiveTime::from_hms_nano_opt(
        digits(11..13)?,
        digits(14..16)?,
        digits(17..19)?,
        nanos,
    )?;
    Some(date.and_time(time).and_utc())
}

fn instant_from_text(text: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at);
    }
    const FORMATS: [&str; 12] = [
        "%F %T%.f",
        "%F %R",
        "%F %RZ",
        "%F %R%:z",
        "%F %T%.fZ",
        "%F %T%.f%:z",
        "%FT%R",
        "%FT%RZ",
        "%FT%R%:z",
        "%FT%T%.f",
        "%FT%T%.fZ",
        "%FT%T%.f%:z",
    ];
    FORMATS.iter().find_map(|format| {
        DateTime::parse_from_str(text, format).ok().or_else(|| {
            NaiveDateTime::parse_from_str(text, format)
                .ok()
                .map(|naive| Utc.fix().from_utc_datetime(&naive))
        })
    })
}

fn instant_from_julian_day(day: f64) -> Option<DateTime<FixedOffset>> {
    const UNIX_EPOCH_DAY: f64 = 2_440_587.5;
    let seconds = (day - UNIX_EPOCH_DAY) * 86_400.0;
    if !seconds.is_finite() {
        return None;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (whole, nanos) = (seconds.trunc() as i64, (seconds.fract() * 1e9).abs() as u32);
    Utc.fix().timestamp_opt(whole, nanos).single()
}

/// A JSON column (an event's payload), decoded straight from SQLite's text as sqlx does.
impl<T: serde::de::DeserializeOwned> LiteValue for sqlx::types::Json<T> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, FromSqlError> {
        match value {
            ValueRef::Text(bytes) | ValueRef::Blob(bytes) => serde_json::from_slice(bytes)
                .map(sqlx::types::Json)
                .map_err(|e| FromSqlError::Other(Box::new(e))),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

impl<T: LiteValue> LiteValue for Option<T> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, FromSqlError> {
        match value {
            ValueRef::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// The read-only connections of one SQLite file, at most `permits` in use at once.
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

impl fmt::Debug for Readers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Readers")
            .field("path", &self.path)
            .field("available", &self.permits.available_permits())
            .finish()
    }
}

impl Readers {
    /// Connections are opened when first needed: after the writer has made the file and put
    /// it in WAL mode.
    pub(crate) fn new(path: PathBuf, max: usize) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(max.max(1))),
        }
    }

    /// Drops the idle connections and refuses further reads.
    pub(crate) fn close(&self) {
        self.permits.close();
        self.idle_stack().clear();
    }

    /// Every row of `sql`.
    pub(crate) async fn fetch_all<T: FromLite>(
        self: &Arc<Self>,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, StoreError> {
        let sql = sql.to_owned();
        self.run(move |conn| query(conn, &sql, &args, usize::MAX))
            .await
    }

    /// The first row of `sql`, if any: a point read (a token's holder, one issue), run here on
    /// the calling thread when it can be (see [`Readers::try_here`]), else on the blocking pool.
    pub(crate) async fn fetch_optional<T: FromLite>(
        self: &Arc<Self>,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>, StoreError> {
        if let Some(done) = self.try_here(|conn| query(conn, sql, &args, 1)) {
            return Ok(done?.into_iter().next());
        }
        let sql = sql.to_owned();
        let rows = self.run(move |conn| query(conn, &sql, &args, 1)).await?;
        Ok(rows.into_iter().next())
    }

    /// Runs a short read `f` right here, on the async thread that asks, if a connection is
    /// idle and nothing makes it wait: `None` otherwise, and the caller takes the blocking
    /// pool.
    ///
    /// A hop to the blocking pool and back is two context switches, and in the server they
    /// were the largest cost of a request after SQLite's own work: a fifth of its CPU went to
    /// switching threads (issue 17, `perf` during the report test). A point read by a unique
    /// index takes a few tens of microseconds, less than the hop. It must never wait, though,
    /// or it would hold up every task of the thread: while it runs here the connection does
    /// not wait on a lock (no busy timeout), and a database that is busy (a WAL being
    /// recovered) sends the read to the pool, where it may wait. A connection is opened only
    /// there, too (opening is file I/O).
    fn try_here<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Option<Result<T, StoreError>> {
        let permit = Arc::clone(&self.permits).try_acquire_owned().ok()?;
        let conn = self.idle_stack().pop()?;
        let out = self.drive(conn, Duration::ZERO, f);
        drop(permit);
        match out {
            Err(e) if is_busy(&e) => None,
            out => Some(out),
        }
    }

    /// Runs `f` in one read transaction on one connection, on the blocking pool: every
    /// statement it runs sees the same snapshot, as in a [`Tx`](crate::backend::Tx) of
    /// `begin_read`, without sqlx's cost per row. For a long read that streams its rows to the
    /// async side (a report's event feed) through a channel of its own.
    pub(crate) async fn in_snapshot<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Snapshot<'_>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.run(move |conn| {
            conn.execute_batch("BEGIN").map_err(lite_error)?;
            let out = f(&Snapshot { conn });
            // Nothing was written: ending the transaction either way only releases the
            // snapshot, and a failure to do so must not hide `f`'s own error.
            let end = conn.execute_batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
            match (out, end) {
                (Ok(_), Err(e)) => Err(lite_error(e)),
                (out, _) => out,
            }
        })
        .await
    }

    /// Runs `f` on `conn`, which waits up to `wait` for a lock, then gives `conn` back to the
    /// idle stack (unless the readers were closed meanwhile).
    fn drive<T>(
        &self,
        conn: Connection,
        wait: Duration,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let out = conn
            .busy_timeout(wait)
            .map_err(lite_error)
            .and_then(|()| f(&conn));
        if !self.permits.is_closed() {
            self.idle_stack().push(conn);
        }
        out
    }

    fn idle_stack(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // A panic while holding the lock leaves the stack whole: push and pop only.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(lite_error)?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
        // The pragma answers with the size it set (less where SQLite was built with a lower
        // ceiling), a row `pragma_update` would refuse.
        conn.pragma_update_and_check(None, "mmap_size", MAPPED_BYTES, |row| row.get::<_, i64>(0))
            .map_err(lite_error)?;
        Ok(conn)
    }

    /// Runs `f` on an idle connection (or a new one) on the blocking pool.
    async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        let readers = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let taken = readers.idle_stack().pop();
            let conn = match taken {
                Some(conn) => conn,
                None => readers.open()?,
            };
            // The wait a read run in place does without (see `try_here`).
            readers.drive(conn, BUSY_TIMEOUT, f)
        })
        .await;
        match joined {
            Ok(out) => out,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(StoreError::Database(sqlx::Error::PoolClosed)),
        }
    }
}

/// A read transaction on one connection (see [`Readers::in_snapshot`]).
pub(crate) struct Snapshot<'c> {
    conn: &'c Connection,
}

impl Snapshot<'_> {
    /// Hands each row of `sql` to `f` as it is read, until the rows end or `f` says to stop
    /// (`Ok(false)`: whoever took the rows has gone) or fails.
    pub(crate) fn for_each<T: FromLite>(
        &self,
        sql: &str,
        args: Vec<Arg>,
        mut f: impl FnMut(T) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(lite_error)?;
        check_columns::<T>(&stmt)?;
        bind_all(&mut stmt, &args)?;
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().map_err(lite_error)? {
            if !f(T::from_lite(row).map_err(lite_error)?)? {
                break;
            }
        }
        Ok(())
    }
}

/// The rows of `sql` with `args` bound, at most `max` of them.
fn query<T: FromLite>(
    conn: &Connection,
    sql: &str,
    args: &[Arg],
    max: usize,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(lite_error)?;
    check_columns::<T>(&stmt)?;
    bind_all(&mut stmt, args)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while out.len() < max {
        match rows.next().map_err(lite_error)? {
            Some(row) => out.push(T::from_lite(row).map_err(lite_error)?),
            None => break,
        }
    }
    Ok(out)
}

fn check_columns<T: FromLite>(stmt: &Statement<'_>) -> Result<(), StoreError> {
    let names = stmt.column_names();
    let same = names.len() == T::COLUMNS.len()
        && names
            .iter()
            .zip(T::COLUMNS)
            .all(|(got, want)| got.eq_ignore_ascii_case(want));
    if same {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!(
            "a read returns the columns {names:?}, its row type reads {:?}",
            T::COLUMNS
        )))
    }
}

/// Binds `args` as sqlx does: parameter `$n` (or `?n`) takes `args[n - 1]`, an unnamed one the
/// next value, and one past the values stays NULL.
fn bind_all(stmt: &mut Statement<'_>, args: &[Arg]) -> Result<(), StoreError> {
    let mut next = 0;
    for index in 1..=stmt.parameter_count() {
        let n = match stmt.parameter_name(index) {
            Some(name) => name
                .strip_prefix('$')
                .or_else(|| name.strip_prefix('?'))
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("unsupported SQL parameter name {name}"))
                })?,
            None => {
                next += 1;
                next
            }
        };
        let Some(arg) = n.checked_sub(1).and_then(|i| args.get(i)) else {
            break;
        };
        bind(stmt, index, arg).map_err(lite_error)?;
    }
    Ok(())
}

/// One value, encoded as sqlx-sqlite encodes it.
fn bind(stmt: &mut Statement<'_>, index: usize, arg: &Arg) -> rusqlite::Result<()> {
    match arg {
        Arg::Int(v) => stmt.raw_bind_parameter(index, v),
        Arg::Text(v) => stmt.raw_bind_parameter(index, v.as_deref()),
        Arg::Time(v) => stmt.raw_bind_parameter(
            index,
            v.map(|at| at.to_rfc3339_opts(SecondsFormat::AutoSi, false)),
        ),
        Arg::Bool(v) => stmt.raw_bind_parameter(index, i64::from(*v)),
        Arg::Json(v) => stmt.raw_bind_parameter(index, v.to_string()),
        Arg::Bytes(v) => stmt.raw_bind_parameter(index, v.as_deref()),
        Arg::Real(v) => stmt.raw_bind_parameter(index, v),
    }
}

/// Whether `e` is SQLite's "the database is locked" (busy or locked), which a read run with
/// no busy timeout answers instead of waiting.
fn is_busy(e: &StoreError) -> bool {
    let StoreError::Database(sqlx::Error::Io(io)) = e else {
        return false;
    };
    io.get_ref()
        .and_then(|inner| inner.downcast_ref::<rusqlite::Error>())
        .and_then(rusqlite::Error::sqlite_error_code)
        .is_some_and(|code| matches!(code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

/// rusqlite's errors as the store's: a value that does not decode is corrupt data (as sqlx's
/// decode errors are), a busy or unreachable database unavailable, the rest a database failure.
fn lite_error(e: rusqlite::Error) -> StoreError {
    use rusqlite::Error as E;
    let e = match e {
        E::FromSqlConversionFailure(..)
        | E::IntegralValueOutOfRange(..)
        | E::InvalidColumnType(..)
        | E::Utf8Error(_) => sqlx::Error::Decode(Box::new(e)),
        E::SqliteFailure(failure, _)
            if matches!(
                failure.code,
                ErrorCode::DatabaseBusy
                    | ErrorCode::DatabaseLocked
                    | ErrorCode::CannotOpen
                    | ErrorCode::SystemIoFailure
            ) =>
        {
            sqlx::Error::Io(std::io::Error::other(e))
        }
        other => sqlx::Error::Protocol(other.to_string()),
    };
    StoreError::Database(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read connection reads the file through a map of [`MAPPED_BYTES`] (SQLite's default
    /// maps nothing), and still reads what the writer wrote.
    #[tokio::test]
    async fn read_connections_map_the_file() {
        let dir = std::env::temp_dir().join(format!("gridloop-mmap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("map.db");
        let store = crate::Store::connect(&format!("sqlite://{}", path.display()))
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        let readers = Arc::new(Readers::new(path, 1));
        let (mapped, tables) = readers
            .run(|conn| {
                let mapped = conn
                    .pragma_query_value(None, "mmap_size", |row| row.get::<_, i64>(0))
                    .map_err(lite_error)?;
                let tables = conn
                    .query_row(
                        "SELECT COUNT(*) FROM sqlite_master WHERE name = 'issues'",
                        [],
                        |row| row.get::<_, i64>(0),
                    )
                    .map_err(lite_error)?;
                Ok((mapped, tables))
            })
            .await
            .expect("read");
        assert_eq!(mapped, MAPPED_BYTES);
        assert_eq!(tables, 1);
        readers.close();
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// One integer column, for the tests' own tables.
    struct One {
        x: i64,
    }
    from_lite!(One { x });

    /// A point read runs on the asking thread without waiting for a lock; one that finds the
    /// file locked is neither refused nor left to hold that thread: it goes to the blocking
    /// pool and waits there, as every read used to, then reads what the lock's holder wrote.
    #[tokio::test]
    async fn a_point_read_that_finds_the_file_locked_waits_for_it_on_the_blocking_pool() {
        let dir = std::env::temp_dir().join(format!("gridloop-busy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("busy.db");
        // A rollback-journal file: a writer's exclusive lock keeps its readers out (under WAL,
        // which the store uses, only a WAL being recovered does).
        let writer = Connection::open(&path).expect("open");
        writer
            .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
            .expect("seed");
        let readers = Arc::new(Readers::new(path, 2));
        let read = || readers.fetch_optional::<One>("SELECT x FROM t ORDER BY x DESC", vec![]);
        // Free, it is read here, on a connection the first read left idle.
        assert_eq!(read().await.expect("read").map(|r| r.x), Some(1));
        assert_eq!(readers.idle_stack().len(), 1);

        writer
            .execute_batch("BEGIN EXCLUSIVE; INSERT INTO t VALUES (2);")
            .expect("lock");
        assert!(readers
            .try_here(|conn| query::<One>(conn, "SELECT x FROM t", &[], 1))
            .is_none());
        let unlock = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            writer.execute_batch("COMMIT").expect("commit");
        });
        let started = std::time::Instant::now();
        let got = read()
            .await
            .expect("a locked file is waited for, not refused");
        assert_eq!(got.map(|r| r.x), Some(2));
        assert!(started.elapsed() >= Duration::from_millis(250));
        unlock.join().expect("unlock");
        readers.close();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn instants_decode_as_sqlx_writes_and_reads_them() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 27, 4, 0, 0)
            .single()
            .expect("a valid instant")
            + chrono::Duration::microseconds(123_456);
        let written = at.to_rfc3339_opts(SecondsFormat::AutoSi, false);
        let read = DateTime::<Utc>::from_value(ValueRef::Text(written.as_bytes()));
        assert_eq!(read.ok(), Some(at));
        let sqlite_form = DateTime::<Utc>::from_value(ValueRef::Text(b"2026-11-27 04:00:00"));
        assert_eq!(
            sqlite_form.ok(),
            Some(at - chrono::Duration::microseconds(123_456))
        );
        let seconds = DateTime::<Utc>::from_value(ValueRef::Integer(0));
        assert_eq!(seconds.ok(), Some(DateTime::<Utc>::UNIX_EPOCH));
        assert!(DateTime::<Utc>::from_value(ValueRef::Text(b"yesterday")).is_err());
    }

    /// The hand-read form and chrono's parser agree on every form sqlx writes, and the hand
    /// reader declines (leaving it to chrono) whatever is not exactly that form.
    #[test]
    fn the_written_form_is_read_by_hand_exactly_as_chrono_reads_it() {
        let base = Utc
            .with_ymd_and_hms(2026, 2, 28, 23, 59, 59)
            .single()
            .expect("a valid instant");
        for extra in [
            0,
            1_000_000,
            123_000_000,
            123_456_000,
            123_456_789,
            999_999_999,
        ] {
            let at = base + chrono::Duration::nanoseconds(extra);
            let written = at.to_rfc3339_opts(SecondsFormat::AutoSi, false);
            assert_eq!(utc_as_written(written.as_bytes()), Some(at), "{written}");
            assert_eq!(
                DateTime::<Utc>::from_value(ValueRef::Text(written.as_bytes())).ok(),
                Some(at)
            );
        }
        for other in [
            "2026-11-27T04:00:00Z",
            "2026-11-27 04:00:00+00:00",
            "2026-11-27T04:00:00.1+00:00",
            "2026-11-27T04:00:00+08:00",
            "2026-02-30T04:00:00+00:00",
            "2026-11-27T24:00:00+00:00",
            "20x6-11-27T04:00:00+00:00",
            "+00:00",
            "",
        ] {
            assert_eq!(utc_as_written(other.as_bytes()), None, "{other}");
        }
        // Declined by hand, still read: the general path takes the other forms.
        let zulu = DateTime::<Utc>::from_value(ValueRef::Text(b"2026-11-27T04:00:00Z"));
        let offset = DateTime::<Utc>::from_value(ValueRef::Text(b"2026-11-27T12:00:00+08:00"));
        assert_eq!(zulu.ok(), offset.ok());
    }
}

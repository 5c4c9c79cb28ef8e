//! Reports on PostgreSQL, batched: the reports that arrive together are written by one
//! statement.
//!
//! A report is a read (the enterprise's grid, which the workflow needs to check the reporter's
//! scope) and four writes (the issue, its first event, the outbox rows that tell the
//! dispatchers, the client key). On PostgreSQL round trips and per-statement work, not the
//! disk, bound that: written one by one, reports peak at about a fifth of what the server
//! commits in one-row transactions. So each report reads alone (one round trip, autocommit)
//! and lets the workflow decide; then its rows join the queue, and the rows of every report
//! waiting there are written together by *one* statement: a data-modifying CTE over `unnest`
//! of one array per column, which PostgreSQL runs atomically in autocommit — one round trip
//! and one commit for the whole batch. The issue ids are drawn from the issues' sequence inside
//! the statement, one per row, so that each report's event, key and notices name its own issue.
//!
//! What holds, as for a report written alone:
//!
//! - Nothing is answered before it is committed: a report waits for its batch's statement.
//! - A report fails alone. Those refused by the read or the workflow (an unknown enterprise or
//!   category, a reporter out of scope) never join a batch. A batch the database refuses (a
//!   client key taken meanwhile, as when two reports with one key arrive together) wrote
//!   nothing, and each of its reports is written again on its own, so that only the faulty one
//!   fails. A batch that failed otherwise (the connection broke) may have been committed: its
//!   reports are told so, not written twice — as a report alone would be; a client retrying
//!   with its key finds out which.
//! - A client key seen before answers the earlier issue (`replayed`) or `KeyReuse`, as
//!   [`Tx::intake`] does.
//! - The rows are those [`Tx::intake`] writes: the same row encoders (`issue_args`,
//!   `event_args`) and the same outbox routing text (`routing_insert`). A report is expected to
//!   have one effect, telling the dispatchers; one that has others is written by `Tx::intake`.
//! - Bounded: a batch holds at most [`MAX_BATCH`] reports and at most [`MAX_IN_FLIGHT`]
//!   batches are written at once. Nothing waits for a batch to fill: a report waits only for
//!   the batches already being written, and one that finds a writer free is written at once.
//!
//! SQLite has no data-modifying CTEs and its cost is the fsync, which the `batch` module
//! amortises instead. This module is the store's one path written for a single dialect; it
//! reuses the shared column lists and encoders so that it cannot drift from the other.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use gridloop_core::{
    Actor, Audience, ClientKey, Effect, GridId, IssueId, NotificationKind, Workflow,
};
use sqlx::postgres::{PgArguments, PgPool};
use sqlx::query::QueryAs;
use sqlx::types::Json;
use sqlx::Postgres;
use tokio::sync::oneshot;

use crate::backend::{args, Arg, Pool};
use crate::effects::{dispatchers_condition, routing_insert, Slots, SMS_BY_DEFAULT};
use crate::error::StoreError;
use crate::issues::{decide_report, fingerprint, to_micros};
use crate::model::{NewIssue, Reported};
use crate::rows::{event_args, issue_args, stored, EVENT_COLUMNS, ISSUE_COLUMNS};

/// The most reports one statement writes.
const MAX_BATCH: usize = 64;

/// The most batches written at once. More than one, so that a batch is filled while another
/// waits for its commit; few, so that batches stay large and leave connections to the reads.
const MAX_IN_FLIGHT: usize = 2;

/// The kind of the notification a report sends.
const REPORTED: NotificationKind = NotificationKind::Reported;

/// The read before a report, in one query: the enterprise's grid (no row for an unknown
/// enterprise), the category if it exists, and the issue an earlier report of this reporter
/// with this client key created (`NULL` without a key).
const LOOKUP: &str = "SELECT e.grid_id, \
       (SELECT c.id FROM categories c WHERE c.id = $2), \
       (SELECT k.issue_id FROM issue_keys k WHERE k.reporter_id = $3 AND k.client_key = $4) \
     FROM enterprises e WHERE e.id = $1";

/// The columns of a batch row besides the issue's and the event's: the key's, the instant
/// the report was written at, and the dispatchers' notice's parameters and dedupe key suffix.
const REPORT_COLUMNS: [&str; 6] = [
    "k_reporter",
    "k_key",
    "k_fingerprint",
    "written_at",
    "n_params",
    "n_dedupe",
];

/// See the module doc. The outcomes are those of [`crate::Store::intake`].
pub(crate) async fn intake(
    pool: &Pool,
    workflow: &Workflow,
    actor: &Actor,
    new: NewIssue,
    now: DateTime<Utc>,
) -> Result<Reported, StoreError> {
    let Some((pg, reports)) = pool.postgres() else {
        return Err(StoreError::Corrupt(
            "the PostgreSQL report path was taken on SQLite".into(),
        ));
    };
    let now = to_micros(now);
    let fingerprint = fingerprint(&new);
    let key = new.client_key.as_ref().map(ClientKey::as_str);
    let found: Option<(i64, Option<i64>, Option<i64>)> = pool
        .fetch_optional_alone(
            LOOKUP,
            args![
                new.enterprise.get(),
                new.category.get(),
                actor.user.get(),
                key
            ],
        )
        .await?;
    let (grid, category, seen) =
        found.ok_or_else(|| StoreError::not_found("enterprise", new.enterprise))?;
    if category.is_none() {
        return Err(StoreError::not_found("category", new.category));
    }
    let grid = stored("enterprises", GridId::new(grid))?;
    let (event, mut issue, effects) = decide_report(workflow, actor, &new, grid, now)?;
    if seen.is_some() {
        if let Some(earlier) = earlier(pool, actor, &new, &fingerprint).await? {
            return Ok(earlier);
        }
    }
    if !matches!(
        effects.as_slice(),
        [Effect::Notify {
            audience: Audience::Dispatchers,
            kind: REPORTED
        }]
    ) {
        return in_a_transaction(pool, workflow, actor, new, now).await;
    }

    let mut values = issue_args(&issue);
    // The issue's id is the first event column; the statement fills it in.
    values.extend(event_args(issue.id, &event)?.into_iter().skip(1));
    values.extend(args![
        actor.user.get(),
        key,
        fingerprint.as_str(),
        now,
        serde_json::json!({
            "event": event.change.kind(),
            "version": event.version,
            "level": issue.escalation_level,
        }),
        format!(":v{}:{}", event.version, REPORTED.stored_name()),
    ]);
    match reports.write(pg, values).await {
        Ok(id) => {
            issue.id = stored("issues", IssueId::new(id))?;
            Ok(Reported {
                issue,
                replayed: false,
            })
        }
        // Another report with this key committed first (perhaps in the same batch).
        Err(e) if e.is_unique_violation() && new.client_key.is_some() => {
            earlier(pool, actor, &new, &fingerprint).await?.ok_or(e)
        }
        Err(e) if e.is_foreign_key_violation() => {
            Err(StoreError::not_found("category", new.category))
        }
        Err(e) => Err(e),
    }
}

/// The issue an earlier report with this report's client key created, as it is now, or
/// `KeyReuse` (see [`crate::Tx::reported_with_key`]).
async fn earlier(
    pool: &Pool,
    actor: &Actor,
    new: &NewIssue,
    fingerprint: &str,
) -> Result<Option<Reported>, StoreError> {
    let Some(key) = &new.client_key else {
        return Ok(None);
    };
    let mut tx = pool.begin_read().await?;
    let earlier = tx.reported_with_key(actor, key, fingerprint).await?;
    tx.commit().await?;
    Ok(earlier)
}

/// A report in a write transaction of its own, through [`crate::Tx::intake`].
async fn in_a_transaction(
    pool: &Pool,
    workflow: &Workflow,
    actor: &Actor,
    new: NewIssue,
    now: DateTime<Utc>,
) -> Result<Reported, StoreError> {
    let replay = new.clone();
    let mut tx = pool.begin_write().await?;
    match tx.intake(workflow, actor, new, now).await {
        Ok(reported) => {
            tx.commit().await?;
            Ok(reported)
        }
        Err(e) if e.is_unique_violation() => {
            drop(tx);
            let fingerprint = fingerprint(&replay);
            earlier(pool, actor, &replay, &fingerprint).await?.ok_or(e)
        }
        Err(e) => Err(e),
    }
}

/// The reports waiting to be written, and how many batches are being written.
#[derive(Debug, Default)]
pub(crate) struct PgReports {
    queue: Mutex<Queue>,
}

#[derive(Debug, Default)]
struct Queue {
    waiting: VecDeque<Waiting>,
    writers: usize,
}

/// A report's row values (the batch's columns, in order) and where its id is told.
#[derive(Debug)]
struct Waiting {
    values: Vec<Arg>,
    answer: oneshot::Sender<Result<i64, StoreError>>,
}

impl PgReports {
    /// Writes one report's rows with those waiting alongside; returns its issue's id once the
    /// batch holding it is committed.
    async fn write(self: &Arc<Self>, pool: &PgPool, values: Vec<Arg>) -> Result<i64, StoreError> {
        let (answer, told) = oneshot::channel();
        let start_writer = {
            let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.waiting.push_back(Waiting { values, answer });
            let free = queue.writers < MAX_IN_FLIGHT;
            if free {
                queue.writers += 1;
            }
            free
        };
        // The writer is a task of its own: a caller going away cannot cut a batch short.
        if start_writer {
            tokio::spawn(self.clone().drain(pool.clone()));
        }
        told.await.unwrap_or_else(|_| {
            Err(StoreError::Database(sqlx::Error::Protocol(
                "the batched report ended without an answer".into(),
            )))
        })
    }

    /// Writes batches while reports wait. The queue is checked and the writer retired under
    /// one lock, so that a report queued meanwhile always finds a writer.
    async fn drain(self: Arc<Self>, pool: PgPool) {
        loop {
            let batch: Vec<Waiting> = {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                if queue.waiting.is_empty() {
                    queue.writers -= 1;
                    return;
                }
                let n = queue.waiting.len().min(MAX_BATCH);
                queue.waiting.drain(..n).collect()
            };
            write_batch(&pool, batch).await;
        }
    }
}

/// Writes a batch and answers each of its reports (see the module doc for a failed batch).
async fn write_batch(pool: &PgPool, batch: Vec<Waiting>) {
    let (rows, answers): (Vec<Vec<Arg>>, Vec<_>) =
        batch.into_iter().map(|w| (w.values, w.answer)).unzip();
    match insert(pool, &rows).await {
        Ok(ids) => {
            for (answer, id) in answers.into_iter().zip(ids) {
                let _ = answer.send(Ok(id));
            }
        }
        Err(e) if rows.len() == 1 => {
            if let Some(answer) = answers.into_iter().next() {
                let _ = answer.send(Err(e));
            }
        }
        // Refused by the database: nothing was written; each report alone, to fail alone.
        Err(StoreError::Database(sqlx::Error::Database(_))) => {
            for (answer, row) in answers.into_iter().zip(&rows) {
                let alone = insert(pool, std::slice::from_ref(row)).await;
                let _ = answer.send(alone.map(|ids| ids[0]));
            }
        }
        Err(e) => {
            for answer in answers {
                let _ = answer.send(Err(for_each(&e)));
            }
        }
    }
}

/// The batch statement: its rows in, the id of each row's issue out, in row order.
async fn insert(pool: &PgPool, rows: &[Vec<Arg>]) -> Result<Vec<i64>, StoreError> {
    let columns = Column::transpose(rows)?;
    let sql = statement(&columns);
    let mut query = sqlx::query_as::<Postgres, (i64, i64)>(&sql);
    for column in columns {
        query = column.bind(query);
    }
    let written = query.fetch_all(pool).await?;
    let mut ids = vec![None; rows.len()];
    for (ord, id) in written {
        let slot = usize::try_from(ord - 1).ok().and_then(|i| ids.get_mut(i));
        if let Some(slot) = slot {
            *slot = Some(id);
        }
    }
    ids.into_iter()
        .collect::<Option<Vec<i64>>>()
        .ok_or_else(|| StoreError::Corrupt("a batch of reports lost a row".into()))
}

/// The statement writing a batch, for its columns' types. Its text depends only on those
/// types, which the encoders fix, so it is one prepared statement per connection.
fn statement(columns: &[Column]) -> String {
    let issue_columns: Vec<String> = ISSUE_COLUMNS.iter().map(|c| format!("i_{c}")).collect();
    let event_columns = &EVENT_COLUMNS[1..];
    let event_values: Vec<String> = event_columns.iter().map(|c| format!("e_{c}")).collect();
    let names: Vec<String> = issue_columns
        .iter()
        .chain(&event_values)
        .cloned()
        .chain(REPORT_COLUMNS.iter().map(|c| (*c).to_owned()))
        .collect();
    let arrays: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("${}::{}", i + 1, c.array_type()))
        .collect();
    let kind = format!("'{}'", REPORTED.stored_name());
    let sms_default = if SMS_BY_DEFAULT.contains(&REPORTED) {
        "TRUE"
    } else {
        "FALSE"
    };
    // The dispatchers' notice: the one routing text, reading each row's issue from `b`.
    let notify = routing_insert(
        dispatchers_condition(),
        &Slots {
            active: "TRUE",
            kind: &kind,
            params: "b.n_params",
            priority: "0",
            dedupe: "'issue:' || CAST(b.id AS TEXT) || b.n_dedupe",
            issue: "b.id",
            now: "b.written_at",
            sms_default,
            from: ", b",
        },
    );
    format!(
        "WITH b AS MATERIALIZED ( \
           SELECT nextval(pg_get_serial_sequence('issues', 'id')) AS id, r.* \
           FROM unnest({arrays}) WITH ORDINALITY AS r({names}, ord)), \
         i AS (INSERT INTO issues (id, {issue_columns}) OVERRIDING SYSTEM VALUE \
               SELECT id, {issue_values} FROM b ORDER BY ord), \
         e AS (INSERT INTO issue_events ({event_id}, {event_columns}) \
               SELECT id, {event_values} FROM b ORDER BY ord), \
         k AS (INSERT INTO issue_keys (reporter_id, client_key, fingerprint, issue_id, created_at) \
               SELECT k_reporter, k_key, k_fingerprint, id, written_at FROM b \
               WHERE k_key IS NOT NULL), \
         n AS ({notify}) \
         SELECT ord, id FROM b",
        arrays = arrays.join(", "),
        names = names.join(", "),
        issue_columns = ISSUE_COLUMNS.join(", "),
        issue_values = issue_columns.join(", "),
        event_id = EVENT_COLUMNS[0],
        event_columns = event_columns.join(", "),
        event_values = event_values.join(", "),
    )
}

/// One column of a batch: the values of its rows, as the PostgreSQL array bound for it.
#[derive(Debug)]
enum Column {
    Int(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
    Time(Vec<Option<DateTime<Utc>>>),
    Bool(Vec<bool>),
    Json(Vec<Json<serde_json::Value>>),
    Bytes(Vec<Option<Vec<u8>>>),
    Real(Vec<Option<f64>>),
}

impl Column {
    /// The rows' values, column by column; every row must have the first's types.
    fn transpose(rows: &[Vec<Arg>]) -> Result<Vec<Self>, StoreError> {
        let Some(first) = rows.first() else {
            return Ok(Vec::new());
        };
        let mut columns: Vec<Self> = first
            .iter()
            .map(|arg| Self::like(arg, rows.len()))
            .collect();
        for row in rows {
            if row.len() != columns.len() {
                return Err(mismatch());
            }
            for (column, arg) in columns.iter_mut().zip(row) {
                column.push(arg)?;
            }
        }
        Ok(columns)
    }

    fn like(arg: &Arg, capacity: usize) -> Self {
        match arg {
            Arg::Int(_) => Self::Int(Vec::with_capacity(capacity)),
            Arg::Text(_) => Self::Text(Vec::with_capacity(capacity)),
            Arg::Time(_) => Self::Time(Vec::with_capacity(capacity)),
            Arg::Bool(_) => Self::Bool(Vec::with_capacity(capacity)),
            Arg::Json(_) => Self::Json(Vec::with_capacity(capacity)),
            Arg::Bytes(_) => Self::Bytes(Vec::with_capacity(capacity)),
            Arg::Real(_) => Self::Real(Vec::with_capacity(capacity)),
        }
    }

    fn push(&mut self, arg: &Arg) -> Result<(), StoreError> {
        match (self, arg) {
            (Self::Int(c), Arg::Int(v)) => c.push(*v),
            (Self::Text(c), Arg::Text(v)) => c.push(v.clone()),
            (Self::Time(c), Arg::Time(v)) => c.push(*v),
            (Self::Bool(c), Arg::Bool(v)) => c.push(*v),
            (Self::Json(c), Arg::Json(v)) => c.push(Json(v.clone())),
            (Self::Bytes(c), Arg::Bytes(v)) => c.push(v.clone()),
            (Self::Real(c), Arg::Real(v)) => c.push(*v),
            _ => return Err(mismatch()),
        }
        Ok(())
    }

    fn array_type(&self) -> &'static str {
        match self {
            Self::Int(_) => "bigint[]",
            Self::Text(_) => "text[]",
            Self::Time(_) => "timestamptz[]",
            Self::Bool(_) => "boolean[]",
            Self::Json(_) => "jsonb[]",
            Self::Bytes(_) => "bytea[]",
            Self::Real(_) => "double precision[]",
        }
    }

    fn bind<'q, O>(
        self,
        query: QueryAs<'q, Postgres, O, PgArguments>,
    ) -> QueryAs<'q, Postgres, O, PgArguments> {
        match self {
            Self::Int(v) => query.bind(v),
            Self::Text(v) => query.bind(v),
            Self::Time(v) => query.bind(v),
            Self::Bool(v) => query.bind(v),
            Self::Json(v) => query.bind(v),
            Self::Bytes(v) => query.bind(v),
            Self::Real(v) => query.bind(v),
        }
    }
}

fn mismatch() -> StoreError {
    StoreError::Corrupt("the reports of a batch do not have the same columns".into())
}

/// A failure of the batch statement told to each of its reports (`StoreError` is not
/// `Clone`), keeping what tells a retry it may help.
fn for_each(e: &StoreError) -> StoreError {
    let told = match e {
        StoreError::Database(sqlx::Error::PoolTimedOut) => sqlx::Error::PoolTimedOut,
        StoreError::Database(sqlx::Error::PoolClosed) => sqlx::Error::PoolClosed,
        StoreError::Database(sqlx::Error::WorkerCrashed) => sqlx::Error::WorkerCrashed,
        StoreError::Database(sqlx::Error::Io(io)) => {
            sqlx::Error::Io(std::io::Error::new(io.kind(), io.to_string()))
        }
        StoreError::Corrupt(what) => return StoreError::Corrupt(what.clone()),
        _ => sqlx::Error::Protocol(format!("the batched report failed: {e}")),
    };
    StoreError::Database(told)
}

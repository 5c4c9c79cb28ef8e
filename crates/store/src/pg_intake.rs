//! Reports on PostgreSQL, batched: the reports that arrive together are read by one statement
//! and written by one statement.
//!
//! A report is a read (the enterprise's grid, which the workflow needs to check the reporter's
//! scope; whether the category exists; whether the client key was seen) and four writes (the
//! issue, its first event, the outbox rows that tell the dispatchers, the client key). On
//! PostgreSQL round trips and per-statement work, not the disk, bound that: written one by
//! one, reports peak at about a fifth of what the server commits in one-row transactions. So
//! reports queue twice. First for the read: the reads of every report waiting are one query
//! over `unnest` of their keys. Then each report lets the workflow decide, and its rows queue
//! for the write: the rows of every report waiting are one statement, a data-modifying CTE over
//! `unnest` of one array per column, which PostgreSQL runs atomically in autocommit — one round
//! trip and one commit for the whole batch. The issue ids are drawn from the issues' sequence
//! inside the statement, one per row, so that each report's event, key and notices name its
//! own issue.
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
//!   batches of each kind are read or written at once. Nothing waits for a batch to fill: a report waits only for
//!   the batches already under way, and one that finds a task free is served at once.
//!
//! SQLite has no data-modifying CTEs and its cost is the fsync, which the `batch` module
//! amortises instead. This module is the store's one path written for a single dialect; it
//! reuses the shared column lists and encoders so that it cannot drift from the other.

use std::collections::VecDeque;
use std::future::Future;
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

/// The reads before a batch of reports, in one query over their `(enterprise, category,
/// reporter, client key)`: for each, by its ordinal, the enterprise's grid (`NULL` for an unknown
/// enterprise), the category if it exists, and the issue an earlier report of this reporter
/// with this client key created (`NULL` without a key).
const LOOKUP: &str = "SELECT q.ord, e.grid_id, c.id, k.issue_id \
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[]) \
       WITH ORDINALITY AS q(enterprise, category, reporter, client_key, ord) \
     LEFT JOIN enterprises e ON e.id = q.enterprise \
     LEFT JOIN categories c ON c.id = q.category \
     LEFT JOIN issue_keys k ON k.reporter_id = q.reporter AND k.client_key = q.client_key";

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
    let found = reports
        .lookups
        .submit(
            pg,
            Lookup {
                enterprise: new.enterprise.get(),
                category: new.category.get(),
                reporter: actor.user.get(),
                key: key.map(str::to_owned),
            },
        )
        .await?;
    let (Some(grid), category, seen) = found else {
        return Err(StoreError::not_found("enterprise", new.enterprise));
    };
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
    match reports.rows.submit(pg, Row(values)).await {
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

/// The reports waiting to be read and to be written.
#[derive(Debug, Default)]
pub(crate) struct PgReports {
    lookups: Arc<Batches<Lookup>>,
    rows: Arc<Batches<Row>>,
}

/// Requests served a batch at a time: one statement for many.
trait Batched: Sized + Send + Sync + std::fmt::Debug + 'static {
    type Answer: Send + std::fmt::Debug + 'static;

    /// The answers to a batch's requests, one each, in order.
    fn serve(
        pool: &PgPool,
        batch: &[Self],
    ) -> impl Future<Output = Vec<Result<Self::Answer, StoreError>>> + Send;
}

/// The requests waiting, and how many tasks are serving batches of them.
#[derive(Debug)]
struct Batches<R: Batched> {
    queue: Mutex<Queue<R>>,
}

impl<R: Batched> Default for Batches<R> {
    fn default() -> Self {
        Self {
            queue: Mutex::new(Queue {
                waiting: VecDeque::new(),
                serving: 0,
            }),
        }
    }
}

/// Where a request's answer is told.
type Answering<R> = oneshot::Sender<Result<<R as Batched>::Answer, StoreError>>;

#[derive(Debug)]
struct Queue<R: Batched> {
    waiting: VecDeque<(R, Answering<R>)>,
    serving: usize,
}

impl<R: Batched> Batches<R> {
    /// Queues a request and returns its answer once the batch holding it is served.
    async fn submit(self: &Arc<Self>, pool: &PgPool, request: R) -> Result<R::Answer, StoreError> {
        let (answer, told) = oneshot::channel();
        let start = {
            let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.waiting.push_back((request, answer));
            let free = queue.serving < MAX_IN_FLIGHT;
            if free {
                queue.serving += 1;
            }
            free
        };
        // A task of its own: a caller going away cannot cut a batch short.
        if start {
            tokio::spawn(self.clone().drain(pool.clone()));
        }
        told.await.unwrap_or_else(|_| {
            Err(StoreError::Database(sqlx::Error::Protocol(
                "the batched report ended without an answer".into(),
            )))
        })
    }

    /// Serves batches while requests wait. The queue is checked and the task retired under
    /// one lock, so that a request queued meanwhile always finds a task.
    async fn drain(self: Arc<Self>, pool: PgPool) {
        loop {
            let (requests, answers): (Vec<R>, Vec<_>) = {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                if queue.waiting.is_empty() {
                    queue.serving -= 1;
                    return;
                }
                let n = queue.waiting.len().min(MAX_BATCH);
                queue.waiting.drain(..n).unzip()
            };
            let answered = R::serve(&pool, &requests).await;
            for (answer, result) in answers.into_iter().zip(answered) {
                let _ = answer.send(result);
            }
        }
    }
}

/// What a report reads first (see [`LOOKUP`]).
#[derive(Debug)]
struct Lookup {
    enterprise: i64,
    category: i64,
    reporter: i64,
    key: Option<String>,
}

/// The enterprise's grid, the category, the issue of an earlier report with the key.
type Found = (Option<i64>, Option<i64>, Option<i64>);

impl Batched for Lookup {
    type Answer = Found;

    async fn serve(pool: &PgPool, batch: &[Self]) -> Vec<Result<Found, StoreError>> {
        let read = sqlx::query_as::<Postgres, (i64, Option<i64>, Option<i64>, Option<i64>)>(LOOKUP)
            .bind(batch.iter().map(|l| l.enterprise).collect::<Vec<_>>())
            .bind(batch.iter().map(|l| l.category).collect::<Vec<_>>())
            .bind(batch.iter().map(|l| l.reporter).collect::<Vec<_>>())
            .bind(batch.iter().map(|l| l.key.clone()).collect::<Vec<_>>())
            .fetch_all(pool)
            .await;
        match read {
            Ok(rows) => {
                let mut found = vec![(None, None, None); batch.len()];
                for (ord, grid, category, seen) in rows {
                    let slot = usize::try_from(ord - 1).ok().and_then(|i| found.get_mut(i));
                    if let Some(slot) = slot {
                        *slot = (grid, category, seen);
                    }
                }
                found.into_iter().map(Ok).collect()
            }
            Err(e) => {
                let e = StoreError::from(e);
                batch.iter().map(|_| Err(for_each(&e))).collect()
            }
        }
    }
}

/// A report's row values: the batch statement's columns, in order.
#[derive(Debug)]
struct Row(Vec<Arg>);

impl Batched for Row {
    type Answer = i64;

    /// Writes a batch; see the module doc for a failed one.
    async fn serve(pool: &PgPool, batch: &[Self]) -> Vec<Result<i64, StoreError>> {
        let rows: Vec<&[Arg]> = batch.iter().map(|r| r.0.as_slice()).collect();
        match insert(pool, &rows).await {
            Ok(ids) => ids.into_iter().map(Ok).collect(),
            Err(e) if rows.len() == 1 => vec![Err(e)],
            // Refused by the database: nothing was written; each report alone, to fail alone.
            Err(StoreError::Database(sqlx::Error::Database(_))) => {
                let mut answers = Vec::with_capacity(rows.len());
                for row in rows {
                    let alone = insert(pool, &[row]).await;
                    answers.push(alone.and_then(|ids| ids.into_iter().next().ok_or_else(lost)));
                }
                answers
            }
            Err(e) => rows.iter().map(|_| Err(for_each(&e))).collect(),
        }
    }
}

/// The batch statement: its rows in, the id of each row's issue out, in row order.
async fn insert(pool: &PgPool, rows: &[&[Arg]]) -> Result<Vec<i64>, StoreError> {
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
        .ok_or_else(lost)
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
    fn transpose(rows: &[&[Arg]]) -> Result<Vec<Self>, StoreError> {
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
            for (column, arg) in columns.iter_mut().zip(row.iter()) {
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

fn lost() -> StoreError {
    StoreError::Corrupt("a batch of reports lost a row".into())
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

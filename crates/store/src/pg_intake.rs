//! Reports on PostgreSQL: a report alone in two round trips, concurrent ones in one statement.
//!
//! A report is a read (the enterprise's grid, which the workflow needs to check the reporter's
//! scope) and three inserts (issue, first event, client key). Written as one transaction that
//! is BEGIN, SELECT, three INSERTs and COMMIT: six round trips, and round trips, not the disk,
//! bound PostgreSQL here. So the inserts — with the outbox rows that tell the dispatchers — are
//! one statement: a data-modifying CTE, which PostgreSQL runs atomically in autocommit. A
//! replayed client key fails that statement on the unique index and nothing of it is written;
//! an unknown category fails its foreign key the same way. SQLite has no data-modifying CTEs;
//! its batches are a few multi-row statements (`sqlite_intake`).
//!
//! Issue 17: even so, each report paid a statement's whole cost, so reports that arrive together
//! are one statement over arrays of their rows (see the `intake` module for the batching, the
//! remembered grids and the fallbacks). Here: the one-row statement, and the batch's.
//!
//! These are the store's statements written for a single dialect; they reuse the shared insert
//! texts so the column lists cannot drift.

use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

use chrono::{DateTime, Utc};
use gridloop_core::{Actor, Event, GridId, Issue, IssueId, Workflow};
use sqlx::PgPool;

use crate::backend::{args, Arg, Pool};
use crate::effects::{dispatchers_condition, routing_insert, Slots, SMS_BY_DEFAULT};
use crate::error::StoreError;
use crate::intake::{at, is_only_reported, report_args, Written, REPORTED};
use crate::issues::{decide_report, fingerprint, to_micros, INSERT_EVENT, INSERT_ISSUE};
use crate::model::{NewIssue, Reported};
use crate::rows::{stored, EVENT_COLUMNS, ISSUE_COLUMNS};

/// Issue columns are `$1..$n`, the event's `$n+1..$n+7`, the key's `$n+8..$n+11` (the last
/// is `now`), the dispatchers' notification's parameters `$n+12`.
static REPORT: LazyLock<String> = LazyLock::new(|| {
    let n = ISSUE_COLUMNS.len();
    let event_columns = INSERT_EVENT
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(cols, _)| cols)
        .unwrap_or_default();
    let event_values: Vec<String> = (n + 1..=n + 7).map(|i| format!("${i}")).collect();
    // The report's one effect, "tell the dispatchers", routed to the outbox in the same
    // statement: the same routing text as every other notification, reading the new issue's id.
    let now = format!("${}", n + 11);
    let params = format!("${}", n + 12);
    let stored = REPORTED.stored_name();
    let dedupe = format!("'issue:' || CAST(i.id AS TEXT) || ':v1:{stored}'");
    let kind = format!("'{stored}'");
    let sms_default = if SMS_BY_DEFAULT.contains(&REPORTED) {
        "TRUE"
    } else {
        "FALSE"
    };
    let notify = routing_insert(
        dispatchers_condition(),
        &Slots {
            active: "TRUE",
            kind: &kind,
            params: &params,
            priority: "0",
            dedupe: &dedupe,
            issue: "i.id",
            now: &now,
            sms_default,
            from: ", i",
        },
    );
    format!(
        "WITH i AS ({issue}), \
         e AS (INSERT INTO issue_events ({event_columns}) SELECT i.id, {event_values} FROM i), \
         k AS (INSERT INTO issue_keys (reporter_id, client_key, fingerprint, issue_id, created_at) \
               SELECT ${k1}, ${k2}, ${k3}, i.id, ${k4} FROM i WHERE ${k2}::text IS NOT NULL), \
         n AS ({notify}) \
         SELECT id FROM i",
        issue = INSERT_ISSUE.as_str(),
        event_values = event_values.join(", "),
        k1 = n + 8,
        k2 = n + 9,
        k3 = n + 10,
        k4 = n + 11,
    )
});

/// A report on its own: the enterprise's grid read, then the one-row statement.
pub(crate) async fn intake_alone(
    pool: &Pool,
    workflow: &Workflow,
    actor: &Actor,
    new: NewIssue,
    now: DateTime<Utc>,
) -> Result<Reported, StoreError> {
    let now = to_micros(now);
    let fingerprint = fingerprint(&new);
    let grid: Option<(i64,)> = pool
        .fetch_optional_alone(
            "SELECT grid_id FROM enterprises WHERE id = $1",
            args![new.enterprise.get()],
        )
        .await?;
    let (grid,) = grid.ok_or_else(|| StoreError::not_found("enterprise", new.enterprise))?;
    let grid = stored("enterprises", GridId::new(grid))?;
    let (event, issue, effects) = decide_report(workflow, actor, &new, grid, now)?;
    // The statements route exactly this; a new effect of reports must be added there.
    debug_assert!(is_only_reported(&effects));
    let row = report_args(&issue, &event, actor, &new, &fingerprint, now)?;
    write_alone(pool, actor, &new, &fingerprint, row, &event, issue).await
}

/// The one-row statement, and what its failures mean.
pub(crate) async fn write_alone(
    pool: &Pool,
    actor: &Actor,
    new: &NewIssue,
    fingerprint: &str,
    mut row: Vec<Arg>,
    event: &Event,
    mut issue: Issue,
) -> Result<Reported, StoreError> {
    // The dispatchers' notification's parameters; the batch builds the same from its columns.
    row.push(Arg::Json(serde_json::json!({
        "event": event.change.kind(),
        "version": event.version,
        "level": 0,
    })));
    match pool.fetch_one_alone::<(i64,)>(&REPORT, row).await {
        Ok((id,)) => {
            issue.id = stored("issues", IssueId::new(id))?;
            Ok(Reported {
                issue,
                replayed: false,
            })
        }
        Err(e) if e.is_unique_violation() => {
            let Some(key) = &new.client_key else {
                return Err(e);
            };
            let mut tx = pool.begin_read().await?;
            let earlier = tx.reported_with_key(actor, key, fingerprint).await?;
            tx.commit().await?;
            earlier.ok_or(e)
        }
        Err(e) if e.is_foreign_key_violation() => {
            Err(StoreError::not_found("category", new.category))
        }
        Err(e) => Err(e),
    }
}

/// One column of a batch: every report's value at one position, as a PostgreSQL array.
enum Column {
    Int(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
    Time(Vec<Option<DateTime<Utc>>>),
    Json(Vec<serde_json::Value>),
}

impl Column {
    fn sql_type(&self) -> &'static str {
        match self {
            Self::Int(_) => "bigint[]",
            Self::Text(_) => "text[]",
            Self::Time(_) => "timestamptz[]",
            Self::Json(_) => "jsonb[]",
        }
    }

    /// Starts a column of `n` values with the kind of `first`.
    fn like(first: &Arg, n: usize) -> Option<Self> {
        Some(match first {
            Arg::Int(_) => Self::Int(Vec::with_capacity(n)),
            Arg::Text(_) => Self::Text(Vec::with_capacity(n)),
            Arg::Time(_) => Self::Time(Vec::with_capacity(n)),
            Arg::Json(_) => Self::Json(Vec::with_capacity(n)),
            Arg::Bool(_) | Arg::Bytes(_) | Arg::Real(_) => return None,
        })
    }

    fn push(&mut self, value: Arg) -> Option<()> {
        match (self, value) {
            (Self::Int(c), Arg::Int(v)) => c.push(v),
            (Self::Text(c), Arg::Text(v)) => c.push(v),
            (Self::Time(c), Arg::Time(v)) => c.push(v),
            (Self::Json(c), Arg::Json(v)) => c.push(v),
            _ => return None,
        }
        Some(())
    }
}

/// The rows' values by column; `None` if the rows do not agree on their kinds.
fn columns(rows: Vec<Vec<Arg>>) -> Option<Vec<Column>> {
    let first = rows.first()?;
    let mut columns = first
        .iter()
        .map(|a| Column::like(a, rows.len()))
        .collect::<Option<Vec<_>>>()?;
    for row in rows {
        if row.len() != columns.len() {
            return None;
        }
        for (column, value) in columns.iter_mut().zip(row) {
            column.push(value)?;
        }
    }
    Some(columns)
}

/// The batch statement for columns of these types: the rows unnested in order (`ord` from 1),
/// an id drawn for each row whose enterprise is still in its grid, and the issues, events,
/// keys and the dispatchers' notifications inserted for exactly those; it returns
/// `(ord, id)` of each row written.
fn batch_statement(types: &[&str]) -> String {
    let n = ISSUE_COLUMNS.len();
    let c = |i: usize| format!("c{}", i + 1);
    let position = |name: &str| ISSUE_COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
    let arrays: Vec<String> = types
        .iter()
        .enumerate()
        .map(|(i, t)| format!("${}::{t}", i + 1))
        .collect();
    let names: Vec<String> = (0..types.len()).map(c).collect();
    let issue_values: Vec<String> = (0..n).map(c).collect();
    let event_values: Vec<String> = (n + at::EVENT..n + at::EVENT + at::EVENT_VALUES)
        .map(c)
        .collect();
    let stored = REPORTED.stored_name();
    let notify = routing_insert(
        dispatchers_condition(),
        &Slots {
            active: "TRUE",
            kind: &format!("'{stored}'"),
            params: &format!(
                "jsonb_build_object('event', i.{kind}, 'version', i.{version}, 'level', 0)",
                version = c(n + at::EVENT),
                kind = c(n + at::EVENT + 1),
            ),
            priority: "0",
            dedupe: &format!("'issue:' || CAST(i.id AS TEXT) || ':v1:{stored}'"),
            issue: "i.id",
            now: &format!("i.{}", c(n + at::NOW)),
            sms_default: if SMS_BY_DEFAULT.contains(&REPORTED) {
                "TRUE"
            } else {
                "FALSE"
            },
            from: ", g i",
        },
    );
    format!(
        "WITH r AS (SELECT * FROM unnest({arrays}) WITH ORDINALITY AS r({names}, ord)), \
         g AS MATERIALIZED (SELECT nextval((SELECT pg_get_serial_sequence('issues', 'id')::regclass)) AS id, r.* \
               FROM r WHERE EXISTS (SELECT 1 FROM enterprises x \
                                    WHERE x.id = r.{enterprise} AND x.grid_id = r.{grid})), \
         i AS (INSERT INTO issues (id, {issue_columns}) OVERRIDING SYSTEM VALUE \
               SELECT id, {issue_values} FROM g), \
         e AS (INSERT INTO issue_events ({event_columns}) SELECT id, {event_values} FROM g), \
         k AS (INSERT INTO issue_keys (reporter_id, client_key, fingerprint, issue_id, created_at) \
               SELECT {k1}, {k2}, {k3}, id, {k4} FROM g WHERE {k2} IS NOT NULL), \
         n AS ({notify}) \
         SELECT ord, id FROM g",
        arrays = arrays.join(", "),
        names = names.join(", "),
        enterprise = c(position("enterprise_id")),
        grid = c(position("grid_id")),
        issue_columns = ISSUE_COLUMNS.join(", "),
        issue_values = issue_values.join(", "),
        event_columns = EVENT_COLUMNS.join(", "),
        event_values = event_values.join(", "),
        k1 = c(n + at::REPORTER),
        k2 = c(n + at::KEY),
        k3 = c(n + at::FINGERPRINT),
        k4 = c(n + at::NOW),
    )
}

/// Writes a batch of reports' rows in one statement (see the module doc): each answered with
/// its id, or as moved; nothing answered if the statement failed.
pub(crate) async fn write_batch(pool: PgPool, rows: Vec<Vec<Arg>>) -> Vec<Option<Written>> {
    let n = rows.len();
    let Some(columns) = columns(rows) else {
        return Vec::new();
    };
    let types: Vec<&'static str> = columns.iter().map(Column::sql_type).collect();
    // Every report's row has the same kinds, so the text is built once, not per batch.
    static BATCH: OnceLock<(Vec<&'static str>, String)> = OnceLock::new();
    let (built_for, built) = BATCH.get_or_init(|| (types.clone(), batch_statement(&types)));
    let sql = if *built_for == types {
        Cow::Borrowed(built.as_str())
    } else {
        Cow::Owned(batch_statement(&types))
    };
    let mut query = sqlx::query_as::<_, (i64, i64)>(&sql);
    for column in columns {
        query = match column {
            Column::Int(v) => query.bind(v),
            Column::Text(v) => query.bind(v),
            Column::Time(v) => query.bind(v),
            Column::Json(v) => query.bind(v),
        };
    }
    match query.fetch_all(&pool).await {
        Ok(written) => {
            let mut out = vec![Some(Written::Skipped); n];
            for (ord, id) in written {
                let slot = usize::try_from(ord - 1).ok().and_then(|i| out.get_mut(i));
                if let Some(slot) = slot {
                    *slot = Some(Written::Issue(id));
                }
            }
            out
        }
        Err(e) => {
            tracing::debug!(reports = n, error = %e, "a batch of reports failed; each runs alone");
            Vec::new()
        }
    }
}

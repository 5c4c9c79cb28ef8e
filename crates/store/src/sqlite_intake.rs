//! Reports on SQLite that arrive together, written as one member of the group commit.
//!
//! The group commit (`batch`) already shares one fsync among concurrent writes, but each write
//! still runs its statements one after another while it holds the write turn, and every
//! statement is a hop to sqlx's connection thread and back: a report's seven hops (savepoint,
//! the grid's read, issue, event, dispatchers' notices, client key, release) bounded the turn,
//! not the CPU nor the disk (an fsync here takes 0.2 ms). A batch of reports
//! ([`crate::intake`]) is written here in two hops whatever its size:
//!
//! 1. which rows still hold — the enterprise is in the grid the report was decided on, the
//!    category exists, the client key was not seen before — and the highest issue id given so
//!    far;
//! 2. one text of four statements, which sqlx runs one after another on the connection's
//!    thread: the issues, with ids given here, one after that highest (the batch holds the
//!    write lock, and the table's `AUTOINCREMENT` counter follows explicit ids), so each row
//!    knows its id without relying on the order of `RETURNING`; their first events; the
//!    dispatchers' notices, routed by the same text as every other notification; the client
//!    keys.
//!
//! Batches are 1, 2, 4, … reports (the coalescer leaves the rest for the next turn), so each
//! text comes in a handful of sizes and the connection keeps them prepared: SQLite would
//! otherwise prepare these long statements for every batch, which made a lone report a third
//! slower (`bench store`, 1 writer: 1,058 reports/s before batching, 707 unprepared, 1,133
//! prepared).
//!
//! A row that does not hold is answered as skipped and decided again alone. If a statement
//! fails (two reports of the batch with one client key), the member's savepoint is undone and
//! nobody is answered: each report is then written alone, with its own outcome. The values are
//! bound exactly as the one-report path binds them, so both store the same bytes.

use crate::backend::{Arg, Pool, Tx};
use crate::effects::{dispatchers_condition, routing_insert, Slots, SMS_BY_DEFAULT};
use crate::error::StoreError;
use crate::intake::{at, Written, REPORTED};
use crate::rows::{EVENT_COLUMNS, ISSUE_COLUMNS};

/// Writes a batch of reports' rows (see the module doc): each answered with its id, or as
/// skipped; nothing answered if the batch failed.
pub(crate) async fn write_batch(pool: Pool, rows: Vec<Vec<Arg>>) -> Vec<Option<Written>> {
    let n = rows.len();
    let written = async {
        let mut tx = pool.begin_write().await?;
        match write(&mut tx, rows).await {
            Ok(written) => {
                tx.commit().await?;
                Ok(written)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    };
    written.await.unwrap_or_else(|e: StoreError| {
        tracing::debug!(reports = n, error = %e, "a batch of reports failed; each runs alone");
        Vec::new()
    })
}

async fn write(tx: &mut Tx, mut rows: Vec<Vec<Arg>>) -> Result<Vec<Option<Written>>, StoreError> {
    let issue_width = ISSUE_COLUMNS.len();
    if rows
        .iter()
        .any(|r| r.len() != issue_width + at::AFTER_ISSUE)
    {
        return Err(StoreError::Corrupt(
            "a report's row does not have the batch's columns".into(),
        ));
    }
    let held = holding(tx, &rows).await?;
    let mut out = vec![Some(Written::Skipped); rows.len()];
    let Some(&(_, highest)) = held.first() else {
        return Ok(out);
    };

    let mut issues = Vec::with_capacity(held.len() * (issue_width + 1));
    let mut events = Vec::with_capacity(held.len() * EVENT_COLUMNS.len());
    let mut keys = Vec::new();
    let mut notices = Vec::with_capacity(held.len() * 4);
    for (next, &(ord, _)) in (1..).zip(&held) {
        let id = highest + next;
        let slot = usize::try_from(ord).ok().filter(|&i| i < rows.len());
        let slot = slot.ok_or_else(|| StoreError::Corrupt(format!("batch row {ord}")))?;
        let mut row = std::mem::take(&mut rows[slot]);
        let tail = row.split_off(issue_width);
        issues.push(Arg::Int(Some(id)));
        issues.extend(row);
        events.push(Arg::Int(Some(id)));
        events.extend_from_slice(&tail[at::EVENT..at::EVENT + at::EVENT_VALUES]);
        if matches!(tail[at::KEY], Arg::Text(Some(_))) {
            keys.extend([
                tail[at::REPORTER].clone(),
                tail[at::KEY].clone(),
                tail[at::FINGERPRINT].clone(),
                Arg::Int(Some(id)),
                tail[at::NOW].clone(),
            ]);
        }
        let version = match &tail[at::EVENT] {
            Arg::Int(Some(v)) => *v,
            _ => {
                return Err(StoreError::Corrupt(
                    "a report's event has no version".into(),
                ))
            }
        };
        let kind = match &tail[at::EVENT + 1] {
            Arg::Text(Some(k)) => k.clone(),
            _ => return Err(StoreError::Corrupt("a report's event has no kind".into())),
        };
        // What the one-report path writes (`Tx::record_effects`), to the byte.
        notices.extend([
            Arg::Int(Some(id)),
            Arg::Json(serde_json::json!({"event": kind, "version": version, "level": 0})),
            Arg::Text(Some(format!(
                "issue:{id}:v{version}:{}",
                REPORTED.stored_name()
            ))),
            tail[at::NOW].clone(),
        ]);
        out[slot] = Some(Written::Issue(id));
    }

    // One text for the inserts, sent to the connection's thread once: sqlx runs the
    // statements of a text one after another, each binding its own `$n` of one list.
    let rows_held = held.len();
    let n_keys = keys.len() / 5;
    let mut sql = String::new();
    let mut args = Vec::with_capacity(issues.len() + events.len() + keys.len() + notices.len());
    let mut push = |statement: String, mut values: Vec<Arg>| {
        sql.push_str(&statement);
        sql.push_str(";\n");
        args.append(&mut values);
    };
    let first = 1;
    push(
        format!(
            "INSERT INTO issues (id, {}) VALUES {}",
            ISSUE_COLUMNS.join(", "),
            values(first, rows_held, issue_width + 1)
        ),
        issues,
    );
    let first = first + rows_held * (issue_width + 1);
    push(
        format!(
            "INSERT INTO issue_events ({}) VALUES {}",
            EVENT_COLUMNS.join(", "),
            values(first, rows_held, EVENT_COLUMNS.len())
        ),
        events,
    );
    let first = first + rows_held * EVENT_COLUMNS.len();
    push(notify_statement(first, rows_held), notices);
    let first = first + rows_held * 4;
    // Keys go in the same text when every report or none has one; a mix would multiply the
    // texts kept prepared, so its keys are a statement of their own.
    let keys_apart = n_keys > 0 && n_keys < rows_held;
    if n_keys == rows_held {
        push(insert_keys(first, n_keys), std::mem::take(&mut keys));
    }
    run(tx, &sql, args, rows_held).await?;
    if keys_apart {
        run(tx, &insert_keys(1, n_keys), keys, n_keys).await?;
    }
    Ok(out)
}

/// The client keys of `rows` reports, bound five to a row from `$first`.
fn insert_keys(first: usize, rows: usize) -> String {
    format!(
        "INSERT INTO issue_keys (reporter_id, client_key, fingerprint, issue_id, created_at) \
         VALUES {}",
        values(first, rows, 5)
    )
}

/// Statement 1: `(ord, highest id so far)` of each row that still holds, in order.
async fn holding(tx: &mut Tx, rows: &[Vec<Arg>]) -> Result<Vec<(i64, i64)>, StoreError> {
    let issue_width = ISSUE_COLUMNS.len();
    let position = |name: &str| {
        ISSUE_COLUMNS
            .iter()
            .position(|c| *c == name)
            .ok_or_else(|| StoreError::Corrupt(format!("issues has no column {name}")))
    };
    let (enterprise, grid, category) = (
        position("enterprise_id")?,
        position("grid_id")?,
        position("category_id")?,
    );
    let mut args = Vec::with_capacity(rows.len() * 6);
    for (ord, row) in (0_i64..).zip(rows) {
        args.extend([
            Arg::Int(Some(ord)),
            row[enterprise].clone(),
            row[grid].clone(),
            row[category].clone(),
            row[issue_width + at::REPORTER].clone(),
            row[issue_width + at::KEY].clone(),
        ]);
    }
    let sql = format!(
        "WITH r(ord, enterprise, grid, category, reporter, client_key) AS (VALUES {}) \
         SELECT r.ord, max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'issues'), 0), \
                            coalesce((SELECT max(id) FROM issues), 0)) \
         FROM r \
         WHERE EXISTS (SELECT 1 FROM enterprises x WHERE x.id = r.enterprise AND x.grid_id = r.grid) \
           AND EXISTS (SELECT 1 FROM categories c WHERE c.id = r.category) \
           AND (r.client_key IS NULL OR NOT EXISTS (SELECT 1 FROM issue_keys k \
                WHERE k.reporter_id = r.reporter AND k.client_key = r.client_key)) \
         ORDER BY r.ord",
        values(1, rows.len(), 6)
    );
    tx.fetch_all_kept(&sql, args, rows.len().is_power_of_two())
        .await
}

/// Runs a statement of `rows` rows: kept prepared for 1, 2, 4, … rows, the coalescer's batch
/// sizes on SQLite, so there are a handful of such texts; not kept for other sizes (some rows
/// skipped), so that those cannot push the kept statements out of the connection's cache.
async fn run(tx: &mut Tx, sql: &str, args: Vec<Arg>, rows: usize) -> Result<u64, StoreError> {
    tx.execute_kept(sql, args, rows.is_power_of_two()).await
}

/// The dispatchers' notices of `rows` new issues, whose id, parameters, dedupe key and instant
/// are bound four to a row from `$first`.
fn notify_statement(first: usize, rows: usize) -> String {
    let routing = routing_insert(
        dispatchers_condition(),
        &Slots {
            active: "TRUE",
            kind: &format!("'{}'", REPORTED.stored_name()),
            params: "i.params",
            priority: "0",
            dedupe: "i.dedupe",
            issue: "i.id",
            now: "i.at",
            sms_default: if SMS_BY_DEFAULT.contains(&REPORTED) {
                "TRUE"
            } else {
                "FALSE"
            },
            from: ", i",
        },
    );
    format!(
        "WITH i(id, params, dedupe, at) AS (VALUES {}) {routing}",
        values(first, rows, 4)
    )
}

/// `($first, …), …` for `rows` rows of `width` placeholders, numbered on from `first`.
pub(crate) fn values(first: usize, rows: usize, width: usize) -> String {
    let mut out = String::with_capacity(rows * width * 6);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..width {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(first + r * width + c).to_string());
        }
        out.push(')');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::values;

    #[test]
    fn values_number_every_placeholder_once_row_by_row() {
        assert_eq!(values(1, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values(7, 1, 2), "($7, $8)");
    }
}

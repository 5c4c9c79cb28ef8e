//! Reports on PostgreSQL in two round trips instead of six.
//!
//! A report is a read (the enterprise's grid, which the workflow needs to check the reporter's
//! scope) and three inserts (issue, first event, client key). Written as one transaction that
//! is BEGIN, SELECT, three INSERTs and COMMIT: six round trips, and round trips, not the disk,
//! bound PostgreSQL here. So the read runs alone, and the three inserts — with the outbox rows
//! that tell the dispatchers — are one statement: a data-modifying CTE, which PostgreSQL runs
//! atomically in autocommit. A replayed client key
//! fails that statement on the unique index and nothing of it is written; an unknown category
//! fails its foreign key the same way. SQLite has no data-modifying CTEs and its cost is the
//! fsync, which the `batch` module amortises instead.
//!
//! This is the store's one statement written for a single dialect; it reuses the shared insert
//! texts so the column lists cannot drift.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use gridloop_core::{
    Actor, Audience, ClientKey, Effect, GridId, IssueId, NotificationKind, Status, Workflow,
};

use crate::backend::{args, Arg, Pool};
use crate::effects::{dispatchers_condition, routing_insert, Slots, SMS_BY_DEFAULT};
use crate::error::StoreError;
use crate::issues::{decide_report, fingerprint, to_micros, INSERT_EVENT, INSERT_ISSUE};
use crate::model::{NewIssue, Reported};
use crate::rows::{issue_args, stored, ISSUE_COLUMNS};

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

/// The kind of the notification a report sends.
const REPORTED: NotificationKind = NotificationKind::Reported;

/// See the module doc. The outcomes are those of [`crate::Store::intake`].
pub(crate) async fn intake(
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
    let (event, mut issue, effects) = decide_report(workflow, actor, &new, grid, now)?;
    // The statement above routes exactly this; a new effect of reports must be added there.
    debug_assert!(matches!(
        effects.as_slice(),
        [Effect::Notify {
            audience: Audience::Dispatchers,
            kind: REPORTED
        }]
    ));
    let payload = serde_json::to_value(&event.change)
        .map_err(|e| StoreError::Corrupt(format!("cannot serialize an event: {e}")))?;
    let mut all: Vec<Arg> = issue_args(&issue);
    all.extend(args![
        event.version,
        event.change.kind(),
        event.at,
        event.actor.map(|u| u.get()),
        event.from.map(Status::as_str),
        event.to.as_str(),
        payload,
        actor.user.get(),
        new.client_key.as_ref().map(ClientKey::as_str),
        fingerprint.as_str(),
        now,
        serde_json::json!({"event": event.change.kind(), "version": event.version, "level": 0}),
    ]);
    match pool.fetch_one_alone::<(i64,)>(&REPORT, all).await {
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
            let earlier = tx.reported_with_key(actor, key, &fingerprint).await?;
            tx.commit().await?;
            earlier.ok_or(e)
        }
        Err(e) if e.is_foreign_key_violation() => {
            Err(StoreError::not_found("category", new.category))
        }
        Err(e) => Err(e),
    }
}

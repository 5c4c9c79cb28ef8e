//! Reports that arrive together, written together, on either backend (issue 17).
//!
//! A report is a read (the enterprise's grid, which the workflow needs to check the reporter's
//! scope) and a handful of inserts (issue, first event, client key, the dispatchers' notices).
//! Written one report at a time, each pays the whole cost of its statements: on PostgreSQL a
//! statement's round trip, executor, commit and foreign-key locks; on SQLite a hop to the
//! connection's thread and back for every statement, while the group commit's turn waits. So
//! reports that arrive together are written as one batch ([`Coalescer`]): on PostgreSQL one
//! statement over arrays of their rows (`pg_intake`), on SQLite a few multi-row statements in
//! one member of the group commit (`sqlite_intake`).
//!
//! The enterprise's grid comes from memory: a batch writes a row only if its enterprise is
//! still in the grid the report was decided on, and a row it skipped is decided again on a
//! fresh read; on SQLite so is a replay of a client key seen before, which its batch skips.
//! If a batch fails as a whole (on PostgreSQL a replayed client key or an unknown category;
//! on SQLite two reports in it with one key), each of its reports is written alone, and its
//! error is its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use gridloop_core::{
    Actor, Audience, ClientKey, Effect, EnterpriseId, Event, GridId, Issue, IssueId,
    NotificationKind, Status, Workflow,
};

use crate::backend::{args, Arg, Backend, Pool};
use crate::coalesce::Coalescer;
use crate::error::StoreError;
use crate::issues::{decide_report, fingerprint, to_micros};
use crate::model::{NewIssue, Reported};
use crate::rows::{issue_args, stored};
use crate::{pg_intake, sqlite_intake};

/// The kind of the notification a report sends.
pub(crate) const REPORTED: NotificationKind = NotificationKind::Reported;

/// The most reports one batch writes.
const MAX_BATCH: usize = 64;

/// The most enterprises whose grid is kept in memory; past it the map starts again empty.
const GRIDS_KEPT: usize = 100_000;

/// What a batch did with a report.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Written {
    /// Inserted, with this id.
    Issue(i64),
    /// Not written: its enterprise is no longer in the grid it was decided on (or, on SQLite,
    /// its category is gone or its client key was seen before). It is decided again alone.
    Skipped,
}

/// How the reports since the store was opened were written, by path: what an operator reads
/// to see that batching works (and a test, that it is taken at all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntakeStats {
    /// Written by a batch.
    pub batched: u64,
    /// Written alone from the start: the enterprise's grid was not remembered, or the
    /// remembered one refused the report.
    pub alone: u64,
    /// Skipped by a batch (see [`Written::Skipped`]), then written alone.
    pub skipped: u64,
    /// In a batch that failed as a whole, then written alone.
    pub failed: u64,
}

/// A store's reports waiting for a batch, and the grids of the enterprises they name.
#[derive(Debug)]
pub(crate) struct Intake {
    batches: Coalescer<Vec<Arg>, Written>,
    grids: Mutex<HashMap<i64, i64>>,
    /// [`IntakeStats`]' fields, in its order.
    paths: [AtomicU64; 4],
}

/// A report's path, as an index of [`Intake::paths`].
#[derive(Debug, Clone, Copy)]
enum Path {
    Batched = 0,
    Alone = 1,
    Skipped = 2,
    Failed = 3,
}

impl Intake {
    pub(crate) fn new(backend: Backend) -> Self {
        let batches = match backend {
            // One statement whatever its size: its text is built once (`pg_intake`).
            Backend::Postgres => Coalescer::per_core(MAX_BATCH),
            // A text per size: a handful of sizes, each kept prepared (`sqlite_intake`).
            Backend::Sqlite => Coalescer::per_core(MAX_BATCH).in_powers_of_two(),
        };
        Self {
            batches,
            grids: Mutex::new(HashMap::new()),
            paths: Default::default(),
        }
    }

    pub(crate) fn stats(&self) -> IntakeStats {
        let read = |path: Path| self.paths[path as usize].load(Ordering::Relaxed);
        IntakeStats {
            batched: read(Path::Batched),
            alone: read(Path::Alone),
            skipped: read(Path::Skipped),
            failed: read(Path::Failed),
        }
    }

    fn took(&self, path: Path) {
        self.paths[path as usize].fetch_add(1, Ordering::Relaxed);
    }

    fn grids(&self) -> std::sync::MutexGuard<'_, HashMap<i64, i64>> {
        self.grids.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn remember(&self, enterprise: EnterpriseId, grid: GridId) {
        let mut grids = self.grids();
        if grids.len() >= GRIDS_KEPT {
            grids.clear();
        }
        grids.insert(enterprise.get(), grid.get());
    }

    fn forget(&self, enterprise: EnterpriseId) {
        self.grids().remove(&enterprise.get());
    }
}

/// See the module doc. The outcomes are those of [`crate::Store::intake`].
pub(crate) async fn intake(
    pool: &Pool,
    intake: &Intake,
    workflow: &Workflow,
    actor: &Actor,
    new: NewIssue,
    now: DateTime<Utc>,
) -> Result<Reported, StoreError> {
    let now = to_micros(now);
    let known = intake.grids().get(&new.enterprise.get()).copied();
    let Some(grid) = known
        .map(GridId::new)
        .map(|g| stored("enterprises", g))
        .transpose()?
    else {
        intake.took(Path::Alone);
        return alone(pool, workflow, actor, new, now).await.inspect(|r| {
            // A replay's issue may be older than the enterprise's last move.
            if !r.replayed {
                intake.remember(r.issue.enterprise, r.issue.grid);
            }
        });
    };
    // Decided on the remembered grid; a refusal may be the memory's fault, so it is decided
    // again on the stored one.
    let Ok((event, mut issue, effects)) = decide_report(workflow, actor, &new, grid, now) else {
        intake.took(Path::Alone);
        intake.forget(new.enterprise);
        return alone(pool, workflow, actor, new, now).await;
    };
    // The batches route exactly this; a new effect of reports must be added there.
    debug_assert!(is_only_reported(&effects));
    let fingerprint = fingerprint(&new);
    let row = report_args(&issue, &event, actor, &new, &fingerprint, now)?;
    let written = match pool {
        Pool::Postgres(pg) => {
            let pg = pg.clone();
            let run = move |rows: Vec<Vec<Arg>>| pg_intake::write_batch(pg.clone(), rows);
            intake.batches.submit(row.clone(), run).await?
        }
        Pool::Sqlite { .. } => {
            let sqlite = pool.clone();
            let run = move |rows: Vec<Vec<Arg>>| sqlite_intake::write_batch(sqlite.clone(), rows);
            intake.batches.submit(row.clone(), run).await?
        }
    };
    match written {
        Some(Written::Issue(id)) => {
            intake.took(Path::Batched);
            issue.id = stored("issues", IssueId::new(id))?;
            Ok(Reported {
                issue,
                replayed: false,
            })
        }
        Some(Written::Skipped) => {
            intake.took(Path::Skipped);
            intake.forget(new.enterprise);
            alone(pool, workflow, actor, new, now).await
        }
        None => {
            intake.took(Path::Failed);
            match pool {
                Pool::Postgres(_) => {
                    pg_intake::write_alone(pool, actor, &new, &fingerprint, row, &event, issue)
                        .await
                }
                Pool::Sqlite { .. } => crate::batch::intake(pool, workflow, actor, new, now).await,
            }
        }
    }
}

/// A report on its own, its enterprise's grid read first.
async fn alone(
    pool: &Pool,
    workflow: &Workflow,
    actor: &Actor,
    new: NewIssue,
    now: DateTime<Utc>,
) -> Result<Reported, StoreError> {
    match pool {
        Pool::Postgres(_) => pg_intake::intake_alone(pool, workflow, actor, new, now).await,
        Pool::Sqlite { .. } => crate::batch::intake(pool, workflow, actor, new, now).await,
    }
}

pub(crate) fn is_only_reported(effects: &[Effect]) -> bool {
    matches!(
        effects,
        [Effect::Notify {
            audience: Audience::Dispatchers,
            kind: REPORTED
        }]
    )
}

/// Where a report's values sit in its row (see [`report_args`]), counted from the end of the
/// issue's columns.
pub(crate) mod at {
    /// The event's values: version, kind, at, actor, from, to, payload.
    pub(crate) const EVENT: usize = 0;
    pub(crate) const EVENT_VALUES: usize = 7;
    pub(crate) const REPORTER: usize = 7;
    pub(crate) const KEY: usize = 8;
    pub(crate) const FINGERPRINT: usize = 9;
    pub(crate) const NOW: usize = 10;
    /// How many values follow the issue's columns.
    pub(crate) const AFTER_ISSUE: usize = 11;
}

/// A report's values: the issue's columns, then (see [`at`]) the event's, the client key's and
/// `now`.
pub(crate) fn report_args(
    issue: &Issue,
    event: &Event,
    actor: &Actor,
    new: &NewIssue,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Arg>, StoreError> {
    let payload = serde_json::to_value(&event.change)
        .map_err(|e| StoreError::Corrupt(format!("cannot serialize an event: {e}")))?;
    let mut all: Vec<Arg> = issue_args(issue);
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
        fingerprint,
        now,
    ]);
    Ok(all)
}

//! The event log as the weekly indicators read it: issue by issue, a page at a time, so that a
//! report over millions of events holds one page of histories in memory, never the log; and
//! the frozen copies of the reports that were sent (`reports`).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use gridloop_core::{
    Calendar, Indicators, IssueFacts, IssueId, Period, Status, TrendIndicators, VisitCounts,
    WeeklyIndicators,
};
use tokio::sync::mpsc;

use crate::backend::{args, Backend};
use crate::error::StoreError;
use crate::issues::{to_micros, ISSUE_SELECT};
use crate::jobs::id_list;
use crate::readers::{Readers, Snapshot};
use crate::rows::{stored, FeedRow, IssueRow};
use crate::store::Store;

/// Issues whose histories are read per round trip, and rows per batch handed to the fold.
const PAGE: u32 = 1000;

/// An issue's id, as the feed finds the changed ones.
#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

crate::readers::from_lite!(IdRow { id });

/// The open issues no event touched since `$1` (the first period's start), reported before
/// `$2`: one statement, so that the database reads them in the table's order (PostgreSQL's
/// bitmap scan) rather than an index's, a page of random reads per status.
fn backlog_sql() -> String {
    let open: Vec<String> = Status::OPEN
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!(
        "SELECT {} FROM issues WHERE status IN ({}) AND updated_at < $1 AND created_at < $2",
        *ISSUE_SELECT,
        open.join(", ")
    )
}

/// The issues changed since `$1`, reported before `$2`.
const CHANGED_SQL: &str = "SELECT id FROM issues WHERE updated_at >= $1 AND created_at < $2";

/// The events before `$1` of the issues listed in `$2`, in (issue, version) order.
fn events_sql(backend: Backend) -> String {
    let (in_ids, _) = id_list(backend, "issue_id", &[]);
    format!(
        "SELECT issue_id, version, kind, at, actor_id, from_status, to_status, payload \
         FROM issue_events WHERE at < $1 AND {} ORDER BY issue_id, version",
        in_ids.replace("$IDS", "$2")
    )
}

/// What SQLite's direct read hands the fold, a batch at a time.
enum Batch {
    Unchanged(Vec<IssueRow>),
    Events(Vec<FeedRow>),
}

impl Store {
    /// Computes the indicators of several periods (a trend's weeks) in one pass over the log.
    ///
    /// One read transaction (one snapshot, so no issue is counted twice or missed while others
    /// write) reads two sets:
    ///
    /// - the open backlog that no event touched since the first period began: its state was
    ///   the same throughout, so its row stands for its history
    ///   ([`WeeklyIndicators::observe_unchanged`]), streamed in one statement;
    /// - every issue reported before the last period ends and changed since the first began
    ///   (found by the `updated_at` index), whose histories are read a page of issues at a time
    ///   and folded as they arrive, once for all the periods ([`TrendIndicators`]).
    ///
    /// Closed, rejected and duplicate issues untouched since before the first period count in
    /// none of them and are not read. Memory holds the changed issues' ids, a page of rows or
    /// histories, and the accumulators; never the log. Only the last period keeps its list of
    /// overdue issues (a trend shows the others' counts).
    ///
    /// On a SQLite file the read runs on one of the store's own read connections, driven
    /// directly on the blocking pool (see `readers`): sqlx's cost per row was most of a cold
    /// run's time there. Its pages come through a short channel, so reading the next page and
    /// folding the last one overlap.
    pub async fn indicators_runs(
        &self,
        periods: &[Period],
        calendar: &Calendar,
        min_resolved: u64,
    ) -> Result<Vec<Indicators>, StoreError> {
        let (Some(first), Some(last)) = (
            periods.iter().map(Period::from).min(),
            periods.iter().map(Period::to).max(),
        ) else {
            return Ok(Vec::new());
        };
        let mut runs = Vec::with_capacity(periods.len());
        for (i, period) in periods.iter().enumerate() {
            let visits = self
                .visit_counts(to_micros(period.from()), to_micros(period.to()))
                .await?;
            let run = WeeklyIndicators::new(*period, calendar)
                .with_min_resolved(min_resolved)
                .with_visits(visits);
            runs.push(if i + 1 == periods.len() {
                run
            } else {
                run.without_overdue_list()
            });
        }
        let mut all = TrendIndicators::new(runs);
        let (from, to) = (to_micros(first), to_micros(last));
        match self.pool.readers() {
            Some(readers) => feed_directly(readers, &mut all, from, to).await?,
            None => self.feed(&mut all, from, to).await?,
        }
        Ok(all.finish())
    }

    /// The feed through sqlx, in one read transaction: PostgreSQL, and SQLite in memory.
    async fn feed(
        &self,
        all: &mut TrendIndicators<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_read().await?;
        {
            let sql = backlog_sql();
            let mut rows = tx.fetch_stream::<IssueRow>(&sql, args![from, to]);
            while let Some(row) = rows.try_next().await? {
                all.observe_unchanged(&row.into_domain()?);
            }
        }
        let mut changed: Vec<i64> = tx
            .fetch_all::<IdRow>(CHANGED_SQL, args![from, to])
            .await?
            .into_iter()
            .map(|row| row.id)
            .collect();
        changed.sort_unstable();
        let sql = events_sql(tx.backend());
        for page in changed.chunks(PAGE as usize) {
            let (_, list) = id_list(tx.backend(), "issue_id", page);
            // Folded as they arrive, while the server reads the rest of the page.
            let mut rows = tx.fetch_stream::<FeedRow>(&sql, args![to, list]);
            while let Some(row) = rows.try_next().await? {
                observe(all, row)?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The feed on SQLite's own read connection (see [`Store::indicators_runs`]): read in one
/// snapshot on the blocking pool, folded here as the batches come.
async fn feed_directly(
    readers: &Arc<Readers>,
    all: &mut TrendIndicators<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (sender, mut batches) = mpsc::channel(2);
    let reading = readers.in_snapshot(move |snapshot| read_feed(snapshot, from, to, &sender));
    let folding = async move {
        while let Some(batch) = batches.recv().await {
            match batch {
                Batch::Unchanged(rows) => {
                    for row in rows {
                        all.observe_unchanged(&row.into_domain()?);
                    }
                }
                Batch::Events(rows) => {
                    for row in rows {
                        observe(all, row)?;
                    }
                }
            }
        }
        Ok::<_, StoreError>(())
    };
    // A failed fold drops the receiver, which stops the read; a failed read closes the channel.
    let (read, folded) = tokio::join!(reading, folding);
    folded?;
    read
}

/// Reads the backlog's rows and the changed issues' events into `sender`, a page at a time;
/// stops early, without error, when the fold has gone.
fn read_feed(
    snapshot: &Snapshot<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    sender: &mpsc::Sender<Batch>,
) -> Result<(), StoreError> {
    let send = |batch| sender.blocking_send(batch).is_ok();
    let page = PAGE as usize;
    let mut rows = Vec::with_capacity(page);
    let mut going = true;
    snapshot.for_each::<IssueRow>(&backlog_sql(), args![from, to], |row| {
        rows.push(row);
        if rows.len() == page {
            going = send(Batch::Unchanged(std::mem::take(&mut rows)));
        }
        Ok(going)
    })?;
    if !going || (!rows.is_empty() && !send(Batch::Unchanged(rows))) {
        return Ok(());
    }
    let mut changed = Vec::new();
    snapshot.for_each::<IdRow>(CHANGED_SQL, args![from, to], |row| {
        changed.push(row.id);
        Ok(true)
    })?;
    changed.sort_unstable();
    let sql = events_sql(Backend::Sqlite);
    for ids in changed.chunks(page) {
        let (_, list) = id_list(Backend::Sqlite, "issue_id", ids);
        let mut events = Vec::with_capacity(ids.len() * 8);
        snapshot.for_each::<FeedRow>(&sql, args![to, list], |row| {
            events.push(row);
            Ok(true)
        })?;
        if !send(Batch::Events(events)) {
            break;
        }
    }
    Ok(())
}

/// Folds one event into every period; the events come in (issue, version) order, each
/// issue's whole history before `to`.
fn observe(all: &mut TrendIndicators<'_>, row: FeedRow) -> Result<(), StoreError> {
    let id = row.issue_id;
    let facts = IssueFacts::new(stored("issue_events", IssueId::new(id))?);
    all.observe(&facts, &row.into_event()?)
        .map_err(|e| StoreError::Corrupt(format!("issue {id}: {e}")))
}

impl Store {
    /// Visits whose occurrence falls in `[from, to)`, by outcome.
    async fn visit_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<VisitCounts, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let rows: Vec<(String, i64)> = tx
            .fetch_all(
                "SELECT status, COUNT(*) FROM visits WHERE scheduled_at >= $1 AND scheduled_at < $2 \
                 GROUP BY status",
                args![from, to],
            )
            .await?;
        tx.commit().await?;
        let mut counts = VisitCounts::default();
        for (status, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            counts.planned += n;
            match status.as_str() {
                "completed" => counts.completed += n,
                "missed" => counts.missed += n,
                _ => {}
            }
        }
        Ok(counts)
    }
}

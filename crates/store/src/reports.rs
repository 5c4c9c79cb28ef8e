//! The event log as the weekly indicators read it: issue by issue, a page at a time, so that a
//! report over millions of events holds one page of histories in memory, never the log; and
//! the frozen copies of the reports that were sent (`reports`).

use chrono::{DateTime, Utc};
use gridloop_core::{
    Calendar, Event, Indicators, IssueFacts, IssueId, Period, Status, VisitCounts, WeeklyIndicators,
};

use crate::backend::{args, Arg};
use crate::error::StoreError;
use crate::issues::{to_micros, ISSUE_SELECT};
use crate::jobs::id_list;
use crate::rows::{stored, EventRow, IssueRow};
use crate::store::Store;

/// An event with its issue, as the feed reads them.
#[derive(sqlx::FromRow)]
struct FeedRow {
    issue_id: i64,
    #[sqlx(flatten)]
    event: EventRow,
}

/// Issues whose histories are read per round trip.
const PAGE: u32 = 1000;

impl Store {
    /// Computes the indicators of several periods (a trend's weeks) in one pass over the log.
    ///
    /// One read transaction (one snapshot, so no issue is counted twice or missed while others
    /// write) reads two sets:
    ///
    /// - the open backlog that no event touched since the first period began: its state was
    ///   the same throughout, so its row stands for its history
    ///   ([`WeeklyIndicators::observe_unchanged`]), a page of rows at a time;
    /// - every issue reported before the last period ends and changed since the first began
    ///   (found by the `updated_at` index), whose histories are read a page of issues at a time
    ///   and folded into every period's accumulator.
    ///
    /// Closed, rejected and duplicate issues untouched since before the first period count in
    /// none of them and are not read. Memory holds the changed issues' ids, one page of rows or
    /// histories, and the accumulators; never the log. Only the last period keeps its list of
    /// overdue issues (a trend shows the others' counts).
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
        let (from, to) = (to_micros(first), to_micros(last));
        let mut tx = self.pool.begin_read().await?;
        for status in Status::OPEN {
            let mut after = 0_i64;
            loop {
                let rows: Vec<IssueRow> = tx
                    .fetch_all(
                        &format!(
                            "SELECT {} FROM issues WHERE status = $1 AND id > $2 \
                             AND updated_at < $3 AND created_at < $4 ORDER BY id LIMIT $5",
                            *ISSUE_SELECT
                        ),
                        args![status.as_str(), after, from, to, PAGE],
                    )
                    .await?;
                let Some(last_id) = rows.last().map(IssueRow::id) else {
                    break;
                };
                for row in rows {
                    let issue = row.into_domain()?;
                    for run in &mut runs {
                        run.observe_unchanged(&issue);
                    }
                }
                after = last_id;
            }
        }
        let mut changed: Vec<i64> = tx
            .fetch_all::<(i64,)>(
                "SELECT id FROM issues WHERE updated_at >= $1 AND created_at < $2",
                args![from, to],
            )
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect();
        changed.sort_unstable();
        for page in changed.chunks(PAGE as usize) {
            let (in_ids, list) = id_list(tx.backend(), "issue_id", page);
            let mut values: Vec<Arg> = args![to];
            values.push(list);
            let rows: Vec<FeedRow> = tx
                .fetch_all(
                    &format!(
                        "SELECT issue_id, version, kind, at, actor_id, from_status, to_status, payload \
                         FROM issue_events WHERE at < $1 AND {} ORDER BY issue_id, version",
                        in_ids.replace("$IDS", "$2")
                    ),
                    values,
                )
                .await?;
            let mut current: Option<(i64, Vec<Event>)> = None;
            for FeedRow {
                issue_id: issue,
                event,
            } in rows
            {
                let event = event.into_domain()?;
                match &mut current {
                    Some((id, events)) if *id == issue => events.push(event),
                    _ => {
                        if let Some((id, events)) = current.take() {
                            observe(&mut runs, id, &events)?;
                        }
                        current = Some((issue, vec![event]));
                    }
                }
            }
            if let Some((id, events)) = current {
                observe(&mut runs, id, &events)?;
            }
        }
        tx.commit().await?;
        Ok(runs.into_iter().map(WeeklyIndicators::finish).collect())
    }

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

fn observe(runs: &mut [WeeklyIndicators<'_>], id: i64, events: &[Event]) -> Result<(), StoreError> {
    let facts = IssueFacts::new(stored("issue_events", IssueId::new(id))?);
    for run in runs {
        run.observe_issue(&facts, events)
            .map_err(|e| StoreError::Corrupt(format!("issue {id}: {e}")))?;
    }
    Ok(())
}

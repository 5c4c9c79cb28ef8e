//! The event log as the weekly indicators read it: issue by issue, a page at a time, so that a
//! report over millions of events holds one page of histories in memory, never the log; and
//! the frozen copies of the reports that were sent (`reports`).

use chrono::{DateTime, Utc};
use gridloop_core::{
    Calendar, Event, Indicators, IssueFacts, IssueId, Period, VisitCounts, WeeklyIndicators,
    DEFAULT_MIN_RESOLVED,
};

use crate::backend::{args, Arg};
use crate::error::StoreError;
use crate::issues::to_micros;
use crate::jobs::id_list;
use crate::rows::{stored, EventRow};
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
    /// Computes a period's indicators from the event log.
    pub async fn indicators(
        &self,
        period: Period,
        calendar: &Calendar,
    ) -> Result<Indicators, StoreError> {
        let mut runs = self
            .indicators_runs(&[period], calendar, DEFAULT_MIN_RESOLVED)
            .await?;
        Ok(runs.pop().expect("one run per period"))
    }

    /// Computes the indicators of several periods (a trend's weeks) in one pass over the log.
    ///
    /// Reads every issue that may matter to any of them — reported before the last period ends
    /// and either still open or changed since the first began (a superset is safe: each
    /// accumulator ignores the rest) — in pages of histories ordered by (issue, version), each
    /// page in its own snapshot, and folds each history into every period's accumulator. Memory
    /// holds one page of histories and the accumulators, never the log.
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
        for period in periods {
            let visits = self
                .visit_counts(to_micros(period.from()), to_micros(period.to()))
                .await?;
            runs.push(
                WeeklyIndicators::new(*period, calendar)
                    .with_min_resolved(min_resolved)
                    .with_visits(visits),
            );
        }
        let (from, to) = (to_micros(first), to_micros(last));
        let mut after = 0_i64;
        loop {
            let mut tx = self.pool.begin_read().await?;
            let ids: Vec<(i64,)> = tx
                .fetch_all(
                    "SELECT id FROM issues WHERE id > $1 AND created_at < $2 \
                     AND (status IN ('reported', 'accepted', 'assigned', 'in_progress', 'on_hold', \
                          'resolved') OR updated_at >= $3) \
                     ORDER BY id LIMIT $4",
                    args![after, to, from, PAGE],
                )
                .await?;
            let Some((last,)) = ids.last().copied() else {
                tx.commit().await?;
                break;
            };
            let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
            let (in_ids, list) = id_list(tx.backend(), "issue_id", &ids);
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
            tx.commit().await?;
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
            after = last;
        }
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

//! The event log as the weekly indicators read it: issue by issue, a page at a time, so that a
//! report over millions of events holds one page of histories in memory, never the log.

use chrono::{DateTime, Utc};
use gridloop_core::{
    Calendar, Event, Indicators, IssueFacts, IssueId, Period, VisitCounts, WeeklyIndicators,
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
    ///
    /// Reads every issue that may matter — reported before the period ends and either still
    /// open or changed since it began (a superset is safe: the accumulator ignores the rest) —
    /// in pages of histories ordered by (issue, version), each read in its own snapshot.
    pub async fn indicators(
        &self,
        period: Period,
        calendar: &Calendar,
    ) -> Result<Indicators, StoreError> {
        let (from, to) = (to_micros(period.from()), to_micros(period.to()));
        let visits = self.visit_counts(from, to).await?;
        let mut acc = WeeklyIndicators::new(period, calendar).with_visits(visits);
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
                            observe(&mut acc, id, &events)?;
                        }
                        current = Some((issue, vec![event]));
                    }
                }
            }
            if let Some((id, events)) = current {
                observe(&mut acc, id, &events)?;
            }
            after = last;
        }
        Ok(acc.finish())
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

fn observe(acc: &mut WeeklyIndicators<'_>, id: i64, events: &[Event]) -> Result<(), StoreError> {
    let id = stored("issue_events", IssueId::new(id))?;
    acc.observe_issue(&IssueFacts::new(id), events)
        .map_err(|e| StoreError::Corrupt(format!("issue {id}: {e}")))
}

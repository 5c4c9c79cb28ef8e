//! What the issue ledger (台账) reads besides the list's pages: how many issues a filter
//! matches, counted only up to a bound, and when each issue of a page was first accepted
//! (the projection keeps no such time; the event log does).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use gridloop_core::IssueId;

use crate::backend::Tx;
use crate::error::StoreError;
use crate::jobs::id_list;
use crate::list::{filter_sql, issues_from, Where};
use crate::model::IssueFilter;
use crate::store::Store;

impl Tx {
    /// The number of issues `filter` matches, or `at_most + 1` when there are more than
    /// `at_most`: the count stops there, so asking costs at most that many index entries.
    pub async fn count_issues(
        &mut self,
        filter: &IssueFilter,
        at_most: u64,
    ) -> Result<u64, StoreError> {
        let mut w = Where::default();
        filter_sql(self.backend(), filter, &mut w);
        let condition = w.condition();
        let bound = i64::try_from(at_most.saturating_add(1)).unwrap_or(i64::MAX);
        let p = w.param(bound);
        let (n,): (i64,) = self
            .fetch_one(
                &format!(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM {} WHERE {condition} LIMIT {p}) AS matched",
                    issues_from(self.backend(), filter)
                ),
                w.args,
            )
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// When each of `ids` was first accepted; issues never accepted are absent. One query
    /// for a page of issues (by the event log's primary key), not one per issue.
    pub async fn first_accepted(
        &mut self,
        ids: &[IssueId],
    ) -> Result<HashMap<IssueId, DateTime<Utc>>, StoreError> {
        let mut out = HashMap::with_capacity(ids.len());
        if ids.is_empty() {
            return Ok(out);
        }
        let raw: Vec<i64> = ids.iter().map(|id| id.get()).collect();
        let (in_ids, list) = id_list(self.backend(), "issue_id", &raw);
        let rows: Vec<(i64, DateTime<Utc>)> = self
            .fetch_all(
                &format!(
                    "SELECT issue_id, at FROM issue_events WHERE kind = 'accepted' AND {} \
                     ORDER BY issue_id, version",
                    in_ids.replace("$IDS", "$1")
                ),
                vec![list],
            )
            .await?;
        for (issue, at) in rows {
            if let Ok(id) = IssueId::new(issue) {
                out.entry(id).or_insert(at);
            }
        }
        Ok(out)
    }
}

impl Store {
    /// See [`Tx::count_issues`].
    pub async fn count_issues(
        &self,
        filter: &IssueFilter,
        at_most: u64,
    ) -> Result<u64, StoreError> {
        self.read(async move |tx| tx.count_issues(filter, at_most).await)
            .await
    }

    /// See [`Tx::first_accepted`].
    pub async fn first_accepted(
        &self,
        ids: &[IssueId],
    ) -> Result<HashMap<IssueId, DateTime<Utc>>, StoreError> {
        self.read(async move |tx| tx.first_accepted(ids).await)
            .await
    }
}

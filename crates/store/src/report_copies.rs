//! Frozen copies of the weekly reports: written once, when a report is sent, so that what a
//! leader received on Monday can be shown again unchanged after issues are edited, reopened or
//! re-categorised.

use chrono::{DateTime, Utc};
use gridloop_core::{NotificationKind, WeeklyReport};
use serde::Serialize;

use crate::backend::{args, Tx};
use crate::effects::{NewNotification, Recipients};
use crate::error::StoreError;
use crate::issues::to_micros;
use crate::store::Store;

/// A stored report without its document, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReportSummary {
    pub id: i64,
    /// `2026-W48`, or a range of dates.
    pub period: String,
    pub period_from: DateTime<Utc>,
    /// `park`, `unit:3` or `grid:2`.
    pub scope: String,
    pub scope_name: String,
    pub locale: String,
    pub created_at: DateTime<Utc>,
}

/// A stored report with its document, as it was sent.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReport {
    pub summary: ReportSummary,
    pub report: WeeklyReport,
}

/// Which stored reports to list.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub period: Option<String>,
    pub scope: Option<String>,
    pub limit: u32,
}

#[derive(sqlx::FromRow)]
struct CopyRow {
    #[sqlx(flatten)]
    summary: ReportSummary,
    document: String,
}

impl CopyRow {
    fn into_stored(self) -> Result<StoredReport, StoreError> {
        let report = serde_json::from_str(&self.document).map_err(|e| {
            StoreError::Corrupt(format!("report {}: document: {e}", self.summary.id))
        })?;
        Ok(StoredReport {
            summary: self.summary,
            report,
        })
    }
}

const SUMMARY_COLUMNS: &str = "id, period, period_from, scope, scope_name, locale, created_at";

impl Tx {
    /// Stores `report` unless a copy of its period and scope exists, and queues it for
    /// `recipients` (email, or what each chose for the `weekly_report` kind), all in this
    /// transaction. Returns the copy's id, the existing one when it was stored before: a job
    /// run twice sends once, and the second run's numbers (the log may have moved) are not kept.
    pub async fn save_report_copy(
        &mut self,
        report: &WeeklyReport,
        recipients: Option<Recipients>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let document = serde_json::to_string(report)
            .map_err(|e| StoreError::Corrupt(format!("a report that does not serialise: {e}")))?;
        let scope = report.scope.key();
        self.execute(
            "INSERT INTO reports (period, period_from, scope, scope_name, locale, document, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (period, scope) DO NOTHING",
            args![
                report.label.as_str(),
                to_micros(report.period.from()),
                scope.as_str(),
                report.scope_name.as_str(),
                report.locale.as_str(),
                document,
                to_micros(now)
            ],
        )
        .await?;
        let (id,): (i64,) = self
            .fetch_one(
                "SELECT id FROM reports WHERE period = $1 AND scope = $2",
                args![report.label.as_str(), scope.as_str()],
            )
            .await?;
        if let Some(recipients) = recipients {
            let notice = NewNotification {
                recipients,
                kind: NotificationKind::WeeklyReport,
                issue: None,
                params: serde_json::json!({ "report": id }),
                dedupe: format!("report:{id}"),
                urgent: false,
            };
            self.notify(&notice, now).await?;
        }
        Ok(id)
    }

    /// Stored reports, newest period first.
    pub async fn report_copies(
        &mut self,
        filter: &ReportFilter,
    ) -> Result<Vec<ReportSummary>, StoreError> {
        let limit = i64::from(filter.limit.clamp(1, 1000));
        self.fetch_all(
            &format!(
                "SELECT {SUMMARY_COLUMNS} FROM reports \
                 WHERE ($1 IS NULL OR period = $1) AND ($2 IS NULL OR scope = $2) \
                 ORDER BY period_from DESC, id LIMIT $3"
            ),
            args![filter.period.as_deref(), filter.scope.as_deref(), limit],
        )
        .await
    }

    /// One stored report.
    pub async fn report_copy(&mut self, id: i64) -> Result<Option<StoredReport>, StoreError> {
        let row: Option<CopyRow> = self
            .fetch_optional(
                &format!("SELECT {SUMMARY_COLUMNS}, document FROM reports WHERE id = $1"),
                args![id],
            )
            .await?;
        row.map(CopyRow::into_stored).transpose()
    }

    /// Every stored report of a period (`2026-W48`), one per scope.
    pub async fn report_copies_of(
        &mut self,
        period: &str,
    ) -> Result<Vec<StoredReport>, StoreError> {
        let rows: Vec<CopyRow> = self
            .fetch_all(
                &format!("SELECT {SUMMARY_COLUMNS}, document FROM reports WHERE period = $1"),
                args![period],
            )
            .await?;
        rows.into_iter().map(CopyRow::into_stored).collect()
    }

    /// The stored report of a period (`2026-W48`) and scope (`park`, `unit:3`, `grid:2`).
    pub async fn report_copy_for(
        &mut self,
        period: &str,
        scope: &str,
    ) -> Result<Option<StoredReport>, StoreError> {
        let row: Option<CopyRow> = self
            .fetch_optional(
                &format!(
                    "SELECT {SUMMARY_COLUMNS}, document FROM reports \
                     WHERE period = $1 AND scope = $2"
                ),
                args![period, scope],
            )
            .await?;
        row.map(CopyRow::into_stored).transpose()
    }
}

impl Store {
    /// Stores a report (once per period and scope) and queues it for its recipients.
    pub async fn save_report_copy(
        &self,
        report: &WeeklyReport,
        recipients: Option<Recipients>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.write(async move |tx| tx.save_report_copy(report, recipients, now).await)
            .await
    }

    /// Stored reports, newest period first.
    pub async fn report_copies(
        &self,
        filter: &ReportFilter,
    ) -> Result<Vec<ReportSummary>, StoreError> {
        self.read(async move |tx| tx.report_copies(filter).await)
            .await
    }

    /// One stored report.
    pub async fn report_copy(&self, id: i64) -> Result<Option<StoredReport>, StoreError> {
        self.read(async move |tx| tx.report_copy(id).await).await
    }

    /// Every stored report of a period.
    pub async fn report_copies_of(&self, period: &str) -> Result<Vec<StoredReport>, StoreError> {
        self.read(async move |tx| tx.report_copies_of(period).await)
            .await
    }

    /// The stored report of a period and scope.
    pub async fn report_copy_for(
        &self,
        period: &str,
        scope: &str,
    ) -> Result<Option<StoredReport>, StoreError> {
        self.read(async move |tx| tx.report_copy_for(period, scope).await)
            .await
    }
}

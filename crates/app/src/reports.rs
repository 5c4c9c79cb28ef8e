//! Weekly reports as the CLI, the API and the web pages ask for them: the output formats, a
//! report's scope named by a grid or unit code, who may read which scope, and a report
//! computed on demand.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use gridloop_core::{Actor, Code, ParseError, Period, ReportScope, Role, Rule, WeeklyReport};
use gridloop_report::Chart;
use gridloop_scheduler::reports::{weekly_reports, ReportSettings};
pub use gridloop_scheduler::SchedulerError;
use gridloop_store::{Store, StoreError};
use thiserror::Error;

use crate::error::AppError;

/// How a report is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A self-contained page, the chart embedded.
    Html,
    /// RFC 4180 with a BOM, for spreadsheets.
    Csv,
    /// The report document as stored.
    Json,
    /// Markdown with GFM tables.
    Md,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Html => "text/html; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
            Self::Md => "text/markdown; charset=utf-8",
        }
    }

    /// `report.html`, `report.csv`, … for a download's file name.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Md => "md",
        }
    }

    pub fn render(self, report: &WeeklyReport) -> String {
        match self {
            Self::Html => gridloop_report::html(report, Chart::Embedded),
            Self::Csv => gridloop_report::csv(report),
            Self::Json => {
                // A report is plain data: serialising it cannot fail.
                serde_json::to_string_pretty(report).unwrap_or_default()
            }
            Self::Md => gridloop_report::markdown(report),
        }
    }
}

impl FromStr for Format {
    type Err = ParseError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "html" => Ok(Self::Html),
            "csv" => Ok(Self::Csv),
            "json" => Ok(Self::Json),
            "md" | "markdown" => Ok(Self::Md),
            _ => Err(ParseError::new(
                "format",
                gridloop_core::Rule::OneOf {
                    allowed: &["html", "csv", "json", "md"],
                },
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// Why a report cannot be made as asked.
#[derive(Debug, Error)]
pub enum ReportRequestError {
    #[error("give a grid or a unit, not both: a report covers one scope")]
    BothScopes,
    #[error(transparent)]
    Invalid(#[from] ParseError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
}

impl From<ReportRequestError> for AppError {
    fn from(e: ReportRequestError) -> Self {
        match e {
            ReportRequestError::BothScopes => {
                AppError::invalid(ParseError::new("grid", Rule::Exclusive { other: "unit" }))
            }
            ReportRequestError::Invalid(e) => e.into(),
            ReportRequestError::Store(e)
            | ReportRequestError::Scheduler(SchedulerError::Store(e)) => e.into(),
            ReportRequestError::Scheduler(e) => AppError::internal("weekly report failed", &e),
        }
    }
}

fn not_found(what: &'static str, code: &Code) -> ReportRequestError {
    StoreError::NotFound {
        what,
        key: code.to_string(),
    }
    .into()
}

/// Whether `actor` may read a report of `scope`: supervisors, dispatchers and admins any; a
/// unit's people their unit's slice; post members and commissioners the slice of a grid they
/// serve. The same slices the Monday emails give them.
pub fn may_read(actor: &Actor, scope: ReportScope) -> bool {
    if [Role::Supervisor, Role::Dispatcher, Role::Admin]
        .into_iter()
        .any(|role| actor.has_role(role))
    {
        return true;
    }
    match scope {
        ReportScope::Park => false,
        ReportScope::Unit(unit) => actor.units.contains(&unit),
        ReportScope::Grid(grid) => actor.grids.contains(&grid),
    }
}

/// The scope a reader gets when they name none: the park if they may read it, else their unit,
/// else their grid.
pub fn default_scope(actor: &Actor) -> ReportScope {
    if may_read(actor, ReportScope::Park) {
        return ReportScope::Park;
    }
    actor
        .units
        .first()
        .map(|&unit| ReportScope::Unit(unit))
        .or_else(|| actor.grids.first().map(|&grid| ReportScope::Grid(grid)))
        .unwrap_or(ReportScope::Park)
}

/// The scope named by `--grid`/`--unit` (`grid=`/`unit=`): the park when neither is given.
pub async fn scope(
    store: &Store,
    grid: Option<&str>,
    unit: Option<&str>,
) -> Result<ReportScope, ReportRequestError> {
    match (grid, unit) {
        (Some(_), Some(_)) => Err(ReportRequestError::BothScopes),
        (None, None) => Ok(ReportScope::Park),
        (Some(code), None) => {
            let code = Code::parse_field("grid", code)?;
            let grid = store.grid_by_code(&code).await?;
            grid.map(|g| ReportScope::Grid(g.id))
                .ok_or_else(|| not_found("grid", &code))
        }
        (None, Some(code)) => {
            let code = Code::parse_field("unit", code)?;
            let unit = store.unit_by_code(&code).await?;
            unit.map(|u| ReportScope::Unit(u.id))
                .ok_or_else(|| not_found("unit", &code))
        }
    }
}

/// The period asked for (`2026-W48`), or the week before the one containing `now`.
pub fn period(
    week: Option<&str>,
    settings: &ReportSettings,
    now: DateTime<Utc>,
) -> Result<Period, ReportRequestError> {
    let tz = settings.calendar.tz();
    Ok(match week {
        Some(raw) => Period::parse_week(raw, tz)?,
        None => Period::week_containing(now, tz).previous(),
    })
}

/// The report of `scope` for `period`, computed now from the event log (nothing stored).
pub async fn on_demand(
    store: &Store,
    settings: &ReportSettings,
    period: Period,
    scope: ReportScope,
    now: DateTime<Utc>,
) -> Result<WeeklyReport, ReportRequestError> {
    let mut reports = weekly_reports(store, settings, period, &[scope], now).await?;
    Ok(reports.pop().expect("one report per scope asked"))
}

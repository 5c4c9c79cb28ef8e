//! Weekly reports as the CLI, the API and the web pages ask for them: the output formats, a
//! report's scope named by a grid or unit code, who may read which scope, a report computed on
//! demand ([`weekly`]), and the stored copies of the reports sent ([`stored_list`],
//! [`stored`]). A reader sees only the scopes they may read; the operator at the command line
//! (no actor) sees all.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use gridloop_core::{
    Actor, Code, Locale, ParseError, Period, ReportScope, Role, Rule, WeeklyReport,
};
use gridloop_report::Chart;
use gridloop_scheduler::reports::{weekly_reports, ReportContext};
pub use gridloop_scheduler::SchedulerError;
use gridloop_store::{ReportFilter, ReportSummary, Store, StoreError, StoredReport};
use thiserror::Error;

use crate::error::{AppError, Doing, Thing};
use crate::state::AppState;

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
    /// The reader may not read that scope's report.
    #[error(
        "reports of the whole park are for supervisors, dispatchers and admins; \
         a unit's or grid's slice for its own people"
    )]
    NotPermitted,
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
            ReportRequestError::NotPermitted => AppError::NotPermitted {
                doing: Doing::ReadReport,
                roles: READ_ANY_SCOPE,
            },
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

/// The roles that may read a report of any scope, the whole park's included.
const READ_ANY_SCOPE: &[Role] = &[Role::Supervisor, Role::Dispatcher, Role::Admin];

/// Whether `actor` may read a report of `scope`: supervisors, dispatchers and admins any; a
/// unit's people their unit's slice; post members and commissioners the slice of a grid they
/// serve. The same slices the Monday emails give them.
pub fn may_read(actor: &Actor, scope: ReportScope) -> bool {
    if READ_ANY_SCOPE.iter().any(|role| actor.has_role(*role)) {
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
    settings: &ReportContext,
    now: DateTime<Utc>,
) -> Result<Period, ReportRequestError> {
    let tz = settings.calendar().tz();
    Ok(match week {
        Some(raw) => Period::parse_week(raw, tz)?,
        None => Period::week_containing(now, tz).previous(),
    })
}

/// The report of `scope` for `period`, computed now from the event log (nothing stored).
pub async fn on_demand(
    store: &Store,
    settings: &ReportContext,
    period: Period,
    scope: ReportScope,
    now: DateTime<Utc>,
) -> Result<WeeklyReport, ReportRequestError> {
    let mut reports = weekly_reports(store, settings, period, &[scope], now).await?;
    Ok(reports.pop().expect("one report per scope asked"))
}

/// Which weekly report, as asked.
#[derive(Debug, Clone, Default)]
pub struct WeeklyRequest {
    /// An ISO week (`2026-W48`); the week just ended when left out.
    pub week: Option<String>,
    /// A grid's code, or
    pub grid: Option<String>,
    /// a unit's code; the park's report when neither is given, unless `own_by_default`.
    pub unit: Option<String>,
    /// When neither a grid nor a unit is named: the reader's own scope ([`default_scope`])
    /// instead of the park (the web page's choice, so that everyone gets a report they may read).
    pub own_by_default: bool,
    /// The language to write it in; the configured one when left out.
    pub locale: Option<Locale>,
}

/// The weekly report asked for, computed now from the event log (nothing stored), if `reader`
/// may read its scope; `None` is the operator at the command line, who may read any.
pub async fn weekly(
    state: &AppState,
    reader: Option<&Actor>,
    request: &WeeklyRequest,
) -> Result<WeeklyReport, ReportRequestError> {
    let now = state.clock.now();
    let period = period(request.week.as_deref(), &state.reports, now)?;
    let scope = match (request.grid.as_deref(), request.unit.as_deref(), reader) {
        (None, None, Some(actor)) if request.own_by_default => default_scope(actor),
        (grid, unit, _) => scope(&state.store, grid, unit).await?,
    };
    if reader.is_some_and(|actor| !may_read(actor, scope)) {
        return Err(ReportRequestError::NotPermitted);
    }
    let mut context = state.reports.clone();
    if let Some(locale) = request.locale {
        context.locale = locale;
    }
    on_demand(&state.store, &context, period, scope, now).await
}

/// Which stored reports, as asked.
#[derive(Debug, Clone, Default)]
pub struct StoredQuery {
    /// Only this week's (`2026-W48`).
    pub week: Option<String>,
    /// Only this scope: `park`, `unit:ID` or `grid:ID`.
    pub scope: Option<String>,
    /// At most this many (1–1000, brought inside), 50 when left out.
    pub limit: Option<u32>,
}

/// The stored copies of the weekly reports that were sent, newest week first: those `reader`
/// may read, or all for the operator (`None`).
pub async fn stored_list(
    state: &AppState,
    reader: Option<&Actor>,
    query: &StoredQuery,
) -> Result<Vec<ReportSummary>, AppError> {
    // Parsed, not passed through: the stored copies are keyed by the week's and the scope's
    // canonical forms, and anything else (a NUL, which PostgreSQL refuses) matches nothing.
    let mut fields = crate::error::Fields::default();
    let period = query.week.as_deref().and_then(|w| {
        fields.take(Period::parse_week(w, state.calendar().tz()).map(|p| p.to_string()))
    });
    let scope = query.scope.as_deref().and_then(|s| {
        let found = ReportScope::from_key(s.trim()).map(|s| s.key());
        if found.is_none() {
            fields.add(ParseError::new(
                "scope",
                Rule::OneOf {
                    allowed: &["park", "unit:ID", "grid:ID"],
                },
            ));
        }
        found
    });
    fields.check()?;
    let filter = ReportFilter {
        period,
        scope,
        limit: query.limit.unwrap_or(50).clamp(1, 1000),
    };
    let copies = state.store.report_copies(&filter).await?;
    Ok(copies
        .into_iter()
        .filter(|c| {
            reader.is_none_or(|actor| {
                ReportScope::from_key(&c.scope).is_some_and(|scope| may_read(actor, scope))
            })
        })
        .collect())
}

/// One stored report, with the numbers as they were sent: if `reader` may read it (one they
/// may not looks absent, as an issue out of scope does), or any for the operator (`None`).
pub async fn stored(
    state: &AppState,
    reader: Option<&Actor>,
    id: i64,
) -> Result<StoredReport, AppError> {
    state
        .store
        .report_copy(id)
        .await?
        .filter(|s| reader.is_none_or(|actor| may_read(actor, s.report.scope)))
        .ok_or(AppError::NotFound(Thing::Report))
}

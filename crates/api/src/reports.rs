//! `/reports`: the weekly report on demand, and the stored copies of the reports sent.
//!
//! Supervisors, dispatchers and admins may read any scope. A unit's head or member may read
//! the unit's slice, and a post member or commissioner the slice of a grid they serve: the
//! same slices the Monday emails give them.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gridloop_app::reports::SchedulerError;
use gridloop_app::store::{ReportFilter, ReportSummary, StoreError};
use gridloop_core::{Period, ReportScope, WeeklyReport};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::reference::{Forbidden, Invalid, NotFound, Unauthorized};
use crate::auth::Caller;
use crate::extract::{ApiPath, ApiQuery};
use crate::problem::Problem;
use gridloop_app::reports::{self, Format, ReportRequestError};
use gridloop_app::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(weekly))
        .routes(routes!(list_reports))
        .routes(routes!(show_report))
}

impl From<ReportRequestError> for Problem {
    fn from(e: ReportRequestError) -> Self {
        match e {
            ReportRequestError::BothScopes => Problem::field("unit", e.to_string()),
            ReportRequestError::Invalid(e) => e.into(),
            ReportRequestError::Store(StoreError::NotFound { what, key }) => {
                Problem::field(what, format!("no {what} with the code '{key}'"))
            }
            ReportRequestError::Store(e) => e.into(),
            ReportRequestError::Scheduler(SchedulerError::Store(e)) => e.into(),
            ReportRequestError::Scheduler(e) => {
                tracing::error!(error = %e, "weekly report failed");
                Problem::internal()
            }
        }
    }
}

fn forbidden() -> Problem {
    Problem::forbidden(
        "reports of the whole park are for supervisors, dispatchers and admins; \
         a unit's or grid's slice for its own people",
    )
}

/// A report written in `format`, with a file name for a download.
fn respond(report: &WeeklyReport, format: Format) -> Response {
    let body = format.render(report);
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    let name = format!(
        "inline; filename=\"report-{}-{}.{}\"",
        report.label,
        report.scope.key().replace(':', "-"),
        format.extension()
    );
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The weekly report's query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeklyQuery {
    /// An ISO week such as `2026-W48` in the park's time zone; default the week just ended.
    #[param(
        pattern = r"^(20[0-9]{2}|2100)-W(0[1-9]|[1-4][0-9]|5[0-2])$",
        example = "2026-W48"
    )]
    pub week: Option<String>,
    /// One grid's slice, by the grid's code.
    #[param(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "g1"
    )]
    pub grid: Option<String>,
    /// One unit's slice, by the unit's code (not with `grid`).
    #[param(min_length = 1, max_length = 32, pattern = r"^[a-z0-9][a-z0-9_-]*$")]
    pub unit: Option<String>,
    /// `json` (default), `html`, `csv` or `md`.
    #[param(schema_with = crate::openapi::names::report_format)]
    pub format: Option<String>,
}

/// The week's report computed now from the event log (nothing is stored): counts, rates,
/// times, visits, breakdowns, the league table, the overdue list, the week before and the
/// 8-week trend, with the definitions as footnotes.
#[utoipa::path(
    get,
    path = "/reports/weekly",
    tag = "reports",
    security(("bearer" = [])),
    params(WeeklyQuery),
    responses(
        (status = 200, description = "The report in the format asked for", content(
            (serde_json::Value = "application/json"),
            (String = "text/html"),
            (String = "text/csv"),
            (String = "text/markdown"),
        )),
        Unauthorized,
        Forbidden,
        Invalid,
    )
)]
#[tracing::instrument(name = "weekly report", skip_all)]
async fn weekly(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<WeeklyQuery>,
) -> Result<Response, Problem> {
    let format: Format = query.format.as_deref().unwrap_or("json").parse()?;
    let now = state.clock.now();
    let period = reports::period(query.week.as_deref(), &state.reports, now)?;
    let scope = reports::scope(&state.store, query.grid.as_deref(), query.unit.as_deref()).await?;
    if !reports::may_read(&caller.actor, scope) {
        return Err(forbidden());
    }
    let report = reports::on_demand(&state.store, &state.reports, period, scope, now).await?;
    Ok(respond(&report, format))
}

/// The stored reports' query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this week's (`2026-W48`).
    pub week: Option<String>,
    /// Only this scope: `park`, `unit:ID` or `grid:ID`.
    pub scope: Option<String>,
    /// At most this many (1–1000, default 50).
    pub limit: Option<u32>,
}

/// The stored copies of the weekly reports that were sent, newest week first; only those the
/// caller may read.
#[utoipa::path(
    get,
    path = "/reports",
    tag = "reports",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Stored reports, newest week first", body = [serde_json::Value]),
        Unauthorized,
        Invalid,
    )
)]
#[tracing::instrument(name = "list reports", skip_all)]
async fn list_reports(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<ReportSummary>>, Problem> {
    // Parsed, not passed through: the stored copies are keyed by the week's and the scope's
    // canonical forms, and anything else (a NUL, which PostgreSQL refuses) matches nothing.
    let period = query
        .week
        .as_deref()
        .map(|w| Period::parse_week(w, state.reports.calendar.tz()).map(|p| p.to_string()))
        .transpose()?;
    let scope = query
        .scope
        .as_deref()
        .map(|s| {
            ReportScope::from_key(s.trim())
                .map(|s| s.key())
                .ok_or_else(|| {
                    Problem::field("scope", format!("'{s}' is not park, unit:ID or grid:ID"))
                })
        })
        .transpose()?;
    let filter = ReportFilter {
        period,
        scope,
        limit: query.limit.unwrap_or(50).clamp(1, 1000),
    };
    let copies = state.store.report_copies(&filter).await?;
    let copies = copies
        .into_iter()
        .filter(|c| {
            ReportScope::from_key(&c.scope)
                .is_some_and(|scope| reports::may_read(&caller.actor, scope))
        })
        .collect();
    Ok(Json(copies))
}

/// The format of a stored report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShowQuery {
    /// `json` (default), `html`, `csv` or `md`.
    #[param(schema_with = crate::openapi::names::report_format)]
    pub format: Option<String>,
}

/// One stored report, with the numbers as they were sent.
#[utoipa::path(
    get,
    path = "/reports/{id}",
    tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The stored report's id", minimum = 1), ShowQuery),
    responses(
        (status = 200, description = "The report in the format asked for", content(
            (serde_json::Value = "application/json"),
            (String = "text/html"),
            (String = "text/csv"),
            (String = "text/markdown"),
        )),
        Unauthorized,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "show report", skip_all, fields(id))]
async fn show_report(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<ShowQuery>,
) -> Result<Response, Problem> {
    tracing::Span::current().record("id", id);
    let format: Format = query.format.as_deref().unwrap_or("json").parse()?;
    let stored = state
        .store
        .report_copy(id)
        .await?
        .filter(|s| reports::may_read(&caller.actor, s.report.scope))
        // A report the caller may not read looks absent, as an issue out of scope does.
        .ok_or_else(|| Problem::not_found("report"))?;
    Ok(respond(&stored.report, format))
}

//! The weekly report in the browser: the page the Monday email carries, computed for the week
//! asked (the last one by default), for the scopes the viewer may read.

use axum::extract::{Query, State};
use axum::http::header::CONTENT_SECURITY_POLICY;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use gridloop_app::store::StoreError;
use serde::Deserialize;

use crate::render::PageError;
use crate::session::Viewer;
use gridloop_app::reports::{self, Format, ReportRequestError, SchedulerError, WeeklyRequest};
use gridloop_app::AppState;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/weekly-report", axum::routing::get(show))
}

#[derive(Debug, Deserialize)]
pub struct WeeklyQuery {
    week: Option<String>,
    unit: Option<String>,
    grid: Option<String>,
}

impl From<ReportRequestError> for PageError {
    fn from(e: ReportRequestError) -> Self {
        match e {
            ReportRequestError::Store(StoreError::NotFound { .. }) => PageError::NotFound,
            ReportRequestError::Store(e) => e.into(),
            ReportRequestError::BothScopes | ReportRequestError::Invalid(_) => {
                PageError::BadRequest
            }
            ReportRequestError::NotPermitted => PageError::Forbidden,
            // The database went away while the report was computed: 503, like any page.
            ReportRequestError::Scheduler(SchedulerError::Store(e)) => e.into(),
            ReportRequestError::Scheduler(e) => {
                tracing::error!(error = %e, "weekly report failed");
                PageError::Internal
            }
        }
    }
}

/// A bad `week`, `grid` or `unit`, said in the viewer's language.
fn refused(viewer: &Viewer, e: ReportRequestError) -> PageError {
    let message = match &e {
        ReportRequestError::Invalid(p) if p.field() == "week" => "bad_week",
        ReportRequestError::Invalid(_) | ReportRequestError::BothScopes => "bad_report_scope",
        _ => return e.into(),
    };
    PageError::Refused {
        status: StatusCode::BAD_REQUEST,
        locale: viewer.locale,
        message: viewer.t(message),
    }
}

/// `GET /weekly-report?week=2026-W48&unit=power`.
async fn show(
    viewer: Viewer,
    State(state): State<AppState>,
    Query(query): Query<WeeklyQuery>,
) -> Result<Response, PageError> {
    let request = WeeklyRequest {
        week: query.week,
        grid: query.grid,
        unit: query.unit,
        own_by_default: true,
        locale: Some(viewer.locale),
    };
    let report = reports::weekly(&state, Some(&viewer.actor), &request)
        .await
        .map_err(|e| refused(&viewer, e))?;
    Ok((
        [(CONTENT_SECURITY_POLICY, REPORT_POLICY)],
        Html(Format::Html.render(&report)),
    )
        .into_response())
}

/// The report page's own policy, kept by the router's header layer in place of the pages' one.
/// The page is the email's HTML, made for mail clients that drop `<style>` blocks and linked
/// files, so it is styled with inline `style` attributes: those are allowed, and nothing else
/// is, since the page needs nothing else (no script, no stylesheet, the chart a `data:` PNG).
const REPORT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

//! Commissioners (服务专员): this week's on-site visits, with check-in, notes and "raise an
//! issue" found on the visit — logged and raised in one transaction by the app's
//! `visits::complete`, as from the API, so a retried form never raises the issue twice. Each
//! visit links to the chain's form to raise a need or an offer found there, which the listing
//! then remembers, and to its enterprise's chain position. A refusal is said in the page's
//! language (`messages`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use gridloop_app::visits::{self, RaisedInput};
use gridloop_app::AppError;
use gridloop_core::{Role, VisitStatus};
use minijinja::context;
use serde::Serialize;

use crate::form::{Fields, WebForm};
use crate::issue::Directory;
use crate::messages;
use crate::render::{local_time, page_with, see_other, PageError};
use crate::session::Viewer;
use gridloop_app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/visits", get(list))
        .route("/visits/{id}/checkin", post(check_in))
        .route("/visits/{id}/complete", post(complete))
}

#[derive(Debug, Serialize)]
struct VisitView {
    id: i64,
    enterprise: String,
    /// For the links that raise a need or an offer found on the visit.
    enterprise_id: i64,
    scheduled: String,
    window_end: String,
    status: &'static str,
    notes: Option<String>,
    issues: Vec<i64>,
    can_check_in: bool,
    can_complete: bool,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
}

/// `GET /visits`.
async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    render(&state, &viewer, None, StatusCode::OK).await
}

/// The week's visits, and, after a refused form, which visit, what was typed and why.
async fn render(
    state: &AppState,
    viewer: &Viewer,
    failed: Option<(i64, Fields, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    viewer.require(&[Role::Commissioner])?;
    let tz = state.calendar().tz();
    let visits = visits::own_this_week(state, &viewer.actor).await?;
    let names = Directory::load(state).await?;
    let views: Vec<VisitView> = visits
        .iter()
        .map(|v| VisitView {
            id: v.id,
            enterprise: names.enterprise(v.enterprise),
            enterprise_id: v.enterprise.get(),
            scheduled: local_time(v.scheduled_at, tz),
            window_end: local_time(v.window_end_at, tz),
            status: v.status.as_str(),
            notes: v.notes.clone(),
            issues: v.issues.iter().map(|i| i.get()).collect(),
            can_check_in: v.status == VisitStatus::Planned,
            can_complete: matches!(v.status, VisitStatus::Planned | VisitStatus::CheckedIn),
        })
        .collect();
    let categories: Vec<Choice> = names
        .categories()
        .iter()
        .map(|c| Choice {
            value: c.code.to_string(),
            label: c.name.to_string(),
        })
        .collect();
    let (failed_id, form, error) = match failed {
        Some((id, fields, error)) => (Some(id), fields.echo(), Some(error)),
        None => (None, Default::default(), None),
    };
    let ctx = context! {
        visits => views,
        categories,
        failed_id,
        form,
        error,
        ..viewer.base(viewer.t("visits_title"))
    };
    page_with(status, "visits.html", ctx)
}

/// A visit's id from the path; one that cannot be an id names nothing.
fn visit_id(raw: &str) -> Result<i64, PageError> {
    raw.parse::<i64>().map_err(|_| PageError::NotFound)
}

/// Why the app refused a form, as the form's message in the viewer's language; `Err` for what
/// is no fault of the form (a visit that is not theirs, the database, the server).
fn refusal(viewer: &Viewer, e: AppError) -> Result<String, PageError> {
    match e {
        AppError::Visit(_) | AppError::Invalid(_) => Ok(messages::text(viewer.locale, &e)),
        other => Err(other.into()),
    }
}

/// `POST /visits/{id}/checkin`.
async fn check_in(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(&[Role::Commissioner])?;
    let id = visit_id(&id)?;
    match visits::check_in(&state, &viewer.actor, id).await {
        Ok(_) => Ok(see_other("/visits")),
        Err(e) => {
            let message = refusal(&viewer, e)?;
            render(
                &state,
                &viewer,
                Some((id, fields, message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /visits/{id}/complete`: notes, and optionally an issue raised for the enterprise.
async fn complete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(&[Role::Commissioner])?;
    let id = visit_id(&id)?;
    let notes = fields.get("notes").unwrap_or_default().to_owned();
    // The issue raised from the page is described by the visit's notes.
    let raise: Vec<RaisedInput> = fields
        .get("raise_title")
        .map(|title| RaisedInput {
            title: title.to_owned(),
            category: fields.get("raise_category").unwrap_or_default().to_owned(),
            description: notes.clone(),
            priority: None,
        })
        .into_iter()
        .collect();
    match visits::complete(&state, &viewer.actor, id, &notes, &raise).await {
        Ok(done) => {
            tracing::info!(
                visit = done.id,
                raised = done.issues.len(),
                "visit logged from the web"
            );
            Ok(see_other("/visits"))
        }
        Err(e) => {
            let message = refusal(&viewer, e)?;
            render(
                &state,
                &viewer,
                Some((id, fields, message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

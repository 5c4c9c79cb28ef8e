//! Commissioners (服务专员): this week's on-site visits, with check-in, notes and "raise an
//! issue" found on the visit — logged and raised in one transaction by the store's
//! `complete_visit_raising`, so a retried form never raises the issue twice.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use gridloop_app::store::{RaisedIssue, StoreError, Visit, VisitFilter};
use gridloop_core::{Description, Period, Priority, Role, Title};
use minijinja::context;
use serde::Serialize;

use crate::form::{Fields, WebForm};
use crate::issue::Directory;
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
    let tz = state.workflow.calendar().tz();
    let now = state.clock.now();
    let week = Period::week_containing(now, tz);
    let visits = state
        .store
        .visits(&VisitFilter {
            commissioner: Some(viewer.user.id),
            from: Some(week.from()),
            to: Some(week.to()),
            ..VisitFilter::default()
        })
        .await?;
    let names = Directory::load(state).await?;
    let views: Vec<VisitView> = visits
        .iter()
        .map(|v| VisitView {
            id: v.id,
            enterprise: names.enterprise(v.enterprise),
            scheduled: local_time(v.scheduled_at, tz),
            window_end: local_time(v.window_end_at, tz),
            status: v.status.as_str(),
            notes: v.notes.clone(),
            issues: v.issues.iter().map(|i| i.get()).collect(),
            can_check_in: v.status == gridloop_core::VisitStatus::Planned,
            can_complete: matches!(
                v.status,
                gridloop_core::VisitStatus::Planned | gridloop_core::VisitStatus::CheckedIn
            ),
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

/// The viewer's own visit, or 404 (another commissioner's is as good as missing).
async fn own_visit(state: &AppState, viewer: &Viewer, raw: &str) -> Result<Visit, PageError> {
    let id = raw.parse::<i64>().map_err(|_| PageError::NotFound)?;
    match state.store.visit(id).await? {
        Some(v) if v.commissioner == viewer.user.id => Ok(v),
        _ => Err(PageError::NotFound),
    }
}

fn refusal(viewer: &Viewer, e: StoreError) -> Result<String, PageError> {
    match e {
        StoreError::Visit(v) => Ok(format!("{} ({v})", viewer.t("not_allowed_now"))),
        StoreError::Invalid(list) => Ok(list
            .iter()
            .map(|e| format!("{}: {}", e.field(), e.rule()))
            .collect::<Vec<_>>()
            .join("; ")),
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
    let visit = own_visit(&state, &viewer, &id).await?;
    match state
        .store
        .check_in_visit(visit.id, viewer.user.id, state.clock.now())
        .await
    {
        Ok(_) => Ok(see_other("/visits")),
        Err(e) => {
            let message = refusal(&viewer, e)?;
            render(
                &state,
                &viewer,
                Some((visit.id, fields, message)),
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
    let visit = own_visit(&state, &viewer, &id).await?;
    let notes = fields.get("notes").unwrap_or_default().to_owned();
    let now = state.clock.now();
    let mut raised = Vec::new();
    if let Some(title) = fields.get("raise_title") {
        let category = match fields.get("raise_category") {
            Some(code) => match gridloop_core::Code::parse_field("category", code) {
                Ok(code) => state.category_id(&code).await?,
                Err(_) => None,
            },
            None => None,
        };
        let title = Title::parse(title);
        match (category, title) {
            (Some(category), Ok(title)) => raised.push(RaisedIssue {
                category,
                title,
                description: Description::parse(&notes)
                    .or_else(|_| Description::parse(""))
                    .map_err(|_| PageError::Internal)?,
                priority: Priority::Normal,
            }),
            (None, _) => {
                let message = format!("{}: {}", viewer.t("raise_category"), viewer.t("choose"));
                return render(
                    &state,
                    &viewer,
                    Some((visit.id, fields, message)),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
            (_, Err(e)) => {
                let message = format!("{}: {}", viewer.t("raise_title"), e.rule());
                return render(
                    &state,
                    &viewer,
                    Some((visit.id, fields, message)),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        }
    }
    let result = if raised.is_empty() {
        state
            .store
            .complete_visit(visit.id, viewer.user.id, &notes, now)
            .await
    } else {
        state
            .store
            .complete_visit_raising(
                &state.workflow,
                &viewer.actor,
                visit.id,
                &notes,
                &raised,
                now,
            )
            .await
    };
    match result {
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
                Some((visit.id, fields, message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

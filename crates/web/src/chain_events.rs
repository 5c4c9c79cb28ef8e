//! Matchmaking events (对接会, meetings in code): `/chain/events` (the list),
//! `/chain/events/new` (the plan form) and `/chain/events/{id}` (the event: suggested invitees
//! with their reasons and the invite form, invitations with when they were sent, the
//! attendance form, hold and cancel). Every step is the app's (`chain::meetings`); a refusal
//! is said in the page's language (`messages`), the page shown again with what was typed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use gridloop_app::chain::matches;
use gridloop_app::chain::meetings::{self, InviteeView, MeetingView, PlanInput, RUNNING_ROLES};
use gridloop_app::store::Meeting;
use gridloop_app::AppError;
use gridloop_core::chain::matching::INTRODUCERS;
use gridloop_core::chain::{MeetingId, MeetingStatus};
use minijinja::context;
use serde::Serialize;

use crate::form::{Fields, WebForm};
use crate::messages;
use crate::render::{local_time, page_with, see_other, PageError};
use crate::session::Viewer;
use gridloop_app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chain/events", get(list))
        .route("/chain/events/new", get(new_form).post(plan))
        .route("/chain/events/{id}", get(show))
        .route("/chain/events/{id}/invite", post(invite))
        .route("/chain/events/{id}/send", post(send))
        .route("/chain/events/{id}/attend", post(attend))
        .route("/chain/events/{id}/hold", post(hold))
        .route("/chain/events/{id}/cancel", post(cancel))
}

#[derive(Debug, Serialize)]
struct Row {
    id: i64,
    starts: String,
    status: &'static str,
    place: String,
    theme: String,
    invited: u32,
    attended: u32,
    capacity: u32,
}

fn row(m: &Meeting, tz: chrono_tz::Tz) -> Row {
    Row {
        id: m.id.get(),
        starts: local_time(m.starts_at.at(), tz),
        status: m.status.as_str(),
        place: m.place.to_string(),
        theme: m.theme.to_string(),
        invited: m.invited,
        attended: m.attended,
        capacity: m.capacity.get(),
    }
}

/// `GET /chain/events`: the events in the viewer's sight, the latest planned first.
async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let tz = state.calendar().tz();
    let page = meetings::list(&state, Some(&viewer.actor), None, Some(100), None).await?;
    let rows: Vec<Row> = page.items.iter().map(|m| row(m, tz)).collect();
    let may_plan = RUNNING_ROLES.iter().any(|&r| viewer.actor.has_role(r));
    let ctx = context! {
        events => rows,
        may_plan,
        ..viewer.base(viewer.t("ev_title"))
    };
    page_with(StatusCode::OK, "chain_events.html", ctx)
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
}

/// `GET /chain/events/new`.
async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    render_new(&state, &viewer, Fields::default(), None, StatusCode::OK).await
}

async fn render_new(
    state: &AppState,
    viewer: &Viewer,
    fields: Fields,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    viewer.require(RUNNING_ROLES)?;
    let mut stages = Vec::new();
    for chain in state.store.chains().await? {
        for s in state.store.stages(chain.id).await? {
            stages.push(Choice {
                value: s.code.to_string(),
                label: s.name.to_string(),
            });
        }
    }
    let ctx = context! {
        stages,
        form => fields.echo(),
        lists => fields.echo_lists(),
        error,
        ..viewer.base(viewer.t("ev_new_title"))
    };
    page_with(status, "chain_event_new.html", ctx)
}

/// `POST /chain/events/new`: plans the event, then to its page.
async fn plan(State(state): State<AppState>, form: WebForm) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(RUNNING_ROLES)?;
    let input = PlanInput {
        date: fields.get("date").unwrap_or_default().to_owned(),
        time: fields.get("time").unwrap_or_default().to_owned(),
        place: fields.get("place").unwrap_or_default().to_owned(),
        theme: fields.get("theme").unwrap_or_default().to_owned(),
        capacity: fields.get("capacity").unwrap_or_default().to_owned(),
        stages: fields
            .all("stages")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        tags: fields.get("tags").map(str::to_owned).into_iter().collect(),
        grid: fields.get("grid").map(str::to_owned),
    };
    match meetings::plan(&state, &viewer.actor, &input).await {
        Ok(m) => Ok(see_other(&format!("/chain/events/{}", m.id))),
        Err(e) => {
            let message = refusal(&viewer, e)?;
            render_new(
                &state,
                &viewer,
                fields,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug, Serialize)]
struct InvitationRow {
    enterprise: i64,
    name: String,
    notified: Option<String>,
    attended: Option<bool>,
}

#[derive(Debug, Serialize)]
struct SuggestionRow {
    enterprise: i64,
    name: String,
    score: u32,
    why: String,
}

/// A match made at the event, on its page.
#[derive(Debug, Serialize)]
struct MadeHereRow {
    id: i64,
    a: String,
    b: String,
    status: String,
}

/// `GET /chain/events/{id}`.
async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = event_id(&id)?;
    render_show(&state, &viewer, id, None, StatusCode::OK).await
}

/// The event page, with a refusal's message after a form.
async fn render_show(
    state: &AppState,
    viewer: &Viewer,
    id: MeetingId,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let tz = state.calendar().tz();
    let MeetingView {
        meeting,
        invitations,
    } = meetings::get(state, Some(&viewer.actor), id).await?;
    // Suggestions for who runs it and while it is planned; others see the event only.
    let suggestions: Vec<InviteeView> = if meeting.status == MeetingStatus::Planned {
        match meetings::suggest(state, &viewer.actor, id, None, viewer.locale).await {
            Ok(found) => found,
            Err(AppError::NotPermitted { .. }) => Vec::new(),
            Err(e) => return Err(e.into()),
        }
    } else {
        Vec::new()
    };
    let runs = meetings::runs(&viewer.actor, &meeting);
    // The matches made here, as the reader may see them (introduced with `meeting`).
    let made_here = matches::list(
        state,
        Some(&viewer.actor),
        &matches::ListInput {
            meeting: Some(id.to_string()),
            ..matches::ListInput::default()
        },
    )
    .await?
    .items
    .into_iter()
    .map(|m| MadeHereRow {
        id: m.id.get(),
        a: m.a_name.to_string(),
        b: m.b_name.to_string(),
        status: m.state.status.to_string(),
    })
    .collect::<Vec<_>>();
    let may_introduce = INTRODUCERS.iter().any(|&r| viewer.actor.has_role(r))
        && meeting.status != MeetingStatus::Cancelled;
    let unsent = invitations.iter().any(|i| i.notified_at.is_none());
    let ctx = context! {
        event => row(&meeting, tz),
        tags => meeting.tags.as_slice().iter().map(ToString::to_string).collect::<Vec<_>>(),
        cancel_reason => meeting.cancel_reason.as_ref().map(ToString::to_string),
        invitations => invitations.iter().map(|i| InvitationRow {
            enterprise: i.enterprise.get(),
            name: i.enterprise_name.to_string(),
            notified: i.notified_at.map(|t| local_time(t, tz)),
            attended: i.attended,
        }).collect::<Vec<_>>(),
        suggestions => suggestions.into_iter().map(|s| SuggestionRow {
            enterprise: s.enterprise.get(),
            name: s.name,
            score: s.score,
            why: s.explanation,
        }).collect::<Vec<_>>(),
        runs,
        made_here,
        may_introduce,
        planned => meeting.status == MeetingStatus::Planned,
        cancelled => meeting.status == MeetingStatus::Cancelled,
        unsent,
        error,
        ..viewer.base(meeting.theme.as_str())
    };
    page_with(status, "chain_event.html", ctx)
}

/// An event's id from the path; one that cannot be an id names nothing.
fn event_id(raw: &str) -> Result<MeetingId, PageError> {
    raw.parse::<MeetingId>().map_err(|_| PageError::NotFound)
}

/// Why the app refused a form, in the viewer's language; `Err` for what is no fault of the
/// form (an event out of sight, a role, the database).
fn refusal(viewer: &Viewer, e: AppError) -> Result<String, PageError> {
    match e {
        AppError::Invalid(_) => Ok(messages::text(viewer.locale, &e)),
        other => Err(other.into()),
    }
}

/// After a step: back to the event, or the event again with why it was refused.
async fn after(
    state: &AppState,
    viewer: &Viewer,
    id: MeetingId,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(see_other(&format!("/chain/events/{id}"))),
        Err(e) => {
            let message = refusal(viewer, e)?;
            render_show(
                state,
                viewer,
                id,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /chain/events/{id}/invite`: the ticked enterprises.
async fn invite(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    let id = event_id(&id)?;
    let ids: Vec<String> = fields
        .all("enterprise")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let result = meetings::invite(&state, &viewer.actor, id, &ids)
        .await
        .map(|_| ());
    after(&state, &viewer, id, result).await
}

/// `POST /chain/events/{id}/send`.
async fn send(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let id = event_id(&id)?;
    let result = meetings::send(&state, &form.viewer.actor, id)
        .await
        .map(|_| ());
    after(&state, &form.viewer, id, result).await
}

/// `POST /chain/events/{id}/attend`: one enterprise, `attended` yes or no.
async fn attend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    let id = event_id(&id)?;
    let came = match fields.get("attended") {
        Some("yes") => true,
        Some("no") => false,
        _ => return Err(PageError::BadRequest),
    };
    let enterprise = fields.get("enterprise").unwrap_or_default();
    let result = meetings::attend(&state, &viewer.actor, id, enterprise, came)
        .await
        .map(|_| ());
    after(&state, &viewer, id, result).await
}

/// `POST /chain/events/{id}/hold`.
async fn hold(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let id = event_id(&id)?;
    let result = meetings::hold(&state, &form.viewer.actor, id)
        .await
        .map(|_| ());
    after(&state, &form.viewer, id, result).await
}

/// `POST /chain/events/{id}/cancel`: with an optional reason.
async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    let id = event_id(&id)?;
    let result = meetings::cancel(&state, &viewer.actor, id, fields.get("reason"))
        .await
        .map(|_| ());
    after(&state, &viewer, id, result).await
}

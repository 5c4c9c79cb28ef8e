//! `/chain/events…`: matchmaking events (对接会, meetings in code) over HTTP — planned,
//! listed, read with their invitations, invitees suggested by the theme, invited, told,
//! attendance recorded, held, cancelled. The rules are the app's
//! (`gridloop_app::chain::meetings`).

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use gridloop_app::chain::meetings::{self, MeetingView, PlanInput};
use gridloop_app::store::{Invitation, Meeting};
use gridloop_core::chain::MeetingId;
use gridloop_core::Locale;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::chain::{tags_schema, LocaleName};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::Problem;
use crate::reference::{created, path_id, Forbidden, Invalid, NotFound, Unauthorized};
use gridloop_app::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events, plan_event))
        .routes(routes!(get_event))
        .routes(routes!(suggest_invitees))
        .routes(routes!(invite))
        .routes(routes!(send_invitations))
        .routes(routes!(record_attendance))
        .routes(routes!(hold_event))
        .routes(routes!(cancel_event))
}

/// A matchmaking event.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchmakingEventView {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub place: String,
    pub theme: String,
    pub capacity: u32,
    /// The grid it was planned for; absent for a park-wide event.
    pub grid: Option<i64>,
    /// `planned`, `held` or `cancelled`.
    pub status: String,
    /// Target stage ids.
    pub stages: Vec<i64>,
    pub tags: Vec<String>,
    pub planned_by: i64,
    pub planned_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub invited: u32,
    pub notified: u32,
    pub attended: u32,
}

fn event_view(m: &Meeting) -> MatchmakingEventView {
    MatchmakingEventView {
        id: m.id.get(),
        starts_at: m.starts_at.at(),
        place: m.place.to_string(),
        theme: m.theme.to_string(),
        capacity: m.capacity.get(),
        grid: m.grid.map(|g| g.get()),
        status: m.status.to_string(),
        stages: m.stages.as_slice().iter().map(|s| s.get()).collect(),
        tags: m.tags.as_slice().iter().map(|t| t.to_string()).collect(),
        planned_by: m.planned_by.get(),
        planned_at: m.planned_at,
        closed_at: m.closed_at,
        cancel_reason: m.cancel_reason.as_ref().map(ToString::to_string),
        invited: m.invited,
        notified: m.notified,
        attended: m.attended,
    }
}

/// One invited enterprise.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    pub enterprise: i64,
    pub enterprise_name: String,
    pub grid: i64,
    pub invited_at: DateTime<Utc>,
    /// When its users were sent the invitation; absent until sent.
    pub notified_at: Option<DateTime<Utc>>,
    /// Absent until recorded.
    pub attended: Option<bool>,
}

fn invitation_view(i: &Invitation) -> InvitationView {
    InvitationView {
        enterprise: i.enterprise.get(),
        enterprise_name: i.enterprise_name.to_string(),
        grid: i.grid.get(),
        invited_at: i.invited_at,
        notified_at: i.notified_at,
        attended: i.attended,
    }
}

/// An event with its invitations.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDetail {
    #[serde(flatten)]
    pub event: MatchmakingEventView,
    pub invitations: Vec<InvitationView>,
}

fn detail(v: &MeetingView) -> EventDetail {
    EventDetail {
        event: event_view(&v.meeting),
        invitations: v.invitations.iter().map(invitation_view).collect(),
    }
}

/// A page of events, the latest planned first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<MatchmakingEventView>,
    /// Pass back as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// An event to plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// A later day than today (park time), at most 731 days ahead.
    pub date: NaiveDate,
    /// The start, `HH:MM`, in the park's time zone.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "14:30")]
    pub time: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$",
        example = "园区服务中心二楼会议室"
    )]
    pub place: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$",
        example = "铝边角料回收与再生合金对接会"
    )]
    pub theme: String,
    /// The most enterprises it may invite.
    #[schema(minimum = 1, maximum = 500)]
    pub capacity: u32,
    /// Target stage codes.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub stages: Vec<String>,
    /// Target tags: at most 12, each at most 32 characters.
    #[serde(default)]
    #[schema(schema_with = tags_schema)]
    pub tags: Vec<String>,
    /// The grid's id (a commissioner of several grids names one; absent: park-wide for a
    /// dispatcher or admin).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub grid: Option<i64>,
}

/// Filters of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    #[param(inline)]
    pub status: Option<EventStatusName>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 16, pattern = r"^m[0-9a-fA-F]{1,15}$")]
    pub cursor: Option<String>,
}

/// `planned`, `held` or `cancelled`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventStatusName {
    Planned,
    Held,
    Cancelled,
}

impl EventStatusName {
    fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Held => "held",
            Self::Cancelled => "cancelled",
        }
    }
}

fn event_id(raw: i64) -> Result<MeetingId, Problem> {
    path_id(raw, "meeting", MeetingId::new)
}

/// Lists the events in the caller's sight, the latest planned first.
#[utoipa::path(
    get,
    path = "/chain/events",
    tag = "chain",
    security(("bearer" = [])),
    params(EventQuery),
    responses(
        (status = 200, description = "A page of events", body = EventPage),
        Unauthorized,
        Invalid,
    )
)]
#[tracing::instrument(name = "list events", skip_all)]
async fn list_events(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<EventQuery>,
) -> Result<Json<EventPage>, Problem> {
    let page = meetings::list(
        &state,
        Some(&caller.actor),
        query.status.map(EventStatusName::as_str),
        query.limit,
        query.cursor.as_deref(),
    )
    .await?;
    Ok(Json(EventPage {
        items: page.items.iter().map(event_view).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Plans an event (dispatchers, admins; commissioners for a grid of theirs). A day not after
/// today is 422: an event is never planned in the past.
#[utoipa::path(
    post,
    path = "/chain/events",
    tag = "chain",
    security(("bearer" = [])),
    request_body = PlanBody,
    responses(
        (status = 201, description = "Planned", body = MatchmakingEventView,
         headers(("Location" = String, description = "The event's address"))),
        Unauthorized,
        Forbidden,
        Invalid,
    )
)]
#[tracing::instrument(name = "plan event", skip_all)]
async fn plan_event(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PlanBody>,
) -> Result<Response, Problem> {
    let input = PlanInput {
        date: body.date.format("%Y-%m-%d").to_string(),
        time: body.time,
        place: body.place,
        theme: body.theme,
        capacity: body.capacity.to_string(),
        stages: body.stages,
        tags: body.tags,
        grid: body.grid.map(|g| g.to_string()),
    };
    let meeting = meetings::plan(&state, &caller.actor, &input).await?;
    Ok(created(
        format!("/api/v1/chain/events/{}", meeting.id),
        event_view(&meeting),
    ))
}

/// Reads one event with its invitations.
#[utoipa::path(
    get,
    path = "/chain/events/{id}",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The event's id", minimum = 1)),
    responses(
        (status = 200, description = "The event", body = EventDetail),
        Unauthorized,
        NotFound,
    )
)]
#[tracing::instrument(name = "get event", skip_all)]
async fn get_event(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<EventDetail>, Problem> {
    let view = meetings::get(&state, Some(&caller.actor), event_id(id)?).await?;
    Ok(Json(detail(&view)))
}

/// One suggested invitee.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteeSuggestionView {
    pub enterprise: i64,
    pub name: String,
    pub score: u32,
    /// Why, in one line, in the language asked for.
    pub explanation: String,
}

/// Options of the suggestions.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InviteeQuery {
    /// How many (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
    /// The language of the explanations: `zh-CN` (default) or `en`.
    #[param(inline)]
    pub locale: Option<LocaleName>,
}

/// The enterprises suggested for an event by its theme, stages and tags, not yet invited,
/// best first, each with why.
#[utoipa::path(
    get,
    path = "/chain/events/{id}/suggestions",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The event's id", minimum = 1), InviteeQuery),
    responses(
        (status = 200, description = "The suggestions, best first", body = [InviteeSuggestionView]),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "suggest invitees", skip_all)]
async fn suggest_invitees(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<InviteeQuery>,
) -> Result<Json<Vec<InviteeSuggestionView>>, Problem> {
    let locale = match query.locale {
        Some(LocaleName::En) => Locale::En,
        _ => Locale::ZhCn,
    };
    let found =
        meetings::suggest(&state, &caller.actor, event_id(id)?, query.limit, locale).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|s| InviteeSuggestionView {
                enterprise: s.enterprise.get(),
                name: s.name,
                score: s.score,
                explanation: s.explanation,
            })
            .collect(),
    ))
}

/// Enterprises to invite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    /// Enterprise ids: of the event's grid when it has one; within its capacity.
    #[schema(min_items = 1, max_items = 100)]
    pub enterprises: Vec<i64>,
}

/// Invites enterprises to a planned event (one invited before is left as it is).
#[utoipa::path(
    post,
    path = "/chain/events/{id}/invitations",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The event's id", minimum = 1)),
    request_body = InviteBody,
    responses(
        (status = 200, description = "The event with its invitations", body = EventDetail),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "invite", skip_all)]
async fn invite(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<InviteBody>,
) -> Result<Json<EventDetail>, Problem> {
    let ids: Vec<String> = body.enterprises.iter().map(i64::to_string).collect();
    let view = meetings::invite(&state, &caller.actor, event_id(id)?, &ids).await?;
    Ok(Json(detail(&view)))
}

/// What was sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentView {
    /// The enterprises told now (those invited since the last send).
    pub enterprises: Vec<i64>,
    /// The email and SMS notifications queued for their users.
    pub notifications: u64,
}

/// Sends the invitations not sent yet (email/SMS through the outbox) and plans the
/// day-before reminder.
#[utoipa::path(
    post,
    path = "/chain/events/{id}/send",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The event's id", minimum = 1)),
    responses(
        (status = 200, description = "What was sent", body = SentView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "send invitations", skip_all)]
async fn send_invitations(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SentView>, Problem> {
    let sent = meetings::send(&state, &caller.actor, event_id(id)?).await?;
    Ok(Json(SentView {
        enterprises: sent.enterprises.iter().map(|e| e.get()).collect(),
        notifications: sent.notifications,
    }))
}

/// An invited enterprise's attendance.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceBody {
    #[schema(minimum = 1)]
    pub enterprise: i64,
    pub attended: bool,
}

/// Records whether an invited enterprise attended (from the event's day on).
#[utoipa::path(
    post,
    path = "/chain/events/{id}/attendance",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The event's id", minimum = 1)),
    request_body = AttendanceBody,
    responses(
        (status = 200, description = "The event with its invitations", body = EventDetail),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "record attendance", skip_all)]
async fn record_attendance(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AttendanceBody>,
) -> Result<Json<EventDetail>, Problem> {
    let view = meetings::attend(
        &state,
        &caller.actor,
        event_id(id)?,
        &body.enterprise.to_string(),
        body.attended,
    )
    .await?;
    Ok(Json(detail(&view)))
}

/// Marks a planned event held (on or after its day).
#[utoipa::path(
    post,
    path = "/chain/events/{id}/hold",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The event's id", minimum = 1)),
    responses(
        (status = 200, description = "The event, held", body = MatchmakingEventView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "hold event", skip_all)]
async fn hold_event(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MatchmakingEventView>, Problem> {
    let meeting = meetings::hold(&state, &caller.actor, event_id(id)?).await?;
    Ok(Json(event_view(&meeting)))
}

/// Why an event is called off.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    #[serde(default)]
    #[schema(
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub reason: Option<String>,
}

/// Cancels a planned event and tells the enterprises already invited.
#[utoipa::path(
    post,
    path = "/chain/events/{id}/cancel",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The event's id", minimum = 1)),
    request_body = CancelBody,
    responses(
        (status = 200, description = "The event, cancelled", body = MatchmakingEventView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "cancel event", skip_all)]
async fn cancel_event(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CancelBody>,
) -> Result<Json<MatchmakingEventView>, Problem> {
    let meeting =
        meetings::cancel(&state, &caller.actor, event_id(id)?, body.reason.as_deref()).await?;
    Ok(Json(event_view(&meeting)))
}

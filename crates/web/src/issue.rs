//! The issue page, for everyone who may see the issue: what it is, where it stands, its
//! timeline, and one form per action the viewer may take now.
//!
//! Which forms appear is the core's decision ([`available_actions`]: the transition table, the
//! viewer's roles and what those roles cover), narrowed only by the pending-extension
//! precondition the table cannot express. The step itself is the app's
//! [`issues::act()`], exactly as for the JSON API and the CLI; the
//! page only parses the form into an [`ActionInput`] (the page's version required) and shows
//! a refusal through [`messages::text`] in the page's language.

use std::collections::HashMap;
use std::str::FromStr;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{HeaderName, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDateTime, Utc};
use gridloop_app::error as app_error;
use gridloop_app::issues::{self, ActionInput, Until};
use gridloop_app::store::{Category, Unit};
use gridloop_app::{AppError, Thing};
use gridloop_core::{
    available_actions, ActionKind, Actor, CategoryId, Change, Code, EnterpriseId, Event, Format,
    Issue, IssueId, Note, ParseError, Priority, Reason, Rule, Satisfaction, Status, UnitId, UserId,
};
use minijinja::context;
use serde::Serialize;

use crate::form::{Fields, WebForm};
use crate::messages;
use crate::render::{local_time, page_with, see_other, PageError};
use crate::session::Viewer;
use gridloop_app::{attachments, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/issues/{id}", get(show))
        .route("/issues/{id}/{action}", post(act))
        .route("/issues/{id}/photos/{photo}", get(photo))
}

/// The names of the reference data a list or a page shows (enterprises, units, categories),
/// read once per request: a directory to look ids up in.
#[derive(Debug, Default)]
pub struct Directory {
    enterprises: HashMap<EnterpriseId, String>,
    units: Vec<Unit>,
    categories: Vec<Category>,
}

impl Directory {
    pub async fn load(state: &AppState) -> Result<Self, PageError> {
        Ok(Self {
            enterprises: state
                .store
                .enterprises(None)
                .await?
                .into_iter()
                .map(|e| (e.id, e.name.to_string()))
                .collect(),
            units: state.store.units().await?,
            categories: state.store.categories().await?,
        })
    }

    pub fn enterprise(&self, id: EnterpriseId) -> String {
        self.enterprises.get(&id).cloned().unwrap_or_default()
    }

    pub fn unit(&self, id: UnitId) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    pub fn category(&self, id: CategoryId) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    pub fn categories(&self) -> &[Category] {
        &self.categories
    }
}

/// One issue as a row of a list.
#[derive(Debug, Serialize)]
pub struct Row {
    pub id: i64,
    pub version: u32,
    pub title: String,
    pub status: &'static str,
    pub enterprise: String,
    pub category: String,
    pub unit: Option<String>,
    pub due: Option<String>,
    pub updated: String,
    pub overdue: bool,
    /// The unit's code the category suggests, for an assign form.
    pub suggested_unit: Option<String>,
    /// Forms a queue offers on the row itself (intake, extensions).
    pub actions: Vec<ActionView>,
    /// A line a queue adds about the row (the extension asked for).
    pub extra: Option<String>,
}

pub fn issue_rows(state: &AppState, names: &Directory, issues: &[Issue]) -> Vec<Row> {
    let now = state.clock.now();
    let tz = state.calendar().tz();
    issues
        .iter()
        .map(|issue| {
            let category = names.category(issue.category);
            Row {
                id: issue.id.get(),
                version: issue.version,
                title: issue.title.to_string(),
                status: issue.status.as_str(),
                enterprise: names.enterprise(issue.enterprise),
                category: category.map(|c| c.name.to_string()).unwrap_or_default(),
                unit: issue
                    .unit
                    .and_then(|u| names.unit(u))
                    .map(|u| u.name.to_string()),
                due: issue.resolve_due_at.map(|d| local_time(d, tz)),
                updated: local_time(issue.updated_at, tz),
                overdue: issue.is_overdue(now),
                suggested_unit: category
                    .and_then(|c| c.default_unit)
                    .and_then(|u| names.unit(u))
                    .map(|u| u.code.to_string()),
                actions: Vec::new(),
                extra: None,
            }
        })
        .collect()
}

/// A form for one action: the URL segment, the label's key, the look of its button.
#[derive(Debug, Clone, Serialize)]
pub struct ActionView {
    pub slug: &'static str,
    pub label: &'static str,
    pub danger: bool,
}

/// The URL segment of each action's form (`POST /issues/{id}/{slug}`), as the pages name them.
const SLUGS: &[(ActionKind, &str)] = &[
    (ActionKind::Accept, "accept"),
    (ActionKind::Reject, "reject"),
    (ActionKind::Assign, "assign"),
    (ActionKind::MarkDuplicate, "duplicate"),
    (ActionKind::Start, "start"),
    (ActionKind::Hold, "hold"),
    (ActionKind::Resume, "resume"),
    (ActionKind::ExtendRequest, "extend"),
    (ActionKind::ExtendGrant, "grant-extension"),
    (ActionKind::ExtendDeny, "deny-extension"),
    (ActionKind::Resolve, "resolve"),
    (ActionKind::Return, "return"),
    (ActionKind::Verify, "verify"),
    (ActionKind::Rework, "rework"),
    (ActionKind::Reopen, "reopen"),
    (ActionKind::Reassign, "reassign"),
    (ActionKind::Comment, "comment"),
];

fn slug_of(kind: ActionKind) -> Option<&'static str> {
    SLUGS.iter().find(|(k, _)| *k == kind).map(|(_, s)| *s)
}

fn kind_of(slug: &str) -> Option<ActionKind> {
    SLUGS.iter().find(|(_, s)| *s == slug).map(|(k, _)| *k)
}

fn view_of(kind: ActionKind) -> Option<ActionView> {
    Some(ActionView {
        slug: slug_of(kind)?,
        label: label_of(kind),
        danger: matches!(
            kind,
            ActionKind::Reject | ActionKind::Return | ActionKind::Rework | ActionKind::ExtendDeny
        ),
    })
}

fn label_of(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Report => "nav_report",
        ActionKind::Accept => "act_accept",
        ActionKind::Reject => "act_reject",
        ActionKind::Assign => "act_assign",
        ActionKind::Return => "act_return",
        ActionKind::Start => "act_start",
        ActionKind::Hold => "act_hold",
        ActionKind::Resume => "act_resume",
        ActionKind::ExtendRequest => "act_extend_request",
        ActionKind::ExtendGrant => "act_extend_grant",
        ActionKind::ExtendDeny => "act_extend_deny",
        ActionKind::Resolve => "act_resolve",
        ActionKind::Verify => "act_verify",
        ActionKind::Rework => "act_rework",
        ActionKind::Reopen => "act_reopen",
        ActionKind::MarkDuplicate => "act_mark_duplicate",
        ActionKind::Reassign => "act_reassign",
        ActionKind::Comment => "act_comment",
    }
}

/// The actions the viewer may take on the issue now: the core's list, less the extension
/// steps whose precondition (a pending request, or none) does not hold.
pub fn actions_for(issue: &Issue, actor: &Actor) -> Vec<ActionKind> {
    let pending = issue.pending_extension.is_some();
    available_actions(issue, actor)
        .into_iter()
        .filter(|kind| match kind {
            ActionKind::ExtendRequest => !pending,
            ActionKind::ExtendGrant | ActionKind::ExtendDeny => pending,
            _ => true,
        })
        .collect()
}

/// Forms for the actions among `wanted` the viewer may take now, in `wanted`'s order.
pub fn action_views(issue: &Issue, actor: &Actor, wanted: &[ActionKind]) -> Vec<ActionView> {
    let allowed = actions_for(issue, actor);
    wanted
        .iter()
        .filter(|k| allowed.contains(k))
        .filter_map(|k| view_of(*k))
        .collect()
}

/// The issue if the viewer may see it; 404 alike for a missing one and one out of sight.
pub async fn visible_issue(
    state: &AppState,
    viewer: &Viewer,
    raw_id: &str,
) -> Result<Issue, PageError> {
    let id = raw_id
        .parse::<i64>()
        .ok()
        .and_then(|n| IssueId::new(n).ok())
        .ok_or(PageError::NotFound)?;
    Ok(issues::show(state, Some(&viewer.actor), id).await?)
}

/// `GET /issues/{id}`.
async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let issue = visible_issue(&state, &viewer, &id).await?;
    render(&state, &viewer, &issue, Failed::default(), StatusCode::OK).await
}

/// A form that was sent and refused: which one, what was typed, why.
#[derive(Debug, Default)]
struct Failed {
    slug: Option<&'static str>,
    fields: Fields,
    errors: Vec<String>,
}

#[derive(Debug, Serialize)]
struct EventView {
    at: String,
    who: String,
    kind: &'static str,
    from: Option<&'static str>,
    to: &'static str,
    details: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Debug, Serialize)]
struct PhotoView {
    id: i64,
    name: String,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    issue: &Issue,
    failed: Failed,
    status: StatusCode,
) -> Result<Response, PageError> {
    let names = Directory::load(state).await?;
    let users: HashMap<UserId, String> = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, format!("{} ({})", u.name, u.login)))
        .collect();
    let events = state.store.events(issue.id).await?;
    let photos: Vec<PhotoView> = state
        .store
        .attachments(issue.id)
        .await?
        .into_iter()
        .filter(|a| a.content_type.starts_with("image/"))
        .map(|a| PhotoView {
            id: a.id,
            name: a.filename,
        })
        .collect();
    let tz = state.calendar().tz();
    let now = state.clock.now();
    let timeline: Vec<EventView> = events
        .iter()
        .map(|e| event_view(viewer, &names, &users, e, tz))
        .collect();
    let category = names.category(issue.category);
    let suggested_unit = issue
        .unit
        .or_else(|| category.and_then(|c| c.default_unit))
        .and_then(|u| names.unit(u))
        .map(|u| u.code.to_string());
    let actions: Vec<ActionView> = actions_for(issue, &viewer.actor)
        .into_iter()
        .filter_map(view_of)
        .collect();
    let units: Vec<Choice> = names
        .units()
        .iter()
        .map(|u| Choice {
            value: u.code.to_string(),
            label: u.name.to_string(),
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
    let pending = issue.pending_extension.as_ref().map(|p| {
        context! {
            until => local_time(p.until, tz),
            reason => p.reason.as_str(),
        }
    });
    let ctx = context! {
        issue => context! {
            id => issue.id.get(),
            version => issue.version,
            title => issue.title.as_str(),
            description => issue.description.as_str(),
            status => issue.status.as_str(),
            priority => issue.priority.as_str(),
            enterprise => names.enterprise(issue.enterprise),
            category => category.map(|c| c.name.to_string()),
            category_code => category.map(|c| c.code.to_string()),
            unit => issue.unit.and_then(|u| names.unit(u)).map(|u| u.name.to_string()),
            reporter => issue.reporter.and_then(|u| users.get(&u).cloned()),
            reported_at => local_time(issue.created_at, tz),
            response_due => issue.response_due_at.map(|d| local_time(d, tz)),
            resolve_due => issue.resolve_due_at.map(|d| local_time(d, tz)),
            overdue => issue.is_overdue(now),
            escalation => issue.escalation_level,
            resolution => issue.resolution.as_ref().map(|n| n.as_str().to_owned()),
            satisfaction => issue.satisfaction.map(|s| s.get()),
            duplicate_of => issue.duplicate_of.map(|d| d.get()),
            pending,
        },
        timeline,
        photos,
        actions,
        units,
        categories,
        priorities => Priority::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        suggested_unit,
        failed_slug => failed.slug,
        form => failed.fields.echo(),
        errors => failed.errors,
        ..viewer.base(&format!("#{} {}", issue.id, issue.title))
    };
    page_with(status, "issue.html", ctx)
}

fn event_view(
    viewer: &Viewer,
    names: &Directory,
    users: &HashMap<UserId, String>,
    event: &Event,
    tz: chrono_tz::Tz,
) -> EventView {
    let unit = |id: &UnitId| {
        names
            .unit(*id)
            .map(|u| u.name.to_string())
            .unwrap_or_default()
    };
    let label = |key: &str, value: &str| format!("{}: {value}", viewer.t(key));
    let details = match &event.change {
        Change::Reported { .. } | Change::Started => vec![],
        Change::Accepted { category, priority } => vec![
            label(
                "category",
                &names
                    .category(*category)
                    .map(|c| c.name.to_string())
                    .unwrap_or_default(),
            ),
            label(
                "priority",
                viewer.t(&format!("priority_{}", priority.as_str())),
            ),
        ],
        Change::Rejected { reason }
        | Change::Held { reason }
        | Change::ExtensionDenied { reason }
        | Change::Reopened { reason } => vec![label("reason", reason.as_str())],
        Change::Assigned {
            unit: u,
            resolve_due_at,
            ..
        } => vec![
            label("unit", &unit(u)),
            label("resolve_due", &local_time(*resolve_due_at, tz)),
        ],
        Change::Returned { unit: u, reason } => {
            vec![label("unit", &unit(u)), label("reason", reason.as_str())]
        }
        Change::Resumed { resolve_due_at, .. } | Change::ExtensionGranted { resolve_due_at } => {
            vec![label("resolve_due", &local_time(*resolve_due_at, tz))]
        }
        Change::ExtensionRequested { until, reason } => vec![
            label("requested_until", &local_time(*until, tz)),
            label("reason", reason.as_str()),
        ],
        Change::Resolved { note, public_note } => {
            let mut d = vec![label("note", note.as_str())];
            if let Some(public) = public_note {
                d.push(label("public_note", public.as_str()));
            }
            d
        }
        Change::Commented { note } => vec![label("note", note.as_str())],
        Change::Verified { satisfaction, note } => {
            let mut d = vec![label(
                "satisfaction",
                &format!("{} / 5", satisfaction.get()),
            )];
            if let Some(note) = note {
                d.push(label("note", note.as_str()));
            }
            d
        }
        Change::Reworked {
            reason,
            resolve_due_at,
            ..
        } => vec![
            label("reason", reason.as_str()),
            label("resolve_due", &local_time(*resolve_due_at, tz)),
        ],
        Change::MarkedDuplicate { of } => vec![label("duplicate_of", &format!("#{of}"))],
        Change::Reassigned {
            unit: u, reason, ..
        } => {
            let mut d = vec![label("unit", &unit(u))];
            if let Some(reason) = reason {
                d.push(label("reason", reason.as_str()));
            }
            d
        }
        Change::Escalated { level, .. } => vec![label("escalation", &level.to_string())],
        Change::DeadlinesRecomputed {
            response_due_at,
            resolve_due_at,
            cause,
        } => {
            let moved = |m: &gridloop_core::DeadlineMove| {
                viewer
                    .t("moved_from_to")
                    .replace("{from}", &local_time(m.from, tz))
                    .replace("{to}", &local_time(m.to, tz))
            };
            let mut d = Vec::new();
            if let Some(m) = response_due_at {
                d.push(label("response_due", &moved(m)));
            }
            if let Some(m) = resolve_due_at {
                d.push(label("resolve_due", &moved(m)));
            }
            let of = viewer
                .t("calendar_change_of")
                .replace("{region}", &cause.region)
                .replace("{year}", &cause.year.to_string())
                .replace("{version}", &cause.version.to_string());
            d.push(label("calendar_change", &of));
            d
        }
    };
    EventView {
        at: local_time(event.at, tz),
        who: event
            .actor
            .and_then(|a| users.get(&a).cloned())
            .unwrap_or_else(|| viewer.t("system").to_owned()),
        kind: event.change.kind(),
        from: event.from.map(Status::as_str),
        to: event.to.as_str(),
        details,
    }
}

/// A local date and time from a `datetime-local` input, in the park's time zone.
fn parse_local(raw: &str, tz: chrono_tz::Tz) -> Result<DateTime<Utc>, ParseError> {
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M"))
        .map_err(|_| ParseError::new("until", Rule::Format(Format::LocalDateTime)))?;
    let at = naive
        .and_local_timezone(tz)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| ParseError::new("until", Rule::NotInZone))?;
    gridloop_core::dates::check_instant("until", at)
}

/// The most working minutes an extension form may add: a year.
const MAX_MINUTES: u32 = 525_600;

/// An action's form parsed into the app's input, every bad field named (by the form's own
/// names, which are the labels' keys).
fn parse_action(
    kind: ActionKind,
    fields: &Fields,
    tz: chrono_tz::Tz,
) -> Result<ActionInput, AppError> {
    let mut errors = app_error::Fields::default();
    let mut input = ActionInput::new(kind);
    input.reason = fields
        .get("reason")
        .and_then(|raw| errors.take_as("reason", Reason::parse(raw)));
    input.note = fields
        .get("note")
        .and_then(|raw| errors.take_as("note", Note::parse(raw)));
    input.public_note = fields
        .get("public_note")
        .and_then(|raw| errors.take_as("public_note", Note::parse(raw)));
    input.satisfaction = fields.get("score").and_then(|raw| {
        let score = raw
            .parse::<u8>()
            .map_err(|_| ParseError::new("score", Rule::Range { min: 1, max: 5 }))
            .and_then(Satisfaction::new);
        errors.take_as("score", score)
    });
    input.priority = fields
        .get("priority")
        .and_then(|raw| errors.take_as("priority", Priority::from_str(raw)));
    input.until = match fields.get("until") {
        Some(raw) => errors
            .take_as("extend_until", parse_local(raw, tz))
            .map(Until::At),
        None => fields.get("minutes").and_then(|raw| {
            let minutes = raw
                .parse::<u32>()
                .ok()
                .filter(|m| (1..=MAX_MINUTES).contains(m))
                .ok_or_else(|| {
                    let rule = Rule::Minutes {
                        min: 1,
                        max: MAX_MINUTES,
                    };
                    ParseError::new("minutes", rule)
                });
            errors
                .take_as("extend_minutes", minutes)
                .map(Until::WorkingMinutes)
        }),
    };
    input.unit = fields
        .get("unit")
        .and_then(|raw| errors.take_as("unit", Code::parse_field("unit", raw)));
    input.category = fields
        .get("category")
        .and_then(|raw| errors.take_as("category", Code::parse_field("category", raw)));
    input.duplicate_of = fields.get("of").and_then(|raw| {
        let of = raw
            .trim_start_matches('#')
            .parse::<i64>()
            .map_err(|_| ParseError::new("duplicate_of_id", Rule::Format(Format::Id)))
            .and_then(IssueId::new);
        errors.take_as("duplicate_of_id", of)
    });
    errors.check()?;
    Ok(input)
}

/// The app's names of an action's fields as the form names them (its labels' keys).
fn form_names(e: AppError) -> AppError {
    match e {
        AppError::Invalid(list) => AppError::Invalid(
            list.into_iter()
                .map(|e| match e.field() {
                    "satisfaction" => app_error::relabel("score", e),
                    "duplicate_of" => app_error::relabel("duplicate_of_id", e),
                    "until" => app_error::relabel("extend_until", e),
                    _ => e,
                })
                .collect(),
        ),
        other => other,
    }
}

/// `POST /issues/{id}/{action}`: takes the action, then back to the issue page (or to `_next`,
/// a page of ours, for queues that act on a row and stay).
#[tracing::instrument(name = "web_act", skip_all, fields(user_id = %form.viewer.user.id, issue_id = tracing::field::Empty, action = %slug))]
async fn act(
    State(state): State<AppState>,
    Path((id, slug)): Path<(String, String)>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    let kind = kind_of(&slug).ok_or(PageError::NotFound)?;
    let slug = slug_of(kind).ok_or(PageError::NotFound)?;
    let issue = visible_issue(&state, &viewer, &id).await?;
    tracing::Span::current().record("issue_id", issue.id.get());
    let text = |e: AppError| messages::text(viewer.locale, &form_names(e));
    let parsed = parse_action(kind, &fields, state.calendar().tz());
    // The version the page showed, required as the API requires it: a step taken from a stale
    // page is a conflict, never applied to an issue the person has not seen.
    let version = fields.get("version").and_then(|v| v.parse::<u32>().ok());
    let (status, errors) = match (parsed, version) {
        (Ok(mut input), Some(version)) => {
            input.expected_version = Some(version);
            match issues::act(&state, &viewer.actor, issue.id, input).await {
                Ok(decision) => return Ok(see_other(&after(&viewer, &decision.issue, &fields))),
                Err(AppError::NotFound(Thing::Issue)) => return Err(PageError::NotFound),
                Err(e @ (AppError::Unavailable | AppError::Internal)) => return Err(e.into()),
                Err(e @ AppError::Conflict { .. }) => (StatusCode::CONFLICT, vec![text(e)]),
                Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, vec![text(e)]),
            }
        }
        (parsed, None) => {
            let version = viewer.t("version_required").to_owned();
            let others = parsed.err().map(text);
            let errors = std::iter::once(version).chain(others).collect();
            (StatusCode::UNPROCESSABLE_ENTITY, errors)
        }
        (Err(e), Some(_)) => (StatusCode::UNPROCESSABLE_ENTITY, vec![text(e)]),
    };
    // Show the issue as it is now, with the message.
    let current = visible_issue(&state, &viewer, &id).await?;
    let failed = Failed {
        slug: Some(slug),
        fields,
        errors,
    };
    render(&state, &viewer, &current, failed, status).await
}

/// Where a step taken sends the browser: `_next` (a page of ours), else back to the issue,
/// unless the step took it out of the viewer's sight (a unit returning it): then to their home
/// page rather than a 404.
fn after(viewer: &Viewer, issue: &Issue, fields: &Fields) -> String {
    let fallback = if viewer.actor.can_see(&issue.scope()) {
        format!("/issues/{}", issue.id)
    } else {
        crate::session::home_of(&viewer.actor).to_owned()
    };
    fields
        .get("_next")
        .and_then(crate::next::LocalPath::parse)
        .map_or(fallback, |p| p.as_str().to_owned())
}

/// `GET /issues/{id}/photos/{photo}`: a photo of an issue the viewer may see.
async fn photo(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, photo)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let issue = visible_issue(&state, &viewer, &id).await?;
    let served = attachments::served(&state, &viewer.actor, issue.id, photo).await?;
    let mut response = if served.not_modified(
        headers
            .get_all(IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    ) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let bytes = served.read(&state).await?;
        let mut response = (StatusCode::OK, Body::from(bytes)).into_response();
        insert_all(&mut response, served.content_headers());
        response
    };
    // The app's headers that keep a photo harmless: the router's security layer only fills in
    // what a handler left unset, so these stay.
    insert_all(&mut response, served.common_headers());
    Ok(response)
}

fn insert_all<const N: usize>(response: &mut Response, headers: [(&'static str, String); N]) {
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), value);
        }
    }
}

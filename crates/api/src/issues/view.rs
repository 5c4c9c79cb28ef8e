//! What the API shows of issues and events, and the JSON that carries it.
//!
//! The views are flat and use numeric ids (`unit_id`, `reporter_id`, …) so a client can join
//! them with the reference endpoints; the enumerations (status, priority, source, actions) are
//! documented from the core's own lists, so the schema cannot drift from the state machine.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use gridloop_core::{available_actions, ActionKind, Actor, Event, Issue, Priority, Source, Status};
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{Array, Object};
use utoipa::ToSchema;

use crate::problem::Problem;

/// One issue as the caller sees it now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssueView {
    pub id: i64,
    #[schema(schema_with = status_schema)]
    pub status: &'static str,
    /// Bumped by every event; send it back as `version` or `If-Match` when acting.
    pub version: u32,
    pub title: String,
    pub description: String,
    pub category_id: i64,
    #[schema(schema_with = priority_schema)]
    pub priority: &'static str,
    pub grid_id: i64,
    pub enterprise_id: i64,
    /// The handling unit, while the issue is assigned to one.
    pub unit_id: Option<i64>,
    /// Who reported it; `null` for reports without an account.
    pub reporter_id: Option<i64>,
    #[schema(schema_with = source_schema)]
    pub source: &'static str,
    #[serde(serialize_with = "super::instant::serialize_option")]
    pub assigned_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::instant::serialize_option")]
    pub response_due_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::instant::serialize_option")]
    pub resolve_due_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::instant::serialize_option")]
    pub responded_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::instant::serialize_option")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::instant::serialize_option")]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::instant::serialize_option")]
    pub held_since: Option<DateTime<Utc>>,
    /// 0 while on time; raised as a deadline slips (unit head, then supervisors).
    pub escalation_level: u8,
    /// How often the fix failed verification (返工).
    pub rework_count: u32,
    /// How often a unit sent the issue back as not its own (退回).
    pub return_count: u32,
    /// The unit's resolution note.
    pub resolution: Option<String>,
    /// The verifier's satisfaction, 1 to 5.
    pub satisfaction: Option<u8>,
    pub verifier_id: Option<i64>,
    /// The surviving issue, when this one was marked a duplicate.
    pub duplicate_of: Option<i64>,
    pub pending_extension: Option<PendingExtensionView>,
    /// Whether a deadline has passed while the unit's clock runs, as of the server's now.
    pub overdue: bool,
    /// The actions the caller could take now (state and role), e.g. to show as buttons.
    #[schema(schema_with = actions_schema)]
    pub available_actions: Vec<&'static str>,
    #[serde(serialize_with = "super::instant::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::instant::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// An extension the unit asked for that a supervisor has not answered yet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PendingExtensionView {
    #[serde(serialize_with = "super::instant::serialize")]
    pub until: DateTime<Utc>,
    pub reason: String,
    pub requested_by: Option<i64>,
    #[serde(serialize_with = "super::instant::serialize")]
    pub requested_at: DateTime<Utc>,
}

impl IssueView {
    /// The issue as `viewer` sees it at `now`.
    pub fn new(issue: &Issue, viewer: &Actor, now: DateTime<Utc>) -> Self {
        Self::of(issue.clone(), viewer, now)
    }

    /// The view of an issue the caller gives up: its texts move into the view instead of
    /// being copied (a list's page of 100 copied every title and description; issue 17).
    pub fn of(issue: Issue, viewer: &Actor, now: DateTime<Utc>) -> Self {
        let overdue = issue.is_overdue(now);
        let available_actions = available_actions(&issue, viewer)
            .into_iter()
            .map(ActionKind::as_str)
            .collect();
        Self {
            id: issue.id.get(),
            status: issue.status.as_str(),
            version: issue.version,
            title: issue.title.into(),
            description: issue.description.into(),
            category_id: issue.category.get(),
            priority: issue.priority.as_str(),
            grid_id: issue.grid.get(),
            enterprise_id: issue.enterprise.get(),
            unit_id: issue.unit.map(|u| u.get()),
            reporter_id: issue.reporter.map(|u| u.get()),
            source: issue.source.as_str(),
            assigned_at: issue.assigned_at,
            response_due_at: issue.response_due_at,
            resolve_due_at: issue.resolve_due_at,
            responded_at: issue.responded_at,
            resolved_at: issue.resolved_at,
            closed_at: issue.closed_at,
            held_since: issue.held_since,
            escalation_level: issue.escalation_level,
            rework_count: issue.rework_count,
            return_count: issue.return_count,
            resolution: issue.resolution.map(Into::into),
            satisfaction: issue.satisfaction.map(|s| s.get()),
            verifier_id: issue.verifier.map(|u| u.get()),
            duplicate_of: issue.duplicate_of.map(|i| i.get()),
            pending_extension: issue.pending_extension.map(|p| PendingExtensionView {
                until: p.until,
                reason: p.reason.into(),
                requested_by: p.requested_by.map(|u| u.get()),
                requested_at: p.requested_at,
            }),
            overdue,
            available_actions,
            created_at: issue.created_at,
            updated_at: issue.updated_at,
        }
    }
}

/// One page of issues, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssueList {
    pub items: Vec<IssueView>,
    /// Pass back as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// One immutable step of an issue's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    /// The issue's version after this event; the report is version 1.
    pub version: u32,
    #[serde(serialize_with = "super::instant::serialize")]
    pub at: DateTime<Utc>,
    /// What happened: `reported`, `accepted`, `assigned`, `extension_granted`, …
    pub kind: &'static str,
    /// Who acted; `null` for the system (deadlines, escalations).
    pub actor_id: Option<i64>,
    #[schema(schema_with = from_status_schema)]
    pub from: Option<&'static str>,
    #[schema(schema_with = status_schema)]
    pub to: &'static str,
    /// The facts the event recorded (reason, unit, deadlines, …), by kind.
    pub payload: Value,
}

impl EventView {
    pub fn new(event: &Event) -> Self {
        let mut payload = serde_json::to_value(&event.change).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut payload {
            map.remove("kind");
        }
        Self {
            version: event.version,
            at: event.at,
            kind: event.change.kind(),
            actor_id: event.actor.map(|u| u.get()),
            from: event.from.map(Status::as_str),
            to: event.to.as_str(),
            payload,
        }
    }
}

/// An issue's history, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventList {
    pub items: Vec<EventView>,
}

fn string_enum(values: impl IntoIterator<Item = &'static str>, description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .description(Some(description))
        .build()
}

fn status_schema() -> Object {
    string_enum(Status::ALL.map(Status::as_str), "Where the issue stands.")
}

fn from_status_schema() -> Object {
    let values = Status::ALL
        .map(|s| Value::from(s.as_str()))
        .into_iter()
        .chain([Value::Null]);
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(values))
        .description(Some("The state before the event; `null` for the report."))
        .build()
}

fn priority_schema() -> Object {
    string_enum(
        Priority::ALL.map(Priority::as_str),
        "How urgent the problem is.",
    )
}

/// The priority of a report.
pub(crate) fn report_priority_schema() -> Object {
    nullable_priority("`low`, `normal` (when not given), `high` or `urgent`.")
}

/// The priority an `accept` sets.
pub(crate) fn accept_priority_schema() -> Object {
    nullable_priority("`accept`: set the priority (`low`, `normal`, `high`, `urgent`).")
}

/// A priority in a request, where it may be left out or `null`.
fn nullable_priority(description: &str) -> Object {
    let values = Priority::ALL
        .map(|p| Value::from(p.as_str()))
        .into_iter()
        .chain([Value::Null]);
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(values))
        .description(Some(description))
        .build()
}

fn source_schema() -> Object {
    let all = [
        Source::Cli,
        Source::Api,
        Source::Web,
        Source::Open311,
        Source::Visit,
    ];
    string_enum(all.map(Source::as_str), "How the problem came in.")
}

/// The names of the actions on an existing issue (every action but `report`).
pub(crate) fn action_names() -> impl Iterator<Item = &'static str> {
    ActionKind::ALL
        .into_iter()
        .filter(|k| *k != ActionKind::Report)
        .map(ActionKind::as_str)
}

pub(crate) fn action_schema() -> Object {
    string_enum(action_names(), "An action on an existing issue.")
}

fn actions_schema() -> Array {
    ArrayBuilder::new().items(action_schema()).build()
}

/// A JSON response whose strings have `<`, `>` and `&` escaped as `\u003c`, `\u003e` and
/// `\u0026`: still the same JSON to any parser, but text people typed (`<script>`) can never
/// be sniffed as markup by a browser that ignores the content type.
pub(crate) fn json_response<T: Serialize>(
    status: StatusCode,
    value: &T,
) -> Result<Response, Problem> {
    let mut body = Vec::with_capacity(512);
    serde_json::to_writer(&mut body, value).map_err(|e| {
        tracing::error!(error = %e, "cannot serialize a response");
        Problem::internal()
    })?;
    let mut response = (status, markup_safe(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// `body`, compact JSON, with every `<`, `>` and `&` written as `\u003c`, `\u003e` and
/// `\u0026`. Outside strings JSON has none of them, and inside a string (a key or a value)
/// serde_json writes them as they are, so one pass over the finished body escapes exactly the
/// characters of the strings; no byte of a multi-byte UTF-8 character is ASCII. A formatter
/// escaping as it writes did the same, but was called for every fragment of every string, the
/// keys and each piece of a formatted instant included: a fifth of a list's CPU (issue 17).
fn markup_safe(body: Vec<u8>) -> Vec<u8> {
    // Found with SIMD (memchr): a byte-by-byte scan of a list's 100 kB was a tenth of the
    // list's instructions, and most bodies have no markup at all.
    if memchr::memchr3(b'<', b'>', b'&', &body).is_none() {
        return body;
    }
    let mut out = Vec::with_capacity(body.len() + 32);
    let mut from = 0;
    for at in memchr::memchr3_iter(b'<', b'>', b'&', &body) {
        out.extend_from_slice(&body[from..at]);
        out.extend_from_slice(match body[at] {
            b'<' => b"\\u003c",
            b'>' => b"\\u003e",
            _ => b"\\u0026",
        });
        from = at + 1;
    }
    out.extend_from_slice(&body[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_still_reads_back_the_same() {
        let text = "a<script>alert('x')</script>&b — 中文";
        let body =
            markup_safe(serde_json::to_vec(&serde_json::json!({ "t<": text })).expect("json"));
        let raw = String::from_utf8(body.clone()).expect("utf-8");
        assert_eq!(
            raw,
            r#"{"t\u003c":"a\u003cscript\u003ealert('x')\u003c/script\u003e\u0026b — 中文"}"#
        );
        let back: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(back["t<"], text);
    }
}

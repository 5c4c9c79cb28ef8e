//! Raw rows as the database returns them, and their way into domain types.
//!
//! Every value goes through the core's parsing constructors (`Code::parse`, `IssueId::new`,
//! `Sla::new`, …), exactly as input from a person would: a row that does not parse is reported
//! as [`StoreError::Corrupt`], naming the table and field, and never panics.

use std::fmt::Display;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use gridloop_core::{
    CategoryId, Change, Code, Description, Event, ExtensionRequest, Issue, IssueId, Name, Note,
    Priority, Reason, Satisfaction, Sla, Source, Status, Title, UnitId, UserId,
};
use serde::de::IntoDeserializer;
use serde::Deserialize;
use sqlx::types::Json;

use crate::backend::Arg;
use crate::error::StoreError;
use crate::model::{Chain, Enterprise, Grid, Post, Unit};

/// Maps a failed parse of a stored value to [`StoreError::Corrupt`].
pub(crate) fn stored<T, E: Display>(table: &str, r: Result<T, E>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Corrupt(format!("{table}: {e}")))
}

pub(crate) fn stored_opt<T, E: Display>(
    table: &str,
    v: Option<i64>,
    parse: impl FnOnce(i64) -> Result<T, E>,
) -> Result<Option<T>, StoreError> {
    v.map(|raw| stored(table, parse(raw))).transpose()
}

fn u32_of(table: &str, field: &str, v: i64) -> Result<u32, StoreError> {
    u32::try_from(v)
        .map_err(|_| StoreError::Corrupt(format!("{table}: {field} {v} is out of range")))
}

/// `Source` has no `FromStr`; its serde names are the stored ones.
pub(crate) fn parse_source(raw: &str) -> Result<Source, StoreError> {
    let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        raw.into_deserializer();
    stored("issues", Source::deserialize(de))
}

#[derive(sqlx::FromRow)]
pub(crate) struct ChainRow {
    id: i64,
    code: String,
    name: String,
}

impl ChainRow {
    pub(crate) fn into_domain(self) -> Result<Chain, StoreError> {
        Ok(Chain {
            id: stored("chains", gridloop_core::ChainId::new(self.id))?,
            code: stored("chains", Code::parse(&self.code))?,
            name: stored("chains", Name::from_stored(self.name))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct GridRow {
    id: i64,
    code: String,
    name: String,
    chain_id: i64,
}

impl GridRow {
    pub(crate) fn into_domain(self) -> Result<Grid, StoreError> {
        Ok(Grid {
            id: stored("grids", gridloop_core::GridId::new(self.id))?,
            code: stored("grids", Code::parse(&self.code))?,
            name: stored("grids", Name::from_stored(self.name))?,
            chain: stored("grids", gridloop_core::ChainId::new(self.chain_id))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PostRow {
    id: i64,
    code: String,
    name: String,
    grid_id: i64,
}

impl PostRow {
    pub(crate) fn into_domain(self) -> Result<Post, StoreError> {
        Ok(Post {
            id: stored("posts", gridloop_core::PostId::new(self.id))?,
            code: stored("posts", Code::parse(&self.code))?,
            name: stored("posts", Name::from_stored(self.name))?,
            grid: stored("posts", gridloop_core::GridId::new(self.grid_id))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EnterpriseRow {
    id: i64,
    name: String,
    grid_id: i64,
    address: Option<String>,
    credit_code: Option<String>,
}

impl EnterpriseRow {
    pub(crate) fn into_domain(self) -> Result<Enterprise, StoreError> {
        Ok(Enterprise {
            id: stored("enterprises", gridloop_core::EnterpriseId::new(self.id))?,
            name: stored("enterprises", Name::from_stored(self.name))?,
            grid: stored("enterprises", gridloop_core::GridId::new(self.grid_id))?,
            address: self.address,
            credit_code: stored(
                "enterprises",
                self.credit_code
                    .as_deref()
                    .map(gridloop_core::CreditCode::parse)
                    .transpose(),
            )?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UnitRow {
    id: i64,
    code: String,
    name: String,
}

impl UnitRow {
    pub(crate) fn into_domain(self) -> Result<Unit, StoreError> {
        Ok(Unit {
            id: stored("units", UnitId::new(self.id))?,
            code: stored("units", Code::parse(&self.code))?,
            name: stored("units", Name::from_stored(self.name))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CategoryRow {
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) default_unit_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SlaRow {
    pub(crate) category_id: i64,
    priority: String,
    response_minutes: i64,
    resolve_minutes: i64,
}

impl SlaRow {
    pub(crate) fn into_domain(self) -> Result<(Priority, Sla), StoreError> {
        const T: &str = "category_slas";
        let priority = stored(T, Priority::from_str(&self.priority))?;
        let sla = stored(
            T,
            Sla::new(
                u32_of(T, "response_minutes", self.response_minutes)?,
                u32_of(T, "resolve_minutes", self.resolve_minutes)?,
            ),
        )?;
        Ok((priority, sla))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: i64,
    pub(crate) login: String,
    pub(crate) name: String,
    pub(crate) phone: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) locale: String,
    pub(crate) active: bool,
}

/// The columns of `issues` besides `id`, in the order of [`issue_args`].
pub(crate) const ISSUE_COLUMNS: [&str; 35] = [
    "version",
    "status",
    "title",
    "description",
    "category_id",
    "priority",
    "grid_id",
    "enterprise_id",
    "reporter_id",
    "source",
    "unit_id",
    "sla_response_minutes",
    "sla_resolve_minutes",
    "assigned_at",
    "response_due_at",
    "resolve_due_at",
    "responded_at",
    "resolved_at",
    "closed_at",
    "held_since",
    "held_minutes",
    "escalation_level",
    "rework_count",
    "return_count",
    "resolution",
    "satisfaction",
    "verifier_id",
    "duplicate_of",
    "extension_until",
    "extension_reason",
    "extension_requested_by",
    "extension_requested_at",
    "created_at",
    "updated_at",
    "public_resolution",
];

/// The values of an issue for [`ISSUE_COLUMNS`], in that order.
pub(crate) fn issue_args(issue: &Issue) -> Vec<Arg> {
    let ext = issue.pending_extension.as_ref();
    crate::backend::args![
        issue.version,
        issue.status.as_str(),
        issue.title.as_str(),
        issue.description.as_str(),
        issue.category.get(),
        issue.priority.as_str(),
        issue.grid.get(),
        issue.enterprise.get(),
        issue.reporter.map(UserId::get),
        issue.source.as_str(),
        issue.unit.map(UnitId::get),
        issue.sla.map(Sla::response_minutes),
        issue.sla.map(Sla::resolve_minutes),
        issue.assigned_at,
        issue.response_due_at,
        issue.resolve_due_at,
        issue.responded_at,
        issue.resolved_at,
        issue.closed_at,
        issue.held_since,
        issue.held_minutes,
        u32::from(issue.escalation_level),
        issue.rework_count,
        issue.return_count,
        issue.resolution.as_ref().map(Note::as_str),
        issue.satisfaction.map(|s| u32::from(s.get())),
        issue.verifier.map(UserId::get),
        issue.duplicate_of.map(IssueId::get),
        ext.map(|e| e.until),
        ext.map(|e| e.reason.as_str()),
        ext.and_then(|e| e.requested_by).map(UserId::get),
        ext.map(|e| e.requested_at),
        issue.created_at,
        issue.updated_at,
        issue.public_resolution.as_ref().map(Note::as_str),
    ]
}

/// The columns of `issue_events`, in the order of [`event_args`].
pub(crate) const EVENT_COLUMNS: [&str; 8] = [
    "issue_id",
    "version",
    "kind",
    "at",
    "actor_id",
    "from_status",
    "to_status",
    "payload",
];

/// The values of issue `id`'s event for [`EVENT_COLUMNS`], in that order.
pub(crate) fn event_args(id: IssueId, event: &Event) -> Result<Vec<Arg>, StoreError> {
    let payload = serde_json::to_value(&event.change)
        .map_err(|e| StoreError::Corrupt(format!("cannot serialize an event: {e}")))?;
    Ok(crate::backend::args![
        id.get(),
        event.version,
        event.change.kind(),
        event.at,
        event.actor.map(UserId::get),
        event.from.map(Status::as_str),
        event.to.as_str(),
        payload,
    ])
}

/// Read by sqlx and by the hot reads' rusqlite alike (`from_lite!` below).
pub(crate) struct IssueRow {
    id: i64,
    version: i64,
    status: String,
    title: String,
    description: String,
    category_id: i64,
    priority: String,
    grid_id: i64,
    enterprise_id: i64,
    reporter_id: Option<i64>,
    source: String,
    unit_id: Option<i64>,
    sla_response_minutes: Option<i64>,
    sla_resolve_minutes: Option<i64>,
    assigned_at: Option<DateTime<Utc>>,
    response_due_at: Option<DateTime<Utc>>,
    resolve_due_at: Option<DateTime<Utc>>,
    responded_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    held_since: Option<DateTime<Utc>>,
    held_minutes: i64,
    escalation_level: i64,
    rework_count: i64,
    return_count: i64,
    resolution: Option<String>,
    satisfaction: Option<i64>,
    verifier_id: Option<i64>,
    duplicate_of: Option<i64>,
    extension_until: Option<DateTime<Utc>>,
    extension_reason: Option<String>,
    extension_requested_by: Option<i64>,
    extension_requested_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    public_resolution: Option<String>,
}

// `ISSUE_SELECT`'s columns, in its order.
crate::readers::from_lite!(sqlx IssueRow {
    id,
    version,
    status,
    title,
    description,
    category_id,
    priority,
    grid_id,
    enterprise_id,
    reporter_id,
    source,
    unit_id,
    sla_response_minutes,
    sla_resolve_minutes,
    assigned_at,
    response_due_at,
    resolve_due_at,
    responded_at,
    resolved_at,
    closed_at,
    held_since,
    held_minutes,
    escalation_level,
    rework_count,
    return_count,
    resolution,
    satisfaction,
    verifier_id,
    duplicate_of,
    extension_until,
    extension_reason,
    extension_requested_by,
    extension_requested_at,
    created_at,
    updated_at,
    public_resolution,
});

impl IssueRow {
    pub(crate) fn into_domain(self) -> Result<Issue, StoreError> {
        const T: &str = "issues";
        let sla = match (self.sla_response_minutes, self.sla_resolve_minutes) {
            (Some(response), Some(resolve)) => Some(stored(
                T,
                Sla::new(
                    u32_of(T, "sla_response_minutes", response)?,
                    u32_of(T, "sla_resolve_minutes", resolve)?,
                ),
            )?),
            (None, None) => None,
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "{T}: half an SLA on issue {}",
                    self.id
                )))
            }
        };
        let pending_extension = match (
            self.extension_until,
            self.extension_reason,
            self.extension_requested_at,
        ) {
            (Some(until), Some(reason), Some(requested_at)) => Some(ExtensionRequest {
                until,
                reason: stored(T, Reason::from_stored(reason))?,
                requested_by: stored_opt(T, self.extension_requested_by, UserId::new)?,
                requested_at,
            }),
            (None, None, None) => None,
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "{T}: half an extension request on issue {}",
                    self.id
                )))
            }
        };
        let escalation_level = u8::try_from(self.escalation_level).map_err(|_| {
            StoreError::Corrupt(format!(
                "{T}: escalation_level {} is out of range",
                self.escalation_level
            ))
        })?;
        let satisfaction = match self.satisfaction {
            Some(s) => Some(stored(
                T,
                u8::try_from(s)
                    .map_err(|_| format!("satisfaction {s} is out of range"))
                    .and_then(|s| Satisfaction::new(s).map_err(|e| e.to_string())),
            )?),
            None => None,
        };
        Ok(Issue {
            id: stored(T, IssueId::new(self.id))?,
            version: u32_of(T, "version", self.version)?,
            status: stored(T, Status::from_str(&self.status))?,
            title: stored(T, Title::from_stored(self.title))?,
            description: stored(T, Description::from_stored(self.description))?,
            category: stored(T, CategoryId::new(self.category_id))?,
            priority: stored(T, Priority::from_str(&self.priority))?,
            grid: stored(T, gridloop_core::GridId::new(self.grid_id))?,
            enterprise: stored(T, gridloop_core::EnterpriseId::new(self.enterprise_id))?,
            reporter: stored_opt(T, self.reporter_id, UserId::new)?,
            source: parse_source(&self.source)?,
            unit: stored_opt(T, self.unit_id, UnitId::new)?,
            sla,
            assigned_at: self.assigned_at,
            response_due_at: self.response_due_at,
            resolve_due_at: self.resolve_due_at,
            responded_at: self.responded_at,
            resolved_at: self.resolved_at,
            closed_at: self.closed_at,
            held_since: self.held_since,
            held_minutes: u32_of(T, "held_minutes", self.held_minutes)?,
            escalation_level,
            rework_count: u32_of(T, "rework_count", self.rework_count)?,
            return_count: u32_of(T, "return_count", self.return_count)?,
            resolution: self
                .resolution
                .map(|r| stored(T, Note::from_stored(r)))
                .transpose()?,
            public_resolution: self
                .public_resolution
                .map(|r| stored(T, Note::parse(&r)))
                .transpose()?,
            satisfaction,
            verifier: stored_opt(T, self.verifier_id, UserId::new)?,
            duplicate_of: stored_opt(T, self.duplicate_of, IssueId::new)?,
            pending_extension,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Read by sqlx and by the hot reads' rusqlite alike (`from_lite!` below).
pub(crate) struct EventRow {
    version: i64,
    kind: String,
    at: DateTime<Utc>,
    actor_id: Option<i64>,
    from_status: Option<String>,
    to_status: String,
    /// Decoded straight from the column's JSON, without a `serde_json::Value` in between: a
    /// report reads hundreds of thousands of them. A payload that does not parse fails the
    /// row's decoding.
    payload: Json<Change>,
}

// An issue's history's columns, in its order.
crate::readers::from_lite!(sqlx EventRow {
    version,
    kind,
    at,
    actor_id,
    from_status,
    to_status,
    payload,
});

impl EventRow {
    pub(crate) fn into_domain(self) -> Result<Event, StoreError> {
        const T: &str = "issue_events";
        let change: Change = self.payload.0;
        if change.kind() != self.kind {
            return Err(StoreError::Corrupt(format!(
                "{T}: event {} is of kind '{}' but its payload is '{}'",
                self.version,
                self.kind,
                change.kind()
            )));
        }
        Ok(Event {
            version: u32_of(T, "version", self.version)?,
            at: self.at,
            actor: stored_opt(T, self.actor_id, UserId::new)?,
            from: self
                .from_status
                .map(|s| stored(T, Status::from_str(&s)))
                .transpose()?,
            to: stored(T, Status::from_str(&self.to_status))?,
            change,
        })
    }
}

/// An event with its issue, as a report's feed reads them: `issue_id` and the columns of
/// [`EventRow`], in its order.
#[derive(sqlx::FromRow)]
pub(crate) struct FeedRow {
    pub(crate) issue_id: i64,
    version: i64,
    kind: String,
    at: DateTime<Utc>,
    actor_id: Option<i64>,
    from_status: Option<String>,
    to_status: String,
    payload: Json<Change>,
}

crate::readers::from_lite!(FeedRow {
    issue_id,
    version,
    kind,
    at,
    actor_id,
    from_status,
    to_status,
    payload,
});

impl FeedRow {
    pub(crate) fn into_event(self) -> Result<Event, StoreError> {
        EventRow {
            version: self.version,
            kind: self.kind,
            at: self.at,
            actor_id: self.actor_id,
            from_status: self.from_status,
            to_status: self.to_status,
            payload: self.payload,
        }
        .into_domain()
    }
}

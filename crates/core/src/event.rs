//! The immutable steps of an issue's history (流转记录).
//!
//! An event records what happened as facts, including anything computed when it happened (the
//! deadlines an assignment set, the minutes a hold lasted), so that replaying events never needs
//! the calendar or the SLA tables as they are today: history reads the same forever.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CategoryId, EnterpriseId, GridId, IssueId, UnitId, UserId};
use crate::priority::{Priority, Satisfaction};
use crate::sla::Sla;
use crate::status::Status;
use crate::text::{Description, Note, Reason, Title};

/// How a problem came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Cli,
    Api,
    Web,
    Open311,
    Visit,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::Api => "api",
            Self::Web => "web",
            Self::Open311 => "open311",
            Self::Visit => "visit",
        }
    }
}

/// One step of an issue's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The issue's version after this event: the first event is version 1.
    pub version: u32,
    pub at: DateTime<Utc>,
    /// The person who acted; `None` for the system (scheduler, escalations).
    pub actor: Option<UserId>,
    pub from: Option<Status>,
    pub to: Status,
    pub change: Change,
}

/// What an event changed, with the facts needed to replay it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    Reported {
        title: Title,
        description: Description,
        category: CategoryId,
        priority: Priority,
        grid: GridId,
        enterprise: EnterpriseId,
        source: Source,
    },
    Accepted {
        category: CategoryId,
        priority: Priority,
    },
    Rejected {
        reason: Reason,
    },
    Assigned {
        unit: UnitId,
        sla: Sla,
        response_due_at: DateTime<Utc>,
        resolve_due_at: DateTime<Utc>,
    },
    Returned {
        unit: UnitId,
        reason: Reason,
    },
    Started,
    Held {
        reason: Reason,
    },
    Resumed {
        held_minutes: u32,
        resolve_due_at: DateTime<Utc>,
    },
    ExtensionRequested {
        until: DateTime<Utc>,
        reason: Reason,
    },
    ExtensionGranted {
        resolve_due_at: DateTime<Utc>,
    },
    ExtensionDenied {
        reason: Reason,
    },
    Resolved {
        /// The unit's internal note.
        note: Note,
        /// The note for the requester, if the unit wrote one. Events from before it existed
        /// have none, and then nothing was made public.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        public_note: Option<Note>,
    },
    Verified {
        satisfaction: Satisfaction,
        note: Option<Note>,
    },
    Reworked {
        reason: Reason,
        response_due_at: DateTime<Utc>,
        resolve_due_at: DateTime<Utc>,
    },
    Reopened {
        reason: Reason,
    },
    MarkedDuplicate {
        of: IssueId,
    },
    Reassigned {
        from_unit: UnitId,
        unit: UnitId,
        reason: Option<Reason>,
        response_due_at: DateTime<Utc>,
        resolve_due_at: DateTime<Utc>,
    },
    Commented {
        note: Note,
    },
    /// The system raised an overdue issue one or more rungs up its category's escalation
    /// ladder (督办). The status does not change: escalation is orthogonal to state.
    Escalated {
        /// The level reached: 1 the unit's head, 2 the supervisors, 3 the admins.
        level: u8,
        /// How long the issue had been overdue, in working minutes, when it was escalated.
        overdue_minutes: u32,
    },
    /// The working calendar changed under the issue's open deadlines: each one that moved was
    /// laid out again on the new calendar so the unit keeps the working time it had left (a
    /// system step; the status does not change). Reports count against the deadline in force
    /// at each instant, so a deadline missed before the change stays missed.
    DeadlinesRecomputed {
        /// The response deadline before and after, if it moved.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        response_due_at: Option<DeadlineMove>,
        /// The resolution deadline before and after, if it moved.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolve_due_at: Option<DeadlineMove>,
        /// The calendar change that moved them.
        cause: CalendarChange,
    },
}

/// A deadline before and after a recomputation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineMove {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Which change of the working calendar an event answers: the region's year as it stood at
/// `version` (the audit trail of the calendar says who changed what).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarChange {
    pub region: String,
    pub year: i32,
    pub version: i64,
}

impl Change {
    /// The event's kind as stored and shown (`assigned`, `extension_granted`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Reported { .. } => "reported",
            Self::Accepted { .. } => "accepted",
            Self::Rejected { .. } => "rejected",
            Self::Assigned { .. } => "assigned",
            Self::Returned { .. } => "returned",
            Self::Started => "started",
            Self::Held { .. } => "held",
            Self::Resumed { .. } => "resumed",
            Self::ExtensionRequested { .. } => "extension_requested",
            Self::ExtensionGranted { .. } => "extension_granted",
            Self::ExtensionDenied { .. } => "extension_denied",
            Self::Resolved { .. } => "resolved",
            Self::Verified { .. } => "verified",
            Self::Reworked { .. } => "reworked",
            Self::Reopened { .. } => "reopened",
            Self::MarkedDuplicate { .. } => "marked_duplicate",
            Self::Reassigned { .. } => "reassigned",
            Self::Commented { .. } => "commented",
            Self::Escalated { .. } => "escalated",
            Self::DeadlinesRecomputed { .. } => "deadlines_recomputed",
        }
    }
}

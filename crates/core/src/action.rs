//! What people ask to do to an issue.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::ids::{CategoryId, IssueId, UnitId};
use crate::priority::{Priority, Satisfaction};
use crate::sla::Sla;
use crate::text::{Note, Reason};

/// The name of an action, as typed on the command line and sent in API bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Report,
    Accept,
    Reject,
    Assign,
    Return,
    Start,
    Hold,
    Resume,
    ExtendRequest,
    ExtendGrant,
    ExtendDeny,
    Resolve,
    Verify,
    Rework,
    Reopen,
    MarkDuplicate,
    Reassign,
    Comment,
}

impl ActionKind {
    pub const ALL: [ActionKind; 18] = [
        Self::Report,
        Self::Accept,
        Self::Reject,
        Self::Assign,
        Self::Return,
        Self::Start,
        Self::Hold,
        Self::Resume,
        Self::ExtendRequest,
        Self::ExtendGrant,
        Self::ExtendDeny,
        Self::Resolve,
        Self::Verify,
        Self::Rework,
        Self::Reopen,
        Self::MarkDuplicate,
        Self::Reassign,
        Self::Comment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::Accept => "accept",
            Self::Reject => "reject",
            Self::Assign => "assign",
            Self::Return => "return",
            Self::Start => "start",
            Self::Hold => "hold",
            Self::Resume => "resume",
            Self::ExtendRequest => "extend_request",
            Self::ExtendGrant => "extend_grant",
            Self::ExtendDeny => "extend_deny",
            Self::Resolve => "resolve",
            Self::Verify => "verify",
            Self::Rework => "rework",
            Self::Reopen => "reopen",
            Self::MarkDuplicate => "mark_duplicate",
            Self::Reassign => "reassign",
            Self::Comment => "comment",
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ActionKind {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| ParseError::new("action", format!("'{s}' is not an action")))
    }
}

/// An action on an existing issue, with the fields it needs. A variant cannot be built without
/// its required fields, so "resolve without a note" is unrepresentable past the boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Accept {
        category: Option<CategoryId>,
        priority: Option<Priority>,
    },
    Reject {
        reason: Reason,
    },
    /// `sla` is the category's SLA for the issue's priority, looked up by the caller.
    Assign {
        unit: UnitId,
        sla: Sla,
    },
    Return {
        reason: Reason,
    },
    Start,
    Hold {
        reason: Reason,
    },
    Resume,
    ExtendRequest {
        until: DateTime<Utc>,
        reason: Reason,
    },
    /// Grants the pending request; `until` overrides the time asked for.
    ExtendGrant {
        until: Option<DateTime<Utc>>,
    },
    ExtendDeny {
        reason: Reason,
    },
    Resolve {
        note: Note,
    },
    Verify {
        satisfaction: Satisfaction,
        note: Option<Note>,
    },
    Rework {
        reason: Reason,
    },
    Reopen {
        reason: Reason,
    },
    MarkDuplicate {
        of: IssueId,
    },
    Reassign {
        unit: UnitId,
        reason: Option<Reason>,
    },
    Comment {
        note: Note,
    },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Self::Accept { .. } => ActionKind::Accept,
            Self::Reject { .. } => ActionKind::Reject,
            Self::Assign { .. } => ActionKind::Assign,
            Self::Return { .. } => ActionKind::Return,
            Self::Start => ActionKind::Start,
            Self::Hold { .. } => ActionKind::Hold,
            Self::Resume => ActionKind::Resume,
            Self::ExtendRequest { .. } => ActionKind::ExtendRequest,
            Self::ExtendGrant { .. } => ActionKind::ExtendGrant,
            Self::ExtendDeny { .. } => ActionKind::ExtendDeny,
            Self::Resolve { .. } => ActionKind::Resolve,
            Self::Verify { .. } => ActionKind::Verify,
            Self::Rework { .. } => ActionKind::Rework,
            Self::Reopen { .. } => ActionKind::Reopen,
            Self::MarkDuplicate { .. } => ActionKind::MarkDuplicate,
            Self::Reassign { .. } => ActionKind::Reassign,
            Self::Comment { .. } => ActionKind::Comment,
        }
    }

    /// Builds an action from the loose fields a form or command line carries, naming every
    /// required field that is missing. Fields the action does not use are ignored.
    pub fn from_fields(kind: ActionKind, fields: ActionFields) -> Result<Self, Vec<ParseError>> {
        let mut missing = Vec::new();
        let mut need = |name: &'static str, present: bool| {
            if !present {
                missing.push(ParseError::new(name, format!("is required to {kind}")));
            }
        };
        match kind {
            ActionKind::Report => {
                return Err(vec![ParseError::new(
                    "action",
                    "report creates a new issue; it is not an action on an existing one",
                )])
            }
            ActionKind::Reject
            | ActionKind::Return
            | ActionKind::Hold
            | ActionKind::ExtendDeny
            | ActionKind::Rework
            | ActionKind::Reopen => need("reason", fields.reason.is_some()),
            ActionKind::Assign => {
                need("unit", fields.unit.is_some());
                need("sla", fields.sla.is_some());
            }
            ActionKind::Reassign => need("unit", fields.unit.is_some()),
            ActionKind::ExtendRequest => {
                need("until", fields.until.is_some());
                need("reason", fields.reason.is_some());
            }
            ActionKind::Resolve | ActionKind::Comment => need("note", fields.note.is_some()),
            ActionKind::Verify => need("satisfaction", fields.satisfaction.is_some()),
            ActionKind::MarkDuplicate => need("duplicate_of", fields.duplicate_of.is_some()),
            ActionKind::Accept
            | ActionKind::Start
            | ActionKind::Resume
            | ActionKind::ExtendGrant => {}
        }
        if !missing.is_empty() {
            return Err(missing);
        }
        let ActionFields {
            unit,
            sla,
            reason,
            note,
            satisfaction,
            duplicate_of,
            until,
            category,
            priority,
        } = fields;
        // Every `unwrap` below is guarded by the `need` checks above.
        #[allow(clippy::unwrap_used)]
        let action = match kind {
            ActionKind::Report => unreachable!("refused above"),
            ActionKind::Accept => Self::Accept { category, priority },
            ActionKind::Reject => Self::Reject {
                reason: reason.unwrap(),
            },
            ActionKind::Assign => Self::Assign {
                unit: unit.unwrap(),
                sla: sla.unwrap(),
            },
            ActionKind::Return => Self::Return {
                reason: reason.unwrap(),
            },
            ActionKind::Start => Self::Start,
            ActionKind::Hold => Self::Hold {
                reason: reason.unwrap(),
            },
            ActionKind::Resume => Self::Resume,
            ActionKind::ExtendRequest => Self::ExtendRequest {
                until: until.unwrap(),
                reason: reason.unwrap(),
            },
            ActionKind::ExtendGrant => Self::ExtendGrant { until },
            ActionKind::ExtendDeny => Self::ExtendDeny {
                reason: reason.unwrap(),
            },
            ActionKind::Resolve => Self::Resolve {
                note: note.unwrap(),
            },
            ActionKind::Verify => Self::Verify {
                satisfaction: satisfaction.unwrap(),
                note,
            },
            ActionKind::Rework => Self::Rework {
                reason: reason.unwrap(),
            },
            ActionKind::Reopen => Self::Reopen {
                reason: reason.unwrap(),
            },
            ActionKind::MarkDuplicate => Self::MarkDuplicate {
                of: duplicate_of.unwrap(),
            },
            ActionKind::Reassign => Self::Reassign {
                unit: unit.unwrap(),
                reason,
            },
            ActionKind::Comment => Self::Comment {
                note: note.unwrap(),
            },
        };
        Ok(action)
    }
}

/// The optional fields of an action request, already parsed into domain types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionFields {
    pub unit: Option<UnitId>,
    pub sla: Option<Sla>,
    pub reason: Option<Reason>,
    pub note: Option<Note>,
    pub satisfaction: Option<Satisfaction>,
    pub duplicate_of: Option<IssueId>,
    pub until: Option<DateTime<Utc>>,
    pub category: Option<CategoryId>,
    pub priority: Option<Priority>,
}

//! What people ask to do to an issue.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::ids::{CategoryId, IssueId, UnitId};
use crate::priority::{Priority, Satisfaction};
use crate::rule::Rule;
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
    /// The names [`Self::ALL`] goes by, in its order: what a parser accepts.
    pub const NAMES: &'static [&'static str] = &[
        "report",
        "accept",
        "reject",
        "assign",
        "return",
        "start",
        "hold",
        "resume",
        "extend_request",
        "extend_grant",
        "extend_deny",
        "resolve",
        "verify",
        "rework",
        "reopen",
        "mark_duplicate",
        "reassign",
        "comment",
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
            .ok_or_else(|| {
                ParseError::new(
                    "action",
                    Rule::OneOf {
                        allowed: Self::NAMES,
                    },
                )
            })
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
    /// `note` is internal: for the loop's own people. `public_note`, if any, is what the
    /// requester may read (Open311's `status_notes`): the two are kept apart because the unit's
    /// working note often names people and phone numbers.
    Resolve {
        note: Note,
        public_note: Option<Note>,
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
        let ActionFields {
            unit,
            sla,
            reason,
            note,
            public_note,
            satisfaction,
            duplicate_of,
            until,
            category,
            priority,
        } = fields;
        let reason_given = reason.is_some();
        let mut missing = Vec::new();
        // Each required field passes through here: absent ones are named in `missing`.
        let mut need = |name: &'static str, present: bool| {
            if !present {
                missing.push(ParseError::new(name, Rule::RequiredFor { action: kind }));
            }
        };
        let action = match kind {
            ActionKind::Report => return Err(vec![ParseError::new("action", Rule::NotAnAction)]),
            ActionKind::Accept => Some(Self::Accept { category, priority }),
            ActionKind::Reject => reason.map(|reason| Self::Reject { reason }),
            ActionKind::Assign => {
                need("unit", unit.is_some());
                need("sla", sla.is_some());
                unit.zip(sla).map(|(unit, sla)| Self::Assign { unit, sla })
            }
            ActionKind::Return => reason.map(|reason| Self::Return { reason }),
            ActionKind::Start => Some(Self::Start),
            ActionKind::Hold => reason.map(|reason| Self::Hold { reason }),
            ActionKind::Resume => Some(Self::Resume),
            ActionKind::ExtendRequest => {
                need("until", until.is_some());
                until
                    .zip(reason)
                    .map(|(until, reason)| Self::ExtendRequest { until, reason })
            }
            ActionKind::ExtendGrant => Some(Self::ExtendGrant { until }),
            ActionKind::ExtendDeny => reason.map(|reason| Self::ExtendDeny { reason }),
            ActionKind::Resolve => {
                need("note", note.is_some());
                note.map(|note| Self::Resolve { note, public_note })
            }
            ActionKind::Verify => {
                need("satisfaction", satisfaction.is_some());
                satisfaction.map(|satisfaction| Self::Verify { satisfaction, note })
            }
            ActionKind::Rework => reason.map(|reason| Self::Rework { reason }),
            ActionKind::Reopen => reason.map(|reason| Self::Reopen { reason }),
            ActionKind::MarkDuplicate => {
                need("duplicate_of", duplicate_of.is_some());
                duplicate_of.map(|of| Self::MarkDuplicate { of })
            }
            ActionKind::Reassign => {
                need("unit", unit.is_some());
                unit.map(|unit| Self::Reassign { unit, reason })
            }
            ActionKind::Comment => {
                need("note", note.is_some());
                note.map(|note| Self::Comment { note })
            }
        };
        need("reason", reason_given || !kind.needs_reason());
        match action {
            Some(action) if missing.is_empty() => Ok(action),
            _ => Err(missing),
        }
    }
}

impl ActionKind {
    /// Actions that must say why: the next person in the loop needs to know.
    fn needs_reason(self) -> bool {
        matches!(
            self,
            Self::Reject
                | Self::Return
                | Self::Hold
                | Self::ExtendRequest
                | Self::ExtendDeny
                | Self::Rework
                | Self::Reopen
        )
    }
}

/// The optional fields of an action request, already parsed into domain types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionFields {
    pub unit: Option<UnitId>,
    pub sla: Option<Sla>,
    pub reason: Option<Reason>,
    pub note: Option<Note>,
    /// `resolve`: the note for the requester, shown outside the loop (Open311).
    pub public_note: Option<Note>,
    pub satisfaction: Option<Satisfaction>,
    pub duplicate_of: Option<IssueId>,
    pub until: Option<DateTime<Utc>>,
    pub category: Option<CategoryId>,
    pub priority: Option<Priority>,
}

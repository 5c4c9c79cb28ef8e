//! The core's error types.

use thiserror::Error;

use crate::action::ActionKind;
use crate::role::Role;
use crate::status::Status;

/// Raw input that does not make a valid domain value. Names the field so an API can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct ParseError {
    field: &'static str,
    message: String,
}

impl ParseError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }

    pub fn field(&self) -> &'static str {
        self.field
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Why an action could not be applied to an issue.
///
/// The variants are kept apart because callers answer them differently: a state that has no such
/// transition is the request's fault (HTTP 422), a role that may not take it is a permission
/// problem (403), and an issue outside the actor's scope must look as if it did not exist (404).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("no such transition: cannot {action} an issue that is {status}")]
    NoSuchTransition { action: ActionKind, status: Status },
    #[error(
        "not permitted: {action} needs one of the roles {}",
        role_list(allowed)
    )]
    RoleNotPermitted {
        action: ActionKind,
        allowed: &'static [Role],
    },
    #[error("not permitted: the issue is outside your scope")]
    OutOfScope,
    #[error("{0}")]
    Precondition(String),
    /// A system escalation that does not apply (any more): the scheduler drops its timer.
    #[error("not escalated: {0}")]
    EscalationRefused(EscalationRefused),
}

/// Why [`Workflow::escalate`](crate::Workflow::escalate) would not raise an issue.
///
/// Escalation is a step only the system takes, when a timer fires, so these are answers to the
/// scheduler rather than to a person: each means "drop the timer", never "retry".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum EscalationRefused {
    #[error("level {level} is not on the ladder (1 to {max})", max = crate::escalation::MAX_LEVEL)]
    NoSuchLevel { level: u8 },
    #[error("the unit's clock is not running on an issue that is {status}")]
    ClockNotRunning { status: Status },
    #[error("the issue is already at level {current}, not below level {level}")]
    AlreadyAtLevel { level: u8, current: u8 },
    #[error("the issue is not overdue")]
    NotOverdue,
}

/// Role names as people read them: `post_member, commissioner`.
pub fn role_list(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

//! The core's error types.

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::action::ActionKind;
use crate::issue::ReplayError;
use crate::role::Role;
use crate::rule::Rule;
use crate::status::Status;

/// Raw input that does not make a valid domain value: the field, as the API names it, and
/// the [`Rule`] its value broke. Data rather than a sentence, so that each front end can say
/// it in its reader's language; `Display` is the English for logs, the CLI and the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("{field}: {rule}")]
pub struct ParseError {
    field: &'static str,
    rule: Rule,
}

impl ParseError {
    pub fn new(field: &'static str, rule: Rule) -> Self {
        Self { field, rule }
    }

    pub fn field(&self) -> &'static str {
        self.field
    }

    pub fn rule(&self) -> Rule {
        self.rule
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
    Precondition(Precondition),
    /// A system escalation that does not apply (any more): the scheduler drops its timer.
    #[error("not escalated: {0}")]
    EscalationRefused(EscalationRefused),
}

/// A step the transition table allows, refused by what the issue holds now. Each variant is
/// one check in [`lifecycle`](crate::lifecycle).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Precondition {
    #[error("an extension must move the deadline later than {}", .earliest.to_rfc3339())]
    ExtensionNotLater {
        /// The later of the current deadline and now: the new one must come after it.
        earliest: DateTime<Utc>,
    },
    #[error("there is no extension request to grant")]
    NoExtensionToGrant,
    #[error("a granted deadline must lie in the future")]
    GrantedDeadlinePast,
    #[error("there is no extension request to deny")]
    NoExtensionToDeny,
    #[error("the issue has no SLA to rework against")]
    NoSlaToRework,
    #[error("an issue cannot be a duplicate of itself")]
    DuplicateOfItself,
    #[error("the issue is already assigned to that unit")]
    AlreadyAssignedToUnit,
    #[error("the issue has no SLA to reassign with")]
    NoSlaToReassign,
    #[error("the issue has no assigned unit")]
    NoAssignedUnit,
    #[error("the issue has no resolution deadline")]
    NoResolutionDeadline,
    /// The event the workflow decided does not apply to the issue: a bug, not the request's fault.
    #[error("internal: {0}")]
    Replay(ReplayError),
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// The API's `detail` shows these; they read as they did when preconditions were strings.
    #[test]
    fn preconditions_read_as_they_always_did() {
        let earliest = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let cases = [
            (
                Precondition::ExtensionNotLater { earliest },
                "an extension must move the deadline later than 2026-12-01T10:00:00+00:00",
            ),
            (
                Precondition::NoExtensionToGrant,
                "there is no extension request to grant",
            ),
            (
                Precondition::GrantedDeadlinePast,
                "a granted deadline must lie in the future",
            ),
            (
                Precondition::NoExtensionToDeny,
                "there is no extension request to deny",
            ),
            (
                Precondition::NoSlaToRework,
                "the issue has no SLA to rework against",
            ),
            (
                Precondition::DuplicateOfItself,
                "an issue cannot be a duplicate of itself",
            ),
            (
                Precondition::AlreadyAssignedToUnit,
                "the issue is already assigned to that unit",
            ),
            (
                Precondition::NoSlaToReassign,
                "the issue has no SLA to reassign with",
            ),
            (
                Precondition::NoAssignedUnit,
                "the issue has no assigned unit",
            ),
            (
                Precondition::NoResolutionDeadline,
                "the issue has no resolution deadline",
            ),
            (
                Precondition::Replay(ReplayError::NotAReport),
                "internal: an issue's history must start with a `reported` event",
            ),
        ];
        for (precondition, text) in cases {
            assert_eq!(precondition.to_string(), text);
            assert_eq!(
                TransitionError::Precondition(precondition).to_string(),
                text
            );
        }
    }

    #[test]
    fn a_parse_error_reads_field_then_rule() {
        let e = ParseError::new("title", Rule::TooLong { max: 200 });
        assert_eq!(e.field(), "title");
        assert_eq!(e.rule(), Rule::TooLong { max: 200 });
        assert_eq!(e.to_string(), "title: is longer than 200 characters");
    }
}

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
}

/// Role names as people read them: `post_member, commissioner`.
pub fn role_list(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

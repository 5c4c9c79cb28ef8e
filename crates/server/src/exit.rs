//! Exit codes, one per kind of failure, so scripts can tell "not found" from "conflict".

use gridloop_core::{ParseError, TransitionError};
use gridloop_store::StoreError;

pub const INTERNAL: u8 = 1;
/// Bad input: a malformed value, a missing field, an unknown option (clap uses 2 as well).
pub const USAGE: u8 = 2;
pub const NOT_FOUND: u8 = 3;
pub const NOT_PERMITTED: u8 = 4;
pub const INVALID_TRANSITION: u8 = 5;
pub const CONFLICT: u8 = 6;

/// An error in what the user typed, found before anything reached the store.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn code_for(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.is::<UsageError>() || cause.is::<ParseError>() {
            return USAGE;
        }
        if let Some(e) = cause.downcast_ref::<TransitionError>() {
            return transition_code(e);
        }
        if let Some(e) = cause.downcast_ref::<StoreError>() {
            return match e {
                StoreError::NotFound { .. } => NOT_FOUND,
                StoreError::Conflict { .. } => CONFLICT,
                StoreError::Transition(t) => transition_code(t),
                StoreError::Visit(_) => INVALID_TRANSITION,
                StoreError::Invalid(_) | StoreError::AlreadyExists { .. } => USAGE,
                _ => INTERNAL,
            };
        }
    }
    INTERNAL
}

fn transition_code(e: &TransitionError) -> u8 {
    match e {
        TransitionError::NoSuchTransition { .. }
        | TransitionError::Precondition(_)
        | TransitionError::EscalationRefused(_) => INVALID_TRANSITION,
        TransitionError::RoleNotPermitted { .. } => NOT_PERMITTED,
        // Out of scope looks like absence, as it does over HTTP: do not reveal what exists.
        TransitionError::OutOfScope => NOT_FOUND,
    }
}

/// The one line printed on stderr: the error and its causes.
pub fn message_for(err: &anyhow::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}

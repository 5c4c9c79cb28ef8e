//! Exit codes, one per kind of failure, so scripts can tell "not found" from "conflict".

use gridloop_app::error::SetupError;
use gridloop_app::AppError;
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
        if let Some(e) = cause.downcast_ref::<AppError>() {
            return app_code(e);
        }
        if let Some(SetupError::Store(e)) = cause.downcast_ref::<SetupError>() {
            return store_code(e);
        }
        if let Some(e) = cause.downcast_ref::<TransitionError>() {
            return transition_code(e);
        }
        if let Some(e) = cause.downcast_ref::<StoreError>() {
            return store_code(e);
        }
    }
    INTERNAL
}

/// The exit code of a use case's refusal: the CLI's one mapping of `AppError`.
pub fn app_code(e: &AppError) -> u8 {
    match e {
        AppError::Invalid(_)
        | AppError::AlreadyExists { .. }
        | AppError::KeyReuse
        | AppError::Calendar(_)
        | AppError::Copy(_)
        | AppError::Import(_) => USAGE,
        AppError::NotFound(_) => NOT_FOUND,
        AppError::NotPermitted { .. } | AppError::OutOfScope { .. } => NOT_PERMITTED,
        AppError::NoSuchTransition { .. }
        | AppError::NoSuchMatchStep { .. }
        | AppError::Precondition(_)
        | AppError::Visit(_) => INVALID_TRANSITION,
        AppError::Conflict { .. } => CONFLICT,
        AppError::Busy { .. }
        | AppError::Throttled { .. }
        | AppError::Unavailable
        | AppError::Internal => INTERNAL,
    }
}

fn store_code(e: &StoreError) -> u8 {
    match e {
        StoreError::NotFound { .. } => NOT_FOUND,
        StoreError::Conflict { .. } => CONFLICT,
        StoreError::Transition(t) => transition_code(t),
        StoreError::Visit(_) => INVALID_TRANSITION,
        StoreError::Invalid(_) | StoreError::AlreadyExists { .. } => USAGE,
        _ => INTERNAL,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use gridloop_app::{Doing, Thing};
    use gridloop_core::{ActionKind, Role, Status};

    #[test]
    fn use_case_refusals_have_the_codes_of_the_store_errors_they_stand_for() {
        let code = |e: AppError| code_for(&anyhow::Error::new(e));
        assert_eq!(code(AppError::Invalid(vec![])), USAGE);
        assert_eq!(code(AppError::NotFound(Thing::Issue)), NOT_FOUND);
        assert_eq!(
            code(AppError::NotPermitted {
                doing: Doing::Act(ActionKind::Accept),
                roles: &[Role::Dispatcher],
            }),
            NOT_PERMITTED
        );
        assert_eq!(
            code(AppError::NoSuchTransition {
                action: ActionKind::Verify,
                status: Status::Reported,
            }),
            INVALID_TRANSITION
        );
        assert_eq!(
            code(AppError::Conflict {
                expected: 1,
                actual: 2
            }),
            CONFLICT
        );
        assert_eq!(code(AppError::Unavailable), INTERNAL);
        let refused = gridloop_app::import::ImportRefused {
            cells: Vec::new(),
            more: 1,
        };
        assert_eq!(
            code(AppError::Import(refused)),
            USAGE,
            "a refused import exits 2"
        );
        let wrapped = anyhow::Error::new(AppError::NotFound(Thing::User)).context("granting");
        assert_eq!(code_for(&wrapped), NOT_FOUND);
    }
}

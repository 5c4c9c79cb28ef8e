//! [`AppError`]: what a use case answers when it cannot do what was asked, as data.
//!
//! Each front end maps it in one place: the JSON API to problem+json
//! (`impl From<AppError> for Problem` in crates/api) and Open311's error shape, the web pages to
//! a message in the page's language (`messages::text` in crates/web), the CLI to an exit code
//! (`exit::code_for` in crates/gridloop). So a variant carries *what* went wrong (the field and
//! its rule, the thing that is missing, the roles that may) and never a sentence: the English
//! of [`Display`](std::fmt::Display) is for logs, the CLI and the API's `detail`, and the web
//! never shows it.
//!
//! [`SetupError`] is the other kind of failure: the app could not be set up from its settings
//! (at start-up, before any request).

use std::fmt;

use gridloop_core::error::role_list;
use gridloop_core::{
    ActionKind, ParseError, Precondition, Role, Rule, Status, TransitionError, VisitError,
};
use gridloop_store::StoreError;

/// What a 503 advises a client to wait before trying again, in seconds: a database restart or a
/// burst usually passes within seconds.
pub const RETRY_AFTER_SECS: u32 = 5;

/// Why a use case did not do what was asked. Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input, every bad field named: 422, the form again with its messages, exit 2.
    #[error("invalid input: {}", join(.0))]
    Invalid(Vec<ParseError>),
    /// No such thing, or one outside the actor's scope (the same answer, so as not to reveal
    /// what exists): 404, exit 3.
    #[error("no such {0}")]
    NotFound(Thing),
    /// The actor's roles do not allow it: 403, exit 4.
    #[error("not permitted: {doing} needs one of the roles {}", role_list(roles))]
    NotPermitted {
        doing: Doing,
        roles: &'static [Role],
    },
    /// The actor holds a role that may do it, but not for this grid or enterprise (a post
    /// member reporting for another grid's enterprise): 403, exit 4. Said apart from
    /// `NotPermitted`, whose "needs one of the roles" would name a role the actor holds.
    #[error("not permitted: {doing} for an enterprise outside your grids, posts and enterprises")]
    OutOfScope { doing: Doing },
    /// The issue's status has no such transition: 422, exit 5.
    #[error("no such transition: cannot {action} an issue that is {status}")]
    NoSuchTransition { action: ActionKind, status: Status },
    /// The match's status has no such step (agreeing a dropped match): 422, exit 5.
    #[error("no such transition: cannot {action} a match that is {status}")]
    NoSuchMatchStep {
        action: gridloop_core::chain::MatchActionKind,
        status: gridloop_core::chain::MatchStatus,
    },
    /// The action's preconditions do not hold: 422, exit 5.
    #[error("{0}")]
    Precondition(Precondition),
    /// A visit cannot take that step (its window, its status): 422, exit 5.
    #[error(transparent)]
    Visit(VisitError),
    /// A calendar change refused (a file's line, a year without working days): 422, exit 2.
    #[error("calendar change refused: {0}")]
    Calendar(crate::calendars::CalendarProblem),
    /// A whole-database copy refused (the target not empty, other schema versions): exit 2.
    #[error("copy refused: {0}")]
    Copy(gridloop_store::CopyRefused),
    /// An import refused, every bad cell listed (sheet, row, column, value, reason); nothing
    /// was written: 422, the page's table of bad cells, exit 2.
    #[error("import refused: {0}")]
    Import(crate::import::ImportRefused),
    /// The issue moved on since the actor saw it: 409, exit 6.
    #[error(
        "the issue changed meanwhile: you saw version {expected}, it is now at version {actual}"
    )]
    Conflict { expected: u32, actual: u32 },
    /// A code or login is taken: 409, exit 2.
    #[error("a {thing} '{key}' already exists")]
    AlreadyExists { thing: Thing, key: String },
    /// A client key (the API's `Idempotency-Key`, a web form's key) came back with another
    /// request than the one it first made: 422, exit 2.
    #[error("the client key was already used for a different request")]
    KeyReuse,
    /// Too much password hashing is running or waiting: 503 with `Retry-After`.
    #[error("the server is busy; try again in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// Too many failed sign-ins: 429 with `Retry-After`.
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// The database cannot be reached now: 503 with `Retry-After` ([`RETRY_AFTER_SECS`]),
    /// exit 1. Logged where it happened.
    #[error("the database cannot be reached; nothing was changed")]
    Unavailable,
    /// Anything else: 500, exit 1. Logged with its cause where it happened.
    #[error("internal error; it was logged")]
    Internal,
}

impl AppError {
    /// One bad field.
    pub fn invalid(error: ParseError) -> Self {
        Self::Invalid(vec![error])
    }

    /// Logs an internal failure with its cause and answers [`AppError::Internal`].
    pub fn internal(what: &str, cause: &dyn fmt::Display) -> Self {
        tracing::error!(error = %cause, "{what}");
        Self::Internal
    }
}

fn join(errors: &[ParseError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<ParseError> for AppError {
    fn from(e: ParseError) -> Self {
        Self::invalid(e)
    }
}

impl From<Vec<ParseError>> for AppError {
    fn from(errors: Vec<ParseError>) -> Self {
        Self::Invalid(errors)
    }
}

impl From<TransitionError> for AppError {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::NoSuchTransition { action, status } => {
                Self::NoSuchTransition { action, status }
            }
            TransitionError::RoleNotPermitted { action, allowed } => Self::NotPermitted {
                doing: Doing::of(action),
                roles: allowed,
            },
            // Out of scope looks like absence: do not reveal what exists.
            TransitionError::OutOfScope => Self::NotFound(Thing::Issue),
            TransitionError::Precondition(p) => Self::Precondition(p),
            // Escalation is the scheduler's step and never a request's.
            e @ TransitionError::EscalationRefused(_) => {
                Self::internal("an escalation reached a use case", &e)
            }
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what, .. } => Self::NotFound(Thing::named(what)),
            StoreError::Conflict { expected, actual } => Self::Conflict { expected, actual },
            StoreError::Transition(t) => t.into(),
            StoreError::Visit(v) => Self::Visit(v),
            StoreError::Invalid(errors) => Self::Invalid(errors),
            StoreError::AlreadyExists { what, key } => Self::AlreadyExists {
                thing: Thing::named(what),
                key,
            },
            StoreError::KeyReuse { .. } => Self::KeyReuse,
            StoreError::Copy(refused) => Self::Copy(refused),
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "database unavailable");
                Self::Unavailable
            }
            other => Self::internal("store error", &other),
        }
    }
}

/// What can be missing or taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Thing {
    Calendar,
    Chain,
    Grid,
    Post,
    Enterprise,
    Unit,
    Category,
    User,
    Token,
    Issue,
    Attachment,
    Visit,
    VisitPlan,
    Report,
    Notification,
    Schedule,
    Job,
    /// A stage of a chain (产业链环节).
    Stage,
    /// A need or an offer (供需).
    Listing,
    /// A matchmaking event (对接会).
    Meeting,
    /// A match of two enterprises (对接).
    Match,
    /// Anything else the store names (a path that names nothing, a row of another kind).
    Resource,
}

impl Thing {
    pub const ALL: [Thing; 22] = [
        Self::Calendar,
        Self::Chain,
        Self::Grid,
        Self::Post,
        Self::Enterprise,
        Self::Unit,
        Self::Category,
        Self::User,
        Self::Token,
        Self::Issue,
        Self::Attachment,
        Self::Visit,
        Self::VisitPlan,
        Self::Report,
        Self::Notification,
        Self::Schedule,
        Self::Job,
        Self::Stage,
        Self::Listing,
        Self::Meeting,
        Self::Match,
        Self::Resource,
    ];

    /// The name the store and the API use (`visit plan`, `issue`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Calendar => "calendar",
            Self::Chain => "chain",
            Self::Grid => "grid",
            Self::Post => "post",
            Self::Enterprise => "enterprise",
            Self::Unit => "unit",
            Self::Category => "category",
            Self::User => "user",
            Self::Token => "token",
            Self::Issue => "issue",
            Self::Attachment => "attachment",
            Self::Visit => "visit",
            Self::VisitPlan => "visit plan",
            Self::Report => "report",
            Self::Notification => "notification",
            Self::Schedule => "schedule",
            Self::Job => "job",
            Self::Stage => "stage",
            Self::Listing => "listing",
            Self::Meeting => "meeting",
            Self::Match => "match",
            Self::Resource => "resource",
        }
    }

    /// The thing the store names by `what` in its errors.
    pub fn named(what: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == what)
            .unwrap_or(Self::Resource)
    }
}

impl fmt::Display for Thing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the actor tried, for [`AppError::NotPermitted`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Doing {
    /// An action on an issue.
    Act(ActionKind),
    /// Reporting a problem.
    Intake,
    /// Changing reference data, users, schedules or the outbox.
    Administer,
    /// Reading a weekly report of a scope.
    ReadReport,
    /// Listing visits or visit plans.
    ReadVisits,
    /// Checking in or completing a visit.
    LogVisit,
    /// Posting or withdrawing a need or an offer.
    PostListing,
    /// Setting an enterprise's chain position.
    SetPosition,
    /// Planning or running a matchmaking meeting (对接会).
    RunMeeting,
    /// Introducing or moving on a match (对接).
    Match(gridloop_core::chain::MatchActionKind),
}

impl Doing {
    /// An action of the lifecycle as what was tried: reporting is [`Doing::Intake`].
    pub fn of(action: ActionKind) -> Self {
        match action {
            ActionKind::Report => Self::Intake,
            other => Self::Act(other),
        }
    }
}

impl fmt::Display for Doing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Act(action) => write!(f, "{action}"),
            Self::Intake => f.write_str("report"),
            Self::Administer => f.write_str("administration"),
            Self::ReadReport => f.write_str("reading this report"),
            Self::ReadVisits => f.write_str("reading visits"),
            Self::LogVisit => f.write_str("logging a visit"),
            Self::PostListing => f.write_str("posting a need or an offer"),
            Self::SetPosition => f.write_str("setting a chain position"),
            Self::RunMeeting => f.write_str("running a matchmaking meeting"),
            Self::Match(action) => write!(f, "{action} a match"),
        }
    }
}

// The field errors the app itself finds, each a field and the core `Rule` it broke.

/// `field` names a `thing` that does not exist (`key`): `Rule::NoSuch`.
pub fn no_such(field: &'static str, thing: Thing, key: impl fmt::Display) -> ParseError {
    tracing::debug!(field, %thing, %key, "names nothing");
    ParseError::new(field, Rule::NoSuch)
}

/// A parse error reported under another field's name (a list's entries under the list).
pub fn relabel(field: &'static str, error: ParseError) -> ParseError {
    ParseError::new(field, error.rule())
}

/// A list with more entries than allowed: `Rule::TooMany { max }`.
pub fn too_many(field: &'static str, len: usize, max: usize) -> ParseError {
    tracing::debug!(field, len, max, "too many entries");
    ParseError::new(field, Rule::TooMany { max })
}

/// Collects the bad fields of a request, so that one [`AppError::Invalid`] names them all.
#[derive(Debug, Default)]
pub struct Fields(Vec<ParseError>);

impl Fields {
    /// The value, or `None` with the error recorded under the field the parser named.
    pub fn take<T>(&mut self, parsed: Result<T, ParseError>) -> Option<T> {
        parsed.map_err(|e| self.0.push(e)).ok()
    }

    /// The value, or `None` with the error recorded under `field` (for names a core parser
    /// cannot know, such as a list's).
    pub fn take_as<T>(&mut self, field: &'static str, parsed: Result<T, ParseError>) -> Option<T> {
        parsed.map_err(|e| self.0.push(relabel(field, e))).ok()
    }

    pub fn add(&mut self, error: ParseError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// [`AppError::Invalid`] naming every field recorded, if any.
    pub fn check(&mut self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(std::mem::take(&mut self.0)))
        }
    }
}

/// A value that parsed without a recorded error yet came out empty: after [`Fields::check`]
/// passed this cannot happen, and if it does it is a bug, logged and answered as internal.
pub fn bug(what: &str) -> AppError {
    tracing::error!(what, "a field parsed without error came out empty");
    AppError::Internal
}

/// Why the app could not be set up from its settings: a setting out of shape, a file that
/// cannot be read, the database refusing at start-up. The binary says it once and exits.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A setting missing or out of shape, said with its key.
    #[error("{0}")]
    Setting(String),
    /// Something read or built at start-up failed: what (the source says why).
    #[error("{what}")]
    Failed {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SetupError {
    /// `what` failed because of `source`.
    pub fn failed(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Failed {
            what: what.into(),
            source: source.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stores_names_map_to_things_and_back() {
        for thing in Thing::ALL {
            assert_eq!(Thing::named(thing.as_str()), thing);
        }
        assert_eq!(Thing::named("visit plan"), Thing::VisitPlan);
        assert_eq!(Thing::named("something new"), Thing::Resource);
    }

    #[test]
    fn store_errors_become_app_errors_of_the_same_kind() {
        let e = AppError::from(StoreError::NotFound {
            what: "category",
            key: "x".into(),
        });
        assert!(matches!(e, AppError::NotFound(Thing::Category)));
        let e = AppError::from(StoreError::Transition(TransitionError::RoleNotPermitted {
            action: ActionKind::Accept,
            allowed: &[Role::Dispatcher],
        }));
        assert_eq!(
            e.to_string(),
            "not permitted: accept needs one of the roles dispatcher"
        );
        let e = AppError::from(StoreError::Transition(TransitionError::OutOfScope));
        assert!(matches!(e, AppError::NotFound(Thing::Issue)));
        let e = AppError::from(StoreError::Conflict {
            expected: 1,
            actual: 2,
        });
        assert!(matches!(
            e,
            AppError::Conflict {
                expected: 1,
                actual: 2
            }
        ));
    }
}

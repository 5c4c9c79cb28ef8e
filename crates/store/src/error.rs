//! The store's one error type, and the coarse kinds callers map to exit codes and HTTP statuses.

use gridloop_core::{ParseError, ReplayError, Rule, TransitionError, VisitError};
use thiserror::Error;

/// Everything that can go wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// No row with that key (or it is not usable, e.g. an inactive user for [`crate::Store::actor`]).
    #[error("no {what} '{key}'")]
    NotFound { what: &'static str, key: String },
    /// The issue is no longer at the version the actor saw: someone else acted first. Nothing
    /// was written; reload and decide again.
    #[error(
        "the issue changed meanwhile: you saw version {expected}, it is now at version {actual}"
    )]
    Conflict { expected: u32, actual: u32 },
    /// The workflow refused the action (no such transition, role or scope, precondition).
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A visit cannot take that step (its window, its status).
    #[error(transparent)]
    Visit(#[from] VisitError),
    /// Missing or malformed input, named field by field.
    #[error("invalid input: {}", join(.0))]
    Invalid(Vec<ParseError>),
    /// A unique code or login is taken.
    #[error("a {what} '{key}' already exists")]
    AlreadyExists { what: &'static str, key: String },
    /// A report's client key came back with a different request than the one it first created.
    #[error("the client key '{key}' was already used for a different report")]
    KeyReuse { key: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A whole-database copy (backup, restore, a move between backends) was refused.
    #[error(transparent)]
    Copy(crate::copy::CopyRefused),
    /// A stored row that does not make a domain value, or a history that does not replay.
    #[error("corrupt data in the store: {0}")]
    Corrupt(String),
}

/// The coarse class of a [`StoreError`], for mapping to exit codes and HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    NotFound,
    Conflict,
    /// A [`TransitionError`]; look at it for 403/404/422.
    Transition,
    Invalid,
    AlreadyExists,
    KeyReuse,
    /// The database could not be reached or failed; retrying later may help.
    Unavailable,
    /// A migration failed or the schema is newer than this build.
    Migrate,
    Corrupt,
}

impl StoreError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Conflict { .. } => ErrorKind::Conflict,
            Self::Transition(_) | Self::Visit(_) => ErrorKind::Transition,
            Self::Invalid(_) | Self::Copy(_) => ErrorKind::Invalid,
            Self::AlreadyExists { .. } => ErrorKind::AlreadyExists,
            Self::KeyReuse { .. } => ErrorKind::KeyReuse,
            // A stored value that does not decode will not decode on a retry either.
            Self::Database(sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_)) => {
                ErrorKind::Corrupt
            }
            // Not only an unreachable database (see [`StoreError::is_unavailable`]): any
            // failure of the database itself, which a later retry may not meet again.
            Self::Database(_) => ErrorKind::Unavailable,
            Self::Migrate(_) => ErrorKind::Migrate,
            Self::Corrupt(_) => ErrorKind::Corrupt,
        }
    }

    /// Whether a store error says the database cannot be reached right now (it is down,
    /// restarting, or every connection is busy) rather than that something is wrong: a 503 with
    /// `Retry-After`, not a 500. The pool reconnects by itself when the database is back.
    ///
    /// A write that failed this way was not acknowledged; one whose commit reached the database
    /// just before the connection broke may have happened, which a client retrying with the same
    /// `Idempotency-Key` finds out without doing it twice.
    pub fn is_unavailable(&self) -> bool {
        let Self::Database(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => {
                if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                    let code = pg.code();
                    // Class 08: connection exceptions; 57P01-03: the server is shutting down,
                    // crashed or still starting; 53300: too many connections.
                    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
                } else if let Some(lite) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                    // SQLITE_BUSY and its extended codes: another process holds the lock for
                    // longer than the busy timeout.
                    sqlx::error::DatabaseError::code(lite)
                        .and_then(|c| c.parse::<i32>().ok())
                        .is_some_and(|c| c & 0xff == 5)
                } else {
                    false
                }
            }
            _ => false,
        }
    }

    pub(crate) fn not_found(what: &'static str, key: impl ToString) -> Self {
        Self::NotFound {
            what,
            key: key.to_string(),
        }
    }

    pub(crate) fn invalid(field: &'static str, rule: Rule) -> Self {
        Self::Invalid(vec![ParseError::new(field, rule)])
    }

    /// Whether this is the database refusing a duplicate key.
    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(self, Self::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// Whether this is the database refusing a row of `table` without `column` (`NOT NULL`).
    pub(crate) fn is_missing(&self, table: &str, column: &str) -> bool {
        let Self::Database(sqlx::Error::Database(e)) = self else {
            return false;
        };
        if e.kind() != sqlx::error::ErrorKind::NotNullViolation {
            return false;
        }
        match e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            Some(pg) => pg.table() == Some(table) && pg.column() == Some(column),
            // SQLite names them only in its message: "NOT NULL constraint failed: t.c".
            None => e
                .message()
                .strip_prefix("NOT NULL constraint failed: ")
                .is_some_and(|at| at.split_once('.') == Some((table, column))),
        }
    }

    /// Whether this is a write of a decision whose issue moved after it was read: its
    /// compare-and-set changed no row, so its event named no issue (see `issues::record`).
    pub(crate) fn is_stale_write(&self) -> bool {
        self.is_missing("issue_events", "issue_id")
    }

    pub(crate) fn is_foreign_key_violation(&self) -> bool {
        matches!(self, Self::Database(sqlx::Error::Database(e)) if e.is_foreign_key_violation())
    }
}

impl From<ReplayError> for StoreError {
    fn from(e: ReplayError) -> Self {
        Self::Corrupt(format!("an issue's history does not replay: {e}"))
    }
}

fn join(errors: &[ParseError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

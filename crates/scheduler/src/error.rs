use gridloop_store::StoreError;
use thiserror::Error;

/// What stops the scheduler itself from working (not a job's own failure: see [`JobError`]).
#[derive(Debug, Error)]
pub enum SchedulerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A job's payload does not have the shape its kind needs.
    #[error("job {id} ({kind}): {reason}")]
    Payload {
        id: i64,
        kind: String,
        reason: String,
    },
    #[error(transparent)]
    Report(#[from] gridloop_core::DocumentError),
}

/// Why one run of a job failed, and whether trying again could help.
#[derive(Debug, Error)]
#[error("{message}")]
pub struct JobError {
    pub message: String,
    /// Retrying cannot help (a payload that does not parse): the job goes straight to `dead`.
    pub permanent: bool,
}

impl JobError {
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        // A database that is down may come back; data that does not parse will not.
        let permanent = matches!(
            e.kind(),
            gridloop_store::ErrorKind::Corrupt | gridloop_store::ErrorKind::Invalid
        );
        Self {
            message: e.to_string(),
            permanent,
        }
    }
}

impl From<SchedulerError> for JobError {
    fn from(e: SchedulerError) -> Self {
        match e {
            SchedulerError::Store(e) => e.into(),
            other => Self::permanent(other.to_string()),
        }
    }
}

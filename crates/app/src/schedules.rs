//! Schedules: the scheduler's recurring jobs (the weekly report, planning visits, what an admin
//! added), listed, paused, resumed and removed; and the queue of jobs they fire, listed and a
//! dead or retryable one requeued.
//!
//! The built-in schedules ([`BUILTIN_SCHEDULES`](crate::jobs::BUILTIN_SCHEDULES)) are created
//! again at every start, so an admin pauses them rather than removes them; the operator at the
//! command line, who owns the database, may remove any (the `*_as_operator` functions).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridloop_core::{Actor, CronExpr, Format, Misfire, ParseError, Rule, Schedule};
use gridloop_store::{Job, JobState, NewSchedule, ScheduleRecord, Store};

use crate::error::{bug, no_such, AppError, Fields, Thing};
use crate::jobs::{is_builtin_schedule, is_known_kind};
use crate::reference::require_admin;
use crate::state::AppState;

/// What became of a schedule an admin asked to remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// A built-in schedule: kept, for it would come back at the next start (pause it instead).
    Builtin,
}

/// A new schedule as typed.
#[derive(Debug, Clone)]
pub struct NewScheduleInput {
    /// Unique; how people name it.
    pub name: String,
    /// A crontab line.
    pub cron: String,
    /// An IANA time zone, where the crontab line reads.
    pub time_zone: String,
    /// The kind of job each occurrence enqueues (see [`KINDS`](crate::jobs::KINDS)).
    pub job: String,
    /// The job's payload: a JSON object.
    pub payload: serde_json::Map<String, serde_json::Value>,
    pub misfire: Misfire,
}

/// Adds a schedule (the operator at the command line): a crontab line in a time zone that
/// enqueues a known kind of job.
pub async fn add_as_operator(
    state: &AppState,
    input: NewScheduleInput,
) -> Result<ScheduleRecord, AppError> {
    let mut fields = Fields::default();
    let expr = fields.take(CronExpr::parse(&input.cron));
    let tz = match input.time_zone.parse::<Tz>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            fields.add(ParseError::new("time_zone", Rule::Format(Format::TimeZone)));
            None
        }
    };
    if !is_known_kind(&input.job) {
        fields.add(no_such("job", Thing::Job, &input.job));
    }
    fields.check()?;
    let (Some(expr), Some(tz)) = (expr, tz) else {
        return Err(bug("schedule"));
    };
    let new = NewSchedule {
        name: input.name,
        schedule: Schedule::new(expr, tz),
        job_kind: input.job,
        payload: serde_json::Value::Object(input.payload),
        misfire: input.misfire,
    };
    let record = state.store.add_schedule(&new, state.clock.now()).await?;
    tracing::info!(schedule = %record.name, "schedule added");
    Ok(record)
}

/// Every schedule, in id order.
pub async fn list(store: &Store) -> Result<Vec<ScheduleRecord>, AppError> {
    Ok(store.schedules().await?)
}

/// Pauses or resumes the schedule named `name` (admins only).
pub async fn set_paused(
    state: &AppState,
    actor: &Actor,
    name: &str,
    paused: bool,
) -> Result<ScheduleRecord, AppError> {
    require_admin(actor)?;
    set_paused_as_operator(state, name, paused).await
}

/// [`set_paused`] for the operator at the command line.
pub async fn set_paused_as_operator(
    state: &AppState,
    name: &str,
    paused: bool,
) -> Result<ScheduleRecord, AppError> {
    let record = state
        .store
        .set_schedule_paused(name, paused, state.clock.now())
        .await?;
    tracing::info!(schedule = %name, paused, "schedule paused or resumed");
    Ok(record)
}

/// Removes a schedule an admin added (admins only); a built-in one is kept
/// ([`Removal::Builtin`]).
pub async fn remove(state: &AppState, actor: &Actor, name: &str) -> Result<Removal, AppError> {
    require_admin(actor)?;
    if is_builtin_schedule(name) {
        return Ok(Removal::Builtin);
    }
    remove_as_operator(state, name).await?;
    Ok(Removal::Removed)
}

/// Removes any schedule, built-in ones too (they come back at the next start): for the
/// operator at the command line.
pub async fn remove_as_operator(state: &AppState, name: &str) -> Result<(), AppError> {
    state.store.remove_schedule(name).await?;
    tracing::info!(schedule = %name, "schedule removed");
    Ok(())
}

/// The jobs in the queue, of one state (`scheduled`, `available`, `running`, `retryable`,
/// `completed`, `dead`) or all, at most `limit` (1–1000, brought inside): for the operator.
pub async fn jobs(store: &Store, state: Option<&str>, limit: u32) -> Result<Vec<Job>, AppError> {
    let state = state.map(str::parse::<JobState>).transpose()?;
    Ok(store.jobs(state, limit.clamp(1, 1000)).await?)
}

/// Requeues a dead or retryable job to run at `now`, its attempts counted afresh: for the
/// operator.
pub async fn retry_job(store: &Store, id: i64, now: DateTime<Utc>) -> Result<Job, AppError> {
    let job = store.retry_job(id, now).await?;
    tracing::info!(job = id, kind = %job.kind, "job requeued");
    Ok(job)
}

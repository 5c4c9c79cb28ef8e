//! The day-before reminder of a matchmaking meeting (对接会, a meeting in code).
//!
//! Sending a meeting's invitations enqueues one `meeting.remind` job a day before it starts,
//! keyed by the meeting, so sending again (to enterprises invited later) enqueues nothing new.
//! When it runs it tells every invitee told of the meeting so far, if the meeting is still
//! planned and still to come; each enterprise is reminded once (the outbox's dedupe key).

use chrono::{DateTime, Duration, Utc};
use gridloop_core::chain::MeetingId;
use gridloop_core::chain::MeetingStatus;
use gridloop_core::NotificationKind;
use gridloop_store::{Job, NewJob, Store};
use serde::Deserialize;

use crate::error::JobError;
use crate::runner::Scheduler;

pub const REMIND_JOB: &str = "meeting.remind";

/// How long before its start a meeting is reminded of.
pub fn reminder_lead() -> Duration {
    Duration::days(1)
}

/// The reminder job of `meeting` starting at `starts_at`, due a day before it (or at `now`,
/// for a meeting sooner than that).
pub fn reminder_job(meeting: MeetingId, starts_at: DateTime<Utc>, now: DateTime<Utc>) -> NewJob {
    NewJob::new(
        REMIND_JOB,
        serde_json::json!({ "meeting": meeting }),
        (starts_at - reminder_lead()).max(now),
    )
    .unique(format!("meeting:{meeting}:remind"))
}

#[derive(Deserialize)]
struct Payload {
    meeting: i64,
}

/// Registers the reminder's handler.
pub fn register(scheduler: &mut Scheduler) {
    let store = scheduler.store().clone();
    scheduler.register(REMIND_JOB, move |job: Job, now: DateTime<Utc>| {
        let store = store.clone();
        async move { remind(&store, &job, now).await }
    });
}

async fn remind(store: &Store, job: &Job, now: DateTime<Utc>) -> Result<(), JobError> {
    let id = serde_json::from_value::<Payload>(job.payload.clone())
        .ok()
        .and_then(|p| MeetingId::new(p.meeting).ok())
        .ok_or_else(|| JobError::permanent(format!("job {}: bad payload", job.id)))?;
    let mut tx = store.transaction().await?;
    let Some(meeting) = tx.meeting(id).await? else {
        return Ok(());
    };
    if meeting.status != MeetingStatus::Planned || now >= meeting.starts_at.at() {
        return Ok(());
    }
    let told: Vec<_> = tx
        .invitations(id)
        .await?
        .into_iter()
        .filter(|i| i.notified_at.is_some())
        .collect();
    let rows = tx
        .notify_invitees(&meeting, NotificationKind::MeetingReminder, &told, now)
        .await?;
    tx.commit().await?;
    tracing::info!(meeting = %id, invitees = told.len(), rows, "meeting reminded");
    Ok(())
}

//! SLA reminders and escalations: the deadline watch of each assigned issue.
//!
//! An assignment (or a rework, reassignment, resume, granted extension) records a `sla.plan`
//! job in its own transaction. Its handler plans the watch's timers on the working calendar —
//! due-soon reminders and one escalation per rung of the category's ladder — and enqueues each
//! as a `sla.timer` job keyed by [`Timer::key`], so planning twice enqueues once. When a timer
//! fires it re-reads the issue and does nothing unless [`Timer::still_applies`]: the issue may
//! have been resolved, put on hold, reassigned or given more time since.

use chrono::{DateTime, Utc};
use gridloop_core::{
    Audience, EscalationLadder, IssueId, NotificationKind, Share, Timer, TimerKind, TransitionError,
};
use gridloop_store::{Job, NewJob, NewNotification, Recipients, Store, StoreError, SLA_PLAN_JOB};
use serde::Deserialize;

use crate::error::JobError;
use crate::live::LiveWorkflow;
use crate::runner::Scheduler;

/// The job kind of one timer.
pub const SLA_TIMER_JOB: &str = "sla.timer";

/// What the deadline watch needs besides the store.
#[derive(Debug, Clone)]
pub struct SlaSettings {
    /// The workflow in force (its calendar plans the timers).
    pub workflow: LiveWorkflow,
    /// When a due-soon reminder goes out: this share of the working time used.
    pub due_soon: Share,
}

#[derive(Deserialize)]
struct PlanPayload {
    issue: IssueId,
    armed_at: DateTime<Utc>,
}

fn payload<T: for<'de> Deserialize<'de>>(job: &Job) -> Result<T, JobError> {
    serde_json::from_value(job.payload.clone()).map_err(|e| {
        JobError::permanent(format!("job {} ({}): bad payload: {e}", job.id, job.kind))
    })
}

/// Registers the `sla.plan` and `sla.timer` handlers.
pub fn register(scheduler: &mut Scheduler, settings: SlaSettings) {
    let store = scheduler.store().clone();
    let plan_settings = settings.clone();
    let plan_store = store.clone();
    scheduler.register(SLA_PLAN_JOB, move |job: Job, now: DateTime<Utc>| {
        let store = plan_store.clone();
        let settings = plan_settings.clone();
        async move { plan(&store, &settings, &job, now).await }
    });
    scheduler.register(SLA_TIMER_JOB, move |job: Job, now: DateTime<Utc>| {
        let store = store.clone();
        let settings = settings.clone();
        async move { fire(&store, &settings, &job, now).await }
    });
}

/// Plans and enqueues the timers of one watch. Idempotent: timers are keyed.
async fn plan(
    store: &Store,
    settings: &SlaSettings,
    job: &Job,
    now: DateTime<Utc>,
) -> Result<(), JobError> {
    let PlanPayload { issue, armed_at } = payload(job)?;
    let mut tx = store.transaction().await?;
    let Some(current) = tx.issue(issue).await? else {
        return Err(JobError::permanent(format!("issue {issue} does not exist")));
    };
    let workflow = settings.workflow.current();
    let calendar = workflow.calendar();
    let ladder = match tx.escalation_ladder(current.category).await? {
        Some(ladder) => ladder,
        None => EscalationLadder::standard(calendar.hours()),
    };
    let timers =
        gridloop_core::plan_timers(&current, armed_at, calendar, &ladder, settings.due_soon);
    for timer in &timers {
        let payload = serde_json::to_value(timer)
            .map_err(|e| JobError::permanent(format!("cannot serialize a timer: {e}")))?;
        let job = NewJob::new(SLA_TIMER_JOB, payload, timer.fire_at).unique(timer.key());
        tx.enqueue(&job, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Fires one timer: a reminder to the unit, or an escalation, if it still applies.
async fn fire(
    store: &Store,
    settings: &SlaSettings,
    job: &Job,
    now: DateTime<Utc>,
) -> Result<(), JobError> {
    let timer: Timer = payload(job)?;
    let mut tx = store.transaction().await?;
    let Some(issue) = tx.issue(timer.issue).await? else {
        return Err(JobError::permanent(format!(
            "issue {} does not exist",
            timer.issue
        )));
    };
    if !timer.still_applies(&issue) {
        return Ok(());
    }
    match timer.kind {
        TimerKind::DueSoon { deadline } => {
            let notice = NewNotification {
                recipients: Recipients::Audience(Audience::Unit(timer.unit)),
                kind: NotificationKind::DueSoon,
                issue: Some(issue.id),
                params: serde_json::json!({
                    "deadline": deadline.as_str(),
                    "due_at": timer.due_at,
                    "share": settings.due_soon.percent(),
                }),
                dedupe: job
                    .unique_key
                    .clone()
                    .unwrap_or_else(|| format!("job:{}", job.id)),
                urgent: false,
            };
            tx.notify(&notice, now).await?;
        }
        TimerKind::Escalate { level } => {
            match tx
                .escalate(&settings.workflow.current(), issue.id, level, now)
                .await
            {
                Ok(_) => {}
                // The issue moved on between the check and the decision: nothing to do.
                Err(StoreError::Transition(TransitionError::EscalationRefused(_))) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

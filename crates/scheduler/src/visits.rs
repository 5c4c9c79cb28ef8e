//! Weekly on-site visits: materialised ahead, reminded, and marked missed when their window
//! passes.
//!
//! `visits.materialise` (run by a daily schedule, and when a plan is added) stores each active
//! plan's occurrences for the next fortnight as planned visits, and for each new visit enqueues
//! a reminder at its lead time and an end-of-window check, keyed by the visit so that running
//! twice enqueues once. The reminder carries the visit's agenda: the enterprise's open issues
//! and those resolved and waiting for on-site verification. A visit still planned when its
//! window ends is missed; two misses in a row for one plan are escalated to the supervisors.

use chrono::{DateTime, Duration, Utc};
use gridloop_core::{
    misses_in_a_row, occurrences_to_materialise, visit::MATERIALISE_HORIZON_DAYS, Audience,
    Calendar, NotificationKind, Status, VisitStatus, ESCALATE_AFTER_MISSES,
};
use gridloop_store::{
    IssueFilter, Job, NewJob, NewNotification, Recipients, Store, Tx, Visit, VisitPlanRecord,
};
use serde::Deserialize;

use crate::error::JobError;
use crate::live::LiveWorkflow;
use crate::runner::Scheduler;

pub const MATERIALISE_JOB: &str = "visits.materialise";
pub const REMIND_JOB: &str = "visit.remind";
pub const END_JOB: &str = "visit.end";

#[derive(Deserialize)]
struct VisitPayload {
    visit: i64,
}

/// Registers the visit handlers.
pub fn register(scheduler: &mut Scheduler, workflow: LiveWorkflow) {
    let store = scheduler.store().clone();
    let (s1, s2, s3) = (store.clone(), store.clone(), store);
    scheduler.register(MATERIALISE_JOB, move |_job: Job, now: DateTime<Utc>| {
        let store = s1.clone();
        let calendar = workflow.calendar();
        async move {
            materialise_all(&store, &calendar, now).await?;
            Ok(())
        }
    });
    scheduler.register(REMIND_JOB, move |job: Job, now: DateTime<Utc>| {
        let store = s2.clone();
        async move { remind(&store, &job, now).await }
    });
    scheduler.register(END_JOB, move |job: Job, now: DateTime<Utc>| {
        let store = s3.clone();
        async move { end_of_window(&store, &job, now).await }
    });
}

fn visit_id(job: &Job) -> Result<i64, JobError> {
    serde_json::from_value::<VisitPayload>(job.payload.clone())
        .map(|p| p.visit)
        .map_err(|e| JobError::permanent(format!("job {}: bad payload: {e}", job.id)))
}

/// Materialises every active plan; returns how many visits were created.
pub async fn materialise_all(
    store: &Store,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> Result<usize, JobError> {
    let plans = store.visit_plans(None).await?;
    let mut created = 0;
    for plan in plans.iter().filter(|p| p.plan.is_active()) {
        let mut tx = store.transaction().await?;
        created += materialise(&mut tx, plan, calendar, now).await?.len();
        tx.commit().await?;
    }
    Ok(created)
}

/// Materialises one plan in `tx`: its visits for the coming fortnight and their jobs.
pub async fn materialise(
    tx: &mut Tx,
    plan: &VisitPlanRecord,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> Result<Vec<Visit>, JobError> {
    let until = now + Duration::days(i64::from(MATERIALISE_HORIZON_DAYS));
    let occurrences =
        occurrences_to_materialise(&plan.plan, calendar, now, MATERIALISE_HORIZON_DAYS);
    let visits = tx
        .materialise_visits(plan, &occurrences, until, now)
        .await?;
    for visit in &visits {
        let payload = serde_json::json!({ "visit": visit.id });
        let remind_at = plan.plan.reminder_at(visit.scheduled_at).max(now);
        tx.enqueue(
            &NewJob::new(REMIND_JOB, payload.clone(), remind_at)
                .unique(format!("visit:{}:remind", visit.id)),
            now,
        )
        .await?;
        tx.enqueue(
            &NewJob::new(END_JOB, payload, visit.window_end_at)
                .unique(format!("visit:{}:end", visit.id)),
            now,
        )
        .await?;
    }
    Ok(visits)
}

/// Reminds the commissioner of a planned visit, with its agenda.
async fn remind(store: &Store, job: &Job, now: DateTime<Utc>) -> Result<(), JobError> {
    let id = visit_id(job)?;
    let mut tx = store.transaction().await?;
    let Some(visit) = tx.visit(id).await? else {
        return Ok(()); // the plan was paused and the visit deleted
    };
    if visit.status != VisitStatus::Planned || now >= visit.window_end_at {
        return Ok(());
    }
    let agenda = agenda(&mut tx, &visit).await?;
    let notice = NewNotification {
        recipients: Recipients::User(visit.commissioner),
        kind: NotificationKind::VisitReminder,
        issue: None,
        params: serde_json::json!({
            "visit": visit.id,
            "enterprise": visit.enterprise,
            "starts_at": visit.scheduled_at,
            "ends_at": visit.window_end_at,
            "agenda": agenda,
        }),
        dedupe: format!("visit:{}:remind", visit.id),
        urgent: false,
    };
    tx.notify(&notice, now).await?;
    tx.commit().await?;
    Ok(())
}

/// What a commissioner should look at during a visit: the enterprise's open issues, and those
/// resolved and waiting for verification on site (检验成效), most urgent first.
pub async fn agenda(tx: &mut Tx, visit: &Visit) -> Result<serde_json::Value, JobError> {
    let filter = IssueFilter {
        enterprise: Some(visit.enterprise),
        statuses: Status::OPEN.to_vec(),
        ..IssueFilter::default()
    };
    let page = tx.list_issues(&filter, 50, None).await?;
    let items: Vec<serde_json::Value> = page
        .items
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.id,
                "title": i.title.as_str(),
                "status": i.status.as_str(),
                "verify": i.status == Status::Resolved,
                "resolve_due_at": i.resolve_due_at,
            })
        })
        .collect();
    Ok(serde_json::Value::Array(items))
}

/// Marks a visit missed once its window has ended without completion, and escalates a plan's
/// second miss in a row to the supervisors.
async fn end_of_window(store: &Store, job: &Job, now: DateTime<Utc>) -> Result<(), JobError> {
    let id = visit_id(job)?;
    let mut tx = store.transaction().await?;
    let Some(visit) = tx.visit(id).await? else {
        return Ok(());
    };
    // A checked-in visit was made; its notes may come later. Only a visit nobody came to
    // is missed.
    if visit.status != VisitStatus::Planned {
        return Ok(());
    }
    let missed = match gridloop_core::miss(visit.status, now, visit.window_end_at) {
        Ok(missed) => missed,
        Err(e) => return Err(JobError::transient(e.to_string())),
    };
    tx.set_visit_status(id, visit.status, missed, None, now)
        .await?;
    let recent = tx
        .recent_visit_statuses(visit.plan, visit.scheduled_at, ESCALATE_AFTER_MISSES + 1)
        .await?;
    let misses = misses_in_a_row(recent);
    if misses >= ESCALATE_AFTER_MISSES {
        let notice = NewNotification {
            recipients: Recipients::Audience(Audience::Supervisors),
            kind: NotificationKind::VisitMissed,
            issue: None,
            params: serde_json::json!({
                "visit": visit.id,
                "plan": visit.plan,
                "enterprise": visit.enterprise,
                "commissioner": visit.commissioner,
                "misses": misses,
                "starts_at": visit.scheduled_at,
            }),
            dedupe: format!("visit:{}:missed", visit.id),
            urgent: false,
        };
        tx.notify(&notice, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

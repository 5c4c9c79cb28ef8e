//! The scheduler as gridloop runs it: every job kind's handler, and the built-in schedules.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use gridloop_core::{CronExpr, Misfire, Schedule, Share};
use gridloop_scheduler::reports::{ReportContext, WEEKLY_REPORT_JOB};
use gridloop_scheduler::sla::{SlaSettings, SLA_TIMER_JOB};
use gridloop_scheduler::visits::{END_JOB, MATERIALISE_JOB, REMIND_JOB};
use gridloop_scheduler::{Clock, JobError, LiveWorkflow, Scheduler, SchedulerConfig};
use gridloop_store::{Job, NewJob, NewSchedule, Store, StoreError, SLA_PLAN_JOB};

use crate::chain::matches::FOLLOW_UP_JOB;
use crate::error::SetupError;
use crate::settings::{SchedulerSettings, Settings};

/// A job that does nothing: for benchmarks and for checking that workers run.
pub const NOOP_JOB: &str = "noop";

/// Every job kind gridloop has a handler for, with what it does.
pub const KINDS: &[(&str, &str)] = &[
    (
        NOOP_JOB,
        "does nothing, after `sleep_ms` if given (benchmarks, checks)",
    ),
    (
        SLA_PLAN_JOB,
        "plans an assignment's reminders and escalations",
    ),
    (
        SLA_TIMER_JOB,
        "one due-soon reminder or escalation of an issue",
    ),
    (
        MATERIALISE_JOB,
        "plans the next fortnight of every active visit plan",
    ),
    (
        REMIND_JOB,
        "reminds a commissioner of a visit, with its agenda",
    ),
    (
        END_JOB,
        "marks a visit missed when its window ends unlogged",
    ),
    (
        FOLLOW_UP_JOB,
        "reminds a match's introducer when it sat still for the follow-up working days",
    ),
    (
        WEEKLY_REPORT_JOB,
        "stores and emails the weekly reports of the week before (or of `week`)",
    ),
];

pub fn is_known_kind(kind: &str) -> bool {
    KINDS.iter().any(|(k, _)| *k == kind)
}

fn config(settings: &SchedulerSettings) -> SchedulerConfig {
    SchedulerConfig {
        batch: settings.batch.max(1),
        lease: Duration::seconds(i64::from(settings.lease_secs.max(1))),
        backoff_base: Duration::seconds(i64::from(settings.backoff_base_secs)),
        backoff_cap: Duration::seconds(i64::from(settings.backoff_cap_secs)),
        retention: Duration::days(i64::from(settings.retention_days)),
        ..SchedulerConfig::default()
    }
}

/// A scheduler with every handler registered.
pub fn build(
    store: Store,
    workflow: &LiveWorkflow,
    clock: Arc<dyn Clock>,
    settings: &Settings,
) -> Result<Scheduler, SetupError> {
    let mut scheduler = Scheduler::new(
        store,
        clock,
        Scheduler::process_owner(),
        config(&settings.scheduler),
    );
    scheduler.register(NOOP_JOB, |job: Job, _now: DateTime<Utc>| async move {
        // `{"sleep_ms": N}` makes it hold its lease a while: how a crash test catches a
        // worker mid-job. Capped so a typo cannot park a worker for long.
        if let Some(ms) = job
            .payload
            .get("sleep_ms")
            .and_then(serde_json::Value::as_u64)
        {
            tokio::time::sleep(std::time::Duration::from_millis(ms.min(60_000))).await;
        }
        Ok::<(), JobError>(())
    });
    let matches = scheduler.store().clone();
    scheduler.register(FOLLOW_UP_JOB, move |job: Job, now: DateTime<Utc>| {
        let store = matches.clone();
        async move { follow_up_job(&store, &job, now).await }
    });
    let due_soon = Share::new(settings.scheduler.due_soon_percent)?;
    gridloop_scheduler::visits::register(&mut scheduler, workflow.clone());
    gridloop_scheduler::meetings::register(&mut scheduler);
    gridloop_scheduler::reports::register(
        &mut scheduler,
        Arc::new(report_context(settings, workflow.clone())),
    );
    let workflow = workflow.clone();
    gridloop_scheduler::sla::register(&mut scheduler, SlaSettings { workflow, due_soon });
    Ok(scheduler)
}

/// A match's follow-up job: `{"match": id, "version": v}`.
async fn follow_up_job(store: &Store, job: &Job, now: DateTime<Utc>) -> Result<(), JobError> {
    #[derive(serde::Deserialize)]
    struct Payload {
        #[serde(rename = "match")]
        id: gridloop_core::MatchId,
        version: u32,
    }
    let p: Payload = serde_json::from_value(job.payload.clone())
        .map_err(|e| JobError::permanent(format!("job {}: bad payload: {e}", job.id)))?;
    crate::chain::matches::follow_up(store, p.id, p.version, now).await?;
    Ok(())
}

/// How reports are made, from `[report]`.
pub fn report_context(settings: &Settings, workflow: LiveWorkflow) -> ReportContext {
    ReportContext {
        workflow,
        locale: settings.report.locale,
        park_name: settings.report.park_name.clone(),
        base_url: settings.report.base_url(),
        min_resolved: settings.report.min_resolved,
    }
}

/// The names of the schedules [`ensure_schedules`] creates; every start creates them again, so
/// they can be paused but not removed.
pub const BUILTIN_SCHEDULES: [&str; 2] = ["visits-materialise", "weekly-report"];

/// Whether a schedule is one of [`BUILTIN_SCHEDULES`].
pub fn is_builtin_schedule(name: &str) -> bool {
    BUILTIN_SCHEDULES.contains(&name)
}

/// Creates the built-in schedules that do not exist yet.
pub async fn ensure_schedules(
    store: &Store,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<(), SetupError> {
    let builtin = [
        (
            BUILTIN_SCHEDULES[0],
            settings.scheduler.visits_materialise_cron.as_str(),
            MATERIALISE_JOB,
        ),
        (
            BUILTIN_SCHEDULES[1],
            settings.report.cron.as_str(),
            WEEKLY_REPORT_JOB,
        ),
    ];
    for (name, cron, kind) in builtin {
        if store.schedule_by_name(name).await?.is_some() {
            continue;
        }
        let new = NewSchedule {
            name: name.into(),
            schedule: Schedule::new(CronExpr::parse(cron)?, settings.calendar.time_zone),
            job_kind: kind.into(),
            payload: serde_json::json!({}),
            misfire: Misfire::FireOnce,
        };
        match store.add_schedule(&new, now).await {
            // Another instance created it meanwhile.
            Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // Plan visits now rather than at the next nightly run: plans may have been added while
    // nothing ran. One job however many instances start at once (a live unique key).
    let now_job =
        NewJob::new(MATERIALISE_JOB, serde_json::json!({}), now).unique("visits.materialise:start");
    store.enqueue(&now_job, now).await?;
    Ok(())
}

//! Durable jobs: run once, unique keys, retries with backoff, dead letters, lost leases, pruning.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use gridloop_scheduler::{Clock, JobError, SchedulerConfig};
use gridloop_store::{Job, JobState, NewJob, Store};

use crate::common::Db;
use crate::support::{both, clock, count_in, jobs_of, scheduler, scheduler_with, utc};

fn t0() -> DateTime<Utc> {
    utc(2026, 11, 2, 1, 0)
}

/// A handler that counts its runs per job id.
fn counting(runs: &Arc<std::sync::Mutex<HashMap<i64, u32>>>) -> impl gridloop_scheduler::Handler {
    let runs = Arc::clone(runs);
    move |job: Job, _now: DateTime<Utc>| {
        let runs = Arc::clone(&runs);
        async move {
            *runs.lock().expect("runs").entry(job.id).or_default() += 1;
            Ok(())
        }
    }
}

async fn enqueue(store: &Store, job: NewJob, now: DateTime<Utc>) -> Option<i64> {
    store.enqueue(&job, now).await.expect("enqueue")
}

async fn a_due_job_runs_once_on_the_first_tick_after_its_time(db: Db) {
    let clock = clock(t0());
    let runs = Arc::default();
    let mut s = scheduler(&db.store, &clock, "worker-a");
    s.register("test.echo", counting(&runs));
    let later = t0() + Duration::hours(1);
    let id = enqueue(
        &db.store,
        NewJob::new("test.echo", serde_json::json!({}), later),
        t0(),
    )
    .await
    .expect("a job id");
    let job = db.store.job(id).await.expect("read").expect("the job");
    assert_eq!(job.state, JobState::Scheduled);

    let report = s.tick().await.expect("tick");
    assert_eq!(report.completed, 0, "not due yet");
    assert!(runs.lock().expect("runs").is_empty());

    clock.set(later);
    let report = s.tick().await.expect("tick");
    assert_eq!(report.completed, 1);
    s.tick().await.expect("tick");
    clock.advance(Duration::hours(2));
    s.tick().await.expect("tick");

    assert_eq!(runs.lock().expect("runs").get(&id), Some(&1));
    let job = db.store.job(id).await.expect("read").expect("the job");
    assert_eq!(job.state, JobState::Completed);
    assert_eq!(job.attempts, 1);
    assert_eq!(job.finished_at, Some(later));
    assert_eq!(job.lease_owner, None);
}

async fn a_unique_key_holds_while_its_job_is_live_and_frees_when_it_completes(db: Db) {
    let clock = clock(t0());
    let runs = Arc::default();
    let mut s = scheduler(&db.store, &clock, "worker-a");
    s.register("test.echo", counting(&runs));
    let job = || NewJob::new("test.echo", serde_json::json!({"n": 1}), t0()).unique("echo:1");

    let first = enqueue(&db.store, job(), t0()).await;
    assert!(first.is_some());
    assert_eq!(
        enqueue(&db.store, job(), t0()).await,
        None,
        "the key is taken"
    );

    s.tick().await.expect("tick");
    assert_eq!(runs.lock().expect("runs").len(), 1);

    let again = enqueue(&db.store, job(), t0()).await;
    assert!(again.is_some(), "a completed job's key can be used again");
    assert_ne!(again, first);
    assert_eq!(enqueue(&db.store, job(), t0()).await, None);
    s.tick().await.expect("tick");
    let runs = runs.lock().expect("runs");
    assert_eq!(runs.len(), 2);
    assert!(runs.values().all(|&n| n == 1));
}

async fn a_failing_job_backs_off_goes_dead_after_its_attempts_and_retry_requeues_it(db: Db) {
    let clock = clock(t0());
    let config = SchedulerConfig::default();
    let (base, cap) = (config.backoff_base, config.backoff_cap);
    let healthy = Arc::new(AtomicBool::new(false));
    let runs = Arc::new(AtomicU32::new(0));
    let mut s = scheduler_with(&db.store, &clock, "worker-a", config);
    {
        let (healthy, runs) = (Arc::clone(&healthy), Arc::clone(&runs));
        s.register("test.flaky", move |_job: Job, _now: DateTime<Utc>| {
            let ok = healthy.load(Ordering::SeqCst);
            runs.fetch_add(1, Ordering::SeqCst);
            async move {
                if ok {
                    Ok(())
                } else {
                    Err(JobError::transient("the gateway is down"))
                }
            }
        });
    }
    let mut new = NewJob::new("test.flaky", serde_json::json!({}), t0());
    new.max_attempts = 4;
    let id = enqueue(&db.store, new, t0()).await.expect("a job id");

    for attempt in 1..=3u32 {
        let now = clock.now();
        let report = s.tick().await.expect("tick");
        assert_eq!((report.failed, report.dead), (1, 0), "attempt {attempt}");
        let job = db.store.job(id).await.expect("read").expect("the job");
        assert_eq!(job.state, JobState::Retryable);
        assert_eq!(job.attempts, attempt);
        assert_eq!(job.last_error.as_deref(), Some("the gateway is down"));
        // Full jitter: anywhere from now up to base · 2^(attempt−1), never above the cap.
        let bound = (base * 2_i32.pow(attempt - 1)).min(cap);
        assert!(
            job.run_at >= now,
            "attempt {attempt}: {} < {now}",
            job.run_at
        );
        assert!(
            job.run_at <= now + bound,
            "attempt {attempt}: {} is after {now} + {bound}",
            job.run_at
        );
        // Not before its time: a tick a moment before run_at does nothing (unless it is now).
        if job.run_at > now {
            let report = s.tick().await.expect("tick");
            assert_eq!(report.failed, 0, "retried before its run_at");
        }
        clock.set(job.run_at);
    }
    let report = s.tick().await.expect("tick");
    assert_eq!(report.dead, 1, "the fourth attempt was the last");
    let job = db.store.job(id).await.expect("read").expect("the job");
    assert_eq!((job.state, job.attempts), (JobState::Dead, 4));
    assert!(job.finished_at.is_some());
    let dead = db
        .store
        .jobs(Some(JobState::Dead), 10)
        .await
        .expect("dead jobs");
    assert_eq!(dead.iter().map(|j| j.id).collect::<Vec<_>>(), vec![id]);
    clock.advance(Duration::days(1));
    s.tick().await.expect("tick");
    assert_eq!(runs.load(Ordering::SeqCst), 4, "a dead job stays dead");

    healthy.store(true, Ordering::SeqCst);
    let requeued = db.store.retry_job(id, clock.now()).await.expect("retry");
    assert_eq!(
        (requeued.state, requeued.attempts),
        (JobState::Available, 0)
    );
    let report = s.tick().await.expect("tick");
    assert_eq!(report.completed, 1);
    let job = db.store.job(id).await.expect("read").expect("the job");
    assert_eq!(job.state, JobState::Completed);
    assert!(
        db.store.retry_job(id, clock.now()).await.is_err(),
        "only dead or retryable"
    );
}

async fn a_job_of_a_kind_nobody_handles_goes_dead_at_once(db: Db) {
    let clock = clock(t0());
    let s = scheduler(&db.store, &clock, "worker-a");
    let id = enqueue(
        &db.store,
        NewJob::new("test.nobody", serde_json::json!({}), t0()),
        t0(),
    )
    .await
    .expect("a job id");
    let report = s.tick().await.expect("tick");
    assert_eq!(report.dead, 1);
    let job = db.store.job(id).await.expect("read").expect("the job");
    assert_eq!((job.state, job.attempts), (JobState::Dead, 1));
}

async fn a_dead_workers_jobs_are_rescued_after_the_lease_and_completed_by_another(db: Db) {
    let clock = clock(t0());
    let runs = Arc::default();
    let mut s = scheduler(&db.store, &clock, "worker-b");
    s.register("test.echo", counting(&runs));
    let lease = s.config().lease;
    for n in 0..3 {
        let job = NewJob::new("test.echo", serde_json::json!({ "n": n }), t0());
        enqueue(&db.store, job, t0()).await.expect("a job id");
    }
    // A worker claims them and dies: it never completes nor fails them.
    let held = db
        .store
        .claim_jobs("worker-dead", 10, lease, t0())
        .await
        .expect("claim");
    assert_eq!(held.len(), 3);
    assert!(held
        .iter()
        .all(|j| j.state == JobState::Running && j.attempts == 1));

    let report = s.tick().await.expect("tick");
    assert_eq!(
        (report.rescued, report.completed),
        (0, 0),
        "the lease still holds"
    );
    clock.set(t0() + lease);
    let report = s.tick().await.expect("tick");
    assert_eq!(
        (report.rescued, report.completed),
        (0, 0),
        "the lease ends after, not at"
    );

    clock.set(t0() + lease + Duration::seconds(1));
    let report = s.tick().await.expect("tick");
    assert_eq!((report.rescued, report.completed), (3, 3));
    let ids: Vec<i64> = held.iter().map(|j| j.id).collect();
    {
        let runs = runs.lock().expect("runs");
        assert!(ids.iter().all(|id| runs.get(id) == Some(&1)), "{runs:?}");
    }
    for id in &ids {
        let job = db.store.job(*id).await.expect("read").expect("the job");
        assert_eq!((job.state, job.attempts), (JobState::Completed, 2));
    }
    // The dead worker comes back and tries to record its work: it holds nothing any more.
    let done = db
        .store
        .complete_jobs("worker-dead", &ids, clock.now())
        .await
        .expect("complete");
    assert_eq!(done, 0);
    let failed = db
        .store
        .fail_job("worker-dead", ids[0], "late", None, clock.now())
        .await
        .expect("fail");
    assert_eq!(failed, None);
}

async fn pruning_deletes_completed_jobs_older_than_the_retention(db: Db) {
    let clock = clock(t0());
    let runs = Arc::default();
    let mut s = scheduler(&db.store, &clock, "worker-a");
    s.register("test.echo", counting(&runs));
    let retention = s.config().retention;
    let old = enqueue(
        &db.store,
        NewJob::new("test.echo", serde_json::json!({}), t0()),
        t0(),
    )
    .await
    .expect("a job id");
    let later = t0() + Duration::days(6);
    let young = enqueue(
        &db.store,
        NewJob::new("test.echo", serde_json::json!({}), later),
        t0(),
    )
    .await
    .expect("a job id");
    let waiting = t0() + Duration::days(30);
    let pending = enqueue(
        &db.store,
        NewJob::new("test.echo", serde_json::json!({}), waiting),
        t0(),
    )
    .await
    .expect("a job id");
    s.tick().await.expect("tick");
    clock.set(later);
    s.tick().await.expect("tick");

    clock.set(t0() + retention);
    assert_eq!(
        s.prune().await.expect("prune"),
        0,
        "exactly the retention is kept"
    );
    clock.set(t0() + retention + Duration::seconds(1));
    assert_eq!(s.prune().await.expect("prune"), 1);
    let left: Vec<i64> = jobs_of(&db.store, "test.echo")
        .await
        .iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(left, vec![young, pending]);
    assert!(db.store.job(old).await.expect("read").is_none());
    assert_eq!(count_in(&db.store, JobState::Completed).await, 1);
}

both!(
    a_due_job_runs_once_on_the_first_tick_after_its_time,
    a_unique_key_holds_while_its_job_is_live_and_frees_when_it_completes,
    a_failing_job_backs_off_goes_dead_after_its_attempts_and_retry_requeues_it,
    a_job_of_a_kind_nobody_handles_goes_dead_at_once,
    a_dead_workers_jobs_are_rescued_after_the_lease_and_completed_by_another,
    pruning_deletes_completed_jobs_older_than_the_retention,
);

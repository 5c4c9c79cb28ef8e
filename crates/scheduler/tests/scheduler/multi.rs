//! Several instances on one PostgreSQL database: every occurrence and timer runs exactly once,
//! and a dead worker's jobs complete elsewhere with their effect written once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use gridloop_core::{Audience, CronExpr, Misfire, NotificationKind, Schedule};
use gridloop_scheduler::Scheduler;
use gridloop_store::{Job, JobState, NewJob, NewNotification, NewSchedule, Recipients, Store};

use crate::common::{on_postgres, Db};
use crate::support::{clock, count_in, outbox, park, scheduler, utc};

type Runs = Arc<Mutex<HashMap<String, u32>>>;

/// Records each job's unique key: how many times it ran.
fn recording(s: &mut Scheduler, runs: &Runs) {
    let runs = Arc::clone(runs);
    s.register("test.timer", move |job: Job, _now: DateTime<Utc>| {
        let runs = Arc::clone(&runs);
        async move {
            let key = job.unique_key.expect("every test job has a key");
            *runs.lock().expect("runs").entry(key).or_default() += 1;
            Ok(())
        }
    });
}

/// A separate pool per instance, as separate processes would have.
async fn instance(
    url: &str,
    clock: &Arc<gridloop_scheduler::ManualClock>,
    owner: &str,
    runs: &Runs,
) -> Scheduler {
    let store = Store::connect(url).await.expect("connect");
    let mut s = scheduler(&store, clock, owner);
    recording(&mut s, runs);
    s
}

const SCHEDULES: usize = 1_000;
const TIMERS: usize = 10_000;
/// Three hours of manual time, a minute a step.
const MINUTES: i64 = 180;

async fn three_instances_run_every_occurrence_and_timer_exactly_once(db: Db) {
    let began = Instant::now();
    let start = utc(2026, 11, 2, 0, 0);
    let clock = clock(start);
    let runs = Runs::default();

    // 1,000 hourly schedules spread over the minutes of the hour: 3 occurrences each in
    // (start, start + 3 h].
    let mut tx = db.store.transaction().await.expect("begin");
    for i in 0..SCHEDULES {
        let expr = format!("{} * * * *", i % 60);
        let new = NewSchedule {
            name: format!("s{i:04}"),
            schedule: Schedule::new(CronExpr::parse(&expr).expect("cron"), chrono_tz::UTC),
            job_kind: "test.timer".into(),
            payload: serde_json::json!({}),
            misfire: Misfire::FireAll { cap: 10 },
        };
        tx.add_schedule(&new, start).await.expect("add a schedule");
    }
    // 10,000 one-off timers spread over the three hours.
    for k in 0..TIMERS {
        let offset = i64::try_from(k).expect("small") % MINUTES + 1;
        let job = NewJob::new(
            "test.timer",
            serde_json::json!({ "k": k }),
            start + Duration::minutes(offset),
        )
        .unique(format!("timer:{k}"));
        tx.enqueue(&job, start)
            .await
            .expect("enqueue")
            .expect("a new job");
    }
    tx.commit().await.expect("commit");
    let seeded = began.elapsed();

    let a = instance(&db.url, &clock, "instance-a", &runs).await;
    let b = instance(&db.url, &clock, "instance-b", &runs).await;
    let c = instance(&db.url, &clock, "instance-c", &runs).await;
    // Each step moves the clock a minute; two more steps at the end drain what is left.
    for step in 1..=MINUTES + 2 {
        clock.set(start + Duration::minutes(step.min(MINUTES)));
        let (ra, rb, rc) = tokio::join!(a.tick(), b.tick(), c.tick());
        ra.expect("tick a");
        rb.expect("tick b");
        rc.expect("tick c");
    }

    let runs = runs.lock().expect("runs").clone();
    let twice: Vec<(&String, &u32)> = runs.iter().filter(|(_, &n)| n != 1).collect();
    assert!(
        twice.is_empty(),
        "ran more than once: {:?}",
        &twice[..twice.len().min(10)]
    );
    let missing: Vec<String> = (0..TIMERS)
        .map(|k| format!("timer:{k}"))
        .filter(|k| !runs.contains_key(k))
        .collect();
    assert!(
        missing.is_empty(),
        "never ran: {:?}",
        &missing[..missing.len().min(10)]
    );
    let occurrences = runs.keys().filter(|k| k.starts_with("schedule:")).count();
    assert_eq!(occurrences, SCHEDULES * 3, "every occurrence once");
    assert_eq!(runs.len(), TIMERS + SCHEDULES * 3);
    assert_eq!(
        count_in(&db.store, JobState::Completed).await,
        (TIMERS + SCHEDULES * 3) as u64
    );
    for state in [
        JobState::Running,
        JobState::Retryable,
        JobState::Dead,
        JobState::Available,
        JobState::Scheduled,
    ] {
        assert_eq!(count_in(&db.store, state).await, 0, "{state}");
    }
    for s in [a, b, c] {
        s.store().close().await;
    }
    eprintln!(
        "multi: seeded in {seeded:?}, {} jobs ran exactly once in {:?}",
        TIMERS + SCHEDULES * 3,
        began.elapsed()
    );
}

/// What a notifying handler writes: one outbox row per job, deduplicated on the job's key.
async fn notify_once(
    store: &Store,
    job: &Job,
    now: DateTime<Utc>,
) -> Result<(), gridloop_scheduler::JobError> {
    let key = job.unique_key.clone().expect("a key");
    let notice = NewNotification {
        recipients: Recipients::Audience(Audience::Supervisors),
        kind: NotificationKind::Test,
        issue: None,
        params: serde_json::json!({ "key": key }),
        dedupe: key,
        urgent: false,
    };
    let mut tx = store.transaction().await?;
    tx.notify(&notice, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn a_dead_instances_jobs_complete_elsewhere_with_each_effect_once(db: Db) {
    park(&db.store).await; // a supervisor with an address to notify
    let start = utc(2026, 11, 2, 1, 0);
    let clock = clock(start);
    let runs = Runs::default();
    for k in 0..50 {
        let job =
            NewJob::new("test.timer", serde_json::json!({}), start).unique(format!("effect:{k}"));
        db.store.enqueue(&job, start).await.expect("enqueue");
    }
    let a = instance(&db.url, &clock, "instance-a", &runs).await;
    let lease = a.config().lease;
    // A claims the batch, does the work of half of it, and is killed before recording any.
    let held = a
        .store()
        .claim_jobs(a.owner(), 100, lease, start)
        .await
        .expect("claim");
    assert_eq!(held.len(), 50);
    for job in held.iter().take(25) {
        notify_once(a.store(), job, start).await.expect("the work");
    }
    a.store().close().await;
    drop(a);

    let b_store = Store::connect(&db.url).await.expect("connect");
    let mut b = scheduler(&b_store, &clock, "instance-b");
    {
        let store = b_store.clone();
        let runs = Arc::clone(&runs);
        b.register("test.timer", move |job: Job, now: DateTime<Utc>| {
            let (store, runs) = (store.clone(), Arc::clone(&runs));
            async move {
                *runs
                    .lock()
                    .expect("runs")
                    .entry(job.unique_key.clone().unwrap_or_default())
                    .or_default() += 1;
                notify_once(&store, &job, now).await
            }
        });
    }
    let report = b.tick().await.expect("tick");
    assert_eq!(report.completed, 0, "A's lease still holds");
    clock.set(start + lease + Duration::seconds(1));
    let report = b.tick().await.expect("tick");
    assert_eq!((report.rescued, report.completed), (50, 50));
    assert_eq!(runs.lock().expect("runs").len(), 50, "B ran each once");

    let rows = outbox(&db.store, "test").await;
    let mut keys: Vec<String> = rows
        .iter()
        .map(|n| n.params["key"].as_str().expect("key").to_owned())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!((rows.len(), keys.len()), (50, 50), "each effect once");
    assert_eq!(count_in(&db.store, JobState::Completed).await, 50);
    b_store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_three_instances_run_every_occurrence_and_timer_exactly_once() {
    on_postgres(three_instances_run_every_occurrence_and_timer_exactly_once).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_dead_instances_jobs_complete_elsewhere_with_each_effect_once() {
    on_postgres(a_dead_instances_jobs_complete_elsewhere_with_each_effect_once).await;
}

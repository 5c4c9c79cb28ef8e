//! Cron schedules stored in the database: once per occurrence, misfire policies after three
//! weeks down, New York's daylight-saving days, pause and resume.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use gridloop_core::{CronExpr, Misfire, Schedule};
use gridloop_scheduler::{Clock, Scheduler};
use gridloop_store::{Job, NewSchedule, Store};

use crate::common::Db;
use crate::support::{
    both, clock, cst, local, local_date, scheduler, tick_at, tick_through, utc, NEW_YORK, SHANGHAI,
};

/// What a fired job said: its kind, occurrence and whether it was backfilled.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fired {
    kind: String,
    at: DateTime<Utc>,
    backfilled: bool,
}

type Log = Arc<Mutex<Vec<Fired>>>;

fn recording(s: &mut Scheduler, kind: &str, log: &Log) {
    let log = Arc::clone(log);
    s.register(kind, move |job: Job, _now: DateTime<Utc>| {
        let log = Arc::clone(&log);
        async move {
            let at = serde_json::from_value(job.payload["occurrence"].clone())
                .expect("an occurrence in the payload");
            let backfilled = job.payload["backfilled"].as_bool().expect("backfilled");
            log.lock().expect("log").push(Fired {
                kind: job.kind,
                at,
                backfilled,
            });
            Ok(())
        }
    });
}

async fn add(
    store: &Store,
    name: &str,
    expr: &str,
    tz: Tz,
    kind: &str,
    misfire: Misfire,
    now: DateTime<Utc>,
) {
    let new = NewSchedule {
        name: name.into(),
        schedule: Schedule::new(CronExpr::parse(expr).expect("a cron line"), tz),
        job_kind: kind.into(),
        payload: serde_json::json!({}),
        misfire,
    };
    store.add_schedule(&new, now).await.expect("add a schedule");
}

/// What fired for `kind`, by occurrence (handlers of one batch run concurrently).
fn fired(log: &Log, kind: &str) -> Vec<Fired> {
    let mut fired: Vec<Fired> = log
        .lock()
        .expect("log")
        .iter()
        .filter(|f| f.kind == kind)
        .cloned()
        .collect();
    fired.sort_by_key(|f| f.at);
    fired
}

fn on_time(at: DateTime<Utc>) -> Fired {
    Fired {
        kind: "test.weekly".into(),
        at,
        backfilled: false,
    }
}

async fn a_monday_schedule_fires_once_each_monday_across_five_weeks_of_hourly_ticks(db: Db) {
    // Thursday 19 November 2026, a little after midnight in Shanghai.
    let start = cst(2026, 11, 19, 0, 0);
    let clock = clock(start + Duration::seconds(30));
    let log = Log::default();
    let mut s = scheduler(&db.store, &clock, "worker-a");
    recording(&mut s, "test.weekly", &log);
    add(
        &db.store,
        "weekly",
        "0 9 * * MON",
        SHANGHAI,
        "test.weekly",
        Misfire::FireOnce,
        start,
    )
    .await;
    // Every hour, 30 seconds late: within the grace period, so on time.
    tick_through(&s, &clock, start + Duration::weeks(5), Duration::hours(1)).await;
    let mondays: Vec<Fired> = [23, 30]
        .iter()
        .map(|&d| on_time(cst(2026, 11, d, 9, 0)))
        .chain([7, 14, 21].iter().map(|&d| on_time(cst(2026, 12, d, 9, 0))))
        .collect();
    assert_eq!(fired(&log, "test.weekly"), mondays);
    let record = db
        .store
        .schedule_by_name("weekly")
        .await
        .expect("read")
        .expect("the schedule");
    assert_eq!(record.last_fired_at, Some(cst(2026, 12, 21, 9, 0)));
    assert_eq!(record.next_fire_at, Some(cst(2026, 12, 28, 9, 0)));
}

async fn three_weeks_down_fires_once_all_or_none_as_each_schedule_says(db: Db) {
    // Created on Sunday 1 November 2026; the first Monday fires on time.
    let created = cst(2026, 11, 1, 12, 0);
    let clock = clock(created);
    let log = Log::default();
    let mut s = scheduler(&db.store, &clock, "worker-a");
    for (name, misfire) in [
        ("once", Misfire::FireOnce),
        ("all", Misfire::FireAll { cap: 10 }),
        ("skip", Misfire::Skip),
    ] {
        let kind = format!("test.{name}");
        recording(&mut s, &kind, &log);
        add(
            &db.store,
            name,
            "0 9 * * MON",
            SHANGHAI,
            &kind,
            misfire,
            created,
        )
        .await;
    }
    tick_at(&s, &clock, cst(2026, 11, 2, 9, 0) + Duration::seconds(5)).await;
    for kind in ["test.once", "test.all", "test.skip"] {
        assert_eq!(fired(&log, kind).len(), 1, "{kind} on its first Monday");
    }
    log.lock().expect("log").clear();

    // The process is down for three weeks, and starts again on Wednesday 25 November.
    tick_at(&s, &clock, cst(2026, 11, 25, 20, 0)).await;
    s.tick().await.expect("a second tick fires nothing more");
    let missed = |kind: &str, days: &[u32]| -> Vec<Fired> {
        days.iter()
            .map(|&d| Fired {
                kind: kind.into(),
                at: cst(2026, 11, d, 9, 0),
                backfilled: true,
            })
            .collect()
    };
    assert_eq!(fired(&log, "test.once"), missed("test.once", &[23]));
    assert_eq!(fired(&log, "test.all"), missed("test.all", &[9, 16, 23]));
    assert_eq!(fired(&log, "test.skip"), vec![]);
    let skip = db
        .store
        .schedule_by_name("skip")
        .await
        .expect("read")
        .expect("the schedule");
    assert_eq!(
        skip.last_fired_at,
        Some(cst(2026, 11, 23, 9, 0)),
        "skipped, handled"
    );
    log.lock().expect("log").clear();

    // All three are back on time for the next Monday.
    tick_through(&s, &clock, cst(2026, 12, 1, 0, 0), Duration::hours(1)).await;
    for kind in ["test.once", "test.all", "test.skip"] {
        let next = Fired {
            kind: kind.into(),
            at: cst(2026, 11, 30, 9, 0),
            backfilled: false,
        };
        assert_eq!(fired(&log, kind), vec![next], "{kind}");
    }
}

async fn new_york_fixed_times_fire_once_across_both_daylight_saving_changes(db: Db) {
    let start = local(NEW_YORK, 2026, 3, 6, 12, 0);
    let clock = clock(start);
    let log = Log::default();
    let mut s = scheduler(&db.store, &clock, "worker-a");
    recording(&mut s, "test.spring", &log);
    recording(&mut s, "test.fall", &log);
    add(
        &db.store,
        "spring",
        "30 2 * * *",
        NEW_YORK,
        "test.spring",
        Misfire::FireOnce,
        start,
    )
    .await;
    tick_through(
        &s,
        &clock,
        local(NEW_YORK, 2026, 3, 10, 12, 0),
        Duration::minutes(5),
    )
    .await;
    let spring = fired(&log, "test.spring");
    let days: Vec<_> = spring.iter().map(|f| local_date(NEW_YORK, f.at)).collect();
    assert_eq!(
        days,
        [7, 8, 9, 10]
            .iter()
            .map(|&d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).expect("a date"))
            .collect::<Vec<_>>(),
        "once a day"
    );
    // 02:30 does not exist on 8 March: it runs right after the jump, at 03:00 EDT.
    assert_eq!(spring[1].at, utc(2026, 3, 8, 7, 0));
    assert_eq!(spring[0].at, utc(2026, 3, 7, 7, 30), "02:30 EST");
    assert_eq!(spring[2].at, utc(2026, 3, 9, 6, 30), "02:30 EDT");
    assert!(spring.iter().all(|f| !f.backfilled));

    let autumn = local(NEW_YORK, 2026, 10, 30, 12, 0);
    clock.set(autumn);
    add(
        &db.store,
        "fall",
        "30 1 * * *",
        NEW_YORK,
        "test.fall",
        Misfire::FireOnce,
        autumn,
    )
    .await;
    tick_through(
        &s,
        &clock,
        local(NEW_YORK, 2026, 11, 2, 12, 0),
        Duration::minutes(5),
    )
    .await;
    let fall: Vec<DateTime<Utc>> = fired(&log, "test.fall").iter().map(|f| f.at).collect();
    // 01:30 comes twice on 1 November (EDT, then EST): it runs at the first only.
    assert_eq!(
        fall,
        vec![
            utc(2026, 10, 31, 5, 30),
            utc(2026, 11, 1, 5, 30),
            utc(2026, 11, 2, 6, 30),
        ]
    );
}

async fn a_paused_schedule_does_not_fire_for_the_paused_weeks_when_resumed(db: Db) {
    let created = cst(2026, 11, 1, 12, 0);
    let clock = clock(created);
    let log = Log::default();
    let mut s = scheduler(&db.store, &clock, "worker-a");
    recording(&mut s, "test.weekly", &log);
    add(
        &db.store,
        "weekly",
        "0 9 * * MON",
        SHANGHAI,
        "test.weekly",
        Misfire::FireAll { cap: 10 },
        created,
    )
    .await;
    tick_at(&s, &clock, cst(2026, 11, 2, 9, 0)).await;
    assert_eq!(
        fired(&log, "test.weekly"),
        vec![on_time(cst(2026, 11, 2, 9, 0))]
    );

    let paused = db
        .store
        .set_schedule_paused("weekly", true, cst(2026, 11, 3, 10, 0))
        .await
        .expect("pause");
    assert!(paused.paused);
    tick_through(&s, &clock, cst(2026, 11, 25, 10, 0), Duration::hours(6)).await;
    assert_eq!(fired(&log, "test.weekly").len(), 1, "nothing while paused");

    let resumed = db
        .store
        .set_schedule_paused("weekly", false, clock.now())
        .await
        .expect("resume");
    assert!(!resumed.paused);
    assert_eq!(resumed.next_fire_at, Some(cst(2026, 11, 30, 9, 0)));
    s.tick().await.expect("tick");
    assert_eq!(
        fired(&log, "test.weekly").len(),
        1,
        "resuming fires nothing missed"
    );
    tick_through(&s, &clock, cst(2026, 12, 1, 0, 0), Duration::hours(1)).await;
    assert_eq!(
        fired(&log, "test.weekly"),
        vec![
            on_time(cst(2026, 11, 2, 9, 0)),
            on_time(cst(2026, 11, 30, 9, 0))
        ]
    );
}

async fn two_instances_ticking_together_fire_each_occurrence_once(db: Db) {
    let created = cst(2026, 11, 1, 12, 0);
    let clock = clock(created);
    let log = Log::default();
    let mut a = scheduler(&db.store, &clock, "worker-a");
    let mut b = scheduler(&db.store, &clock, "worker-b");
    recording(&mut a, "test.weekly", &log);
    recording(&mut b, "test.weekly", &log);
    add(
        &db.store,
        "weekly",
        "0 9 * * MON",
        SHANGHAI,
        "test.weekly",
        Misfire::FireAll { cap: 10 },
        created,
    )
    .await;
    let mut t = created;
    while t < cst(2026, 11, 24, 0, 0) {
        t += Duration::hours(1);
        clock.set(t);
        let (ra, rb) = tokio::join!(a.tick(), b.tick());
        ra.expect("tick a");
        rb.expect("tick b");
    }
    let days: Vec<DateTime<Utc>> = fired(&log, "test.weekly").iter().map(|f| f.at).collect();
    assert_eq!(
        days,
        vec![
            cst(2026, 11, 2, 9, 0),
            cst(2026, 11, 9, 9, 0),
            cst(2026, 11, 16, 9, 0),
            cst(2026, 11, 23, 9, 0)
        ]
    );
}

both!(
    a_monday_schedule_fires_once_each_monday_across_five_weeks_of_hourly_ticks,
    three_weeks_down_fires_once_all_or_none_as_each_schedule_says,
    new_york_fixed_times_fire_once_across_both_daylight_saving_changes,
    a_paused_schedule_does_not_fire_for_the_paused_weeks_when_resumed,
    two_instances_ticking_together_fire_each_occurrence_once,
);

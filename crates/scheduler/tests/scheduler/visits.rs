//! Weekly on-site visits: materialised a fortnight ahead (not on public holidays), reminded a
//! day before with the enterprise's agenda, missed when nobody came, escalated on the second
//! miss in a row; logged through the store.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use gridloop_core::{
    ActionFields, ActionKind, CronExpr, Misfire, Note, Schedule, VisitPlan, VisitStatus,
};
use gridloop_scheduler::visits::{materialise_all, MATERIALISE_JOB, REMIND_JOB};
use gridloop_store::{NewSchedule, Store, VisitFilter, VisitPlanRecord};

use crate::common::Db;
use crate::support::{
    both, clock, cst, jobs_of, local, outbox, park, park_scheduler, recipients, tick_at,
    tick_through, Park, NEW_YORK, SHANGHAI,
};

async fn add_plan(
    store: &Store,
    park: &Park,
    expr: &str,
    tz: Tz,
    now: DateTime<Utc>,
) -> VisitPlanRecord {
    let plan = VisitPlan::on(Schedule::new(
        CronExpr::parse(expr).expect("a cron line"),
        tz,
    ));
    store
        .add_visit_plan(park.enterprise.id, park.commissioner.user, &plan, now)
        .await
        .expect("add a visit plan")
}

async fn visit_times(store: &Store, plan: i64) -> Vec<DateTime<Utc>> {
    let filter = VisitFilter {
        plan: Some(plan),
        ..VisitFilter::default()
    };
    store
        .visits(&filter)
        .await
        .expect("visits")
        .iter()
        .map(|v| v.scheduled_at)
        .collect()
}

async fn a_monday_plan_across_national_day_is_reminded_missed_and_escalated(db: Db) {
    let park = park(&db.store).await;
    let calendar = park.workflow.calendar().clone();
    // Friday 25 September 2026, 10:00 in Shanghai.
    let start = cst(2026, 9, 25, 10, 0);
    let clock = clock(start);
    let plan = add_plan(&db.store, &park, "0 9 * * MON", SHANGHAI, start).await;

    // The agenda: one open issue, one resolved and waiting for verification on site, and
    // one at another enterprise that is not on it.
    let open = park
        .report_at(&db.store, &park.enterprise, "Leaking valve", start)
        .await;
    let fixed = park.assigned_at(&db.store, "Broken gate", start).await;
    let fixed = park
        .act(
            &db.store,
            &fixed,
            &park.member,
            ActionKind::Start,
            ActionFields::default(),
            start,
        )
        .await;
    let note = ActionFields {
        note: Some(Note::parse("gate rehung").expect("a note")),
        ..ActionFields::default()
    };
    let fixed = park
        .act(
            &db.store,
            &fixed,
            &park.member,
            ActionKind::Resolve,
            note,
            start,
        )
        .await;
    park.report_at(&db.store, &park.other_enterprise, "Elsewhere", start)
        .await;

    // A fortnight ahead: Monday 28 September; 5 October is National Day; 12 October is out
    // of reach.
    assert_eq!(
        materialise_all(&db.store, &calendar, start)
            .await
            .expect("materialise"),
        1
    );
    assert_eq!(
        visit_times(&db.store, plan.id).await,
        vec![cst(2026, 9, 28, 9, 0)]
    );
    assert_eq!(
        materialise_all(&db.store, &calendar, start)
            .await
            .expect("again"),
        0
    );
    let reminders = jobs_of(&db.store, REMIND_JOB).await;
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0].run_at, cst(2026, 9, 27, 9, 0), "a day ahead");

    let s = park_scheduler(&db.store, &clock, &park);
    let daily = NewSchedule {
        name: "visits".into(),
        schedule: Schedule::new(CronExpr::parse("0 6 * * *").expect("cron"), SHANGHAI),
        job_kind: MATERIALISE_JOB.into(),
        payload: serde_json::json!({}),
        misfire: Misfire::FireOnce,
    };
    db.store
        .add_schedule(&daily, start)
        .await
        .expect("schedule");

    tick_through(&s, &clock, cst(2026, 9, 27, 9, 0), Duration::hours(1)).await;
    let rows = outbox(&db.store, "visit_reminder").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].recipient_id,
        Some(Park::user_id(&park.commissioner))
    );
    let agenda = rows[0].params["agenda"]
        .as_array()
        .expect("an agenda")
        .clone();
    let mut items: Vec<(i64, bool)> = agenda
        .iter()
        .map(|i| {
            (
                i["id"].as_i64().expect("id"),
                i["verify"].as_bool().expect("verify"),
            )
        })
        .collect();
    items.sort_unstable();
    assert_eq!(items, vec![(open.id.get(), false), (fixed.id.get(), true)]);

    // Nobody comes on the 28th, nor on 12 October: two misses in a row (the holiday week
    // had no visit to miss).
    tick_through(&s, &clock, cst(2026, 10, 12, 13, 0), Duration::hours(1)).await;
    let times = visit_times(&db.store, plan.id).await;
    assert_eq!(
        times,
        vec![
            cst(2026, 9, 28, 9, 0),
            cst(2026, 10, 12, 9, 0),
            cst(2026, 10, 19, 9, 0)
        ],
        "no visit on 5 October, none on the make-up Saturday"
    );
    let visits = db
        .store
        .visits(&VisitFilter {
            plan: Some(plan.id),
            ..VisitFilter::default()
        })
        .await
        .expect("visits");
    let statuses: Vec<VisitStatus> = visits.iter().map(|v| v.status).collect();
    assert_eq!(
        statuses,
        vec![
            VisitStatus::Missed,
            VisitStatus::Missed,
            VisitStatus::Planned
        ]
    );
    assert_eq!(outbox(&db.store, "visit_reminder").await.len(), 2);
    assert_eq!(
        recipients(&db.store, "visit_missed").await,
        vec![Park::user_id(&park.supervisor)]
    );
    assert_eq!(
        outbox(&db.store, "visit_missed").await[0].params["misses"],
        2
    );

    // The third is made, through the store.
    let third = visits[2].id;
    let early = db
        .store
        .check_in_visit(third, park.commissioner.user, cst(2026, 10, 19, 7, 0))
        .await;
    assert!(early.is_err(), "two hours early is too early");
    let other = db
        .store
        .check_in_visit(third, park.walker.user, cst(2026, 10, 19, 9, 5))
        .await;
    assert!(other.is_err(), "not the walker's visit");
    let checked = db
        .store
        .check_in_visit(third, park.commissioner.user, cst(2026, 10, 19, 9, 5))
        .await
        .expect("check in");
    assert_eq!(checked.status, VisitStatus::CheckedIn);
    let done = db
        .store
        .complete_visit(
            third,
            park.commissioner.user,
            "valve checked",
            cst(2026, 10, 19, 11, 0),
        )
        .await
        .expect("complete");
    assert_eq!(done.status, VisitStatus::Completed);
    assert_eq!(done.notes.as_deref(), Some("valve checked"));
    tick_through(&s, &clock, cst(2026, 10, 19, 14, 0), Duration::hours(1)).await;
    let after = db
        .store
        .visit(third)
        .await
        .expect("read")
        .expect("the visit");
    assert_eq!(
        after.status,
        VisitStatus::Completed,
        "a completed visit is not missed"
    );
    assert_eq!(outbox(&db.store, "visit_missed").await.len(), 1);
}

async fn a_new_york_plan_stays_at_nine_local_across_both_clock_changes(db: Db) {
    let park = park(&db.store).await;
    let calendar = park.workflow.calendar().clone();
    let spring = local(NEW_YORK, 2026, 3, 1, 12, 0);
    let plan = add_plan(&db.store, &park, "0 9 * * SUN", NEW_YORK, spring).await;
    materialise_all(&db.store, &calendar, spring)
        .await
        .expect("materialise");
    let fall = local(NEW_YORK, 2026, 10, 25, 12, 0);
    materialise_all(&db.store, &calendar, fall)
        .await
        .expect("materialise");
    let times = visit_times(&db.store, plan.id).await;
    assert_eq!(
        times,
        vec![
            local(NEW_YORK, 2026, 3, 8, 9, 0),
            local(NEW_YORK, 2026, 3, 15, 9, 0),
            local(NEW_YORK, 2026, 11, 1, 9, 0),
            local(NEW_YORK, 2026, 11, 8, 9, 0),
        ]
    );
    // In UTC: 13:00 under daylight saving time (from 8 March), 14:00 once it ends at 02:00
    // on 1 November, before that day's visit.
    let hours: Vec<u32> = times.iter().map(chrono::Timelike::hour).collect();
    assert_eq!(hours, vec![13, 13, 14, 14]);
}

async fn visits_in_2027_without_a_calendar_file_follow_plain_weeks(db: Db) {
    let park = park(&db.store).await;
    let calendar = Arc::new(park.workflow.calendar().clone());
    assert!(!calendar.covers(2027));
    let start = cst(2026, 12, 28, 10, 0);
    let clock = clock(start);
    let plan = add_plan(&db.store, &park, "0 9 * * FRI", SHANGHAI, start).await;
    materialise_all(&db.store, &calendar, start)
        .await
        .expect("materialise");
    // 1 January 2027 is a holiday in fact, but no file says so: an ordinary Friday.
    assert_eq!(
        visit_times(&db.store, plan.id).await,
        vec![cst(2027, 1, 1, 9, 0), cst(2027, 1, 8, 9, 0)]
    );
    let s = park_scheduler(&db.store, &clock, &park);
    tick_at(&s, &clock, cst(2026, 12, 31, 9, 0)).await;
    assert_eq!(outbox(&db.store, "visit_reminder").await.len(), 1);
    tick_at(&s, &clock, cst(2027, 1, 1, 13, 0)).await;
    let first = db
        .store
        .visits(&VisitFilter {
            plan: Some(plan.id),
            ..VisitFilter::default()
        })
        .await
        .expect("visits");
    assert_eq!(first[0].status, VisitStatus::Missed);
}

both!(
    a_monday_plan_across_national_day_is_reminded_missed_and_escalated,
    a_new_york_plan_stays_at_nine_local_across_both_clock_changes,
    visits_in_2027_without_a_calendar_file_follow_plain_weeks,
);

//! The weekly report: fired by its Monday schedule, stored once per week and scope, emailed to
//! each scope's readers, and frozen against later changes.

use std::sync::Arc;

use chrono::Duration;
use gridloop_core::{Channel, CronExpr, Misfire, Name, Period, ReportScope, Schedule};
use gridloop_scheduler::reports::{send_weekly, ReportContext, WEEKLY_REPORT_JOB};
use gridloop_store::{NewSchedule, ReportFilter, UnitPatch};

use crate::common::Db;
use crate::support::{
    both, clock, cst, outbox, park, park_scheduler, recipients, tick_through, Park, SHANGHAI,
};

both!(
    the_monday_schedule_stores_each_scope_once_and_emails_its_readers,
    a_stored_report_is_frozen_and_a_second_run_sends_nothing,
    the_trend_read_from_stored_weeks_equals_the_trend_computed_afresh,
);

fn settings(park: &Park) -> ReportContext {
    ReportContext::new(Arc::new(park.workflow.calendar().clone()))
}

async fn the_monday_schedule_stores_each_scope_once_and_emails_its_readers(db: Db) {
    let store = &db.store;
    let park = park(store).await;
    // Week 47 of 2026: Monday 16 to Sunday 22 November. Two reports, one assigned.
    park.report_at(
        store,
        &park.enterprise,
        "路灯不亮",
        cst(2026, 11, 17, 10, 0),
    )
    .await;
    park.assigned_at(store, "配电箱漏电", cst(2026, 11, 18, 9, 0))
        .await;

    let start = cst(2026, 11, 22, 23, 0);
    let clock = clock(start);
    let mut scheduler = park_scheduler(store, &clock, &park);
    gridloop_scheduler::reports::register(&mut scheduler, Arc::new(settings(&park)));
    store
        .add_schedule(
            &NewSchedule {
                name: "weekly-report".into(),
                schedule: Schedule::new(CronExpr::parse("0 8 * * MON").expect("cron"), SHANGHAI),
                job_kind: WEEKLY_REPORT_JOB.into(),
                payload: serde_json::json!({}),
                misfire: Misfire::FireOnce,
            },
            start,
        )
        .await
        .expect("schedule");

    // Nothing before Monday 08:00.
    tick_through(
        &scheduler,
        &clock,
        cst(2026, 11, 23, 7, 59),
        Duration::minutes(30),
    )
    .await;
    assert!(outbox(store, "weekly_report").await.is_empty());
    tick_through(
        &scheduler,
        &clock,
        cst(2026, 11, 23, 8, 5),
        Duration::minutes(1),
    )
    .await;

    let copies = store
        .report_copies(&ReportFilter {
            limit: 100,
            ..ReportFilter::default()
        })
        .await
        .expect("list");
    let mut scopes: Vec<String> = copies.iter().map(|c| c.scope.clone()).collect();
    scopes.sort();
    assert_eq!(
        scopes,
        vec![
            format!("grid:{}", park.grid.id),
            "park".to_owned(),
            format!("unit:{}", park.unit.id),
        ]
    );
    assert!(copies.iter().all(|c| c.period == "2026-W47"), "{copies:?}");

    let park_copy = store
        .report_copy_for("2026-W47", "park")
        .await
        .expect("read")
        .expect("the park's copy");
    let report = &park_copy.report;
    assert_eq!(
        report.period,
        Period::iso_week(2026, 47, SHANGHAI).expect("week")
    );
    assert_eq!(report.counts.reported, 2);
    assert_eq!(report.counts.accepted, 1);
    assert_eq!(report.counts.assigned, 1);
    assert_eq!(report.counts.open_at_end, 2);
    assert_eq!(report.trend.len(), 8, "eight weeks of trend");
    assert_eq!(report.trend.last().map(|t| t.label.as_str()), Some("W47"));
    let unit_copy = store
        .report_copy_for("2026-W47", &format!("unit:{}", park.unit.id))
        .await
        .expect("read")
        .expect("the unit's copy");
    assert_eq!(unit_copy.report.scope, ReportScope::Unit(park.unit.id));
    assert_eq!(unit_copy.report.counts.assigned, 1);
    assert_eq!(
        unit_copy.report.counts.reported, 0,
        "reported before it reached the unit"
    );

    // Supervisors get the park, the unit's head the unit, the grid's post member the grid:
    // by email only (a report is read, not acted on at once).
    let mut expected = vec![
        Park::user_id(&park.supervisor),
        Park::user_id(&park.head),
        Park::user_id(&park.walker),
    ];
    expected.sort_unstable();
    assert_eq!(recipients(store, "weekly_report").await, expected);
    let rows = outbox(store, "weekly_report").await;
    assert!(rows.iter().all(|n| n.channel == Channel::Email), "{rows:?}");
    let supervisor_row = rows
        .iter()
        .find(|n| n.recipient_id == Some(Park::user_id(&park.supervisor)))
        .expect("the supervisor's email");
    assert_eq!(supervisor_row.params["report"], park_copy.summary.id);

    // The next Monday's run is the next week's; this one's stays as it was.
    tick_through(
        &scheduler,
        &clock,
        cst(2026, 11, 30, 8, 5),
        Duration::hours(6),
    )
    .await;
    tick_through(
        &scheduler,
        &clock,
        cst(2026, 11, 30, 8, 10),
        Duration::minutes(1),
    )
    .await;
    let weeks: Vec<String> = store
        .report_copies(&ReportFilter {
            scope: Some("park".into()),
            limit: 10,
            ..ReportFilter::default()
        })
        .await
        .expect("list")
        .into_iter()
        .map(|c| c.period)
        .collect();
    assert_eq!(weeks, vec!["2026-W48".to_owned(), "2026-W47".to_owned()]);
    assert_eq!(outbox(store, "weekly_report").await.len(), 6);
}

async fn a_stored_report_is_frozen_and_a_second_run_sends_nothing(db: Db) {
    let store = &db.store;
    let park = park(store).await;
    park.assigned_at(store, "配电箱漏电", cst(2026, 11, 18, 9, 0))
        .await;
    let settings = settings(&park);
    let week = Period::iso_week(2026, 47, SHANGHAI).expect("week");
    let monday = cst(2026, 11, 23, 8, 0);
    let first = send_weekly(store, &settings, week, monday)
        .await
        .expect("first run");
    let sent = outbox(store, "weekly_report").await.len();
    assert_eq!(sent, 3);

    // The unit is renamed and the issue resolved; running the week again (a retried job, a
    // `report send` by hand) keeps the copies and sends nothing more.
    store
        .update_unit(
            park.unit.id,
            UnitPatch {
                name: Some(Name::parse("城区供电所").expect("name")),
            },
        )
        .await
        .expect("rename");
    let second = send_weekly(store, &settings, week, monday + Duration::hours(3))
        .await
        .expect("second run");
    assert_eq!(second, first, "the same copies");
    assert_eq!(outbox(store, "weekly_report").await.len(), sent);
    let unit_copy = store
        .report_copy_for("2026-W47", &format!("unit:{}", park.unit.id))
        .await
        .expect("read")
        .expect("copy");
    assert_eq!(unit_copy.report.scope_name, "供电所", "the name as sent");
    assert_eq!(unit_copy.summary.created_at, monday);

    // Computed afresh, the report shows the new name.
    let fresh = gridloop_scheduler::reports::weekly_reports(
        store,
        &settings,
        week,
        &[ReportScope::Unit(park.unit.id)],
        monday,
    )
    .await
    .expect("fresh");
    assert_eq!(fresh[0].scope_name, "城区供电所");
}

async fn the_trend_read_from_stored_weeks_equals_the_trend_computed_afresh(db: Db) {
    let store = &db.store;
    let park = park(store).await;
    park.assigned_at(store, "配电箱漏电", cst(2026, 11, 4, 9, 0))
        .await;
    park.report_at(
        store,
        &park.enterprise,
        "路灯不亮",
        cst(2026, 11, 11, 10, 0),
    )
    .await;
    park.assigned_at(store, "井盖松动", cst(2026, 11, 18, 9, 0))
        .await;
    park.report_at(
        store,
        &park.enterprise,
        "围墙破损",
        cst(2026, 11, 24, 10, 0),
    )
    .await;
    let settings = settings(&park);
    let scopes = gridloop_scheduler::reports::all_scopes(store)
        .await
        .expect("scopes");
    let week = Period::iso_week(2026, 48, SHANGHAI).expect("week");
    let monday = cst(2026, 11, 30, 8, 0);
    let cold = gridloop_scheduler::reports::weekly_reports(store, &settings, week, &scopes, monday)
        .await
        .expect("cold");
    // The seven Mondays before sent their weeks; this Monday's trend reads them back.
    for earlier in &week.trailing(8)[..7] {
        send_weekly(store, &settings, *earlier, earlier.to())
            .await
            .expect("an earlier Monday");
    }
    let warm = gridloop_scheduler::reports::weekly_reports(store, &settings, week, &scopes, monday)
        .await
        .expect("warm");
    assert_eq!(warm, cold);
    let park_report = &warm[0];
    assert_eq!(park_report.trend.len(), 8);
    assert_eq!(park_report.delta.map(|d| d.reported), Some(0));
}

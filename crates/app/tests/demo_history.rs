//! The demo's eight weeks of history: seeded at a fixed `now` into a fresh park, it leaves
//! issues in every week, closed ones and overdue ones, visits made and missed in the last weeks, a
//! last week's report with figures worth reading, and seeding again adds nothing — on SQLite,
//! and once on PostgreSQL.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use gridloop_app::calendars;
use gridloop_app::clock::{Clock, ManualClock};
use gridloop_app::demo::{self, history, park::reference_park};
use gridloop_app::settings::Settings;
use gridloop_app::{reports, AppState};
use gridloop_core::{ReportScope, Status, Workflow};
use gridloop_store::{IssueFilter, Store, VisitFilter};

/// A Monday morning, as a newcomer would first open the demo.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 1, 30, 0)
        .single()
        .expect("instant")
}

/// The park in a scratch file, which lives as long as the returned scratch does.
async fn fresh_park() -> (common::Scratch, Workflow, Settings) {
    let scratch = common::Scratch::new("history").await;
    let (_, workflow, settings) = park_in(scratch.store.clone()).await;
    (scratch, workflow, settings)
}

async fn park_in(store: Store) -> (Store, Workflow, Settings) {
    let settings = Settings::defaults();
    let calendar = calendars::load_stored(&store, &settings.calendar, now())
        .await
        .expect("calendar");
    demo::seed(&store, &reference_park(), now())
        .await
        .expect("park");
    (store, Workflow::new(calendar), settings)
}

async fn all_issues(store: &Store) -> Vec<gridloop_core::Issue> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_issues(&IssueFilter::default(), 100, cursor.as_deref())
            .await
            .expect("list");
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return all,
        }
    }
}

/// Every visit of the park, by status: what a second seeding must leave as it was.
async fn visit_counts(store: &Store) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for visit in store.visits(&VisitFilter::default()).await.expect("visits") {
        *counts.entry(visit.status.to_string()).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn the_history_fills_eight_weeks_with_figures_worth_reading_and_is_seeded_once() {
    let (scratch, workflow, settings) = fresh_park().await;
    let store = scratch.store.clone();
    let park = reference_park();
    let seeded = history::seed(&store, &park, workflow.clone(), &settings, now())
        .await
        .expect("history");
    assert!(!seeded.already_present);
    assert!(
        (8 * 30..=8 * 80).contains(&seeded.issues),
        "about 40–80 issues a week: {seeded:?}"
    );
    assert!(
        seeded.overdue > 0,
        "some still open and overdue: {seeded:?}"
    );
    let visit_weeks = history::VISIT_WEEKS as usize;
    assert!(
        seeded.visits_completed > visit_weeks * 80 && seeded.visits_missed > visit_weeks,
        "most of 120 weekly visits made, some missed: {seeded:?}"
    );
    assert!(
        seeded.raised_on_visits > 0 && seeded.raised_on_visits < seeded.visits_completed / 4,
        "now and then an issue raised on a visit: {seeded:?}"
    );

    let issues = all_issues(&store).await;
    assert_eq!(issues.len(), seeded.issues);
    let closed = issues.iter().filter(|i| i.status == Status::Closed).count();
    assert!(closed > issues.len() / 2, "most are closed: {closed}");
    for status in [Status::Rejected, Status::Duplicate] {
        assert!(issues.iter().any(|i| i.status == status), "{status:?}");
    }
    let overdue = issues.iter().filter(|i| i.is_overdue(now())).count();
    assert_eq!(overdue, seeded.overdue);

    // Every one of the eight weeks has reports; the last one's report has figures to read.
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(now()));
    let state =
        AppState::from_settings(store.clone(), workflow.clone(), clock, &settings).expect("state");
    let mut period = reports::period(None, &state.reports, now()).expect("period");
    let last_week = reports::on_demand(&store, &state.reports, period, ReportScope::Park, now())
        .await
        .expect("report");
    assert!(last_week.counts.reported > 0, "{:?}", last_week.counts);
    assert!(last_week.counts.resolved > 0, "{:?}", last_week.counts);
    let on_time = last_week.rates.on_time_resolution.expect("an on-time rate");
    assert!(on_time > 0.0 && on_time < 1.0, "on-time rate {on_time}");
    let mut missed = 0;
    let mut raised = 0;
    for week in 0..8 {
        let report = reports::on_demand(&store, &state.reports, period, ReportScope::Park, now())
            .await
            .expect("report");
        assert!(
            report.counts.reported > 0,
            "week {week} back: nothing reported"
        );
        let visits = report.visits.expect("a park's report counts visits");
        if week < visit_weeks {
            assert!(
                visits.completed > 80 && visits.completed + visits.missed == visits.planned,
                "week {week} back: every visit made or missed, most made: {visits:?}"
            );
        } else {
            assert_eq!(
                visits.planned, 0,
                "week {week} back: before the visit plans"
            );
        }
        missed += visits.missed;
        raised += visits.issues_raised;
        period = period.previous();
    }
    assert!(missed > 0, "some visits missed in the eight weeks");
    assert!(
        raised > 0,
        "some issues raised on visits in the eight weeks"
    );
    let visits = visit_counts(&store).await;

    // Again, even a day later: nothing added.
    let again = history::seed(
        &store,
        &park,
        workflow,
        &settings,
        now() + Duration::days(1),
    )
    .await
    .expect("again");
    assert!(again.already_present);
    assert_eq!(again.issues, 0);
    assert_eq!(again.visits_completed, 0);
    assert_eq!(all_issues(&store).await.len(), seeded.issues);
    assert_eq!(visit_counts(&store).await, visits);
    scratch.remove().await;
}

#[tokio::test]
async fn the_history_plays_on_postgresql_too_and_only_once() {
    let Some(scratch) = common::PgScratch::new("history").await else {
        return;
    };
    let (store, workflow, settings) = park_in(scratch.store.clone()).await;
    let park = reference_park();
    let seeded = history::seed(&store, &park, workflow.clone(), &settings, now())
        .await
        .expect("history");
    assert!(seeded.issues > 8 * 30, "{seeded:?}");
    assert!(
        seeded.visits_completed > 0 && seeded.visits_missed > 0,
        "{seeded:?}"
    );
    let issues = all_issues(&store).await.len();
    assert_eq!(issues, seeded.issues);
    let visits = visit_counts(&store).await;
    let again = history::seed(&store, &park, workflow, &settings, now())
        .await
        .expect("again");
    assert!(again.already_present);
    assert_eq!(all_issues(&store).await.len(), issues);
    assert_eq!(visit_counts(&store).await, visits);
    scratch.remove().await;
}

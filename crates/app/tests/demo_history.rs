//! The demo's eight weeks of history: seeded at a fixed `now` into a fresh park, it leaves
//! issues in every week, closed ones and overdue ones, a last week's report with figures worth
//! reading, and seeding again adds nothing.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use gridloop_app::calendars;
use gridloop_app::clock::{Clock, ManualClock};
use gridloop_app::demo::{self, history, park::reference_park};
use gridloop_app::settings::Settings;
use gridloop_app::{reports, AppState};
use gridloop_core::{ReportScope, Status, Workflow};
use gridloop_store::{IssueFilter, Store};

/// A Monday morning, as a newcomer would first open the demo.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 1, 30, 0)
        .single()
        .expect("instant")
}

async fn fresh_park() -> (Store, Workflow, Settings) {
    let scratch = common::Scratch::new("history").await;
    let store = scratch.store.clone();
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

#[tokio::test]
async fn the_history_fills_eight_weeks_with_figures_worth_reading_and_is_seeded_once() {
    let (store, workflow, settings) = fresh_park().await;
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
    for week in 0..8 {
        let report = reports::on_demand(&store, &state.reports, period, ReportScope::Park, now())
            .await
            .expect("report");
        assert!(
            report.counts.reported > 0,
            "week {week} back: nothing reported"
        );
        period = period.previous();
    }

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
    assert_eq!(all_issues(&store).await.len(), seeded.issues);
}

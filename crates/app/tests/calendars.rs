//! The calendar in force follows the stored one: a day set through one instance is in force on
//! another after that one's next refresh (a server refreshes every few seconds), and a dry run
//! changes nothing anywhere.

mod common;

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use gridloop_app::calendars::{self, live, ChangedBy, DayChange, Mode};
use gridloop_app::clock::{Clock, ManualClock};
use gridloop_app::settings::Settings;
use gridloop_app::AppState;
use gridloop_core::Workflow;
use gridloop_store::Store;

async fn instance(store: &Store, settings: &Settings) -> AppState {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 6, 2, 0, 0)
            .single()
            .expect("instant"),
    ));
    let calendar = calendars::load_stored(store, &settings.calendar, clock.now())
        .await
        .expect("calendar");
    AppState::from_settings(store.clone(), Workflow::new(calendar), clock, settings).expect("state")
}

#[tokio::test]
async fn a_day_set_on_one_instance_is_in_force_on_another_after_its_refresh() {
    let scratch = common::Scratch::new("live").await;
    let store = scratch.store.clone();
    let settings = Settings::defaults();
    let a = instance(&store, &settings).await;
    let b = instance(&store, &settings).await;
    // Both built from the seeded years; the first refresh learns the version.
    live::refresh(&b).await.expect("refresh");
    assert!(
        !live::refresh(&b).await.expect("refresh"),
        "nothing changed"
    );
    assert!(!b.calendar().covers(2027));

    let new_years_day = NaiveDate::from_ymd_opt(2027, 1, 1).expect("date");
    let changed = calendars::set_day(
        &a,
        &ChangedBy::operator(),
        "cn",
        new_years_day,
        DayChange::Holiday,
        Some("元旦".into()),
        Mode::Apply,
    )
    .await
    .expect("set");
    assert_eq!(changed.year.version, 1);
    // In force at once where it was made…
    assert!(a.calendar().covers(2027));
    assert!(!a.calendar().is_working_day(new_years_day));
    // …and on the other instance at its next refresh.
    assert!(!b.calendar().covers(2027));
    assert!(live::refresh(&b).await.expect("refresh"));
    assert!(b.calendar().covers(2027));
    assert!(!b.calendar().is_working_day(new_years_day));
    // The weekly reports (and the scheduler) read the same cell.
    assert!(b.reports.calendar().covers(2027));
    // 2026's holidays are still in force: the calendar is built from every stored year.
    let national_day = NaiveDate::from_ymd_opt(2026, 10, 1).expect("date");
    assert!(!b.calendar().is_working_day(national_day));

    // A dry run changes nothing anywhere.
    let dry = calendars::set_day(
        &a,
        &ChangedBy::operator(),
        "cn",
        new_years_day,
        DayChange::Normal,
        None,
        Mode::DryRun,
    )
    .await
    .expect("dry run");
    assert_eq!(dry.year.version, 2, "the version it would get");
    assert!(!live::refresh(&b).await.expect("refresh"));
    assert!(!b.calendar().is_working_day(new_years_day));
    scratch.remove().await;
}

#[tokio::test]
async fn admins_are_told_once_that_next_year_is_missing_until_it_is_entered() {
    use gridloop_core::{Email, Login, Name, NotificationKind, Role};
    let scratch = common::Scratch::new("missing").await;
    let store = scratch.store.clone();
    store
        .create_user(gridloop_store::NewUser {
            login: Login::parse("admin").expect("login"),
            name: Name::parse("Admin").expect("name"),
            phone: None,
            email: Some(Email::parse("admin@park.example").expect("email")),
            locale: "zh-CN".into(),
            roles: vec![Role::Admin],
            posts: vec![],
            units: vec![],
            grids: vec![],
            enterprises: vec![],
        })
        .await
        .expect("an admin");
    let settings = Settings::defaults();
    // 6 December 2026: 2027 is missing.
    let a = instance(&store, &settings).await;
    let b = instance(&store, &settings).await;
    assert_eq!(
        calendars::check_next_year(&a).await.expect("check"),
        Some(2027)
    );
    assert_eq!(
        calendars::check_next_year(&b).await.expect("check"),
        Some(2027)
    );
    let told = |all: Vec<gridloop_store::Notification>| {
        all.into_iter()
            .filter(|n| n.kind == NotificationKind::CalendarMissing)
            .collect::<Vec<_>>()
    };
    let sent = told(store.notifications(None, 100).await.expect("outbox"));
    assert_eq!(sent.len(), 1, "once, whichever instance checks: {sent:?}");
    assert_eq!(sent[0].params["calendar"]["year"], 2027);

    calendars::set_day(
        &a,
        &ChangedBy::operator(),
        "cn",
        NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"),
        DayChange::Holiday,
        None,
        Mode::Apply,
    )
    .await
    .expect("set");
    assert_eq!(calendars::check_next_year(&a).await.expect("check"), None);
    scratch.remove().await;
}

#[tokio::test]
async fn two_days_set_at_once_both_land() {
    let scratch = common::Scratch::new("race").await;
    let store = scratch.store.clone();
    let settings = Settings::defaults();
    let a = instance(&store, &settings).await;
    let b = instance(&store, &settings).await;
    let set = |state: AppState, day: u32| async move {
        calendars::set_day(
            &state,
            &ChangedBy::operator(),
            "cn",
            NaiveDate::from_ymd_opt(2027, 1, day).expect("date"),
            DayChange::Holiday,
            None,
            Mode::Apply,
        )
        .await
        .expect("set")
    };
    for round in 0..5 {
        let (x, y) = tokio::join!(set(a.clone(), 4 + round), set(b.clone(), 11 + round));
        assert_ne!(x.year.version, y.year.version);
    }
    let year = calendars::change::year(&a, "cn", 2027).await.expect("year");
    assert_eq!(year.year.days().count(), 10, "no day was lost");
    assert_eq!(year.version, 10);
    scratch.remove().await;
}

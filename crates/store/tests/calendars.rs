//! Working calendars as data (`crates/store/src/calendars.rs`), on both backends: seeding, the
//! round trip of a year, replacing one with its audit trail, and the version stamp.

mod common;

use chrono::{Duration, NaiveDate, Weekday};
use common::{both, login, name, t0};
use gridloop_core::calendar::{CalendarYear, WorkingHours, YearDay};
use gridloop_core::{Calendar, Role};
use gridloop_store::{CalendarChangeBy, NewCalendarYear, NewUser, Store};

fn cn_2026() -> CalendarYear {
    Calendar::default_china()
        .year(2026)
        .cloned()
        .expect("2026 is built in")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn cn_2027() -> CalendarYear {
    CalendarYear::from_days(
        2027,
        Some("test".into()),
        [
            (
                date(2027, 1, 1),
                YearDay::Holiday {
                    name: "元旦".into(),
                },
            ),
            (
                date(2027, 1, 2),
                YearDay::MakeUp {
                    name: "元旦".into(),
                    works_as: Weekday::Fri,
                },
            ),
        ],
    )
    .expect("dates in 2027")
}

fn new_year(year: CalendarYear) -> NewCalendarYear {
    NewCalendarYear {
        region: "cn".into(),
        time_zone: chrono_tz::Asia::Shanghai,
        hours: WorkingHours::default(),
        year,
    }
}

async fn seeding_stores_missing_years_once_and_a_year_reads_back_as_it_was_given(store: Store) {
    assert_eq!(store.calendar_version("cn").await.expect("ok"), 0);
    let stored = store
        .seed_calendar_years(vec![new_year(cn_2026())], t0())
        .await
        .expect("ok");
    assert_eq!(stored, vec![2026]);
    let years = store.calendar_years("cn").await.expect("ok");
    assert_eq!(years.len(), 1);
    let y = &years[0];
    assert_eq!(
        y.year,
        cn_2026(),
        "every holiday and make-up day, with names"
    );
    assert_eq!(y.time_zone, chrono_tz::Asia::Shanghai);
    assert_eq!(y.hours, WorkingHours::default());
    assert_eq!(y.version, 1);
    assert_eq!(y.updated_at, t0());
    assert_eq!(store.calendar_version("cn").await.expect("ok"), 1);

    // A second start seeds only what is missing: a changed 2026 from the files does not
    // overwrite the stored one, a new 2027 is added.
    let changed_2026 = CalendarYear::from_days(2026, None, []).expect("ok");
    let stored = store
        .seed_calendar_years(
            vec![new_year(changed_2026), new_year(cn_2027())],
            t0() + Duration::hours(1),
        )
        .await
        .expect("ok");
    assert_eq!(stored, vec![2027]);
    let years = store.calendar_years("cn").await.expect("ok");
    assert_eq!(years.len(), 2);
    assert_eq!(years[0].year, cn_2026());
    assert_eq!(years[1].year, cn_2027());
    assert!(store.calendar_years("de").await.expect("ok").is_empty());
    assert!(store.calendar_year("cn", 2028).await.expect("ok").is_none());

    let trail = store.calendar_changes("cn", 2026).await.expect("ok");
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].action, "seed");
    assert_eq!(trail[0].actor, "seed");
    assert_eq!(trail[0].before.as_ref().map(|j| j.0.is_null()), Some(true));
    let after = &trail[0].after.as_ref().expect("ok").0;
    assert_eq!(after["time_zone"], "Asia/Shanghai");
    assert_eq!(after["days"][0]["date"], "2026-01-01");
    assert_eq!(after["days"][0]["kind"], "holiday");
}

async fn replacing_a_year_bumps_its_version_and_records_who_before_and_after(store: Store) {
    let admin = store
        .create_user(NewUser {
            login: login("admin"),
            name: name("Admin"),
            phone: None,
            email: None,
            locale: "zh-CN".to_owned(),
            roles: vec![Role::Admin],
            posts: vec![],
            units: vec![],
            grids: vec![],
            enterprises: vec![],
        })
        .await
        .expect("ok");
    store
        .seed_calendar_years(vec![new_year(cn_2027())], t0())
        .await
        .expect("ok");
    let mut days: Vec<_> = cn_2027().days().collect();
    days.push((
        date(2027, 1, 4),
        YearDay::Holiday {
            name: "extra".into(),
        },
    ));
    let changed = CalendarYear::from_days(2027, Some("test".into()), days).expect("ok");
    let at = t0() + Duration::minutes(5);
    let put = store
        .put_calendar_year(
            NewCalendarYear {
                hours: WorkingHours::from_periods([(
                    Weekday::Mon,
                    [(
                        chrono::NaiveTime::from_hms_opt(8, 0, 0).expect("ok"),
                        chrono::NaiveTime::from_hms_opt(12, 0, 0).expect("ok"),
                    )],
                )])
                .expect("ok"),
                ..new_year(changed.clone())
            },
            CalendarChangeBy {
                user: Some(admin.id),
                actor: "admin".into(),
                action: "set",
                day: Some(date(2027, 1, 4)),
                note: Some("by decree".into()),
            },
            at,
        )
        .await
        .expect("ok");
    assert_eq!(put.version, 2);
    let read = store
        .calendar_year("cn", 2027)
        .await
        .expect("ok")
        .expect("ok");
    assert_eq!(read, put);
    assert_eq!(read.year, changed);
    assert_eq!(read.hours.minutes_on(Weekday::Mon), 240);
    assert_eq!(read.hours.minutes_on(Weekday::Tue), 0);
    assert_eq!(store.calendar_version("cn").await.expect("ok"), 2);

    let trail = store.calendar_changes("cn", 2027).await.expect("ok");
    assert_eq!(trail.len(), 2);
    let last = &trail[1];
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("set", "admin")
    );
    assert_eq!(last.day.as_deref(), Some("2027-01-04"));
    assert_eq!(last.note.as_deref(), Some("by decree"));
    assert_eq!(last.at, at);
    let before = &last.before.as_ref().expect("ok").0;
    let after = &last.after.as_ref().expect("ok").0;
    assert_eq!(before["days"].as_array().expect("ok").len(), 2);
    assert_eq!(after["days"].as_array().expect("ok").len(), 3);
    assert_eq!(after["days"][2]["name"], "extra");
    assert_eq!(before["days"][1]["works_as"], "fri");
}

both!(
    seeding_stores_missing_years_once_and_a_year_reads_back_as_it_was_given,
    replacing_a_year_bumps_its_version_and_records_who_before_and_after,
);

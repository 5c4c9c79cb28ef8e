//! The working calendar: hand-checked 2026 cases, file validation, DST, and properties.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;
use gridloop_core::calendar::{Calendar, CalendarError, CalendarYear, DayKind, WorkingHours};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// helpers

fn china() -> Calendar {
    Calendar::default_china()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

/// A local wall-clock time in `tz` that exists exactly once.
fn at(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("an unambiguous local time")
        .with_timezone(&Utc)
}

/// Shanghai local time.
fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    at(chrono_tz::Asia::Shanghai, y, mo, d, h, mi)
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("valid UTC time")
}

fn holiday(name: &str) -> DayKind {
    DayKind::Holiday {
        name: name.to_owned(),
    }
}

fn make_up(name: &str) -> DayKind {
    DayKind::MakeUpWorkday {
        name: name.to_owned(),
    }
}

fn round_the_clock() -> WorkingHours {
    let all_day = || [(NaiveTime::MIN, NaiveTime::MIN)];
    WorkingHours::from_periods([
        (Weekday::Mon, all_day()),
        (Weekday::Tue, all_day()),
        (Weekday::Wed, all_day()),
        (Weekday::Thu, all_day()),
        (Weekday::Fri, all_day()),
        (Weekday::Sat, all_day()),
        (Weekday::Sun, all_day()),
    ])
    .expect("valid hours")
}

/// (festival, (month, day) from, (month, day) to)
type HolidayRange = (&'static str, (u32, u32), (u32, u32));

const NOTICE_HOLIDAYS: [HolidayRange; 7] = [
    ("元旦", (1, 1), (1, 3)),
    ("春节", (2, 15), (2, 23)),
    ("清明节", (4, 4), (4, 6)),
    ("劳动节", (5, 1), (5, 5)),
    ("端午节", (6, 19), (6, 21)),
    ("中秋节", (9, 25), (9, 27)),
    ("国庆节", (10, 1), (10, 7)),
];

const NOTICE_MAKE_UP_DAYS: [(&str, (u32, u32)); 6] = [
    ("元旦", (1, 4)),
    ("春节", (2, 14)),
    ("春节", (2, 28)),
    ("劳动节", (5, 9)),
    ("国庆节", (9, 20)),
    ("国庆节", (10, 10)),
];

fn notice_holiday_dates() -> Vec<(NaiveDate, &'static str)> {
    NOTICE_HOLIDAYS
        .iter()
        .flat_map(|&(name, (fm, fd), (tm, td))| {
            date(2026, fm, fd)
                .iter_days()
                .take_while(move |d| *d <= date(2026, tm, td))
                .map(move |d| (d, name))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// hand-checked cases, Asia/Shanghai 2026

#[test]
fn an_hour_added_on_friday_at_half_past_five_lands_on_monday_at_half_past_nine() {
    let cal = china();
    assert_eq!(
        cal.add_working_minutes(sh(2026, 3, 6, 17, 30), 60),
        sh(2026, 3, 9, 9, 30)
    );
    assert_eq!(
        cal.add_working_minutes(sh(2026, 3, 6, 17, 0), 90),
        sh(2026, 3, 9, 9, 30)
    );
}

#[test]
fn an_hour_added_on_friday_at_five_is_due_at_six_the_same_evening() {
    // 17:00-18:00 is a full working hour; the deadline is where it ends, not Monday 09:00.
    let cal = china();
    assert_eq!(
        cal.add_working_minutes(sh(2026, 3, 6, 17, 0), 60),
        sh(2026, 3, 6, 18, 0)
    );
    assert!(!cal.is_working_instant(sh(2026, 3, 6, 18, 0)));
}

#[test]
fn a_working_day_added_on_friday_evening_lands_on_monday_evening() {
    let cal = china();
    assert_eq!(
        cal.add_working_minutes(sh(2026, 3, 6, 19, 0), 450),
        sh(2026, 3, 9, 18, 0)
    );
}

#[test]
fn work_assigned_before_the_spring_festival_continues_on_the_saturday_make_up_day() {
    let cal = china();
    let assigned = sh(2026, 2, 13, 17, 0);
    assert_eq!(
        cal.add_working_minutes(assigned, 120),
        sh(2026, 2, 14, 10, 0)
    );
    // The festival itself, Feb 15-23, adds nothing: the next minute after Feb 14 is Feb 24.
    assert_eq!(
        cal.add_working_minutes(assigned, 60 + 450 + 1),
        sh(2026, 2, 24, 9, 1)
    );
}

#[test]
fn the_national_day_week_has_no_working_time() {
    let cal = china();
    for day in 1..=7 {
        assert!(!cal.is_working_day(date(2026, 10, day)), "Oct {day}");
        assert_eq!(cal.kind_of_day(date(2026, 10, day)), holiday("国庆节"));
    }
    assert_eq!(
        cal.working_minutes_between(sh(2026, 10, 1, 0, 0), sh(2026, 10, 8, 0, 0)),
        0
    );
    assert_eq!(
        cal.working_minutes_between(sh(2026, 9, 30, 17, 0), sh(2026, 10, 8, 10, 0)),
        120
    );
}

#[test]
fn saturday_october_tenth_is_a_make_up_working_day() {
    let cal = china();
    assert_eq!(cal.kind_of_day(date(2026, 10, 10)), make_up("国庆节"));
    assert!(cal.is_working_day(date(2026, 10, 10)));
    assert!(cal.is_working_instant(sh(2026, 10, 10, 10, 0)));
    assert_eq!(
        cal.add_working_minutes(sh(2026, 10, 9, 17, 30), 60),
        sh(2026, 10, 10, 9, 30)
    );
}

#[test]
fn sunday_september_twentieth_is_a_make_up_working_day() {
    let cal = china();
    assert_eq!(cal.kind_of_day(date(2026, 9, 20)), make_up("国庆节"));
    assert!(cal.is_working_instant(sh(2026, 9, 20, 15, 0)));
    assert!(
        !cal.is_working_instant(sh(2026, 9, 19, 15, 0)),
        "Saturday Sep 19 is a rest day"
    );
}

#[test]
fn a_holiday_on_a_weekday_has_no_working_time() {
    let cal = china();
    assert_eq!(date(2026, 5, 4).weekday(), Weekday::Mon);
    assert_eq!(cal.kind_of_day(date(2026, 5, 4)), holiday("劳动节"));
    assert!(!cal.is_working_instant(sh(2026, 5, 4, 10, 0)));
}

#[test]
fn the_lunch_break_is_not_working_time() {
    let cal = china();
    assert!(cal.is_working_instant(sh(2026, 3, 10, 11, 59)));
    assert!(!cal.is_working_instant(sh(2026, 3, 10, 12, 0)));
    assert!(!cal.is_working_instant(sh(2026, 3, 10, 13, 29)));
    assert!(cal.is_working_instant(sh(2026, 3, 10, 13, 30)));
    assert_eq!(
        cal.working_minutes_between(sh(2026, 3, 10, 12, 0), sh(2026, 3, 10, 13, 30)),
        0
    );
    assert_eq!(
        cal.add_working_minutes(sh(2026, 3, 10, 11, 30), 60),
        sh(2026, 3, 10, 14, 0)
    );
}

#[test]
fn when_the_morning_runs_out_exactly_the_deadline_is_noon_not_half_past_one() {
    let cal = china();
    assert_eq!(
        cal.add_working_minutes(sh(2026, 3, 10, 11, 0), 60),
        sh(2026, 3, 10, 12, 0)
    );
    assert_eq!(
        cal.add_working_minutes(sh(2026, 3, 10, 11, 0), 61),
        sh(2026, 3, 10, 13, 31)
    );
}

#[test]
fn counting_from_outside_working_time_starts_at_the_next_period() {
    let cal = china();
    assert_eq!(
        cal.add_working_minutes(sh(2026, 3, 10, 7, 15), 30),
        sh(2026, 3, 10, 9, 30)
    );
    assert_eq!(
        cal.add_working_minutes(sh(2026, 3, 10, 12, 45), 30),
        sh(2026, 3, 10, 14, 0)
    );
    assert_eq!(
        cal.add_working_minutes(sh(2026, 3, 7, 10, 0), 30),
        sh(2026, 3, 9, 9, 30)
    );
}

#[test]
fn adding_zero_minutes_returns_the_start_unchanged() {
    let cal = china();
    let start = sh(2026, 3, 7, 3, 4) + Duration::seconds(5) + Duration::milliseconds(6);
    assert_eq!(cal.add_working_minutes(start, 0), start);
}

#[test]
fn instants_are_truncated_to_their_minute() {
    let cal = china();
    let opened = sh(2026, 3, 10, 9, 0) + Duration::seconds(42);
    assert_eq!(cal.add_working_minutes(opened, 60), sh(2026, 3, 10, 10, 0));
    assert_eq!(
        cal.working_minutes_between(opened, opened + Duration::seconds(30)),
        1
    );
    assert_eq!(
        cal.working_minutes_between(opened, opened + Duration::seconds(10)),
        0
    );
}

#[test]
fn measuring_backwards_gives_zero() {
    let cal = china();
    assert_eq!(
        cal.working_minutes_between(sh(2026, 3, 10, 11, 0), sh(2026, 3, 10, 10, 0)),
        0
    );
}

#[test]
fn a_year_without_a_file_is_plain_weeks_and_is_reported_missing() {
    let cal = china();
    assert!(cal.covers(2026));
    assert!(!cal.covers(2027));
    assert_eq!(cal.missing_years(2025..=2027), vec![2025, 2027]);
    // 2027-01-01 is a Friday; without the 2027 notice it is an ordinary working day.
    assert_eq!(cal.kind_of_day(date(2027, 1, 1)), DayKind::Workday);
    assert_eq!(cal.kind_of_day(date(2027, 1, 2)), DayKind::Weekend);
    assert_eq!(
        cal.add_working_minutes(sh(2026, 12, 31, 17, 0), 120),
        sh(2027, 1, 1, 10, 0)
    );
    assert_eq!(
        cal.working_minutes_between(sh(2027, 1, 1, 0, 0), sh(2027, 1, 8, 0, 0)),
        5 * 450
    );
}

#[test]
fn day_kinds_name_the_festival() {
    let cal = china();
    assert_eq!(cal.kind_of_day(date(2026, 2, 16)), holiday("春节"));
    assert_eq!(
        cal.kind_of_day(date(2026, 2, 15)),
        holiday("春节"),
        "a Sunday inside the festival"
    );
    assert_eq!(cal.kind_of_day(date(2026, 2, 14)), make_up("春节"));
    assert_eq!(cal.kind_of_day(date(2026, 3, 7)), DayKind::Weekend);
    assert_eq!(cal.kind_of_day(date(2026, 3, 9)), DayKind::Workday);
}

#[test]
fn the_2026_calendar_has_248_working_days() {
    let cal = china();
    let days = date(2026, 1, 1)
        .iter_days()
        .take_while(|d| d.year() == 2026)
        .filter(|d| cal.is_working_day(*d))
        .count();
    assert_eq!(days, 248);
    let year = cal.working_minutes_between(sh(2026, 1, 1, 0, 0), sh(2027, 1, 1, 0, 0));
    assert_eq!(year, 248 * 450);
    assert_eq!(
        cal.add_working_minutes(sh(2026, 1, 1, 0, 0), year),
        sh(2026, 12, 31, 18, 0)
    );
}

#[test]
fn three_months_of_working_minutes_are_added_and_measured_back_exactly() {
    let cal = china();
    let start = sh(2026, 6, 1, 10, 17);
    let minutes = 65 * 450;
    let due = cal.add_working_minutes(start, minutes);
    assert!(
        due > sh(2026, 8, 31, 0, 0) && due < sh(2026, 9, 15, 0, 0),
        "{due}"
    );
    assert_eq!(cal.working_minutes_between(start, due), minutes);
}

// ---------------------------------------------------------------------------------------------
// excluded intervals (time on hold)

#[test]
fn time_on_hold_does_not_count() {
    let cal = china();
    let (from, to) = (sh(2026, 3, 10, 9, 0), sh(2026, 3, 10, 18, 0));
    let hold = (sh(2026, 3, 10, 10, 0), sh(2026, 3, 10, 11, 0));
    assert_eq!(cal.working_minutes_between_excluding(from, to, &[]), 450);
    assert_eq!(
        cal.working_minutes_between_excluding(from, to, &[hold]),
        390
    );
}

#[test]
fn overlapping_and_out_of_range_holds_are_counted_once_and_clamped() {
    let cal = china();
    let (from, to) = (sh(2026, 3, 10, 9, 0), sh(2026, 3, 10, 18, 0));
    let holds = [
        (sh(2026, 3, 10, 10, 0), sh(2026, 3, 10, 11, 0)),
        (sh(2026, 3, 10, 10, 30), sh(2026, 3, 10, 11, 30)),
        (sh(2026, 3, 9, 0, 0), sh(2026, 3, 10, 9, 15)),
        // An open hold, passed with `to` as its end: from 17:00 on nothing counts.
        (sh(2026, 3, 10, 17, 0), to),
        // Reversed: ignored.
        (sh(2026, 3, 10, 16, 0), sh(2026, 3, 10, 14, 0)),
    ];
    assert_eq!(
        cal.working_minutes_between_excluding(from, to, &holds),
        450 - 90 - 15 - 60
    );
}

#[test]
fn a_hold_covering_everything_leaves_nothing() {
    let cal = china();
    let (from, to) = (sh(2026, 3, 10, 9, 0), sh(2026, 3, 12, 18, 0));
    assert_eq!(
        cal.working_minutes_between_excluding(from, to, &[(from, to)]),
        0
    );
}

// ---------------------------------------------------------------------------------------------
// the shipped files

#[test]
fn the_embedded_2026_file_matches_the_state_council_notice() {
    let cal = china();
    let year = cal.year(2026).expect("2026 is embedded");
    assert!(year.source().is_some_and(|s| s.contains("2025-11-04")));
    let holidays: Vec<_> = year.holidays().collect();
    assert_eq!(holidays, notice_holiday_dates());
    assert_eq!(holidays.len(), 3 + 9 + 3 + 5 + 3 + 3 + 7);
    let make_ups: Vec<_> = year.make_up_days().collect();
    let expected: Vec<_> = NOTICE_MAKE_UP_DAYS
        .iter()
        .map(|&(name, (m, d))| (date(2026, m, d), name, Weekday::Mon))
        .collect();
    assert_eq!(make_ups, expected);
    for (day, _, _) in make_ups {
        assert!(
            matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
            "{day} is a weekend day turned into a working day"
        );
    }
}

#[test]
fn every_calendar_file_in_the_config_folder_parses_and_is_named_after_its_year() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/calendars");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("config/calendars exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable file");
        let year = CalendarYear::from_toml(&text)
            .unwrap_or_else(|e| panic!("{} is invalid: {e}", path.display()));
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert_eq!(name, format!("cn-{}.toml", year.year()));
        seen += 1;
    }
    assert!(seen >= 1);
}

// ---------------------------------------------------------------------------------------------
// calendar files: format and validation

const MINIMAL: &str = r#"
year = 2027
source = "test"

[[holiday]]
name = "元旦"
from = 2027-01-01
to = 2027-01-01

[[make_up_day]]
name = "春节"
date = 2027-02-20
works_as = "fri"
"#;

#[test]
fn a_make_up_day_can_work_another_weekdays_hours() {
    let short_friday = WorkingHours::from_periods([
        (
            Weekday::Mon,
            vec![(time(9, 0), time(12, 0)), (time(13, 30), time(18, 0))],
        ),
        (Weekday::Fri, vec![(time(9, 0), time(12, 0))]),
    ])
    .expect("valid hours");
    let year = CalendarYear::from_toml(MINIMAL).expect("valid file");
    let cal = Calendar::new(chrono_tz::Asia::Shanghai, short_friday).with_year(year);
    assert_eq!(cal.kind_of_day(date(2027, 2, 20)), make_up("春节"));
    assert!(cal.is_working_instant(sh(2027, 2, 20, 11, 0)));
    assert!(
        !cal.is_working_instant(sh(2027, 2, 20, 14, 0)),
        "works Friday's morning only"
    );
    assert!(cal.covers(2027));
    assert_eq!(cal.kind_of_day(date(2027, 1, 1)), holiday("元旦"));
}

#[test]
fn a_later_file_for_the_same_year_replaces_the_earlier_one() {
    let corrected = MINIMAL.replace("to = 2027-01-01", "to = 2027-01-03");
    let cal = china()
        .with_year(CalendarYear::from_toml(MINIMAL).expect("valid"))
        .with_year(CalendarYear::from_toml(&corrected).expect("valid"));
    assert_eq!(cal.year(2027).map(|y| y.holidays().count()), Some(3));
    assert!(cal.covers(2026), "other years are kept");
}

#[test]
fn a_file_with_only_a_year_is_valid() {
    let year = CalendarYear::from_toml("year = 2030").expect("valid");
    assert_eq!(year.year(), 2030);
    assert_eq!(year.holidays().count(), 0);
    assert_eq!(year.source(), None);
}

fn parse_err(text: &str) -> CalendarError {
    CalendarYear::from_toml(text).expect_err("the file is invalid")
}

#[test]
fn a_date_from_another_year_is_rejected_with_its_line() {
    let text = MINIMAL.replace("to = 2027-01-01", "to = 2026-01-01");
    let err = parse_err(&text);
    assert_eq!(
        err,
        CalendarError::DateOutsideYear {
            line: 8,
            date: date(2026, 1, 1),
            year: 2027
        }
    );
    assert_eq!(
        err.to_string(),
        "line 8: 2026-01-01 is not in this file's year 2027"
    );
}

#[test]
fn a_make_up_day_that_is_also_a_holiday_is_rejected() {
    let text = MINIMAL.replace("date = 2027-02-20", "date = 2027-01-01");
    let err = parse_err(&text);
    assert!(
        matches!(err, CalendarError::MakeUpDayIsHoliday { line: 12, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "line 12: make-up working day 2027-01-01 (春节) falls inside the holiday 元旦"
    );
}

#[test]
fn a_holiday_that_ends_before_it_starts_is_rejected() {
    let text = MINIMAL.replace("from = 2027-01-01", "from = 2027-01-05");
    assert!(matches!(
        parse_err(&text),
        CalendarError::ReversedRange { line: 7, .. }
    ));
}

#[test]
fn overlapping_holidays_and_repeated_make_up_days_are_rejected() {
    let overlapping =
        format!("{MINIMAL}\n[[holiday]]\nname = \"x\"\nfrom = 2026-12-31\nto = 2027-01-02\n");
    assert!(matches!(
        parse_err(&overlapping),
        CalendarError::DateOutsideYear { .. }
    ));
    let overlapping =
        format!("{MINIMAL}\n[[holiday]]\nname = \"x\"\nfrom = 2027-01-01\nto = 2027-01-02\n");
    assert_eq!(
        parse_err(&overlapping),
        CalendarError::DuplicateDate {
            line: 17,
            date: date(2027, 1, 1),
            first_line: 7
        }
    );
    let repeated = format!("{MINIMAL}\n[[make_up_day]]\nname = \"x\"\ndate = 2027-02-20\n");
    assert!(matches!(
        parse_err(&repeated),
        CalendarError::DuplicateDate { first_line: 12, .. }
    ));
}

#[test]
fn an_unknown_weekday_in_works_as_is_rejected() {
    let text = MINIMAL.replace("\"fri\"", "\"friyay\"");
    let err = parse_err(&text);
    assert!(
        matches!(err, CalendarError::UnknownWeekday { line: 13, .. }),
        "{err:?}"
    );
}

#[test]
fn a_date_with_a_time_or_an_impossible_day_is_rejected() {
    let text = MINIMAL.replace("date = 2027-02-20", "date = 2027-02-20T09:00:00");
    assert!(matches!(
        parse_err(&text),
        CalendarError::NotADate { line: 12, .. }
    ));
    let text = MINIMAL.replace("date = 2027-02-20", "date = \"2027-02-20\"");
    assert!(
        matches!(parse_err(&text), CalendarError::Toml(_)),
        "dates are TOML dates, unquoted"
    );
}

#[test]
fn misspelt_keys_and_broken_toml_are_rejected_with_a_position() {
    let misspelt = MINIMAL.replace("[[holiday]]", "[[holidays]]");
    let err = parse_err(&misspelt);
    assert!(matches!(err, CalendarError::Toml(_)));
    assert!(err.to_string().contains("holidays"), "{err}");
    let broken = parse_err("year = 2027\n[[holiday]\n");
    assert!(broken.to_string().contains("line 2"), "{broken}");
    assert!(matches!(
        parse_err("source = \"no year\""),
        CalendarError::Toml(_)
    ));
}

// ---------------------------------------------------------------------------------------------
// working hours

#[test]
fn default_hours_are_weekdays_nine_to_six_with_a_lunch_break() {
    let hours = WorkingHours::default();
    let office = vec![(time(9, 0), time(12, 0)), (time(13, 30), time(18, 0))];
    for day in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ] {
        assert_eq!(hours.periods(day).collect::<Vec<_>>(), office);
        assert_eq!(hours.minutes_on(day), 450);
    }
    assert_eq!(hours.periods(Weekday::Sat).len(), 0);
    assert_eq!(hours.periods(Weekday::Sun).len(), 0);
}

#[test]
fn working_hours_parse_from_a_toml_table_and_missing_days_are_rest_days() {
    let hours: WorkingHours = toml::from_str(
        r#"
        monday = ["13:30-18:00", "09:00-12:00"]
        saturday = ["22:00-24:00"]
        "#,
    )
    .expect("valid table");
    assert_eq!(
        hours.periods(Weekday::Mon).collect::<Vec<_>>(),
        vec![(time(9, 0), time(12, 0)), (time(13, 30), time(18, 0))],
        "sorted"
    );
    assert_eq!(hours.minutes_on(Weekday::Sat), 120);
    assert_eq!(hours.minutes_on(Weekday::Tue), 0);
}

#[test]
fn working_hours_round_trip_through_serde() {
    let hours = WorkingHours::default();
    let json = serde_json::to_string(&hours).expect("serialises");
    assert_eq!(
        json,
        r#"{"monday":["09:00-12:00","13:30-18:00"],"tuesday":["09:00-12:00","13:30-18:00"],"wednesday":["09:00-12:00","13:30-18:00"],"thursday":["09:00-12:00","13:30-18:00"],"friday":["09:00-12:00","13:30-18:00"]}"#
    );
    assert_eq!(
        serde_json::from_str::<WorkingHours>(&json).expect("parses"),
        hours
    );
}

#[test]
fn invalid_working_hours_are_rejected() {
    let parse = |text: &str| {
        toml::from_str::<WorkingHours>(text)
            .expect_err("invalid")
            .to_string()
    };
    assert!(parse(r#"monday = ["09:00-12:00", "11:00-13:00"]"#).contains("overlap"));
    assert!(parse(r#"monday = ["12:00-09:00"]"#).contains("must end after it starts"));
    assert!(parse(r#"monday = ["9h-12h"]"#).contains("9h-12h"));
    assert!(parse(r#"monday = ["24:00-24:00"]"#).contains("cannot start at 24:00"));
    assert!(parse(r#"mondy = ["09:00-12:00"]"#).contains("mondy"));
    assert!(parse("").contains("at least one period"));

    assert_eq!(
        WorkingHours::from_periods([
            (Weekday::Mon, vec![(time(9, 0), time(10, 0))]),
            (Weekday::Mon, vec![])
        ]),
        Err(CalendarError::DuplicateWeekday { day: Weekday::Mon })
    );
    let with_seconds = NaiveTime::from_hms_opt(9, 0, 30).expect("valid");
    assert!(matches!(
        WorkingHours::from_periods([(Weekday::Mon, [(with_seconds, time(10, 0))])]),
        Err(CalendarError::InvalidPeriod { .. })
    ));
}

#[test]
fn touching_periods_are_joined() {
    let hours: WorkingHours =
        toml::from_str(r#"monday = ["09:00-12:00", "12:00-13:00"]"#).expect("valid");
    assert_eq!(
        hours.periods(Weekday::Mon).collect::<Vec<_>>(),
        vec![(time(9, 0), time(13, 0))]
    );
}

// ---------------------------------------------------------------------------------------------
// daylight saving time (America/New_York: 2026-03-08 springs forward, 2026-11-01 falls back)

const NEW_YORK: Tz = chrono_tz::America::New_York;

/// Office hours plus a 00:00-04:00 Sunday shift that straddles both transitions.
fn new_york_night_shift() -> Calendar {
    let office = || vec![(time(9, 0), time(12, 0)), (time(13, 30), time(18, 0))];
    let hours = WorkingHours::from_periods([
        (Weekday::Mon, office()),
        (Weekday::Tue, office()),
        (Weekday::Wed, office()),
        (Weekday::Thu, office()),
        (Weekday::Fri, office()),
        (Weekday::Sun, vec![(time(0, 0), time(4, 0))]),
    ])
    .expect("valid hours");
    Calendar::new(NEW_YORK, hours)
}

#[test]
fn a_shift_across_the_skipped_hour_is_an_hour_shorter() {
    let cal = new_york_night_shift();
    // 00:00 EST = 05:00Z; 04:00 EDT = 08:00Z: three hours of work.
    assert_eq!(
        cal.working_minutes_between(utc(2026, 3, 8, 0, 0), utc(2026, 3, 9, 0, 0)),
        180
    );
    assert_eq!(
        cal.add_working_minutes(utc(2026, 3, 8, 5, 0), 180),
        utc(2026, 3, 8, 8, 0)
    );
    assert!(cal.is_working_instant(utc(2026, 3, 8, 6, 59)), "01:59 EST");
    assert!(cal.is_working_instant(utc(2026, 3, 8, 7, 0)), "03:00 EDT");
}

#[test]
fn a_shift_across_the_repeated_hour_counts_that_hour_once() {
    let cal = new_york_night_shift();
    // 00:00 EDT = 04:00Z; 04:00 EST = 09:00Z: five hours pass, four are counted.
    assert_eq!(
        cal.working_minutes_between(utc(2026, 11, 1, 0, 0), utc(2026, 11, 2, 0, 0)),
        240
    );
    assert!(
        cal.is_working_instant(utc(2026, 11, 1, 5, 30)),
        "01:30 EDT, first pass"
    );
    assert!(
        !cal.is_working_instant(utc(2026, 11, 1, 6, 30)),
        "01:30 EST, second pass"
    );
    assert!(cal.is_working_instant(utc(2026, 11, 1, 7, 0)), "02:00 EST");
    assert_eq!(
        cal.add_working_minutes(utc(2026, 11, 1, 4, 0), 120),
        utc(2026, 11, 1, 6, 0)
    );
    assert_eq!(
        cal.add_working_minutes(utc(2026, 11, 1, 4, 0), 121),
        utc(2026, 11, 1, 7, 1)
    );
}

#[test]
fn office_hours_follow_the_local_clock_across_a_dst_weekend() {
    let cal = new_york_night_shift();
    // Friday 17:00 EST + 2 h: one hour on Friday, one on Monday from 09:00 EDT (13:00Z).
    let friday = at(NEW_YORK, 2026, 3, 6, 17, 0);
    let due = cal.add_working_minutes(friday, 60 + 180 + 60);
    assert_eq!(due, utc(2026, 3, 9, 14, 0));
    assert_eq!(due, at(NEW_YORK, 2026, 3, 9, 10, 0));
    assert_eq!(cal.working_minutes_between(friday, due), 300);
}

#[test]
fn round_the_clock_days_are_as_long_as_the_wall_clock_says() {
    let cal = Calendar::new(NEW_YORK, round_the_clock());
    let day = |y, m, d| {
        let start = at(NEW_YORK, y, m, d, 0, 0);
        let next = at(NEW_YORK, y, m, d + 1, 0, 0);
        cal.working_minutes_between(start, next)
    };
    assert_eq!(day(2026, 3, 7), 1440);
    assert_eq!(day(2026, 3, 8), 1380);
    assert_eq!(day(2026, 11, 1), 1440);
    assert_eq!(cal.missing_years(2026..=2026), vec![2026]);
}

#[test]
fn a_zone_that_skips_midnight_does_not_panic() {
    // Santiago springs forward at 24:00 on the first Saturday of September: 2026-09-06 00:00
    // does not exist.
    let cal = Calendar::new(chrono_tz::America::Santiago, round_the_clock());
    let from = utc(2026, 9, 5, 0, 0);
    let to = utc(2026, 9, 8, 0, 0);
    assert_eq!(cal.working_minutes_between(from, to), 3 * 1440);
    assert_eq!(cal.add_working_minutes(from, 3 * 1440), to);
}

// ---------------------------------------------------------------------------------------------
// properties

const START_2025: i64 = 1_735_689_600; // 2025-01-01T00:00:00Z
const END_2027: i64 = 1_830_297_600; // 2028-01-01T00:00:00Z

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (START_2025..END_2027).prop_map(|s| DateTime::from_timestamp(s, 0).expect("in range"))
}

fn zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(vec![
        chrono_tz::Asia::Shanghai,
        chrono_tz::America::New_York,
        chrono_tz::Europe::London,
        chrono_tz::Australia::Lord_Howe, // a 30-minute DST shift
        chrono_tz::America::Santiago,    // DST changes at midnight
        chrono_tz::Asia::Kolkata,
    ])
}

fn any_calendar() -> impl Strategy<Value = Calendar> {
    (zone(), any::<bool>(), any::<bool>()).prop_map(|(tz, all_day, holidays)| {
        let hours = if all_day {
            round_the_clock()
        } else {
            WorkingHours::default()
        };
        let cal = Calendar::new(tz, hours);
        match holidays {
            true => cal.with_year(china().year(2026).expect("embedded").clone()),
            false => cal,
        }
    })
}

/// A slow, obviously-right model for Shanghai (no DST): look at every minute's local time.
fn reference_minutes_between(cal: &Calendar, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    let floor = |t: DateTime<Utc>| t.timestamp().div_euclid(60);
    (floor(from)..floor(to))
        .filter(|&m| {
            let local = DateTime::from_timestamp(m * 60, 0)
                .expect("in range")
                .with_timezone(&cal.tz());
            let weekday = match cal.kind_of_day(local.date_naive()) {
                DayKind::Holiday { .. } => return false,
                DayKind::MakeUpWorkday { .. } => Weekday::Mon,
                DayKind::Workday | DayKind::Weekend => local.weekday(),
            };
            let minute = local.time().hour() * 60 + local.time().minute();
            cal.hours().periods(weekday).any(|(start, end)| {
                let to_min = |t: NaiveTime| t.hour() * 60 + t.minute();
                let end = if end == NaiveTime::MIN {
                    1440
                } else {
                    to_min(end)
                };
                to_min(start) <= minute && minute < end
            })
        })
        .count() as u32
}

proptest! {
    #[test]
    fn measuring_up_to_a_deadline_gives_back_the_minutes_added(t in instant(), n in 0u32..=20_000) {
        let cal = china();
        prop_assert_eq!(cal.working_minutes_between(t, cal.add_working_minutes(t, n)), n);
    }

    #[test]
    fn deadlines_never_move_earlier_when_more_minutes_are_added(
        t in instant(), n in 0u32..=20_000, more in 0u32..=2_000,
    ) {
        let cal = china();
        prop_assert!(cal.add_working_minutes(t, n) <= cal.add_working_minutes(t, n + more));
        prop_assert!(cal.add_working_minutes(t, n) >= t);
    }

    #[test]
    fn working_time_measured_in_pieces_adds_up(a in instant(), b in instant(), c in instant()) {
        let cal = china();
        let mut v = [a, b, c];
        v.sort();
        let [a, b, c] = v;
        prop_assert_eq!(
            cal.working_minutes_between(a, b) + cal.working_minutes_between(b, c),
            cal.working_minutes_between(a, c)
        );
    }

    #[test]
    fn excluded_time_never_increases_the_count(
        from in instant(),
        span in 0i64..30 * 24 * 3600,
        holds in prop::collection::vec((instant(), -3 * 24 * 3600i64..3 * 24 * 3600), 0..5),
    ) {
        let cal = china();
        let to = from + Duration::seconds(span);
        let holds: Vec<_> = holds.into_iter().map(|(a, len)| (a, a + Duration::seconds(len))).collect();
        let all = cal.working_minutes_between(from, to);
        let excluding = cal.working_minutes_between_excluding(from, to, &holds);
        prop_assert!(excluding <= all);
        for hold in &holds {
            prop_assert!(excluding <= cal.working_minutes_between_excluding(from, to, &[*hold]));
        }
        prop_assert_eq!(cal.working_minutes_between_excluding(from, to, &[(from, to)]), 0);
    }

    #[test]
    fn no_instant_inside_a_holiday_is_working_time(
        day in prop::sample::select(notice_holiday_dates()),
        second in 0u32..86_400,
    ) {
        let cal = china();
        let local = day.0.and_time(NaiveTime::MIN) + Duration::seconds(i64::from(second));
        let t = cal.tz().from_local_datetime(&local).single().expect("Shanghai has no DST").with_timezone(&Utc);
        prop_assert!(!cal.is_working_instant(t));
        prop_assert!(!cal.is_working_day(day.0));
    }

    #[test]
    fn the_2026_make_up_days_are_working_days(
        day in prop::sample::select(NOTICE_MAKE_UP_DAYS.to_vec()),
        minute in prop::sample::select((9 * 60..12 * 60).chain(13 * 60 + 30..18 * 60).collect::<Vec<u32>>()),
    ) {
        let cal = china();
        let d = date(2026, day.1 .0, day.1 .1);
        prop_assert!(cal.is_working_day(d));
        prop_assert_eq!(cal.kind_of_day(d), make_up(day.0));
        prop_assert!(cal.is_working_instant(sh(2026, d.month(), d.day(), minute / 60, minute % 60)));
    }

    #[test]
    fn counting_agrees_with_a_minute_by_minute_model(t in instant(), span in 0i64..4 * 24 * 3600) {
        let cal = china();
        let to = t + Duration::seconds(span);
        prop_assert_eq!(cal.working_minutes_between(t, to), reference_minutes_between(&cal, t, to));
    }

    #[test]
    fn in_any_zone_measuring_up_to_a_deadline_gives_back_the_minutes_added(
        cal in any_calendar(), t in instant(), n in 0u32..=20_000,
    ) {
        let due = cal.add_working_minutes(t, n);
        prop_assert_eq!(cal.working_minutes_between(t, due), n);
        if n > 0 {
            // The last minute counted is working time, and the deadline is as early as possible.
            prop_assert!(cal.is_working_instant(due - Duration::minutes(1)));
        }
    }

    #[test]
    fn in_any_zone_pieces_add_up_and_single_minutes_match_is_working_instant(
        cal in any_calendar(), a in instant(), b in instant(), c in instant(),
    ) {
        let mut v = [a, b, c];
        v.sort();
        let [a, b, c] = v;
        prop_assert_eq!(
            cal.working_minutes_between(a, b) + cal.working_minutes_between(b, c),
            cal.working_minutes_between(a, c)
        );
        prop_assert_eq!(
            cal.working_minutes_between(a, a + Duration::minutes(1)),
            u32::from(cal.is_working_instant(a))
        );
    }
}

#[test]
fn a_year_with_hours_of_its_own_counts_them_and_the_other_years_keep_theirs() {
    // 2027 works round the clock; 2026 keeps the office hours.
    let calendar = china().with_year_hours(2027, round_the_clock());
    assert_eq!(calendar.hours_in(2026), &WorkingHours::default());
    assert_eq!(calendar.hours_in(2027), &round_the_clock());
    // Saturday 2 January 2027 is a working day there; Saturday 5 December 2026 is not.
    assert!(calendar.is_working_day(date(2027, 1, 2)));
    assert_eq!(calendar.kind_of_day(date(2026, 12, 5)), DayKind::Weekend);
    // An hour from New Year's Eve at 17:30 (office hours): 30 minutes on the 31st, then the
    // first 30 of the new year, counted round the clock from midnight.
    assert_eq!(
        calendar.add_working_minutes(sh(2026, 12, 31, 17, 30), 60),
        sh(2027, 1, 1, 0, 30)
    );
    // Giving a year the common hours is the same as giving it none.
    assert_eq!(
        china().with_year_hours(2027, WorkingHours::default()),
        china()
    );
}

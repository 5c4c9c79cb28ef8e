//! Cron schedules: crontab syntax, weekday numbering, DST, misfire policy, and properties.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use gridloop_core::schedule::{
    due_occurrences, CronExpr, Fire, Misfire, Schedule, Skipped, DEFAULT_TZ,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// helpers

const NEW_YORK: Tz = chrono_tz::America::New_York;
const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

fn expr(text: &str) -> CronExpr {
    CronExpr::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn shanghai(text: &str) -> Schedule {
    Schedule::in_default_tz(expr(text))
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("valid UTC time")
}

fn local(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz)
        .format("%a %Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// The next `n` occurrences after `after`, as local times in the schedule's zone.
fn next_n(schedule: &Schedule, after: DateTime<Utc>, n: usize) -> Vec<String> {
    schedule
        .occurrences_between(after, utc(2100, 1, 1, 0, 0), n)
        .into_iter()
        .map(|t| local(schedule.tz, t))
        .collect()
}

fn error_of(text: &str) -> String {
    match CronExpr::parse(text) {
        Ok(e) => panic!("{text:?} should not parse, got {e:?}"),
        Err(e) => {
            assert_eq!(e.field(), "schedule");
            e.rule().to_string()
        }
    }
}

/// Friday 2026-03-13, 12:00 in Shanghai.
fn a_friday() -> DateTime<Utc> {
    utc(2026, 3, 13, 4, 0)
}

// ---------------------------------------------------------------------------------------------
// syntax and weekday numbering

#[test]
fn mon_at_nine_is_mondays_nine_in_shanghai_so_after_a_friday_comes_monday_01_utc() {
    let s = shanghai("0 9 * * MON");
    assert_eq!(s.tz, DEFAULT_TZ);
    assert_eq!(s.next_after(a_friday()), Some(utc(2026, 3, 16, 1, 0)));
    assert_eq!(
        next_n(&s, a_friday(), 2),
        ["Mon 2026-03-16 09:00:00 CST", "Mon 2026-03-23 09:00:00 CST"]
    );
}

#[test]
fn weekday_one_is_monday_as_in_crontab() {
    assert_eq!(
        shanghai("0 9 * * 1").next_after(a_friday()),
        Some(utc(2026, 3, 16, 1, 0))
    );
    assert_eq!(
        shanghai("0 9 * * mon").next_after(a_friday()),
        Some(utc(2026, 3, 16, 1, 0))
    );
}

#[test]
fn weekday_zero_and_seven_are_both_sunday() {
    for text in ["0 9 * * 0", "0 9 * * 7", "0 9 * * SUN"] {
        assert_eq!(
            next_n(&shanghai(text), a_friday(), 2),
            ["Sun 2026-03-15 09:00:00 CST", "Sun 2026-03-22 09:00:00 CST"],
            "{text}"
        );
    }
}

#[test]
fn one_to_five_and_mon_to_fri_are_the_working_week() {
    for text in [
        "0 9 * * 1-5",
        "0 9 * * mon-fri",
        "0 9 * * MON,TUE,WED,THU,FRI",
    ] {
        let days: Vec<Weekday> = shanghai(text)
            .occurrences_between(a_friday(), a_friday() + Duration::days(14), 100)
            .iter()
            .map(|t| t.with_timezone(&SHANGHAI).weekday())
            .collect();
        assert_eq!(days.len(), 10, "{text}");
        assert!(
            days.iter().all(|d| d.number_from_monday() <= 5),
            "{text}: {days:?}"
        );
    }
}

#[test]
fn five_to_seven_is_friday_saturday_sunday() {
    assert_eq!(
        next_n(&shanghai("0 9 * * 5-7"), a_friday(), 4),
        [
            "Sat 2026-03-14 09:00:00 CST",
            "Sun 2026-03-15 09:00:00 CST",
            "Fri 2026-03-20 09:00:00 CST",
            "Sat 2026-03-21 09:00:00 CST"
        ]
    );
}

#[test]
fn six_comma_zero_and_six_to_zero_are_the_weekend() {
    for text in [
        "0 9 * * 6,0",
        "0 9 * * 6-0",
        "0 9 * * SAT-SUN",
        "0 9 * * 6-7",
    ] {
        assert_eq!(
            next_n(&shanghai(text), a_friday(), 3),
            [
                "Sat 2026-03-14 09:00:00 CST",
                "Sun 2026-03-15 09:00:00 CST",
                "Sat 2026-03-21 09:00:00 CST"
            ],
            "{text}"
        );
    }
}

#[test]
fn a_weekday_range_may_wrap_past_sunday_and_steps_count_sunday_once() {
    // FRI-MON = Fri, Sat, Sun, Mon; 6-1/2 = Sat, Mon; */2 over 0-7 = Sun, Tue, Thu, Sat.
    let days = |text: &str| -> Vec<Weekday> {
        shanghai(text)
            .occurrences_between(a_friday(), a_friday() + Duration::days(7), 100)
            .iter()
            .map(|t| t.with_timezone(&SHANGHAI).weekday())
            .collect()
    };
    use Weekday::*;
    assert_eq!(days("0 9 * * FRI-MON"), [Sat, Sun, Mon, Fri]);
    assert_eq!(days("0 9 * * 6-1/2"), [Sat, Mon]);
    assert_eq!(days("0 9 * * */2"), [Sat, Sun, Tue, Thu]);
}

#[test]
fn six_fields_put_seconds_first() {
    assert_eq!(
        next_n(&shanghai("30 0 9 * * MON"), a_friday(), 1),
        ["Mon 2026-03-16 09:00:30 CST"]
    );
    assert_eq!(
        next_n(&shanghai("*/20 * * * * *"), a_friday(), 3),
        [
            "Fri 2026-03-13 12:00:20 CST",
            "Fri 2026-03-13 12:00:40 CST",
            "Fri 2026-03-13 12:01:00 CST"
        ]
    );
}

#[test]
fn weekly_is_sunday_midnight_and_daily_is_every_midnight() {
    assert_eq!(
        next_n(&shanghai("@weekly"), a_friday(), 2),
        ["Sun 2026-03-15 00:00:00 CST", "Sun 2026-03-22 00:00:00 CST"]
    );
    for text in ["@daily", "@midnight", "@DAILY"] {
        assert_eq!(
            next_n(&shanghai(text), a_friday(), 2),
            ["Sat 2026-03-14 00:00:00 CST", "Sun 2026-03-15 00:00:00 CST"],
            "{text}"
        );
    }
    assert_eq!(
        next_n(&shanghai("@hourly"), a_friday(), 1),
        ["Fri 2026-03-13 13:00:00 CST"]
    );
    assert_eq!(
        next_n(&shanghai("@monthly"), a_friday(), 1),
        ["Wed 2026-04-01 00:00:00 CST"]
    );
    assert_eq!(
        next_n(&shanghai("@yearly"), a_friday(), 1),
        ["Fri 2027-01-01 00:00:00 CST"]
    );
    assert_eq!(
        shanghai("@annually").next_after(a_friday()),
        shanghai("@yearly").next_after(a_friday())
    );
}

#[test]
fn month_names_ranges_steps_and_lists_work_together() {
    assert_eq!(
        next_n(&shanghai("15,45 8-10/2 1 jan-mar,DEC *"), a_friday(), 5),
        [
            "Tue 2026-12-01 08:15:00 CST",
            "Tue 2026-12-01 08:45:00 CST",
            "Tue 2026-12-01 10:15:00 CST",
            "Tue 2026-12-01 10:45:00 CST",
            "Fri 2027-01-01 08:15:00 CST"
        ]
    );
}

#[test]
fn when_both_day_fields_are_restricted_either_may_match_as_in_vixie_cron() {
    // The 1st of the month or any Monday.
    assert_eq!(
        next_n(&shanghai("0 9 1 * MON"), utc(2026, 3, 28, 0, 0), 3),
        [
            "Mon 2026-03-30 09:00:00 CST",
            "Wed 2026-04-01 09:00:00 CST",
            "Mon 2026-04-06 09:00:00 CST"
        ]
    );
    // A `*`-led day-of-month keeps both: odd days that are Mondays.
    assert_eq!(
        next_n(&shanghai("0 9 */2 * MON"), utc(2026, 3, 28, 0, 0), 2),
        ["Mon 2026-04-13 09:00:00 CST", "Mon 2026-04-27 09:00:00 CST"]
    );
}

#[test]
fn the_text_is_kept_for_display_and_serde() {
    let e = expr("  0 9 * * mon-fri ");
    assert_eq!(e.to_string(), "0 9 * * mon-fri");
    assert_eq!(
        serde_json::to_string(&e).expect("serialises"),
        "\"0 9 * * mon-fri\""
    );
    let back: CronExpr = serde_json::from_str("\"0 9 * * mon-fri\"").expect("deserialises");
    assert_eq!(back, e);
    let bad = serde_json::from_str::<CronExpr>("\"0 25 * * *\"");
    assert!(bad.is_err());

    let s = Schedule::new(expr("@weekly"), NEW_YORK);
    let json = serde_json::to_value(&s).expect("serialises");
    assert_eq!(
        json,
        serde_json::json!({"expr": "@weekly", "tz": "America/New_York"})
    );
    let default_zone: Schedule =
        serde_json::from_str(r#"{"expr": "0 9 * * 1"}"#).expect("deserialises");
    assert_eq!(default_zone.tz, SHANGHAI);
}

#[test]
fn invalid_lines_give_errors_naming_the_problem() {
    assert!(error_of("").contains("empty"));
    assert!(error_of("   ").contains("empty"));
    assert!(error_of("0 9 * *").contains("found 4"));
    assert!(error_of("0 0 9 * * MON 2026").contains("found 7"));
    assert_eq!(
        error_of("0 25 * * *"),
        "hour: a value is out of range (0-23)"
    );
    assert_eq!(
        error_of("0 9 * MON *"),
        "month: a value is not a month (1-12 or JAN-DEC)"
    );
    assert!(error_of("0 9 * * FUNDAY").starts_with("day of week: a value is not a weekday"));
    assert!(error_of("0 9 * * 8").starts_with("day of week: a value is out of range"));
    assert!(error_of("60 9 * * *").starts_with("minute: a value is out of range"));
    assert!(error_of("0 9 0 * *").starts_with("day of month: a value is out of range"));
    assert!(error_of("0 9 * 13 *").starts_with("month: a value is out of range"));
    assert!(error_of("0 17-9 * * *").contains("runs backwards"));
    assert!(error_of("*/0 * * * *").contains("at least 1"));
    assert!(error_of("1,,2 * * * *").contains("empty list item"));
    assert!(error_of("@reboot").contains("unknown alias"));
    assert!(error_of("0 0 30 2 *").contains("never fires"));
    assert!(error_of("0 9 * * 1-").contains("missing a value"));
}

// ---------------------------------------------------------------------------------------------
// daylight saving time

#[test]
fn a_daily_time_in_the_skipped_hour_runs_right_after_the_jump_and_normally_the_next_day() {
    let s = Schedule::new(expr("30 2 * * *"), NEW_YORK);
    assert_eq!(
        next_n(&s, utc(2026, 3, 7, 12, 0), 3),
        [
            "Sun 2026-03-08 03:00:00 EDT",
            "Mon 2026-03-09 02:30:00 EDT",
            "Tue 2026-03-10 02:30:00 EDT"
        ]
    );
    assert_eq!(
        s.next_after(utc(2026, 3, 8, 6, 0)),
        Some(utc(2026, 3, 8, 7, 0))
    );
}

#[test]
fn two_fixed_times_in_the_skipped_hour_run_once_at_the_jump() {
    let s = Schedule::new(expr("0,30 2 * * *"), NEW_YORK);
    assert_eq!(
        next_n(&s, utc(2026, 3, 8, 0, 0), 2),
        ["Sun 2026-03-08 03:00:00 EDT", "Mon 2026-03-09 02:00:00 EDT"]
    );
}

#[test]
fn a_daily_time_in_the_repeated_hour_fires_once_at_its_first_occurrence() {
    let s = Schedule::new(expr("30 1 * * *"), NEW_YORK);
    assert_eq!(
        next_n(&s, utc(2026, 10, 31, 12, 0), 2),
        ["Sun 2026-11-01 01:30:00 EDT", "Mon 2026-11-02 01:30:00 EST"]
    );
    // Asked from inside the repeated hour's second pass, the next run is the next day.
    assert_eq!(
        s.next_after(utc(2026, 11, 1, 6, 0)),
        Some(utc(2026, 11, 2, 6, 30))
    );
    assert_eq!(
        s.prev_before(utc(2026, 11, 2, 0, 0)),
        Some(utc(2026, 11, 1, 5, 30))
    );
}

#[test]
fn every_thirty_minutes_across_the_fall_back_fires_every_thirty_real_minutes() {
    let s = Schedule::new(expr("*/30 * * * *"), NEW_YORK);
    let from = utc(2026, 11, 1, 4, 0); // 00:00 EDT
    let times = s.occurrences_between(from, utc(2026, 11, 1, 8, 0), 100);
    assert_eq!(times.len(), 8);
    for pair in times.windows(2) {
        assert_eq!(pair[1] - pair[0], Duration::minutes(30));
    }
    assert_eq!(
        times
            .iter()
            .map(|t| local(NEW_YORK, *t))
            .collect::<Vec<_>>()[1..5],
        [
            "Sun 2026-11-01 01:00:00 EDT",
            "Sun 2026-11-01 01:30:00 EDT",
            "Sun 2026-11-01 01:00:00 EST",
            "Sun 2026-11-01 01:30:00 EST"
        ]
    );
}

#[test]
fn every_thirty_minutes_across_the_spring_forward_fires_every_thirty_real_minutes() {
    let s = Schedule::new(expr("*/30 * * * *"), NEW_YORK);
    let times = s.occurrences_between(utc(2026, 3, 8, 5, 0), utc(2026, 3, 8, 9, 0), 100);
    assert_eq!(times.len(), 8);
    for pair in times.windows(2) {
        assert_eq!(pair[1] - pair[0], Duration::minutes(30));
    }
}

#[test]
fn a_weekly_plan_in_shanghai_fires_on_its_weekday_through_the_national_day_week() {
    // 2026-10-01 is a Thursday and a public holiday; cron does not know or care.
    let s = shanghai("0 9 * * THU");
    assert_eq!(
        next_n(&s, utc(2026, 9, 20, 0, 0), 3),
        [
            "Thu 2026-09-24 09:00:00 CST",
            "Thu 2026-10-01 09:00:00 CST",
            "Thu 2026-10-08 09:00:00 CST"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// misfire

/// Mondays 09:00 Shanghai; last fired Monday 2026-03-02, down until Wednesday 2026-03-25:
/// missed 03-09, 03-16 and 03-23.
fn three_weeks_down(policy: Misfire) -> gridloop_core::schedule::Due {
    due_occurrences(
        &shanghai("0 9 * * MON"),
        Some(utc(2026, 3, 2, 1, 0)),
        utc(2026, 1, 1, 0, 0),
        utc(2026, 3, 25, 4, 0),
        policy,
    )
}

#[test]
fn skip_after_three_weeks_down_fires_none_and_advances_to_the_latest_missed() {
    let due = three_weeks_down(Misfire::Skip);
    assert!(due.fire.is_empty());
    assert_eq!(due.last_fired, Some(utc(2026, 3, 23, 1, 0)));
    assert_eq!(
        due.skipped,
        Some(Skipped {
            first: utc(2026, 3, 9, 1, 0),
            last: utc(2026, 3, 23, 1, 0),
            count: 3,
            count_truncated: false,
        })
    );
}

#[test]
fn fire_once_after_three_weeks_down_fires_exactly_the_latest_as_backfilled() {
    let due = three_weeks_down(Misfire::FireOnce);
    assert_eq!(
        due.fire,
        [Fire {
            at: utc(2026, 3, 23, 1, 0),
            backfilled: true
        }]
    );
    assert_eq!(due.last_fired, Some(utc(2026, 3, 23, 1, 0)));
    assert_eq!(
        due.skipped.map(|s| (s.first, s.count)),
        Some((utc(2026, 3, 9, 1, 0), 2))
    );
    assert_eq!(Misfire::default(), Misfire::FireOnce);
}

#[test]
fn fire_all_capped_at_two_fires_the_oldest_two_and_reports_the_skipped_one() {
    let due = three_weeks_down(Misfire::FireAll { cap: 2 });
    assert_eq!(
        due.fire,
        [
            Fire {
                at: utc(2026, 3, 9, 1, 0),
                backfilled: true
            },
            Fire {
                at: utc(2026, 3, 16, 1, 0),
                backfilled: true
            }
        ]
    );
    assert_eq!(
        due.skipped,
        Some(Skipped {
            first: utc(2026, 3, 23, 1, 0),
            last: utc(2026, 3, 23, 1, 0),
            count: 1,
            count_truncated: false,
        })
    );
    assert_eq!(due.last_fired, Some(utc(2026, 3, 23, 1, 0)));
}

#[test]
fn an_occurrence_exactly_at_now_is_on_time_not_backfilled() {
    let monday = utc(2026, 3, 16, 1, 0);
    let due = due_occurrences(
        &shanghai("0 9 * * MON"),
        Some(utc(2026, 3, 9, 1, 0)),
        utc(2026, 1, 1, 0, 0),
        monday,
        Misfire::Skip,
    );
    assert_eq!(
        due.fire,
        [Fire {
            at: monday,
            backfilled: false
        }]
    );
    assert_eq!(due.skipped, None);
    assert_eq!(due.last_fired, Some(monday));
}

#[test]
fn nothing_is_due_between_occurrences_and_a_new_schedule_counts_from_its_creation() {
    let s = shanghai("0 9 * * MON");
    let due = due_occurrences(
        &s,
        Some(utc(2026, 3, 16, 1, 0)),
        utc(2026, 1, 1, 0, 0),
        utc(2026, 3, 18, 0, 0),
        Misfire::FireOnce,
    );
    assert!(due.is_empty());
    assert_eq!(due.last_fired, Some(utc(2026, 3, 16, 1, 0)));

    let fresh = due_occurrences(
        &s,
        None,
        utc(2026, 3, 17, 0, 0),
        utc(2026, 3, 18, 0, 0),
        Misfire::FireAll { cap: 10 },
    );
    assert!(fresh.is_empty());
    assert_eq!(fresh.last_fired, None);
}

#[test]
fn the_misfire_policy_serialises_in_snake_case() {
    assert_eq!(
        serde_json::to_value(Misfire::FireOnce).expect("serialises"),
        "fire_once"
    );
    assert_eq!(
        serde_json::to_value(Misfire::FireAll { cap: 3 }).expect("serialises"),
        serde_json::json!({"fire_all": {"cap": 3}})
    );
    let skip: Misfire = serde_json::from_str("\"skip\"").expect("deserialises");
    assert_eq!(skip, Misfire::Skip);
}

// ---------------------------------------------------------------------------------------------
// properties

fn zone() -> impl Strategy<Value = Tz> {
    prop_oneof![
        Just(SHANGHAI),
        Just(NEW_YORK),
        Just(chrono_tz::Europe::London),
        Just(chrono_tz::Australia::Lord_Howe),
        Just(chrono_tz::UTC),
    ]
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 2020..2030, to the second.
    (1_577_836_800i64..1_893_456_000i64)
        .prop_map(|s| DateTime::from_timestamp(s, 0).expect("in range"))
}

/// A small set of values from `lo..=hi`, as a crontab list, and the set.
fn list(lo: u32, hi: u32) -> impl Strategy<Value = (String, Vec<u32>)> {
    prop::collection::btree_set(lo..=hi, 1..4).prop_map(|set| {
        let v: Vec<u32> = set.into_iter().collect();
        let text = v.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        (text, v)
    })
}

fn any_expr() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*/15 * * * *".to_owned()),
        Just("0 * * * *".to_owned()),
        Just("30 2 * * *".to_owned()),
        Just("30 1 * * *".to_owned()),
        Just("@weekly".to_owned()),
        Just("0 9 1 * MON".to_owned()),
        Just("*/7 */13 * * 6-0".to_owned()),
        (list(0, 59), list(0, 23), list(0, 7))
            .prop_map(|(m, h, d)| format!("{} {} * * {}", m.0, h.0, d.0)),
    ]
}

proptest! {
    #[test]
    fn next_after_is_strictly_increasing_and_only_returns_occurrences(
        text in any_expr(), tz in zone(), start in instant(),
    ) {
        let s = Schedule::new(expr(&text), tz);
        let mut after = start;
        for _ in 0..5 {
            let next = s.next_after(after).expect("a next occurrence before 2100");
            prop_assert!(next > after);
            prop_assert!(s.is_occurrence(next));
            prop_assert_eq!(s.prev_before(next + Duration::seconds(1)), Some(next));
            after = next;
        }
    }

    #[test]
    fn in_a_zone_without_dst_occurrences_match_the_fields_and_none_is_skipped(
        (minutes, hours, days) in (list(0, 59), list(0, 23), list(0, 7)),
        start in instant(),
    ) {
        let text = format!("{} {} * * {}", minutes.0, hours.0, days.0);
        let s = shanghai(&text);
        let days: Vec<u32> = days.1.iter().map(|d| d % 7).collect();
        let matches = |t: DateTime<Utc>| {
            let l = t.with_timezone(&SHANGHAI);
            l.second() == 0
                && minutes.1.contains(&l.minute())
                && hours.1.contains(&l.hour())
                && days.contains(&l.weekday().num_days_from_sunday())
        };
        let next = s.next_after(start).expect("a next occurrence");
        prop_assert!(matches(next), "{} is not an occurrence of {}", local(SHANGHAI, next), text);
        // No matching minute between `start` and `next`.
        let mut t = start.with_second(0).expect("valid") + Duration::minutes(1);
        while t < next {
            prop_assert!(!matches(t), "{} was skipped by {}", local(SHANGHAI, t), text);
            t += Duration::minutes(1);
        }
    }

    #[test]
    fn parsing_never_panics_on_any_string(text in ".{0,40}") {
        let _ = CronExpr::parse(&text);
    }

    #[test]
    fn parsing_never_panics_on_cron_shaped_strings(
        fields in prop::collection::vec("[0-9*/,A-Za-z@-]{1,8}", 0..8),
    ) {
        let _ = CronExpr::parse(&fields.join(" "));
    }

    #[test]
    fn searching_never_panics_at_the_ends_of_time(
        text in any_expr(), tz in zone(), secs in prop_oneof![
            Just(i64::MIN / 1_000_000),
            Just(-1i64),
            Just(4_102_444_800i64),
            Just(4_133_980_800i64),
            Just(8_210_298_412_799i64),
        ],
    ) {
        let s = Schedule::new(expr(&text), tz);
        if let Some(t) = DateTime::from_timestamp(secs, 0) {
            let _ = s.next_after(t);
            let _ = s.prev_before(t);
            let _ = s.occurrences_between(t, t + Duration::days(1), 3);
        }
        let _ = s.next_after(DateTime::<Utc>::MIN_UTC);
        let _ = s.next_after(DateTime::<Utc>::MAX_UTC);
        let _ = s.prev_before(DateTime::<Utc>::MIN_UTC);
        let _ = s.prev_before(DateTime::<Utc>::MAX_UTC);
    }
}

//! Weekly on-site visits (DESIGN.md, "Weekly on-site visits"): plans, materialising a
//! fortnight ahead on the cron schedule (public holidays skipped), windows and reminders across
//! daylight-saving changes, a visit's transitions, and when repeated misses call for an
//! escalation.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use gridloop_core::schedule::{CronExpr, Schedule};
use gridloop_core::visit::{CHECK_IN_EARLY_MINUTES, MATERIALISE_HORIZON_DAYS};
use gridloop_core::{
    check_in, complete, miss, misses_in_a_row, occurrences_to_materialise, reminder_at, window_end,
    Calendar, VisitError, VisitPlan, VisitStatus, VisitWindow, WorkingHours, ESCALATE_AFTER_MISSES,
};

const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;
const NEW_YORK: Tz = chrono_tz::America::New_York;

fn at(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("an unambiguous local time")
        .with_timezone(&Utc)
}

fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    at(SHANGHAI, y, mo, d, h, mi)
}

fn ny(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    at(NEW_YORK, y, mo, d, h, mi)
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("a valid UTC time")
}

fn mondays_at_nine(tz: Tz) -> VisitPlan {
    let expr = CronExpr::parse("0 9 * * MON").expect("a valid cron line");
    VisitPlan::on(Schedule::new(expr, tz))
}

fn china() -> Calendar {
    Calendar::default_china()
}

/// A New York calendar without holiday files: plain weeks.
fn new_york() -> Calendar {
    Calendar::new(NEW_YORK, WorkingHours::default())
}

// ---------------------------------------------------------------------------------------------
// Plans

#[test]
fn a_plan_defaults_to_a_four_hour_window_and_a_reminder_a_day_ahead() {
    let plan = mondays_at_nine(SHANGHAI);
    assert_eq!(plan.window_minutes(), 240);
    assert_eq!(plan.reminder_lead_minutes(), 1440);
    assert!(plan.is_active());

    let json = r#"{"schedule": {"expr": "0 9 * * MON", "tz": "Asia/Shanghai"}}"#;
    let read: VisitPlan = serde_json::from_str(json).expect("a plan with defaults");
    assert_eq!(read, plan);
    let round: VisitPlan = serde_json::from_str(&serde_json::to_string(&plan).expect("serialises"))
        .expect("reads back");
    assert_eq!(round, plan);
}

#[test]
fn a_plan_refuses_an_empty_window_and_windows_or_leads_longer_than_a_week() {
    let schedule = mondays_at_nine(SHANGHAI).schedule().clone();
    let field = |window, lead| {
        VisitPlan::new(schedule.clone(), window, lead, true)
            .expect_err("refused")
            .field()
    };
    assert_eq!(field(0, 60), "window_minutes");
    assert_eq!(field(7 * 24 * 60 + 1, 60), "window_minutes");
    assert_eq!(field(240, 7 * 24 * 60 + 1), "reminder_lead_minutes");
    VisitPlan::new(schedule.clone(), 7 * 24 * 60, 0, false).expect("a week-long window");
    let json = r#"{"schedule": {"expr": "0 9 * * MON"}, "window_minutes": 0}"#;
    assert!(serde_json::from_str::<VisitPlan>(json).is_err());
}

// ---------------------------------------------------------------------------------------------
// Materialising

#[test]
fn visits_are_materialised_a_fortnight_ahead_including_an_occurrence_exactly_at_the_horizon() {
    let plan = mondays_at_nine(SHANGHAI);
    // From Monday 16 March 2026, 09:00 exactly: that occurrence is not after `from`; 23 March
    // is, and 30 March 09:00 is exactly 14 days on, which is inside.
    let from = sh(2026, 3, 16, 9, 0);
    assert_eq!(
        occurrences_to_materialise(&plan, &china(), from, MATERIALISE_HORIZON_DAYS),
        vec![sh(2026, 3, 23, 9, 0), sh(2026, 3, 30, 9, 0)]
    );
    // A minute earlier, the fortnight holds 16 March itself and ends just before 30 March.
    assert_eq!(
        occurrences_to_materialise(
            &plan,
            &china(),
            from - Duration::minutes(1),
            MATERIALISE_HORIZON_DAYS
        ),
        vec![sh(2026, 3, 16, 9, 0), sh(2026, 3, 23, 9, 0)]
    );
}

#[test]
fn a_paused_plan_materialises_nothing() {
    let plan = mondays_at_nine(SHANGHAI);
    let paused = VisitPlan::new(plan.schedule().clone(), 240, 1440, false).expect("a plan");
    assert!(occurrences_to_materialise(&paused, &china(), sh(2026, 3, 16, 0, 0), 14).is_empty());
}

#[test]
fn a_weekly_visit_in_shanghai_skips_the_national_day_holiday_but_not_the_weeks_around_it() {
    let plan = mondays_at_nine(SHANGHAI);
    // The schedule itself has Monday 5 October 2026, inside the 1–7 October holiday …
    let mondays =
        plan.schedule()
            .occurrences_between(sh(2026, 9, 30, 0, 0), sh(2026, 10, 31, 23, 59), 10);
    assert_eq!(
        mondays,
        vec![
            sh(2026, 10, 5, 9, 0),
            sh(2026, 10, 12, 9, 0),
            sh(2026, 10, 19, 9, 0),
            sh(2026, 10, 26, 9, 0),
        ]
    );
    // … but the enterprise and the commissioner are off, so no visit is planned then and it
    // cannot be missed. 09:00 Shanghai is 01:00 UTC.
    assert_eq!(
        occurrences_to_materialise(&plan, &china(), sh(2026, 9, 30, 0, 0), 31),
        vec![
            utc(2026, 10, 12, 1, 0),
            utc(2026, 10, 19, 1, 0),
            utc(2026, 10, 26, 1, 0),
        ]
    );
    // The fortnight from Sunday 27 September: Monday 28 September, then nothing on 5 October.
    assert_eq!(
        occurrences_to_materialise(&plan, &china(), sh(2026, 9, 27, 12, 0), 14),
        vec![sh(2026, 9, 28, 9, 0)]
    );
    // The make-up Saturday 10 October is a working day on the calendar, but a Monday plan
    // does not grow a visit on it.
    assert!(
        !occurrences_to_materialise(&plan, &china(), sh(2026, 10, 6, 0, 0), 7)
            .contains(&sh(2026, 10, 10, 9, 0))
    );
}

#[test]
fn a_weekly_visit_in_new_york_stays_at_nine_local_across_both_daylight_saving_changes() {
    let plan = mondays_at_nine(NEW_YORK);
    // Clocks spring forward on Sunday 8 March 2026: 09:00 EST is 14:00 UTC, 09:00 EDT 13:00.
    assert_eq!(
        occurrences_to_materialise(&plan, &new_york(), ny(2026, 3, 1, 0, 0), 14),
        vec![utc(2026, 3, 2, 14, 0), utc(2026, 3, 9, 13, 0)]
    );
    // Clocks fall back on Sunday 1 November 2026.
    let autumn = occurrences_to_materialise(&plan, &new_york(), ny(2026, 10, 25, 0, 0), 14);
    assert_eq!(
        autumn,
        vec![utc(2026, 10, 26, 13, 0), utc(2026, 11, 2, 14, 0)]
    );
    for occurrence in &autumn {
        assert_eq!(
            occurrence
                .with_timezone(&NEW_YORK)
                .format("%H:%M")
                .to_string(),
            "09:00"
        );
    }
}

#[test]
fn windows_and_reminders_are_wall_clock_durations_from_the_occurrence() {
    let plan = mondays_at_nine(NEW_YORK);
    let monday = ny(2026, 3, 9, 9, 0);
    // The window: four real hours, 09:00–13:00 EDT.
    assert_eq!(
        window_end(monday, plan.window_minutes()),
        ny(2026, 3, 9, 13, 0)
    );
    assert_eq!(
        plan.window(monday),
        VisitWindow {
            starts_at: monday,
            ends_at: ny(2026, 3, 9, 13, 0)
        }
    );
    // The default reminder: 24 real hours earlier, Sunday 09:00 EDT (the clocks changed at
    // 02:00 that Sunday, before it).
    assert_eq!(plan.reminder_at(monday), ny(2026, 3, 8, 9, 0));
    assert_eq!(reminder_at(monday, 1440), utc(2026, 3, 8, 13, 0));
    // Two days ahead spans the change: 48 real hours before is Saturday 08:00 EST, not 09:00.
    assert_eq!(reminder_at(monday, 2 * 1440), ny(2026, 3, 7, 8, 0));
    // In Shanghai, no such surprise.
    let shanghai = sh(2026, 3, 16, 9, 0);
    assert_eq!(reminder_at(shanghai, 1440), sh(2026, 3, 15, 9, 0));
}

// ---------------------------------------------------------------------------------------------
// One visit

fn monday_window() -> VisitWindow {
    VisitWindow::new(sh(2026, 3, 16, 9, 0), 240)
}

#[test]
fn a_visit_status_reads_back_from_its_name() {
    for status in VisitStatus::ALL {
        assert_eq!(status.as_str().parse::<VisitStatus>(), Ok(status));
        assert_eq!(status.to_string(), status.as_str());
    }
    assert_eq!(VisitStatus::CheckedIn.as_str(), "checked_in");
    assert!("done".parse::<VisitStatus>().is_err());
}

#[test]
fn a_commissioner_may_check_in_from_an_hour_before_the_window_until_it_closes() {
    let window = monday_window();
    assert_eq!(CHECK_IN_EARLY_MINUTES, 60);
    assert_eq!(
        check_in(VisitStatus::Planned, sh(2026, 3, 16, 7, 59), &window),
        Err(VisitError::TooEarly {
            opens_at: sh(2026, 3, 16, 8, 0)
        })
    );
    for ok in [
        sh(2026, 3, 16, 8, 0),
        sh(2026, 3, 16, 9, 0),
        sh(2026, 3, 16, 12, 59),
    ] {
        assert_eq!(
            check_in(VisitStatus::Planned, ok, &window),
            Ok(VisitStatus::CheckedIn)
        );
    }
    assert_eq!(
        check_in(VisitStatus::Planned, sh(2026, 3, 16, 13, 0), &window),
        Err(VisitError::WindowClosed {
            closed_at: sh(2026, 3, 16, 13, 0)
        })
    );
    assert_eq!(
        check_in(VisitStatus::CheckedIn, sh(2026, 3, 16, 10, 0), &window),
        Err(VisitError::NoSuchTransition {
            action: "check in",
            status: VisitStatus::CheckedIn
        })
    );
}

#[test]
fn a_checked_in_visit_may_be_written_up_after_its_window_but_a_planned_one_is_then_missed() {
    let window = monday_window();
    let after = sh(2026, 3, 16, 15, 0);
    assert_eq!(
        complete(VisitStatus::CheckedIn, after, &window),
        Ok(VisitStatus::Completed)
    );
    assert_eq!(
        complete(VisitStatus::Planned, sh(2026, 3, 16, 11, 0), &window),
        Ok(VisitStatus::Completed)
    );
    assert_eq!(
        complete(VisitStatus::Planned, after, &window),
        Err(VisitError::WindowClosed {
            closed_at: sh(2026, 3, 16, 13, 0)
        })
    );
    for done in [VisitStatus::Completed, VisitStatus::Missed] {
        assert_eq!(
            complete(done, sh(2026, 3, 16, 11, 0), &window),
            Err(VisitError::NoSuchTransition {
                action: "complete",
                status: done
            })
        );
    }
}

#[test]
fn only_a_visit_still_planned_when_its_window_closes_is_missed() {
    let end = monday_window().ends_at;
    assert_eq!(
        miss(VisitStatus::Planned, end - Duration::minutes(1), end),
        Err(VisitError::StillOpen { closes_at: end })
    );
    assert_eq!(
        miss(VisitStatus::Planned, end, end),
        Ok(VisitStatus::Missed)
    );
    for made in [
        VisitStatus::CheckedIn,
        VisitStatus::Completed,
        VisitStatus::Missed,
    ] {
        assert_eq!(
            miss(made, end + Duration::hours(1), end),
            Err(VisitError::NoSuchTransition {
                action: "miss",
                status: made
            })
        );
    }
}

#[test]
fn two_misses_in_a_row_call_for_an_escalation() {
    use VisitStatus::*;
    assert_eq!(ESCALATE_AFTER_MISSES, 2);
    assert_eq!(misses_in_a_row([]), 0);
    assert_eq!(misses_in_a_row([Completed, Missed, Missed]), 0);
    assert_eq!(misses_in_a_row([Missed, Completed, Missed]), 1);
    assert_eq!(misses_in_a_row([Missed, Missed, Completed, Missed]), 2);
    assert_eq!(misses_in_a_row([Missed, Missed, Missed]), 3);
    // A visit that was made, even if not yet written up, ends the run.
    assert_eq!(misses_in_a_row([Missed, CheckedIn, Missed]), 1);
    // Upcoming visits, not yet due, are passed over.
    assert_eq!(misses_in_a_row([Planned, Planned, Missed, Missed]), 2);

    // Four weeks in Shanghai from 15 March: Monday 6 April is the Qingming holiday, so three
    // visits: made, missed, missed. The second miss escalates.
    let plan = mondays_at_nine(SHANGHAI);
    let occurrences = occurrences_to_materialise(&plan, &china(), sh(2026, 3, 15, 0, 0), 28);
    assert_eq!(
        occurrences,
        vec![
            sh(2026, 3, 16, 9, 0),
            sh(2026, 3, 23, 9, 0),
            sh(2026, 3, 30, 9, 0)
        ]
    );
    let mut history: Vec<VisitStatus> = Vec::new(); // newest first
    let mut escalated_at = None;
    for (week, &occurrence) in occurrences.iter().enumerate() {
        let window = plan.window(occurrence);
        let status = if week == 0 {
            let checked = check_in(Planned, occurrence, &window).expect("checked in");
            complete(checked, occurrence + Duration::hours(1), &window).expect("completed")
        } else {
            miss(Planned, window.ends_at, window.ends_at).expect("missed")
        };
        history.insert(0, status);
        if escalated_at.is_none()
            && misses_in_a_row(history.iter().copied()) >= ESCALATE_AFTER_MISSES
        {
            escalated_at = Some(occurrence);
        }
    }
    assert_eq!(escalated_at, Some(sh(2026, 3, 30, 9, 0)));
}

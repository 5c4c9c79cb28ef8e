//! Escalation (DESIGN.md, "Escalation is orthogonal to state"): the per-category ladder, the
//! due-soon and escalation timers of a deadline watch on the 2026 China calendar, when a timer
//! stops applying, and `Workflow::escalate` as a system step recorded as an event.
//!
//! As in the lifecycle tests, issues are only placed in a state by walking real actions
//! through the workflow; every expected instant is worked out by hand in a comment, on the
//! default office hours Mon–Fri 09:00–12:00 + 13:30–18:00 (450 minutes a day).

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc, Weekday};
use gridloop_core::{
    available_actions, plan_timers, working_day_minutes, Action, Actor, Audience, Calendar,
    CategoryId, Change, Deadline, Description, Effect, EnterpriseId, EscalationLadder,
    EscalationRefused, Event, GridId, Issue, IssueId, Note, NotificationKind, Priority, Reason,
    Report, Role, Share, Sla, Source, Status, Step, Timer, TimerKind, Title, TransitionError,
    UnitId, UserId, Workflow, WorkingHours,
};

// ---------------------------------------------------------------------------------------------
// Values and people

fn unit(n: i64) -> UnitId {
    UnitId::new(n).expect("a positive unit id")
}

fn reason(text: &str) -> Reason {
    Reason::parse(text).expect("a valid reason")
}

fn sla(response: u32, resolve: u32) -> Sla {
    Sla::new(response, resolve).expect("a valid SLA")
}

/// Shanghai local time.
fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("an unambiguous Shanghai time")
        .with_timezone(&Utc)
}

fn calendar() -> Calendar {
    Calendar::default_china()
}

/// Holds every role, attached to grid 1, units 1 and 2 and enterprise 1: only the table and
/// the preconditions decide.
fn boss() -> Actor {
    Actor {
        user: UserId::new(100).expect("a user id"),
        roles: Role::ALL.to_vec(),
        grids: vec![GridId::new(1).expect("a grid id")],
        units: vec![unit(1), unit(2)],
        enterprises: vec![EnterpriseId::new(1).expect("an enterprise id")],
    }
}

fn ladder() -> EscalationLadder {
    EscalationLadder::default()
}

fn step(level: u8, after_working_minutes: u32) -> Step {
    Step {
        level,
        after_working_minutes,
    }
}

// ---------------------------------------------------------------------------------------------
// Walking an issue

/// An issue and its history, advanced only through the workflow.
struct Walk {
    wf: Workflow,
    issue: Issue,
    events: Vec<Event>,
}

impl Walk {
    /// Reported half an hour before `at`, accepted, and assigned to unit 1 at `at`.
    fn assigned(at: DateTime<Utc>, terms: Sla) -> Self {
        let wf = Workflow::new(calendar());
        let report = Report {
            title: Title::parse("Power line to be moved for the new casting shop").expect("title"),
            description: Description::parse("").expect("an empty description"),
            category: CategoryId::new(1).expect("a category id"),
            priority: Priority::Normal,
            grid: GridId::new(1).expect("a grid id"),
            enterprise: EnterpriseId::new(1).expect("an enterprise id"),
            source: Source::Web,
        };
        let (event, _) = wf
            .report(report, &boss(), at - Duration::minutes(30))
            .expect("the report is accepted");
        let issue = Issue::open(IssueId::new(7).expect("an issue id"), &event).expect("opened");
        let mut walk = Self {
            wf,
            issue,
            events: vec![event],
        };
        walk.act(
            Action::Accept {
                category: None,
                priority: None,
            },
            at - Duration::minutes(20),
        );
        walk.act(
            Action::Assign {
                unit: unit(1),
                sla: terms,
            },
            at,
        );
        walk
    }

    fn act(&mut self, action: Action, at: DateTime<Utc>) {
        let kind = action.kind();
        let decision = self
            .wf
            .apply(&self.issue, action, &boss(), at)
            .unwrap_or_else(|e| panic!("{kind} was refused: {e}"));
        self.issue = decision.issue;
        self.events.push(decision.event);
    }

    fn escalate(&mut self, level: u8, at: DateTime<Utc>) -> Vec<Effect> {
        let decision = self
            .wf
            .escalate(&self.issue, level, at)
            .unwrap_or_else(|e| panic!("escalating to level {level} was refused: {e}"));
        self.issue = decision.issue;
        self.events.push(decision.event);
        decision.effects
    }

    fn plan(&self, armed_at: DateTime<Utc>) -> Vec<Timer> {
        plan_timers(
            &self.issue,
            armed_at,
            self.wf.calendar(),
            &ladder(),
            Share::default(),
        )
    }
}

/// `(kind, fire_at)` of each timer, in order.
fn schedule_of(timers: &[Timer]) -> Vec<(TimerKind, DateTime<Utc>)> {
    timers.iter().map(|t| (t.kind, t.fire_at)).collect()
}

const RESPONSE_SOON: TimerKind = TimerKind::DueSoon {
    deadline: Deadline::Response,
};
const RESOLVE_SOON: TimerKind = TimerKind::DueSoon {
    deadline: Deadline::Resolve,
};

fn escalate_to(level: u8) -> TimerKind {
    TimerKind::Escalate { level }
}

/// Monday 16 March 2026, 09:00: an ordinary working morning, far from holidays.
fn monday_morning() -> DateTime<Utc> {
    sh(2026, 3, 16, 9, 0)
}

// ---------------------------------------------------------------------------------------------
// The ladder

#[test]
fn the_standard_ladder_tells_the_head_at_the_deadline_then_supervisors_and_admins_days_later() {
    // The default hours make a 450-minute day: 3 h in the morning, 4.5 h in the afternoon.
    assert_eq!(
        ladder().steps(),
        &[step(1, 0), step(2, 450), step(3, 3 * 450)]
    );
    assert_eq!(
        EscalationLadder::standard(calendar().hours()),
        EscalationLadder::default()
    );
}

#[test]
fn a_working_day_is_the_most_common_daily_total_of_the_week() {
    let nine_to_five = NaiveTime::from_hms_opt(9, 0, 0).zip(NaiveTime::from_hms_opt(17, 0, 0));
    let (nine, five) = nine_to_five.expect("valid times");
    let eight_hours = WorkingHours::from_periods(
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ]
        .map(|d| (d, vec![(nine, five)])),
    )
    .expect("valid hours");
    assert_eq!(working_day_minutes(&eight_hours), 480);
    assert_eq!(
        EscalationLadder::standard(&eight_hours).steps(),
        &[step(1, 0), step(2, 480), step(3, 1440)]
    );

    // A Saturday morning does not make the normal day shorter.
    let noon = NaiveTime::from_hms_opt(12, 0, 0).expect("noon");
    let with_saturday = WorkingHours::from_periods(
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ]
        .map(|d| (d, vec![(nine, five)]))
        .into_iter()
        .chain([(Weekday::Sat, vec![(nine, noon)])]),
    )
    .expect("valid hours");
    assert_eq!(working_day_minutes(&with_saturday), 480);
    assert_eq!(working_day_minutes(&WorkingHours::default()), 450);
}

#[test]
fn a_ladder_must_climb_from_level_one_to_three_without_going_back_in_time() {
    let refused = |steps: Vec<Step>| {
        let err = EscalationLadder::new(steps.clone())
            .expect_err(&format!("{steps:?} should be refused"));
        assert_eq!(err.field(), "escalation");
        err.rule().to_string()
    };
    assert!(refused(vec![]).contains("at least one step"));
    assert!(refused(vec![step(0, 0)]).contains("not a level"));
    assert!(refused(vec![step(4, 0)]).contains("not a level"));
    assert!(refused(vec![step(1, 0), step(1, 450)]).contains("levels must increase"));
    assert!(refused(vec![step(2, 0), step(1, 450)]).contains("levels must increase"));
    assert!(refused(vec![step(1, 450), step(2, 0)]).contains("cannot come before"));
    assert!(refused(vec![step(1, 10_000_000)]).contains("working year"));

    // Skipping a level, and two levels at once, are allowed.
    EscalationLadder::new(vec![step(2, 0)]).expect("straight to the supervisors");
    EscalationLadder::new(vec![step(1, 0), step(2, 0), step(3, 900)]).expect("same instant");
}

#[test]
fn a_ladder_is_stored_as_json_and_checked_when_read_back() {
    let json = serde_json::to_string(&ladder()).expect("serialises");
    assert_eq!(
        json,
        r#"{"steps":[{"level":1,"after_working_minutes":0},{"level":2,"after_working_minutes":450},{"level":3,"after_working_minutes":1350}]}"#
    );
    let back: EscalationLadder = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, ladder());
    let bad = r#"{"steps":[{"level":2,"after_working_minutes":0},{"level":1,"after_working_minutes":5}]}"#;
    assert!(serde_json::from_str::<EscalationLadder>(bad).is_err());
}

#[test]
fn the_due_soon_share_is_a_percentage_from_1_to_99_and_75_by_default() {
    assert_eq!(Share::default().percent(), 75);
    assert!(Share::new(0).is_err());
    assert!(Share::new(100).is_err());
    assert_eq!(Share::new(1).expect("1%").percent(), 1);
    assert_eq!(Share::new(99).expect("99%").percent(), 99);
    assert_eq!(
        serde_json::from_str::<Share>("80").expect("80%").percent(),
        80
    );
    assert!(serde_json::from_str::<Share>("100").is_err());
    // Rounded up to a whole minute: 75% of 450 is 337.5.
    assert_eq!(Share::default().of(450), 338);
    assert_eq!(Share::default().of(60), 45);
}

// ---------------------------------------------------------------------------------------------
// Planning a watch

#[test]
fn an_assignment_on_an_ordinary_monday_plans_two_reminders_and_three_escalations() {
    // Assigned Monday 09:00 with 60/450: response due 10:00, resolution due Monday 18:00.
    let walk = Walk::assigned(monday_morning(), sla(60, 450));
    assert_eq!(walk.issue.resolve_due_at, Some(sh(2026, 3, 16, 18, 0)));
    assert_eq!(
        schedule_of(&walk.plan(monday_morning())),
        vec![
            // 75% of 60 = 45 minutes: 09:45.
            (RESPONSE_SOON, sh(2026, 3, 16, 9, 45)),
            // 75% of 450 = 338 minutes: 09:00–12:00 (180) + 13:30–16:08 (158).
            (RESOLVE_SOON, sh(2026, 3, 16, 16, 8)),
            // At the deadline.
            (escalate_to(1), sh(2026, 3, 16, 18, 0)),
            // One working day later: Tuesday 09:00–12:00 + 13:30–18:00.
            (escalate_to(2), sh(2026, 3, 17, 18, 0)),
            // Three working days later: Tuesday, Wednesday, Thursday.
            (escalate_to(3), sh(2026, 3, 19, 18, 0)),
        ]
    );
}

#[test]
fn escalations_after_a_deadline_on_the_eve_of_national_day_skip_the_holiday_and_count_the_make_up_saturday(
) {
    // Wednesday 30 September 2026, 13:30, with 60/240: resolution due 17:30 the same day.
    // 1–7 October is the National Day holiday; Saturday 10 October is a working day (调休).
    let walk = Walk::assigned(sh(2026, 9, 30, 13, 30), sla(60, 240));
    assert_eq!(walk.issue.resolve_due_at, Some(sh(2026, 9, 30, 17, 30)));
    assert_eq!(
        schedule_of(&walk.plan(sh(2026, 9, 30, 13, 30))),
        vec![
            // 45 of 60 response minutes: 14:15.
            (RESPONSE_SOON, sh(2026, 9, 30, 14, 15)),
            // 180 of 240 minutes: 16:30.
            (RESOLVE_SOON, sh(2026, 9, 30, 16, 30)),
            (escalate_to(1), sh(2026, 9, 30, 17, 30)),
            // +450: 30 Sep 17:30–18:00 (30), then nothing until Thursday 8 Oct: 09:00–12:00
            // (180) + 13:30–17:30 (240).
            (escalate_to(2), sh(2026, 10, 8, 17, 30)),
            // +1350: 30 + 8 Oct (450) + 9 Oct (450) + the make-up Saturday 10 Oct 09:00–12:00
            // (180) + 13:30–17:30 (240). Without the make-up day it would be Monday 12 Oct.
            (escalate_to(3), sh(2026, 10, 10, 17, 30)),
        ]
    );
}

#[test]
fn every_escalation_timer_fires_when_the_issue_is_overdue_and_the_escalation_is_accepted() {
    for (at, terms) in [
        (monday_morning(), sla(60, 450)),
        (sh(2026, 9, 30, 13, 30), sla(60, 240)),
        // Friday 17:00: the resolution clock runs over the weekend.
        (sh(2026, 3, 13, 17, 0), sla(90, 450)),
        // Before the Spring Festival, across the make-up Saturday 14 Feb.
        (sh(2026, 2, 13, 17, 0), sla(60, 900)),
    ] {
        let mut walk = Walk::assigned(at, terms);
        walk.act(Action::Start, at + Duration::minutes(5));
        let due = walk.issue.resolve_due_at.expect("a resolution deadline");
        assert!(!walk.issue.is_overdue(due - Duration::minutes(1)));
        for timer in walk.plan(at) {
            let TimerKind::Escalate { level } = timer.kind else {
                continue;
            };
            assert!(
                walk.issue.is_overdue(timer.fire_at),
                "level {level} fires at {} but the issue due {due} is not overdue then",
                timer.fire_at
            );
            assert!(timer.still_applies(&walk.issue));
            walk.escalate(level, timer.fire_at);
            assert_eq!(walk.issue.escalation_level, level);
            assert!(!timer.still_applies(&walk.issue));
        }
        assert_eq!(walk.issue.escalation_level, 3);
    }
}

#[test]
fn planning_the_same_watch_twice_gives_the_same_unique_keys() {
    let walk = Walk::assigned(monday_morning(), sla(60, 450));
    let first = walk.plan(monday_morning());
    let again = walk.plan(monday_morning());
    let keys = |timers: &[Timer]| timers.iter().map(Timer::key).collect::<Vec<_>>();
    assert_eq!(keys(&first), keys(&again));
    // The resolution deadline, Monday 18:00 in Shanghai, is 10:00 UTC: 1773655200.
    let resolve = sh(2026, 3, 16, 18, 0).timestamp();
    assert_eq!(resolve, 1_773_655_200);
    let response = sh(2026, 3, 16, 10, 0).timestamp();
    assert_eq!(
        keys(&first),
        vec![
            format!("sla:7:1:{response}:due_soon:response"),
            format!("sla:7:1:{resolve}:due_soon:resolve"),
            format!("sla:7:1:{resolve}:escalate:1"),
            format!("sla:7:1:{resolve}:escalate:2"),
            format!("sla:7:1:{resolve}:escalate:3"),
        ]
    );
    // Another due-soon share moves the reminders but names the same timers.
    let at_half = plan_timers(
        &walk.issue,
        monday_morning(),
        walk.wf.calendar(),
        &ladder(),
        Share::new(50).expect("50%"),
    );
    assert_eq!(keys(&at_half), keys(&first));
    assert_eq!(at_half[0].fire_at, sh(2026, 3, 16, 9, 30));
}

#[test]
fn a_timer_survives_a_round_trip_through_a_json_job_payload() {
    let walk = Walk::assigned(monday_morning(), sla(60, 450));
    for timer in walk.plan(monday_morning()) {
        let json = serde_json::to_string(&timer).expect("serialises");
        let back: Timer = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, timer);
        assert_eq!(back.key(), timer.key());
        assert!(back.still_applies(&walk.issue));
    }
    let escalation = walk
        .plan(monday_morning())
        .into_iter()
        .find(|t| t.kind == escalate_to(2))
        .expect("a level-2 timer");
    assert_eq!(
        serde_json::to_value(&escalation).expect("serialises"),
        serde_json::json!({
            "issue": 7,
            "unit": 1,
            "due_at": "2026-03-16T10:00:00Z",
            "kind": {"timer": "escalate", "level": 2},
            "fire_at": "2026-03-17T10:00:00Z",
        })
    );
}

#[test]
fn an_issue_whose_clock_does_not_run_needs_no_timers() {
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    walk.act(Action::Start, sh(2026, 3, 16, 9, 10));
    walk.act(
        Action::Hold {
            reason: reason("waiting for the power supplier's crew"),
        },
        sh(2026, 3, 16, 9, 20),
    );
    assert!(walk.plan(sh(2026, 3, 16, 9, 20)).is_empty());

    let accepted = Walk::assigned(monday_morning(), sla(60, 450));
    let mut back = accepted;
    back.act(
        Action::Return {
            reason: reason("not ours: the power supplier owns that line"),
        },
        sh(2026, 3, 16, 9, 30),
    );
    assert_eq!(back.issue.status, Status::Accepted);
    assert!(back.plan(sh(2026, 3, 16, 9, 30)).is_empty());
}

// ---------------------------------------------------------------------------------------------
// When a timer stops applying

fn resolve_timers(timers: &[Timer]) -> Vec<&Timer> {
    timers.iter().filter(|t| t.kind != RESPONSE_SOON).collect()
}

#[test]
fn the_response_reminder_stops_applying_once_the_unit_starts() {
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    let timers = walk.plan(monday_morning());
    walk.act(Action::Start, sh(2026, 3, 16, 9, 30));
    for timer in &timers {
        assert_eq!(
            timer.still_applies(&walk.issue),
            timer.kind != RESPONSE_SOON,
            "{}",
            timer.key()
        );
    }
    // Re-planned after the start: the same resolution timers, no response reminder.
    let replanned = walk.plan(monday_morning());
    assert_eq!(
        replanned.iter().collect::<Vec<_>>(),
        resolve_timers(&timers)
    );
}

#[test]
fn a_granted_extension_makes_the_resolution_timers_stale_and_plans_new_ones() {
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    walk.act(Action::Start, sh(2026, 3, 16, 9, 10));
    let before = walk.plan(monday_morning());
    walk.act(
        Action::ExtendRequest {
            until: sh(2026, 3, 20, 18, 0),
            reason: reason("the transformer arrives on Friday"),
        },
        sh(2026, 3, 16, 15, 0),
    );
    // A pending request changes nothing yet.
    assert!(before.iter().all(|t| t.still_applies(&walk.issue)));
    walk.act(Action::ExtendGrant { until: None }, sh(2026, 3, 16, 16, 0));
    assert!(before.iter().all(|t| !t.still_applies(&walk.issue)));

    let after = walk.plan(sh(2026, 3, 16, 16, 0));
    let new_due = sh(2026, 3, 20, 18, 0);
    assert!(after.iter().all(|t| t.due_at == new_due));
    assert!(after
        .iter()
        .all(|t| before.iter().all(|b| b.key() != t.key())));
    // The reminder counts the time the extension actually gives, from the grant on Monday
    // 16:00: Mon 16:00–18:00 (120) + Tue–Fri (4 × 450) = 1920; 75% is 1440 minutes: Mon 120,
    // Tue 450, Wed 450, Thu 420 → Thursday 09:00–12:00 + 13:30–17:30.
    assert_eq!(
        schedule_of(&after)[0],
        (RESOLVE_SOON, sh(2026, 3, 19, 17, 30))
    );
}

#[test]
fn a_resume_moves_the_deadline_so_old_timers_stop_applying_and_the_reminder_counts_the_time_left() {
    // Assigned Monday 09:00 with 60/450: due Monday 18:00. Started 09:10, on hold 11:00–14:30
    // (120 working minutes across lunch): due Tuesday 11:00.
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    walk.act(Action::Start, sh(2026, 3, 16, 9, 10));
    let before = walk.plan(monday_morning());
    walk.act(
        Action::Hold {
            reason: reason("waiting for the road-works permit"),
        },
        sh(2026, 3, 16, 11, 0),
    );
    assert!(before.iter().all(|t| !t.still_applies(&walk.issue)));
    let resumed_at = sh(2026, 3, 16, 14, 30);
    walk.act(Action::Resume, resumed_at);
    assert_eq!(walk.issue.resolve_due_at, Some(sh(2026, 3, 17, 11, 0)));
    assert!(before.iter().all(|t| !t.still_applies(&walk.issue)));

    let after = walk.plan(resumed_at);
    assert!(after
        .iter()
        .all(|t| before.iter().all(|b| b.key() != t.key())));
    assert_eq!(
        schedule_of(&after),
        vec![
            // Time actually left at the resume: Mon 14:30–18:00 (210) + Tue 09:00–11:00 (120)
            // = 330; 75% is 248 minutes: Mon 210 + Tue 09:00–09:38.
            (RESOLVE_SOON, sh(2026, 3, 17, 9, 38)),
            (escalate_to(1), sh(2026, 3, 17, 11, 0)),
            // Tue 11:00–12:00 (60) + 13:30–18:00 (270) + Wed 09:00–11:00 (120).
            (escalate_to(2), sh(2026, 3, 18, 11, 0)),
            (escalate_to(3), sh(2026, 3, 20, 11, 0)),
        ]
    );
}

#[test]
fn a_resume_after_the_deadline_plans_no_reminder_and_no_level_already_reached() {
    // Due Monday 18:00; escalated to level 1 then; put on hold Tuesday 10:00 and resumed
    // Tuesday 11:00, an hour later: the deadline moves by 60 working minutes to Tuesday 10:00,
    // still in the past when the unit resumes.
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    walk.act(Action::Start, sh(2026, 3, 16, 9, 10));
    walk.escalate(1, sh(2026, 3, 16, 18, 0));
    walk.act(
        Action::Hold {
            reason: reason("waiting for the road-works permit"),
        },
        sh(2026, 3, 17, 10, 0),
    );
    walk.act(Action::Resume, sh(2026, 3, 17, 11, 0));
    assert_eq!(walk.issue.resolve_due_at, Some(sh(2026, 3, 17, 10, 0)));
    // Resuming does not forgive lateness: the level reached stays.
    assert_eq!(walk.issue.escalation_level, 1);
    assert_eq!(
        schedule_of(&walk.plan(sh(2026, 3, 17, 11, 0))),
        vec![
            // Tuesday 10:00 + 450: Wednesday 10:00; + 1350: Friday 10:00.
            (escalate_to(2), sh(2026, 3, 18, 10, 0)),
            (escalate_to(3), sh(2026, 3, 20, 10, 0)),
        ]
    );
}

#[test]
fn a_reassignment_makes_every_timer_of_the_old_unit_stale() {
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    let before = walk.plan(monday_morning());
    walk.act(
        Action::Reassign {
            unit: unit(2),
            reason: None,
        },
        sh(2026, 3, 16, 9, 30),
    );
    assert!(before.iter().all(|t| !t.still_applies(&walk.issue)));
    let after = walk.plan(sh(2026, 3, 16, 9, 30));
    assert!(after.iter().all(|t| t.unit == unit(2)));
    assert!(after.iter().all(|t| t.key().starts_with("sla:7:2:")));
    assert_eq!(after.len(), 5);
}

#[test]
fn resolving_makes_every_timer_stale() {
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    walk.act(Action::Start, sh(2026, 3, 16, 9, 10));
    let before = walk.plan(monday_morning());
    walk.act(
        Action::Resolve {
            note: Note::parse("line moved, power restored").expect("a note"),
            public_note: None,
        },
        sh(2026, 3, 16, 15, 0),
    );
    assert!(before.iter().all(|t| !t.still_applies(&walk.issue)));
    assert!(walk.plan(sh(2026, 3, 16, 15, 0)).is_empty());
}

#[test]
fn a_timer_for_another_issue_never_applies() {
    let walk = Walk::assigned(monday_morning(), sla(60, 450));
    let mut timer = walk.plan(monday_morning())[2].clone();
    assert!(timer.still_applies(&walk.issue));
    timer.issue = IssueId::new(8).expect("an issue id");
    assert!(!timer.still_applies(&walk.issue));
}

// ---------------------------------------------------------------------------------------------
// Escalating

#[test]
fn escalating_records_a_system_event_that_keeps_the_status_and_tells_each_level_its_audience() {
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    walk.act(Action::Start, sh(2026, 3, 16, 9, 10));
    let version = walk.issue.version;

    let effects = walk.escalate(1, sh(2026, 3, 16, 18, 0));
    let event = walk.events.last().expect("an event");
    assert_eq!(event.actor, None);
    assert_eq!(event.from, Some(Status::InProgress));
    assert_eq!(event.to, Status::InProgress);
    assert_eq!(event.version, version + 1);
    assert_eq!(event.change.kind(), "escalated");
    assert_eq!(
        event.change,
        Change::Escalated {
            level: 1,
            overdue_minutes: 0
        }
    );
    assert_eq!(
        effects,
        vec![Effect::Notify {
            audience: Audience::UnitHead(unit(1)),
            kind: NotificationKind::Escalated
        }]
    );

    // Tuesday 18:00: a whole working day overdue.
    let effects = walk.escalate(2, sh(2026, 3, 17, 18, 0));
    assert_eq!(
        walk.events.last().map(|e| e.change.clone()),
        Some(Change::Escalated {
            level: 2,
            overdue_minutes: 450
        })
    );
    assert_eq!(
        effects,
        vec![Effect::Notify {
            audience: Audience::Supervisors,
            kind: NotificationKind::Escalated
        }]
    );

    let effects = walk.escalate(3, sh(2026, 3, 19, 18, 0));
    assert_eq!(
        effects,
        vec![Effect::Notify {
            audience: Audience::Admins,
            kind: NotificationKind::Escalated
        }]
    );
    assert_eq!(walk.issue.escalation_level, 3);
    assert_eq!(walk.issue.status, Status::InProgress);
}

#[test]
fn an_unanswered_issue_counts_its_lateness_from_the_missed_response() {
    // Response due 10:00, never started; at 11:30 the issue is 90 working minutes late.
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    walk.escalate(1, sh(2026, 3, 16, 11, 30));
    assert_eq!(
        walk.events.last().map(|e| e.change.clone()),
        Some(Change::Escalated {
            level: 1,
            overdue_minutes: 90
        })
    );
    assert_eq!(walk.issue.status, Status::Assigned);
}

fn refusal(walk: &Walk, level: u8, at: DateTime<Utc>) -> EscalationRefused {
    match walk.wf.escalate(&walk.issue, level, at) {
        Err(TransitionError::EscalationRefused(why)) => why,
        other => panic!("escalating to {level} should be refused, got {other:?}"),
    }
}

#[test]
fn the_same_level_is_never_escalated_twice_nor_a_lower_one_after_a_higher() {
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    walk.act(Action::Start, sh(2026, 3, 16, 9, 10));
    let due = sh(2026, 3, 16, 18, 0);
    walk.escalate(1, due);
    assert_eq!(
        refusal(&walk, 1, due + Duration::minutes(1)),
        EscalationRefused::AlreadyAtLevel {
            level: 1,
            current: 1
        }
    );
    walk.escalate(3, sh(2026, 3, 17, 9, 0));
    assert_eq!(
        refusal(&walk, 2, sh(2026, 3, 17, 10, 0)),
        EscalationRefused::AlreadyAtLevel {
            level: 2,
            current: 3
        }
    );
}

#[test]
fn escalation_is_refused_outside_the_ladder_before_the_deadline_and_while_the_clock_is_stopped() {
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    walk.act(Action::Start, sh(2026, 3, 16, 9, 10));
    let due = sh(2026, 3, 16, 18, 0);
    assert_eq!(
        refusal(&walk, 0, due),
        EscalationRefused::NoSuchLevel { level: 0 }
    );
    assert_eq!(
        refusal(&walk, 4, due),
        EscalationRefused::NoSuchLevel { level: 4 }
    );
    assert_eq!(
        refusal(&walk, 1, due - Duration::minutes(1)),
        EscalationRefused::NotOverdue
    );
    walk.act(
        Action::Hold {
            reason: reason("waiting for the road-works permit"),
        },
        sh(2026, 3, 16, 17, 0),
    );
    assert_eq!(
        refusal(&walk, 1, due + Duration::days(3)),
        EscalationRefused::ClockNotRunning {
            status: Status::OnHold
        }
    );
    let err = walk
        .wf
        .escalate(&walk.issue, 1, due + Duration::days(3))
        .expect_err("refused");
    assert_eq!(
        err.to_string(),
        "not escalated: the unit's clock is not running on an issue that is on_hold"
    );
}

#[test]
fn escalation_is_not_an_action_anyone_can_take() {
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    let offered = available_actions(&walk.issue, &boss());
    walk.escalate(1, sh(2026, 3, 16, 18, 0));
    assert_eq!(available_actions(&walk.issue, &boss()), offered);
}

#[test]
fn an_issue_with_escalations_is_the_replay_of_its_history() {
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    walk.act(Action::Start, sh(2026, 3, 16, 9, 10));
    walk.escalate(1, sh(2026, 3, 16, 18, 0));
    walk.escalate(2, sh(2026, 3, 17, 18, 0));
    walk.act(
        Action::Comment {
            note: Note::parse("crew booked for Thursday").expect("a note"),
        },
        sh(2026, 3, 18, 9, 0),
    );
    let replayed = Issue::replay(walk.issue.id, &walk.events).expect("a valid history");
    assert_eq!(replayed, walk.issue);
    assert_eq!(replayed.escalation_level, 2);
    // Events survive the store's JSON and replay the same.
    let json = serde_json::to_string(&walk.events).expect("serialises");
    let events: Vec<Event> = serde_json::from_str(&json).expect("reads back");
    assert_eq!(Issue::replay(walk.issue.id, &events), Ok(walk.issue));
}

#[test]
fn a_granted_extension_or_a_reassignment_starts_the_ladder_again() {
    let mut walk = Walk::assigned(monday_morning(), sla(60, 450));
    walk.act(Action::Start, sh(2026, 3, 16, 9, 10));
    walk.escalate(1, sh(2026, 3, 16, 18, 0));
    walk.act(
        Action::ExtendRequest {
            until: sh(2026, 3, 20, 18, 0),
            reason: reason("the transformer arrives on Friday"),
        },
        sh(2026, 3, 17, 9, 0),
    );
    walk.act(Action::ExtendGrant { until: None }, sh(2026, 3, 17, 9, 30));
    assert_eq!(walk.issue.escalation_level, 0);
    walk.escalate(1, sh(2026, 3, 20, 18, 0));
    walk.act(
        Action::Reassign {
            unit: unit(2),
            reason: None,
        },
        sh(2026, 3, 23, 9, 0),
    );
    assert_eq!(walk.issue.escalation_level, 0);
}

//! The weekly report's indicators (issue 6), checked on a hand-made event log whose every
//! figure is computed by hand in the comments, and by a property test on random logs made by
//! the real workflow.
//!
//! Every history here is produced by `Workflow::report`, `Workflow::apply` and
//! `Workflow::escalate`, so it is one the store could really hold.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use gridloop_core::{
    available_actions, Action, ActionKind, Actor, Calendar, CategoryId, Counts, Description,
    EnterpriseId, Event, GridId, Indicators, Issue, IssueFacts, IssueId, Locale, Note, Period,
    Priority, Reason, Report, Role, Satisfaction, Sla, Source, Title, Trend, TrendIndicators,
    UnitId, UserId, VisitCounts, WeeklyIndicators, Workflow,
};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

// ---------------------------------------------------------------------------------------------
// Values and people

fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Shanghai
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("an unambiguous Shanghai time")
        .with_timezone(&Utc)
}

fn unit(n: i64) -> UnitId {
    UnitId::new(n).expect("a positive unit id")
}

fn grid(n: i64) -> GridId {
    GridId::new(n).expect("a positive grid id")
}

fn category(n: i64) -> CategoryId {
    CategoryId::new(n).expect("a positive category id")
}

fn issue_id(n: i64) -> IssueId {
    IssueId::new(n).expect("a positive issue id")
}

fn sla(response: u32, resolve: u32) -> Sla {
    Sla::new(response, resolve).expect("a valid SLA")
}

fn reason(text: &str) -> Reason {
    Reason::parse(text).expect("a reason")
}

/// Holds every role, on grids 1–3, units 1–3 and enterprises 1–3: only the table decides.
fn boss() -> Actor {
    Actor {
        user: UserId::new(1).expect("a user id"),
        roles: Role::ALL.to_vec(),
        grids: (1..=3).map(grid).collect(),
        units: (1..=3).map(unit).collect(),
        enterprises: (1..=3)
            .map(|e| EnterpriseId::new(e).expect("an enterprise id"))
            .collect(),
    }
}

fn week(year: i32, week: u32) -> Period {
    Period::iso_week(year, week, Shanghai).expect("a valid ISO week")
}

fn assign(u: i64, response: u32, resolve: u32) -> Action {
    Action::Assign {
        unit: unit(u),
        sla: sla(response, resolve),
    }
}

fn accept() -> Action {
    Action::Accept {
        category: None,
        priority: None,
    }
}

fn resolve() -> Action {
    Action::Resolve {
        note: Note::parse("fixed").expect("a note"),
        public_note: None,
    }
}

fn verify(score: u8) -> Action {
    Action::Verify {
        satisfaction: Satisfaction::new(score).expect("a score"),
        note: None,
    }
}

// ---------------------------------------------------------------------------------------------
// An event log made by the workflow

struct Log {
    wf: Workflow,
    actor: Actor,
    issues: BTreeMap<i64, (Issue, Vec<Event>)>,
}

impl Log {
    fn new() -> Self {
        Self {
            wf: Workflow::new(Calendar::default_china()),
            actor: boss(),
            issues: BTreeMap::new(),
        }
    }

    fn report(&mut self, id: i64, g: i64, cat: i64, source: Source, at: DateTime<Utc>) {
        let report = Report {
            title: Title::parse("Road wrecked by lorries").expect("a title"),
            description: Description::parse("").expect("a description"),
            category: category(cat),
            priority: Priority::Normal,
            grid: grid(g),
            enterprise: EnterpriseId::new(g).expect("an enterprise id"),
            source,
        };
        let (event, _) = self
            .wf
            .report(report, &self.actor, at)
            .expect("the report is accepted");
        let issue = Issue::open(issue_id(id), &event).expect("a report opens an issue");
        self.issues.insert(id, (issue, vec![event]));
    }

    fn try_act(&mut self, id: i64, action: Action, at: DateTime<Utc>) -> bool {
        let (issue, events) = self.issues.get_mut(&id).expect("a reported issue");
        match self.wf.apply(issue, action, &self.actor, at) {
            Ok(decision) => {
                *issue = decision.issue;
                events.push(decision.event);
                true
            }
            Err(_) => false,
        }
    }

    fn act(&mut self, id: i64, action: Action, at: DateTime<Utc>) {
        let kind = action.kind();
        assert!(
            self.try_act(id, action, at),
            "issue {id}: {kind} at {at} was refused"
        );
    }

    fn try_escalate(&mut self, id: i64, level: u8, at: DateTime<Utc>) -> bool {
        let (issue, events) = self.issues.get_mut(&id).expect("a reported issue");
        match self.wf.escalate(issue, level, at) {
            Ok(decision) => {
                *issue = decision.issue;
                events.push(decision.event);
                true
            }
            Err(_) => false,
        }
    }

    fn escalate(&mut self, id: i64, level: u8, at: DateTime<Utc>) {
        assert!(
            self.try_escalate(id, level, at),
            "issue {id}: escalation refused"
        );
    }

    /// Feeds every event, in (issue, version) order, one event at a time.
    fn run(&self, period: Period) -> Indicators {
        self.run_with(WeeklyIndicators::new(period, self.wf.calendar()))
    }

    fn run_with(&self, mut acc: WeeklyIndicators<'_>) -> Indicators {
        for (&id, (_, events)) in &self.issues {
            let facts = IssueFacts::new(issue_id(id));
            for event in events {
                acc.observe(&facts, event).expect("a valid history");
            }
        }
        acc.finish()
    }
}

/// The hand-made log. Working hours are 09:00–12:00 and 13:30–18:00 (450 minutes a day),
/// Monday to Friday; late November 2026 has no holidays. W47 is Mon 16 – Sun 22 Nov, W48 is
/// Mon 23 – Sun 29 Nov, W49 starts Mon 30 Nov.
fn park() -> Log {
    let mut log = Log::new();
    let web = Source::Web;

    // A (grid 1, unit 1) crosses three weeks: reported and started in W47, resolved in W48,
    // closed in W49. Resolve SLA 900 min from Thu 19 11:00: Thu 60 + 270 = 330, Fri 450 → 780,
    // Mon 23 120 more → due Mon 23 11:00.
    log.report(1, 1, 1, web, sh(2026, 11, 19, 10, 0));
    log.act(1, accept(), sh(2026, 11, 19, 10, 10));
    log.act(1, assign(1, 60, 900), sh(2026, 11, 19, 11, 0));
    log.act(1, Action::Start, sh(2026, 11, 19, 11, 30)); // response 30 min (W47)
    log.act(1, resolve(), sh(2026, 11, 23, 10, 0)); // on time (due 11:00)
    log.act(1, verify(5), sh(2026, 12, 1, 10, 0)); // W49

    // B (grid 1, unit 1): reported W48, extended, resolved, reworked, resolved again, closed.
    log.report(2, 1, 1, web, sh(2026, 11, 23, 9, 0));
    log.act(2, accept(), sh(2026, 11, 23, 9, 5));
    log.act(2, assign(1, 60, 450), sh(2026, 11, 23, 9, 30)); // resolve due Tue 24 09:30
    log.act(2, Action::Start, sh(2026, 11, 23, 10, 0)); // response 30 min
    log.act(
        2,
        Action::ExtendRequest {
            until: sh(2026, 11, 25, 18, 0),
            reason: reason("waiting for asphalt"),
        },
        sh(2026, 11, 23, 10, 5),
    );
    log.act(
        2,
        Action::ExtendGrant { until: None },
        sh(2026, 11, 23, 10, 10),
    ); // due Wed 18:00
    log.act(2, resolve(), sh(2026, 11, 25, 17, 0)); // on time
    log.act(
        2,
        Action::Rework {
            reason: reason("potholes back"),
        },
        sh(2026, 11, 26, 9, 0),
    ); // new deadlines: resolve due Fri 27 09:00
    log.act(2, Action::Start, sh(2026, 11, 26, 9, 20)); // response 20 min
    log.act(2, resolve(), sh(2026, 11, 26, 15, 0)); // on time
    log.act(2, verify(3), sh(2026, 11, 27, 10, 0)); // close: 4 × 450 + 60 = 1860 min

    // C (grid 2, unit 2): reported W48, late, escalated to every level, unresolved at the end.
    // Resolve due Mon 23 12:00 (120 min from 10:00).
    log.report(3, 2, 1, web, sh(2026, 11, 23, 9, 0));
    log.act(3, accept(), sh(2026, 11, 23, 9, 10));
    log.act(3, assign(2, 60, 120), sh(2026, 11, 23, 10, 0));
    log.escalate(3, 1, sh(2026, 11, 23, 11, 30)); // response was due 11:00
    log.act(3, Action::Start, sh(2026, 11, 23, 14, 0)); // response 10–12 + 13:30–14 = 150
    log.escalate(3, 2, sh(2026, 11, 24, 10, 0));
    log.escalate(3, 3, sh(2026, 11, 25, 10, 0));

    // D (grid 2): raised on a visit, rejected, reopened, assigned to unit 2 and returned.
    log.report(4, 2, 1, Source::Visit, sh(2026, 11, 24, 10, 0));
    log.act(
        4,
        Action::Reject {
            reason: reason("private matter"),
        },
        sh(2026, 11, 24, 11, 0),
    );
    log.act(
        4,
        Action::Reopen {
            reason: reason("it is the park's road"),
        },
        sh(2026, 11, 25, 9, 0),
    );
    log.act(4, assign(2, 60, 450), sh(2026, 11, 25, 10, 0));
    log.act(
        4,
        Action::Return {
            reason: reason("not ours"),
        },
        sh(2026, 11, 25, 11, 0),
    );

    // E (grid 1, category 2): closed by unit 2 in W46, reopened in W48, assigned to unit 1,
    // started, put on hold over the end of the week.
    log.report(5, 1, 2, web, sh(2026, 11, 10, 9, 0));
    log.act(5, accept(), sh(2026, 11, 10, 9, 10));
    log.act(5, assign(2, 60, 450), sh(2026, 11, 10, 9, 30));
    log.act(5, Action::Start, sh(2026, 11, 10, 10, 0));
    log.act(5, resolve(), sh(2026, 11, 11, 10, 0));
    log.act(5, verify(4), sh(2026, 11, 12, 10, 0));
    log.act(
        5,
        Action::Reopen {
            reason: reason("the enterprise says nothing was done"),
        },
        sh(2026, 11, 23, 14, 0),
    );
    log.act(5, assign(1, 60, 450), sh(2026, 11, 23, 15, 0)); // resolve due Tue 24 15:00
    log.act(5, Action::Start, sh(2026, 11, 23, 15, 30)); // response 30 min
    log.act(
        5,
        Action::Hold {
            reason: reason("permit"),
        },
        sh(2026, 11, 24, 10, 0),
    );

    // F (grid 1, unit 1): resolved late in W47 (due Tue 17 09:30), so awaiting verification at
    // the start of W48; verified Sunday 29 Nov 23:30 Shanghai, which is 15:30 UTC: still W48.
    // Close: Mon 16 09:00 → Sun 29 23:30 = 10 working days × 450 = 4500 min.
    log.report(6, 1, 1, web, sh(2026, 11, 16, 9, 0));
    log.act(6, accept(), sh(2026, 11, 16, 9, 5));
    log.act(6, assign(1, 60, 450), sh(2026, 11, 16, 9, 30));
    log.act(6, Action::Start, sh(2026, 11, 16, 10, 0)); // response 30 min (W47)
    log.act(6, resolve(), sh(2026, 11, 20, 10, 0)); // late (W47)
    log.act(6, verify(4), sh(2026, 11, 29, 23, 30));

    // G (grid 2): reported Monday 30 Nov 00:30 Shanghai = Sunday 16:30 UTC: W49, not W48.
    log.report(7, 2, 1, web, sh(2026, 11, 30, 0, 30));

    // H (grid 2, unit 2): resolved late in W48 (due Mon 23 11:30), closed Tue 24.
    log.report(8, 2, 1, web, sh(2026, 11, 23, 9, 0));
    log.act(8, accept(), sh(2026, 11, 23, 9, 10));
    log.act(8, assign(2, 60, 120), sh(2026, 11, 23, 9, 30));
    log.act(8, Action::Start, sh(2026, 11, 23, 10, 0)); // response 30 min
    log.act(8, resolve(), sh(2026, 11, 23, 14, 0)); // late
    log.act(8, verify(2), sh(2026, 11, 24, 9, 0)); // close: Mon 09:00 → Tue 09:00 = 450

    log
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

// ---------------------------------------------------------------------------------------------
// The hand-made week

#[test]
fn the_hand_made_week_counts_every_event_of_the_week_once() {
    let r = park().run(week(2026, 48));
    let t = &r.totals;
    assert_eq!(t.reported, 4, "B, C, D, H (A, E, F earlier; G is W49)");
    assert_eq!(t.reported_on_visits, 1, "D");
    assert_eq!(t.accepted, 3, "B, C, H (D's reopening is not an accept)");
    assert_eq!(t.rejected, 1, "D");
    assert_eq!(t.assigned, 5, "B, C, D, E, H");
    assert_eq!(t.reassigned, 0);
    assert_eq!(t.returned, 1, "D");
    assert_eq!(t.started, 5, "B twice, C, E, H");
    assert_eq!(t.resolved, 4, "A, B twice, H");
    assert_eq!(t.resolved_on_time, 3, "A, B twice; H was late");
    assert_eq!(
        t.overdue_unresolved, 1,
        "C: due Mon 23 12:00, in progress at the end"
    );
    assert_eq!(t.awaiting_verification_at_start, 1, "F");
    assert_eq!(t.closed, 3, "B, F, H");
    assert_eq!(t.reworked, 1, "B");
    assert_eq!(t.reopened, 2, "D, E");
    assert_eq!(t.extensions_granted, 1, "B");
    assert_eq!(
        (
            t.escalations.level_1,
            t.escalations.level_2,
            t.escalations.level_3
        ),
        (1, 1, 1),
        "C"
    );
    assert_eq!(
        t.open_at_end, 4,
        "A resolved, C in progress, D accepted, E on hold"
    );
    assert_eq!(
        t.overdue_at_end, 1,
        "C; A is resolved and E on hold, so no clock runs"
    );
    assert_eq!(t.satisfaction_sum, 3 + 4 + 2, "B, F, H");
    assert_eq!(t.satisfied, 1, "F");
}

#[test]
fn the_hand_made_week_has_the_rates_computed_by_hand() {
    let r = park().run(week(2026, 48));
    // on time: 3 ÷ (4 resolutions + 1 fallen due unresolved) = 0.6
    assert!(close(r.rates.on_time_resolution, 0.6));
    // closure: 3 closed ÷ (1 awaiting at the start + 4 resolutions) = 0.6
    assert!(close(r.rates.closure, 0.6));
    // rework: 1 ÷ 4 resolutions
    assert!(close(r.rates.rework, 0.25));
    // extension: 1 ÷ 5 assignments
    assert!(close(r.rates.extension, 0.2));
    // satisfaction: (3 + 4 + 2) ÷ 3 = 3.0; share ≥ 4: 1 ÷ 3
    assert!(close(r.rates.satisfaction_mean, 3.0));
    assert!(close(r.rates.satisfied_share, 1.0 / 3.0));
}

#[test]
fn the_hand_made_week_measures_times_in_working_minutes_by_nearest_rank() {
    let r = park().run(week(2026, 48));
    // first responses: B 30, B 20, C 150, E 30, H 30 → [20, 30, 30, 30, 150];
    // median rank ⌈0.5 × 5⌉ = 3 → 30; p90 rank ⌈0.9 × 5⌉ = 5 → 150
    let response = r.times.first_response;
    assert_eq!(response.count, 5);
    assert_eq!(response.median_minutes, Some(30));
    assert_eq!(response.p90_minutes, Some(150));
    // to close: H 450, B 1860, F 4500; median rank 2 → 1860; p90 rank ⌈2.7⌉ = 3 → 4500
    let to_close = r.times.to_close;
    assert_eq!(to_close.count, 3);
    assert_eq!(to_close.median_minutes, Some(1860));
    assert_eq!(to_close.p90_minutes, Some(4500));
}

#[test]
fn the_hand_made_week_slices_by_unit_category_and_grid() {
    let r = park().run(week(2026, 48));
    let u1 = &r.by_unit[&unit(1)].counts;
    // A (resolve, open), B (assign, 2 starts, ext, 2 resolves, rework, close 3),
    // E (assign, start, open), F (awaiting at start, close 4)
    assert_eq!(
        (u1.assigned, u1.started, u1.resolved, u1.resolved_on_time),
        (2, 3, 3, 3)
    );
    assert_eq!((u1.extensions_granted, u1.reworked, u1.closed), (1, 1, 2));
    assert_eq!((u1.awaiting_verification_at_start, u1.open_at_end), (1, 2));
    assert_eq!((u1.satisfaction_sum, u1.satisfied), (7, 1));
    let u2 = &r.by_unit[&unit(2)].counts;
    // C (assign, start, 3 escalations, open, overdue), D (assign, return), E (reopen of
    // unit 2's fix), H (assign, start, late resolve, close 2)
    assert_eq!((u2.assigned, u2.returned, u2.started), (3, 1, 2));
    assert_eq!(
        (u2.resolved, u2.resolved_on_time, u2.overdue_unresolved),
        (1, 0, 1)
    );
    assert_eq!((u2.closed, u2.reopened, u2.escalations.total()), (1, 1, 3));
    assert_eq!((u2.open_at_end, u2.overdue_at_end), (1, 1));
    assert!(close(r.by_unit[&unit(2)].rates.on_time_resolution, 0.0));
    let none = &r.without_unit.counts;
    // reports of B, C, D, H; accepts of B, C, H; D's reject and reopening; D open at the end
    assert_eq!((none.reported, none.accepted, none.rejected), (4, 3, 1));
    assert_eq!((none.reopened, none.open_at_end), (1, 1));
    // E is the only category-2 issue: reopen, assign, start, open at the end
    let c2 = &r.by_category[&category(2)].counts;
    assert_eq!(
        (c2.reopened, c2.assigned, c2.started, c2.open_at_end),
        (1, 1, 1, 1)
    );
    // grid 2: C, D, H
    let g2 = &r.by_grid[&grid(2)].counts;
    assert_eq!(
        (g2.reported, g2.resolved, g2.closed, g2.open_at_end),
        (3, 1, 1, 2)
    );
}

#[test]
fn the_league_table_sets_units_with_too_few_resolutions_apart() {
    let log = park();
    let r = log.run(week(2026, 48));
    assert_eq!(r.league.min_resolved, 5);
    assert!(r.league.ranked.is_empty(), "unit 1 has 3, unit 2 has 1");
    assert_eq!(r.league.too_few_to_rank.len(), 2);

    let r =
        log.run_with(WeeklyIndicators::new(week(2026, 48), log.wf.calendar()).with_min_resolved(2));
    assert_eq!(r.league.ranked.len(), 1);
    assert_eq!(
        (r.league.ranked[0].rank, r.league.ranked[0].unit),
        (1, unit(1))
    );
    assert_eq!(r.league.too_few_to_rank[0].unit, unit(2));

    let r =
        log.run_with(WeeklyIndicators::new(week(2026, 48), log.wf.calendar()).with_min_resolved(1));
    let order: Vec<_> = r
        .league
        .ranked
        .iter()
        .map(|row| (row.rank, row.unit))
        .collect();
    assert_eq!(order, vec![(1, unit(1)), (2, unit(2))], "3/3 before 0/2");
}

#[test]
fn visits_come_from_the_caller_and_issues_raised_from_the_log() {
    let log = park();
    let r = log.run_with(
        WeeklyIndicators::new(week(2026, 48), log.wf.calendar()).with_visits(VisitCounts {
            planned: 10,
            completed: 8,
            missed: 1,
        }),
    );
    assert_eq!(
        (r.visits.planned, r.visits.completed, r.visits.missed),
        (10, 8, 1)
    );
    assert!(close(r.visits.completion_rate, 0.8));
    assert_eq!(r.visits.issues_raised, 1, "D was raised on a visit");
}

// ---------------------------------------------------------------------------------------------
// Weeks around it

#[test]
fn an_issue_crossing_weeks_counts_each_event_in_its_own_week() {
    let log = park();
    // W47: A and F reported, accepted, assigned, started; F resolved late (due Tue 17 09:30).
    let w47 = log.run(week(2026, 47));
    assert_eq!((w47.totals.reported, w47.totals.started), (2, 2));
    assert_eq!((w47.totals.resolved, w47.totals.resolved_on_time), (1, 0));
    assert_eq!(w47.rates.on_time_resolution, Some(0.0), "0 ÷ 1, not None");
    // At Mon 23 00:00: A in progress (due Mon 11:00, not yet overdue), F resolved.
    assert_eq!((w47.totals.open_at_end, w47.totals.overdue_at_end), (2, 0));
    assert_eq!(w47.times.first_response.median_minutes, Some(30));

    // W49: A closed (awaiting since W48), G reported Monday 00:30.
    let w49 = log.run(week(2026, 49));
    assert_eq!(
        (w49.totals.closed, w49.totals.awaiting_verification_at_start),
        (1, 1)
    );
    assert!(close(w49.rates.closure, 1.0));
    assert_eq!(w49.totals.reported, 1, "G");
    // Thu 19 10:00 → Tue 1 Dec 10:00: 390 + 450 + 450 + 4 × 450 + 450 + 60 = 3600
    assert_eq!(w49.times.to_close.median_minutes, Some(3600));
    // C, D, E still open, plus G; C fell due in W48, not W49
    assert_eq!(w49.totals.open_at_end, 4);
    assert_eq!(w49.totals.overdue_unresolved, 0);
    assert_eq!(
        w49.rates.on_time_resolution, None,
        "nothing resolved or due in W49"
    );
}

#[test]
fn an_event_at_sunday_23_30_in_shanghai_belongs_to_that_week() {
    let w48 = week(2026, 48);
    assert_eq!(
        w48.from(),
        Utc.with_ymd_and_hms(2026, 11, 22, 16, 0, 0).unwrap()
    );
    assert_eq!(
        w48.to(),
        Utc.with_ymd_and_hms(2026, 11, 29, 16, 0, 0).unwrap()
    );
    assert!(w48.contains(Utc.with_ymd_and_hms(2026, 11, 29, 15, 30, 0).unwrap()));
    assert!(!w48.contains(Utc.with_ymd_and_hms(2026, 11, 29, 16, 30, 0).unwrap()));
    // F's verification at Sunday 23:30 is in W48's closures, G's report is not in W48.
    let r = park().run(w48);
    assert_eq!(r.by_grid[&grid(1)].counts.closed, 2, "B and F");
    assert_eq!(
        r.by_grid[&grid(2)].counts.reported,
        3,
        "C, D, H; G is W49's"
    );
}

#[test]
fn an_empty_week_has_zero_counts_and_no_rates() {
    let calendar = Calendar::default_china();
    let r = WeeklyIndicators::new(week(2026, 10), &calendar).finish();
    assert_eq!(r.totals, Counts::default());
    let rates = r.rates;
    for rate in [
        rates.on_time_resolution,
        rates.closure,
        rates.rework,
        rates.extension,
        rates.satisfaction_mean,
        rates.satisfied_share,
        r.visits.completion_rate,
    ] {
        assert_eq!(rate, None);
    }
    assert_eq!(r.times.to_close.median_minutes, None);
    assert_eq!(r.times.first_response.p90_minutes, None);
    assert!(r.by_unit.is_empty() && r.by_grid.is_empty() && r.league.ranked.is_empty());
    // A quiet week in a busy log is empty too.
    let quiet = park().run(week(2026, 30));
    assert_eq!(quiet.totals, Counts::default());
}

#[test]
fn a_week_without_a_calendar_file_counts_plain_weeks() {
    let calendar = Calendar::default_china();
    assert!(!calendar.covers(2027));
    let mut log = Log::new();
    // ISO 2027-W01 is Mon 4 – Sun 10 Jan 2027.
    log.report(1, 1, 1, Source::Web, sh(2027, 1, 4, 9, 0));
    log.act(1, accept(), sh(2027, 1, 4, 9, 10));
    log.act(1, assign(1, 60, 900), sh(2027, 1, 4, 9, 30));
    log.act(1, Action::Start, sh(2027, 1, 4, 13, 45)); // 9:30–12 = 150, 13:30–13:45 = 15
    log.act(1, resolve(), sh(2027, 1, 5, 10, 0));
    log.act(1, verify(5), sh(2027, 1, 8, 10, 0)); // Mon 09:00 → Fri 10:00 = 4 × 450 + 60
    let r = log.run(week(2027, 1));
    assert_eq!(r.times.first_response.median_minutes, Some(165));
    assert_eq!(r.times.to_close.median_minutes, Some(1860));
    assert!(close(r.rates.on_time_resolution, 1.0));
    assert!(close(r.rates.satisfied_share, 1.0));
}

#[test]
fn issues_without_anything_in_the_week_contribute_nothing() {
    let log = park();
    // E was closed in W46 and untouched in W47: feeding it or not changes nothing.
    let mut without_e = Log::new();
    for (&id, entry) in &log.issues {
        if id != 5 {
            without_e.issues.insert(id, entry.clone());
        }
    }
    assert_eq!(log.run(week(2026, 47)), without_e.run(week(2026, 47)));
}

#[test]
fn a_split_history_is_refused() {
    let log = park();
    let calendar = Calendar::default_china();
    let mut acc = WeeklyIndicators::new(week(2026, 48), &calendar);
    let (_, a) = &log.issues[&1];
    let (_, b) = &log.issues[&2];
    let (fa, fb) = (IssueFacts::new(issue_id(1)), IssueFacts::new(issue_id(2)));
    acc.observe(&fa, &a[0]).expect("A's report");
    acc.observe(&fb, &b[0]).expect("B's report");
    let err = acc.observe(&fa, &a[1]).expect_err("A's accept after B");
    assert_eq!(err.issue, issue_id(1));
}

// ---------------------------------------------------------------------------------------------
// Periods, comparison, footnotes, JSON

#[test]
fn weeks_parse_and_step_back_across_years() {
    let w = Period::parse_week("2026-W48", Shanghai).expect("a week");
    assert_eq!(w, week(2026, 48));
    assert_eq!(w.to_string(), "2026-W48");
    assert!(Period::parse_week("2026-48", Shanghai).is_err());
    assert!(
        Period::iso_week(2027, 53, Shanghai).is_err(),
        "2027 has 52 weeks"
    );
    assert_eq!(week(2027, 1).previous(), week(2026, 53));
    let eight = week(2026, 48).trailing(8);
    assert_eq!(eight.len(), 8);
    assert_eq!((eight[0], eight[7]), (week(2026, 41), week(2026, 48)));
    assert_eq!(
        Period::week_containing(sh(2026, 11, 29, 23, 30), Shanghai),
        week(2026, 48)
    );
    let days = Period::dates(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("a date"),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date"),
        Shanghai,
    )
    .expect("a range");
    assert_eq!(days.to_string(), "2026-11-01/2026-11-30");
    assert_eq!(days.previous().start_date().to_string(), "2026-10-02");
}

#[test]
fn weeks_far_outside_the_span_of_years_are_refused_not_computed() {
    for raw in [
        "262143-W01",
        "-262143-W01",
        "1999-W52",
        "2101-W01",
        "2147483647-W01",
    ] {
        let e = Period::parse_week(raw, Shanghai).expect_err(raw);
        assert_eq!(e.field(), "week", "{raw}");
    }
    assert!(Period::parse_week("2000-W01", Shanghai).is_ok());
    assert!(Period::parse_week("2100-W52", Shanghai).is_ok());
    let far = chrono::NaiveDate::from_ymd_opt(262_000, 1, 1).expect("a date");
    assert!(Period::dates(far, far + chrono::TimeDelta::days(7), Shanghai).is_err());
}

#[test]
fn the_delta_and_trend_compare_runs() {
    let log = park();
    let runs: Vec<Indicators> = week(2026, 49)
        .trailing(10)
        .into_iter()
        .map(|p| log.run(p))
        .collect();
    let (w47, w48) = (&runs[7], &runs[8]);
    let delta = w48.delta(w47);
    assert_eq!(delta.reported, 4 - 2);
    assert_eq!(delta.open_at_end, 4 - 2);
    assert!(close(delta.on_time_resolution, 0.6 - 0.0));
    assert!(
        close(delta.rework, 0.25 - 0.0),
        "W47: 0 reworks ÷ 1 resolution"
    );
    assert_eq!(delta.satisfaction_mean, None, "nothing was verified in W47");
    let trend = Trend::from_runs(runs.iter().rev());
    assert_eq!(trend.points.len(), 8);
    assert_eq!(trend.points[0].period, week(2026, 42));
    assert_eq!(trend.points[7].period, week(2026, 49));
    assert_eq!(trend.points[6].headline.reported, 4);
}

#[test]
fn footnotes_exist_in_both_languages_and_the_output_is_json() {
    let r = park().run(week(2026, 48));
    let zh = r.footnotes(Locale::ZhCn);
    let en = r.footnotes("en".parse().expect("a locale"));
    assert_eq!(zh.len(), en.len());
    assert!(zh.iter().any(|l| l.contains("按期处置率")));
    assert!(en.iter().any(|l| l.contains("fewer than 5")));
    let json = serde_json::to_value(&r).expect("serialises");
    assert_eq!(json["totals"]["reported"], 4);
    assert_eq!(json["by_unit"]["1"]["counts"]["resolved"], 3);
    assert_eq!(json["period"]["iso_week"]["week"], 48);
    let empty = WeeklyIndicators::new(week(2026, 10), &Calendar::default_china()).finish();
    let json = serde_json::to_value(&empty).expect("serialises");
    assert!(json["rates"]["closure"].is_null());
}

// ---------------------------------------------------------------------------------------------
// Property: slices add up to the whole

#[derive(Debug, Clone)]
struct Step {
    pick: usize,
    unit: i64,
    resolve_minutes: u32,
    score: u8,
    wait_minutes: i64,
}

fn step_strategy() -> impl Strategy<Value = Step> {
    (
        0usize..1000,
        1i64..=3,
        60u32..=2000,
        1u8..=5,
        0i64..=2 * 24 * 60,
    )
        .prop_map(|(pick, unit, resolve_minutes, score, wait_minutes)| Step {
            pick,
            unit,
            resolve_minutes,
            score,
            wait_minutes,
        })
}

fn issue_strategy() -> impl Strategy<Value = (i64, i64, i64, Vec<Step>)> {
    (
        1i64..=3,
        1i64..=2,
        0i64..=21 * 24 * 60,
        proptest::collection::vec(step_strategy(), 0..=20),
    )
}

/// A random log: each issue reported somewhere in W47–W49 and walked through actions the
/// workflow offers, with escalations when it is overdue.
fn random_log(issues: &[(i64, i64, i64, Vec<Step>)]) -> Log {
    let mut log = Log::new();
    let start = week(2026, 47).from();
    for (n, (g, cat, offset, steps)) in issues.iter().enumerate() {
        let id = i64::try_from(n).expect("few issues") + 1;
        let mut now = start + Duration::minutes(*offset);
        log.report(id, *g, *cat, Source::Web, now);
        for step in steps {
            now += Duration::minutes(step.wait_minutes);
            let issue = log.issues[&id].0.clone();
            let level = issue.escalation_level + 1;
            if issue.is_overdue(now) && level <= 3 && step.pick % 3 == 0 {
                log.try_escalate(id, level, now);
                continue;
            }
            let offered = available_actions(&issue, &log.actor);
            if offered.is_empty() {
                break;
            }
            // Mostly the next step of the main line, so lifecycles get deep; otherwise any.
            const FORWARD: [ActionKind; 5] = [
                ActionKind::Accept,
                ActionKind::Assign,
                ActionKind::Start,
                ActionKind::Resolve,
                ActionKind::Verify,
            ];
            let forward = FORWARD.into_iter().find(|k| offered.contains(k));
            let kind = match forward {
                Some(kind) if step.pick % 5 < 3 => kind,
                _ => offered[step.pick % offered.len()],
            };
            let action = match kind {
                ActionKind::Accept => accept(),
                ActionKind::Reject => Action::Reject {
                    reason: reason("no"),
                },
                ActionKind::Assign => assign(step.unit, 60, step.resolve_minutes),
                ActionKind::Return => Action::Return {
                    reason: reason("not ours"),
                },
                ActionKind::Start => Action::Start,
                ActionKind::Hold => Action::Hold {
                    reason: reason("wait"),
                },
                ActionKind::Resume => Action::Resume,
                ActionKind::ExtendRequest => Action::ExtendRequest {
                    until: now + Duration::days(3),
                    reason: reason("more time"),
                },
                ActionKind::ExtendGrant => Action::ExtendGrant { until: None },
                ActionKind::ExtendDeny => Action::ExtendDeny {
                    reason: reason("no"),
                },
                ActionKind::Resolve => resolve(),
                ActionKind::Verify => verify(step.score),
                ActionKind::Rework => Action::Rework {
                    reason: reason("again"),
                },
                ActionKind::Reopen => Action::Reopen {
                    reason: reason("again"),
                },
                ActionKind::MarkDuplicate => Action::MarkDuplicate { of: issue_id(999) },
                ActionKind::Reassign => Action::Reassign {
                    unit: unit(step.unit),
                    reason: None,
                },
                ActionKind::Comment | ActionKind::Report => continue,
            };
            log.try_act(id, action, now); // a refused precondition is simply a wasted step
        }
    }
    log
}

fn sum<'a>(slices: impl Iterator<Item = &'a Counts>) -> Counts {
    let mut total = Counts::default();
    for counts in slices {
        total += counts;
    }
    total
}

fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/proptest-regressions/report.txt",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn slices_add_up_to_the_whole_on_random_logs(
        issues in proptest::collection::vec(issue_strategy(), 0..=8),
    ) {
        let log = random_log(&issues);
        let period = week(2026, 48);
        let r = log.run(period);
        let by_unit = sum(r.by_unit.values().map(|s| &s.counts).chain([&r.without_unit.counts]));
        prop_assert_eq!(&by_unit, &r.totals);
        prop_assert_eq!(&sum(r.by_grid.values().map(|s| &s.counts)), &r.totals);
        prop_assert_eq!(&sum(r.by_category.values().map(|s| &s.counts)), &r.totals);

        // Open and overdue at the end agree with a plain replay of the events before `to`.
        let (mut open, mut overdue) = (0, 0);
        for (&id, (_, events)) in &log.issues {
            let before: Vec<Event> = events.iter().filter(|e| e.at < period.to()).cloned().collect();
            if let Ok(issue) = Issue::replay(issue_id(id), &before) {
                open += u64::from(issue.status.is_open());
                overdue += u64::from(issue.is_overdue(period.to()));
            }
        }
        prop_assert_eq!((r.totals.open_at_end, r.totals.overdue_at_end), (open, overdue));

        // Rates are fractions where they must be, and never NaN.
        prop_assert!(r.totals.closed <= r.totals.due_for_closure());
        prop_assert!(r.totals.resolved_on_time <= r.totals.due_for_resolution());
        for rate in [r.rates.on_time_resolution, r.rates.closure, r.rates.satisfied_share] {
            prop_assert!(rate.is_none_or(|x| (0.0..=1.0).contains(&x)));
        }
        prop_assert!(r.rates.satisfaction_mean.is_none_or(|x| (1.0..=5.0).contains(&x)));

        // Feeding issue by issue gives the same answer as event by event.
        let mut acc = WeeklyIndicators::new(period, log.wf.calendar());
        for (&id, (_, events)) in &log.issues {
            acc.observe_issue(&IssueFacts::new(issue_id(id)), events).expect("valid");
        }
        prop_assert_eq!(acc.finish(), r);
    }

    #[test]
    fn a_trend_folded_in_one_pass_counts_each_period_as_its_own_run_would(
        issues in proptest::collection::vec(issue_strategy(), 0..=8),
        unchanged in any::<bool>(),
        by_event in any::<bool>(),
    ) {
        let log = random_log(&issues);
        // Four weeks (the reports fall in W47–W49, some histories go on for weeks) and a
        // fortnight that overlaps three of them, out of order: each run is on its own, whatever
        // the others are.
        let mut periods = week(2026, 51).trailing(4);
        periods.insert(
            2,
            Period::dates(
                chrono::NaiveDate::from_ymd_opt(2026, 12, 2).expect("a date"),
                chrono::NaiveDate::from_ymd_opt(2026, 12, 15).expect("a date"),
                Shanghai,
            )
            .expect("a range"),
        );
        let runs = || {
            periods.iter().enumerate().map(|(i, &period)| {
                let run = WeeklyIndicators::new(period, log.wf.calendar()).with_min_resolved(1);
                if i % 2 == 0 { run } else { run.without_overdue_list() }
            })
        };
        // As the store feeds them: an issue no event touched since before the first period by
        // its row (when `unchanged`), the others by their histories.
        let first = periods.iter().map(Period::from).min().expect("periods");
        let feed: Vec<(IssueFacts, Result<&Issue, &[Event]>)> = log
            .issues
            .iter()
            .map(|(&id, (issue, events))| {
                let fed = if unchanged && issue.updated_at < first {
                    Ok(issue)
                } else {
                    Err(events.as_slice())
                };
                (IssueFacts::new(issue_id(id)), fed)
            })
            .collect();

        let mut apart: Vec<WeeklyIndicators<'_>> = runs().collect();
        for run in &mut apart {
            for (facts, fed) in &feed {
                match fed {
                    Ok(issue) => prop_assert!(run.observe_unchanged(issue)),
                    Err(events) => run.observe_issue(facts, events).expect("a valid history"),
                }
            }
        }
        let apart: Vec<Indicators> = apart.into_iter().map(WeeklyIndicators::finish).collect();

        let mut together = TrendIndicators::new(runs());
        for (facts, fed) in &feed {
            match fed {
                Ok(issue) => prop_assert!(together.observe_unchanged(issue)),
                Err(events) if by_event => {
                    for event in *events {
                        together.observe(facts, event).expect("a valid history");
                    }
                }
                Err(events) => together.observe_issue(facts, events).expect("a valid history"),
            }
        }
        prop_assert_eq!(together.periods().copied().collect::<Vec<_>>(), periods.clone());
        prop_assert_eq!(together.finish(), apart);
    }
}

#[test]
fn a_deadline_moved_by_a_calendar_change_is_the_one_the_report_counts_from_then_on() {
    use gridloop_core::calendar::YearDay;
    // Assigned on New Year's Eve at 17:00 with two working hours to resolve: due New Year's Day
    // at 10:00 while 2027 has no calendar. At 17:30 元旦 is entered and the deadline moves to
    // Monday 4 January at 10:00; the unit resolves at 09:30 that Monday.
    let build = |recompute: bool| {
        let mut log = Log::new();
        log.report(1, 1, 1, Source::Web, sh(2026, 12, 31, 16, 0));
        log.act(1, accept(), sh(2026, 12, 31, 16, 30));
        log.act(1, assign(1, 60, 120), sh(2026, 12, 31, 17, 0));
        log.act(1, Action::Start, sh(2026, 12, 31, 17, 10));
        if recompute {
            let jan1 = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).expect("a date");
            let year = gridloop_core::CalendarYear::from_days(
                2027,
                None,
                [(
                    jan1,
                    YearDay::Holiday {
                        name: "元旦".into(),
                    },
                )],
            )
            .expect("a year");
            let after = Workflow::new(Calendar::default_china().with_year(year));
            let (issue, events) = log.issues.get_mut(&1).expect("issue 1");
            let cause = gridloop_core::CalendarChange {
                region: "cn".into(),
                year: 2027,
                version: 1,
            };
            let decision = after
                .recompute_deadlines(log.wf.calendar(), issue, cause, sh(2026, 12, 31, 17, 30))
                .expect("the deadline moves");
            *issue = decision.issue;
            events.push(decision.event);
            // From here on the park counts on the new calendar.
            log.wf = after;
        }
        log.act(1, resolve(), sh(2027, 1, 4, 9, 30));
        log
    };
    let w01 = |log: &Log| log.run(week(2027, 1));
    let w53 = |log: &Log| log.run(week(2026, 53));
    let moved = build(true);
    assert_eq!(
        (
            w01(&moved).totals.resolved,
            w01(&moved).totals.resolved_on_time
        ),
        (1, 1)
    );
    // At the end of 2026-W53 (Monday 4 January 00:00) the deadline in force had not passed.
    assert_eq!(w53(&moved).totals.overdue_at_end, 0);
    // Without the change the same resolution is late, and the issue was overdue at week's end.
    let kept = build(false);
    assert_eq!(
        (
            w01(&kept).totals.resolved,
            w01(&kept).totals.resolved_on_time
        ),
        (1, 0)
    );
    assert_eq!(w53(&kept).totals.overdue_at_end, 1);
}

//! The issue lifecycle, checked against DESIGN.md ("The issue lifecycle"): the transition table,
//! roles and scope, deadlines on the working calendar, effects, and property tests that drive
//! random lifecycles against invariants and a reference model written straight from the table.
//!
//! Issues are only ever placed in a state by walking real actions through [`Workflow::apply`];
//! no test mutates an issue's fields.

use chrono::{DateTime, Duration, TimeZone, Utc};
use gridloop_core::{
    available_actions, Action, ActionFields, ActionKind, Actor, Audience, Calendar, CategoryId,
    Change, Decision, Description, Effect, EnterpriseId, Event, GridId, Issue, IssueId, Note,
    NotificationKind, Priority, Reason, Report, Role, Satisfaction, Sla, Source, Status, Title,
    TransitionError, UnitId, UserId, Workflow,
};
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError};

// ---------------------------------------------------------------------------------------------
// The reference model: DESIGN.md's lifecycle table, transcribed by hand. It deliberately does
// not read `RULES`, so that a drift between the code and the design shows up as a failure.

/// Where `kind` takes an issue that is `status`, per DESIGN.md; `None` if the table has no such
/// transition. Actions that record without moving (extensions, comments) stay where they are.
fn expected_next(status: Status, kind: ActionKind) -> Option<Status> {
    use ActionKind as K;
    use Status as S;
    match (kind, status) {
        (K::Accept, S::Reported) => Some(S::Accepted),
        (K::Reject, S::Reported | S::Accepted) => Some(S::Rejected),
        (K::Assign, S::Accepted) => Some(S::Assigned),
        (K::Return, S::Assigned) => Some(S::Accepted),
        (K::Start, S::Assigned) => Some(S::InProgress),
        (K::Hold, S::InProgress) => Some(S::OnHold),
        (K::Resume, S::OnHold) => Some(S::InProgress),
        // "extend | assigned, in_progress | unit asks, supervisor grants or denies"
        (K::ExtendRequest | K::ExtendGrant | K::ExtendDeny, S::Assigned | S::InProgress) => {
            Some(status)
        }
        (K::Resolve, S::InProgress) => Some(S::Resolved),
        (K::Verify, S::Resolved) => Some(S::Closed),
        (K::Rework, S::Resolved) => Some(S::Assigned),
        (K::Reopen, S::Closed | S::Rejected) => Some(S::Accepted),
        (
            K::MarkDuplicate,
            S::Reported | S::Accepted | S::Assigned | S::InProgress | S::OnHold | S::Resolved,
        ) => Some(S::Duplicate),
        (K::Reassign, S::Assigned | S::InProgress) => Some(S::Assigned),
        (K::Comment, _) => Some(status),
        _ => None,
    }
}

/// The roles DESIGN.md's "who" column names for each action.
fn design_roles(kind: ActionKind) -> &'static [Role] {
    use ActionKind as K;
    match kind {
        K::Report => &[Role::PostMember, Role::Commissioner, Role::Enterprise],
        K::Accept | K::Reject | K::Assign | K::MarkDuplicate => &[Role::Dispatcher],
        K::Return | K::Start | K::Hold | K::Resume | K::ExtendRequest | K::Resolve => {
            &[Role::UnitMember, Role::UnitHead]
        }
        K::ExtendGrant | K::ExtendDeny | K::Reopen => &[Role::Supervisor],
        K::Verify | K::Rework => &[Role::PostMember, Role::Commissioner, Role::Dispatcher],
        K::Reassign => &[Role::Dispatcher, Role::Supervisor],
        K::Comment => &Role::ALL,
    }
}

/// DESIGN.md's scoping: a post sees its grid, a unit its assignments, dispatchers and
/// supervisors (and admins) everything, an enterprise contact its own enterprise.
fn design_covers(actor: &Actor, role: Role, issue: &Issue) -> bool {
    actor.roles.contains(&role)
        && match role {
            Role::PostMember | Role::Commissioner => actor.grids.contains(&issue.grid),
            Role::UnitMember | Role::UnitHead => {
                issue.unit.is_some_and(|unit| actor.units.contains(&unit))
            }
            Role::Dispatcher | Role::Supervisor | Role::Admin => true,
            Role::Enterprise => actor.enterprises.contains(&issue.enterprise),
        }
}

/// What the model says `apply` must answer, before preconditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    RoleNotPermitted,
    OutOfScope,
    NoSuchTransition,
    /// Allowed by the table; `apply` succeeds into this state or fails a precondition.
    Allowed(Status),
}

fn model_verdict(issue: &Issue, kind: ActionKind, actor: &Actor) -> Verdict {
    let roles = design_roles(kind);
    if !roles.iter().any(|role| actor.roles.contains(role)) {
        return Verdict::RoleNotPermitted;
    }
    // "comment: anyone who can see it", and the reporter always sees what they reported.
    let reporter_comments = kind == ActionKind::Comment && issue.reporter == Some(actor.user);
    if !reporter_comments && !roles.iter().any(|&role| design_covers(actor, role, issue)) {
        return Verdict::OutOfScope;
    }
    match expected_next(issue.status, kind) {
        Some(to) => Verdict::Allowed(to),
        None => Verdict::NoSuchTransition,
    }
}

// ---------------------------------------------------------------------------------------------
// Values

fn grid(n: i64) -> GridId {
    GridId::new(n).expect("a positive grid id")
}

fn unit(n: i64) -> UnitId {
    UnitId::new(n).expect("a positive unit id")
}

fn user(n: i64) -> UserId {
    UserId::new(n).expect("a positive user id")
}

fn enterprise(n: i64) -> EnterpriseId {
    EnterpriseId::new(n).expect("a positive enterprise id")
}

fn category(n: i64) -> CategoryId {
    CategoryId::new(n).expect("a positive category id")
}

const THIS_ISSUE: i64 = 7;
const OTHER_ISSUE: i64 = 8;

fn issue_id(n: i64) -> IssueId {
    IssueId::new(n).expect("a positive issue id")
}

fn reason(text: &str) -> Reason {
    Reason::parse(text).expect("a valid reason")
}

fn note(text: &str) -> Note {
    Note::parse(text).expect("a valid note")
}

fn satisfaction(score: u8) -> Satisfaction {
    Satisfaction::new(score).expect("a satisfaction from 1 to 5")
}

fn sla(response: u32, resolve: u32) -> Sla {
    Sla::new(response, resolve).expect("a valid SLA")
}

/// The SLA used unless a test says otherwise: respond within an hour, resolve within a day of
/// 7.5 working hours.
fn day_sla() -> Sla {
    sla(60, 450)
}

/// Shanghai local time.
fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("an unambiguous Shanghai time")
        .with_timezone(&Utc)
}

/// Monday 16 March 2026, 09:00 in Shanghai: an ordinary working morning, far from holidays.
fn monday_morning() -> DateTime<Utc> {
    sh(2026, 3, 16, 9, 0)
}

/// An extension target far beyond any deadline the tests set.
fn far_future() -> DateTime<Utc> {
    sh(2026, 6, 1, 9, 0)
}

fn workflow() -> Workflow {
    Workflow::new(Calendar::default_china())
}

// ---------------------------------------------------------------------------------------------
// People

fn person(id: i64, roles: &[Role], grids: &[i64], units: &[i64], enterprises: &[i64]) -> Actor {
    Actor {
        user: user(id),
        roles: roles.to_vec(),
        grids: grids.iter().map(|&g| grid(g)).collect(),
        units: units.iter().map(|&u| unit(u)).collect(),
        enterprises: enterprises.iter().map(|&e| enterprise(e)).collect(),
    }
}

/// Holds every role and is attached to grid 1, units 1 and 2, and enterprise 1: role and scope
/// checks always pass for issues of grid 1 / enterprise 1, so only the table decides.
fn superuser() -> Actor {
    person(100, &Role::ALL, &[1], &[1, 2], &[1])
}

/// Someone holding just `role`, attached to grid 1, unit 1 and enterprise 1.
fn only(role: Role) -> Actor {
    person(200, &[role], &[1], &[1], &[1])
}

fn post_member_of_grid(g: i64) -> Actor {
    person(10 + g, &[Role::PostMember], &[g], &[], &[])
}

fn unit_member_of(u: i64) -> Actor {
    person(20 + u, &[Role::UnitMember], &[], &[u], &[])
}

fn dispatcher() -> Actor {
    person(30, &[Role::Dispatcher], &[], &[], &[])
}

fn supervisor() -> Actor {
    person(31, &[Role::Supervisor], &[], &[], &[])
}

fn enterprise_contact_of(e: i64) -> Actor {
    person(40 + e, &[Role::Enterprise], &[], &[], &[e])
}

// ---------------------------------------------------------------------------------------------
// Actions

/// A well-formed action of each kind, valid on an issue that `drive_to` produced.
fn sample(kind: ActionKind) -> Action {
    match kind {
        ActionKind::Report => panic!("report creates an issue; it is not an action on one"),
        ActionKind::Accept => Action::Accept {
            category: None,
            priority: None,
        },
        ActionKind::Reject => Action::Reject {
            reason: reason("not a problem of the park"),
        },
        ActionKind::Assign => Action::Assign {
            unit: unit(1),
            sla: day_sla(),
        },
        ActionKind::Return => Action::Return {
            reason: reason("not ours: the power supplier owns that line"),
        },
        ActionKind::Start => Action::Start,
        ActionKind::Hold => Action::Hold {
            reason: reason("waiting for the road-works permit"),
        },
        ActionKind::Resume => Action::Resume,
        ActionKind::ExtendRequest => Action::ExtendRequest {
            until: far_future(),
            reason: reason("the asphalt plant is closed"),
        },
        ActionKind::ExtendGrant => Action::ExtendGrant { until: None },
        ActionKind::ExtendDeny => Action::ExtendDeny {
            reason: reason("the road must be open before the festival"),
        },
        ActionKind::Resolve => Action::Resolve {
            note: note("potholes filled and the surface rolled"),
            public_note: None,
        },
        ActionKind::Verify => Action::Verify {
            satisfaction: satisfaction(4),
            note: None,
        },
        ActionKind::Rework => Action::Rework {
            reason: reason("the potholes are back after one rain"),
        },
        ActionKind::Reopen => Action::Reopen {
            reason: reason("the enterprise says nothing was done"),
        },
        ActionKind::MarkDuplicate => Action::MarkDuplicate {
            of: issue_id(OTHER_ISSUE),
        },
        ActionKind::Reassign => Action::Reassign {
            unit: unit(2),
            reason: None,
        },
        ActionKind::Comment => Action::Comment {
            note: note("photos attached"),
        },
    }
}

/// Every action kind that applies to an existing issue.
fn issue_actions() -> impl Iterator<Item = ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|&k| k != ActionKind::Report)
}

// ---------------------------------------------------------------------------------------------
// Driving issues through real actions

/// An issue and its history, advanced only through `Workflow::report` and `Workflow::apply`.
struct Track {
    wf: Workflow,
    issue: Issue,
    events: Vec<Event>,
    now: DateTime<Utc>,
}

impl Track {
    /// An issue for enterprise 1 in grid 1, reported by `by` at `at`.
    fn reported(by: &Actor, at: DateTime<Utc>) -> Self {
        Self::reported_in(grid(1), enterprise(1), by, at)
    }

    fn reported_in(g: GridId, e: EnterpriseId, by: &Actor, at: DateTime<Utc>) -> Self {
        let wf = workflow();
        let (event, _effects) = wf
            .report(report_for(g, e), by, at)
            .unwrap_or_else(|e| panic!("the report was refused: {e}"));
        let issue = Issue::open(issue_id(THIS_ISSUE), &event).expect("a report opens an issue");
        Self {
            wf,
            issue,
            events: vec![event],
            now: at,
        }
    }

    fn try_at(
        &self,
        action: Action,
        by: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Decision, TransitionError> {
        self.wf.apply(&self.issue, action, by, at)
    }

    /// Tries the action a minute after the last step.
    fn try_next(&self, action: Action, by: &Actor) -> Result<Decision, TransitionError> {
        self.try_at(action, by, self.next_minute())
    }

    fn apply_at(&mut self, action: Action, by: &Actor, at: DateTime<Utc>) -> Decision {
        let kind = action.kind();
        let status = self.issue.status;
        let decision = self
            .try_at(action, by, at)
            .unwrap_or_else(|e| panic!("{kind} on a {status} issue was refused: {e}"));
        self.issue = decision.issue.clone();
        self.events.push(decision.event.clone());
        self.now = at;
        decision
    }

    /// Applies the action a minute after the last step.
    fn apply(&mut self, action: Action, by: &Actor) -> Decision {
        self.apply_at(action, by, self.next_minute())
    }

    fn next_minute(&self) -> DateTime<Utc> {
        self.now + Duration::minutes(1)
    }
}

fn report_for(g: GridId, e: EnterpriseId) -> Report {
    Report {
        title: Title::parse("Road to the rolling mill wrecked by lorries").expect("a title"),
        description: Description::parse("").expect("an empty description is allowed"),
        category: category(1),
        priority: Priority::Normal,
        grid: g,
        enterprise: e,
        source: Source::Web,
    }
}

/// The legal path to each status, from a fresh report. Issues that reach the unit carry a
/// pending extension request, so that grants and denials have something to answer.
fn path_to(status: Status) -> Vec<ActionKind> {
    use ActionKind as K;
    let assigned = vec![K::Accept, K::Assign, K::ExtendRequest];
    let in_progress = [assigned.clone(), vec![K::Start]].concat();
    let resolved = [in_progress.clone(), vec![K::Resolve]].concat();
    match status {
        Status::Reported => vec![],
        Status::Accepted => vec![K::Accept],
        Status::Assigned => assigned,
        Status::InProgress => in_progress,
        Status::OnHold => [in_progress, vec![K::Hold]].concat(),
        Status::Resolved => resolved,
        Status::Closed => [resolved, vec![K::Verify]].concat(),
        Status::Rejected => vec![K::Reject],
        Status::Duplicate => vec![K::MarkDuplicate],
    }
}

/// An issue of grid 1 / enterprise 1, assigned (if at all) to unit 1, brought into `status` by
/// the superuser walking `path_to(status)` from Monday morning, a minute per step.
fn drive_to(status: Status) -> Track {
    let boss = superuser();
    let mut track = Track::reported(&boss, monday_morning());
    for kind in path_to(status) {
        track.apply(sample(kind), &boss);
    }
    assert_eq!(
        track.issue.status, status,
        "the path to {status} went astray"
    );
    track
}

/// The first state, in `Status::ALL` order, from which DESIGN.md allows `kind`.
fn a_state_allowing(kind: ActionKind) -> Status {
    Status::ALL
        .into_iter()
        .find(|&s| expected_next(s, kind).is_some())
        .unwrap_or_else(|| panic!("DESIGN.md allows {kind} from no state"))
}

/// The first state from which DESIGN.md allows `kind` and in which `role` (attached to grid
/// 1, unit 1 and enterprise 1) can see the issue: a unit sees only what is assigned to it.
fn a_state_allowing_for(kind: ActionKind, role: Role) -> Status {
    let unit_role = matches!(role, Role::UnitMember | Role::UnitHead);
    let has_unit = |s: Status| {
        matches!(
            s,
            Status::Assigned
                | Status::InProgress
                | Status::OnHold
                | Status::Resolved
                | Status::Closed
        )
    };
    Status::ALL
        .into_iter()
        .find(|&s| expected_next(s, kind).is_some() && (!unit_role || has_unit(s)))
        .unwrap_or_else(|| panic!("DESIGN.md lets a {role} {kind} from no state"))
}

// ---------------------------------------------------------------------------------------------
// 1. The transition table

/// For every status: `kind` by an all-powerful actor succeeds into the model's state exactly
/// where DESIGN.md has a transition, and fails with `NoSuchTransition` everywhere else.
fn assert_table_row(kind: ActionKind) {
    let mut wrong = Vec::new();
    for status in Status::ALL {
        let track = drive_to(status);
        let before = track.issue.clone();
        let got = track.try_next(sample(kind), &superuser());
        assert_eq!(track.issue, before, "apply mutated its input");
        match (expected_next(status, kind), got) {
            (Some(to), Ok(decision)) if decision.issue.status == to => {}
            (None, Err(TransitionError::NoSuchTransition { action, status: s }))
                if action == kind && s == status => {}
            (expected, got) => wrong.push(format!(
                "from {status}: DESIGN.md says {}, apply gave {}",
                expected.map_or("NoSuchTransition".to_owned(), |s| format!("Ok({s})")),
                match got {
                    Ok(decision) => format!("Ok({})", decision.issue.status),
                    Err(e) => format!("Err({e:?})"),
                }
            )),
        }
    }
    assert!(wrong.is_empty(), "{kind}:\n  {}", wrong.join("\n  "));
}

#[test]
fn the_driving_helper_reaches_every_status_by_legal_actions_only() {
    for status in Status::ALL {
        let track = drive_to(status);
        assert_eq!(track.issue.status, status);
        let replayed = Issue::replay(issue_id(THIS_ISSUE), &track.events).expect("a valid history");
        assert_eq!(
            replayed, track.issue,
            "the {status} issue is not its history's replay"
        );
    }
}

#[test]
fn accept_is_a_transition_only_from_reported() {
    assert_table_row(ActionKind::Accept);
}

#[test]
fn reject_is_a_transition_only_from_reported_and_accepted() {
    assert_table_row(ActionKind::Reject);
}

#[test]
fn assign_is_a_transition_only_from_accepted() {
    assert_table_row(ActionKind::Assign);
}

#[test]
fn return_is_a_transition_only_from_assigned() {
    assert_table_row(ActionKind::Return);
}

#[test]
fn start_is_a_transition_only_from_assigned() {
    assert_table_row(ActionKind::Start);
}

#[test]
fn hold_is_a_transition_only_from_in_progress() {
    assert_table_row(ActionKind::Hold);
}

#[test]
fn resume_is_a_transition_only_from_on_hold() {
    assert_table_row(ActionKind::Resume);
}

#[test]
fn extend_request_is_a_transition_only_from_assigned_and_in_progress() {
    assert_table_row(ActionKind::ExtendRequest);
}

#[test]
fn extend_grant_is_a_transition_only_from_assigned_and_in_progress() {
    assert_table_row(ActionKind::ExtendGrant);
}

#[test]
fn extend_deny_is_a_transition_only_from_assigned_and_in_progress() {
    assert_table_row(ActionKind::ExtendDeny);
}

#[test]
fn resolve_is_a_transition_only_from_in_progress() {
    assert_table_row(ActionKind::Resolve);
}

#[test]
fn verify_is_a_transition_only_from_resolved() {
    assert_table_row(ActionKind::Verify);
}

#[test]
fn rework_is_a_transition_only_from_resolved() {
    assert_table_row(ActionKind::Rework);
}

#[test]
fn reopen_is_a_transition_only_from_closed_and_rejected() {
    assert_table_row(ActionKind::Reopen);
}

#[test]
fn mark_duplicate_is_a_transition_from_every_open_state_and_no_other() {
    assert_table_row(ActionKind::MarkDuplicate);
}

#[test]
fn reassign_is_a_transition_only_from_assigned_and_in_progress() {
    assert_table_row(ActionKind::Reassign);
}

#[test]
fn comment_is_accepted_in_every_state_and_changes_only_the_version() {
    assert_table_row(ActionKind::Comment);
    for status in Status::ALL {
        let mut track = drive_to(status);
        let before = track.issue.clone();
        let decision = track.apply(sample(ActionKind::Comment), &superuser());
        assert_eq!(decision.issue.version, before.version + 1);
        assert!(decision.effects.is_empty(), "a comment has no effects");
        let mut expected = before;
        expected.version += 1;
        expected.updated_at = decision.event.at;
        assert_eq!(
            decision.issue, expected,
            "commenting on a {status} issue changed it"
        );
    }
}

/// The field names `from_fields` complains about when `fields` are given for `kind`.
fn missing_fields(kind: ActionKind, fields: ActionFields) -> Vec<&'static str> {
    match Action::from_fields(kind, fields) {
        Ok(action) => panic!("{kind} was built without its required fields: {action:?}"),
        Err(errors) => errors.iter().map(|e| e.field()).collect(),
    }
}

fn all_fields() -> ActionFields {
    ActionFields {
        unit: Some(unit(1)),
        sla: Some(day_sla()),
        reason: Some(reason("a reason")),
        note: Some(note("a note")),
        public_note: Some(note("a note for the requester")),
        satisfaction: Some(satisfaction(5)),
        duplicate_of: Some(issue_id(OTHER_ISSUE)),
        until: Some(far_future()),
        category: Some(category(2)),
        priority: Some(Priority::High),
    }
}

#[test]
fn every_action_on_an_issue_can_be_built_from_complete_fields() {
    for kind in issue_actions() {
        let action = Action::from_fields(kind, all_fields())
            .unwrap_or_else(|e| panic!("{kind} was refused with all fields present: {e:?}"));
        assert_eq!(action.kind(), kind);
    }
}

#[test]
fn report_is_not_an_action_on_an_existing_issue() {
    assert!(Action::from_fields(ActionKind::Report, all_fields()).is_err());
}

#[test]
fn verify_cannot_be_built_without_a_satisfaction() {
    let fields = ActionFields {
        satisfaction: None,
        ..all_fields()
    };
    assert_eq!(missing_fields(ActionKind::Verify, fields), ["satisfaction"]);
}

#[test]
fn reject_return_hold_rework_and_reopen_cannot_be_built_without_a_reason() {
    for kind in [
        ActionKind::Reject,
        ActionKind::Return,
        ActionKind::Hold,
        ActionKind::Rework,
        ActionKind::Reopen,
    ] {
        let fields = ActionFields {
            reason: None,
            ..all_fields()
        };
        assert_eq!(missing_fields(kind, fields), ["reason"], "{kind}");
    }
}

#[test]
fn assign_and_reassign_cannot_be_built_without_a_unit() {
    for kind in [ActionKind::Assign, ActionKind::Reassign] {
        let fields = ActionFields {
            unit: None,
            ..all_fields()
        };
        assert_eq!(missing_fields(kind, fields), ["unit"], "{kind}");
    }
}

#[test]
fn assign_cannot_be_built_without_an_sla() {
    let fields = ActionFields {
        sla: None,
        ..all_fields()
    };
    assert_eq!(missing_fields(ActionKind::Assign, fields), ["sla"]);
}

#[test]
fn resolve_cannot_be_built_without_a_note() {
    let fields = ActionFields {
        note: None,
        ..all_fields()
    };
    assert_eq!(missing_fields(ActionKind::Resolve, fields), ["note"]);
}

#[test]
fn a_request_without_any_fields_names_every_missing_field() {
    assert_eq!(
        missing_fields(ActionKind::ExtendRequest, ActionFields::default()),
        ["until", "reason"]
    );
    assert_eq!(
        missing_fields(ActionKind::Assign, ActionFields::default()),
        ["unit", "sla"]
    );
}

#[test]
fn a_blank_reason_never_becomes_a_reason() {
    assert!(Reason::parse("   ").is_err());
    assert!(Note::parse("\n\t").is_err());
}

// ---------------------------------------------------------------------------------------------
// 2. Roles and scope

fn sorted(roles: &[Role]) -> Vec<Role> {
    let mut roles = roles.to_vec();
    roles.sort();
    roles
}

#[test]
fn every_action_refuses_roles_the_table_does_not_list_with_role_not_permitted() {
    let mut wrong = Vec::new();
    for kind in issue_actions() {
        let track = drive_to(a_state_allowing(kind));
        for role in Role::ALL {
            if design_roles(kind).contains(&role) {
                continue;
            }
            match track.try_next(sample(kind), &only(role)) {
                Err(TransitionError::RoleNotPermitted { action, allowed })
                    if action == kind && sorted(allowed) == sorted(design_roles(kind)) => {}
                other => wrong.push(format!(
                    "{kind} by a {role}: {:?}",
                    other.map(|d| d.issue.status)
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "\n  {}", wrong.join("\n  "));
}

#[test]
fn every_action_is_permitted_to_each_role_the_table_lists() {
    let mut wrong = Vec::new();
    for kind in issue_actions() {
        for &role in design_roles(kind) {
            let status = a_state_allowing_for(kind, role);
            let track = drive_to(status);
            match track.try_next(sample(kind), &only(role)) {
                Ok(decision) if Some(decision.issue.status) == expected_next(status, kind) => {}
                other => wrong.push(format!(
                    "{kind} by a {role} on a {status} issue: {:?}",
                    other.map(|d| d.issue.status)
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "\n  {}", wrong.join("\n  "));
}

#[test]
fn report_is_permitted_to_posts_commissioners_and_enterprises_and_no_one_else() {
    let wf = workflow();
    for role in Role::ALL {
        let got = wf.report(
            report_for(grid(1), enterprise(1)),
            &only(role),
            monday_morning(),
        );
        if design_roles(ActionKind::Report).contains(&role) {
            assert!(got.is_ok(), "a {role} could not report: {got:?}");
        } else {
            assert!(
                matches!(
                    got,
                    Err(TransitionError::RoleNotPermitted {
                        action: ActionKind::Report,
                        ..
                    })
                ),
                "a {role} reporting got {got:?}"
            );
        }
    }
}

#[test]
fn a_wrong_role_is_told_so_even_where_the_state_has_no_such_transition() {
    // Accepting a closed issue is no transition at all, but a unit member may never accept:
    // the role answer (403) comes first and is distinct from the state answer (422).
    let track = drive_to(Status::Closed);
    let got = track.try_next(sample(ActionKind::Accept), &unit_member_of(1));
    assert!(
        matches!(
            got,
            Err(TransitionError::RoleNotPermitted {
                action: ActionKind::Accept,
                ..
            })
        ),
        "{got:?}"
    );
    let got = track.try_next(sample(ActionKind::Accept), &dispatcher());
    assert!(
        matches!(
            got,
            Err(TransitionError::NoSuchTransition {
                action: ActionKind::Accept,
                status: Status::Closed
            })
        ),
        "{got:?}"
    );
}

#[test]
fn someone_who_can_see_an_unassigned_issue_is_told_a_unit_action_is_no_such_transition() {
    // A dispatcher who also belongs to a unit sees every issue. Starting an accepted issue is
    // not a transition of the table (422); it is not hidden from them (404).
    let both = person(70, &[Role::Dispatcher, Role::UnitMember], &[], &[1], &[]);
    let track = drive_to(Status::Accepted);
    assert!(both.can_see(&track.issue.scope()));
    let got = track.try_next(Action::Start, &both);
    assert_eq!(
        got.err(),
        Some(TransitionError::NoSuchTransition {
            action: ActionKind::Start,
            status: Status::Accepted,
        })
    );
}

#[test]
fn a_post_member_of_another_grid_is_out_of_scope() {
    let track = drive_to(Status::Resolved);
    let outsider = post_member_of_grid(2);
    for action in [sample(ActionKind::Verify), sample(ActionKind::Comment)] {
        let kind = action.kind();
        let got = track.try_next(action, &outsider);
        assert_eq!(got.err(), Some(TransitionError::OutOfScope), "{kind}");
    }
    assert!(
        available_actions(&track.issue, &outsider).is_empty(),
        "an outsider is offered nothing"
    );
    let insider = post_member_of_grid(1);
    track
        .try_next(sample(ActionKind::Verify), &insider)
        .expect("a post member of the issue's grid verifies it");
}

#[test]
fn a_unit_member_of_another_unit_cannot_start_an_issue_assigned_elsewhere() {
    let track = drive_to(Status::Assigned);
    assert_eq!(track.issue.unit, Some(unit(1)));
    let got = track.try_next(Action::Start, &unit_member_of(2));
    assert_eq!(got.err(), Some(TransitionError::OutOfScope));
    let head_elsewhere = person(60, &[Role::UnitHead], &[], &[2], &[]);
    let got = track.try_next(Action::Start, &head_elsewhere);
    assert_eq!(got.err(), Some(TransitionError::OutOfScope));
    track
        .try_next(Action::Start, &unit_member_of(1))
        .expect("the assigned unit starts it");
}

#[test]
fn a_unit_member_cannot_act_on_an_issue_not_yet_assigned_to_anyone() {
    let track = drive_to(Status::Accepted);
    let got = track.try_next(sample(ActionKind::Comment), &unit_member_of(1));
    assert_eq!(got.err(), Some(TransitionError::OutOfScope));
}

#[test]
fn dispatchers_and_supervisors_act_on_issues_of_every_grid_and_unit() {
    // Reported in grid 2 for enterprise 2; neither the dispatcher nor the supervisor is
    // attached to any grid, unit or enterprise.
    let mut track = Track::reported_in(
        grid(2),
        enterprise(2),
        &post_member_of_grid(2),
        monday_morning(),
    );
    track.apply(sample(ActionKind::Accept), &dispatcher());
    track.apply(
        Action::Assign {
            unit: unit(2),
            sla: day_sla(),
        },
        &dispatcher(),
    );
    track.apply(
        Action::Reassign {
            unit: unit(1),
            reason: Some(reason("the town owns that road")),
        },
        &supervisor(),
    );
    track.apply(
        Action::Reassign {
            unit: unit(2),
            reason: None,
        },
        &dispatcher(),
    );
    track.apply(Action::Start, &unit_member_of(2));
    track.apply(sample(ActionKind::Resolve), &unit_member_of(2));
    track.apply(sample(ActionKind::Verify), &dispatcher());
    track.apply(sample(ActionKind::Reopen), &supervisor());
    assert_eq!(track.issue.status, Status::Accepted);
}

#[test]
fn an_enterprise_contact_may_report_only_for_its_own_enterprise() {
    let wf = workflow();
    let contact = enterprise_contact_of(1);
    wf.report(
        report_for(grid(1), enterprise(1)),
        &contact,
        monday_morning(),
    )
    .expect("a contact reports for its own enterprise");
    let got = wf.report(
        report_for(grid(1), enterprise(2)),
        &contact,
        monday_morning(),
    );
    assert_eq!(got.err(), Some(TransitionError::OutOfScope));
}

#[test]
fn a_post_member_may_report_only_in_its_own_grid() {
    let wf = workflow();
    let post = post_member_of_grid(1);
    wf.report(report_for(grid(1), enterprise(1)), &post, monday_morning())
        .expect("a post reports in its own grid");
    let got = wf.report(report_for(grid(2), enterprise(2)), &post, monday_morning());
    assert_eq!(got.err(), Some(TransitionError::OutOfScope));
}

#[test]
fn the_reporter_may_still_comment_after_leaving_the_grid() {
    // DESIGN.md: "comment | any | anyone who can see it", and `Actor::can_see` says the
    // reporter always sees what they reported.
    let reporter = post_member_of_grid(1);
    let track = Track::reported(&reporter, monday_morning());
    let moved = Actor {
        grids: vec![grid(2)],
        ..reporter
    };
    assert!(moved.can_see(&track.issue.scope()));
    track
        .try_next(sample(ActionKind::Comment), &moved)
        .expect("whoever can see an issue may comment on it");
}

// ---------------------------------------------------------------------------------------------
// 3. Deadlines on the working calendar

/// An issue accepted and then assigned to unit 1 at `at` with `terms`.
fn assigned_at(at: DateTime<Utc>, terms: Sla) -> (Track, Decision) {
    let mut track = Track::reported(&post_member_of_grid(1), at - Duration::minutes(30));
    track.apply(sample(ActionKind::Accept), &dispatcher());
    let decision = track.apply_at(
        Action::Assign {
            unit: unit(1),
            sla: terms,
        },
        &dispatcher(),
        at,
    );
    (track, decision)
}

#[test]
fn assigning_on_friday_at_five_runs_the_resolve_clock_over_the_weekend_to_monday_at_five() {
    // Friday 13 March 2026, 17:00 in Shanghai. By hand, on Mon–Fri 09:00–12:00 + 13:30–18:00:
    // response 60 min = Fri 17:00–18:00, so it is due Friday 18:00 (the hour fits before the
    // evening; 60 minutes from 17:00 is not Monday 09:30).
    // resolve 450 min = Fri 17:00–18:00 (60) + Mon 09:00–12:00 (180) + Mon 13:30–17:00 (210).
    let (track, _) = assigned_at(sh(2026, 3, 13, 17, 0), day_sla());
    assert_eq!(track.issue.response_due_at, Some(sh(2026, 3, 13, 18, 0)));
    assert_eq!(track.issue.resolve_due_at, Some(sh(2026, 3, 16, 17, 0)));
    assert_eq!(track.issue.assigned_at, Some(sh(2026, 3, 13, 17, 0)));
    assert_eq!(track.issue.sla, Some(day_sla()));
}

#[test]
fn a_ninety_minute_response_assigned_on_friday_at_five_is_due_on_monday_at_half_past_nine() {
    // 90 min = Fri 17:00–18:00 (60) + Mon 09:00–09:30 (30).
    let (track, _) = assigned_at(sh(2026, 3, 13, 17, 0), sla(90, 450));
    assert_eq!(track.issue.response_due_at, Some(sh(2026, 3, 16, 9, 30)));
    assert_eq!(track.issue.resolve_due_at, Some(sh(2026, 3, 16, 17, 0)));
}

#[test]
fn assigning_before_the_spring_festival_counts_the_saturday_make_up_day() {
    // Friday 13 Feb 2026, 17:00: Sat 14 Feb is a make-up working day, 15–23 Feb the holiday.
    // 450 min = Fri 17:00–18:00 (60) + Sat 09:00–12:00 (180) + Sat 13:30–17:00 (210).
    let (track, _) = assigned_at(sh(2026, 2, 13, 17, 0), day_sla());
    assert_eq!(track.issue.resolve_due_at, Some(sh(2026, 2, 14, 17, 0)));
}

#[test]
fn two_working_hours_on_hold_move_the_resolve_deadline_by_two_working_hours() {
    // Assigned Monday 09:00 with 450 min: due Monday 18:00.
    let (mut track, _) = assigned_at(monday_morning(), day_sla());
    assert_eq!(track.issue.resolve_due_at, Some(sh(2026, 3, 16, 18, 0)));
    let unit1 = unit_member_of(1);
    track.apply_at(Action::Start, &unit1, sh(2026, 3, 16, 9, 10));
    // On hold 11:00–14:30: 11:00–12:00 and 13:30–14:30, two working hours across lunch.
    track.apply_at(sample(ActionKind::Hold), &unit1, sh(2026, 3, 16, 11, 0));
    assert_eq!(track.issue.held_since, Some(sh(2026, 3, 16, 11, 0)));
    let resumed = track.apply_at(Action::Resume, &unit1, sh(2026, 3, 16, 14, 30));
    assert_eq!(track.issue.held_minutes, 120);
    assert_eq!(track.issue.held_since, None);
    // Monday 18:00 + 120 working minutes = Tuesday 09:00–11:00.
    assert_eq!(track.issue.resolve_due_at, Some(sh(2026, 3, 17, 11, 0)));
    assert!(resumed.effects.contains(&Effect::WatchDeadlines {
        response_due_at: None,
        resolve_due_at: sh(2026, 3, 17, 11, 0),
    }));
}

#[test]
fn time_on_hold_is_never_overdue() {
    let (mut track, _) = assigned_at(monday_morning(), day_sla());
    let unit1 = unit_member_of(1);
    track.apply(Action::Start, &unit1);
    track.apply(sample(ActionKind::Hold), &unit1);
    let due = track.issue.resolve_due_at.expect("a resolve deadline");
    for later in [due, due + Duration::days(1), sh(2026, 12, 31, 23, 59)] {
        assert!(
            !track.issue.is_overdue(later),
            "on hold yet overdue at {later}"
        );
    }
    // The same issue, in progress, is overdue once its deadline passes.
    track.apply(Action::Resume, &unit1);
    let due = track.issue.resolve_due_at.expect("a resolve deadline");
    assert!(!track.issue.is_overdue(due - Duration::minutes(1)));
    assert!(track.issue.is_overdue(due));
}

#[test]
fn an_unstarted_issue_is_overdue_once_its_response_is_due() {
    let (track, _) = assigned_at(monday_morning(), day_sla());
    assert!(!track.issue.is_overdue(sh(2026, 3, 16, 9, 59)));
    assert!(track.issue.is_overdue(sh(2026, 3, 16, 10, 0)));
}

#[test]
fn granting_an_extension_moves_the_resolve_deadline_to_the_requested_time() {
    let (mut track, _) = assigned_at(monday_morning(), day_sla());
    let unit1 = unit_member_of(1);
    track.apply(Action::Start, &unit1);
    let until = sh(2026, 3, 20, 18, 0);
    track.apply(
        Action::ExtendRequest {
            until,
            reason: reason("the asphalt plant is closed"),
        },
        &unit1,
    );
    let pending = track
        .issue
        .pending_extension
        .clone()
        .expect("a pending request");
    assert_eq!(pending.until, until);
    assert_eq!(pending.requested_by, Some(unit1.user));
    let granted = track.apply(Action::ExtendGrant { until: None }, &supervisor());
    assert_eq!(track.issue.resolve_due_at, Some(until));
    assert_eq!(track.issue.pending_extension, None);
    assert_eq!(track.issue.status, Status::InProgress);
    assert!(granted.effects.contains(&Effect::Notify {
        audience: Audience::Unit(unit(1)),
        kind: NotificationKind::ExtensionGranted,
    }));
}

#[test]
fn a_supervisor_may_grant_a_different_time_than_the_one_requested() {
    let (mut track, _) = assigned_at(monday_morning(), day_sla());
    let unit1 = unit_member_of(1);
    track.apply(
        Action::ExtendRequest {
            until: sh(2026, 3, 27, 18, 0),
            reason: reason("the asphalt plant is closed"),
        },
        &unit1,
    );
    let granted = sh(2026, 3, 20, 18, 0);
    track.apply(
        Action::ExtendGrant {
            until: Some(granted),
        },
        &supervisor(),
    );
    assert_eq!(track.issue.resolve_due_at, Some(granted));
}

#[test]
fn denying_an_extension_clears_the_request_and_keeps_the_deadline() {
    let (mut track, _) = assigned_at(monday_morning(), day_sla());
    let due = track.issue.resolve_due_at;
    track.apply(sample(ActionKind::ExtendRequest), &unit_member_of(1));
    assert!(track.issue.pending_extension.is_some());
    track.apply(sample(ActionKind::ExtendDeny), &supervisor());
    assert_eq!(track.issue.pending_extension, None);
    assert_eq!(track.issue.resolve_due_at, due);
}

#[test]
fn granting_or_denying_without_a_request_is_a_precondition_error() {
    let (track, _) = assigned_at(monday_morning(), day_sla());
    assert_eq!(track.issue.pending_extension, None);
    for action in [
        sample(ActionKind::ExtendGrant),
        sample(ActionKind::ExtendDeny),
    ] {
        let kind = action.kind();
        let got = track.try_next(action, &supervisor());
        assert!(
            matches!(got, Err(TransitionError::Precondition(_))),
            "{kind} without a request: {got:?}"
        );
    }
}

#[test]
fn an_extension_request_must_move_the_deadline_later() {
    let (track, _) = assigned_at(monday_morning(), day_sla());
    let due = track.issue.resolve_due_at.expect("a resolve deadline");
    for until in [due, due - Duration::minutes(1)] {
        let got = track.try_next(
            Action::ExtendRequest {
                until,
                reason: reason("more time"),
            },
            &unit_member_of(1),
        );
        assert!(
            matches!(got, Err(TransitionError::Precondition(_))),
            "{until}: {got:?}"
        );
    }
}

#[test]
fn rework_resets_the_deadlines_from_the_rework_time_and_counts_a_rework() {
    let (mut track, _) = assigned_at(monday_morning(), day_sla());
    let unit1 = unit_member_of(1);
    track.apply(Action::Start, &unit1);
    track.apply(sample(ActionKind::Resolve), &unit1);
    assert_eq!(track.issue.rework_count, 0);
    // Reworked on Wednesday 18 March at 14:00: response due 15:00, resolve due
    // 14:00–18:00 (240) + Thu 09:00–12:00 (180) + Thu 13:30–14:00 (30) = Thursday 14:00.
    let at = sh(2026, 3, 18, 14, 0);
    let decision = track.apply_at(sample(ActionKind::Rework), &post_member_of_grid(1), at);
    let issue = &track.issue;
    assert_eq!(issue.status, Status::Assigned);
    assert_eq!(issue.rework_count, 1);
    assert_eq!(
        issue.unit,
        Some(unit(1)),
        "rework goes back to the same unit"
    );
    assert_eq!(issue.assigned_at, Some(at));
    assert_eq!(issue.response_due_at, Some(sh(2026, 3, 18, 15, 0)));
    assert_eq!(issue.resolve_due_at, Some(sh(2026, 3, 19, 14, 0)));
    assert_eq!(issue.responded_at, None);
    assert_eq!(issue.resolved_at, None);
    assert_eq!(issue.resolution, None);
    assert!(decision.effects.contains(&Effect::WatchDeadlines {
        response_due_at: Some(sh(2026, 3, 18, 15, 0)),
        resolve_due_at: sh(2026, 3, 19, 14, 0),
    }));
    // And a second round counts again.
    track.apply(Action::Start, &unit1);
    track.apply(sample(ActionKind::Resolve), &unit1);
    track.apply(sample(ActionKind::Rework), &post_member_of_grid(1));
    assert_eq!(track.issue.rework_count, 2);
}

#[test]
fn reopening_a_closed_issue_clears_its_unit_satisfaction_and_verifier() {
    let mut track = drive_to(Status::Closed);
    assert!(track.issue.unit.is_some());
    assert!(track.issue.satisfaction.is_some());
    assert_eq!(track.issue.verifier, Some(superuser().user));
    track.apply(sample(ActionKind::Reopen), &supervisor());
    let issue = &track.issue;
    assert_eq!(issue.status, Status::Accepted);
    assert_eq!(issue.unit, None);
    assert_eq!(issue.satisfaction, None);
    assert_eq!(issue.verifier, None);
    assert_eq!(issue.closed_at, None);
    assert_eq!(issue.sla, None);
    assert_eq!(issue.resolve_due_at, None);
}

#[test]
fn returning_an_issue_clears_the_assignment_and_counts_a_return() {
    let mut track = drive_to(Status::Assigned);
    track.apply(sample(ActionKind::Return), &unit_member_of(1));
    let issue = &track.issue;
    assert_eq!(issue.status, Status::Accepted);
    assert_eq!(issue.return_count, 1);
    assert_eq!(issue.unit, None);
    assert_eq!(issue.response_due_at, None);
    assert_eq!(issue.pending_extension, None);
}

#[test]
fn an_issue_cannot_be_marked_a_duplicate_of_itself() {
    let track = drive_to(Status::Accepted);
    let got = track.try_next(
        Action::MarkDuplicate {
            of: issue_id(THIS_ISSUE),
        },
        &dispatcher(),
    );
    assert!(
        matches!(got, Err(TransitionError::Precondition(_))),
        "{got:?}"
    );
}

#[test]
fn reassigning_to_the_same_unit_is_a_precondition_error() {
    let track = drive_to(Status::Assigned);
    let got = track.try_next(
        Action::Reassign {
            unit: unit(1),
            reason: None,
        },
        &dispatcher(),
    );
    assert!(
        matches!(got, Err(TransitionError::Precondition(_))),
        "{got:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Effects

#[test]
fn assigning_notifies_the_unit_and_watches_both_deadlines() {
    let (track, decision) = assigned_at(monday_morning(), day_sla());
    assert_eq!(
        decision.effects,
        vec![
            Effect::Notify {
                audience: Audience::Unit(unit(1)),
                kind: NotificationKind::Assigned,
            },
            Effect::WatchDeadlines {
                response_due_at: track.issue.response_due_at,
                resolve_due_at: track.issue.resolve_due_at.expect("a resolve deadline"),
            },
        ]
    );
}

#[test]
fn resolving_notifies_the_grids_posts_and_stops_watching() {
    let mut track = drive_to(Status::InProgress);
    let decision = track.apply(sample(ActionKind::Resolve), &unit_member_of(1));
    assert!(
        decision.effects.contains(&Effect::Notify {
            audience: Audience::GridPosts(grid(1)),
            kind: NotificationKind::Resolved,
        }),
        "{:?}",
        decision.effects
    );
    assert!(
        decision.effects.contains(&Effect::StopWatching),
        "{:?}",
        decision.effects
    );
    assert!(decision.effects.contains(&Effect::Notify {
        audience: Audience::Reporter(superuser().user),
        kind: NotificationKind::Resolved,
    }));
}

#[test]
fn reporting_notifies_the_dispatchers() {
    let (event, effects) = workflow()
        .report(
            report_for(grid(1), enterprise(1)),
            &post_member_of_grid(1),
            monday_morning(),
        )
        .expect("a post reports in its grid");
    assert_eq!(
        effects,
        vec![Effect::Notify {
            audience: Audience::Dispatchers,
            kind: NotificationKind::Reported,
        }]
    );
    assert_eq!(event.version, 1);
    assert_eq!(event.from, None);
    assert_eq!(event.to, Status::Reported);
    assert_eq!(event.actor, Some(post_member_of_grid(1).user));
}

#[test]
fn holding_stops_the_watch_and_starting_stops_the_response_clock() {
    let mut track = drive_to(Status::Assigned);
    let started = track.apply(Action::Start, &unit_member_of(1));
    assert_eq!(started.effects, vec![Effect::ResponseClockStopped]);
    let held = track.apply(sample(ActionKind::Hold), &unit_member_of(1));
    assert_eq!(held.effects, vec![Effect::StopWatching]);
}

// ---------------------------------------------------------------------------------------------
// 5. Properties

/// The cast of the random lifecycles. Issues are reported in grid 1 for enterprise 1.
fn cast() -> Vec<Actor> {
    vec![
        person(1, &[Role::PostMember], &[1], &[], &[]),
        person(2, &[Role::PostMember], &[2], &[], &[]),
        person(3, &[Role::Dispatcher], &[], &[], &[]),
        person(4, &[Role::UnitMember], &[], &[1], &[]),
        person(5, &[Role::UnitMember], &[], &[2], &[]),
        person(6, &[Role::UnitHead], &[], &[1], &[]),
        person(7, &[Role::Supervisor], &[], &[], &[]),
        person(8, &[Role::Commissioner], &[1], &[], &[]),
        person(9, &[Role::Enterprise], &[], &[], &[1]),
    ]
}

/// Who in the cast may report an issue of grid 1 / enterprise 1.
const REPORTERS: [usize; 3] = [0, 7, 8];

/// One random step: an actor and an action with its parameters, after a wait.
#[derive(Debug, Clone)]
struct Step {
    /// Guided steps pick among the (actor, action) pairs `available_actions` offers, so that
    /// lifecycles get deep; unguided ones are any action by anyone, mostly refused.
    guided: bool,
    who: usize,
    kind: usize,
    unit: i64,
    sla: (u32, u32),
    /// Extension requests: minutes after now.
    until_minutes: i64,
    /// Extension grants: an override, minutes after now (possibly in the past).
    grant_minutes: Option<i64>,
    satisfaction: u8,
    duplicate_of_itself: bool,
    wait_seconds: i64,
}

fn step_strategy() -> impl Strategy<Value = Step> {
    (
        any::<bool>(),
        0usize..10_000,
        0usize..17,
        1i64..=2,
        (1u32..=480, 0u32..=5_000),
        1i64..=30 * 24 * 60,
        proptest::option::of(-24 * 60i64..=30 * 24 * 60),
        1u8..=5,
        proptest::bool::weighted(0.2),
        0i64..=3 * 24 * 3600,
    )
        .prop_map(
            |(
                guided,
                who,
                kind,
                unit,
                (response, extra),
                until_minutes,
                grant_minutes,
                satisfaction,
                duplicate_of_itself,
                wait_seconds,
            )| Step {
                guided,
                who,
                kind,
                unit,
                sla: (response, response + extra),
                until_minutes,
                grant_minutes,
                satisfaction,
                duplicate_of_itself,
                wait_seconds,
            },
        )
}

/// The action of `kind` with the step's parameters.
fn build(kind: ActionKind, step: &Step, now: DateTime<Utc>) -> Action {
    match kind {
        ActionKind::Assign => Action::Assign {
            unit: unit(step.unit),
            sla: sla(step.sla.0, step.sla.1),
        },
        ActionKind::Reassign => Action::Reassign {
            unit: unit(step.unit),
            reason: step.duplicate_of_itself.then(|| reason("moved")),
        },
        ActionKind::ExtendRequest => Action::ExtendRequest {
            until: now + Duration::minutes(step.until_minutes),
            reason: reason("more time"),
        },
        ActionKind::ExtendGrant => Action::ExtendGrant {
            until: step.grant_minutes.map(|m| now + Duration::minutes(m)),
        },
        ActionKind::Verify => Action::Verify {
            satisfaction: satisfaction(step.satisfaction),
            note: None,
        },
        ActionKind::MarkDuplicate => Action::MarkDuplicate {
            of: issue_id(if step.duplicate_of_itself {
                THIS_ISSUE
            } else {
                OTHER_ISSUE
            }),
        },
        other => sample(other),
    }
}

/// The invariants every issue must satisfy after every step.
fn check_invariants(issue: &Issue, events: &[Event]) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        issue.version as usize,
        events.len(),
        "version counts the events"
    );
    for (i, event) in events.iter().enumerate() {
        prop_assert_eq!(event.version as usize, i + 1, "event versions step by one");
    }
    for pair in events.windows(2) {
        prop_assert_eq!(
            pair[1].from,
            Some(pair[0].to),
            "each event starts where the last ended"
        );
        prop_assert!(pair[0].at <= pair[1].at, "events are in time order");
    }
    let replayed = Issue::replay(issue.id, events);
    prop_assert_eq!(
        replayed.as_ref(),
        Ok(issue),
        "the issue is the replay of its events"
    );
    prop_assert_eq!(issue.escalation_level, 0, "nothing escalates in the core");
    match issue.status {
        Status::Closed => {
            prop_assert!(issue.verifier.is_some(), "closed without a verifier");
            prop_assert!(
                issue.satisfaction.is_some(),
                "closed without a satisfaction"
            );
            prop_assert!(issue.closed_at.is_some(), "closed without a closing time");
        }
        Status::Assigned | Status::InProgress | Status::OnHold | Status::Resolved => {
            prop_assert!(issue.unit.is_some(), "{} without a unit", issue.status);
            prop_assert!(issue.sla.is_some(), "{} without an SLA", issue.status);
            prop_assert!(
                issue.response_due_at.is_some(),
                "{} without a response deadline",
                issue.status
            );
            prop_assert!(
                issue.resolve_due_at.is_some(),
                "{} without a resolve deadline",
                issue.status
            );
            prop_assert!(
                issue.assigned_at.is_some(),
                "{} without an assignment time",
                issue.status
            );
        }
        Status::Reported | Status::Accepted | Status::Rejected => {
            prop_assert_eq!(issue.unit, None, "{} with a unit", issue.status);
            prop_assert_eq!(issue.sla, None, "{} with an SLA", issue.status);
            prop_assert_eq!(
                issue.resolve_due_at,
                None,
                "{} with a deadline",
                issue.status
            );
            prop_assert_eq!(
                issue.satisfaction,
                None,
                "{} with a satisfaction",
                issue.status
            );
            prop_assert_eq!(issue.verifier, None, "{} with a verifier", issue.status);
        }
        Status::Duplicate => {
            prop_assert!(
                issue.duplicate_of.is_some_and(|of| of != issue.id),
                "a duplicate of nothing or itself"
            );
        }
    }
    prop_assert_eq!(
        issue.held_since.is_some(),
        issue.status == Status::OnHold,
        "held_since set exactly on hold"
    );
    if issue.pending_extension.is_some() {
        prop_assert!(
            matches!(
                issue.status,
                Status::Assigned | Status::InProgress | Status::OnHold
            ),
            "a pending extension on a {} issue",
            issue.status
        );
    }
    if matches!(
        issue.status,
        Status::InProgress | Status::OnHold | Status::Resolved
    ) {
        prop_assert!(
            issue.responded_at.is_some(),
            "{} without a first response",
            issue.status
        );
    }
    Ok(())
}

/// Deadlines set by an assignment (assign, rework, reassign) are in order and not in the past.
fn check_assignment(decision: &Decision) -> Result<(), TestCaseError> {
    let issue = &decision.issue;
    if matches!(
        decision.event.change.kind(),
        "assigned" | "reworked" | "reassigned"
    ) {
        let response = issue.response_due_at.expect("checked by the invariants");
        let resolve = issue.resolve_due_at.expect("checked by the invariants");
        prop_assert!(
            response <= resolve,
            "response due {} after resolve due {}",
            response,
            resolve
        );
        prop_assert!(decision.event.at <= response, "a deadline in the past");
        prop_assert_eq!(issue.assigned_at, Some(decision.event.at));
    }
    Ok(())
}

/// How often a guided step picks each offered action, relative to the others: the terminal
/// and no-op actions are offered almost everywhere, and would otherwise keep most lifecycles
/// from ever reaching the unit, verification or reopening.
fn guided_weight(kind: ActionKind) -> usize {
    match kind {
        ActionKind::Comment | ActionKind::MarkDuplicate | ActionKind::Reject => 1,
        _ => 10,
    }
}

/// A guided step: an offered action kind by weight, then one of the actors offered it.
fn guided_pick(offered: &[(usize, ActionKind)], step: &Step) -> (usize, ActionKind) {
    let mut kinds: Vec<ActionKind> = offered.iter().map(|&(_, k)| k).collect();
    kinds.sort();
    kinds.dedup();
    let total: usize = kinds.iter().map(|&k| guided_weight(k)).sum();
    let mut ticket = step.who % total;
    let mut kind = kinds[0];
    for &k in &kinds {
        if ticket < guided_weight(k) {
            kind = k;
            break;
        }
        ticket -= guided_weight(k);
    }
    let actors: Vec<usize> = offered
        .iter()
        .filter(|&&(_, k)| k == kind)
        .map(|&(i, _)| i)
        .collect();
    (actors[step.kind % actors.len()], kind)
}

/// Drives one random lifecycle, checking the invariants after every step and, when `model` is
/// set, every answer of `apply` against the reference model.
fn run_lifecycle(
    reporter: usize,
    start: DateTime<Utc>,
    steps: &[Step],
    model: bool,
) -> Result<(), TestCaseError> {
    let cast = cast();
    let wf = workflow();
    let (first, _) = wf
        .report(report_for(grid(1), enterprise(1)), &cast[reporter], start)
        .map_err(|e| TestCaseError::fail(format!("report refused: {e}")))?;
    let mut issue = Issue::open(issue_id(THIS_ISSUE), &first)
        .map_err(|e| TestCaseError::fail(format!("open refused: {e}")))?;
    let mut events = vec![first];
    let mut now = start;
    check_invariants(&issue, &events)?;

    let kinds: Vec<ActionKind> = issue_actions().collect();
    for step in steps {
        now += Duration::seconds(step.wait_seconds);
        let offered: Vec<(usize, ActionKind)> = cast
            .iter()
            .enumerate()
            .flat_map(|(i, actor)| {
                available_actions(&issue, actor)
                    .into_iter()
                    .map(move |k| (i, k))
            })
            .collect();
        let (who, kind) = if step.guided && !offered.is_empty() {
            guided_pick(&offered, step)
        } else {
            (step.who % cast.len(), kinds[step.kind % kinds.len()])
        };
        let actor = &cast[who];
        let action = build(kind, step, now);
        let available = available_actions(&issue, actor).contains(&kind);
        let verdict = model_verdict(&issue, kind, actor);

        let before = issue.clone();
        let result = wf.apply(&issue, action.clone(), actor, now);
        prop_assert_eq!(&issue, &before, "apply mutated its input");

        match &result {
            Ok(_) => prop_assert!(
                available,
                "{} by user {} succeeded but was not offered",
                kind,
                actor.user
            ),
            Err(TransitionError::Precondition(_)) => prop_assert!(
                available,
                "{} by user {} got past the table and roles but was not offered",
                kind,
                actor.user
            ),
            Err(_) => prop_assert!(
                !available,
                "{} by user {} was offered but refused: {:?}",
                kind,
                actor.user,
                result
            ),
        }

        if model {
            let from = issue.status;
            match (verdict, &result) {
                (Verdict::Allowed(to), Ok(decision)) => prop_assert_eq!(
                    decision.issue.status,
                    to,
                    "{} from {} by user {}",
                    kind,
                    from,
                    actor.user
                ),
                (Verdict::Allowed(_), Err(TransitionError::Precondition(_)))
                | (Verdict::NoSuchTransition, Err(TransitionError::NoSuchTransition { .. }))
                | (Verdict::RoleNotPermitted, Err(TransitionError::RoleNotPermitted { .. }))
                | (Verdict::OutOfScope, Err(TransitionError::OutOfScope)) => {}
                (verdict, got) => {
                    let got = got.as_ref().map(|d| d.issue.status);
                    let who = actor.user;
                    return Err(TestCaseError::fail(format!(
                        "{kind} from {from} by user {who}: model says {verdict:?}, apply {got:?}"
                    )));
                }
            }
        }

        if let Ok(decision) = result {
            prop_assert_eq!(decision.event.version, issue.version + 1);
            prop_assert_eq!(decision.event.from, Some(issue.status));
            prop_assert_eq!(decision.event.to, decision.issue.status);
            prop_assert_eq!(decision.event.at, now);
            prop_assert_eq!(decision.event.actor, Some(actor.user));
            check_assignment(&decision)?;
            events.push(decision.event);
            issue = decision.issue;
            check_invariants(&issue, &events)?;
        }
    }
    Ok(())
}

fn start_strategy() -> impl Strategy<Value = DateTime<Utc>> {
    // Anywhere in the first 180 days of 2026 (Shanghai), to the second; 40 steps of at most
    // three days each stay within the year.
    (0i64..180 * 24 * 3600).prop_map(|s| sh(2026, 1, 1, 0, 0) + Duration::seconds(s))
}

/// 256 random lifecycles per property; failing seeds are kept in
/// `tests/proptest-regressions/lifecycle.txt` (cargo runs tests from the crate's folder) and
/// replayed first on every run.
fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/proptest-regressions/lifecycle.txt",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn random_lifecycles_keep_every_invariant_after_every_step(
        reporter in proptest::sample::select(REPORTERS.to_vec()),
        start in start_strategy(),
        steps in proptest::collection::vec(step_strategy(), 0..=40),
    ) {
        run_lifecycle(reporter, start, &steps, false)?;
    }

    #[test]
    fn random_lifecycles_answer_as_the_reference_model_from_design_says(
        reporter in proptest::sample::select(REPORTERS.to_vec()),
        start in start_strategy(),
        steps in proptest::collection::vec(step_strategy(), 0..=40),
    ) {
        run_lifecycle(reporter, start, &steps, true)?;
    }
}

#[test]
fn a_public_note_is_kept_apart_from_the_internal_one_and_cleared_by_rework() {
    let (mut track, _) = assigned_at(monday_morning(), day_sla());
    let unit1 = unit_member_of(1);
    track.apply(Action::Start, &unit1);
    track.apply(
        Action::Resolve {
            note: note("called Mr Wang on 13812345678, cable replaced"),
            public_note: Some(note("the cable was replaced")),
        },
        &unit1,
    );
    assert_eq!(
        track.issue.resolution,
        Some(note("called Mr Wang on 13812345678, cable replaced"))
    );
    assert_eq!(
        track.issue.public_resolution,
        Some(note("the cable was replaced"))
    );
    track.apply(sample(ActionKind::Rework), &post_member_of_grid(1));
    assert_eq!(track.issue.public_resolution, None);
}

#[test]
fn a_resolved_event_stored_before_public_notes_decodes_as_not_public() {
    let old = serde_json::json!({"kind": "resolved", "note": "fixed"});
    let change: Change = serde_json::from_value(old).expect("an old payload decodes");
    assert_eq!(
        change,
        Change::Resolved {
            note: note("fixed"),
            public_note: None
        }
    );
    // And without a public note the payload is written as before.
    let written = serde_json::to_value(&change).expect("encodes");
    assert_eq!(
        written,
        serde_json::json!({"kind": "resolved", "note": "fixed"})
    );
}

// ---------------------------------------------------------------------------------------------
// Deadlines recomputed when the calendar changes

/// The calendar with 2027 entered late: New Year's Day a holiday.
fn with_new_years_day() -> Workflow {
    use gridloop_core::calendar::YearDay;
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
    Workflow::new(Calendar::default_china().with_year(year))
}

fn cause() -> gridloop_core::CalendarChange {
    gridloop_core::CalendarChange {
        region: "cn".into(),
        year: 2027,
        version: 2,
    }
}

/// Assigned on New Year's Eve at 17:00 with an hour to respond and two to resolve: on the
/// calendar without 2027 the resolution falls due on New Year's Day at 10:00.
fn assigned_on_new_years_eve() -> Track {
    let mut track = Track::reported(&post_member_of_grid(1), sh(2026, 12, 31, 16, 0));
    track.apply(sample(ActionKind::Accept), &dispatcher());
    track.apply_at(
        Action::Assign {
            unit: unit(1),
            sla: sla(60, 120),
        },
        &dispatcher(),
        sh(2026, 12, 31, 17, 0),
    );
    assert_eq!(track.issue.resolve_due_at, Some(sh(2027, 1, 1, 10, 0)));
    assert_eq!(track.issue.response_due_at, Some(sh(2026, 12, 31, 18, 0)));
    track
}

#[test]
fn a_holiday_entered_late_moves_the_deadline_past_it_keeping_the_working_time_left() {
    let track = assigned_on_new_years_eve();
    let now = sh(2026, 12, 31, 17, 30);
    let decision = with_new_years_day()
        .recompute_deadlines(track.wf.calendar(), &track.issue, cause(), now)
        .expect("the resolution deadline moves");
    // 30 minutes were left on the 31st and 60 on the 1st; the 1st is a holiday and the 2nd and
    // 3rd a weekend, so the last 60 minutes are worked on Monday the 4th.
    assert_eq!(
        decision.event.change,
        Change::DeadlinesRecomputed {
            response_due_at: None,
            resolve_due_at: Some(gridloop_core::DeadlineMove {
                from: sh(2027, 1, 1, 10, 0),
                to: sh(2027, 1, 4, 10, 0),
            }),
            cause: cause(),
        }
    );
    assert_eq!(decision.event.actor, None);
    assert_eq!(decision.event.version, track.issue.version + 1);
    assert_eq!(decision.issue.status, track.issue.status);
    assert_eq!(decision.issue.resolve_due_at, Some(sh(2027, 1, 4, 10, 0)));
    assert_eq!(
        decision.issue.response_due_at,
        Some(sh(2026, 12, 31, 18, 0))
    );
    // The watch is armed again on the new deadlines, so the timers follow them.
    assert_eq!(
        decision.effects,
        vec![Effect::WatchDeadlines {
            response_due_at: Some(sh(2026, 12, 31, 18, 0)),
            resolve_due_at: sh(2027, 1, 4, 10, 0),
        }]
    );
    // Replaying the history gives the same issue.
    let mut replayed = track.issue.clone();
    replayed.evolve(&decision.event).expect("the event folds");
    assert_eq!(replayed, decision.issue);
}

#[test]
fn nothing_moves_when_the_change_does_not_touch_the_time_left() {
    let track = assigned_on_new_years_eve();
    let now = sh(2026, 12, 31, 17, 30);
    // The same calendar: nothing to do.
    assert_eq!(
        track
            .wf
            .recompute_deadlines(track.wf.calendar(), &track.issue, cause(), now),
        None
    );
    // A deadline already missed stays missed: rewriting it would rewrite whether it was met.
    let later = sh(2027, 1, 1, 11, 0);
    assert_eq!(
        with_new_years_day().recompute_deadlines(track.wf.calendar(), &track.issue, cause(), later),
        None
    );
}

#[test]
fn a_held_issue_keeps_the_time_it_had_when_its_clock_stopped_and_is_not_watched() {
    let mut track = assigned_on_new_years_eve();
    track.apply(sample(ActionKind::Start), &unit_member_of(1));
    track.apply_at(
        Action::Hold {
            reason: reason("waiting for the supplier"),
        },
        &unit_member_of(1),
        sh(2026, 12, 31, 17, 10),
    );
    let decision = with_new_years_day()
        .recompute_deadlines(
            track.wf.calendar(),
            &track.issue,
            cause(),
            sh(2026, 12, 31, 17, 45),
        )
        .expect("the resolution deadline moves");
    // 50 minutes left on the 31st from 17:10, then 60 more: Monday the 4th at 10:00.
    assert_eq!(decision.issue.resolve_due_at, Some(sh(2027, 1, 4, 10, 0)));
    assert_eq!(decision.effects, vec![]);
    assert_eq!(decision.issue.status, Status::OnHold);
}

#[test]
fn closed_and_unassigned_issues_have_no_deadlines_to_move() {
    let track = Track::reported(&post_member_of_grid(1), sh(2026, 12, 31, 16, 0));
    assert_eq!(
        with_new_years_day().recompute_deadlines(
            track.wf.calendar(),
            &track.issue,
            cause(),
            sh(2026, 12, 31, 17, 0)
        ),
        None
    );
}

//! The issue lifecycle: one transition table, and the workflow that decides each step.
//!
//! Deciding is separate from recording. [`Workflow::apply`] checks the table, the actor's roles
//! and scope, and the action's preconditions, computes what must be computed (deadlines on the
//! working calendar), and returns the event and the effects as data. The issue it returns is the
//! old one with that event folded in by [`Issue::evolve`], the same code a replay runs.

use chrono::{DateTime, Utc};

use crate::action::{Action, ActionKind};
use crate::calendar::Calendar;
use crate::effect::{Audience, Effect};
use crate::error::{EscalationRefused, Precondition, TransitionError};
use crate::escalation::MAX_LEVEL;
use crate::event::{Change, Event, Source};
use crate::ids::{CategoryId, EnterpriseId, GridId};
use crate::issue::Issue;
use crate::notification::NotificationKind;
use crate::priority::Priority;
use crate::role::{Actor, Role, Scope};
use crate::status::Status::{self, *};
use crate::text::{Description, Title};

/// Where a transition leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    To(Status),
    /// The action records something without moving the issue (comment, extension requests).
    Stay,
}

/// One row of the transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub action: ActionKind,
    pub from: &'static [Status],
    pub to: Target,
    pub roles: &'static [Role],
    /// The fields the action cannot do without, for help texts and API docs.
    pub requires: &'static [&'static str],
}

const UNIT: &[Role] = &[Role::UnitMember, Role::UnitHead];
const DISPATCH: &[Role] = &[Role::Dispatcher];
const SUPERVISE: &[Role] = &[Role::Supervisor];
const VERIFIERS: &[Role] = &[Role::PostMember, Role::Commissioner, Role::Dispatcher];
const REPORTERS: &[Role] = &[Role::PostMember, Role::Commissioner, Role::Enterprise];
const REASSIGNERS: &[Role] = &[Role::Dispatcher, Role::Supervisor];
const EVERYONE: &[Role] = &Role::ALL;

macro_rules! rule {
    ($action:expr, $from:expr, $to:expr, $roles:expr, $requires:expr) => {
        Rule {
            action: $action,
            from: $from,
            to: $to,
            roles: $roles,
            requires: $requires,
        }
    };
}
const ALL_STATES: &[Status] = &Status::ALL;
const OPEN_STATES: &[Status] = &Status::OPEN;

/// The lifecycle, as in DESIGN.md. Read a row as: *action* takes an issue *from* one of these
/// states *to* that one, when taken by one of these *roles*, given these fields.
#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    //   action                          from                             to                            roles                requires
    rule!(ActionKind::Report,             &[],                             Target::To(Reported),         REPORTERS,           &["enterprise", "category", "title"]),
    rule!(ActionKind::Accept,             &[Reported],                     Target::To(Accepted),         DISPATCH,            &[]),
    rule!(ActionKind::Reject,             &[Reported, Accepted],           Target::To(Rejected),         DISPATCH,            &["reason"]),
    rule!(ActionKind::Assign,             &[Accepted],                     Target::To(Assigned),         DISPATCH,            &["unit"]),
    rule!(ActionKind::Return,             &[Assigned],                     Target::To(Accepted),         UNIT,                &["reason"]),
    rule!(ActionKind::Start,              &[Assigned],                     Target::To(InProgress),       UNIT,                &[]),
    rule!(ActionKind::Hold,               &[InProgress],                   Target::To(OnHold),           UNIT,                &["reason"]),
    rule!(ActionKind::Resume,             &[OnHold],                       Target::To(InProgress),       UNIT,                &[]),
    rule!(ActionKind::ExtendRequest,      &[Assigned, InProgress],         Target::Stay,                 UNIT,                &["until", "reason"]),
    rule!(ActionKind::ExtendGrant,        &[Assigned, InProgress],         Target::Stay,                 SUPERVISE,           &[]),
    rule!(ActionKind::ExtendDeny,         &[Assigned, InProgress],         Target::Stay,                 SUPERVISE,           &["reason"]),
    rule!(ActionKind::Resolve,            &[InProgress],                   Target::To(Resolved),         UNIT,                &["note"]),
    rule!(ActionKind::Verify,             &[Resolved],                     Target::To(Closed),           VERIFIERS,           &["satisfaction"]),
    rule!(ActionKind::Rework,             &[Resolved],                     Target::To(Assigned),         VERIFIERS,           &["reason"]),
    rule!(ActionKind::Reopen,             &[Closed, Rejected],             Target::To(Accepted),         SUPERVISE,           &["reason"]),
    rule!(ActionKind::MarkDuplicate,      OPEN_STATES,                     Target::To(Duplicate),        DISPATCH,            &["duplicate_of"]),
    rule!(ActionKind::Reassign,           &[Assigned, InProgress],         Target::To(Assigned),         REASSIGNERS,         &["unit"]),
    rule!(ActionKind::Comment,            ALL_STATES,                      Target::Stay,                 EVERYONE,            &["note"]),
];

/// The table row for an action. Every action has exactly one.
pub fn rule(action: ActionKind) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.action == action)
        .unwrap_or_else(|| panic!("the transition table has no row for {action}"))
}

/// The actions an actor could take on an issue right now: what a web page offers as buttons.
pub fn available_actions(issue: &Issue, actor: &Actor) -> Vec<ActionKind> {
    let scope = issue.scope();
    RULES
        .iter()
        .filter(|r| r.action != ActionKind::Report && r.from.contains(&issue.status))
        .filter(|r| {
            check_role_held(r, actor).is_ok() && check_role_covers(r, actor, &scope).is_ok()
        })
        .map(|r| r.action)
        .collect()
}

/// A new problem as reported, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub title: Title,
    pub description: Description,
    pub category: CategoryId,
    pub priority: Priority,
    /// The grid of the enterprise, looked up by the caller.
    pub grid: GridId,
    pub enterprise: EnterpriseId,
    pub source: Source,
}

/// The outcome of a decision: the issue after the event, the event, and its effects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub issue: Issue,
    pub event: Event,
    pub effects: Vec<Effect>,
}

/// Decides lifecycle steps against a working calendar.
#[derive(Debug, Clone)]
pub struct Workflow {
    // Shared: a server clones the workflow in force for each request and swaps it whole when
    // the stored calendar changes.
    calendar: std::sync::Arc<Calendar>,
}

impl Workflow {
    pub fn new(calendar: Calendar) -> Self {
        Self::shared(std::sync::Arc::new(calendar))
    }

    /// A workflow on a calendar shared with others (the weekly reports, the visit planner).
    pub fn shared(calendar: std::sync::Arc<Calendar>) -> Self {
        Self { calendar }
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The calendar, to share.
    pub fn shared_calendar(&self) -> std::sync::Arc<Calendar> {
        std::sync::Arc::clone(&self.calendar)
    }

    /// Checks that the actor may report for this enterprise, and returns the first event of the
    /// new issue. The store gives it an id and builds the issue with [`Issue::open`].
    pub fn report(
        &self,
        report: Report,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(Event, Vec<Effect>), TransitionError> {
        let rule = rule(ActionKind::Report);
        let scope = Scope {
            grid: report.grid,
            enterprise: report.enterprise,
            unit: None,
            reporter: Some(actor.user),
        };
        check_role_held(rule, actor)?;
        check_role_covers(rule, actor, &scope)?;
        let event = Event {
            version: 1,
            at: now,
            actor: Some(actor.user),
            from: None,
            to: Reported,
            change: Change::Reported {
                title: report.title,
                description: report.description,
                category: report.category,
                priority: report.priority,
                grid: report.grid,
                enterprise: report.enterprise,
                source: report.source,
            },
        };
        let effects = vec![notify(Audience::Dispatchers, NotificationKind::Reported)];
        Ok((event, effects))
    }

    /// Decides one action on an issue. On error nothing happened.
    pub fn apply(
        &self,
        issue: &Issue,
        action: Action,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Decision, TransitionError> {
        let kind = action.kind();
        let rule = rule(kind);
        let scope = issue.scope();
        // Role held (403), then visibility (404: never reveal an issue), then the state (422),
        // then whether the role covers this issue. Checking the table before the last step
        // means someone who can see an accepted issue is told "no such transition" for `start`,
        // not that it is out of scope.
        check_role_held(rule, actor)?;
        if !actor.can_see(&scope) {
            return Err(TransitionError::OutOfScope);
        }
        if !rule.from.contains(&issue.status) {
            return Err(TransitionError::NoSuchTransition {
                action: kind,
                status: issue.status,
            });
        }
        check_role_covers(rule, actor, &scope)?;
        let to = match rule.to {
            Target::To(status) => status,
            Target::Stay => issue.status,
        };
        let (change, effects) = self.decide(issue, action, now)?;
        let event = Event {
            version: issue.version + 1,
            at: now,
            actor: Some(actor.user),
            from: Some(issue.status),
            to,
            change,
        };
        let mut next = issue.clone();
        next.evolve(&event)
            .map_err(|e| TransitionError::Precondition(Precondition::Replay(e)))?;
        Ok(Decision {
            issue: next,
            event,
            effects,
        })
    }

    /// Raises an overdue issue to `level` of its escalation ladder: a step the system takes
    /// when an escalation timer fires, recorded as an event without an actor.
    ///
    /// It is not an [`ActionKind`] and not in [`RULES`]: nobody can ask for it, so
    /// [`may_take`] and [`available_actions`] never offer it. The status does not change.
    /// Level 1 tells the unit's head, level 2 the supervisors, level 3 the admins.
    ///
    /// Refused ([`TransitionError::EscalationRefused`]) for a level outside 1 to 3, an issue
    /// whose clock is not running (not assigned or in progress: on hold, resolved, closed…),
    /// a level the issue has already reached, or an issue that is not
    /// [overdue](Issue::is_overdue) at `now`. On error nothing happened.
    pub fn escalate(
        &self,
        issue: &Issue,
        level: u8,
        now: DateTime<Utc>,
    ) -> Result<Decision, TransitionError> {
        let refuse = |why| Err(TransitionError::EscalationRefused(why));
        if !(1..=MAX_LEVEL).contains(&level) {
            return refuse(EscalationRefused::NoSuchLevel { level });
        }
        if !issue.status.sla_clock_runs() {
            return refuse(EscalationRefused::ClockNotRunning {
                status: issue.status,
            });
        }
        if level <= issue.escalation_level {
            return refuse(EscalationRefused::AlreadyAtLevel {
                level,
                current: issue.escalation_level,
            });
        }
        let Some(since) = issue.overdue_since(now) else {
            return refuse(EscalationRefused::NotOverdue);
        };
        let unit = assigned_unit(issue)?;
        let audience = match level {
            1 => Audience::UnitHead(unit),
            2 => Audience::Supervisors,
            _ => Audience::Admins,
        };
        let event = Event {
            version: issue.version + 1,
            at: now,
            actor: None,
            from: Some(issue.status),
            to: issue.status,
            change: Change::Escalated {
                level,
                overdue_minutes: self.calendar.working_minutes_between(since, now),
            },
        };
        let mut next = issue.clone();
        next.evolve(&event)
            .map_err(|e| TransitionError::Precondition(Precondition::Replay(e)))?;
        Ok(Decision {
            issue: next,
            event,
            effects: vec![notify(audience, NotificationKind::Escalated)],
        })
    }

    /// The action's change and effects, once the table has allowed it.
    fn decide(
        &self,
        issue: &Issue,
        action: Action,
        now: DateTime<Utc>,
    ) -> Result<(Change, Vec<Effect>), TransitionError> {
        let cal = &self.calendar;
        let reporter = issue.reporter.map(Audience::Reporter);
        Ok(match action {
            Action::Accept { category, priority } => (
                Change::Accepted {
                    category: category.unwrap_or(issue.category),
                    priority: priority.unwrap_or(issue.priority),
                },
                vec![],
            ),
            Action::Reject { reason } => (
                Change::Rejected { reason },
                reporter
                    .map(|a| notify(a, NotificationKind::Rejected))
                    .into_iter()
                    .collect(),
            ),
            Action::Assign { unit, sla } => {
                let response_due_at = cal.add_working_minutes(now, sla.response_minutes());
                let resolve_due_at = cal.add_working_minutes(now, sla.resolve_minutes());
                (
                    Change::Assigned {
                        unit,
                        sla,
                        response_due_at,
                        resolve_due_at,
                    },
                    vec![
                        notify(Audience::Unit(unit), NotificationKind::Assigned),
                        watch(Some(response_due_at), resolve_due_at),
                    ],
                )
            }
            Action::Return { reason } => {
                let unit = assigned_unit(issue)?;
                (
                    Change::Returned { unit, reason },
                    vec![
                        notify(Audience::Dispatchers, NotificationKind::Returned),
                        Effect::StopWatching,
                    ],
                )
            }
            Action::Start => (Change::Started, vec![Effect::ResponseClockStopped]),
            Action::Hold { reason } => (Change::Held { reason }, vec![Effect::StopWatching]),
            Action::Resume => {
                let held_since = issue.held_since.unwrap_or(now);
                let held_minutes = cal.working_minutes_between(held_since, now);
                let due = require_due(issue)?;
                let resolve_due_at = cal.add_working_minutes(due, held_minutes);
                (
                    Change::Resumed {
                        held_minutes,
                        resolve_due_at,
                    },
                    vec![watch(None, resolve_due_at)],
                )
            }
            Action::ExtendRequest { until, reason } => {
                let due = require_due(issue)?;
                if until <= due || until <= now {
                    return Err(TransitionError::Precondition(
                        Precondition::ExtensionNotLater {
                            earliest: due.max(now),
                        },
                    ));
                }
                (
                    Change::ExtensionRequested { until, reason },
                    vec![notify(
                        Audience::Supervisors,
                        NotificationKind::ExtensionRequested,
                    )],
                )
            }
            Action::ExtendGrant { until } => {
                let Some(pending) = &issue.pending_extension else {
                    return Err(TransitionError::Precondition(
                        Precondition::NoExtensionToGrant,
                    ));
                };
                let resolve_due_at = until.unwrap_or(pending.until);
                if resolve_due_at <= now {
                    return Err(TransitionError::Precondition(
                        Precondition::GrantedDeadlinePast,
                    ));
                }
                let unit = assigned_unit(issue)?;
                let mut effects = vec![notify(
                    Audience::Unit(unit),
                    NotificationKind::ExtensionGranted,
                )];
                if issue.status.sla_clock_runs() {
                    effects.push(watch(None, resolve_due_at));
                }
                (Change::ExtensionGranted { resolve_due_at }, effects)
            }
            Action::ExtendDeny { reason } => {
                if issue.pending_extension.is_none() {
                    return Err(TransitionError::Precondition(
                        Precondition::NoExtensionToDeny,
                    ));
                }
                let unit = assigned_unit(issue)?;
                (
                    Change::ExtensionDenied { reason },
                    vec![notify(
                        Audience::Unit(unit),
                        NotificationKind::ExtensionDenied,
                    )],
                )
            }
            Action::Resolve { note, public_note } => {
                let mut effects = vec![notify(
                    Audience::GridPosts(issue.grid),
                    NotificationKind::Resolved,
                )];
                effects.extend(reporter.map(|a| notify(a, NotificationKind::Resolved)));
                effects.push(Effect::StopWatching);
                (Change::Resolved { note, public_note }, effects)
            }
            Action::Verify { satisfaction, note } => {
                let unit = assigned_unit(issue)?;
                let mut effects = vec![notify(Audience::Unit(unit), NotificationKind::Closed)];
                effects.extend(reporter.map(|a| notify(a, NotificationKind::Closed)));
                (Change::Verified { satisfaction, note }, effects)
            }
            Action::Rework { reason } => {
                let unit = assigned_unit(issue)?;
                let sla = issue
                    .sla
                    .ok_or(TransitionError::Precondition(Precondition::NoSlaToRework))?;
                let response_due_at = cal.add_working_minutes(now, sla.response_minutes());
                let resolve_due_at = cal.add_working_minutes(now, sla.resolve_minutes());
                (
                    Change::Reworked {
                        reason,
                        response_due_at,
                        resolve_due_at,
                    },
                    vec![
                        notify(Audience::Unit(unit), NotificationKind::Reworked),
                        watch(Some(response_due_at), resolve_due_at),
                    ],
                )
            }
            Action::Reopen { reason } => (
                Change::Reopened { reason },
                vec![notify(Audience::Dispatchers, NotificationKind::Reopened)],
            ),
            Action::MarkDuplicate { of } => {
                if of == issue.id {
                    return Err(TransitionError::Precondition(
                        Precondition::DuplicateOfItself,
                    ));
                }
                let mut effects: Vec<Effect> = reporter
                    .map(|a| notify(a, NotificationKind::MarkedDuplicate))
                    .into_iter()
                    .collect();
                effects.push(Effect::StopWatching);
                (Change::MarkedDuplicate { of }, effects)
            }
            Action::Reassign { unit, reason } => {
                let from_unit = assigned_unit(issue)?;
                if unit == from_unit {
                    return Err(TransitionError::Precondition(
                        Precondition::AlreadyAssignedToUnit,
                    ));
                }
                let sla = issue
                    .sla
                    .ok_or(TransitionError::Precondition(Precondition::NoSlaToReassign))?;
                let response_due_at = cal.add_working_minutes(now, sla.response_minutes());
                let resolve_due_at = cal.add_working_minutes(now, sla.resolve_minutes());
                (
                    Change::Reassigned {
                        from_unit,
                        unit,
                        reason,
                        response_due_at,
                        resolve_due_at,
                    },
                    vec![
                        notify(Audience::Unit(unit), NotificationKind::Assigned),
                        notify(Audience::Unit(from_unit), NotificationKind::Reassigned),
                        watch(Some(response_due_at), resolve_due_at),
                    ],
                )
            }
            Action::Comment { note } => (Change::Commented { note }, vec![]),
        })
    }
}

/// Whether the actor holds any role that may take this action at all, on any issue: the first
/// check of [`Workflow::apply`], exposed so callers that must look things up before deciding
/// (the store, the API) answer "not permitted" before anything else, as the workflow does.
pub fn may_take(action: ActionKind, actor: &Actor) -> Result<(), TransitionError> {
    check_role_held(rule(action), actor)
}

/// Someone who may never take the action is told so (403).
fn check_role_held(rule: &Rule, actor: &Actor) -> Result<(), TransitionError> {
    if rule.roles.iter().any(|&role| actor.has_role(role)) {
        Ok(())
    } else {
        Err(TransitionError::RoleNotPermitted {
            action: rule.action,
            allowed: rule.roles,
        })
    }
}

/// Someone who may take the action, but not on this issue, is told it is outside their scope
/// (which the API shows as 404). Commenting is open to anyone who can see the issue, which
/// includes its reporter after they moved to another grid.
fn check_role_covers(rule: &Rule, actor: &Actor, scope: &Scope) -> Result<(), TransitionError> {
    let covered = if rule.action == ActionKind::Comment {
        actor.can_see(scope)
    } else {
        rule.roles
            .iter()
            .any(|&role| actor.role_covers(role, scope))
    };
    if covered {
        Ok(())
    } else {
        Err(TransitionError::OutOfScope)
    }
}

fn assigned_unit(issue: &Issue) -> Result<crate::ids::UnitId, TransitionError> {
    issue
        .unit
        .ok_or(TransitionError::Precondition(Precondition::NoAssignedUnit))
}

fn require_due(issue: &Issue) -> Result<DateTime<Utc>, TransitionError> {
    issue.resolve_due_at.ok_or(TransitionError::Precondition(
        Precondition::NoResolutionDeadline,
    ))
}

fn notify(audience: Audience, kind: NotificationKind) -> Effect {
    Effect::Notify { audience, kind }
}

fn watch(response_due_at: Option<DateTime<Utc>>, resolve_due_at: DateTime<Utc>) -> Effect {
    Effect::WatchDeadlines {
        response_due_at,
        resolve_due_at,
    }
}

//! Escalation (督办/升级): each category's ladder, and the timers one deadline watch needs.
//!
//! When a decision arms a deadline watch ([`Effect::WatchDeadlines`](crate::Effect)), the
//! scheduler asks [`plan_timers`] what to schedule: a due-soon reminder before each deadline,
//! and one escalation check per rung of the category's [`EscalationLadder`]. Timers are data
//! (they become job payloads) with a stable [`Timer::key`], so planning the same watch twice
//! schedules nothing new, while a new assignment, extension, resume or rework (a new deadline
//! or unit) yields new keys. When a timer fires, [`Timer::still_applies`] re-checks it against
//! the issue as it is then; the old timers of a moved deadline simply stop applying, so nothing
//! has to find and cancel them.
//!
//! Reminders are notifications only, never events. Escalations are events
//! ([`Workflow::escalate`](crate::Workflow::escalate)): they change the issue's escalation
//! level, and history must show who was told that the issue was late.

use chrono::{DateTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, WorkingHours};
use crate::error::ParseError;
use crate::ids::{IssueId, UnitId};
use crate::issue::Issue;
use crate::rule::Rule;

/// The top of every ladder: 1 the unit's head, 2 the supervisors, 3 the admins.
pub const MAX_LEVEL: u8 = 3;

/// One rung: raise the issue to `level` once `after_working_minutes` working minutes have
/// passed since the resolution deadline (0 is the deadline itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Step {
    pub level: u8,
    pub after_working_minutes: u32,
}

/// A category's escalation ladder: who hears about an overdue issue, and when.
///
/// Always valid once built: at least one step, levels from 1 to [`MAX_LEVEL`] strictly
/// increasing, offsets never decreasing and at most a working year. Levels may be skipped (a
/// category may go straight to the supervisors). Stored per category as JSON:
///
/// ```json
/// {"steps": [{"level": 1, "after_working_minutes": 0}, {"level": 2, "after_working_minutes": 450}]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawLadder", into = "RawLadder")]
pub struct EscalationLadder {
    steps: Vec<Step>,
}

#[derive(Serialize, Deserialize)]
struct RawLadder {
    steps: Vec<Step>,
}

impl EscalationLadder {
    /// Working minutes in a year of the default calendar, rounded up, as for an
    /// [`Sla`](crate::Sla): no sane escalation waits longer.
    const MAX_AFTER_MINUTES: u32 = 250 * 8 * 60;

    pub fn new(steps: Vec<Step>) -> Result<Self, ParseError> {
        let err = |rule: Rule| Err(ParseError::new("escalation", rule));
        if steps.is_empty() {
            return err(Rule::LadderEmpty);
        }
        let mut previous: Option<Step> = None;
        for step in &steps {
            if !(1..=MAX_LEVEL).contains(&step.level) {
                return err(Rule::NoSuchLevel { max: MAX_LEVEL });
            }
            if step.after_working_minutes > Self::MAX_AFTER_MINUTES {
                return err(Rule::LongerThanWorkingYear);
            }
            if let Some(prev) = previous {
                if step.level <= prev.level {
                    return err(Rule::LevelsMustIncrease);
                }
                if step.after_working_minutes < prev.after_working_minutes {
                    return err(Rule::StepBeforePrevious);
                }
            }
            previous = Some(*step);
        }
        Ok(Self { steps })
    }

    /// The park's standard ladder on these working hours: the unit's head at the deadline,
    /// the supervisors one working day later, the admins three working days after it.
    pub fn standard(hours: &WorkingHours) -> Self {
        let day = working_day_minutes(hours);
        Self {
            steps: vec![
                Step {
                    level: 1,
                    after_working_minutes: 0,
                },
                Step {
                    level: 2,
                    after_working_minutes: day,
                },
                Step {
                    level: 3,
                    after_working_minutes: 3 * day,
                },
            ],
        }
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }
}

impl Default for EscalationLadder {
    /// [`standard`](Self::standard) on the park's default office hours (a 450-minute day).
    fn default() -> Self {
        Self::standard(&WorkingHours::default())
    }
}

impl TryFrom<RawLadder> for EscalationLadder {
    type Error = ParseError;
    fn try_from(raw: RawLadder) -> Result<Self, Self::Error> {
        Self::new(raw.steps)
    }
}

impl From<EscalationLadder> for RawLadder {
    fn from(ladder: EscalationLadder) -> Self {
        Self {
            steps: ladder.steps,
        }
    }
}

/// The working minutes of a normal working day: the most common non-zero daily total of the
/// week, the longer one on a tie. 450 for the default 09:00–12:00 + 13:30–18:00, and still
/// 450 for a week that adds a Saturday morning.
pub fn working_day_minutes(hours: &WorkingHours) -> u32 {
    const WEEK: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    let totals: Vec<u32> = WEEK
        .iter()
        .map(|&d| hours.minutes_on(d))
        .filter(|&m| m > 0)
        .collect();
    totals
        .iter()
        .copied()
        .max_by_key(|&m| (totals.iter().filter(|&&n| n == m).count(), m))
        // A week always has working time (WorkingHours refuses an empty one).
        .unwrap_or(8 * 60)
}

/// How much of the time before a deadline has to be used up before the due-soon reminder
/// goes out, as a whole percentage from 1 to 99; 75 unless configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Share(u8);

impl Share {
    pub fn new(percent: u8) -> Result<Self, ParseError> {
        if (1..=99).contains(&percent) {
            Ok(Self(percent))
        } else {
            Err(ParseError::new(
                "due_soon_share",
                Rule::Range { min: 1, max: 99 },
            ))
        }
    }

    pub fn percent(self) -> u8 {
        self.0
    }

    /// This share of `minutes`, rounded up to a whole minute.
    pub fn of(self, minutes: u32) -> u32 {
        let share = (u64::from(minutes) * u64::from(self.0)).div_ceil(100);
        u32::try_from(share).unwrap_or(u32::MAX)
    }
}

impl Default for Share {
    fn default() -> Self {
        Self(75)
    }
}

impl TryFrom<u8> for Share {
    type Error = ParseError;
    fn try_from(percent: u8) -> Result<Self, Self::Error> {
        Self::new(percent)
    }
}

impl From<Share> for u8 {
    fn from(share: Share) -> Self {
        share.0
    }
}

/// Which of an assignment's two deadlines a due-soon reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    /// The first response (the unit starts work).
    Response,
    /// The resolution.
    Resolve,
}

impl Deadline {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Response => "response",
            Self::Resolve => "resolve",
        }
    }
}

/// What a timer does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "timer", rename_all = "snake_case")]
pub enum TimerKind {
    /// Remind the unit that `deadline` is near: a notification, not an event.
    DueSoon { deadline: Deadline },
    /// Ask [`Workflow::escalate`](crate::Workflow::escalate) to raise the issue to `level`.
    Escalate { level: u8 },
}

/// One timer of a deadline watch, as planned by [`plan_timers`]. Serialisable: it is the
/// payload of the scheduler's job.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Timer {
    pub issue: IssueId,
    /// The unit the issue was assigned to when the timer was planned.
    pub unit: UnitId,
    /// The deadline the timer was planned from: the response deadline for a response
    /// reminder, the resolution deadline for everything else.
    pub due_at: DateTime<Utc>,
    pub kind: TimerKind,
    pub fire_at: DateTime<Utc>,
}

impl Timer {
    /// A key naming this timer of this watch, for the store to deduplicate on:
    /// `sla:{issue}:{unit}:{due_at as Unix seconds}:escalate:2`, or `…:due_soon:resolve`.
    ///
    /// It names the deadline rather than the fire time, so a watch planned twice (or with a
    /// different due-soon share) gives the same keys, and a new deadline or unit new ones.
    pub fn key(&self) -> String {
        let what = match self.kind {
            TimerKind::DueSoon { deadline } => format!("due_soon:{}", deadline.as_str()),
            TimerKind::Escalate { level } => format!("escalate:{level}"),
        };
        format!(
            "sla:{}:{}:{}:{what}",
            self.issue,
            self.unit,
            self.due_at.timestamp()
        )
    }

    /// Whether the timer still means something for `issue` as it is now: the pure re-check
    /// to make when it fires.
    ///
    /// False once the clock stopped (on hold, resolved, closed, returned, duplicate), the
    /// issue moved to another unit, or the deadline it was planned from moved (an extension,
    /// a resume after time on hold, a rework or reassignment); for a response reminder once
    /// the unit responded; for an escalation once the issue reached that level.
    pub fn still_applies(&self, issue: &Issue) -> bool {
        if issue.id != self.issue || !issue.status.sla_clock_runs() || issue.unit != Some(self.unit)
        {
            return false;
        }
        let planned_from = Some(self.due_at);
        match self.kind {
            TimerKind::DueSoon {
                deadline: Deadline::Response,
            } => issue.responded_at.is_none() && issue.response_due_at == planned_from,
            TimerKind::DueSoon {
                deadline: Deadline::Resolve,
            } => issue.resolve_due_at == planned_from,
            TimerKind::Escalate { level } => {
                issue.resolve_due_at == planned_from && issue.escalation_level < level
            }
        }
    }
}

/// The timers of the deadline watch an issue needs now, in firing order.
///
/// `armed_at` is when the watch was armed: the instant of the event whose
/// [`Effect::WatchDeadlines`](crate::Effect) asked for it (an assignment, a rework, a
/// reassignment, a resume, a granted extension).
///
/// * **Due soon, response**: while the unit has not responded, when `due_soon` of the working
///   time from the assignment to the response deadline is used.
/// * **Due soon, resolution**: when `due_soon` of the working time *actually available* is
///   used: from `armed_at` (not before the assignment) to the deadline. After a resume that is
///   the time left when the unit picks the issue up again, not the whole SLA with the hold
///   counted as used; after an extension, the time the extension gives. A deadline that
///   leaves no working minute for the reminder gets none.
/// * **Escalate**, one per rung of `ladder`, at the resolution deadline plus the rung's
///   working minutes on `calendar`: the first (at offset 0) fires the instant the issue
///   becomes [overdue](Issue::is_overdue).
///
/// Only timers that [still apply](Timer::still_applies) are planned: none for an issue whose
/// clock does not run, no escalation to a level already reached. Fire times may lie in the
/// past (a resume long after the deadline); such timers are due at once.
pub fn plan_timers(
    issue: &Issue,
    armed_at: DateTime<Utc>,
    calendar: &Calendar,
    ladder: &EscalationLadder,
    due_soon: Share,
) -> Vec<Timer> {
    let (Some(unit), Some(assigned_at), Some(resolve_due_at)) =
        (issue.unit, issue.assigned_at, issue.resolve_due_at)
    else {
        return Vec::new();
    };
    let timer = |due_at, kind, fire_at| Timer {
        issue: issue.id,
        unit,
        due_at,
        kind,
        fire_at,
    };
    let mut timers = Vec::new();
    if let Some(response_due_at) = issue
        .response_due_at
        .filter(|_| issue.responded_at.is_none())
    {
        let kind = TimerKind::DueSoon {
            deadline: Deadline::Response,
        };
        timers.extend(
            due_soon_at(calendar, assigned_at, response_due_at, due_soon)
                .map(|at| timer(response_due_at, kind, at)),
        );
    }
    let kind = TimerKind::DueSoon {
        deadline: Deadline::Resolve,
    };
    timers.extend(
        due_soon_at(
            calendar,
            armed_at.max(assigned_at),
            resolve_due_at,
            due_soon,
        )
        .map(|at| timer(resolve_due_at, kind, at)),
    );
    for step in ladder.steps() {
        let at = calendar.add_working_minutes(resolve_due_at, step.after_working_minutes);
        let kind = TimerKind::Escalate { level: step.level };
        timers.push(timer(resolve_due_at, kind, at));
    }
    timers.retain(|t| t.still_applies(issue));
    timers.sort_by_key(|t| t.fire_at);
    timers
}

/// When `share` of the working time in `[start, due)` is used, if that is before `due`.
fn due_soon_at(
    calendar: &Calendar,
    start: DateTime<Utc>,
    due: DateTime<Utc>,
    share: Share,
) -> Option<DateTime<Utc>> {
    let available = calendar.working_minutes_between(start, due);
    let used = share.of(available);
    (used < available).then(|| calendar.add_working_minutes(start, used))
}

//! The output of a report run: counters, the rates derived from them, times and visits.

use std::collections::BTreeMap;
use std::ops::AddAssign;

use serde::{Deserialize, Serialize};

use super::league::LeagueTable;
use super::period::Period;
use chrono::{DateTime, Utc};

use crate::ids::{CategoryId, GridId, IssueId, UnitId};

/// Escalation events in the period by the level they reached (督办).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalations {
    /// Raised to the unit's head.
    pub level_1: u64,
    /// Raised to the supervisors.
    pub level_2: u64,
    /// Raised to the admins (a level above 3, which the workflow never produces, counts here).
    pub level_3: u64,
}

impl Escalations {
    pub fn total(&self) -> u64 {
        self.level_1 + self.level_2 + self.level_3
    }
}

impl AddAssign<&Escalations> for Escalations {
    fn add_assign(&mut self, other: &Escalations) {
        self.level_1 += other.level_1;
        self.level_2 += other.level_2;
        self.level_3 += other.level_3;
    }
}

/// The counters of a report, for the whole park or one slice of it.
///
/// "In the period" means an event whose `at` lies in the period's `[from, to)`; each event
/// counts in the period it happened in, whatever week its issue was reported in. "At the end"
/// means the issue as folded from all its events before `to`. Every counter adds up over
/// slices: the park's value is the sum of the by-unit values plus the no-unit bucket, and the
/// sum of the by-grid values, and the sum of the by-category values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Issues reported in the period (上报).
    pub reported: u64,
    /// Of those, reported by a commissioner on an on-site visit (source `visit`).
    pub reported_on_visits: u64,
    /// Accept events (受理).
    pub accepted: u64,
    /// Reject events (不予受理).
    pub rejected: u64,
    /// Assign events: an issue handed to a unit by the dispatcher (交办), including again after
    /// a return. Reassignments are counted apart.
    pub assigned: u64,
    /// Reassign events: an issue moved from one unit to another (改派).
    pub reassigned: u64,
    /// Return events: a unit sent an issue back as not its responsibility (退回).
    pub returned: u64,
    /// Start events: a unit's first response to an assignment.
    pub started: u64,
    /// Resolve events: a unit reported a fix (办结).
    pub resolved: u64,
    /// Of the resolve events, those strictly before the resolution deadline in force when they
    /// happened (the deadline after any extension or hold). An issue is overdue *at* its
    /// deadline, so a resolution at the deadline is late.
    pub resolved_on_time: u64,
    /// Issues whose resolution deadline in force at the end lies in the period and that are, at
    /// the end, still with the unit and unresolved (assigned or in progress). An issue on hold
    /// is not counted: its clock is paused and its deadline will move when it resumes.
    pub overdue_unresolved: u64,
    /// Issues awaiting verification (resolved) at the start of the period.
    pub awaiting_verification_at_start: u64,
    /// Verify events: a fix confirmed and the issue closed (结案).
    pub closed: u64,
    /// Rework events: a fix that failed verification went back to the unit (返工).
    pub reworked: u64,
    /// Reopen events: a closed or rejected issue taken up again by a supervisor.
    pub reopened: u64,
    /// Extension-grant events (延期).
    pub extensions_granted: u64,
    /// Escalation events by level reached.
    pub escalations: Escalations,
    /// Issues open at the end: reported, accepted, assigned, in progress, on hold or resolved
    /// awaiting verification.
    pub open_at_end: u64,
    /// Of those, issues overdue at the end by [`Issue::is_overdue`](crate::Issue::is_overdue)
    /// evaluated at `to`: a response or resolution deadline at or before `to` missed while the
    /// unit's clock runs.
    pub overdue_at_end: u64,
    /// Sum of the satisfaction scores (1–5) of the verify events.
    pub satisfaction_sum: u64,
    /// Verify events scored 4 or 5.
    pub satisfied: u64,
}

impl Counts {
    /// The denominator of the on-time resolution rate: resolutions in the period plus issues
    /// that fell due in the period and are still unresolved at its end.
    pub fn due_for_resolution(&self) -> u64 {
        self.resolved + self.overdue_unresolved
    }

    /// The denominator of the closure rate: every spell of awaiting verification that was
    /// under way during the period, those carried in at its start plus those begun by a
    /// resolution in it. Each verify event ends one of them, so closed never exceeds it.
    pub fn due_for_closure(&self) -> u64 {
        self.awaiting_verification_at_start + self.resolved
    }

    /// The rates these counters give.
    pub fn rates(&self) -> Rates {
        Rates {
            on_time_resolution: ratio(self.resolved_on_time, self.due_for_resolution()),
            closure: ratio(self.closed, self.due_for_closure()),
            rework: ratio(self.reworked, self.resolved),
            extension: ratio(self.extensions_granted, self.assigned),
            satisfaction_mean: ratio(self.satisfaction_sum, self.closed),
            satisfied_share: ratio(self.satisfied, self.closed),
        }
    }
}

impl AddAssign<&Counts> for Counts {
    fn add_assign(&mut self, o: &Counts) {
        self.reported += o.reported;
        self.reported_on_visits += o.reported_on_visits;
        self.accepted += o.accepted;
        self.rejected += o.rejected;
        self.assigned += o.assigned;
        self.reassigned += o.reassigned;
        self.returned += o.returned;
        self.started += o.started;
        self.resolved += o.resolved;
        self.resolved_on_time += o.resolved_on_time;
        self.overdue_unresolved += o.overdue_unresolved;
        self.awaiting_verification_at_start += o.awaiting_verification_at_start;
        self.closed += o.closed;
        self.reworked += o.reworked;
        self.reopened += o.reopened;
        self.extensions_granted += o.extensions_granted;
        self.escalations += &o.escalations;
        self.open_at_end += o.open_at_end;
        self.overdue_at_end += o.overdue_at_end;
        self.satisfaction_sum += o.satisfaction_sum;
        self.satisfied += o.satisfied;
    }
}

/// `numerator ÷ denominator`, or `None` when the denominator is 0 (never NaN or infinite).
pub(crate) fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    // u64 → f64 loses precision only beyond 2^53 events, which no park reaches.
    #[allow(clippy::cast_precision_loss)]
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The rates of a report, as fractions (0.875 is 87.5 %). Each is `None` when its denominator
/// is 0: "no data" is not 0 % and not 100 %.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// 按期处置率: [`resolved_on_time`](Counts::resolved_on_time) ÷
    /// [`due_for_resolution`](Counts::due_for_resolution). A late resolution counts against
    /// the period it happened in; an issue that fell due in the period and is still unresolved
    /// at its end counts against this period, and again (as a late resolution) against the
    /// period in which it is finally resolved.
    pub on_time_resolution: Option<f64>,
    /// 结案率: [`closed`](Counts::closed) ÷ [`due_for_closure`](Counts::due_for_closure).
    pub closure: Option<f64>,
    /// 返工率: [`reworked`](Counts::reworked) ÷ [`resolved`](Counts::resolved), both events in
    /// the period. A rework of last week's fix counts this week, so the rate can exceed 1.
    pub rework: Option<f64>,
    /// 延期率: [`extensions_granted`](Counts::extensions_granted) ÷
    /// [`assigned`](Counts::assigned), both events in the period; it can exceed 1.
    pub extension: Option<f64>,
    /// Mean satisfaction score (1–5) of the verify events in the period.
    pub satisfaction_mean: Option<f64>,
    /// Share of the verify events in the period scored 4 or 5.
    pub satisfied_share: Option<f64>,
}

/// The counters of one slice (a category, a unit, a grid) with their rates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Slice {
    pub counts: Counts,
    pub rates: Rates,
}

impl From<Counts> for Slice {
    fn from(counts: Counts) -> Self {
        let rates = counts.rates();
        Self { counts, rates }
    }
}

/// Order statistics of working-minute durations.
///
/// Percentiles are by the nearest-rank method on the exact sorted samples: the p-th percentile
/// is the smallest sample such that at least p % of the samples are no greater, i.e. the
/// `ceil(p/100 × n)`-th smallest. The median is the 50th percentile (for an even count, the
/// lower of the two middle samples), so every figure is a duration that actually occurred.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durations {
    pub count: u64,
    pub median_minutes: Option<u32>,
    pub p90_minutes: Option<u32>,
}

impl Durations {
    pub fn from_samples(mut samples: Vec<u32>) -> Self {
        samples.sort_unstable();
        Self {
            count: samples.len() as u64,
            median_minutes: nearest_rank(&samples, 50),
            p90_minutes: nearest_rank(&samples, 90),
        }
    }
}

/// The `ceil(percent/100 × n)`-th smallest of sorted `samples`.
fn nearest_rank(sorted: &[u32], percent: usize) -> Option<u32> {
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Durations in working minutes on the working calendar (so nights, weekends and holidays do
/// not count; time on hold does).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Times {
    /// 首次响应: for each start event in the period, from the assignment it answers (the
    /// latest assign, reassign or rework before it) to the start.
    pub first_response: Durations,
    /// 办结时长: for each verify event in the period, from the issue's report to the close,
    /// however many reworks or reopenings came between.
    pub to_close: Durations,
}

/// The visit figures of the period, counted by the caller from the visits table (visits are
/// not issue events).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitCounts {
    /// Visits whose occurrence falls in the period, whatever their status.
    pub planned: u64,
    /// Of those, completed.
    pub completed: u64,
    /// Of those, missed.
    pub missed: u64,
}

/// Weekly on-site visits (走访).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Visits {
    pub planned: u64,
    pub completed: u64,
    pub missed: u64,
    /// completed ÷ planned; `None` when nothing was planned.
    pub completion_rate: Option<f64>,
    /// Issues reported in the period with source `visit` (from the event log, like
    /// [`Counts::reported_on_visits`]).
    pub issues_raised: u64,
}

/// Everything a weekly report shows, computed by
/// [`WeeklyIndicators`](super::WeeklyIndicators).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicators {
    pub period: Period,
    /// The whole park (or whatever the caller fed in).
    pub totals: Counts,
    pub rates: Rates,
    pub times: Times,
    pub visits: Visits,
    pub by_category: BTreeMap<CategoryId, Slice>,
    /// Keyed by the unit holding the issue at each event (see the module docs).
    pub by_unit: BTreeMap<UnitId, Slice>,
    /// What happened while no unit held the issue: reports, accepts, rejects, open issues not
    /// yet assigned. With `by_unit` it adds up to `totals`.
    pub without_unit: Slice,
    pub by_grid: BTreeMap<GridId, Slice>,
    pub league: LeagueTable,
    /// The issues counted in [`Counts::overdue_at_end`], most overdue first: the list leaders
    /// act on. One small record per overdue issue, which bounds the accumulator's memory by the
    /// backlog, not by the event log. Empty when the run was made without the list
    /// ([`WeeklyIndicators::without_overdue_list`](super::WeeklyIndicators::without_overdue_list)).
    pub overdue: Vec<OverdueIssue>,
}

/// An issue overdue at the end of the period, as it stood then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueIssue {
    pub id: IssueId,
    pub title: String,
    pub category: CategoryId,
    pub unit: Option<UnitId>,
    pub grid: GridId,
    /// The earliest deadline missed ([`Issue::overdue_since`](crate::Issue::overdue_since)).
    /// How long ago in working time is left to whoever shows the issue: counting it for every
    /// overdue issue of a large backlog would cost more than the rest of the report.
    pub since: DateTime<Utc>,
    pub escalation_level: u8,
}

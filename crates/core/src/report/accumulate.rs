//! The streaming fold that turns issue histories into [`Indicators`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use thiserror::Error;

use super::indicators::ratio;
use super::indicators::{
    Counts, Durations, Indicators, OverdueIssue, Slice, Times, VisitCounts, Visits,
};
use super::league::{LeagueTable, DEFAULT_MIN_RESOLVED};
use super::period::Period;
use crate::calendar::Calendar;
use crate::event::{Change, Event, Source};
use crate::ids::{CategoryId, GridId, IssueId, UnitId};
use crate::issue::{Issue, ReplayError};
use crate::status::Status;

/// What the accumulator needs to know about an issue besides its events.
///
/// Only the id: the category, unit, grid and enterprise at the time of each event are read
/// from the issue as folded from its own history, so they can never disagree with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssueFacts {
    pub id: IssueId,
}

impl IssueFacts {
    pub fn new(id: IssueId) -> Self {
        Self { id }
    }
}

/// An issue history that does not replay: the store is corrupt, or the caller fed events out
/// of (issue, version) order or split one issue's history in two.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("issue {issue}: {source}")]
pub struct ReportError {
    pub issue: IssueId,
    #[source]
    pub source: ReplayError,
}

/// The accumulator of one report run (see the [module docs](super) for the feeding contract).
#[derive(Debug)]
pub struct WeeklyIndicators<'c> {
    tally: Tally<'c>,
    fold: Fold,
}

/// The accumulators of several periods (a trend's weeks) fed in one pass: each issue's history
/// is folded once and every event counted in each period it belongs to, where
/// [`WeeklyIndicators`] per period would fold every history once per period. The figures are
/// those of the runs it was made from, fed the same events (see the [module docs](super)).
#[derive(Debug)]
pub struct TrendIndicators<'c> {
    tallies: Vec<Tally<'c>>,
    fold: Fold,
}

/// What one period counts: everything of a run but the issue being folded.
#[derive(Debug)]
struct Tally<'c> {
    period: Period,
    calendar: &'c Calendar,
    min_resolved: u64,
    visits: VisitCounts,
    totals: Counts,
    by_category: BTreeMap<CategoryId, Counts>,
    by_unit: BTreeMap<UnitId, Counts>,
    without_unit: Counts,
    by_grid: BTreeMap<GridId, Counts>,
    first_response: Vec<u32>,
    to_close: Vec<u32>,
    overdue: Vec<OverdueIssue>,
    /// Whether `overdue` is kept (a trend's earlier weeks need only the counts).
    list_overdue: bool,
}

/// The issue being folded, shared by the periods that count it.
#[derive(Debug, Default)]
struct Fold {
    /// The issue whose events are coming in.
    id: Option<IssueId>,
    /// Its state after the events folded so far; `None` once every period is past (or none
    /// has begun counting it): the rest of its events are ignored.
    issue: Option<Issue>,
    /// Where each period (in the order of the tallies) stands with it.
    marks: Vec<Mark>,
}

/// Where one period stands with the issue being folded.
#[derive(Debug, Clone, Copy)]
enum Mark {
    /// Counting its events; `start_counted` once its state at the period's start is counted.
    Folding { start_counted: bool },
    /// Past the period's `to` (or reported after it): counted, or nothing to count.
    Done,
}

/// Where an event or a state is counted.
#[derive(Debug, Clone, Copy)]
struct Keys {
    category: CategoryId,
    unit: Option<UnitId>,
    grid: GridId,
}

impl Keys {
    fn of(issue: &Issue) -> Self {
        Self {
            category: issue.category,
            unit: issue.unit,
            grid: issue.grid,
        }
    }
}

/// What an event needs to know about the issue as it was just before it.
#[derive(Debug, Clone, Copy)]
struct Before {
    unit: Option<UnitId>,
    assigned_at: Option<DateTime<Utc>>,
    resolve_due_at: Option<DateTime<Utc>>,
}

impl<'c> WeeklyIndicators<'c> {
    /// An empty run for `period`; durations are measured on `calendar`.
    pub fn new(period: Period, calendar: &'c Calendar) -> Self {
        Self {
            tally: Tally::new(period, calendar),
            fold: Fold::default(),
        }
    }

    /// The league table's minimum volume (default [`DEFAULT_MIN_RESOLVED`]).
    #[must_use]
    pub fn with_min_resolved(mut self, min_resolved: u64) -> Self {
        self.tally.min_resolved = min_resolved;
        self
    }

    /// The period's visit figures, counted by the caller.
    #[must_use]
    pub fn with_visits(mut self, visits: VisitCounts) -> Self {
        self.tally.visits = visits;
        self
    }

    /// Counts the overdue issues without listing them: for runs whose list nobody shows.
    #[must_use]
    pub fn without_overdue_list(mut self) -> Self {
        self.tally.list_overdue = false;
        self
    }

    pub fn period(&self) -> &Period {
        &self.tally.period
    }

    /// Folds one event in. Events come in (issue, version) order, each issue's history from
    /// its report; events at or after the period's end may be fed or left out.
    ///
    /// On error the run's results are unreliable: the caller should abandon it.
    pub fn observe(&mut self, facts: &IssueFacts, event: &Event) -> Result<(), ReportError> {
        self.fold
            .observe(std::slice::from_mut(&mut self.tally), facts, event)
    }

    /// Folds one issue's whole history in: the per-issue form of [`observe`](Self::observe),
    /// for a caller that reads issue by issue (memory bounded by one history).
    pub fn observe_issue(
        &mut self,
        facts: &IssueFacts,
        events: &[Event],
    ) -> Result<(), ReportError> {
        events
            .iter()
            .try_for_each(|event| self.observe(facts, event))
    }

    /// Counts an issue that no event changed since before the period began, from its current
    /// state (the store's row), without reading its history: its state at the period's start
    /// and end is this one. For the open backlog a report would otherwise re-read in full.
    ///
    /// The caller must be sure: `issue.updated_at` (its last event) before the period's start.
    /// An issue that does not meet that is ignored here and must be fed by its history.
    pub fn observe_unchanged(&mut self, issue: &Issue) -> bool {
        self.fold
            .observe_unchanged(std::slice::from_mut(&mut self.tally), issue)
    }

    /// The indicators of everything observed.
    pub fn finish(mut self) -> Indicators {
        self.fold.flush(std::slice::from_mut(&mut self.tally));
        self.tally.finish()
    }
}

impl<'c> TrendIndicators<'c> {
    /// Feeds `runs` (each with its period, visits, league minimum and overdue list setting)
    /// together from now on; what each was fed before stays counted in it.
    pub fn new(runs: impl IntoIterator<Item = WeeklyIndicators<'c>>) -> Self {
        let tallies = runs
            .into_iter()
            .map(|mut run| {
                run.fold.flush(std::slice::from_mut(&mut run.tally));
                run.tally
            })
            .collect();
        Self {
            tallies,
            fold: Fold::default(),
        }
    }

    /// The periods, in the order of the runs.
    pub fn periods(&self) -> impl Iterator<Item = &Period> {
        self.tallies.iter().map(|t| &t.period)
    }

    /// [`WeeklyIndicators::observe`] for every run at once.
    pub fn observe(&mut self, facts: &IssueFacts, event: &Event) -> Result<(), ReportError> {
        self.fold.observe(&mut self.tallies, facts, event)
    }

    /// [`WeeklyIndicators::observe_issue`] for every run at once.
    pub fn observe_issue(
        &mut self,
        facts: &IssueFacts,
        events: &[Event],
    ) -> Result<(), ReportError> {
        events
            .iter()
            .try_for_each(|event| self.observe(facts, event))
    }

    /// [`WeeklyIndicators::observe_unchanged`] for every run at once: the issue counts in each
    /// run whose period began after its last event. Returns whether that is every run.
    pub fn observe_unchanged(&mut self, issue: &Issue) -> bool {
        self.fold.observe_unchanged(&mut self.tallies, issue)
    }

    /// The indicators of every run, in the order of the runs.
    pub fn finish(mut self) -> Vec<Indicators> {
        self.fold.flush(&mut self.tallies);
        self.tallies.into_iter().map(Tally::finish).collect()
    }
}

impl Fold {
    /// Folds one event into the issue and counts it in each period that counts the issue.
    ///
    /// Each period goes through the same steps as a run of its own would; only the issue's
    /// state, which does not depend on the period, is folded once for all of them.
    fn observe(
        &mut self,
        tallies: &mut [Tally<'_>],
        facts: &IssueFacts,
        event: &Event,
    ) -> Result<(), ReportError> {
        let err = |source| ReportError {
            issue: facts.id,
            source,
        };
        if self.id != Some(facts.id) {
            self.flush(tallies);
            self.id = Some(facts.id);
            self.marks.clear();
            self.marks.extend(tallies.iter().map(|t| {
                if event.at >= t.period.to() {
                    Mark::Done
                } else {
                    // An issue reported in the period did not exist at its start.
                    Mark::Folding {
                        start_counted: event.at >= t.period.from(),
                    }
                }
            }));
            if self.marks.iter().all(|m| matches!(m, Mark::Done)) {
                return Ok(()); // reported after every period: ignored
            }
            let issue = Issue::open(facts.id, event).map_err(err)?;
            for (tally, mark) in tallies.iter_mut().zip(&self.marks) {
                if let Mark::Folding { .. } = mark {
                    tally.count_event(None, &issue, event);
                }
            }
            self.issue = Some(issue);
            return Ok(());
        }
        let Some(issue) = self.issue.as_mut() else {
            return Ok(()); // every period is past: skipping the rest of this issue
        };
        let mut folding = false;
        for (tally, mark) in tallies.iter_mut().zip(&mut self.marks) {
            let Mark::Folding { start_counted } = mark else {
                continue;
            };
            if event.at >= tally.period.to() {
                tally.finish_issue(issue, *start_counted);
                *mark = Mark::Done;
                continue;
            }
            if !*start_counted && event.at >= tally.period.from() {
                tally.count_start(issue);
                *start_counted = true;
            }
            folding = true;
        }
        if !folding {
            self.issue = None;
            return Ok(());
        }
        let before = Before {
            unit: issue.unit,
            assigned_at: issue.assigned_at,
            resolve_due_at: issue.resolve_due_at,
        };
        if let Err(source) = issue.evolve(event) {
            self.issue = None;
            return Err(err(source));
        }
        for (tally, mark) in tallies.iter_mut().zip(&self.marks) {
            if let Mark::Folding { .. } = mark {
                tally.count_event(Some(before), issue, event);
            }
        }
        Ok(())
    }

    /// Counts an unchanged issue in each period that began after its last event (see
    /// [`WeeklyIndicators::observe_unchanged`]); returns whether that is every period.
    fn observe_unchanged(&mut self, tallies: &mut [Tally<'_>], issue: &Issue) -> bool {
        let counts = |t: &Tally<'_>| issue.updated_at < t.period.from();
        if !tallies.iter().any(counts) {
            return false;
        }
        self.flush(tallies);
        let mut every = true;
        for tally in tallies.iter_mut() {
            if counts(tally) {
                tally.finish_issue(issue, false);
            } else {
                every = false;
            }
        }
        every
    }

    /// Counts the issue being folded at the end of each period still counting it.
    fn flush(&mut self, tallies: &mut [Tally<'_>]) {
        if let Some(issue) = self.issue.take() {
            for (tally, mark) in tallies.iter_mut().zip(&self.marks) {
                if let Mark::Folding { start_counted } = *mark {
                    tally.finish_issue(&issue, start_counted);
                }
            }
        }
        self.id = None;
        self.marks.clear();
    }
}

impl<'c> Tally<'c> {
    fn new(period: Period, calendar: &'c Calendar) -> Self {
        Self {
            period,
            calendar,
            min_resolved: DEFAULT_MIN_RESOLVED,
            visits: VisitCounts::default(),
            totals: Counts::default(),
            by_category: BTreeMap::new(),
            by_unit: BTreeMap::new(),
            without_unit: Counts::default(),
            by_grid: BTreeMap::new(),
            first_response: Vec::new(),
            to_close: Vec::new(),
            overdue: Vec::new(),
            list_overdue: true,
        }
    }

    /// The indicators of everything counted.
    fn finish(self) -> Indicators {
        let by_unit = slices(self.by_unit);
        let league = LeagueTable::build(&by_unit, self.min_resolved);
        let rates = self.totals.rates();
        let mut overdue = self.overdue;
        overdue.sort_by(|a, b| a.since.cmp(&b.since).then(a.id.cmp(&b.id)));
        let visits = Visits {
            planned: self.visits.planned,
            completed: self.visits.completed,
            missed: self.visits.missed,
            completion_rate: ratio(self.visits.completed, self.visits.planned),
            issues_raised: self.totals.reported_on_visits,
        };
        Indicators {
            period: self.period,
            totals: self.totals,
            rates,
            times: Times {
                first_response: Durations::from_samples(self.first_response),
                to_close: Durations::from_samples(self.to_close),
            },
            visits,
            by_category: slices(self.by_category),
            by_unit,
            without_unit: Slice::from(self.without_unit),
            by_grid: slices(self.by_grid),
            league,
            overdue,
        }
    }

    /// Counts the issue's state at the period's end (and at its start, if no event of the
    /// period came to count it): `issue` has folded every event before `to`.
    fn finish_issue(&mut self, issue: &Issue, start_counted: bool) {
        if !start_counted {
            self.count_start(issue);
        }
        let (from, to) = (self.period.from(), self.period.to());
        let open = issue.status.is_open();
        let overdue_since = issue.overdue_since(to);
        let overdue = overdue_since.is_some();
        let fell_due_unresolved = issue.status.sla_clock_runs()
            && issue
                .resolve_due_at
                .is_some_and(|due| from <= due && due < to);
        if open || overdue || fell_due_unresolved {
            self.bump(Keys::of(issue), |c| {
                c.open_at_end += u64::from(open);
                c.overdue_at_end += u64::from(overdue);
                c.overdue_unresolved += u64::from(fell_due_unresolved);
            });
        }
        if let Some(since) = overdue_since.filter(|_| self.list_overdue) {
            self.overdue.push(OverdueIssue {
                id: issue.id,
                title: issue.title.as_str().to_owned(),
                category: issue.category,
                unit: issue.unit,
                grid: issue.grid,
                since,
                escalation_level: issue.escalation_level,
            });
        }
    }

    /// Counts the issue's state at the period's start: `issue` has folded every event before
    /// `from`.
    fn count_start(&mut self, issue: &Issue) {
        if issue.status == Status::Resolved {
            self.bump(Keys::of(issue), |c| c.awaiting_verification_at_start += 1);
        }
    }

    /// Counts one event, if it lies in the period. `issue` is the issue after the event.
    fn count_event(&mut self, before: Option<Before>, issue: &Issue, event: &Event) {
        if !self.period.contains(event.at) {
            return;
        }
        let at = event.at;
        // The unit holding the issue after the event or, for one that took the issue away from
        // its unit (a return, a reopening), the unit it was taken from.
        let keys = Keys {
            unit: issue.unit.or(before.and_then(|b| b.unit)),
            ..Keys::of(issue)
        };
        match &event.change {
            Change::Reported { source, .. } => {
                let on_visit = u64::from(*source == Source::Visit);
                self.bump(keys, |c| {
                    c.reported += 1;
                    c.reported_on_visits += on_visit;
                });
            }
            Change::Accepted { .. } => self.bump(keys, |c| c.accepted += 1),
            Change::Rejected { .. } => self.bump(keys, |c| c.rejected += 1),
            Change::Assigned { .. } => self.bump(keys, |c| c.assigned += 1),
            Change::Reassigned { .. } => self.bump(keys, |c| c.reassigned += 1),
            Change::Returned { .. } => self.bump(keys, |c| c.returned += 1),
            Change::Started => {
                if let Some(assigned_at) = before.and_then(|b| b.assigned_at) {
                    let minutes = self.calendar.working_minutes_between(assigned_at, at);
                    self.first_response.push(minutes);
                }
                self.bump(keys, |c| c.started += 1);
            }
            Change::Resolved { .. } => {
                // No deadline in force cannot happen through the workflow (resolving needs an
                // assignment); nothing was promised, so nothing was missed.
                let on_time = before
                    .and_then(|b| b.resolve_due_at)
                    .is_none_or(|due| at < due);
                self.bump(keys, |c| {
                    c.resolved += 1;
                    c.resolved_on_time += u64::from(on_time);
                });
            }
            Change::Verified { satisfaction, .. } => {
                let minutes = self.calendar.working_minutes_between(issue.created_at, at);
                self.to_close.push(minutes);
                let score = satisfaction.get();
                self.bump(keys, |c| {
                    c.closed += 1;
                    c.satisfaction_sum += u64::from(score);
                    c.satisfied += u64::from(score >= 4);
                });
            }
            Change::Reworked { .. } => self.bump(keys, |c| c.reworked += 1),
            Change::Reopened { .. } => self.bump(keys, |c| c.reopened += 1),
            Change::ExtensionGranted { .. } => self.bump(keys, |c| c.extensions_granted += 1),
            Change::Escalated { level, .. } => {
                let level = *level;
                self.bump(keys, |c| match level {
                    0 => {}
                    1 => c.escalations.level_1 += 1,
                    2 => c.escalations.level_2 += 1,
                    _ => c.escalations.level_3 += 1,
                });
            }
            Change::Held { .. }
            | Change::Resumed { .. }
            | Change::ExtensionRequested { .. }
            | Change::ExtensionDenied { .. }
            | Change::MarkedDuplicate { .. }
            | Change::Commented { .. }
            // Counts nothing itself; what it changes (the deadline in force) is in `before` for
            // the events that follow.
            | Change::DeadlinesRecomputed { .. } => {}
        }
    }

    /// Applies `f` to the totals and to the issue's category, unit and grid slices.
    fn bump(&mut self, keys: Keys, f: impl Fn(&mut Counts)) {
        f(&mut self.totals);
        f(self.by_category.entry(keys.category).or_default());
        f(self.by_grid.entry(keys.grid).or_default());
        match keys.unit {
            Some(unit) => f(self.by_unit.entry(unit).or_default()),
            None => f(&mut self.without_unit),
        }
    }
}

fn slices<K: Ord>(map: BTreeMap<K, Counts>) -> BTreeMap<K, Slice> {
    map.into_iter().map(|(k, c)| (k, Slice::from(c))).collect()
}

//! The weekly report's indicators (周报指标), computed from issue histories.
//!
//! # Feeding
//!
//! [`WeeklyIndicators`] is an accumulator, built for a streaming query: the store reads
//! `issue_events` ordered by (issue, version) and hands each event to
//! [`observe`](WeeklyIndicators::observe) (or each issue's history to
//! [`observe_issue`](WeeklyIndicators::observe_issue)); memory holds one issue's folded state
//! plus one working-minute sample per start and per close in the period, never the event log.
//! [`finish`](WeeklyIndicators::finish) returns the [`Indicators`]. [`TrendIndicators`] feeds
//! several such runs (a trend's weeks) in one pass: each history is folded once, not once per
//! week, and each run counts exactly what it would have counted fed on its own.
//!
//! Each issue's history must start at its report (version 1) and come in version order; the
//! accumulator folds it with [`Issue::evolve`](crate::Issue::evolve), the same code a replay
//! runs, because "open at the end", "overdue at the end", the deadline in force at a
//! resolution and the start of a response all depend on the events *before* the period.
//! Events at or after the period's end are ignored, so a caller may feed whole histories or
//! stop at `to`. An issue contributes nothing unless it has an event in the period or is open
//! or awaiting verification at its start or end, so the caller may feed any superset of
//! those issues, for instance every issue reported before `to` except those closed, rejected
//! or marked duplicate before `from` with no event since. Feeding one issue twice counts it
//! twice; splitting its history is caught as a [`ReportError`].
//!
//! # Where an event counts
//!
//! By time: in the period containing its `at`, `[from, to)` of local days in the period's
//! zone ([`Period`]). By slice: under the category and grid the issue has after the event and
//! the unit holding it after the event or, for an event that takes the issue away from its
//! unit (a return, a reopening), the unit it left. States at the start and end of the period
//! count under the issue's category, grid and unit at that instant. Events while no unit
//! holds the issue count in [`Indicators::without_unit`], so the slices add up to the totals.
//!
//! # Layout
//!
//! - `period`: [`Period`], an ISO week or a range of local dates in a time zone.
//! - `indicators`: the output types, [`Counts`] and the [`Rates`] they define.
//! - `accumulate`: [`WeeklyIndicators`], the fold, and [`TrendIndicators`], several at once.
//! - `league`: [`LeagueTable`] of units with a minimum-volume rule.
//! - `compare`: [`Delta`] week over week and the eight-week [`Trend`].
//! - `document`: [`WeeklyReport`], the report of one [`ReportScope`] with names, as renderers
//!   and stored copies hold it.
//! - `footnotes`: the definitions in zh-CN and en ([`Indicators::footnotes`]).
//! - `chain`: [`ChainSection`], the matchmaking's figures counted from [`ChainFact`]s.

mod accumulate;
mod chain;
mod compare;
mod document;
mod footnotes;
mod indicators;
mod league;
mod period;

pub use accumulate::{IssueFacts, ReportError, TrendIndicators, WeeklyIndicators};
pub use chain::{
    ChainCounts, ChainFact, ChainFactKind, ChainNames, ChainSection, ChainTrendLine,
    NamedChainCounts,
};
pub use compare::{Delta, Headline, Trend, TrendPoint, TREND_WEEKS};
pub use document::{
    DocumentError, LeagueLine, NamedSlice, Names, OverdueLine, ReportOptions, ReportScope,
    TrendLine, WeeklyReport, OVERDUE_LIMIT,
};
pub use footnotes::Locale;
pub use indicators::{
    Counts, Durations, Escalations, Indicators, OverdueIssue, Rates, Slice, Times, VisitCounts,
    Visits,
};
pub use league::{LeagueRow, LeagueTable, DEFAULT_MIN_RESOLVED};
pub use period::{IsoWeek, Period};

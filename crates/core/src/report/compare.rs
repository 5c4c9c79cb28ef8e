//! Week against week, and the eight-week trend.

use serde::{Deserialize, Serialize};

use super::indicators::{Indicators, Slice};
use super::period::Period;

/// How many periods the trend chart shows.
pub const TREND_WEEKS: usize = 8;

/// The numbers a report leads with, and that the trend plots.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    pub reported: u64,
    pub accepted: u64,
    pub resolved: u64,
    pub closed: u64,
    pub open_at_end: u64,
    pub overdue_at_end: u64,
    pub escalations: u64,
    pub on_time_resolution: Option<f64>,
    pub closure: Option<f64>,
    pub rework: Option<f64>,
    pub extension: Option<f64>,
    pub satisfaction_mean: Option<f64>,
    pub median_close_minutes: Option<u32>,
    pub p90_close_minutes: Option<u32>,
}

/// This period minus the previous one. Counts are signed differences; rates differ in
/// fractions (0.05 is five percentage points) and are `None` unless both periods have one;
/// times are signed working minutes, `None` unless both periods have one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    pub previous: Option<Period>,
    pub reported: i64,
    pub accepted: i64,
    pub resolved: i64,
    pub closed: i64,
    pub open_at_end: i64,
    pub overdue_at_end: i64,
    pub escalations: i64,
    pub on_time_resolution: Option<f64>,
    pub closure: Option<f64>,
    pub rework: Option<f64>,
    pub extension: Option<f64>,
    pub satisfaction_mean: Option<f64>,
    pub median_close_minutes: Option<i64>,
    pub p90_close_minutes: Option<i64>,
}

impl Indicators {
    /// The headline numbers of this run.
    pub fn headline(&self) -> Headline {
        Headline {
            reported: self.totals.reported,
            accepted: self.totals.accepted,
            resolved: self.totals.resolved,
            closed: self.totals.closed,
            open_at_end: self.totals.open_at_end,
            overdue_at_end: self.totals.overdue_at_end,
            escalations: self.totals.escalations.total(),
            on_time_resolution: self.rates.on_time_resolution,
            closure: self.rates.closure,
            rework: self.rates.rework,
            extension: self.rates.extension,
            satisfaction_mean: self.rates.satisfaction_mean,
            median_close_minutes: self.times.to_close.median_minutes,
            p90_close_minutes: self.times.to_close.p90_minutes,
        }
    }

    /// The change from `previous` (normally the week before) to this run.
    pub fn delta(&self, previous: &Indicators) -> Delta {
        self.headline().minus(&previous.headline(), previous.period)
    }
}

impl Headline {
    /// The headline of one slice: its counts and rates, without times (those are park-wide).
    pub fn of_slice(slice: &Slice) -> Self {
        let (counts, rates) = (&slice.counts, &slice.rates);
        Self {
            reported: counts.reported,
            accepted: counts.accepted,
            resolved: counts.resolved,
            closed: counts.closed,
            open_at_end: counts.open_at_end,
            overdue_at_end: counts.overdue_at_end,
            escalations: counts.escalations.total(),
            on_time_resolution: rates.on_time_resolution,
            closure: rates.closure,
            rework: rates.rework,
            extension: rates.extension,
            satisfaction_mean: rates.satisfaction_mean,
            median_close_minutes: None,
            p90_close_minutes: None,
        }
    }

    /// This headline minus `then`, the headline of `previous`.
    pub fn minus(&self, then: &Headline, previous: Period) -> Delta {
        let now = self;
        let count = |a: u64, b: u64| {
            i64::try_from(a)
                .unwrap_or(i64::MAX)
                .saturating_sub(i64::try_from(b).unwrap_or(i64::MAX))
        };
        let rate = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
        let minutes = |a: Option<u32>, b: Option<u32>| Some(i64::from(a?) - i64::from(b?));
        Delta {
            previous: Some(previous),
            reported: count(now.reported, then.reported),
            accepted: count(now.accepted, then.accepted),
            resolved: count(now.resolved, then.resolved),
            closed: count(now.closed, then.closed),
            open_at_end: count(now.open_at_end, then.open_at_end),
            overdue_at_end: count(now.overdue_at_end, then.overdue_at_end),
            escalations: count(now.escalations, then.escalations),
            on_time_resolution: rate(now.on_time_resolution, then.on_time_resolution),
            closure: rate(now.closure, then.closure),
            rework: rate(now.rework, then.rework),
            extension: rate(now.extension, then.extension),
            satisfaction_mean: rate(now.satisfaction_mean, then.satisfaction_mean),
            median_close_minutes: minutes(now.median_close_minutes, then.median_close_minutes),
            p90_close_minutes: minutes(now.p90_close_minutes, then.p90_close_minutes),
        }
    }
}

/// One point of the trend.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub period: Period,
    pub headline: Headline,
}

/// The headline numbers of the last [`TREND_WEEKS`] periods, oldest first. The caller runs
/// the report for each of [`Period::trailing`]`(TREND_WEEKS)` (or reads stored copies) and
/// assembles them here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub points: Vec<TrendPoint>,
}

impl Trend {
    /// Orders the runs by period start and keeps the latest [`TREND_WEEKS`].
    pub fn from_runs<'a>(runs: impl IntoIterator<Item = &'a Indicators>) -> Self {
        let mut points: Vec<TrendPoint> = runs
            .into_iter()
            .map(|run| TrendPoint {
                period: run.period,
                headline: run.headline(),
            })
            .collect();
        points.sort_by_key(|p| p.period.from());
        let excess = points.len().saturating_sub(TREND_WEEKS);
        points.drain(..excess);
        Self { points }
    }
}

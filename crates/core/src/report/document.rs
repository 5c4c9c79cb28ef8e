//! The weekly report as a document: what a leader reads, with names instead of ids, ready for
//! any renderer, and serialisable so a sent report can be kept frozen and shown again as sent.
//!
//! A [`WeeklyReport`] is built from the runs of the trend's periods (oldest first, the report's
//! own period last) for one [`ReportScope`]: the whole park, a unit's slice (for its head) or a
//! grid's slice (for its posts). Slices carry counts and rates; times and visits are park-wide
//! figures, so a slice's report shows them only for the park.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::chain::ChainSection;
use super::compare::{Delta, Headline};
use super::indicators::{Counts, Indicators, OverdueIssue, Rates, Slice, Times, Visits};
use super::period::Period;
use crate::calendar::Calendar;
use crate::ids::{CategoryId, GridId, UnitId};
use crate::locale::Locale;

/// Which part of the park a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum ReportScope {
    Park,
    Unit(UnitId),
    Grid(GridId),
}

impl ReportScope {
    /// A stable key for the scope, used in stored copies' uniqueness: `park`, `unit:3`, `grid:2`.
    pub fn key(&self) -> String {
        match self {
            Self::Park => "park".to_owned(),
            Self::Unit(id) => format!("unit:{id}"),
            Self::Grid(id) => format!("grid:{id}"),
        }
    }

    /// The scope of a [`key`](Self::key); `None` for anything else.
    pub fn from_key(raw: &str) -> Option<Self> {
        if raw == "park" {
            return Some(Self::Park);
        }
        let (kind, id) = raw.split_once(':')?;
        let id: i64 = id.parse().ok()?;
        match kind {
            "unit" => UnitId::new(id).ok().map(Self::Unit),
            "grid" => GridId::new(id).ok().map(Self::Grid),
            _ => None,
        }
    }
}

/// The display names of the park's reference data, looked up by the caller; an id without a
/// name shows as `#id`.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub park: String,
    pub units: BTreeMap<UnitId, String>,
    pub grids: BTreeMap<GridId, String>,
    pub categories: BTreeMap<CategoryId, String>,
}

impl Names {
    fn unit(&self, id: UnitId) -> String {
        self.units
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }

    fn grid(&self, id: GridId) -> String {
        self.grids
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }

    fn category(&self, id: CategoryId) -> String {
        self.categories
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }
}

/// How a report is dressed: language, time of generation, where issue links point, how long
/// the overdue list may grow.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub locale: Locale,
    pub generated_at: DateTime<Utc>,
    /// The web address issues link to, e.g. `https://gridloop.example.org`; no links without.
    pub base_url: Option<String>,
    /// The longest overdue list shown (the total is always given).
    pub overdue_limit: usize,
}

/// The default length of the overdue list in a report.
pub const OVERDUE_LIMIT: usize = 50;

/// A report that cannot be built from the runs given.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentError {
    #[error("a report needs at least the run of its own period")]
    NoRuns,
}

/// One slice's line in a table of slices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedSlice {
    pub name: String,
    pub counts: Counts,
    pub rates: Rates,
}

/// One unit's line in the league table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeagueLine {
    /// `None` for a unit with too few resolutions to rank.
    pub rank: Option<u32>,
    pub unit: String,
    pub resolved: u64,
    pub resolved_on_time: u64,
    pub due_for_resolution: u64,
    pub on_time_rate: Option<f64>,
    /// The unit the report is about (a unit head's own line).
    pub own: bool,
}

/// One point of the trend, labelled for a chart axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendLine {
    /// `W48` for an ISO week, else the first date (`11-23`).
    pub label: String,
    pub period: Period,
    pub headline: Headline,
}

/// One overdue issue as the report lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverdueLine {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub unit: Option<String>,
    pub grid: String,
    /// The missed deadline, in the period's zone, `2026-11-20 17:30`.
    pub since: String,
    /// Working hours overdue at the period's end, to one decimal.
    pub overdue_hours: f64,
    pub escalation_level: u8,
    pub link: Option<String>,
}

/// The weekly report of one scope (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeklyReport {
    pub period: Period,
    /// `2026-W48`, or `2026-11-23/2026-11-29` for a range of dates.
    pub label: String,
    pub scope: ReportScope,
    /// The park's, the unit's or the grid's name.
    pub scope_name: String,
    pub locale: Locale,
    pub generated_at: DateTime<Utc>,
    pub counts: Counts,
    pub rates: Rates,
    pub headline: Headline,
    /// Against the previous period, when its run was given.
    pub delta: Option<Delta>,
    /// The park's times and visits; `None` for a slice.
    pub times: Option<Times>,
    pub visits: Option<Visits>,
    /// The park's breakdowns; empty for a slice.
    pub by_category: Vec<NamedSlice>,
    pub by_unit: Vec<NamedSlice>,
    pub by_grid: Vec<NamedSlice>,
    pub league: Vec<LeagueLine>,
    pub league_min_resolved: u64,
    /// Oldest first, this period last.
    pub trend: Vec<TrendLine>,
    /// The scope's overdue issues at the period's end, most overdue first, at most
    /// [`ReportOptions::overdue_limit`] of them.
    pub overdue: Vec<OverdueLine>,
    /// How many issues of the scope were overdue at the period's end.
    pub overdue_total: u64,
    pub footnotes: Vec<String>,
    /// The matchmaking's figures (see [`ChainSection`]); `None` in a unit's report and in
    /// copies stored before the chain had a section.
    #[serde(default)]
    pub chain: Option<ChainSection>,
}

impl WeeklyReport {
    /// Builds the report of `scope` from `runs`: the trend's periods, oldest first, ending
    /// with the report's own.
    /// Overdue hours are working hours on `calendar`, counted for the lines shown only.
    pub fn build(
        runs: &[Indicators],
        scope: ReportScope,
        names: &Names,
        options: &ReportOptions,
        calendar: &Calendar,
    ) -> Result<Self, DocumentError> {
        let (current, earlier) = runs.split_last().ok_or(DocumentError::NoRuns)?;
        let headline_of = |run: &Indicators| match scope {
            ReportScope::Park => run.headline(),
            _ => Headline::of_slice(&scoped(run, scope)),
        };
        let slice = scoped(current, scope);
        let headline = headline_of(current);
        let delta = earlier
            .last()
            .map(|previous| headline.minus(&headline_of(previous), previous.period));
        let park = scope == ReportScope::Park;
        let named = |name: String, slice: &Slice| NamedSlice {
            name,
            counts: slice.counts.clone(),
            rates: slice.rates,
        };
        let (by_category, by_unit, by_grid) = if park {
            let mut by_unit: Vec<NamedSlice> = current
                .by_unit
                .iter()
                .map(|(&id, s)| named(names.unit(id), s))
                .collect();
            if current.without_unit.counts != Counts::default() {
                let label = match options.locale {
                    Locale::ZhCn => "未交办",
                    Locale::En => "Not assigned",
                };
                by_unit.push(named(label.to_owned(), &current.without_unit));
            }
            (
                current
                    .by_category
                    .iter()
                    .map(|(&id, s)| named(names.category(id), s))
                    .collect(),
                by_unit,
                current
                    .by_grid
                    .iter()
                    .map(|(&id, s)| named(names.grid(id), s))
                    .collect(),
            )
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        let own_unit = match scope {
            ReportScope::Unit(id) => Some(id),
            _ => None,
        };
        let league = current
            .league
            .ranked
            .iter()
            .map(|row| (Some(row.rank), row))
            .chain(current.league.too_few_to_rank.iter().map(|row| (None, row)))
            .map(|(rank, row)| LeagueLine {
                rank,
                unit: names.unit(row.unit),
                resolved: row.resolved,
                resolved_on_time: row.resolved_on_time,
                due_for_resolution: row.due_for_resolution,
                on_time_rate: row.on_time_rate,
                own: own_unit == Some(row.unit),
            })
            .collect();
        let trend = runs
            .iter()
            .map(|run| TrendLine {
                label: short_label(&run.period),
                period: run.period,
                headline: headline_of(run),
            })
            .collect();
        let in_scope = |issue: &&OverdueIssue| match scope {
            ReportScope::Park => true,
            ReportScope::Unit(id) => issue.unit == Some(id),
            ReportScope::Grid(id) => issue.grid == id,
        };
        let overdue_total = current.overdue.iter().filter(in_scope).count() as u64;
        let tz = current.period.tz();
        let overdue = current
            .overdue
            .iter()
            .filter(in_scope)
            .take(options.overdue_limit)
            .map(|issue| OverdueLine {
                id: issue.id.get(),
                title: issue.title.clone(),
                category: names.category(issue.category),
                unit: issue.unit.map(|id| names.unit(id)),
                grid: names.grid(issue.grid),
                since: issue
                    .since
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                overdue_hours: {
                    let minutes =
                        calendar.working_minutes_between(issue.since, current.period.to());
                    (f64::from(minutes) / 6.0).round() / 10.0
                },
                escalation_level: issue.escalation_level,
                link: options
                    .base_url
                    .as_deref()
                    .map(|base| format!("{}/issues/{}", base.trim_end_matches('/'), issue.id)),
            })
            .collect();
        let scope_name = match scope {
            ReportScope::Park => names.park.clone(),
            ReportScope::Unit(id) => names.unit(id),
            ReportScope::Grid(id) => names.grid(id),
        };
        Ok(Self {
            period: current.period,
            label: long_label(&current.period),
            scope,
            scope_name,
            locale: options.locale,
            generated_at: options.generated_at,
            counts: slice.counts,
            rates: slice.rates,
            headline,
            delta,
            times: park.then_some(current.times),
            visits: park.then_some(current.visits),
            by_category,
            by_unit,
            by_grid,
            league,
            league_min_resolved: current.league.min_resolved,
            trend,
            overdue,
            overdue_total,
            footnotes: current.footnotes(options.locale),
            chain: None,
        })
    }
}

impl WeeklyReport {
    /// The report with its chain section, built by the caller from the chain's facts.
    #[must_use]
    pub fn with_chain(mut self, chain: Option<ChainSection>) -> Self {
        self.chain = chain;
        self
    }

    /// Adds the trend lines of earlier periods taken from elsewhere, typically the reports
    /// stored when those weeks were sent: the week before and the trend then need not be
    /// computed again from the event log. Lines of periods the report has already are kept;
    /// the trend keeps the latest [`TREND_WEEKS`](super::TREND_WEEKS) periods, and the delta is
    /// taken against the period just before this one when there is a line for it.
    #[must_use]
    pub fn with_earlier(mut self, earlier: impl IntoIterator<Item = TrendLine>) -> Self {
        for line in earlier {
            if !self.trend.iter().any(|t| t.period == line.period) {
                self.trend.push(line);
            }
        }
        self.trend.sort_by_key(|t| t.period.from());
        let excess = self.trend.len().saturating_sub(super::TREND_WEEKS);
        self.trend.drain(..excess);
        let previous = self.period.previous();
        self.delta = self
            .trend
            .iter()
            .find(|t| t.period == previous)
            .map(|t| self.headline.minus(&t.headline, t.period));
        self
    }
}

/// The scope's counts and rates in one run; an absent unit or grid had nothing happen.
fn scoped(run: &Indicators, scope: ReportScope) -> Slice {
    match scope {
        ReportScope::Park => Slice {
            counts: run.totals.clone(),
            rates: run.rates,
        },
        ReportScope::Unit(id) => run.by_unit.get(&id).cloned().unwrap_or_default(),
        ReportScope::Grid(id) => run.by_grid.get(&id).cloned().unwrap_or_default(),
    }
}

/// `2026-W48`, or `2026-11-23/2026-11-29`: the period as stored copies are keyed.
fn long_label(period: &Period) -> String {
    period.to_string()
}

pub(super) fn short_label(period: &Period) -> String {
    match period.iso() {
        Some(week) => format!("W{:02}", week.week),
        None => period.start_date().format("%m-%d").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::Asia::Shanghai;

    use super::*;
    use crate::ids::IssueId;
    use crate::report::WeeklyIndicators;

    fn unit(id: i64) -> UnitId {
        UnitId::new(id).expect("positive")
    }

    fn grid(id: i64) -> GridId {
        GridId::new(id).expect("positive")
    }

    /// Eight empty weeks ending with 2026-W48, the last with three overdue issues.
    fn runs(calendar: &Calendar) -> Vec<Indicators> {
        let week = Period::iso_week(2026, 48, Shanghai).expect("week");
        let mut runs: Vec<Indicators> = week
            .trailing(8)
            .into_iter()
            .map(|p| WeeklyIndicators::new(p, calendar).finish())
            .collect();
        let last = runs.last_mut().expect("eight runs");
        for (id, unit_id, grid_id) in [(7, Some(1), 1), (8, Some(2), 1), (9, None, 2)] {
            last.overdue.push(OverdueIssue {
                id: IssueId::new(id).expect("id"),
                title: format!("issue {id}"),
                category: CategoryId::new(1).expect("id"),
                unit: unit_id.map(unit),
                grid: grid(grid_id),
                // Friday 27 November, 16:30 in Shanghai: 90 working minutes before the week
                // ends (office hours end at 18:00).
                since: Utc
                    .with_ymd_and_hms(2026, 11, 27, 8, 30, 0)
                    .single()
                    .expect("t"),
                escalation_level: 1,
            });
        }
        last.totals.reported = 4;
        last.by_unit.insert(
            unit(1),
            Slice::from(Counts {
                reported: 1,
                ..Counts::default()
            }),
        );
        runs
    }

    fn options(limit: usize) -> ReportOptions {
        ReportOptions {
            locale: Locale::En,
            generated_at: Utc
                .with_ymd_and_hms(2026, 11, 30, 0, 0, 0)
                .single()
                .expect("t"),
            base_url: Some("https://park.example/".into()),
            overdue_limit: limit,
        }
    }

    #[test]
    fn a_report_needs_the_run_of_its_own_period() {
        let calendar = Calendar::default_china();
        let built = WeeklyReport::build(
            &[],
            ReportScope::Park,
            &Names::default(),
            &options(5),
            &calendar,
        );
        assert_eq!(built, Err(DocumentError::NoRuns));
    }

    #[test]
    fn the_park_lists_every_overdue_issue_up_to_the_limit_with_links_and_the_total() {
        let calendar = Calendar::default_china();
        let report = WeeklyReport::build(
            &runs(&calendar),
            ReportScope::Park,
            &Names::default(),
            &options(2),
            &calendar,
        )
        .expect("report");
        assert_eq!(report.label, "2026-W48");
        assert_eq!(report.overdue_total, 3);
        assert_eq!(report.overdue.len(), 2);
        let first = &report.overdue[0];
        assert_eq!(first.link.as_deref(), Some("https://park.example/issues/7"));
        assert_eq!(first.since, "2026-11-27 16:30", "in the period's zone");
        assert!(
            (first.overdue_hours - 1.5).abs() < f64::EPSILON,
            "{}",
            first.overdue_hours
        );
        assert_eq!(first.unit.as_deref(), Some("#1"), "an id without a name");
        let labels: Vec<&str> = report.trend.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(
            labels,
            ["W41", "W42", "W43", "W44", "W45", "W46", "W47", "W48"]
        );
        assert_eq!(report.delta.map(|d| d.reported), Some(4));
        assert!(report.times.is_some() && report.visits.is_some());
    }

    #[test]
    fn a_units_slice_has_its_counts_and_overdue_issues_only() {
        let calendar = Calendar::default_china();
        let mut names = Names::default();
        names.units.insert(unit(1), "供电所".into());
        let report = WeeklyReport::build(
            &runs(&calendar),
            ReportScope::Unit(unit(1)),
            &names,
            &options(50),
            &calendar,
        )
        .expect("report");
        assert_eq!(report.scope_name, "供电所");
        assert_eq!(report.counts.reported, 1);
        assert_eq!(report.overdue_total, 1);
        assert_eq!(report.overdue[0].id, 7);
        assert!(report.times.is_none() && report.by_unit.is_empty());
        // A grid's slice: the grid's overdue issues, whoever holds them.
        let grid_report = WeeklyReport::build(
            &runs(&calendar),
            ReportScope::Grid(grid(1)),
            &names,
            &options(50),
            &calendar,
        )
        .expect("report");
        assert_eq!(grid_report.overdue_total, 2);
        assert_eq!(
            grid_report.counts,
            Counts::default(),
            "nothing counted for grid 1"
        );
    }

    #[test]
    fn earlier_weeks_from_stored_copies_complete_the_trend_and_the_delta() {
        let calendar = Calendar::default_china();
        let all = runs(&calendar);
        let full = WeeklyReport::build(
            &all,
            ReportScope::Park,
            &Names::default(),
            &options(5),
            &calendar,
        )
        .expect("report");
        let alone = WeeklyReport::build(
            &all[7..],
            ReportScope::Park,
            &Names::default(),
            &options(5),
            &calendar,
        )
        .expect("report");
        assert_eq!(alone.trend.len(), 1);
        assert_eq!(alone.delta, None);
        let stored: Vec<TrendLine> = full.trend[..7].to_vec();
        let completed = alone.with_earlier(stored);
        assert_eq!(completed.trend, full.trend);
        assert_eq!(completed.delta, full.delta);
    }

    #[test]
    fn a_stored_report_reads_back_equal() {
        let calendar = Calendar::default_china();
        let report = WeeklyReport::build(
            &runs(&calendar),
            ReportScope::Park,
            &Names::default(),
            &options(50),
            &calendar,
        )
        .expect("report");
        let json = serde_json::to_string(&report).expect("serialise");
        let back: WeeklyReport = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, report);
        for scope in [
            ReportScope::Park,
            ReportScope::Unit(unit(3)),
            ReportScope::Grid(grid(2)),
        ] {
            assert_eq!(ReportScope::from_key(&scope.key()), Some(scope));
        }
        assert_eq!(ReportScope::Unit(unit(3)).key(), "unit:3");
        assert_eq!(ReportScope::from_key("unit:0"), None);
    }
}

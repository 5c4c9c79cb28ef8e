//! The report as the reader sees it: every label in the report's language and every number
//! already formatted, in the order the sections appear. The HTML template and the Markdown
//! writer both walk this one view, so the two cannot drift apart in content or wording.

use gridloop_core::{
    ChainCounts, ChainSection, Counts, Delta, LeagueLine, NamedSlice, OverdueLine, ReportScope,
    TrendLine, WeeklyReport, TREND_WEEKS,
};
use serde::Serialize;

use crate::chart::Series;
use crate::format::{self, percent, Better, Change, NO_DATA};
use crate::labels::Labels;

#[derive(Debug, Serialize)]
pub(crate) struct View {
    /// The `lang` of the HTML page.
    pub lang: &'static str,
    pub l: &'static Labels,
    pub title: String,
    /// 园区 / 单位 / 网格.
    pub scope_kind: &'static str,
    pub scope_name: String,
    pub label: String,
    /// The first and last day of the period.
    pub dates: String,
    pub time_zone: String,
    /// When the report was generated, in the period's zone.
    pub generated_at: String,
    /// The period the changes compare with, when the report has changes.
    pub previous: Option<String>,
    pub kpis: Vec<Kpi>,
    /// From report to resolution …
    pub counts_flow: Vec<Figure>,
    /// … and what followed, escalations and the state at the end.
    pub counts_after: Vec<Figure>,
    pub rates: Vec<RateFigure>,
    /// The park's times and visits; `None` for a unit's or a grid's report.
    pub times: Option<Vec<TimeFigure>>,
    pub visits: Option<Vec<Figure>>,
    pub trend_title: String,
    pub trend: Vec<TrendRow>,
    pub legend: Vec<LegendItem>,
    pub league: Vec<LeagueRow>,
    pub unranked: Vec<LeagueRow>,
    pub not_ranked: String,
    pub breakdowns: Vec<Breakdown>,
    pub overdue: Vec<OverdueRow>,
    pub overdue_more: Option<String>,
    /// The matchmaking's figures; `None` in a unit's report.
    pub chain: Option<ChainView>,
    pub footnotes: Vec<String>,
}

/// The chain section: the period's figures, then its tables (by grid, by stage, the trend).
#[derive(Debug, Serialize)]
pub(crate) struct ChainView {
    pub figures: Vec<Figure>,
    pub tables: Vec<ChainTable>,
}

/// One table of the chain section, its first column headed `first`.
#[derive(Debug, Serialize)]
pub(crate) struct ChainTable {
    pub title: String,
    pub first: &'static str,
    pub rows: Vec<ChainRow>,
}

/// One line of a chain table, compact enough for a phone: pairs share a cell.
#[derive(Debug, Serialize)]
pub(crate) struct ChainRow {
    pub name: String,
    /// `3 / 2`: needs and offers posted.
    pub listings: String,
    pub introduced: u64,
    pub agreed: u64,
    pub dropped: u64,
    pub value: String,
    /// `2 / 45`: meetings held and enterprises attending.
    pub meetings: String,
    /// The report's own week in the trend.
    pub current: bool,
}

/// A headline figure with its change on the previous week.
#[derive(Debug, Serialize)]
pub(crate) struct Kpi {
    pub label: &'static str,
    pub value: String,
    pub change: Option<Change>,
}

/// A labelled number; `part` marks an "of which" line under the one above.
#[derive(Debug, Serialize)]
pub(crate) struct Figure {
    pub label: &'static str,
    pub value: String,
    pub part: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct RateFigure {
    pub label: &'static str,
    pub value: String,
    /// `35 / 40`: the counts the rate divides.
    pub basis: String,
    pub change: Option<Change>,
}

#[derive(Debug, Serialize)]
pub(crate) struct TimeFigure {
    pub label: &'static str,
    pub median: String,
    pub p90: String,
    pub samples: u64,
    /// The median's change, in hours; only the time to close is in the headline.
    pub change: Option<Change>,
}

#[derive(Debug, Serialize)]
pub(crate) struct TrendRow {
    pub week: String,
    pub reported: u64,
    pub resolved: u64,
    pub overdue_at_end: u64,
    pub on_time: String,
    /// The report's own week, the last row.
    pub current: bool,
}

/// One series of the chart, keyed by its colour: a square for bars, a dot for lines.
#[derive(Debug, Serialize)]
pub(crate) struct LegendItem {
    pub colour: String,
    pub mark: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct LeagueRow {
    pub rank: String,
    pub unit: String,
    pub resolved: u64,
    pub resolved_on_time: u64,
    pub due: u64,
    pub rate: String,
    pub own: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct Breakdown {
    pub title: &'static str,
    pub rows: Vec<SliceRow>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SliceRow {
    pub name: String,
    pub reported: u64,
    pub resolved: u64,
    pub closed: u64,
    pub open_at_end: u64,
    pub overdue_at_end: u64,
    pub on_time: String,
    pub closure: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct OverdueRow {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub unit: String,
    pub grid: String,
    pub since: String,
    pub hours: String,
    pub level: String,
    pub link: Option<String>,
}

impl View {
    pub fn of(report: &WeeklyReport) -> View {
        let l = Labels::of(report.locale);
        let tz = report.period.tz();
        let last_day = report
            .period
            .end_date()
            .pred_opt()
            .unwrap_or(report.period.end_date());
        let scope_kind = match report.scope {
            ReportScope::Park => l.scope_park,
            ReportScope::Unit(_) => l.scope_unit,
            ReportScope::Grid(_) => l.scope_grid,
        };
        View {
            lang: report.locale.as_str(),
            l,
            title: crate::email::subject(report),
            scope_kind,
            scope_name: report.scope_name.clone(),
            label: report.label.clone(),
            dates: format!("{}{}{last_day}", report.period.start_date(), l.date_range),
            time_zone: tz.name().to_owned(),
            generated_at: report
                .generated_at
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            previous: report.delta.and_then(|d| d.previous).map(|p| p.to_string()),
            kpis: kpis(report, l),
            counts_flow: counts_flow(&report.counts, l),
            counts_after: counts_after(&report.counts, l),
            rates: rates(report, l),
            times: report.times.map(|t| {
                let close_change = report
                    .delta
                    .and_then(|d| Change::hours(d.median_close_minutes, Better::Lower));
                [
                    (l.first_response, t.first_response, None),
                    (l.to_close, t.to_close, close_change),
                ]
                .into_iter()
                .map(|(label, d, change)| TimeFigure {
                    label,
                    median: format::hours(d.median_minutes),
                    p90: format::hours(d.p90_minutes),
                    samples: d.count,
                    change,
                })
                .collect()
            }),
            visits: report.visits.map(|v| {
                vec![
                    figure(l.visits_planned, v.planned),
                    figure(l.visits_completed, v.completed),
                    figure(l.visits_missed, v.missed),
                    Figure {
                        label: l.visits_completion_rate,
                        value: percent(v.completion_rate),
                        part: false,
                    },
                    figure(l.visits_issues_raised, v.issues_raised),
                ]
            }),
            trend_title: Labels::with_n(l.trend, TREND_WEEKS),
            trend: trend(&report.trend),
            legend: legend(l),
            league: report
                .league
                .iter()
                .filter(|line| line.rank.is_some())
                .map(league_row)
                .collect(),
            unranked: report
                .league
                .iter()
                .filter(|line| line.rank.is_none())
                .map(league_row)
                .collect(),
            not_ranked: Labels::with_n(l.not_ranked, report.league_min_resolved),
            breakdowns: [
                (l.by_category, &report.by_category),
                (l.by_unit, &report.by_unit),
                (l.by_grid, &report.by_grid),
            ]
            .into_iter()
            .filter(|(_, slices)| !slices.is_empty())
            .map(|(title, slices)| Breakdown {
                title,
                rows: slices.iter().map(slice_row).collect(),
            })
            .collect(),
            overdue: report.overdue.iter().map(|o| overdue_row(o, l)).collect(),
            overdue_more: {
                let listed = report.overdue.len() as u64;
                (report.overdue_total > listed)
                    .then(|| Labels::with_n(l.overdue_more, report.overdue_total - listed))
            },
            chain: report.chain.as_ref().map(|c| chain(c, report.locale, l)),
            footnotes: report.footnotes.clone(),
        }
    }
}

fn figure(label: &'static str, value: u64) -> Figure {
    Figure {
        label,
        value: value.to_string(),
        part: false,
    }
}

fn part(label: &'static str, value: u64) -> Figure {
    Figure {
        part: true,
        ..figure(label, value)
    }
}

/// The eight figures a leader reads first, each with its change: counts in issues, rates in
/// percentage points. Without the previous week's run there are no changes.
fn kpis(report: &WeeklyReport, l: &'static Labels) -> Vec<Kpi> {
    let h = &report.headline;
    let d: Option<&Delta> = report.delta.as_ref();
    let count = |label, value: u64, change: fn(&Delta) -> i64, better| Kpi {
        label,
        value: value.to_string(),
        change: d.map(|d| Change::count(change(d), better)),
    };
    let rate = |label, value: Option<f64>, change: fn(&Delta) -> Option<f64>| Kpi {
        label,
        value: percent(value),
        change: d.and_then(|d| Change::points(change(d), l.percentage_points, Better::Higher)),
    };
    vec![
        count(l.reported, h.reported, |d| d.reported, Better::Neither),
        count(l.resolved, h.resolved, |d| d.resolved, Better::Higher),
        count(l.closed, h.closed, |d| d.closed, Better::Higher),
        count(
            l.escalations,
            h.escalations,
            |d| d.escalations,
            Better::Lower,
        ),
        count(
            l.open_at_end,
            h.open_at_end,
            |d| d.open_at_end,
            Better::Lower,
        ),
        count(
            l.overdue_at_end,
            h.overdue_at_end,
            |d| d.overdue_at_end,
            Better::Lower,
        ),
        rate(l.on_time_resolution, h.on_time_resolution, |d| {
            d.on_time_resolution
        }),
        rate(l.closure, h.closure, |d| d.closure),
    ]
}

fn counts_flow(c: &Counts, l: &'static Labels) -> Vec<Figure> {
    vec![
        figure(l.reported, c.reported),
        part(l.reported_on_visits, c.reported_on_visits),
        figure(l.accepted, c.accepted),
        figure(l.rejected, c.rejected),
        figure(l.assigned, c.assigned),
        figure(l.reassigned, c.reassigned),
        figure(l.returned, c.returned),
        figure(l.started, c.started),
        figure(l.resolved, c.resolved),
        part(l.resolved_on_time, c.resolved_on_time),
        figure(l.overdue_unresolved, c.overdue_unresolved),
    ]
}

fn counts_after(c: &Counts, l: &'static Labels) -> Vec<Figure> {
    vec![
        figure(
            l.awaiting_verification_at_start,
            c.awaiting_verification_at_start,
        ),
        figure(l.closed, c.closed),
        figure(l.reworked, c.reworked),
        figure(l.reopened, c.reopened),
        figure(l.extensions_granted, c.extensions_granted),
        figure(l.escalations, c.escalations.total()),
        part(l.escalation_level_1, c.escalations.level_1),
        part(l.escalation_level_2, c.escalations.level_2),
        part(l.escalation_level_3, c.escalations.level_3),
        figure(l.open_at_end, c.open_at_end),
        figure(l.overdue_at_end, c.overdue_at_end),
    ]
}

/// Each rate with the counts it divides, so a reader sees whether 100 % means 1 of 1 or
/// 40 of 40.
fn rates(report: &WeeklyReport, l: &'static Labels) -> Vec<RateFigure> {
    let (c, r, d) = (&report.counts, &report.rates, report.delta.as_ref());
    let pp = l.percentage_points;
    let basis = |n: u64, of: u64| format!("{n} / {of}");
    vec![
        RateFigure {
            label: l.on_time_resolution,
            value: percent(r.on_time_resolution),
            basis: basis(c.resolved_on_time, c.due_for_resolution()),
            change: d.and_then(|d| Change::points(d.on_time_resolution, pp, Better::Higher)),
        },
        RateFigure {
            label: l.closure,
            value: percent(r.closure),
            basis: basis(c.closed, c.due_for_closure()),
            change: d.and_then(|d| Change::points(d.closure, pp, Better::Higher)),
        },
        RateFigure {
            label: l.rework,
            value: percent(r.rework),
            basis: basis(c.reworked, c.resolved),
            change: d.and_then(|d| Change::points(d.rework, pp, Better::Lower)),
        },
        RateFigure {
            label: l.extension,
            value: percent(r.extension),
            basis: basis(c.extensions_granted, c.assigned),
            change: d.and_then(|d| Change::points(d.extension, pp, Better::Lower)),
        },
        RateFigure {
            label: l.satisfaction_mean,
            value: format::score(r.satisfaction_mean),
            basis: basis(c.satisfaction_sum, c.closed),
            change: d.and_then(|d| Change::score(d.satisfaction_mean, Better::Higher)),
        },
        RateFigure {
            label: l.satisfied_share,
            value: percent(r.satisfied_share),
            basis: basis(c.satisfied, c.closed),
            change: None,
        },
    ]
}

fn trend(lines: &[TrendLine]) -> Vec<TrendRow> {
    let last = lines.len().saturating_sub(1);
    lines
        .iter()
        .enumerate()
        .map(|(i, t)| TrendRow {
            week: t.label.clone(),
            reported: t.headline.reported,
            resolved: t.headline.resolved,
            overdue_at_end: t.headline.overdue_at_end,
            on_time: percent(t.headline.on_time_resolution),
            current: i == last,
        })
        .collect()
}

fn legend(l: &'static Labels) -> Vec<LegendItem> {
    Series::ALL
        .into_iter()
        .map(|series| LegendItem {
            colour: series.colour().hex(),
            mark: if series.is_bar() { "■" } else { "●" },
            label: match series {
                Series::Reported => l.reported,
                Series::Resolved => l.resolved,
                Series::OverdueAtEnd => l.legend_overdue,
                Series::OnTimeRate => l.legend_on_time,
            },
        })
        .collect()
}

fn league_row(line: &LeagueLine) -> LeagueRow {
    LeagueRow {
        rank: line
            .rank
            .map_or_else(|| NO_DATA.to_owned(), |r| r.to_string()),
        unit: line.unit.clone(),
        resolved: line.resolved,
        resolved_on_time: line.resolved_on_time,
        due: line.due_for_resolution,
        rate: percent(line.on_time_rate),
        own: line.own,
    }
}

fn slice_row(slice: &NamedSlice) -> SliceRow {
    let c = &slice.counts;
    SliceRow {
        name: slice.name.clone(),
        reported: c.reported,
        resolved: c.resolved,
        closed: c.closed,
        open_at_end: c.open_at_end,
        overdue_at_end: c.overdue_at_end,
        on_time: percent(slice.rates.on_time_resolution),
        closure: percent(slice.rates.closure),
    }
}

fn overdue_row(line: &OverdueLine, l: &Labels) -> OverdueRow {
    OverdueRow {
        id: line.id,
        title: line.title.clone(),
        category: line.category.clone(),
        unit: line
            .unit
            .clone()
            .unwrap_or_else(|| l.not_assigned.to_owned()),
        grid: line.grid.clone(),
        since: line.since.clone(),
        hours: format::one_decimal(line.overdue_hours),
        level: match line.escalation_level {
            0 => NO_DATA.to_owned(),
            n => Labels::with_n(l.level_n, n),
        },
        link: line.link.clone(),
    }
}

fn chain(section: &ChainSection, locale: gridloop_core::Locale, l: &'static Labels) -> ChainView {
    let c = &section.counts;
    let row = |name: String, c: &ChainCounts, current: bool| ChainRow {
        name,
        listings: format!("{} / {}", c.needs_posted, c.offers_posted),
        introduced: c.matches_introduced,
        agreed: c.matches_agreed,
        dropped: c.matches_dropped,
        value: format::money(c.contract_fen, locale),
        meetings: format!("{} / {}", c.meetings_held, c.attendance),
        current,
    };
    let last = section.trend.len().saturating_sub(1);
    let tables = [
        (l.by_grid.to_owned(), l.grid, &section.by_grid),
        (l.chain_by_stage.to_owned(), l.stage, &section.by_stage),
    ]
    .into_iter()
    .filter(|(_, _, lines)| !lines.is_empty())
    .map(|(title, first, lines)| ChainTable {
        title,
        first,
        rows: lines
            .iter()
            .map(|line| row(line.name.clone(), &line.counts, false))
            .collect(),
    })
    .chain(std::iter::once(ChainTable {
        title: Labels::with_n(l.chain_trend, section.trend.len() as u64),
        first: l.week,
        rows: section
            .trend
            .iter()
            .enumerate()
            .map(|(i, t)| row(t.label.clone(), &t.counts, i == last))
            .collect(),
    }))
    .collect();
    ChainView {
        figures: vec![
            figure(l.needs_posted, c.needs_posted),
            figure(l.offers_posted, c.offers_posted),
            figure(l.matches_introduced, c.matches_introduced),
            figure(l.matches_agreed, c.matches_agreed),
            Figure {
                label: l.contract_value,
                value: format::money(c.contract_fen, locale),
                part: true,
            },
            figure(l.matches_dropped, c.matches_dropped),
            figure(l.meetings_held, c.meetings_held),
            figure(l.attendance, c.attendance),
        ],
        tables,
    }
}

//! The report as CSV; [`csv`] documents the layout and the encoding.

use gridloop_core::{
    ChainCounts, Counts, LeagueLine, NamedChainCounts, OverdueLine, Rates, ReportScope, Times,
    TrendLine, Visits, WeeklyReport,
};

use crate::labels::Labels;

const BOM: &str = "\u{feff}";
const CRLF: &str = "\r\n";

/// The report as CSV, for a spreadsheet or a script.
///
/// # Layout
///
/// Four sections, always present and always in this order, separated by an empty line:
///
/// 1. **Slices**, one row per slice: the report's own scope first (`park`, or the `unit` or
///    `grid` the report is about), then the park's breakdowns (`category`, `unit`, `grid`).
///    Columns: `scope`, `name`, `period`, every count, every rate; then the park's times and
///    visits, filled on the park's row only. What happened before any unit held an issue is a
///    `unit` row named as in the report (未交办 / Not assigned), so the unit rows add up.
/// 2. **Trend**, one row per week, oldest first (`week` is `2026-W47`, or a date range).
/// 3. **League**, one row per unit; `rank` is empty for a unit too small to rank.
/// 4. **Overdue**, one row per listed issue, most overdue first.
/// 5. **Chain**, the matchmaking's figures: the report's own scope first (`park` or `grid`),
///    then `grid` and `stage` lines, then one `week` line per week of the trend, oldest first.
///    Columns: `scope`, `name`, `period`, and the counts of [`ChainCounts`] with the contract
///    value in fen (`contract_fen`, an integer: 分, so no rounding). No rows in a unit's report.
///
/// Each section opens with two header rows: stable English `snake_case` keys (the JSON
/// field names of the report's types; the four fractional rates end in `_rate` to tell them
/// from the counts, escalations are split by level), which a script can select
/// columns by and which never change with the language; then the same columns labelled in
/// the report's language, for the person who opens the file. A script reads a section as
/// "key row, skip one row, data rows until an empty row". Rates are decimals with four places
/// (`0.8750`), empty when there is no data, never `0`.
///
/// # Encoding
///
/// RFC 4180: fields with a comma, a quote, CR or LF are quoted, quotes doubled, lines end in
/// CRLF. UTF-8 with a byte-order mark, because Excel opens a CSV without one in the system's
/// legacy code page (GBK on a Chinese Windows) and shows every Chinese name as mojibake; with
/// it, Excel, WPS, LibreOffice and Python's `utf-8-sig` all read it right.
///
/// Free text that starts with `=`, `+`, `-`, `@` or a tab or CR (an issue title, say) gets a
/// leading `'`, so a spreadsheet shows it instead of running it as a formula (CSV injection:
/// titles come from the public). Numbers are written as they are.
pub fn csv(report: &WeeklyReport) -> String {
    let l = Labels::of(report.locale);
    let mut out = String::from(BOM);
    let period = report.period.to_string();

    let own_kind = match report.scope {
        ReportScope::Park => "park",
        ReportScope::Unit(_) => "unit",
        ReportScope::Grid(_) => "grid",
    };
    let park = report.times.zip(report.visits);
    let own = Slice {
        kind: own_kind,
        name: &report.scope_name,
        period: &period,
        counts: &report.counts,
        rates: &report.rates,
        park,
    };
    let breakdowns = [
        ("category", &report.by_category),
        ("unit", &report.by_unit),
        ("grid", &report.by_grid),
    ];
    let rows = std::iter::once(own).chain(breakdowns.iter().flat_map(|(kind, slices)| {
        slices.iter().map(|s| Slice {
            kind,
            name: &s.name,
            period: &period,
            counts: &s.counts,
            rates: &s.rates,
            park: None,
        })
    }));
    section(
        &mut out,
        slice_columns(l, None),
        rows.map(|s| slice_columns(l, Some(&s))),
    );

    out.push_str(CRLF);
    section(
        &mut out,
        trend_columns(l, None),
        report.trend.iter().map(|t| trend_columns(l, Some(t))),
    );

    out.push_str(CRLF);
    section(
        &mut out,
        league_columns(l, None),
        report.league.iter().map(|r| league_columns(l, Some(r))),
    );

    out.push_str(CRLF);
    section(
        &mut out,
        overdue_columns(l, None),
        report.overdue.iter().map(|o| overdue_columns(l, Some(o))),
    );

    out.push_str(CRLF);
    let mut chain_rows: Vec<ChainLine<'_>> = Vec::new();
    if let Some(c) = &report.chain {
        chain_rows.push(ChainLine {
            kind: own_kind,
            name: &report.scope_name,
            period: period.clone(),
            counts: &c.counts,
        });
        for (kind, lines) in [("grid", &c.by_grid), ("stage", &c.by_stage)] {
            chain_rows.extend(lines.iter().map(|line: &NamedChainCounts| ChainLine {
                kind,
                name: &line.name,
                period: period.clone(),
                counts: &line.counts,
            }));
        }
        chain_rows.extend(c.trend.iter().map(|t| ChainLine {
            kind: "week",
            name: &t.label,
            period: t.period.to_string(),
            counts: &t.counts,
        }));
    }
    section(
        &mut out,
        chain_columns(l, None),
        chain_rows.iter().map(|c| chain_columns(l, Some(c))),
    );
    out
}

/// One line of the chain section.
struct ChainLine<'a> {
    kind: &'a str,
    name: &'a str,
    period: String,
    counts: &'a ChainCounts,
}

/// The columns of the chain section; with `None`, only the keys and labels matter.
fn chain_columns(l: &Labels, line: Option<&ChainLine<'_>>) -> Vec<Column> {
    let empty = ChainCounts::default();
    let c = line.map_or(&empty, |line| line.counts);
    let n = |v: u64| line.map(|_| v.to_string()).unwrap_or_default();
    vec![
        (
            "scope",
            l.scope.into(),
            line.map(|x| x.kind.to_owned()).unwrap_or_default(),
        ),
        (
            "name",
            l.name.into(),
            line.map(|x| text(x.name)).unwrap_or_default(),
        ),
        (
            "period",
            l.period.into(),
            line.map(|x| x.period.clone()).unwrap_or_default(),
        ),
        ("needs_posted", l.needs_posted.into(), n(c.needs_posted)),
        ("offers_posted", l.offers_posted.into(), n(c.offers_posted)),
        (
            "matches_introduced",
            l.matches_introduced.into(),
            n(c.matches_introduced),
        ),
        (
            "matches_agreed",
            l.matches_agreed.into(),
            n(c.matches_agreed),
        ),
        (
            "matches_dropped",
            l.matches_dropped.into(),
            n(c.matches_dropped),
        ),
        (
            "contract_fen",
            label_in(l, l.contract_value, l.fen),
            n(c.contract_fen),
        ),
        ("meetings_held", l.meetings_held.into(), n(c.meetings_held)),
        ("attendance", l.attendance.into(), n(c.attendance)),
    ]
}

/// A column: its key, its label in the report's language, and its value in one row.
type Column = (&'static str, String, String);

/// Writes the key row and the label row of `header`, then the values of each row.
fn section(out: &mut String, header: Vec<Column>, rows: impl Iterator<Item = Vec<Column>>) {
    record(out, header.iter().map(|(key, _, _)| *key));
    record(out, header.iter().map(|(_, label, _)| label.as_str()));
    for row in rows {
        record(out, row.iter().map(|(_, _, value)| value.as_str()));
    }
}

fn record<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&quote(field));
    }
    out.push_str(CRLF);
}

/// A field as RFC 4180 wants it: quoted, with quotes doubled, when it holds a comma, a quote,
/// CR or LF.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// Free text, defused for spreadsheets (see the module docs).
fn text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// A rate as a decimal with four places, empty for no data.
fn rate(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.4}")).unwrap_or_default()
}

fn optional<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn label_in(l: &Labels, label: &str, unit: &str) -> String {
    format!("{label}{}{unit}{}", l.paren_open, l.paren_close)
}

struct Slice<'a> {
    kind: &'a str,
    name: &'a str,
    period: &'a str,
    counts: &'a Counts,
    rates: &'a Rates,
    park: Option<(Times, Visits)>,
}

/// The columns of the slices section; with `None`, only the keys and labels matter.
fn slice_columns(l: &Labels, s: Option<&Slice<'_>>) -> Vec<Column> {
    let default_counts = Counts::default();
    let default_rates = Rates::default();
    let c = s.map_or(&default_counts, |s| s.counts);
    let r = s.map_or(&default_rates, |s| s.rates);
    let park = s.and_then(|s| s.park);
    let n = |v: u64| v.to_string();
    let mins = l.working_minutes;
    let mut columns: Vec<Column> = vec![
        (
            "scope",
            l.scope.into(),
            s.map(|s| s.kind.to_owned()).unwrap_or_default(),
        ),
        (
            "name",
            l.name.into(),
            s.map(|s| text(s.name)).unwrap_or_default(),
        ),
        (
            "period",
            l.period.into(),
            s.map(|s| s.period.to_owned()).unwrap_or_default(),
        ),
        ("reported", l.reported.into(), n(c.reported)),
        (
            "reported_on_visits",
            l.reported_on_visits.into(),
            n(c.reported_on_visits),
        ),
        ("accepted", l.accepted.into(), n(c.accepted)),
        ("rejected", l.rejected.into(), n(c.rejected)),
        ("assigned", l.assigned.into(), n(c.assigned)),
        ("reassigned", l.reassigned.into(), n(c.reassigned)),
        ("returned", l.returned.into(), n(c.returned)),
        ("started", l.started.into(), n(c.started)),
        ("resolved", l.resolved.into(), n(c.resolved)),
        (
            "resolved_on_time",
            l.resolved_on_time.into(),
            n(c.resolved_on_time),
        ),
        (
            "overdue_unresolved",
            l.overdue_unresolved.into(),
            n(c.overdue_unresolved),
        ),
        (
            "awaiting_verification_at_start",
            l.awaiting_verification_at_start.into(),
            n(c.awaiting_verification_at_start),
        ),
        ("closed", l.closed.into(), n(c.closed)),
        ("reworked", l.reworked.into(), n(c.reworked)),
        ("reopened", l.reopened.into(), n(c.reopened)),
        (
            "extensions_granted",
            l.extensions_granted.into(),
            n(c.extensions_granted),
        ),
        (
            "escalations_level_1",
            l.escalation_level_1.into(),
            n(c.escalations.level_1),
        ),
        (
            "escalations_level_2",
            l.escalation_level_2.into(),
            n(c.escalations.level_2),
        ),
        (
            "escalations_level_3",
            l.escalation_level_3.into(),
            n(c.escalations.level_3),
        ),
        ("open_at_end", l.open_at_end.into(), n(c.open_at_end)),
        (
            "overdue_at_end",
            l.overdue_at_end.into(),
            n(c.overdue_at_end),
        ),
        (
            "satisfaction_sum",
            l.satisfaction_sum.into(),
            n(c.satisfaction_sum),
        ),
        ("satisfied", l.satisfied.into(), n(c.satisfied)),
        (
            "on_time_resolution_rate",
            l.on_time_resolution.into(),
            rate(r.on_time_resolution),
        ),
        ("closure_rate", l.closure.into(), rate(r.closure)),
        ("rework_rate", l.rework.into(), rate(r.rework)),
        ("extension_rate", l.extension.into(), rate(r.extension)),
        (
            "satisfaction_mean",
            l.satisfaction_mean.into(),
            rate(r.satisfaction_mean),
        ),
        (
            "satisfied_share",
            l.satisfied_share.into(),
            rate(r.satisfied_share),
        ),
    ];
    let times = park.map(|(t, _)| t);
    let visits = park.map(|(_, v)| v);
    for (keys, label, durations) in [
        (
            [
                "first_response_count",
                "first_response_median_minutes",
                "first_response_p90_minutes",
            ],
            l.first_response,
            times.map(|t| t.first_response),
        ),
        (
            [
                "to_close_count",
                "to_close_median_minutes",
                "to_close_p90_minutes",
            ],
            l.to_close,
            times.map(|t| t.to_close),
        ),
    ] {
        let [count, median, p90] = keys;
        columns.extend([
            (
                count,
                format!("{label} {}", l.samples),
                optional(durations.map(|d| d.count)),
            ),
            (
                median,
                label_in(l, &format!("{label} {}", l.median), mins),
                optional(durations.and_then(|d| d.median_minutes)),
            ),
            (
                p90,
                label_in(l, &format!("{label} {}", l.p90), mins),
                optional(durations.and_then(|d| d.p90_minutes)),
            ),
        ]);
    }
    columns.extend([
        (
            "visits_planned",
            l.visits_planned.into(),
            optional(visits.map(|v| v.planned)),
        ),
        (
            "visits_completed",
            l.visits_completed.into(),
            optional(visits.map(|v| v.completed)),
        ),
        (
            "visits_missed",
            l.visits_missed.into(),
            optional(visits.map(|v| v.missed)),
        ),
        (
            "visits_completion_rate",
            l.visits_completion_rate.into(),
            rate(visits.and_then(|v| v.completion_rate)),
        ),
        (
            "visits_issues_raised",
            l.visits_issues_raised.into(),
            optional(visits.map(|v| v.issues_raised)),
        ),
    ]);
    columns
}

fn trend_columns(l: &Labels, t: Option<&TrendLine>) -> Vec<Column> {
    let h = t.map(|t| t.headline).unwrap_or_default();
    let n = |v: u64| {
        if t.is_some() {
            v.to_string()
        } else {
            String::new()
        }
    };
    let mins = l.working_minutes;
    vec![
        (
            "week",
            l.week.into(),
            t.map(|t| t.period.to_string()).unwrap_or_default(),
        ),
        ("reported", l.reported.into(), n(h.reported)),
        ("accepted", l.accepted.into(), n(h.accepted)),
        ("resolved", l.resolved.into(), n(h.resolved)),
        ("closed", l.closed.into(), n(h.closed)),
        ("open_at_end", l.open_at_end.into(), n(h.open_at_end)),
        (
            "overdue_at_end",
            l.overdue_at_end.into(),
            n(h.overdue_at_end),
        ),
        ("escalations", l.escalations.into(), n(h.escalations)),
        (
            "on_time_resolution_rate",
            l.on_time_resolution.into(),
            rate(h.on_time_resolution),
        ),
        ("closure_rate", l.closure.into(), rate(h.closure)),
        ("rework_rate", l.rework.into(), rate(h.rework)),
        ("extension_rate", l.extension.into(), rate(h.extension)),
        (
            "satisfaction_mean",
            l.satisfaction_mean.into(),
            rate(h.satisfaction_mean),
        ),
        (
            "to_close_median_minutes",
            label_in(l, &format!("{} {}", l.to_close, l.median), mins),
            optional(h.median_close_minutes),
        ),
        (
            "to_close_p90_minutes",
            label_in(l, &format!("{} {}", l.to_close, l.p90), mins),
            optional(h.p90_close_minutes),
        ),
    ]
}

fn league_columns(l: &Labels, r: Option<&LeagueLine>) -> Vec<Column> {
    vec![
        ("rank", l.rank.into(), optional(r.and_then(|r| r.rank))),
        (
            "unit",
            l.unit.into(),
            r.map(|r| text(&r.unit)).unwrap_or_default(),
        ),
        (
            "resolved",
            l.resolved.into(),
            optional(r.map(|r| r.resolved)),
        ),
        (
            "resolved_on_time",
            l.resolved_on_time.into(),
            optional(r.map(|r| r.resolved_on_time)),
        ),
        (
            "due_for_resolution",
            l.due_for_resolution.into(),
            optional(r.map(|r| r.due_for_resolution)),
        ),
        (
            "on_time_resolution_rate",
            l.on_time_resolution.into(),
            rate(r.and_then(|r| r.on_time_rate)),
        ),
        ("own_unit", l.own_unit.into(), optional(r.map(|r| r.own))),
    ]
}

fn overdue_columns(l: &Labels, o: Option<&OverdueLine>) -> Vec<Column> {
    let t = |f: fn(&OverdueLine) -> &str| o.map(|o| text(f(o))).unwrap_or_default();
    vec![
        ("issue_id", l.issue_id.into(), optional(o.map(|o| o.id))),
        ("title", l.title.into(), t(|o| &o.title)),
        ("category", l.category.into(), t(|o| &o.category)),
        (
            "unit",
            l.handling_unit.into(),
            t(|o| o.unit.as_deref().unwrap_or_default()),
        ),
        ("grid", l.grid.into(), t(|o| &o.grid)),
        ("overdue_since", l.overdue_since.into(), t(|o| &o.since)),
        (
            "overdue_hours",
            l.overdue_hours.into(),
            optional(o.map(|o| format!("{:.1}", o.overdue_hours))),
        ),
        (
            "escalation_level",
            l.escalation_level.into(),
            optional(o.map(|o| o.escalation_level)),
        ),
        (
            "link",
            l.link.into(),
            t(|o| o.link.as_deref().unwrap_or_default()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_or_line_breaks_are_quoted() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\r\nlines"), "\"two\r\nlines\"");
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_as_a_formula_is_defused() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text("-5 degrees"), "'-5 degrees");
        assert_eq!(text("路面破损"), "路面破损");
    }

    #[test]
    fn rates_have_four_places_and_no_data_is_empty() {
        assert_eq!(rate(Some(0.875)), "0.8750");
        assert_eq!(rate(None), "");
    }
}

//! The report as Markdown (GitHub-flavoured tables), and the same text unescaped as the
//! plain-text part of the email.

use std::fmt::Write as _;

use crate::labels::Labels;
use crate::view::{Figure, View};

/// Markdown escapes what a renderer would read as markup; plain text, read by a person in a
/// mail client without HTML, keeps the words as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Markdown,
    Plain,
}

/// Writes `view` as `flavor`.
pub(crate) fn render(view: &View, flavor: Flavor) -> String {
    let mut md = Writer {
        out: String::new(),
        flavor,
    };
    let l = view.l;

    md.line(&format!("# {}", md.text(&view.title)));
    md.blank();
    md.line(&format!(
        "{}{}{}{}{}{}  ",
        md.text(l.period),
        l.colon,
        md.text(&view.dates),
        l.paren_open,
        md.text(&view.time_zone),
        l.paren_close
    ));
    md.line(&format!(
        "{}{}{}",
        md.text(l.generated_at),
        l.colon,
        md.text(&view.generated_at)
    ));

    md.heading(l.headline);
    match &view.previous {
        Some(previous) => {
            md.line(&format!("{}{}{previous}", md.text(l.vs_previous), l.colon));
            md.blank();
            let rows = view
                .kpis
                .iter()
                .map(|k| {
                    let change = k.change.as_ref().map_or("—", |c| c.text.as_str());
                    vec![k.label.to_owned(), k.value.clone(), change.to_owned()]
                })
                .collect();
            md.table(&[l.indicator, l.this_week, l.vs_previous], "lrr", rows);
        }
        None => {
            md.line(&md.text(&format!("{}{}{}", l.vs_previous, l.colon, l.no_previous)));
            md.blank();
            let rows = view
                .kpis
                .iter()
                .map(|k| vec![k.label.to_owned(), k.value.clone()])
                .collect();
            md.table(&[l.indicator, l.this_week], "lr", rows);
        }
    }

    md.heading(l.counts);
    let rows = view
        .counts_flow
        .iter()
        .chain(&view.counts_after)
        .map(|f| vec![f.label.to_owned(), f.value.clone()])
        .collect();
    md.table(&[l.indicator, l.value], "lr", rows);

    md.heading(l.rates);
    let rows = view
        .rates
        .iter()
        .map(|r| {
            let change = r.change.as_ref().map_or("—", |c| c.text.as_str());
            vec![
                r.label.to_owned(),
                r.value.clone(),
                r.basis.clone(),
                change.to_owned(),
            ]
        })
        .collect();
    md.table(
        &[l.indicator, l.value, l.basis, l.vs_previous],
        "lrrr",
        rows,
    );

    if let Some(times) = &view.times {
        md.heading(l.times);
        let rows = times
            .iter()
            .map(|t| {
                let change = t.change.as_ref().map_or("—", |c| c.text.as_str());
                vec![
                    t.label.to_owned(),
                    t.median.clone(),
                    t.p90.clone(),
                    t.samples.to_string(),
                    change.to_owned(),
                ]
            })
            .collect();
        md.table(
            &[l.indicator, l.median, l.p90, l.samples, l.vs_previous],
            "lrrrr",
            rows,
        );
    }

    if let Some(visits) = &view.visits {
        md.heading(l.visits);
        figures_table(&mut md, l, visits);
    }

    md.heading(&view.trend_title);
    let rows = view
        .trend
        .iter()
        .map(|t| {
            vec![
                t.week.clone(),
                t.reported.to_string(),
                t.resolved.to_string(),
                t.overdue_at_end.to_string(),
                t.on_time.clone(),
            ]
        })
        .collect();
    md.table(
        &[
            l.week,
            l.reported,
            l.resolved,
            l.overdue_at_end,
            l.on_time_resolution,
        ],
        "lrrrr",
        rows,
    );

    md.heading(l.league);
    let league_headers = [
        l.rank,
        l.unit,
        l.resolved,
        l.resolved_on_time,
        l.due_for_resolution,
        l.on_time_resolution,
    ];
    let league_rows = |rows: &[crate::view::LeagueRow], md: &Writer| {
        rows.iter()
            .map(|r| {
                let unit = if r.own {
                    md.strong(&format!(
                        "{}{}{}{}",
                        r.unit, l.paren_open, l.own_unit, l.paren_close
                    ))
                } else {
                    md.text(&r.unit)
                };
                vec![
                    r.rank.clone(),
                    unit,
                    r.resolved.to_string(),
                    r.resolved_on_time.to_string(),
                    r.due.to_string(),
                    r.rate.clone(),
                ]
            })
            .collect::<Vec<_>>()
    };
    if view.league.is_empty() && view.unranked.is_empty() {
        md.line(&md.text(l.none));
        md.blank();
    }
    if !view.league.is_empty() {
        let rows = league_rows(&view.league, &md);
        md.table_escaped(&league_headers, "rlrrrr", rows);
    }
    if !view.unranked.is_empty() {
        md.line(&format!(
            "{}{}",
            md.text(&view.not_ranked),
            l.colon.trim_end()
        ));
        md.blank();
        let rows = league_rows(&view.unranked, &md);
        md.table_escaped(&league_headers, "rlrrrr", rows);
    }

    if !view.breakdowns.is_empty() {
        md.heading(l.breakdowns);
        for breakdown in &view.breakdowns {
            md.line(&format!("### {}", md.text(breakdown.title)));
            md.blank();
            let rows = breakdown
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        r.reported.to_string(),
                        r.resolved.to_string(),
                        r.closed.to_string(),
                        r.open_at_end.to_string(),
                        r.overdue_at_end.to_string(),
                        r.on_time.clone(),
                        r.closure.clone(),
                    ]
                })
                .collect();
            md.table(
                &[
                    l.name,
                    l.reported,
                    l.resolved,
                    l.closed,
                    l.open_at_end,
                    l.overdue_at_end,
                    l.on_time_resolution,
                    l.closure,
                ],
                "lrrrrrrr",
                rows,
            );
        }
    }

    if let Some(chain) = &view.chain {
        md.heading(l.chain);
        figures_table(&mut md, l, &chain.figures);
        for table in &chain.tables {
            md.line(&format!("### {}", md.text(&table.title)));
            md.blank();
            let rows = table
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        r.listings.clone(),
                        r.introduced.to_string(),
                        r.agreed.to_string(),
                        r.dropped.to_string(),
                        r.value.clone(),
                        r.meetings.clone(),
                    ]
                })
                .collect();
            md.table(
                &[
                    table.first,
                    l.needs_offers,
                    l.matches_introduced,
                    l.matches_agreed,
                    l.matches_dropped,
                    l.contract_value,
                    l.meetings_attendance,
                ],
                "lrrrrrr",
                rows,
            );
        }
    }

    md.heading(l.overdue);
    if view.overdue.is_empty() {
        md.line(&md.text(l.no_overdue));
        md.blank();
    } else {
        let rows = view
            .overdue
            .iter()
            .map(|o| {
                vec![
                    md.link(&format!("#{}", o.id), o.link.as_deref()),
                    md.text(&o.title),
                    md.text(&o.category),
                    md.text(&o.unit),
                    md.text(&o.grid),
                    md.text(&o.since),
                    o.hours.clone(),
                    md.text(&o.level),
                ]
            })
            .collect();
        md.table_escaped(
            &[
                l.issue_id,
                l.title,
                l.category,
                l.handling_unit,
                l.grid,
                l.overdue_since,
                l.overdue_hours,
                l.escalation_level,
            ],
            "llllllrl",
            rows,
        );
    }
    if let Some(more) = &view.overdue_more {
        md.line(&md.text(more));
        md.blank();
    }

    if !view.footnotes.is_empty() {
        md.heading(l.footnotes);
        for (i, note) in view.footnotes.iter().enumerate() {
            md.line(&format!("{}. {}", i + 1, md.text(note)));
        }
        md.blank();
    }
    md.line("---");
    md.blank();
    md.line(&md.text(l.footer));
    md.out
}

/// A two-column table of labelled figures (visits, the chain's figures).
fn figures_table(md: &mut Writer, l: &Labels, figures: &[Figure]) {
    let rows = figures
        .iter()
        .map(|f| vec![f.label.to_owned(), f.value.clone()])
        .collect();
    md.table(&[l.indicator, l.value], "lr", rows);
}

struct Writer {
    out: String,
    flavor: Flavor,
}

impl Writer {
    fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    fn heading(&mut self, title: &str) {
        if !self.out.ends_with("\n\n") {
            self.blank();
        }
        let heading = format!("## {}", self.text(title));
        self.line(&heading);
        self.blank();
    }

    /// `s` on one line, with Markdown's special characters escaped in the Markdown flavour so
    /// an issue title such as `*urgent* <b>` stays text.
    fn text(&self, s: &str) -> String {
        let one_line = s
            .split(['\r', '\n'])
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        match self.flavor {
            Flavor::Plain => one_line,
            Flavor::Markdown => {
                let mut escaped = String::with_capacity(one_line.len());
                for c in one_line.chars() {
                    // Everything this writer puts in text sits mid-line (after `| `, `# `, or
                    // `1. `), where only these characters can start markup or end a cell.
                    if "\\`*_[]<>|~&".contains(c) {
                        escaped.push('\\');
                    }
                    escaped.push(c);
                }
                escaped
            }
        }
    }

    fn strong(&self, s: &str) -> String {
        match self.flavor {
            Flavor::Plain => self.text(s),
            Flavor::Markdown => format!("**{}**", self.text(s)),
        }
    }

    /// `text` linking to `href`: a Markdown link, or the address after the text in plain.
    fn link(&self, text: &str, href: Option<&str>) -> String {
        match (href, self.flavor) {
            (None, _) => self.text(text),
            (Some(href), Flavor::Markdown) => {
                format!(
                    "[{}](<{}>)",
                    self.text(text),
                    href.replace(['<', '>', '\n', '\r'], "")
                )
            }
            (Some(href), Flavor::Plain) => format!("{} {href}", self.text(text)),
        }
    }

    /// A table whose cells are taken as plain words and escaped here.
    fn table(&mut self, headers: &[&str], aligns: &str, rows: Vec<Vec<String>>) {
        let rows = rows
            .into_iter()
            .map(|row| row.iter().map(|cell| self.text(cell)).collect())
            .collect();
        self.table_escaped(headers, aligns, rows);
    }

    /// A table whose cells are already escaped (they may hold links or emphasis). `aligns`
    /// has an `l` or an `r` per column: numbers line up on the right.
    fn table_escaped(&mut self, headers: &[&str], aligns: &str, rows: Vec<Vec<String>>) {
        let header = headers
            .iter()
            .map(|h| self.text(h))
            .collect::<Vec<_>>()
            .join(" | ");
        let rule = aligns
            .chars()
            .map(|a| if a == 'r' { "---:" } else { "---" })
            .collect::<Vec<_>>()
            .join(" | ");
        let mut table = String::new();
        let _ = writeln!(table, "| {header} |");
        let _ = writeln!(table, "| {rule} |");
        for row in rows {
            let _ = writeln!(table, "| {} |", row.join(" | "));
        }
        self.out.push_str(&table);
        self.blank();
    }
}

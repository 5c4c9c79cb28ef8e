//! The ledger's columns and an issue as a row of them: pure, so the CSV and the workbook say
//! the same thing, and what a row holds is tested without a database.
//!
//! Times are local (the calendar's zone). Deadlines met or not are judged as the issue's own
//! clock does: resolved by the resolution deadline is on time; an open issue past it while
//! its clock runs is late already; one on hold, or not yet at it, is "not yet due". The
//! working hours taken count from the (latest) assignment to the resolution on the working
//! calendar in force.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use gridloop_core::{
    Calendar, CategoryId, EnterpriseId, GridId, Issue, Locale, Source, UnitId, UserId,
};
use gridloop_notifier::template::format::{priority_label, status_label};
use gridloop_store::{Store, StoreError};

/// One cell of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Free or looked-up text: never a formula, whatever it starts with.
    Text(String),
    /// A label the ledger itself chose (a status, 是/否): safe as it is.
    Label(&'static str),
    Number(f64),
    /// Working hours, shown with one decimal.
    Hours(f64),
    /// A local date and time, shown `YYYY-MM-DD HH:MM`.
    Time(NaiveDateTime),
    Empty,
}

/// A column: its header in each language and its width in a spreadsheet (characters).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub zh: &'static str,
    pub en: &'static str,
    pub width: u16,
}

impl Column {
    pub fn header(&self, locale: Locale) -> &'static str {
        match locale {
            Locale::ZhCn => self.zh,
            Locale::En => self.en,
        }
    }
}

const fn col(zh: &'static str, en: &'static str, width: u16) -> Column {
    Column { zh, en, width }
}

/// Every column, in order. [`row`] fills them in this order.
pub const COLUMNS: [Column; 23] = [
    col("编号", "No.", 8),
    col("标题", "Title", 40),
    col("企业", "Enterprise", 24),
    col("统一社会信用代码", "Unified social credit code", 20),
    col("网格", "Grid", 14),
    col("类别", "Category", 14),
    col("优先级", "Priority", 8),
    col("状态", "Status", 10),
    col("上报人/来源", "Reported by / channel", 14),
    col("上报时间", "Reported at", 17),
    col("受理时间", "Accepted at", 17),
    col("交办单位", "Assigned unit", 18),
    col("交办时间", "Assigned at", 17),
    col("响应时限", "Response due", 17),
    col("首次响应时间", "First response", 17),
    col("办结时限", "Resolution due", 17),
    col("办结时间", "Resolved at", 17),
    col("是否按期办结", "Resolved on time", 10),
    col("办理用时（工作小时）", "Working hours taken", 12),
    col("退回/返工次数", "Returns / reworks", 10),
    col("督办级别", "Escalation level", 8),
    col("满意度", "Satisfaction", 8),
    col("关闭时间", "Closed at", 17),
];

/// The names a row shows instead of ids, looked up once per export.
#[derive(Debug, Default)]
pub struct Names {
    pub grids: HashMap<GridId, String>,
    pub enterprises: HashMap<EnterpriseId, String>,
    /// The enterprises' unified social credit codes, of those that have one.
    pub credit_codes: HashMap<EnterpriseId, String>,
    pub units: HashMap<UnitId, String>,
    pub categories: HashMap<CategoryId, String>,
    pub users: HashMap<UserId, String>,
}

impl Names {
    /// Every name, in five queries.
    pub async fn load(store: &Store) -> Result<Self, StoreError> {
        let enterprises = store.enterprises(None).await?;
        Ok(Self {
            grids: store
                .grids()
                .await?
                .into_iter()
                .map(|g| (g.id, g.name.as_str().to_owned()))
                .collect(),
            credit_codes: enterprises
                .iter()
                .filter_map(|e| Some((e.id, e.credit_code.as_ref()?.to_string())))
                .collect(),
            enterprises: enterprises
                .into_iter()
                .map(|e| (e.id, e.name.as_str().to_owned()))
                .collect(),
            units: store
                .units()
                .await?
                .into_iter()
                .map(|u| (u.id, u.name.as_str().to_owned()))
                .collect(),
            categories: store
                .categories()
                .await?
                .into_iter()
                .map(|c| (c.id, c.name.as_str().to_owned()))
                .collect(),
            users: store
                .users()
                .await?
                .into_iter()
                .map(|u| (u.id, u.name.as_str().to_owned()))
                .collect(),
        })
    }
}

fn name<K: std::hash::Hash + Eq>(map: &HashMap<K, String>, key: Option<K>) -> Cell {
    key.and_then(|k| map.get(&k))
        .map_or(Cell::Empty, |n| Cell::Text(n.clone()))
}

/// Whether an issue was resolved by its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTime {
    Yes,
    No,
    NotYetDue,
}

impl OnTime {
    /// `None` for an issue that never had a resolution deadline, or left the loop without a
    /// resolution (rejected, a duplicate).
    pub fn of(issue: &Issue, now: DateTime<Utc>) -> Option<Self> {
        let due = issue.resolve_due_at?;
        match issue.resolved_at {
            Some(done) if done <= due => Some(Self::Yes),
            Some(_) => Some(Self::No),
            None if !issue.status.is_open() => None,
            None if issue.status.sla_clock_runs() && due <= now => Some(Self::No),
            None => Some(Self::NotYetDue),
        }
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Self::Yes, Locale::ZhCn) => "是",
            (Self::No, Locale::ZhCn) => "否",
            (Self::NotYetDue, Locale::ZhCn) => "未到期",
            (Self::Yes, Locale::En) => "yes",
            (Self::No, Locale::En) => "no",
            (Self::NotYetDue, Locale::En) => "not yet due",
        }
    }
}

/// Where a report without a person came from.
fn source_label(source: Source, locale: Locale) -> &'static str {
    let (zh, en) = match source {
        Source::Cli => ("命令行", "command line"),
        Source::Api => ("接口", "API"),
        Source::Web => ("网页", "web"),
        Source::Open311 => ("市民热线（Open311）", "Open311"),
        Source::Visit => ("走访", "visit"),
    };
    match locale {
        Locale::ZhCn => zh,
        Locale::En => en,
    }
}

/// Working minutes as hours with one decimal.
fn hours(minutes: u32) -> f64 {
    (f64::from(minutes) / 6.0).round() / 10.0
}

/// `issue` as a row of [`COLUMNS`].
pub fn row(
    issue: &Issue,
    accepted_at: Option<DateTime<Utc>>,
    names: &Names,
    calendar: &Calendar,
    locale: Locale,
    now: DateTime<Utc>,
) -> Vec<Cell> {
    let tz = calendar.tz();
    let time = |t: Option<DateTime<Utc>>| {
        t.map_or(Cell::Empty, |t| {
            Cell::Time(t.with_timezone(&tz).naive_local())
        })
    };
    let reporter = match issue.reporter.and_then(|id| names.users.get(&id)) {
        Some(person) => Cell::Text(person.clone()),
        None => Cell::Label(source_label(issue.source, locale)),
    };
    let taken = match (issue.assigned_at, issue.resolved_at) {
        (Some(from), Some(to)) => Cell::Hours(hours(calendar.working_minutes_between(from, to))),
        _ => Cell::Empty,
    };
    vec![
        Cell::Number(issue.id.get() as f64),
        Cell::Text(issue.title.as_str().to_owned()),
        name(&names.enterprises, Some(issue.enterprise)),
        name(&names.credit_codes, Some(issue.enterprise)),
        name(&names.grids, Some(issue.grid)),
        name(&names.categories, Some(issue.category)),
        Cell::Label(priority_label(issue.priority, locale)),
        Cell::Label(status_label(issue.status, locale)),
        reporter,
        time(Some(issue.created_at)),
        time(accepted_at),
        name(&names.units, issue.unit),
        time(issue.assigned_at),
        time(issue.response_due_at),
        time(issue.responded_at),
        time(issue.resolve_due_at),
        time(issue.resolved_at),
        OnTime::of(issue, now).map_or(Cell::Empty, |o| Cell::Label(o.label(locale))),
        taken,
        Cell::Text(format!("{}/{}", issue.return_count, issue.rework_count)),
        Cell::Number(f64::from(issue.escalation_level)),
        issue
            .satisfaction
            .map_or(Cell::Empty, |s| Cell::Number(f64::from(s.get()))),
        time(issue.closed_at),
    ]
}

/// Whether a spreadsheet would take `text` for a formula (or a command, through DDE): it
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP's list).
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_a_header_in_both_languages() {
        for c in COLUMNS {
            assert!(!c.zh.is_empty() && !c.en.is_empty());
            assert!(!c.zh.is_ascii(), "{}", c.zh);
        }
        assert_eq!(COLUMNS[0].header(Locale::ZhCn), "编号");
        assert_eq!(COLUMNS[3].header(Locale::En), "Unified social credit code");
        assert_eq!(COLUMNS[22].header(Locale::ZhCn), "关闭时间");
    }

    #[test]
    fn formula_starts_are_recognised() {
        for text in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(looks_like_formula(text), "{text:?}");
        }
        for text in ["1+2", "路灯 = 坏", "", " =1"] {
            assert!(!looks_like_formula(text), "{text:?}");
        }
    }

    #[test]
    fn working_minutes_become_hours_with_one_decimal() {
        assert!((hours(210) - 3.5).abs() < 1e-9);
        assert!((hours(100) - 1.7).abs() < 1e-9);
        assert!(hours(0).abs() < 1e-9);
    }
}

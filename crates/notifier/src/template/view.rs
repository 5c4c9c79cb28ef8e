//! The context a template sees: a [`Notice`] localised for one reader. Times are already
//! strings in the reader's zone and language, statuses already labels, so templates only
//! place words and an operator editing one never writes date logic.

use serde::Serialize;

use super::format::{
    duration, kind_label, local_time, local_weekday, local_window, priority_label, status_label,
};
use super::notice::{AgendaItem, IssueFacts, Notice};
use super::Locale;
use gridloop_core::NotificationKind;

#[derive(Debug, Serialize)]
pub(crate) struct View {
    kind: &'static str,
    locale: &'static str,
    recipient: RecipientView,
    issue: Option<IssueView>,
    at: Option<String>,
    reason: Option<String>,
    note: Option<String>,
    level: Option<u8>,
    overdue: Option<String>,
    percent_used: Option<u8>,
    extension_until: Option<String>,
    previous_unit: Option<String>,
    duplicate_of: Option<i64>,
    satisfaction: Option<u8>,
    visit: Option<VisitView>,
    missed_visits: Option<MissedView>,
    meeting: Option<MeetingView>,
    calendar: Option<super::notice::CalendarFacts>,
    digest: Option<DigestView>,
    report: Option<super::notice::ReportFacts>,
    matching: Option<MatchView>,
}

/// A match as its templates show it: `moved_at` in the reader's zone.
#[derive(Debug, Serialize)]
struct MatchView {
    id: i64,
    a: String,
    b: String,
    status: String,
    contract_value: Option<String>,
    note: Option<String>,
    reason: Option<String>,
    moved_at: String,
    link: Option<String>,
}

#[derive(Debug, Serialize)]
struct RecipientView {
    name: String,
    time_zone: String,
}

#[derive(Debug, Serialize)]
struct IssueView {
    id: i64,
    title: String,
    status: &'static str,
    status_code: &'static str,
    priority: &'static str,
    priority_code: &'static str,
    enterprise: String,
    grid: String,
    unit: Option<String>,
    due_at: Option<String>,
    link: Option<String>,
}

#[derive(Debug, Serialize)]
struct AgendaView {
    id: i64,
    title: String,
    status: &'static str,
}

#[derive(Debug, Serialize)]
struct VisitView {
    enterprise: String,
    window: String,
    weekday: String,
    open: Vec<AgendaView>,
    awaiting_verification: Vec<AgendaView>,
    link: Option<String>,
}

#[derive(Debug, Serialize)]
struct MissedView {
    enterprise: String,
    commissioner: String,
    misses: u32,
    last_starts_at: String,
}

#[derive(Debug, Serialize)]
struct MeetingView {
    id: i64,
    theme: String,
    place: String,
    starts_at: String,
    weekday: String,
    enterprise: String,
    link: Option<String>,
}

#[derive(Debug, Serialize)]
struct DigestView {
    count: usize,
    more: usize,
    items: Vec<DigestItemView>,
}

#[derive(Debug, Serialize)]
struct DigestItemView {
    label: &'static str,
    issue_id: Option<i64>,
    title: Option<String>,
}

impl View {
    pub(crate) fn new(kind: NotificationKind, locale: Locale, n: &Notice) -> View {
        let tz = n.recipient.time_zone;
        let time = |at| local_time(at, tz, locale);
        let agenda = |items: &[AgendaItem]| {
            items
                .iter()
                .map(|a| AgendaView {
                    id: a.id,
                    title: a.title.clone(),
                    status: status_label(a.status, locale),
                })
                .collect()
        };
        View {
            kind: kind.as_str(),
            locale: locale.as_str(),
            recipient: RecipientView {
                name: n.recipient.name.clone(),
                time_zone: n.recipient.time_zone.name().to_owned(),
            },
            issue: n.issue.as_ref().map(|i: &IssueFacts| IssueView {
                id: i.id,
                title: i.title.clone(),
                status: status_label(i.status, locale),
                status_code: i.status.as_str(),
                priority: priority_label(i.priority, locale),
                priority_code: i.priority.as_str(),
                enterprise: i.enterprise.clone(),
                grid: i.grid.clone(),
                unit: i.unit.clone(),
                due_at: i.due_at.map(time),
                link: i.link.clone(),
            }),
            at: n.at.map(time),
            reason: n.reason.clone(),
            note: n.note.clone(),
            level: n.escalation.map(|e| e.level),
            overdue: n.escalation.map(|e| duration(e.overdue_minutes, locale)),
            percent_used: n.due_soon.map(|d| d.percent_used),
            extension_until: n.extension_until.map(time),
            previous_unit: n.previous_unit.clone(),
            duplicate_of: n.duplicate_of,
            satisfaction: n.satisfaction,
            visit: n.visit.as_ref().map(|v| VisitView {
                enterprise: v.enterprise.clone(),
                window: local_window(v.starts_at, v.ends_at, tz, locale),
                weekday: local_weekday(v.starts_at, tz, locale),
                open: agenda(&v.open),
                awaiting_verification: agenda(&v.awaiting_verification),
                link: v.link.clone(),
            }),
            missed_visits: n.missed_visits.as_ref().map(|m| MissedView {
                enterprise: m.enterprise.clone(),
                commissioner: m.commissioner.clone(),
                misses: m.misses,
                last_starts_at: time(m.last_starts_at),
            }),
            meeting: n.meeting.as_ref().map(|m| MeetingView {
                id: m.id,
                theme: m.theme.clone(),
                place: m.place.clone(),
                starts_at: time(m.starts_at),
                weekday: local_weekday(m.starts_at, tz, locale),
                enterprise: m.enterprise.clone(),
                link: m.link.clone(),
            }),
            calendar: n.calendar.clone(),
            digest: n.digest.as_ref().map(|d| DigestView {
                count: d.count,
                more: d.more,
                items: d
                    .items
                    .iter()
                    .map(|i| DigestItemView {
                        label: kind_label(i.kind, locale),
                        issue_id: i.issue_id,
                        title: i.title.clone(),
                    })
                    .collect(),
            }),
            report: n.report.clone(),
            matching: n.matching.as_ref().map(|m| MatchView {
                id: m.id,
                a: m.a.clone(),
                b: m.b.clone(),
                status: m.status.clone(),
                contract_value: m.contract_value.clone(),
                note: m.note.clone(),
                reason: m.reason.clone(),
                moved_at: time(m.moved_at),
                link: m.link.clone(),
            }),
        }
    }
}

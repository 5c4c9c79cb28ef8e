//! The facts a notification is rendered from, as the caller knows them: UTC instants, ids and
//! names. Localising (time zone, date format, labels) is the renderer's job, so every caller
//! fills the same plain structure.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridloop_core::{Priority, Status};
use serde::{Deserialize, Serialize};

use crate::policy::Digest;

/// Everything any template may mention. Each kind needs only some fields; which ones is listed
/// in `config/templates/README.md`, and a template that reads a missing one fails to render
/// rather than print an empty gap.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Notice {
    pub recipient: Recipient,
    pub issue: Option<IssueFacts>,
    /// When the event happened (the test message says when it was sent).
    pub at: Option<DateTime<Utc>>,
    /// Why: a return, rejection, denied extension, rework or reopening.
    pub reason: Option<String>,
    /// The unit's resolution note, or an extension request's justification.
    pub note: Option<String>,
    pub escalation: Option<EscalationFacts>,
    pub due_soon: Option<DueSoonFacts>,
    /// The due time an extension asks for (requested) or sets (granted).
    pub extension_until: Option<DateTime<Utc>>,
    /// The unit an issue was taken from (reassigned).
    pub previous_unit: Option<String>,
    /// The surviving issue (marked duplicate).
    pub duplicate_of: Option<i64>,
    /// The verifier's satisfaction, 1–5 (closed).
    pub satisfaction: Option<u8>,
    pub visit: Option<VisitFacts>,
    pub missed_visits: Option<MissedVisitFacts>,
    /// A matchmaking meeting (invitation, reminder, cancellation; the reason in `reason`).
    pub meeting: Option<MeetingFacts>,
    /// The year whose holiday calendar is missing (calendar missing).
    pub calendar: Option<CalendarFacts>,
    pub digest: Option<Digest>,
    pub report: Option<ReportFacts>,
    /// The match (对接) introduced, agreed, dropped or still (the match kinds).
    pub matching: Option<MatchFacts>,
}

/// Who reads the message; the time zone decides how every time in it is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Recipient {
    pub name: String,
    pub time_zone: Tz,
}

impl Default for Recipient {
    fn default() -> Self {
        Self {
            name: String::new(),
            time_zone: chrono_tz::Asia::Shanghai,
        }
    }
}

/// The issue a notification is about, with names already resolved from ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueFacts {
    pub id: i64,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    pub enterprise: String,
    pub grid: String,
    pub unit: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    /// Where the recipient opens the issue (the web page, not the API).
    pub link: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationFacts {
    /// 1: the unit's head, 2: the supervisors, 3: the admins.
    pub level: u8,
    /// How long past due, in minutes of wall-clock time.
    pub overdue_minutes: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueSoonFacts {
    /// Share of the allowed working time already used, in percent.
    pub percent_used: u8,
}

/// One issue on a visit's agenda.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub id: i64,
    pub title: String,
    pub status: Status,
}

/// An upcoming on-site visit and what to look at there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitFacts {
    pub enterprise: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The enterprise's open issues, to follow up.
    pub open: Vec<AgendaItem>,
    /// Resolved issues waiting for someone to check the fix on site (检验成效).
    pub awaiting_verification: Vec<AgendaItem>,
    pub link: Option<String>,
}

/// Visits that passed unlogged, told to the supervisors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissedVisitFacts {
    pub enterprise: String,
    pub commissioner: String,
    /// Misses in a row.
    pub misses: u32,
    /// The window of the latest missed visit.
    pub last_starts_at: DateTime<Utc>,
}

/// A matchmaking meeting (对接会) as its invitees are told of it. Written into the outbox row
/// when the notice is queued: what the enterprise was invited to is what it reads, even if it
/// reads it the next morning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingFacts {
    pub id: i64,
    pub theme: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    /// The invited enterprise the recipient speaks for.
    pub enterprise: String,
    pub link: Option<String>,
}

/// A match (对接) of two enterprises, as its notices tell it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchFacts {
    pub id: i64,
    /// The two enterprises' names.
    pub a: String,
    pub b: String,
    /// `introduced`, `in_talks`, `agreed` or `dropped`.
    pub status: String,
    /// Yuan with two decimals (agreed).
    pub contract_value: Option<String>,
    pub note: Option<String>,
    /// Why it was dropped.
    pub reason: Option<String>,
    /// When it last moved (the follow-up says since when it is still).
    pub moved_at: DateTime<Utc>,
    /// Where the recipient opens the match.
    pub link: Option<String>,
}

/// A year without a holiday calendar, told to the admins from 1 November.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarFacts {
    pub year: i32,
    pub region: String,
}

/// The headline numbers of a weekly report; the full report is the attachment or the link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFacts {
    /// The ISO week, e.g. `2025-W48`.
    pub week: String,
    pub new: u32,
    pub closed: u32,
    pub overdue_open: u32,
    /// Closed on time, in percent of closed; `None` when nothing closed.
    pub on_time_percent: Option<u8>,
    pub link: Option<String>,
}

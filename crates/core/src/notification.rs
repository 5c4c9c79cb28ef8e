//! What a notification is about ([`NotificationKind`]) and the way it reaches a person
//! ([`Channel`]).
//!
//! Both were strings passed between the workflow, the store, the scheduler and the notifier;
//! as enums a kind that has no template, or a channel nobody can send on, no longer compiles.
//! The names they are stored under did not change, so no row had to be rewritten.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::Rule;

/// The kind of a notification; it names the template. Most come from the workflow's
/// [`Effect::Notify`](crate::Effect::Notify); the scheduler adds reminders, escalations,
/// visits and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    Reported,
    Rejected,
    Assigned,
    Returned,
    ExtensionRequested,
    ExtensionGranted,
    ExtensionDenied,
    Resolved,
    Reworked,
    /// Verified and closed. Stored as `verified`: see [`NotificationKind::stored_name`].
    Closed,
    Reopened,
    Reassigned,
    MarkedDuplicate,
    DueSoon,
    Escalated,
    VisitReminder,
    VisitMissed,
    /// An enterprise invited to a matchmaking meeting (对接会).
    MeetingInvitation,
    /// A meeting tomorrow, told to its invitees.
    MeetingReminder,
    /// A meeting called off, told to its invitees.
    MeetingCancelled,
    /// A match (对接) introduced: told to both enterprises' users.
    MatchIntroduced,
    /// A match agreed: told to both enterprises' users and the introducer.
    MatchAgreed,
    /// A match dropped: told to both enterprises' users and the introducer.
    MatchDropped,
    /// A match sat still for the follow-up days: told to its introducer.
    MatchFollowUp,
    WeeklyReport,
    /// Next year's holiday calendar is not entered yet (from 1 November), told once to admins.
    CalendarMissing,
    /// Several folded notifications for one recipient.
    Digest,
    /// `gridloop notify test`: proves a channel works end to end.
    Test,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 28] = [
        Self::Reported,
        Self::Rejected,
        Self::Assigned,
        Self::Returned,
        Self::ExtensionRequested,
        Self::ExtensionGranted,
        Self::ExtensionDenied,
        Self::Resolved,
        Self::Reworked,
        Self::Closed,
        Self::Reopened,
        Self::Reassigned,
        Self::MarkedDuplicate,
        Self::DueSoon,
        Self::Escalated,
        Self::VisitReminder,
        Self::VisitMissed,
        Self::MeetingInvitation,
        Self::MeetingReminder,
        Self::MeetingCancelled,
        Self::MatchIntroduced,
        Self::MatchAgreed,
        Self::MatchDropped,
        Self::MatchFollowUp,
        Self::WeeklyReport,
        Self::CalendarMissing,
        Self::Digest,
        Self::Test,
    ];
    /// The names [`Self::ALL`] goes by, in its order.
    pub const NAMES: &'static [&'static str] = &[
        "reported",
        "rejected",
        "assigned",
        "returned",
        "extension_requested",
        "extension_granted",
        "extension_denied",
        "resolved",
        "reworked",
        "closed",
        "reopened",
        "reassigned",
        "marked_duplicate",
        "due_soon",
        "escalated",
        "visit_reminder",
        "visit_missed",
        "meeting_invitation",
        "meeting_reminder",
        "meeting_cancelled",
        "match_introduced",
        "match_agreed",
        "match_dropped",
        "match_follow_up",
        "weekly_report",
        "calendar_missing",
        "digest",
        "test",
    ];

    /// The name of the kind's templates, and its serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Rejected => "rejected",
            Self::Assigned => "assigned",
            Self::Returned => "returned",
            Self::ExtensionRequested => "extension_requested",
            Self::ExtensionGranted => "extension_granted",
            Self::ExtensionDenied => "extension_denied",
            Self::Resolved => "resolved",
            Self::Reworked => "reworked",
            Self::Closed => "closed",
            Self::Reopened => "reopened",
            Self::Reassigned => "reassigned",
            Self::MarkedDuplicate => "marked_duplicate",
            Self::DueSoon => "due_soon",
            Self::Escalated => "escalated",
            Self::VisitReminder => "visit_reminder",
            Self::VisitMissed => "visit_missed",
            Self::MeetingInvitation => "meeting_invitation",
            Self::MeetingReminder => "meeting_reminder",
            Self::MeetingCancelled => "meeting_cancelled",
            Self::MatchIntroduced => "match_introduced",
            Self::MatchAgreed => "match_agreed",
            Self::MatchDropped => "match_dropped",
            Self::MatchFollowUp => "match_follow_up",
            Self::WeeklyReport => "weekly_report",
            Self::CalendarMissing => "calendar_missing",
            Self::Digest => "digest",
            Self::Test => "test",
        }
    }

    /// The name the outbox (`notifications.template` and the dedupe keys), the notification
    /// preferences and the API's notification list hold for this kind: [`as_str`](Self::as_str),
    /// except `verified` for [`Closed`](Self::Closed). That was the workflow's name for the
    /// close when kinds were strings, and rows, keys and preferences written then must keep
    /// matching without a migration. Parsing accepts both names.
    pub fn stored_name(self) -> &'static str {
        match self {
            Self::Closed => "verified",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Accepts each kind's name and its [stored name](NotificationKind::stored_name).
impl FromStr for NotificationKind {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.stored_name() == s)
            .ok_or_else(|| {
                ParseError::new(
                    "kind",
                    Rule::OneOf {
                        allowed: Self::NAMES,
                    },
                )
            })
    }
}

/// A way of reaching a person that has its own templates and its own address on a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Self::Email, Self::Sms];
    /// The names [`Self::ALL`] goes by, in its order.
    pub const NAMES: &'static [&'static str] = &["email", "sms"];

    /// The name stored in the outbox and in preferences.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| {
                ParseError::new(
                    "channel",
                    Rule::OneOf {
                        allowed: Self::NAMES,
                    },
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name_its_stored_name_and_serde() {
        let names: Vec<&str> = NotificationKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, NotificationKind::NAMES);
        for kind in NotificationKind::ALL {
            assert_eq!(kind.as_str().parse::<NotificationKind>().unwrap(), kind);
            assert_eq!(
                kind.stored_name().parse::<NotificationKind>().unwrap(),
                kind
            );
            assert_eq!(kind.to_string(), kind.as_str());
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(
                serde_json::from_str::<NotificationKind>(&json).unwrap(),
                kind
            );
        }
    }

    /// The names rows were written under before kinds were typed: the workflow's topics, the
    /// scheduler's and the weekly report's. Each must still parse, to the kind it meant.
    #[test]
    fn the_names_already_in_the_outbox_still_parse_and_are_still_written() {
        let stored = [
            ("reported", NotificationKind::Reported),
            ("rejected", NotificationKind::Rejected),
            ("assigned", NotificationKind::Assigned),
            ("returned", NotificationKind::Returned),
            ("extension_requested", NotificationKind::ExtensionRequested),
            ("extension_granted", NotificationKind::ExtensionGranted),
            ("extension_denied", NotificationKind::ExtensionDenied),
            ("resolved", NotificationKind::Resolved),
            ("verified", NotificationKind::Closed),
            ("reworked", NotificationKind::Reworked),
            ("reopened", NotificationKind::Reopened),
            ("marked_duplicate", NotificationKind::MarkedDuplicate),
            ("reassigned", NotificationKind::Reassigned),
            ("escalated", NotificationKind::Escalated),
            ("due_soon", NotificationKind::DueSoon),
            ("visit_reminder", NotificationKind::VisitReminder),
            ("visit_missed", NotificationKind::VisitMissed),
            ("weekly_report", NotificationKind::WeeklyReport),
            ("calendar_missing", NotificationKind::CalendarMissing),
        ];
        for (name, kind) in stored {
            assert_eq!(name.parse::<NotificationKind>().unwrap(), kind, "{name}");
            assert_eq!(kind.stored_name(), name);
        }
        assert_eq!(
            " closed ".parse::<NotificationKind>().unwrap(),
            NotificationKind::Closed
        );
    }

    #[test]
    fn an_unknown_kind_is_refused_naming_the_kinds() {
        let e = "commented".parse::<NotificationKind>().unwrap_err();
        assert_eq!(e.field(), "kind");
        assert_eq!(
            e.rule(),
            Rule::OneOf {
                allowed: NotificationKind::NAMES
            }
        );
        assert!("".parse::<NotificationKind>().is_err());
    }

    #[test]
    fn channels_are_email_and_sms_by_name_and_in_serde() {
        let names: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, Channel::NAMES);
        for channel in Channel::ALL {
            assert_eq!(channel.as_str().parse::<Channel>().unwrap(), channel);
            let json = serde_json::to_string(&channel).unwrap();
            assert_eq!(json, format!("\"{channel}\""));
            assert_eq!(serde_json::from_str::<Channel>(&json).unwrap(), channel);
        }
        assert_eq!(" sms ".parse::<Channel>().unwrap(), Channel::Sms);
        let e = "fax".parse::<Channel>().unwrap_err();
        assert_eq!(e.field(), "channel");
        assert_eq!(e.to_string(), "channel: is not one of email, sms");
        assert!("SMS".parse::<Channel>().is_err(), "names are lower case");
    }
}

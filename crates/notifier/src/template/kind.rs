//! What a notification is about, and which language it speaks.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::NotifierError;

/// The kind of a notification; it names the template. Most are the `topic` of the core's
/// `Effect::Notify`; the scheduler adds reminders, escalations, visits and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Reported,
    Rejected,
    Assigned,
    Returned,
    ExtensionRequested,
    ExtensionGranted,
    ExtensionDenied,
    Resolved,
    Reworked,
    /// Verified and closed; the core's topic for it is `verified`.
    Closed,
    Reopened,
    Reassigned,
    MarkedDuplicate,
    DueSoon,
    Escalated,
    VisitReminder,
    VisitMissed,
    WeeklyReport,
    /// Several folded notifications for one recipient.
    Digest,
    /// `gridloop notify test`: proves a channel works end to end.
    Test,
}

impl Kind {
    pub const ALL: [Kind; 20] = [
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
        Self::WeeklyReport,
        Self::Digest,
        Self::Test,
    ];

    /// The name used in template file names, stored preferences and the outbox.
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
            Self::WeeklyReport => "weekly_report",
            Self::Digest => "digest",
            Self::Test => "test",
        }
    }

    /// The kind for an `Effect::Notify` topic. The core names the close `verified` (the
    /// event), while the person told cares that the issue is closed.
    pub fn from_topic(topic: &str) -> Option<Kind> {
        match topic {
            "verified" => Some(Self::Closed),
            other => Self::ALL.into_iter().find(|k| k.as_str() == other),
        }
    }

    /// A few words naming the kind, as a digest lists it.
    pub fn label(self, locale: Locale) -> &'static str {
        let (zh, en) = match self {
            Self::Reported => ("新问题待受理", "new issue"),
            Self::Rejected => ("未予受理", "rejected"),
            Self::Assigned => ("新交办", "assigned"),
            Self::Returned => ("被退回", "returned"),
            Self::ExtensionRequested => ("申请延期", "extension asked"),
            Self::ExtensionGranted => ("延期获批", "extension granted"),
            Self::ExtensionDenied => ("延期未批", "extension denied"),
            Self::Resolved => ("待验收", "to verify"),
            Self::Reworked => ("返工", "rework"),
            Self::Closed => ("已办结", "closed"),
            Self::Reopened => ("重新打开", "reopened"),
            Self::Reassigned => ("已改派", "reassigned"),
            Self::MarkedDuplicate => ("重复问题", "duplicate"),
            Self::DueSoon => ("即将到期", "due soon"),
            Self::Escalated => ("督办", "escalated"),
            Self::VisitReminder => ("走访提醒", "visit"),
            Self::VisitMissed => ("走访未完成", "visit missed"),
            Self::WeeklyReport => ("周报", "weekly report"),
            Self::Digest => ("通知汇总", "digest"),
            Self::Test => ("测试", "test"),
        };
        match locale {
            Locale::ZhCn => zh,
            Locale::En => en,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = NotifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_topic(s.trim()).ok_or_else(|| NotifierError::UnknownKind(s.to_owned()))
    }
}

pub use gridloop_core::Locale;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_of_the_core_map_to_kinds_and_verified_means_closed() {
        assert_eq!(Kind::from_topic("assigned"), Some(Kind::Assigned));
        assert_eq!(Kind::from_topic("verified"), Some(Kind::Closed));
        assert_eq!(
            Kind::from_topic("extension_granted"),
            Some(Kind::ExtensionGranted)
        );
        assert_eq!(Kind::from_topic("commented"), None);
    }

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>().unwrap(), kind);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }

    #[test]
    fn locales_are_negotiated_from_loose_tags() {
        assert_eq!(Locale::negotiate("en-US"), Locale::En);
        assert_eq!(Locale::negotiate("EN_gb"), Locale::En);
        assert_eq!(Locale::negotiate("zh-Hans"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("fr"), Locale::ZhCn);
        assert_eq!(Locale::negotiate(""), Locale::ZhCn);
    }
}

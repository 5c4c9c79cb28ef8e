//! Which channels a recipient hears each kind of notification on.

use std::collections::BTreeMap;
use std::fmt;

use gridloop_core::Role;
use serde::{Deserialize, Serialize};

use crate::template::Kind;

/// A way of reaching a person that has its own templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Email,
    Sms,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 2] = [Self::Email, Self::Sms];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of channels; serialised as a list (`["email", "sms"]`) so that stored preferences
/// read naturally and survive a channel being added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Vec<ChannelKind>", into = "Vec<ChannelKind>")]
pub struct ChannelSet {
    email: bool,
    sms: bool,
}

impl ChannelSet {
    pub const NONE: ChannelSet = ChannelSet {
        email: false,
        sms: false,
    };
    pub const EMAIL: ChannelSet = ChannelSet {
        email: true,
        sms: false,
    };
    pub const SMS: ChannelSet = ChannelSet {
        email: false,
        sms: true,
    };
    pub const BOTH: ChannelSet = ChannelSet {
        email: true,
        sms: true,
    };

    pub fn contains(self, channel: ChannelKind) -> bool {
        match channel {
            ChannelKind::Email => self.email,
            ChannelKind::Sms => self.sms,
        }
    }

    pub fn with(mut self, channel: ChannelKind) -> Self {
        match channel {
            ChannelKind::Email => self.email = true,
            ChannelKind::Sms => self.sms = true,
        }
        self
    }

    pub fn union(self, other: ChannelSet) -> Self {
        Self {
            email: self.email || other.email,
            sms: self.sms || other.sms,
        }
    }

    pub fn is_empty(self) -> bool {
        !self.email && !self.sms
    }

    /// The channels in a stable order, email first.
    pub fn iter(self) -> impl Iterator<Item = ChannelKind> {
        ChannelKind::ALL
            .into_iter()
            .filter(move |c| self.contains(*c))
    }
}

impl From<Vec<ChannelKind>> for ChannelSet {
    fn from(channels: Vec<ChannelKind>) -> Self {
        channels.into_iter().fold(Self::NONE, Self::with)
    }
}

impl From<ChannelSet> for Vec<ChannelKind> {
    fn from(set: ChannelSet) -> Self {
        set.iter().collect()
    }
}

/// The channels a role hears `kind` on unless the user chose otherwise.
///
/// SMS is kept for what someone must act on soon, away from a desk: work landing on a unit,
/// deadlines, escalations, verification on site, visits. Everything else is email, which
/// costs nothing and keeps the detail.
pub fn default_channels(kind: Kind, role: Role) -> ChannelSet {
    let in_the_field = matches!(
        role,
        Role::PostMember | Role::Commissioner | Role::Enterprise
    );
    let in_a_unit = matches!(role, Role::UnitMember | Role::UnitHead);
    match kind {
        Kind::Escalated | Kind::Test | Kind::VisitReminder => ChannelSet::BOTH,
        Kind::Assigned | Kind::Reworked if in_a_unit => ChannelSet::BOTH,
        Kind::DueSoon | Kind::Digest => ChannelSet::SMS,
        Kind::Resolved | Kind::Closed | Kind::Rejected if in_the_field => ChannelSet::SMS,
        Kind::WeeklyReport => ChannelSet::EMAIL,
        _ => ChannelSet::EMAIL,
    }
}

/// A user's own choice of channels for some kinds; kinds left out follow
/// [`default_channels`]. Stored as JSON, e.g. `{"due_soon": ["email"], "reported": []}`
/// (an empty list mutes the kind).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Preferences {
    pub by_kind: BTreeMap<Kind, ChannelSet>,
}

impl Preferences {
    /// The channels to use for `kind`. Escalations of level 2 and up always keep SMS: a
    /// supervisor cannot mute the alarm that exists because everyone else was too quiet.
    pub fn channels(&self, kind: Kind, role: Role, urgent: bool) -> ChannelSet {
        let chosen = self
            .by_kind
            .get(&kind)
            .copied()
            .unwrap_or_else(|| default_channels(kind, role));
        if urgent {
            chosen.with(ChannelKind::Sms)
        } else {
            chosen
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escalations_go_by_email_and_sms_to_everyone() {
        for role in Role::ALL {
            assert_eq!(default_channels(Kind::Escalated, role), ChannelSet::BOTH);
        }
    }

    #[test]
    fn unit_members_hear_of_assignments_by_email_and_sms_dispatchers_by_email() {
        assert_eq!(
            default_channels(Kind::Assigned, Role::UnitMember),
            ChannelSet::BOTH
        );
        assert_eq!(
            default_channels(Kind::Assigned, Role::Dispatcher),
            ChannelSet::EMAIL
        );
    }

    #[test]
    fn reminders_and_verification_requests_go_by_sms() {
        assert_eq!(
            default_channels(Kind::DueSoon, Role::UnitMember),
            ChannelSet::SMS
        );
        assert_eq!(
            default_channels(Kind::Resolved, Role::PostMember),
            ChannelSet::SMS
        );
        assert_eq!(
            default_channels(Kind::VisitReminder, Role::Commissioner),
            ChannelSet::BOTH
        );
        assert_eq!(
            default_channels(Kind::WeeklyReport, Role::Supervisor),
            ChannelSet::EMAIL
        );
    }

    #[test]
    fn every_kind_reaches_every_role_somehow_by_default() {
        for kind in Kind::ALL {
            for role in Role::ALL {
                assert!(!default_channels(kind, role).is_empty(), "{kind} {role}");
            }
        }
    }

    #[test]
    fn preferences_override_the_default_per_kind_and_round_trip_as_json() {
        let prefs: Preferences =
            serde_json::from_str(r#"{"due_soon": ["email"], "reported": []}"#).unwrap();
        assert_eq!(
            prefs.channels(Kind::DueSoon, Role::UnitMember, false),
            ChannelSet::EMAIL
        );
        assert!(prefs
            .channels(Kind::Reported, Role::Dispatcher, false)
            .is_empty());
        assert_eq!(
            prefs.channels(Kind::Assigned, Role::UnitMember, false),
            ChannelSet::BOTH
        );
        let json = serde_json::to_string(&prefs).unwrap();
        assert_eq!(json, r#"{"reported":[],"due_soon":["email"]}"#);
    }

    #[test]
    fn urgent_escalations_keep_sms_even_when_muted() {
        let prefs: Preferences = serde_json::from_str(r#"{"escalated": []}"#).unwrap();
        assert_eq!(
            prefs.channels(Kind::Escalated, Role::Supervisor, true),
            ChannelSet::SMS
        );
        assert!(prefs
            .channels(Kind::Escalated, Role::UnitHead, false)
            .is_empty());
    }

    #[test]
    fn unknown_channel_names_are_refused() {
        assert!(serde_json::from_str::<Preferences>(r#"{"due_soon": ["fax"]}"#).is_err());
    }
}

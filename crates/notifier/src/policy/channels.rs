//! Which channels a recipient hears each kind of notification on.

use std::collections::BTreeMap;

use gridloop_core::{Channel, NotificationKind, Role};
use serde::{Deserialize, Serialize};

/// A set of channels; serialised as a list (`["email", "sms"]`) so that stored preferences
/// read naturally and survive a channel being added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Vec<Channel>", into = "Vec<Channel>")]
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

    pub fn contains(self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email,
            Channel::Sms => self.sms,
        }
    }

    pub fn with(mut self, channel: Channel) -> Self {
        match channel {
            Channel::Email => self.email = true,
            Channel::Sms => self.sms = true,
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
    pub fn iter(self) -> impl Iterator<Item = Channel> {
        Channel::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

impl From<Vec<Channel>> for ChannelSet {
    fn from(channels: Vec<Channel>) -> Self {
        channels.into_iter().fold(Self::NONE, Self::with)
    }
}

impl From<ChannelSet> for Vec<Channel> {
    fn from(set: ChannelSet) -> Self {
        set.iter().collect()
    }
}

/// The channels a role hears `kind` on unless the user chose otherwise.
///
/// SMS is kept for what someone must act on soon, away from a desk: work landing on a unit,
/// deadlines, escalations, verification on site, visits. Everything else is email, which
/// costs nothing and keeps the detail.
pub fn default_channels(kind: NotificationKind, role: Role) -> ChannelSet {
    let in_the_field = matches!(
        role,
        Role::PostMember | Role::Commissioner | Role::Enterprise
    );
    let in_a_unit = matches!(role, Role::UnitMember | Role::UnitHead);
    match kind {
        NotificationKind::Escalated | NotificationKind::Test | NotificationKind::VisitReminder => {
            ChannelSet::BOTH
        }
        // An enterprise hears of a meeting where it is: the day's SMS, the detail by email.
        NotificationKind::MeetingInvitation
        | NotificationKind::MeetingReminder
        | NotificationKind::MeetingCancelled => ChannelSet::BOTH,
        NotificationKind::Assigned | NotificationKind::Reworked if in_a_unit => ChannelSet::BOTH,
        NotificationKind::DueSoon | NotificationKind::Digest => ChannelSet::SMS,
        NotificationKind::Resolved | NotificationKind::Closed | NotificationKind::Rejected
            if in_the_field =>
        {
            ChannelSet::SMS
        }
        NotificationKind::MatchIntroduced | NotificationKind::MatchFollowUp => ChannelSet::BOTH,
        NotificationKind::WeeklyReport => ChannelSet::EMAIL,
        _ => ChannelSet::EMAIL,
    }
}

/// A user's own choice of channels for some kinds; kinds left out follow
/// [`default_channels`]. Stored as JSON, e.g. `{"due_soon": ["email"], "reported": []}`
/// (an empty list mutes the kind).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Preferences {
    pub by_kind: BTreeMap<NotificationKind, ChannelSet>,
}

impl Preferences {
    /// The channels to use for `kind`. Escalations of level 2 and up always keep SMS: a
    /// supervisor cannot mute the alarm that exists because everyone else was too quiet.
    pub fn channels(&self, kind: NotificationKind, role: Role, urgent: bool) -> ChannelSet {
        let chosen = self
            .by_kind
            .get(&kind)
            .copied()
            .unwrap_or_else(|| default_channels(kind, role));
        if urgent {
            chosen.with(Channel::Sms)
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
            assert_eq!(
                default_channels(NotificationKind::Escalated, role),
                ChannelSet::BOTH
            );
        }
    }

    #[test]
    fn unit_members_hear_of_assignments_by_email_and_sms_dispatchers_by_email() {
        assert_eq!(
            default_channels(NotificationKind::Assigned, Role::UnitMember),
            ChannelSet::BOTH
        );
        assert_eq!(
            default_channels(NotificationKind::Assigned, Role::Dispatcher),
            ChannelSet::EMAIL
        );
    }

    #[test]
    fn reminders_and_verification_requests_go_by_sms() {
        assert_eq!(
            default_channels(NotificationKind::DueSoon, Role::UnitMember),
            ChannelSet::SMS
        );
        assert_eq!(
            default_channels(NotificationKind::Resolved, Role::PostMember),
            ChannelSet::SMS
        );
        assert_eq!(
            default_channels(NotificationKind::VisitReminder, Role::Commissioner),
            ChannelSet::BOTH
        );
        assert_eq!(
            default_channels(NotificationKind::WeeklyReport, Role::Supervisor),
            ChannelSet::EMAIL
        );
    }

    #[test]
    fn every_kind_reaches_every_role_somehow_by_default() {
        for kind in NotificationKind::ALL {
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
            prefs.channels(NotificationKind::DueSoon, Role::UnitMember, false),
            ChannelSet::EMAIL
        );
        assert!(prefs
            .channels(NotificationKind::Reported, Role::Dispatcher, false)
            .is_empty());
        assert_eq!(
            prefs.channels(NotificationKind::Assigned, Role::UnitMember, false),
            ChannelSet::BOTH
        );
        let json = serde_json::to_string(&prefs).unwrap();
        assert_eq!(json, r#"{"reported":[],"due_soon":["email"]}"#);
    }

    #[test]
    fn urgent_escalations_keep_sms_even_when_muted() {
        let prefs: Preferences = serde_json::from_str(r#"{"escalated": []}"#).unwrap();
        assert_eq!(
            prefs.channels(NotificationKind::Escalated, Role::Supervisor, true),
            ChannelSet::SMS
        );
        assert!(prefs
            .channels(NotificationKind::Escalated, Role::UnitHead, false)
            .is_empty());
    }

    #[test]
    fn unknown_channel_names_are_refused() {
        assert!(serde_json::from_str::<Preferences>(r#"{"due_soon": ["fax"]}"#).is_err());
    }
}

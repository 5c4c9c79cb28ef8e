//! How many SMS one person receives in an hour, and the digest that carries the rest.

use serde::{Deserialize, Serialize};

use gridloop_core::NotificationKind;

/// The most SMS one recipient gets in any hour. A unit head whose ten issues all turn overdue
/// at 09:00 should get one message saying so, not ten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourlyCap {
    pub per_hour: u32,
}

impl Default for HourlyCap {
    fn default() -> Self {
        Self { per_hour: 5 }
    }
}

/// What to do with the next SMS for a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapDecision {
    Send,
    /// Keep it pending; it goes out in the recipient's next digest.
    Fold,
}

impl HourlyCap {
    /// Decides from how many SMS the recipient was sent in the hour before now. Urgent
    /// messages are sent regardless: the cap protects attention, and urgent ones deserve it.
    pub fn decide(self, sent_last_hour: u32, urgent: bool) -> CapDecision {
        if urgent || sent_last_hour < self.per_hour {
            CapDecision::Send
        } else {
            CapDecision::Fold
        }
    }
}

/// One folded notification, as the digest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestItem {
    pub kind: NotificationKind,
    pub issue_id: Option<i64>,
    pub title: Option<String>,
}

/// Several folded notifications for one recipient, rendered by the `digest` templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// How many notifications the digest stands for.
    pub count: usize,
    /// The ones it names, most pressing first.
    pub items: Vec<DigestItem>,
    /// How many it counts but does not name.
    pub more: usize,
}

/// Folds pending notifications into one digest naming at most `max_listed` of them.
///
/// Escalations and reminders are named first, because they are the ones with a clock
/// running; within a kind the pending order (oldest first) is kept. A digest of one SMS can
/// name about three issues, which is why the caller picks `max_listed` per channel.
pub fn build_digest(pending: &[DigestItem], max_listed: usize) -> Digest {
    let mut items: Vec<DigestItem> = pending.to_vec();
    items.sort_by_key(|item| match item.kind {
        NotificationKind::Escalated => 0,
        NotificationKind::DueSoon => 1,
        NotificationKind::Assigned | NotificationKind::Reworked => 2,
        _ => 3,
    });
    items.truncate(max_listed);
    Digest {
        count: pending.len(),
        more: pending.len().saturating_sub(items.len()),
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: NotificationKind, id: i64) -> DigestItem {
        DigestItem {
            kind,
            issue_id: Some(id),
            title: Some(format!("问题{id}")),
        }
    }

    #[test]
    fn the_cap_sends_until_the_hourly_count_is_reached_then_folds() {
        let cap = HourlyCap::default();
        assert_eq!(cap.decide(0, false), CapDecision::Send);
        assert_eq!(cap.decide(4, false), CapDecision::Send);
        assert_eq!(cap.decide(5, false), CapDecision::Fold);
        assert_eq!(cap.decide(12, false), CapDecision::Fold);
    }

    #[test]
    fn urgent_messages_pass_the_cap() {
        assert_eq!(HourlyCap::default().decide(50, true), CapDecision::Send);
    }

    #[test]
    fn a_zero_cap_folds_everything_not_urgent() {
        let cap = HourlyCap { per_hour: 0 };
        assert_eq!(cap.decide(0, false), CapDecision::Fold);
    }

    #[test]
    fn a_digest_counts_everything_and_names_the_most_pressing_first() {
        let pending = vec![
            item(NotificationKind::Reassigned, 1),
            item(NotificationKind::DueSoon, 2),
            item(NotificationKind::Assigned, 3),
            item(NotificationKind::Escalated, 4),
            item(NotificationKind::Resolved, 5),
        ];
        let digest = build_digest(&pending, 3);
        assert_eq!(digest.count, 5);
        assert_eq!(digest.more, 2);
        let ids: Vec<_> = digest.items.iter().map(|i| i.issue_id).collect();
        assert_eq!(ids, vec![Some(4), Some(2), Some(3)]);
    }

    #[test]
    fn a_small_digest_names_all_in_pending_order_within_a_kind() {
        let pending = vec![
            item(NotificationKind::Assigned, 7),
            item(NotificationKind::Assigned, 3),
        ];
        let digest = build_digest(&pending, 5);
        assert_eq!(digest.count, 2);
        assert_eq!(digest.more, 0);
        assert_eq!(digest.items, pending);
    }
}

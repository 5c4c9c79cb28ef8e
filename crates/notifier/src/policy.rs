//! Sending policies that need no I/O: SMS length, quiet hours, per-recipient caps, digests, and
//! which channels a role hears each kind of notification on.
//!
//! Everything here takes `now` and counts as arguments so that the delivery worker stays a thin
//! driver and every rule can be tested with plain values, DST days included.
//!
//! # Layout
//!
//! - [`sms`]: GSM-7 / UCS-2 detection and segment counting, and the hard three-segment limit.
//! - [`quiet`]: the nightly window in which SMS waits, per recipient time zone.
//! - [`cap`]: the hourly SMS cap per recipient, and folding what exceeds it into a digest.
//! - [`channels`]: default channels per kind and role, and the preferences that override them.

pub mod cap;
pub mod channels;
pub mod quiet;
pub mod sms;

pub use cap::{build_digest, CapDecision, Digest, DigestItem, HourlyCap};
pub use channels::{default_channels, ChannelSet, Preferences};
pub use quiet::{not_before, not_before_on, QuietHours};
pub use sms::{fit_sms, sms_segments, SmsEncoding, MAX_SMS_SEGMENTS};

use gridloop_core::NotificationKind;

/// Whether a notification may bypass quiet hours and the hourly cap. Only escalations to
/// supervisors and beyond (level 2 and up) qualify: a unit head can wait for the morning, a
/// problem already on a leader's desk cannot.
pub fn is_urgent(kind: NotificationKind, level: Option<u8>) -> bool {
    kind == NotificationKind::Escalated && level.is_some_and(|l| l >= 2)
}

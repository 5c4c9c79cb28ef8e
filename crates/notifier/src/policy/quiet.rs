//! The nightly window in which SMS waits until morning, in the recipient's own time zone.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use gridloop_core::Channel;

/// A daily window, in local wall-clock time, during which SMS is held. `start > end` means the
/// window crosses midnight (the usual case); `start == end` means no quiet hours at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for QuietHours {
    /// 22:00–07:30: late enough for the evening shift's messages, early enough that the
    /// morning's arrive before the first site walk.
    fn default() -> Self {
        Self {
            start: NaiveTime::from_hms_opt(22, 0, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(7, 30, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

/// When an SMS due `now` may go out to a recipient in `tz`: `None` to send at once, or the
/// instant the quiet window ends. Urgent messages are never held.
///
/// The end is found on the local calendar, so a window ending at 07:30 ends at 07:30 local on
/// both sides of a DST change; an end that falls into a spring-forward gap ends when the
/// clocks jump past it, and one that occurs twice on a fall-back night ends at its first
/// occurrence still ahead of `now`.
pub fn not_before(
    now: DateTime<Utc>,
    tz: Tz,
    quiet: QuietHours,
    urgent: bool,
) -> Option<DateTime<Utc>> {
    if urgent || quiet.start == quiet.end {
        return None;
    }
    let local = now.with_timezone(&tz).naive_local();
    let (date, time) = (local.date(), local.time());
    let end_date = if quiet.start < quiet.end {
        (quiet.start <= time && time < quiet.end).then_some(date)?
    } else if time >= quiet.start {
        date.succ_opt()?
    } else if time < quiet.end {
        date
    } else {
        return None;
    };
    Some(local_instant_at_or_after(now, tz, end_date, quiet.end))
}

/// [`not_before`] for any channel: email is never held, because nobody's phone rings for it.
pub fn not_before_on(
    channel: Channel,
    now: DateTime<Utc>,
    tz: Tz,
    quiet: QuietHours,
    urgent: bool,
) -> Option<DateTime<Utc>> {
    match channel {
        Channel::Email => None,
        Channel::Sms => not_before(now, tz, quiet, urgent),
    }
}

/// The first instant after `now` at which the local clock in `tz` shows `date time` or later.
fn local_instant_at_or_after(
    now: DateTime<Utc>,
    tz: Tz,
    date: NaiveDate,
    time: NaiveTime,
) -> DateTime<Utc> {
    let wanted = NaiveDateTime::new(date, time);
    match tz.from_local_datetime(&wanted) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, second) => {
            let first = first.with_timezone(&Utc);
            if first > now {
                first
            } else {
                second.with_timezone(&Utc)
            }
        }
        LocalResult::None => {
            // In a gap the wanted wall time never shows; the clocks jump past it at the gap's
            // end, the first local minute that exists again. Gaps last at most a few hours.
            let mut probe = wanted;
            for _ in 0..(24 * 60) {
                probe += Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&probe).earliest() {
                    return t.with_timezone(&Utc);
                }
            }
            // Unreachable for real zones; read the wall time as UTC rather than panic.
            Utc.from_utc_datetime(&wanted)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;
    use chrono_tz::Asia::Shanghai;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn window(start: (u32, u32), end: (u32, u32)) -> QuietHours {
        QuietHours {
            start: NaiveTime::from_hms_opt(start.0, start.1, 0).unwrap(),
            end: NaiveTime::from_hms_opt(end.0, end.1, 0).unwrap(),
        }
    }

    #[test]
    fn daytime_sms_goes_at_once() {
        // 14:00 in Shanghai.
        let now = utc("2025-11-27T06:00:00Z");
        assert_eq!(
            not_before(now, Shanghai, QuietHours::default(), false),
            None
        );
    }

    #[test]
    fn a_late_evening_sms_waits_until_half_past_seven_next_morning() {
        // 23:10 on 27 Nov in Shanghai.
        let now = utc("2025-11-27T15:10:00Z");
        assert_eq!(
            not_before(now, Shanghai, QuietHours::default(), false),
            Some(utc("2025-11-27T23:30:00Z"))
        );
    }

    #[test]
    fn an_early_morning_sms_waits_until_half_past_seven_the_same_morning() {
        // 05:00 on 28 Nov in Shanghai.
        let now = utc("2025-11-27T21:00:00Z");
        assert_eq!(
            not_before(now, Shanghai, QuietHours::default(), false),
            Some(utc("2025-11-27T23:30:00Z"))
        );
    }

    #[test]
    fn the_window_includes_its_start_and_excludes_its_end() {
        let at_start = utc("2025-11-27T14:00:00Z"); // 22:00 local
        let at_end = utc("2025-11-27T23:30:00Z"); // 07:30 local
        let q = QuietHours::default();
        assert!(not_before(at_start, Shanghai, q, false).is_some());
        assert_eq!(not_before(at_end, Shanghai, q, false), None);
    }

    #[test]
    fn urgent_messages_are_never_held() {
        let now = utc("2025-11-27T15:10:00Z");
        assert_eq!(not_before(now, Shanghai, QuietHours::default(), true), None);
    }

    #[test]
    fn email_is_never_held() {
        let now = utc("2025-11-27T15:10:00Z");
        let q = QuietHours::default();
        assert_eq!(not_before_on(Channel::Email, now, Shanghai, q, false), None);
        assert!(not_before_on(Channel::Sms, now, Shanghai, q, false).is_some());
    }

    #[test]
    fn a_window_within_one_day_holds_only_inside_it() {
        let lunch = window((12, 0), (13, 30));
        let inside = utc("2025-11-27T04:15:00Z"); // 12:15 local
        let outside = utc("2025-11-27T06:00:00Z"); // 14:00 local
        assert_eq!(
            not_before(inside, Shanghai, lunch, false),
            Some(utc("2025-11-27T05:30:00Z"))
        );
        assert_eq!(not_before(outside, Shanghai, lunch, false), None);
    }

    #[test]
    fn an_empty_window_holds_nothing() {
        let none = window((22, 0), (22, 0));
        assert_eq!(
            not_before(utc("2025-11-27T14:00:00Z"), Shanghai, none, false),
            None
        );
    }

    #[test]
    fn new_york_spring_forward_night_ends_at_local_half_past_seven_edt() {
        // 23:00 EST on Sat 7 Mar 2026; clocks go 02:00 -> 03:00 on 8 Mar.
        let now = utc("2026-03-08T04:00:00Z");
        assert_eq!(
            not_before(now, New_York, QuietHours::default(), false),
            Some(utc("2026-03-08T11:30:00Z")) // 07:30 EDT (UTC-4)
        );
    }

    #[test]
    fn new_york_fall_back_night_ends_at_local_half_past_seven_est() {
        // 23:00 EDT on Sat 31 Oct 2026; clocks go 02:00 -> 01:00 on 1 Nov.
        let now = utc("2026-11-01T03:00:00Z");
        assert_eq!(
            not_before(now, New_York, QuietHours::default(), false),
            Some(utc("2026-11-01T12:30:00Z")) // 07:30 EST (UTC-5)
        );
    }

    #[test]
    fn a_window_ending_inside_the_spring_gap_ends_when_the_clocks_jump() {
        let q = window((22, 0), (2, 30));
        // 01:30 EST on 8 Mar 2026: 02:30 never shows; 03:00 EDT follows 01:59:59 EST.
        let now = utc("2026-03-08T06:30:00Z");
        assert_eq!(
            not_before(now, New_York, q, false),
            Some(utc("2026-03-08T07:00:00Z"))
        );
    }

    #[test]
    fn a_window_ending_in_the_repeated_hour_ends_at_its_next_occurrence() {
        let q = window((22, 0), (1, 30));
        // 00:45 EDT on 1 Nov 2026: the first 01:30 (EDT) is still ahead.
        let first_pass = utc("2026-11-01T04:45:00Z");
        assert_eq!(
            not_before(first_pass, New_York, q, false),
            Some(utc("2026-11-01T05:30:00Z"))
        );
        // 01:10 EST, the second pass: the first 01:30 has gone, the second is ahead.
        let second_pass = utc("2026-11-01T06:10:00Z");
        assert_eq!(
            not_before(second_pass, New_York, q, false),
            Some(utc("2026-11-01T06:30:00Z"))
        );
    }
}

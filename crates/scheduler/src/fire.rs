//! Which occurrences of a schedule fire at a tick.
//!
//! The core's [`due_occurrences`] treats an occurrence as on time only when `now` is exactly it;
//! a scheduler that ticks every second or so is always a little late. So occurrences within a
//! grace period before `now` are on time (fired, not marked backfilled, whatever the misfire
//! policy), and only older ones are missed and follow the policy.

use chrono::{DateTime, Duration, Utc};
use gridloop_core::{due_occurrences, Fire, Misfire, Schedule};

/// How many on-time occurrences one tick fires at most (a per-second schedule and a long grace).
const ON_TIME_CAP: usize = 1000;

/// What a tick does to one schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Firing {
    pub fire: Vec<Fire>,
    /// The new `last_fired_at` to compare-and-set.
    pub last_fired: Option<DateTime<Utc>>,
    /// The next occurrence after that.
    pub next: Option<DateTime<Utc>>,
}

pub(crate) fn firing(
    schedule: &Schedule,
    last_fired: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
    misfire: Misfire,
    grace: Duration,
) -> Firing {
    let cutoff = now - grace;
    let missed = due_occurrences(schedule, last_fired, created_at, cutoff, misfire);
    let mut fire = missed.fire;
    let handled = missed.last_fired.or(last_fired).unwrap_or(created_at);
    let on_time_from = handled.max(cutoff);
    let mut last = missed.last_fired;
    for at in schedule.occurrences_between(on_time_from, now, ON_TIME_CAP) {
        fire.push(Fire {
            at,
            backfilled: false,
        });
        last = Some(at);
    }
    let next = schedule.next_after(last.or(last_fired).unwrap_or(created_at).max(now));
    Firing {
        fire,
        last_fired: last,
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use gridloop_core::CronExpr;

    fn weekly() -> Schedule {
        Schedule::in_default_tz(CronExpr::parse("0 9 * * MON").unwrap())
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn a_slightly_late_tick_is_on_time_even_when_misses_are_skipped() {
        let created = at(2026, 11, 20, 0, 0);
        // Monday 2026-11-23 09:00 Shanghai = 01:00 UTC; the tick comes 3 s late.
        let now = at(2026, 11, 23, 1, 0) + Duration::seconds(3);
        let f = firing(
            &weekly(),
            None,
            created,
            now,
            Misfire::Skip,
            Duration::seconds(60),
        );
        assert_eq!(
            f.fire,
            vec![Fire {
                at: at(2026, 11, 23, 1, 0),
                backfilled: false
            }]
        );
        assert_eq!(f.last_fired, Some(at(2026, 11, 23, 1, 0)));
        assert_eq!(f.next, Some(at(2026, 11, 30, 1, 0)));
    }

    #[test]
    fn three_weeks_down_fires_once_marked_backfilled() {
        let last = at(2026, 11, 2, 1, 0);
        let now = at(2026, 11, 25, 12, 0);
        let f = firing(
            &weekly(),
            Some(last),
            last,
            now,
            Misfire::FireOnce,
            Duration::seconds(60),
        );
        assert_eq!(
            f.fire,
            vec![Fire {
                at: at(2026, 11, 23, 1, 0),
                backfilled: true
            }]
        );
        assert_eq!(f.next, Some(at(2026, 11, 30, 1, 0)));
        let all = firing(
            &weekly(),
            Some(last),
            last,
            now,
            Misfire::FireAll { cap: 10 },
            Duration::seconds(60),
        );
        assert_eq!(all.fire.len(), 3);
        assert!(all.fire.iter().all(|f| f.backfilled));
        let none = firing(
            &weekly(),
            Some(last),
            last,
            now,
            Misfire::Skip,
            Duration::seconds(60),
        );
        assert!(none.fire.is_empty());
        assert_eq!(none.last_fired, Some(at(2026, 11, 23, 1, 0)));
    }

    #[test]
    fn nothing_is_due_before_the_first_occurrence() {
        let created = at(2026, 11, 20, 0, 0);
        let f = firing(
            &weekly(),
            None,
            created,
            at(2026, 11, 22, 0, 0),
            Misfire::FireOnce,
            Duration::seconds(60),
        );
        assert!(f.fire.is_empty());
        assert_eq!(f.last_fired, None);
        assert_eq!(f.next, Some(at(2026, 11, 23, 1, 0)));
    }
}

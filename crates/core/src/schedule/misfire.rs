//! What to do about occurrences missed while no scheduler was running.
//!
//! A scheduler that was down (a deploy, a crash, a laptop lid) wakes up to find occurrences in
//! the past. Whether to run them depends on the job: a weekly report for a week long gone is
//! still wanted once, a reminder for a visit that already happened is not. [`due_occurrences`]
//! turns the policy into data: which occurrences to fire now and which `last_fired` to
//! compare-and-set, so that exactly one instance wins each tick.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::zoned::Schedule;

/// How many skipped occurrences [`due_occurrences`] counts before it stops counting: a
/// per-minute job down for a year must not cost half a million searches to report.
pub const SKIP_COUNT_LIMIT: usize = 10_000;

/// The misfire policy: what to do with occurrences missed while nothing was running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Misfire {
    /// Fire none of them; carry on from the next one.
    Skip,
    /// Fire the latest missed one, once, marked as backfilled. The default: a late report is
    /// better than none, and a week of identical reports is worse than one.
    #[default]
    FireOnce,
    /// Fire each missed one, oldest first, up to `cap`; the rest are skipped and reported.
    FireAll { cap: usize },
}

/// One occurrence to fire now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fire {
    /// The occurrence (not the time it is fired at).
    pub at: DateTime<Utc>,
    /// True when `at` is in the past: fired late, after a misfire.
    pub backfilled: bool,
}

/// Missed occurrences that the policy does not fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    /// How many, counting at most [`SKIP_COUNT_LIMIT`].
    pub count: usize,
    /// True when there were more than [`SKIP_COUNT_LIMIT`] and `count` stopped there.
    pub count_truncated: bool,
}

/// The answer of [`due_occurrences`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    /// Occurrences to fire now, oldest first; the on-time one (at `now`), if any, is last.
    pub fire: Vec<Fire>,
    /// Missed occurrences not fired, if any.
    pub skipped: Option<Skipped>,
    /// The new `last_fired` to compare-and-set (from the value passed in). Equal to the value
    /// passed in when nothing is due.
    pub last_fired: Option<DateTime<Utc>>,
}

impl Due {
    /// Whether anything changes: something to fire or skip, and `last_fired` to advance.
    pub fn is_empty(&self) -> bool {
        self.fire.is_empty() && self.skipped.is_none()
    }
}

/// Which occurrences of `schedule` to fire at `now`, given when it last fired.
///
/// An occurrence is *missed* when it is strictly after `last_fired` (or `created_at`, when it
/// has never fired) and strictly before `now`; missed ones follow `policy`. An occurrence
/// exactly at `now` is on time and always fires, unmarked, whatever the policy. The new
/// `last_fired` is the latest occurrence handled (fired or skipped), so the next call starts
/// after it.
pub fn due_occurrences(
    schedule: &Schedule,
    last_fired: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
    policy: Misfire,
) -> Due {
    let since = last_fired.unwrap_or(created_at);
    let mut due = Due {
        fire: Vec::new(),
        skipped: None,
        last_fired,
    };
    if now <= since {
        return due;
    }

    let latest_missed = schedule.prev_before(now).filter(|t| *t > since);
    if let Some(latest) = latest_missed {
        let fired = match policy {
            Misfire::Skip => Vec::new(),
            Misfire::FireOnce => vec![latest],
            Misfire::FireAll { cap } => schedule.occurrences_between(since, latest, cap),
        };
        let skipped_after = match policy {
            // FireOnce fires the newest; what it skips is everything older.
            Misfire::FireOnce => None,
            _ => Some(fired.last().copied().unwrap_or(since)),
        };
        due.skipped = match skipped_after {
            Some(after) => skipped_range(schedule, after, latest),
            None => schedule
                .prev_before(latest)
                .filter(|t| *t > since)
                .and_then(|last| skipped_range(schedule, since, last)),
        };
        due.fire.extend(fired.into_iter().map(|at| Fire {
            at,
            backfilled: true,
        }));
        due.last_fired = Some(latest);
    }
    if schedule.is_occurrence(now) {
        due.fire.push(Fire {
            at: now,
            backfilled: false,
        });
        due.last_fired = Some(now);
    }
    due
}

/// The occurrences in `(after, last]`, as a [`Skipped`] summary, if there are any.
fn skipped_range(
    schedule: &Schedule,
    after: DateTime<Utc>,
    last: DateTime<Utc>,
) -> Option<Skipped> {
    let first = schedule.next_after(after).filter(|t| *t <= last)?;
    let counted = schedule.occurrences_between(after, last, SKIP_COUNT_LIMIT + 1);
    Some(Skipped {
        first,
        last,
        count: counted.len().min(SKIP_COUNT_LIMIT),
        count_truncated: counted.len() > SKIP_COUNT_LIMIT,
    })
}

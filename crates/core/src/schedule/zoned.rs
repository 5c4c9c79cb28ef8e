//! [`Schedule`]: a [`CronExpr`] read in an IANA time zone, with the classic cron DST rule.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::expr::{CronExpr, FIRST_YEAR, LAST_YEAR};

/// The zone a schedule is read in unless configured otherwise: gridloop's reference parks are
/// in China.
pub const DEFAULT_TZ: Tz = chrono_tz::Asia::Shanghai;

/// How far around an instant to look for a clock change. Every offset change in the tz
/// database since 1970 is at most this large, and no zone changes its offset twice within it.
const WINDOW: i64 = 3 * 3600;

/// A cron expression in a time zone: "Mondays at 09:00 in Shanghai".
///
/// The zone is an IANA zone, never a fixed offset, so the local time stays 09:00 across
/// daylight-saving changes where a zone has them.
///
/// # Daylight saving time
///
/// The rule is Vixie cron's, and depends on [`CronExpr::is_fixed_time`]:
///
/// * **Fixed-time expressions** (no `*` at the start of the second, minute or hour field, e.g.
///   `30 2 * * *`) run once per matching local time however the clock moves. A local time in
///   a skipped hour (spring forward) runs at the instant of the jump, e.g. 02:30 on 2026-03-08
///   in New York runs at 03:00 EDT; several such times collapse into that one run. A local
///   time in a repeated hour (fall back) runs only at its first occurrence, e.g. 01:30 on
///   2026-11-01 in New York runs at 01:30 EDT and not again at 01:30 EST.
/// * **Wildcard expressions** (`*/15 * * * *`, `0 * * * *`) follow real time: local times in
///   a skipped hour do not exist and do not run, and those in a repeated hour run on both
///   passes, so `*/30 * * * *` runs every 30 real minutes through either change.
///
/// The `cron` crate alone gets both fixed-time cases wrong (it runs twice in a repeated hour
/// and drops the run on the day of the jump), so it is only asked for matching *local
/// wall-clock* times; this type maps them to instants.
///
/// Occurrences exist only between 1970 and 2100 (the `cron` crate's years).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub expr: CronExpr,
    #[serde(default = "default_tz")]
    pub tz: Tz,
}

fn default_tz() -> Tz {
    DEFAULT_TZ
}

impl Schedule {
    pub fn new(expr: CronExpr, tz: Tz) -> Self {
        Self { expr, tz }
    }

    /// The expression in [`DEFAULT_TZ`] (Asia/Shanghai).
    pub fn in_default_tz(expr: CronExpr) -> Self {
        Self::new(expr, DEFAULT_TZ)
    }

    /// The first occurrence strictly after `after`, or `None` if there is none before 2101.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if after.year() > LAST_YEAR {
            return None;
        }
        let after = after.max(lower_bound()?);
        // A local time earlier than `after`'s can still lie after it in real time when the
        // clock falls back within the window, so start that far back.
        let mut cursor = self.local(after).checked_sub_signed(self.slack(after))?;
        let mut best: Option<DateTime<Utc>> = None;
        while let Some(local) = self.expr.next_local(cursor) {
            if let Some(b) = best {
                let horizon = self.local(b).checked_add_signed(self.slack(b))?;
                if local > horizon {
                    break;
                }
            }
            for t in self.instants(local).into_iter().flatten() {
                if t > after && best.is_none_or(|b| t < b) {
                    best = Some(t);
                }
            }
            cursor = local;
        }
        best
    }

    /// The last occurrence strictly before `before`, or `None` if there is none after 1969.
    pub fn prev_before(&self, before: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if before.year() < FIRST_YEAR {
            return None;
        }
        let before = before.min(upper_bound()?);
        let mut cursor = self
            .local(before)
            .checked_add_signed(self.slack(before) + Duration::seconds(1))?;
        let mut best: Option<DateTime<Utc>> = None;
        while let Some(local) = self.expr.prev_local(cursor) {
            if let Some(b) = best {
                let horizon = self.local(b).checked_sub_signed(self.slack(b))?;
                if local < horizon {
                    break;
                }
            }
            for t in self.instants(local).into_iter().flatten() {
                if t < before && best.is_none_or(|b| t > b) {
                    best = Some(t);
                }
            }
            cursor = local;
        }
        best
    }

    /// Whether `at` is an occurrence.
    pub fn is_occurrence(&self, at: DateTime<Utc>) -> bool {
        at.checked_sub_signed(Duration::nanoseconds(1))
            .and_then(|p| self.next_after(p))
            == Some(at)
    }

    /// Occurrences in `(from_exclusive, to_inclusive]`, oldest first, at most `cap` of them.
    pub fn occurrences_between(
        &self,
        from_exclusive: DateTime<Utc>,
        to_inclusive: DateTime<Utc>,
        cap: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = from_exclusive;
        while out.len() < cap {
            match self.next_after(cursor) {
                Some(t) if t <= to_inclusive => {
                    out.push(t);
                    cursor = t;
                }
                _ => break,
            }
        }
        out
    }

    fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.tz).naive_local()
    }

    fn offset_seconds(&self, t: DateTime<Utc>) -> i64 {
        i64::from(
            self.tz
                .offset_from_utc_datetime(&t.naive_utc())
                .fix()
                .local_minus_utc(),
        )
    }

    /// How much the zone's offset changes within [`WINDOW`] either side of `t`: zero almost
    /// always, which keeps the search to the one or two local times that matter.
    fn slack(&self, t: DateTime<Utc>) -> Duration {
        let here = self.offset_seconds(t);
        let window = Duration::seconds(WINDOW);
        let change = |other: Option<DateTime<Utc>>| {
            other.map_or(0, |o| (self.offset_seconds(o) - here).abs())
        };
        let most = change(t.checked_sub_signed(window)).max(change(t.checked_add_signed(window)));
        Duration::seconds(most)
    }

    /// The instants at which a matching local time runs, by the DST rule above.
    fn instants(&self, local: NaiveDateTime) -> [Option<DateTime<Utc>>; 2] {
        let utc = |t: DateTime<Tz>| t.with_timezone(&Utc);
        match self.tz.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => [Some(utc(t)), None],
            chrono::LocalResult::Ambiguous(a, b) => {
                let (first, second) = if a <= b { (a, b) } else { (b, a) };
                if self.expr.is_fixed_time() {
                    [Some(utc(first)), None]
                } else {
                    [Some(utc(first)), Some(utc(second))]
                }
            }
            chrono::LocalResult::None => {
                if self.expr.is_fixed_time() {
                    [self.end_of_gap(local), None]
                } else {
                    [None, None]
                }
            }
        }
    }

    /// The instant the clock jumps over `local`, a local time that does not exist.
    ///
    /// Bisects between an instant whose local time is before `local` and one whose local time
    /// is after it; within the window the local clock is monotonic apart from the one jump.
    fn end_of_gap(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let window = Duration::seconds(WINDOW);
        let lo = self
            .tz
            .from_local_datetime(&local.checked_sub_signed(window)?)
            .earliest()?;
        let hi = self
            .tz
            .from_local_datetime(&local.checked_add_signed(window)?)
            .latest()?;
        let (mut lo, mut hi) = (lo.timestamp(), hi.timestamp());
        let local_at = |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| self.local(t));
        if local_at(lo)? >= local || local_at(hi)? <= local {
            return None;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if local_at(mid)? > local {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        DateTime::from_timestamp(hi, 0)
    }
}

/// Just before the first instant the `cron` crate can describe, with room for any offset.
fn lower_bound() -> Option<DateTime<Utc>> {
    Utc.with_ymd_and_hms(FIRST_YEAR - 1, 12, 30, 0, 0, 0)
        .single()
}

/// Just after the last instant the `cron` crate can describe, with room for any offset.
fn upper_bound() -> Option<DateTime<Utc>> {
    Utc.with_ymd_and_hms(LAST_YEAR + 1, 1, 2, 0, 0, 0).single()
}

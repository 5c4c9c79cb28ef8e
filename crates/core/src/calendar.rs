//! The working calendar (工作日历): which instants count towards a deadline.
//!
//! Deadlines in gridloop are promised in working time ("resolve within 4 working hours"), so
//! every SLA computation goes through a [`Calendar`]: weekly [`WorkingHours`] in one time
//! zone, overridden per year by the State Council's holidays and make-up working days
//! ([`CalendarYear`], loaded from `config/calendars/cn-YYYY.toml`).
//!
//! # Whole minutes
//!
//! Working time is counted in whole minutes of UTC, and every instant handed in is first
//! truncated to the start of its minute: an issue opened at 09:00:42 counts as opened at
//! 09:00. With that one rule the arithmetic is exact rather than approximately right:
//!
//! * `working_minutes_between(t, add_working_minutes(t, n)) == n` for every `t` and `n`;
//! * `between(a, b) + between(b, c) == between(a, c)` for `a <= b <= c`, so time measured
//!   in pieces (before and after a hold) adds up to time measured in one go.
//!
//! Measuring seconds and rounding only at the end would lose the second property: two
//! stretches of 30 s would each floor to 0 minutes but together make 1.
//!
//! # Daylight saving time
//!
//! Working hours are local wall-clock time, and each local minute counts at most once, at
//! its first occurrence. A period that falls into a skipped hour (spring forward) is
//! shortened; in a repeated hour (fall back) only the first pass counts, so a 00:00–04:00
//! period is four working hours whichever night it is. China has no DST; this matters only
//! for calendars in other zones, and there it must not panic.
//!
//! # Cost
//!
//! The arithmetic steps day by day, never minute by minute: two time-zone look-ups per
//! working day (a few more on a day with a DST change), none on a rest day. Measuring a
//! year or adding three months takes microseconds in a release build. Cost grows with the
//! number of days spanned, so absurd inputs (`u32::MAX` minutes is some 36,000 years of
//! office hours) take most of a second; results saturate rather than panic.

mod error;
mod hours;
mod year;

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;

pub use error::CalendarError;
pub use hours::WorkingHours;
pub use year::{CalendarYear, YearDay};

use hours::Span;
use year::SpecialDay;

/// The State Council's 2026 schedule, compiled in so that a fresh checkout (and the tests)
/// work without a config folder.
const CN_2026: &str = include_str!("../../../config/calendars/cn-2026.toml");

/// What a local date is, as far as working time is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    /// A day with working hours in the weekly schedule.
    Workday,
    /// A day without working hours in the weekly schedule (for the default hours: Saturday
    /// and Sunday).
    Weekend,
    /// A public holiday (节假日) from the year's file, whatever weekday it falls on.
    Holiday { name: String },
    /// A rest day turned into a working day (调休上班) by the year's file.
    MakeUpWorkday { name: String },
}

/// Working hours in a time zone, with each year's holidays and make-up days.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    tz: Tz,
    hours: WorkingHours,
    /// Years whose weekly hours differ from `hours` (a park that changed its office hours).
    year_hours: BTreeMap<i32, WorkingHours>,
    years: BTreeMap<i32, CalendarYear>,
}

/// A minute of UTC, counted from the Unix epoch. All arithmetic happens in these.
type Minute = i64;

/// A half-open stretch of working time, `[start, end)`.
type Interval = (Minute, Minute);

impl Calendar {
    /// A calendar without any year file: until years are added, every year is plain weeks.
    pub fn new(tz: Tz, hours: WorkingHours) -> Self {
        Self {
            tz,
            hours,
            year_hours: BTreeMap::new(),
            years: BTreeMap::new(),
        }
    }

    /// Gives `year` weekly hours of its own; other years keep [`Calendar::hours`].
    #[must_use]
    pub fn with_year_hours(mut self, year: i32, hours: WorkingHours) -> Self {
        if hours == self.hours {
            self.year_hours.remove(&year);
        } else {
            self.year_hours.insert(year, hours);
        }
        self
    }

    /// The weekly hours of `year`.
    pub fn hours_in(&self, year: i32) -> &WorkingHours {
        self.year_hours.get(&year).unwrap_or(&self.hours)
    }

    /// Adds a year's holidays; a second file for the same year replaces the first.
    ///
    /// Replacing (rather than refusing) lets the binary start from the embedded years and
    /// then apply whatever the config folder holds, so a corrected file always wins.
    #[must_use]
    pub fn with_year(mut self, year: CalendarYear) -> Self {
        self.years.insert(year.year(), year);
        self
    }

    /// Asia/Shanghai, the default office hours and the embedded 2026 holidays.
    pub fn default_china() -> Self {
        let year = CalendarYear::from_toml(CN_2026)
            .expect("the embedded cn-2026.toml is valid (checked by the calendar tests)");
        Self::new(chrono_tz::Asia::Shanghai, WorkingHours::default()).with_year(year)
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The weekly hours of every year without hours of its own ([`Calendar::hours_in`]).
    pub fn hours(&self) -> &WorkingHours {
        &self.hours
    }

    /// The holidays of `year`, if a file for it was added.
    pub fn year(&self, year: i32) -> Option<&CalendarYear> {
        self.years.get(&year)
    }

    /// Every year with a holiday file, in order.
    pub fn years(&self) -> impl Iterator<Item = &CalendarYear> + '_ {
        self.years.values()
    }

    /// Whether `year` has a holiday file; without one it is plain weeks, which is wrong for
    /// China, so the binary warns about it.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The years in `range` that have no holiday file, in order.
    pub fn missing_years(&self, range: RangeInclusive<i32>) -> Vec<i32> {
        range.filter(|y| !self.covers(*y)).collect()
    }

    /// The year's file wins over the weekly schedule; a year without a file is plain weeks.
    pub fn kind_of_day(&self, date: NaiveDate) -> DayKind {
        match self.special(date) {
            Some(SpecialDay::Holiday { name }) => DayKind::Holiday { name: name.clone() },
            Some(SpecialDay::MakeUp { name, .. }) => DayKind::MakeUpWorkday { name: name.clone() },
            None if self.hours_in(date.year()).spans(date.weekday()).is_empty() => DayKind::Weekend,
            None => DayKind::Workday,
        }
    }

    /// Whether `date` has working hours (a make-up day does; a holiday does not).
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !self.spans_on(date).is_empty()
    }

    /// Whether the minute containing `t` is working time.
    pub fn is_working_instant(&self, t: DateTime<Utc>) -> bool {
        let minute = minute_of(t);
        let date = self.local_date(minute);
        let mut intervals = Vec::new();
        [date.pred_opt(), Some(date)]
            .into_iter()
            .flatten()
            .any(|day| {
                self.intervals_on(day, &mut intervals);
                intervals.iter().any(|&(a, b)| a <= minute && minute < b)
            })
    }

    /// The instant at which `minutes` working minutes have passed since `start`.
    ///
    /// Counting begins at the start of `start`'s minute, or at the next working period if
    /// that is outside working time. The result is where the last minute *ends*: 60 minutes
    /// from 11:00 is 12:00, not the 13:30 at which work resumes. Zero minutes return `start`
    /// unchanged. Saturates at the latest instant chrono can represent.
    pub fn add_working_minutes(&self, start: DateTime<Utc>, minutes: u32) -> DateTime<Utc> {
        if minutes == 0 {
            return start;
        }
        let from = minute_of(start);
        let mut remaining = Minute::from(minutes);
        let mut date = self.local_date(from);
        date = date.pred_opt().unwrap_or(date);
        let mut intervals = Vec::new();
        loop {
            self.intervals_on(date, &mut intervals);
            for &(a, b) in &intervals {
                let a = a.max(from);
                if a >= b {
                    continue;
                }
                if remaining <= b - a {
                    return instant_of(a + remaining);
                }
                remaining -= b - a;
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => return DateTime::<Utc>::MAX_UTC,
            }
        }
    }

    /// Working minutes in `[from, to)`, both truncated to their minute; 0 if `to <= from`.
    pub fn working_minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        saturate(self.minutes_between(minute_of(from), minute_of(to)))
    }

    /// Like [`working_minutes_between`](Self::working_minutes_between), but minutes inside any
    /// of `excluded` (time on hold, say) do not count.
    ///
    /// Excluded intervals are half-open `[start, end)` and truncated to their minutes like
    /// everything else; they may overlap, extend beyond `[from, to)` or be empty. An interval
    /// that is still open should be passed with `to` as its end.
    pub fn working_minutes_between_excluding(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        excluded: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> u32 {
        let (from, to) = (minute_of(from), minute_of(to));
        let mut holes: Vec<Interval> = excluded
            .iter()
            .map(|&(a, b)| (minute_of(a).max(from), minute_of(b).min(to)))
            .filter(|&(a, b)| a < b)
            .collect();
        holes.sort_unstable();
        let mut total = 0;
        let mut cursor = from;
        for (a, b) in holes {
            if a > cursor {
                total += self.minutes_between(cursor, a);
            }
            cursor = cursor.max(b);
        }
        total += self.minutes_between(cursor, to);
        saturate(total)
    }

    fn minutes_between(&self, from: Minute, to: Minute) -> Minute {
        if to <= from {
            return 0;
        }
        let (first, last) = (self.local_date(from), self.local_date(to));
        // Instants before `to` have local dates at most one day after `to`'s: a clock is
        // never set back by more than a day.
        let last = last.succ_opt().unwrap_or(last);
        let mut total = 0;
        let mut intervals = Vec::new();
        for date in first.pred_opt().unwrap_or(first).iter_days() {
            if date > last {
                break;
            }
            self.intervals_on(date, &mut intervals);
            for &(a, b) in &intervals {
                let (a, b) = (a.max(from), b.min(to));
                if a < b {
                    total += b - a;
                }
            }
            if total > Minute::from(u32::MAX) {
                break; // the answer saturates anyway
            }
        }
        total
    }

    fn special(&self, date: NaiveDate) -> Option<&SpecialDay> {
        self.years.get(&date.year())?.special(date)
    }

    /// The local working periods of `date`, after holidays and make-up days.
    fn spans_on(&self, date: NaiveDate) -> &[Span] {
        match self.special(date) {
            Some(SpecialDay::Holiday { .. }) => &[],
            Some(SpecialDay::MakeUp { works_as, .. }) => {
                self.hours_in(date.year()).spans(*works_as)
            }
            None => self.hours_in(date.year()).spans(date.weekday()),
        }
    }

    /// The working time of local `date` as UTC minutes, sorted and disjoint, into `out`.
    fn intervals_on(&self, date: NaiveDate, out: &mut Vec<Interval>) {
        out.clear();
        let spans = self.spans_on(date);
        if spans.is_empty() {
            return;
        }
        let Some(midnight) = date.and_hms_opt(0, 0, 0) else {
            return;
        };
        // Nearly every day has one offset from midnight to midnight; then each period is a
        // plain shift, with no further time-zone look-ups. (Two transitions that cancel out
        // within one day do not occur in the tz database.)
        if let Some(offset) = self.fixed_offset_secs(midnight) {
            let base = midnight.and_utc().timestamp() - i64::from(offset);
            for span in spans {
                let at = |m: u16| ceil_minute(base + 60 * i64::from(m));
                out.push((at(span.start), at(span.end)));
            }
            return;
        }
        for span in spans {
            let local = |m: u16| midnight.checked_add_signed(TimeDelta::minutes(i64::from(m)));
            let (Some(start), Some(end)) = (
                local(span.start).and_then(|t| self.first_instant(t)),
                local(span.end).and_then(|t| self.first_instant(t)),
            ) else {
                continue;
            };
            self.push_counted_once(start, end, out);
        }
    }

    /// Pushes `[start, end)` minus any minutes whose local reading already occurred earlier
    /// (the second pass through a repeated hour).
    fn push_counted_once(&self, start: Minute, end: Minute, out: &mut Vec<Interval>) {
        if start >= end {
            return; // wholly inside a skipped hour
        }
        let (before, after) = (self.offset_secs(start), self.offset_secs(end - 1));
        if after >= before {
            // Same offset, or the clock sprang forward and the period is simply shorter.
            out.push((start, end));
            return;
        }
        // The clock fell back inside the period: find the first minute on the new offset,
        // then skip the stretch whose readings repeat ones already counted.
        let (mut lo, mut hi) = (start, end - 1);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.offset_secs(mid) == before {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        out.push((start, hi));
        let resume = hi + ceil_minute(i64::from(before - after));
        if resume < end {
            out.push((resume, end));
        }
    }

    /// The first UTC minute at which the local clock reads `local` or, if the clock skips
    /// `local`, the moment it jumps past it.
    fn first_instant(&self, local: NaiveDateTime) -> Option<Minute> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => Some(ceil_minute(t.timestamp())),
            LocalResult::Ambiguous(earliest, _) => Some(ceil_minute(earliest.timestamp())),
            LocalResult::None => self.end_of_gap(local),
        }
    }

    /// For a local time inside a gap, the instant the gap ends: search forward for the first
    /// local minute that exists (gaps are at most a day or so; Samoa skipped one in 2011).
    fn end_of_gap(&self, local: NaiveDateTime) -> Option<Minute> {
        let exists = |m: i64| {
            local
                .checked_add_signed(TimeDelta::minutes(m))
                .map(|t| !matches!(self.tz.from_local_datetime(&t), LocalResult::None))
        };
        let (mut missing, mut present) = (0, 1);
        while !exists(present)? {
            missing = present;
            present *= 2;
            if present > 4 * 24 * 60 {
                return None;
            }
        }
        while present - missing > 1 {
            let mid = missing + (present - missing) / 2;
            if exists(mid)? {
                present = mid;
            } else {
                missing = mid;
            }
        }
        let first = local.checked_add_signed(TimeDelta::minutes(present))?;
        match self.tz.from_local_datetime(&first) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                Some(ceil_minute(t.timestamp()))
            }
            LocalResult::None => None,
        }
    }

    /// The UTC offset of the local day starting at `midnight`, if it is the same at both ends.
    fn fixed_offset_secs(&self, midnight: NaiveDateTime) -> Option<i32> {
        let offset_at = |local: NaiveDateTime| match self.tz.offset_from_local_datetime(&local) {
            LocalResult::Single(offset) => Some(offset.fix().local_minus_utc()),
            _ => None,
        };
        let next = midnight.checked_add_signed(TimeDelta::days(1))?;
        let offset = offset_at(midnight)?;
        (offset_at(next)? == offset).then_some(offset)
    }

    fn offset_secs(&self, minute: Minute) -> i32 {
        DateTime::from_timestamp(minute.saturating_mul(60), 0)
            .map(|t| {
                self.tz
                    .offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc()
            })
            .unwrap_or(0)
    }

    /// The local date of `minute`; at the very ends of chrono's range, where the local time
    /// cannot be represented (and `with_timezone` would panic), the nearest representable one.
    fn local_date(&self, minute: Minute) -> NaiveDate {
        let Some(utc) = minute
            .checked_mul(60)
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .map(|t| t.naive_utc())
        else {
            return if minute < 0 {
                NaiveDate::MIN
            } else {
                NaiveDate::MAX
            };
        };
        let offset = self.tz.offset_from_utc_datetime(&utc).fix();
        utc.checked_add_offset(offset)
            .map_or(utc.date(), |local| local.date())
    }
}

fn minute_of(t: DateTime<Utc>) -> Minute {
    t.timestamp().div_euclid(60)
}

/// Rounds up, so that the rare offset with seconds (historic local mean time) still yields
/// whole-minute boundaries; for every modern zone this is exact.
fn ceil_minute(seconds: i64) -> Minute {
    seconds.div_euclid(60) + Minute::from(seconds.rem_euclid(60) != 0)
}

fn instant_of(minute: Minute) -> DateTime<Utc> {
    minute
        .checked_mul(60)
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn saturate(minutes: Minute) -> u32 {
    u32::try_from(minutes).unwrap_or(u32::MAX)
}

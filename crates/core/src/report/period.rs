//! The stretch of time a report covers: an ISO week, or any range of local dates, in a zone.

use std::fmt;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::{Format, Rule};

/// An ISO 8601 week: `2026-W48` is `{ year: 2026, week: 48 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IsoWeek {
    pub year: i32,
    pub week: u32,
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

/// The half-open range of instants `[from, to)` a report covers: whole local days, from the
/// first instant of `start` to the first instant of `end` in the period's time zone.
///
/// An event belongs to the period when `from <= at < to`. The days are local, not UTC: in
/// Asia/Shanghai an event at Sunday 23:30 (15:30 UTC) belongs to that Sunday's week, and one at
/// Monday 00:30 (Sunday 16:30 UTC) to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    /// The ISO week, when the period is one.
    iso_week: Option<IsoWeek>,
    /// The first local date of the period.
    start: NaiveDate,
    /// The first local date after the period.
    end: NaiveDate,
    tz: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl Period {
    /// The ISO week `week` of ISO year `year` (Monday to Sunday) in `tz`. Week 53 exists only
    /// in long years; the year must lie in [`YEARS`](crate::dates::YEARS).
    pub fn iso_week(year: i32, week: u32, tz: Tz) -> Result<Self, ParseError> {
        crate::dates::check_year("week", year)?;
        let start = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
            .ok_or_else(|| ParseError::new("week", Rule::NoSuchWeek))?;
        let end = start + TimeDelta::days(7);
        Ok(Self::build(Some(IsoWeek { year, week }), start, end, tz))
    }

    /// Parses `2026-W48` (the `W` may be lower case) into that ISO week in `tz`.
    pub fn parse_week(raw: &str, tz: Tz) -> Result<Self, ParseError> {
        let bad = || ParseError::new("week", Rule::Format(Format::Week));
        let trimmed = raw.trim();
        let (year, week) = trimmed
            .split_once("-W")
            .or_else(|| trimmed.split_once("-w"))
            .ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let week: u32 = week.parse().map_err(|_| bad())?;
        Self::iso_week(year, week, tz)
    }

    /// The local dates `start` up to, not including, `end`, in `tz`, both in
    /// [`YEARS`](crate::dates::YEARS).
    pub fn dates(start: NaiveDate, end: NaiveDate, tz: Tz) -> Result<Self, ParseError> {
        crate::dates::check_date("period", start)?;
        crate::dates::check_date("period", end)?;
        if end <= start {
            return Err(ParseError::new("period", Rule::EndNotAfterStart));
        }
        Ok(Self::build(None, start, end, tz))
    }

    /// The ISO week containing the instant `at`, read in `tz`.
    pub fn week_containing(at: DateTime<Utc>, tz: Tz) -> Self {
        let local = at.with_timezone(&tz).date_naive();
        let start = local - TimeDelta::days(i64::from(local.weekday().num_days_from_monday()));
        let iso = start.iso_week();
        Self::build(
            Some(IsoWeek {
                year: iso.year(),
                week: iso.week(),
            }),
            start,
            start + TimeDelta::days(7),
            tz,
        )
    }

    fn build(iso_week: Option<IsoWeek>, start: NaiveDate, end: NaiveDate, tz: Tz) -> Self {
        Self {
            iso_week,
            start,
            end,
            tz,
            from: start_of_day(start, tz),
            to: start_of_day(end, tz),
        }
    }

    /// The period just before this one, of the same length (for a week: the previous ISO week).
    pub fn previous(&self) -> Self {
        let days = self.end - self.start;
        let start = self.start - days;
        let iso_week = self.iso_week.map(|_| {
            let iso = start.iso_week();
            IsoWeek {
                year: iso.year(),
                week: iso.week(),
            }
        });
        Self::build(iso_week, start, self.start, self.tz)
    }

    /// The `n` periods ending with this one, oldest first: the runs an 8-week trend needs.
    pub fn trailing(&self, n: usize) -> Vec<Self> {
        let mut periods = Vec::with_capacity(n);
        let mut current = *self;
        for _ in 0..n {
            periods.push(current);
            current = current.previous();
        }
        periods.reverse();
        periods
    }

    pub fn iso(&self) -> Option<IsoWeek> {
        self.iso_week
    }

    /// The first local date of the period.
    pub fn start_date(&self) -> NaiveDate {
        self.start
    }

    /// The first local date after the period.
    pub fn end_date(&self) -> NaiveDate {
        self.end
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The first instant of the period.
    pub fn from(&self) -> DateTime<Utc> {
        self.from
    }

    /// The first instant after the period.
    pub fn to(&self) -> DateTime<Utc> {
        self.to
    }

    /// Whether `at` lies in `[from, to)`.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }
}

/// `2026-W48` for a week; `2026-03-01/2026-03-07` (both dates included) for a range.
impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.iso_week {
            Some(week) => week.fmt(f),
            None => {
                let last = self.end.pred_opt().unwrap_or(self.end);
                write!(f, "{}/{}", self.start, last)
            }
        }
    }
}

/// The first instant of local `date` in `tz`. A zone that skips local midnight (a DST change
/// at 00:00) starts that day when its clock jumps; an ambiguous midnight counts from its first
/// occurrence.
fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    for quarter in 0..=4 * 24 {
        let local = midnight + TimeDelta::minutes(15 * quarter);
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                return t.with_timezone(&Utc);
            }
            LocalResult::None => {}
        }
    }
    midnight.and_utc()
}

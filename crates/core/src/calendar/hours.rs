//! Weekly working hours: which stretches of local wall-clock time count, per weekday.

use std::fmt;

use chrono::{NaiveTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};

use super::CalendarError;

const MINUTES_PER_DAY: u16 = 24 * 60;

/// A stretch of local wall-clock time within one day, as minutes since midnight, `start < end`.
///
/// Minutes rather than `NaiveTime` because the end of a round-the-clock day is 24:00, which
/// `NaiveTime` cannot hold, and because all deadline arithmetic is done in whole minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Span {
    pub(crate) start: u16,
    pub(crate) end: u16,
}

impl Span {
    fn from_times(start: NaiveTime, end: NaiveTime) -> Result<Self, CalendarError> {
        let invalid = |reason: &str| CalendarError::InvalidPeriod {
            period: format!(
                "{}-{}",
                start.format("%H:%M:%S%.f"),
                end.format("%H:%M:%S%.f")
            ),
            reason: reason.to_owned(),
        };
        let whole_minutes = |t: NaiveTime| t.second() == 0 && t.nanosecond() == 0;
        if !whole_minutes(start) || !whole_minutes(end) {
            return Err(invalid("periods must start and end on a whole minute"));
        }
        let start = minute_of_day(start);
        // An end of 00:00 can only mean midnight at the end of the day.
        let end = match minute_of_day(end) {
            0 => MINUTES_PER_DAY,
            m => m,
        };
        if start >= end {
            return Err(invalid("a period must end after it starts"));
        }
        Ok(Self { start, end })
    }

    /// Parses `"09:00-12:00"`; `24:00` is accepted as an end.
    fn parse(text: &str) -> Result<Self, CalendarError> {
        let invalid = |reason: &str| CalendarError::InvalidPeriod {
            period: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (start, end) = text
            .split_once('-')
            .ok_or_else(|| invalid("expected the form HH:MM-HH:MM"))?;
        let time = |s: &str| match s.trim() {
            "24:00" => Ok(NaiveTime::MIN),
            s => NaiveTime::parse_from_str(s, "%H:%M")
                .map_err(|_| invalid("times must look like 09:00 (24:00 may end a period)")),
        };
        if start.trim() == "24:00" {
            return Err(invalid("a period cannot start at 24:00"));
        }
        Self::from_times(time(start)?, time(end)?).map_err(|e| match e {
            CalendarError::InvalidPeriod { reason, .. } => invalid(&reason),
            other => other,
        })
    }

    pub(crate) fn minutes(self) -> u16 {
        self.end - self.start
    }

    fn times(self) -> (NaiveTime, NaiveTime) {
        (time_of_minute(self.start), time_of_minute(self.end))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        write!(f, "{}-{}", hm(self.start), hm(self.end))
    }
}

fn minute_of_day(t: NaiveTime) -> u16 {
    // hour < 24 and minute < 60, so this is at most 1439 and fits.
    (t.hour() * 60 + t.minute()) as u16
}

fn time_of_minute(minute: u16) -> NaiveTime {
    let minute = u32::from(minute % MINUTES_PER_DAY);
    NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0).unwrap_or(NaiveTime::MIN)
}

/// The local wall-clock periods that count as working time on each weekday.
///
/// Always valid once built: periods are sorted, do not overlap, lie on whole minutes, and the
/// week has at least one of them (so a deadline always falls due eventually). Periods that
/// touch (`12:00-13:00`, `13:00-14:00`) are joined into one.
///
/// In TOML (the `try_from` below), each weekday is a list of `"HH:MM-HH:MM"` strings; a
/// weekday that is left out has no working time, so a table that only lists Monday to Friday
/// describes a five-day week:
///
/// ```toml
/// monday = ["09:00-12:00", "13:30-18:00"]
/// saturday = ["09:00-12:00"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WeekTable", into = "WeekTable")]
pub struct WorkingHours {
    days: [Vec<Span>; 7],
}

impl WorkingHours {
    /// Builds the week from `(weekday, periods)` pairs; weekdays not given have no working time.
    ///
    /// An end of `00:00` means midnight at the end of the day, so `(00:00, 00:00)` is the
    /// whole day.
    pub fn from_periods<I, P>(days: I) -> Result<Self, CalendarError>
    where
        I: IntoIterator<Item = (Weekday, P)>,
        P: IntoIterator<Item = (NaiveTime, NaiveTime)>,
    {
        let mut given: [Option<Vec<Span>>; 7] = Default::default();
        for (day, periods) in days {
            let slot = &mut given[day.num_days_from_monday() as usize];
            if slot.is_some() {
                return Err(CalendarError::DuplicateWeekday { day });
            }
            let spans = periods
                .into_iter()
                .map(|(start, end)| Span::from_times(start, end))
                .collect::<Result<Vec<_>, _>>()?;
            *slot = Some(spans);
        }
        Self::from_spans(given.map(Option::unwrap_or_default))
    }

    fn from_spans(mut days: [Vec<Span>; 7]) -> Result<Self, CalendarError> {
        for (index, spans) in days.iter_mut().enumerate() {
            spans.sort_unstable();
            let mut joined: Vec<Span> = Vec::with_capacity(spans.len());
            for span in spans.drain(..) {
                match joined.last_mut() {
                    Some(last) if last.end > span.start => {
                        return Err(CalendarError::OverlappingPeriods {
                            day: weekday_from_index(index),
                            first: last.to_string(),
                            second: span.to_string(),
                        });
                    }
                    Some(last) if last.end == span.start => last.end = span.end,
                    _ => joined.push(span),
                }
            }
            *spans = joined;
        }
        if days.iter().all(Vec::is_empty) {
            return Err(CalendarError::NoWorkingTime);
        }
        Ok(Self { days })
    }

    /// The periods of `day`, in order; an end of `00:00` means midnight at the end of the day.
    pub fn periods(
        &self,
        day: Weekday,
    ) -> impl ExactSizeIterator<Item = (NaiveTime, NaiveTime)> + '_ {
        self.spans(day).iter().map(|span| span.times())
    }

    /// Working minutes on a plain `day`, as the wall clock counts them.
    pub fn minutes_on(&self, day: Weekday) -> u32 {
        self.spans(day).iter().map(|s| u32::from(s.minutes())).sum()
    }

    pub(crate) fn spans(&self, day: Weekday) -> &[Span] {
        &self.days[day.num_days_from_monday() as usize]
    }
}

impl Default for WorkingHours {
    /// Monday to Friday, 09:00–12:00 and 13:30–18:00: the park's office hours.
    fn default() -> Self {
        let office = vec![
            Span {
                start: 9 * 60,
                end: 12 * 60,
            },
            Span {
                start: 13 * 60 + 30,
                end: 18 * 60,
            },
        ];
        let mut days: [Vec<Span>; 7] = Default::default();
        for day in days.iter_mut().take(5) {
            *day = office.clone();
        }
        Self { days }
    }
}

fn weekday_from_index(index: usize) -> Weekday {
    const WEEK: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    WEEK[index % 7]
}

/// The TOML/serde shape of [`WorkingHours`].
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct WeekTable {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    monday: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tuesday: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    wednesday: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    thursday: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    friday: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    saturday: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sunday: Vec<String>,
}

impl TryFrom<WeekTable> for WorkingHours {
    type Error = CalendarError;

    fn try_from(table: WeekTable) -> Result<Self, Self::Error> {
        let parse = |texts: Vec<String>| {
            texts
                .iter()
                .map(|t| Span::parse(t))
                .collect::<Result<Vec<_>, _>>()
        };
        Self::from_spans([
            parse(table.monday)?,
            parse(table.tuesday)?,
            parse(table.wednesday)?,
            parse(table.thursday)?,
            parse(table.friday)?,
            parse(table.saturday)?,
            parse(table.sunday)?,
        ])
    }
}

impl From<WorkingHours> for WeekTable {
    fn from(hours: WorkingHours) -> Self {
        let [monday, tuesday, wednesday, thursday, friday, saturday, sunday] = hours
            .days
            .map(|spans| spans.iter().map(Span::to_string).collect());
        Self {
            monday,
            tuesday,
            wednesday,
            thursday,
            friday,
            saturday,
            sunday,
        }
    }
}

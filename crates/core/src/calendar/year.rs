//! One year of public holidays and make-up working days, as published by the State Council.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use toml::value::Datetime;
use toml::Spanned;

use super::CalendarError;

/// How a listed date departs from the weekly schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SpecialDay {
    Holiday { name: String },
    MakeUp { name: String, works_as: Weekday },
}

/// The holidays (节假日) and make-up working days (调休上班) of one calendar year.
///
/// Built only by [`CalendarYear::from_toml`], which checks the file as a whole, so a value of
/// this type is always internally consistent: every date lies in [`year`](Self::year), and no
/// date is both a holiday and a make-up day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarYear {
    year: i32,
    source: Option<String>,
    days: BTreeMap<NaiveDate, SpecialDay>,
}

impl CalendarYear {
    /// Parses a `cn-YYYY.toml` file (format in `config/calendars/README.md`).
    pub fn from_toml(text: &str) -> Result<Self, CalendarError> {
        let file: YearFile = toml::from_str(text)?;
        let line = |span: std::ops::Range<usize>| line_of(text, span.start);
        let year = file.year;
        let date_in_year = |value: &Spanned<Datetime>| -> Result<NaiveDate, CalendarError> {
            let date = plain_date(value.get_ref()).ok_or_else(|| CalendarError::NotADate {
                line: line(value.span()),
                value: value.get_ref().to_string(),
            })?;
            if date.year() != year {
                return Err(CalendarError::DateOutsideYear {
                    line: line(value.span()),
                    date,
                    year,
                });
            }
            Ok(date)
        };

        // The line each date was first listed on, for "already listed on line …".
        let mut listed_on: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        let mut days = BTreeMap::new();

        for holiday in &file.holiday {
            let (from, to) = (date_in_year(&holiday.from)?, date_in_year(&holiday.to)?);
            let here = line(holiday.from.span());
            if from > to {
                return Err(CalendarError::ReversedRange {
                    line: here,
                    name: holiday.name.clone(),
                    from,
                    to,
                });
            }
            for date in from.iter_days().take_while(|d| *d <= to) {
                if let Some(&first_line) = listed_on.get(&date) {
                    return Err(CalendarError::DuplicateDate {
                        line: here,
                        date,
                        first_line,
                    });
                }
                listed_on.insert(date, here);
                days.insert(
                    date,
                    SpecialDay::Holiday {
                        name: holiday.name.clone(),
                    },
                );
            }
        }

        for make_up in &file.make_up_day {
            let date = date_in_year(&make_up.date)?;
            let here = line(make_up.date.span());
            match days.get(&date) {
                Some(SpecialDay::Holiday { name: holiday }) => {
                    return Err(CalendarError::MakeUpDayIsHoliday {
                        line: here,
                        date,
                        name: make_up.name.clone(),
                        holiday: holiday.clone(),
                    });
                }
                Some(SpecialDay::MakeUp { .. }) => {
                    return Err(CalendarError::DuplicateDate {
                        line: here,
                        date,
                        first_line: listed_on.get(&date).copied().unwrap_or(here),
                    });
                }
                None => {}
            }
            let works_as = match &make_up.works_as {
                None => Weekday::Mon,
                Some(value) => Weekday::from_str(value.get_ref().trim()).map_err(|_| {
                    CalendarError::UnknownWeekday {
                        line: line(value.span()),
                        value: value.get_ref().clone(),
                    }
                })?,
            };
            listed_on.insert(date, here);
            days.insert(
                date,
                SpecialDay::MakeUp {
                    name: make_up.name.clone(),
                    works_as,
                },
            );
        }

        Ok(Self {
            year,
            source: file.source,
            days,
        })
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// Where the dates come from (the State Council notice), if the file says.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// Every holiday date with its festival name, in date order.
    pub fn holidays(&self) -> impl Iterator<Item = (NaiveDate, &str)> + '_ {
        self.days.iter().filter_map(|(date, day)| match day {
            SpecialDay::Holiday { name } => Some((*date, name.as_str())),
            SpecialDay::MakeUp { .. } => None,
        })
    }

    /// Every make-up working day with its festival name and whose hours it works, in date order.
    pub fn make_up_days(&self) -> impl Iterator<Item = (NaiveDate, &str, Weekday)> + '_ {
        self.days.iter().filter_map(|(date, day)| match day {
            SpecialDay::MakeUp { name, works_as } => Some((*date, name.as_str(), *works_as)),
            SpecialDay::Holiday { .. } => None,
        })
    }

    pub(crate) fn special(&self, date: NaiveDate) -> Option<&SpecialDay> {
        self.days.get(&date)
    }
}

impl FromStr for CalendarYear {
    type Err = CalendarError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_toml(text)
    }
}

/// A listed day in its public form: what [`CalendarYear::days`] yields and
/// [`CalendarYear::from_days`] takes, for storing a year elsewhere than in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YearDay {
    /// A public holiday (放假).
    Holiday { name: String },
    /// A make-up working day (调休上班), worked with the hours of `works_as`.
    MakeUp { name: String, works_as: Weekday },
}

impl CalendarYear {
    /// Builds a year from its listed days (a later entry for a date replaces an earlier one).
    /// A date outside `year` is refused, as in a file.
    pub fn from_days<I>(year: i32, source: Option<String>, days: I) -> Result<Self, CalendarError>
    where
        I: IntoIterator<Item = (NaiveDate, YearDay)>,
    {
        let mut map = BTreeMap::new();
        for (date, day) in days {
            if date.year() != year {
                return Err(CalendarError::NotInYear { date, year });
            }
            let day = match day {
                YearDay::Holiday { name } => SpecialDay::Holiday { name },
                YearDay::MakeUp { name, works_as } => SpecialDay::MakeUp { name, works_as },
            };
            map.insert(date, day);
        }
        Ok(Self {
            year,
            source,
            days: map,
        })
    }

    /// Every listed day, in date order.
    pub fn days(&self) -> impl Iterator<Item = (NaiveDate, YearDay)> + '_ {
        self.days.iter().map(|(date, day)| {
            let day = match day {
                SpecialDay::Holiday { name } => YearDay::Holiday { name: name.clone() },
                SpecialDay::MakeUp { name, works_as } => YearDay::MakeUp {
                    name: name.clone(),
                    works_as: *works_as,
                },
            };
            (*date, day)
        })
    }
}

/// The file as written; [`CalendarYear::from_toml`] turns it into the checked form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    source: Option<String>,
    #[serde(default)]
    holiday: Vec<HolidayEntry>,
    #[serde(default)]
    make_up_day: Vec<MakeUpEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayEntry {
    name: String,
    from: Spanned<Datetime>,
    to: Spanned<Datetime>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MakeUpEntry {
    name: String,
    date: Spanned<Datetime>,
    works_as: Option<Spanned<String>>,
}

/// A TOML local date (`2026-10-01`, unquoted); anything with a time or offset is refused.
fn plain_date(value: &Datetime) -> Option<NaiveDate> {
    match value {
        Datetime {
            date: Some(date),
            time: None,
            offset: None,
        } => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        ),
        _ => None,
    }
}

/// 1-based line of a byte offset, for error messages.
fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

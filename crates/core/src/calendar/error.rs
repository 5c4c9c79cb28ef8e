//! The one error type of the working calendar.

use chrono::{NaiveDate, Weekday};

/// Why a calendar file or a working-hours definition was rejected.
///
/// Calendar files are edited by hand once a year from a State Council notice, so the
/// messages name the line and the offending value: whoever updates `cn-2027.toml` should
/// be able to fix it without reading this code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// The text is not TOML, or a key is missing, misspelt or of the wrong type.
    #[error("invalid calendar file: {0}")]
    Toml(#[from] toml::de::Error),

    /// A TOML date carried a time or an offset, or did not exist (e.g. 2026-02-30).
    #[error("line {line}: `{value}` is not a plain date such as 2026-10-01")]
    NotADate { line: usize, value: String },

    /// A date outside the file's `year` is almost always a copy-paste slip from last year's file.
    #[error("line {line}: {date} is not in this file's year {year}")]
    DateOutsideYear {
        line: usize,
        date: NaiveDate,
        year: i32,
    },

    /// A listed day (not from a file) outside the year it is listed for.
    #[error("{date} is not in the year {year}")]
    NotInYear { date: NaiveDate, year: i32 },

    #[error("line {line}: holiday {name} runs from {from} to {to}; `from` must not be after `to`")]
    ReversedRange {
        line: usize,
        name: String,
        from: NaiveDate,
        to: NaiveDate,
    },

    #[error("line {line}: make-up working day {date} ({name}) falls inside the holiday {holiday}")]
    MakeUpDayIsHoliday {
        line: usize,
        date: NaiveDate,
        name: String,
        holiday: String,
    },

    /// Two holiday ranges overlap, or one make-up day is listed twice.
    #[error("line {line}: {date} is already listed on line {first_line}")]
    DuplicateDate {
        line: usize,
        date: NaiveDate,
        first_line: usize,
    },

    #[error("line {line}: works_as = \"{value}\" is not a weekday (use mon, tue, wed, thu, fri, sat or sun)")]
    UnknownWeekday { line: usize, value: String },

    /// A working period such as `"09:00-12:00"` could not be understood.
    #[error("working period `{period}` is invalid: {reason}")]
    InvalidPeriod { period: String, reason: String },

    #[error("{day}: working periods {first} and {second} overlap")]
    OverlappingPeriods {
        day: Weekday,
        first: String,
        second: String,
    },

    #[error("{day}: working hours are given twice")]
    DuplicateWeekday { day: Weekday },

    /// Without any working time in the week no deadline could ever fall due, so the
    /// deadline arithmetic would never finish.
    #[error("working hours must contain at least one period in the week")]
    NoWorkingTime,
}

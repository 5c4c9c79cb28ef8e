//! The span of years a date or an instant typed by someone may fall in, and the parsers that
//! hold every such value to it.
//!
//! chrono represents years far beyond any park's life (±262,143), and arithmetic near those
//! edges panics: `262143-W01` plus the seven days of a week, or `-262143-01-02` minus the 90
//! days of a default window, took the server down. Rather than check each later computation,
//! every date, week and instant that comes from outside (query strings, forms, JSON bodies,
//! `--now`, `--week`, `--until`) is held to [`YEARS`] where it is parsed, so nothing after the
//! boundary ever meets an extreme date. A century around the present leaves the working-time
//! maths, the weekly report's trend and every deadline far from chrono's limits.

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::error::ParseError;
use crate::rule::{Format, Rule};

/// The years a date, week or instant given from outside may fall in (UTC for instants, the
/// date as written for dates and ISO weeks).
pub const YEARS: RangeInclusive<i32> = 2000..=2100;

/// `year` if it lies in [`YEARS`], else an error naming `field`.
pub fn check_year(field: &'static str, year: i32) -> Result<i32, ParseError> {
    if YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(ParseError::new(
            field,
            Rule::Years {
                min: *YEARS.start(),
                max: *YEARS.end(),
            },
        ))
    }
}

/// `date` if its year lies in [`YEARS`].
pub fn check_date(field: &'static str, date: NaiveDate) -> Result<NaiveDate, ParseError> {
    check_year(field, date.year()).map(|_| date)
}

/// `at` if its (UTC) year lies in [`YEARS`].
pub fn check_instant(field: &'static str, at: DateTime<Utc>) -> Result<DateTime<Utc>, ParseError> {
    check_year(field, at.year()).map(|_| at)
}

/// A calendar date written `YYYY-MM-DD`, in [`YEARS`].
pub fn parse_date(field: &'static str, raw: &str) -> Result<NaiveDate, ParseError> {
    let raw = raw.trim();
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| ParseError::new(field, Rule::Format(Format::Date)))?;
    check_date(field, date)
}

/// An RFC 3339 instant with its offset (`2026-12-01T18:00:00+08:00`), in [`YEARS`].
pub fn parse_instant(field: &'static str, raw: &str) -> Result<DateTime<Utc>, ParseError> {
    let raw = raw.trim();
    let at = DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ParseError::new(field, Rule::Format(Format::DateTime)))?;
    check_instant(field, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_inside_the_span_parse_and_those_outside_are_refused() {
        assert_eq!(
            parse_date("d", " 2026-11-27 ").unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
        );
        assert!(parse_date("d", "2000-01-01").is_ok());
        assert!(parse_date("d", "2100-12-31").is_ok());
        for raw in ["1999-12-31", "2101-01-01", "-262143-01-02", "+262142-12-31"] {
            let e = parse_date("end_date", raw).unwrap_err();
            assert_eq!(e.field(), "end_date");
            assert!(matches!(e.rule(), Rule::Years { .. }), "{raw}: {e}");
            assert!(e.to_string().contains("out of range"), "{raw}: {e}");
        }
        assert!(parse_date("d", "2026-02-30").is_err());
        assert!(parse_date("d", "yesterday").is_err());
    }

    #[test]
    fn instants_are_held_to_the_span_in_utc() {
        let t = parse_instant("until", "2026-12-01T18:00:00+08:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-01T10:00:00+00:00");
        assert!(parse_instant("until", "+262142-12-31T23:59:59Z").is_err());
        assert!(parse_instant("until", "1970-01-01T00:00:00Z").is_err());
        assert!(parse_instant("until", "2026-12-01").is_err());
    }
}

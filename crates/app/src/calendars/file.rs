//! Calendar files as an operator brings them: the TOML format of `config/calendars/`, or a CSV
//! of `date,kind[,name]` lines. Refused whole, with the line and what is wrong on it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use gridloop_core::calendar::{CalendarYear, YearDay};

use super::CalendarProblem;
use crate::AppError;

/// What is wrong on a line of a CSV calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvProblem {
    #[error("expected date,kind or date,kind,name; found {found} fields")]
    FieldCount { found: usize },
    #[error("'{value}' is not a date such as 2027-01-01 (2000 to 2100)")]
    NotADate { value: String },
    #[error("{date} is not in the year {year} of the first date")]
    OtherYear { date: NaiveDate, year: i32 },
    #[error("{date} is already listed on line {first_line}")]
    Repeated { date: NaiveDate, first_line: usize },
    #[error("'{value}' is not a kind (holiday or workday)")]
    UnknownKind { value: String },
    #[error("no dates: expected lines of date,kind")]
    Empty,
}

/// The formats [`parse`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Toml,
    Csv,
}

impl FileFormat {
    /// `toml` or `csv`; anything else is refused naming `field`.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, AppError> {
        match raw.trim() {
            "toml" => Ok(Self::Toml),
            "csv" => Ok(Self::Csv),
            _ => Err(gridloop_core::ParseError::new(
                field,
                gridloop_core::Rule::OneOf {
                    allowed: &["toml", "csv"],
                },
            )
            .into()),
        }
    }
}

/// Parses a calendar file: the TOML format of `config/calendars/` or lines of
/// `date,kind[,name]` (kind `holiday` or `workday`; blank lines, `#` comments and a
/// `date,kind` header skipped), all dates in one year. Refused whole, with the line and reason.
pub fn parse(text: &str, format: FileFormat) -> Result<CalendarYear, AppError> {
    let refused = |p| AppError::Calendar(p);
    match format {
        FileFormat::Toml => {
            CalendarYear::from_toml(text).map_err(|e| refused(CalendarProblem::File(e)))
        }
        FileFormat::Csv => parse_csv(text).map_err(refused),
    }
}

fn parse_csv(text: &str) -> Result<CalendarYear, CalendarProblem> {
    let mut year = None;
    let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    let mut days = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let refuse = |problem| CalendarProblem::Csv { line, problem };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = trimmed.split(',').map(str::trim).collect();
        if fields.len() >= 2 && fields[0] == "date" && fields[1] == "kind" {
            continue;
        }
        if !(2..=3).contains(&fields.len()) {
            return Err(refuse(CsvProblem::FieldCount {
                found: fields.len(),
            }));
        }
        let date = gridloop_core::dates::parse_date("date", fields[0]).map_err(|_| {
            refuse(CsvProblem::NotADate {
                value: fields[0].chars().take(40).collect(),
            })
        })?;
        let first = *year.get_or_insert(date.year());
        if date.year() != first {
            return Err(refuse(CsvProblem::OtherYear { date, year: first }));
        }
        if let Some(first_line) = seen.insert(date, line) {
            return Err(refuse(CsvProblem::Repeated { date, first_line }));
        }
        let name = fields.get(2).copied().unwrap_or("").to_owned();
        let day = match fields[1] {
            "holiday" => YearDay::Holiday { name },
            "workday" => YearDay::MakeUp {
                name,
                works_as: super::MAKE_UP_WORKS_AS,
            },
            other => {
                return Err(refuse(CsvProblem::UnknownKind {
                    value: other.chars().take(40).collect(),
                }))
            }
        };
        days.push((date, day));
    }
    let Some(year) = year else {
        return Err(CalendarProblem::Csv {
            line: text.lines().count().max(1),
            problem: CsvProblem::Empty,
        });
    };
    CalendarYear::from_days(year, None, days).map_err(CalendarProblem::File)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_problem(text: &str) -> (usize, CsvProblem) {
        match parse(text, FileFormat::Csv) {
            Err(AppError::Calendar(CalendarProblem::Csv { line, problem })) => (line, problem),
            other => panic!("expected a CSV refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_csv_is_refused_whole_with_the_line_and_reason() {
        assert_eq!(
            csv_problem("date,kind\n2027-01-01,holiday\n2027-02-30,holiday\n"),
            (
                3,
                CsvProblem::NotADate {
                    value: "2027-02-30".into()
                }
            )
        );
        assert!(matches!(
            csv_problem("2027-01-01,holiday\n2026-12-31,holiday\n"),
            (2, CsvProblem::OtherYear { year: 2027, .. })
        ));
        assert!(matches!(
            csv_problem("2027-01-01,holiday\n2027-01-01,workday\n"),
            (2, CsvProblem::Repeated { first_line: 1, .. })
        ));
        assert!(matches!(
            csv_problem("2027-01-01,vacation\n"),
            (1, CsvProblem::UnknownKind { .. })
        ));
        assert!(matches!(
            csv_problem("2027-01-01\n"),
            (1, CsvProblem::FieldCount { found: 1 })
        ));
        assert!(matches!(csv_problem("# nothing\n"), (1, CsvProblem::Empty)));
    }

    #[test]
    fn a_csv_year_has_its_holidays_and_make_up_days() {
        let year = parse(
            "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-20,workday,春节调休\n",
            FileFormat::Csv,
        )
        .expect("a year");
        assert_eq!(year.year(), 2027);
        assert_eq!(year.days().count(), 2);
    }
}

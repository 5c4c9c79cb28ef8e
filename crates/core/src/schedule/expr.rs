//! [`CronExpr`]: an ordinary crontab line, parsed once at the boundary.
//!
//! People write crontab lines the way `man 5 crontab` taught them: five fields, weekdays
//! numbered 0–7 with both 0 and 7 meaning Sunday, names such as `mon-fri`, and the `@daily`
//! family of aliases. The `cron` crate that does the calendar search wants something else
//! (seconds first, Sunday = 1, no 0), and a line that means Monday to a person means Sunday
//! to it. So this module parses every field itself, expands it into the explicit set of
//! values it stands for, and hands the `cron` crate only plain numbers in its own numbering.
//! Nothing the user typed reaches the `cron` crate's parser unchecked, and every error names
//! the field it is about.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::Rule;

/// The first and last years the `cron` crate searches; outside them there are no occurrences.
pub(crate) const FIRST_YEAR: i32 = 1970;
pub(crate) const LAST_YEAR: i32 = 2100;

/// A validated cron expression in ordinary crontab syntax.
///
/// Accepted forms:
///
/// * five fields, `minute hour day-of-month month day-of-week` (seconds are 0);
/// * six fields with seconds first, `second minute hour day-of-month month day-of-week`;
/// * the aliases `@yearly`, `@annually`, `@monthly`, `@weekly` (Sunday 00:00), `@daily`,
///   `@midnight` and `@hourly`.
///
/// Each field is a comma-separated list of `*`, `n`, `a-b`, optionally followed by `/step`;
/// `n/step` means `n-max/step`. Months may be written `JAN`–`DEC` and weekdays `SUN`–`SAT`
/// (any case). Weekdays are numbered as in crontab: 0 or 7 is Sunday, 1 Monday … 6 Saturday;
/// a weekday range may wrap past Sunday (`FRI-MON`, `6-0`). Other ranges must run upwards.
///
/// Like Vixie cron, when both the day-of-month and the day-of-week fields are restricted
/// (neither starts with `*`) a day matches if *either* matches: `0 9 1 * MON` fires on the 1st
/// and on every Monday. If either starts with `*`, both must match.
///
/// The text is kept as the user wrote it (trimmed) for [`Display`](fmt::Display) and serde.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CronExpr {
    source: String,
    /// One `cron` schedule, or two whose union is meant when both day fields are restricted
    /// (the `cron` crate only knows "both must match").
    parts: Vec<cron::Schedule>,
    fixed_time: bool,
}

impl CronExpr {
    /// Parses a crontab line; see the type's documentation for the accepted syntax.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let source = text.trim();
        if source.is_empty() {
            return Err(err(CronProblem::Empty));
        }
        let expanded = if source.starts_with('@') {
            alias(source)?
        } else {
            source
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let (seconds, rest) = match fields.len() {
            5 => ("0", &fields[..]),
            6 => (fields[0], &fields[1..]),
            found => return Err(err(CronProblem::FieldCount { found })),
        };
        let [minute, hour, dom, month, dow] = [rest[0], rest[1], rest[2], rest[3], rest[4]];

        let sec_set = parse_field(&SECOND, seconds)?;
        let min_set = parse_field(&MINUTE, minute)?;
        let hour_set = parse_field(&HOUR, hour)?;
        let dom_set = parse_field(&DAY_OF_MONTH, dom)?;
        let month_set = parse_field(&MONTH, month)?;
        let dow_set = parse_field(&DAY_OF_WEEK, dow)?;

        let head = format!(
            "{} {} {}",
            emit(&SECOND, &sec_set),
            emit(&MINUTE, &min_set),
            emit(&HOUR, &hour_set)
        );
        let month_text = emit(&MONTH, &month_set);
        let dom_text = emit(&DAY_OF_MONTH, &dom_set);
        let dow_text = emit_weekdays(&dow_set);
        let texts = if dom.starts_with('*') || dow.starts_with('*') {
            vec![format!("{head} {dom_text} {month_text} {dow_text}")]
        } else {
            vec![
                format!("{head} {dom_text} {month_text} *"),
                format!("{head} * {month_text} {dow_text}"),
            ]
        };
        let parts = texts
            .iter()
            .map(|t| {
                // Only plain numbers reach the `cron` crate, so this cannot fail on input.
                cron::Schedule::from_str(t).map_err(|_| err(CronProblem::Untranslatable))
            })
            .collect::<Result<Vec<_>, _>>()?;

        let expr = CronExpr {
            source: source.to_owned(),
            parts,
            fixed_time: ![seconds, minute, hour].iter().any(|f| f.starts_with('*')),
        };
        // A line such as `0 0 30 2 *` parses field by field but never fires; say so now
        // rather than let a plan silently never run.
        let start = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .ok_or_else(|| err(CronProblem::Untranslatable))?;
        if expr.next_local(start).is_none() {
            return Err(err(CronProblem::NeverFires));
        }
        Ok(expr)
    }

    /// The text as the user wrote it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the second, minute and hour fields are all fixed (none starts with `*`).
    ///
    /// Decides the daylight-saving rule (see [`Schedule`](super::Schedule)): a fixed-time job
    /// runs once per local day however the clock moves; a wildcard job follows real time.
    pub fn is_fixed_time(&self) -> bool {
        self.fixed_time
    }

    /// The first matching local wall-clock time strictly after `after`, ignoring time zones.
    pub(crate) fn next_local(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        use chrono::Datelike;
        if after.year() > LAST_YEAR {
            return None;
        }
        let floor = NaiveDate::from_ymd_opt(FIRST_YEAR - 1, 12, 31)?.and_hms_opt(23, 59, 59)?;
        let after = after.max(floor).and_utc();
        self.parts
            .iter()
            .filter_map(|s| s.after(&after).next())
            .min()
            .map(|t| t.naive_utc())
    }

    /// The last matching local wall-clock time strictly before `before`, ignoring time zones.
    pub(crate) fn prev_local(&self, before: NaiveDateTime) -> Option<NaiveDateTime> {
        use chrono::Datelike;
        if before.year() < FIRST_YEAR {
            return None;
        }
        let ceiling = NaiveDate::from_ymd_opt(LAST_YEAR + 1, 1, 1)?.and_hms_opt(0, 0, 0)?;
        let before = before.min(ceiling).and_utc();
        self.parts
            .iter()
            .filter_map(|s| s.after(&before).next_back())
            .max()
            .map(|t| t.naive_utc())
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl FromStr for CronExpr {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CronExpr {
    type Error = ParseError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CronExpr> for String {
    fn from(value: CronExpr) -> Self {
        value.source
    }
}

/// Why a crontab line does not parse. It names the part of the line at fault, never the
/// characters typed there: the person who typed them has them in front of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CronProblem {
    Empty,
    /// Not five fields (or six with seconds first): `found` of them.
    FieldCount {
        found: usize,
    },
    /// An `@` word that is not one of the aliases.
    UnknownAlias,
    EmptyListItem {
        part: CronField,
    },
    /// A range such as `17-9` outside the day of week, where wrapping means something.
    Backwards {
        part: CronField,
    },
    StepNotNumber {
        part: CronField,
    },
    StepZero {
        part: CronField,
    },
    StepTooLarge {
        part: CronField,
    },
    MissingValue {
        part: CronField,
    },
    OutOfRange {
        part: CronField,
    },
    /// Neither a number nor one of the part's names (`JAN`, `MON`).
    NotAValue {
        part: CronField,
    },
    /// Parses, but no day matches the day-of-month and month fields together (`0 0 30 2 *`).
    NeverFires,
    /// The line could not be handed to the calendar search (a bug, not the input's fault).
    Untranslatable,
}

/// The fields of a crontab line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CronField {
    Second,
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl CronField {
    pub const ALL: [CronField; 6] = [
        Self::Second,
        Self::Minute,
        Self::Hour,
        Self::DayOfMonth,
        Self::Month,
        Self::DayOfWeek,
    ];

    /// The field's name as `man 5 crontab` calls it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Second => "second",
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::DayOfMonth => "day of month",
            Self::Month => "month",
            Self::DayOfWeek => "day of week",
        }
    }

    /// What a valid value looks like.
    pub fn hint(self) -> &'static str {
        self.field().hint
    }

    fn field(self) -> &'static Field {
        match self {
            Self::Second => &SECOND,
            Self::Minute => &MINUTE,
            Self::Hour => &HOUR,
            Self::DayOfMonth => &DAY_OF_MONTH,
            Self::Month => &MONTH,
            Self::DayOfWeek => &DAY_OF_WEEK,
        }
    }
}

impl fmt::Display for CronField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for CronProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Empty => f.write_str("is empty; expected five fields such as `0 9 * * MON`"),
            Self::FieldCount { found } => write!(
                f,
                "expected 5 fields (minute hour day-of-month month day-of-week) \
                 or 6 with seconds first, found {found}"
            ),
            Self::UnknownAlias => f.write_str(
                "unknown alias; use one of @yearly, @annually, @monthly, @weekly, @daily, \
                 @midnight, @hourly",
            ),
            Self::EmptyListItem { part } => write!(f, "{part}: empty list item"),
            Self::Backwards { part } => write!(
                f,
                "{part}: a range runs backwards; write the smaller value first"
            ),
            Self::StepNotNumber { part } => {
                write!(f, "{part}: a step is not a positive whole number")
            }
            Self::StepZero { part } => write!(f, "{part}: step must be at least 1"),
            Self::StepTooLarge { part } => write!(
                f,
                "{part}: a step is larger than the field's range ({})",
                part.hint()
            ),
            Self::MissingValue { part } => write!(f, "{part}: a range is missing a value"),
            Self::OutOfRange { part } => {
                write!(f, "{part}: a value is out of range ({})", part.hint())
            }
            Self::NotAValue { part } => {
                let what = match part {
                    CronField::Month => "a month",
                    CronField::DayOfWeek => "a weekday",
                    _ => "a number",
                };
                write!(f, "{part}: a value is not {what} ({})", part.hint())
            }
            Self::NeverFires => f.write_str(
                "never fires: no day matches the day-of-month and month fields together",
            ),
            Self::Untranslatable => f.write_str("could not be translated for the calendar search"),
        }
    }
}

fn err(problem: CronProblem) -> ParseError {
    ParseError::new("schedule", Rule::Cron(problem))
}

/// The `@` aliases, as the five-field lines they stand for.
fn alias(text: &str) -> Result<&'static str, ParseError> {
    Ok(match text.to_ascii_lowercase().as_str() {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        _ => return Err(err(CronProblem::UnknownAlias)),
    })
}

/// What one field accepts.
struct Field {
    part: CronField,
    min: u32,
    max: u32,
    /// Names and the numbers they stand for.
    names: &'static [(&'static str, u32)],
    /// What a valid value looks like, for error messages.
    hint: &'static str,
    /// Weekdays: ranges may wrap past Sunday and 7 means 0.
    weekday: bool,
}

const SECOND: Field = Field {
    part: CronField::Second,
    min: 0,
    max: 59,
    names: &[],
    hint: "0-59",
    weekday: false,
};
const MINUTE: Field = Field {
    part: CronField::Minute,
    min: 0,
    max: 59,
    names: &[],
    hint: "0-59",
    weekday: false,
};
const HOUR: Field = Field {
    part: CronField::Hour,
    min: 0,
    max: 23,
    names: &[],
    hint: "0-23",
    weekday: false,
};
const DAY_OF_MONTH: Field = Field {
    part: CronField::DayOfMonth,
    min: 1,
    max: 31,
    names: &[],
    hint: "1-31",
    weekday: false,
};
const MONTH: Field = Field {
    part: CronField::Month,
    min: 1,
    max: 12,
    names: &[
        ("JAN", 1),
        ("FEB", 2),
        ("MAR", 3),
        ("APR", 4),
        ("MAY", 5),
        ("JUN", 6),
        ("JUL", 7),
        ("AUG", 8),
        ("SEP", 9),
        ("OCT", 10),
        ("NOV", 11),
        ("DEC", 12),
    ],
    hint: "1-12 or JAN-DEC",
    weekday: false,
};
const DAY_OF_WEEK: Field = Field {
    part: CronField::DayOfWeek,
    min: 0,
    max: 7,
    names: &[
        ("SUN", 0),
        ("MON", 1),
        ("TUE", 2),
        ("WED", 3),
        ("THU", 4),
        ("FRI", 5),
        ("SAT", 6),
    ],
    hint: "0-7 with 0 and 7 both Sunday, or SUN-SAT",
    weekday: true,
};

/// Expands one field into the set of values it matches (weekdays as 0–6, Sunday = 0).
fn parse_field(field: &Field, text: &str) -> Result<BTreeSet<u32>, ParseError> {
    let part = field.part;
    let mut set = BTreeSet::new();
    for item in text.split(',') {
        if item.is_empty() {
            return Err(err(CronProblem::EmptyListItem { part }));
        }
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(parse_step(field, step)?)),
            None => (item, None),
        };
        let (lo, hi) = if range == "*" {
            (field.min, field.max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(field, a)?, value(field, b)?)
        } else {
            let v = value(field, range)?;
            // `5/15` is the common shorthand for `5-max/15`.
            (v, if step.is_some() { field.max } else { v })
        };
        let values: Vec<u32> = if lo <= hi {
            (lo..=hi).collect()
        } else if field.weekday {
            // `FRI-MON`, `6-0`, `7-1`: wrap past Sunday, counting Sunday once.
            let lo = lo % 7;
            if lo <= hi {
                (lo..=hi).collect()
            } else {
                (lo..=6).chain(0..=hi).collect()
            }
        } else {
            return Err(err(CronProblem::Backwards { part }));
        };
        let step = usize::try_from(step.unwrap_or(1)).unwrap_or(usize::MAX);
        for v in values.into_iter().step_by(step) {
            set.insert(if field.weekday { v % 7 } else { v });
        }
    }
    Ok(set)
}

fn parse_step(field: &Field, text: &str) -> Result<u32, ParseError> {
    let part = field.part;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(CronProblem::StepNotNumber { part }));
    }
    match text.parse::<u32>() {
        Ok(0) => Err(err(CronProblem::StepZero { part })),
        Ok(step) if step <= field.max => Ok(step),
        _ => Err(err(CronProblem::StepTooLarge { part })),
    }
}

fn value(field: &Field, text: &str) -> Result<u32, ParseError> {
    let part = field.part;
    if text.is_empty() {
        return Err(err(CronProblem::MissingValue { part }));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u32>() {
            Ok(v) if (field.min..=field.max).contains(&v) => Ok(v),
            _ => Err(err(CronProblem::OutOfRange { part })),
        };
    }
    let upper = text.to_ascii_uppercase();
    if let Some(&(_, v)) = field.names.iter().find(|(n, _)| *n == upper) {
        return Ok(v);
    }
    Err(err(CronProblem::NotAValue { part }))
}

/// A field's set as `cron` crate text: `*` when full, else the explicit list.
fn emit(field: &Field, set: &BTreeSet<u32>) -> String {
    if set.len() == (field.min..=field.max).count() {
        "*".to_owned()
    } else {
        join(set.iter().copied())
    }
}

/// Weekdays (0 = Sunday … 6 = Saturday) in the `cron` crate's numbering (1 = Sunday … 7).
fn emit_weekdays(set: &BTreeSet<u32>) -> String {
    if set.len() == 7 {
        "*".to_owned()
    } else {
        join(set.iter().map(|d| d + 1))
    }
}

fn join(values: impl Iterator<Item = u32>) -> String {
    values.map(|v| v.to_string()).collect::<Vec<_>>().join(",")
}

//! The working calendar: read from the built-in years and the configured folder of per-year
//! files, stored in the database on first start and built from it; and the working-time maths
//! as use cases ([`due`], [`between`]).
//!
//! # Layout
//!
//! - this file: the calendar built from files and from the stored years, the working-time
//!   maths, and [`CalendarProblem`] (why a calendar change is refused).
//! - [`file`]: calendar files (TOML, CSV) parsed, refused whole with the line.
//! - [`change`]: a year imported or a day set, audited, and the open deadlines the change
//!   moves recomputed in the same transaction (or listed, in a dry run).
//! - [`live`]: the calendar in force on every instance, following the stored one.
//! - [`missing`]: next year's calendar missing: the warning, the banner's question, the
//!   admins' notification.

pub mod change;
pub mod file;
pub mod live;
pub mod missing;

pub use change::{
    import, set_day, years, CalendarChanged, ChangedBy, DayChange, Mode, MovedDeadlines,
};
pub use file::{parse as parse_file, CsvProblem, FileFormat};
pub use missing::{check_next_year, next_year_missing, warn_if_next_year_missing, watch_next_year};

use std::path::Path;

use chrono::{DateTime, Datelike, Utc};
use gridloop_core::calendar::CalendarYear;
use gridloop_core::Calendar;

use crate::error::SetupError;
use crate::settings::CalendarSettings;
use gridloop_store::{NewCalendarYear, StoredCalendarYear};

/// Builds the calendar from the files alone: the years built into the binary, then every
/// `<region>-<year>.toml` of the folder (a file replaces a built-in year). A missing folder is
/// not an error: a user who runs the binary outside the repository still gets 2026. A malformed
/// file is an error, since wrong holidays silently move every deadline.
pub fn load(settings: &CalendarSettings, now: DateTime<Utc>) -> Result<Calendar, SetupError> {
    let calendar = from_files(settings)?;
    warn_missing(&calendar, settings, now);
    Ok(calendar)
}

/// Builds the calendar from the database, which every instance shares: first the years of the
/// files ([`load`]'s) that the database lacks are stored (on a fresh database, all of them,
/// audited as `seed`), then the calendar is made of the stored years. A year once stored is
/// changed only through the calendar commands, never by a file.
///
/// The zone and weekly hours are as [`from_stored`] says.
pub async fn load_stored(
    store: &gridloop_store::Store,
    settings: &CalendarSettings,
    now: DateTime<Utc>,
) -> Result<Calendar, SetupError> {
    let files = from_files(settings)?;
    let seeds: Vec<NewCalendarYear> = files
        .years()
        .map(|year| NewCalendarYear {
            region: settings.region.clone(),
            time_zone: settings.time_zone,
            hours: settings.hours.clone(),
            year: year.clone(),
        })
        .collect();
    let seeded = store.seed_calendar_years(seeds, now).await?;
    if !seeded.is_empty() {
        tracing::info!(region = %settings.region, ?seeded, "stored calendar years from the built-in years and the calendar files");
    }
    let stored = store.calendar_years(&settings.region).await?;
    let calendar = from_stored(&stored, settings, now);
    warn_missing(&calendar, settings, now);
    Ok(calendar)
}

/// The calendar of `stored` years: one zone, that of the current year (else of the latest
/// stored year; else the settings'); each year's own weekly hours, and for years not stored the
/// current year's hours.
pub fn from_stored(
    stored: &[StoredCalendarYear],
    settings: &CalendarSettings,
    now: DateTime<Utc>,
) -> Calendar {
    let this_year = now.with_timezone(&settings.time_zone).year();
    let (tz, hours) = stored
        .iter()
        .find(|y| y.year.year() == this_year)
        .or_else(|| stored.last())
        .map_or((settings.time_zone, settings.hours.clone()), |y| {
            (y.time_zone, y.hours.clone())
        });
    stored.iter().fold(Calendar::new(tz, hours), |calendar, y| {
        calendar
            .with_year(y.year.clone())
            .with_year_hours(y.year.year(), y.hours.clone())
    })
}

fn from_files(settings: &CalendarSettings) -> Result<Calendar, SetupError> {
    let mut calendar = Calendar::default_china();
    let builtin: Vec<CalendarYear> = calendar.years().cloned().collect();
    calendar = Calendar::new(settings.time_zone, settings.hours.clone());
    if settings.region == "cn" {
        for year in builtin {
            calendar = calendar.with_year(year);
        }
    }
    add_folder(calendar, &settings.dir, &settings.region)
}

fn warn_missing(calendar: &Calendar, settings: &CalendarSettings, now: DateTime<Utc>) {
    // Deadlines fall in this year: a missing file is wrong deadlines now, so warn. Next year's
    // file is often published late in the year; until then say so quietly.
    let this_year = now.with_timezone(&settings.time_zone).year();
    for year in calendar.missing_years(this_year..=this_year + 1) {
        let folder = settings.dir.display();
        let file = format!("{}-{year}.toml", settings.region);
        if year == this_year {
            tracing::warn!(year, %folder, "no holiday calendar for {year}: counting plain Monday-to-Friday weeks; add {file}");
        } else {
            tracing::info!(year, %folder, "no holiday calendar for {year} yet: deadlines reaching into it count plain weeks; add {file}");
        }
    }
}

fn add_folder(mut calendar: Calendar, dir: &Path, region: &str) -> Result<Calendar, SetupError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(calendar),
        Err(e) => return Err(SetupError::failed(format!("reading {}", dir.display()), e)),
    };
    let prefix = format!("{region}-");
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "toml")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix))
        })
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| SetupError::failed(format!("reading {}", path.display()), e))?;
        let year = CalendarYear::from_toml(&text).map_err(|e| {
            SetupError::failed(format!("parsing the calendar {}", path.display()), e)
        })?;
        calendar = calendar.with_year(year);
    }
    Ok(calendar)
}

/// The most working minutes `calendar due` adds: some ten years of office hours, far beyond any
/// SLA, and quick to step through.
pub const MAX_DUE_MINUTES: u32 = 10 * 250 * 8 * 60;

/// When `minutes` working minutes from `from` have passed, in UTC and in the calendar's zone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Due {
    pub from: DateTime<Utc>,
    pub minutes: u32,
    pub due: DateTime<Utc>,
    /// `due` as the local wall clock reads it (RFC 3339 with the zone's offset).
    pub due_local: String,
    pub time_zone: String,
}

/// The deadline `minutes` working minutes after `from`: the SLA maths as a use case.
///
/// `minutes` above [`MAX_DUE_MINUTES`] is refused, naming `field`.
pub fn due(calendar: &Calendar, from: DateTime<Utc>, minutes: u32) -> Result<Due, crate::AppError> {
    if minutes > MAX_DUE_MINUTES {
        return Err(gridloop_core::ParseError::new(
            "minutes",
            gridloop_core::rule::Rule::Minutes {
                min: 0,
                max: MAX_DUE_MINUTES,
            },
        )
        .into());
    }
    let due = calendar.add_working_minutes(from, minutes);
    Ok(Due {
        from,
        minutes,
        due,
        due_local: due.with_timezone(&calendar.tz()).to_rfc3339(),
        time_zone: calendar.tz().name().to_owned(),
    })
}

/// Working minutes between two instants, in whichever order they are given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Between {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub minutes: u32,
    pub time_zone: String,
}

/// Working minutes in `[a, b)`; if `b` comes before `a` the two swap (the answer is never
/// negative, so a script need not order them).
pub fn between(calendar: &Calendar, a: DateTime<Utc>, b: DateTime<Utc>) -> Between {
    let (from, to) = if b < a { (b, a) } else { (a, b) };
    Between {
        from,
        to,
        minutes: calendar.working_minutes_between(from, to),
        time_zone: calendar.tz().name().to_owned(),
    }
}

/// The weekday whose hours a make-up working day entered without one (a CSV line, a day set)
/// is worked with: Monday, the first full working day.
pub const MAKE_UP_WORKS_AS: chrono::Weekday = chrono::Weekday::Mon;

/// Why a calendar change was refused; nothing was changed. A front end says it in its own
/// words (the web in the page's language), so it is data: the line and what is wrong on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarProblem {
    /// A TOML calendar file that does not parse or check, with its line.
    #[error("{0}")]
    File(gridloop_core::CalendarError),
    /// A CSV line that is not `date,kind[,name]`, with the line and what is wrong on it.
    #[error("line {line}: {problem}")]
    Csv { line: usize, problem: CsvProblem },
    /// The year would have no working day at all: every deadline in it would run on forever.
    #[error("{year} would have no working day")]
    NoWorkingDay { year: i32 },
}

//! The working calendar: read from the built-in years and the configured folder of per-year
//! files, stored in the database on first start and built from it; and the working-time maths
//! as use cases ([`due`], [`between`]).

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
/// The time zone and weekly hours are those stored with the current year (else with the latest
/// stored year; else the settings'): the working-time maths has one zone and one week.
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

/// The calendar of `stored` years (see [`load_stored`] for the zone and hours).
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
        calendar.with_year(y.year.clone())
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

/// Why a calendar change was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum CalendarRefused {
    /// A TOML calendar file that does not parse or check, with its line.
    #[error("{0}")]
    File(#[from] gridloop_core::CalendarError),
    /// A CSV line that is not `date,kind[,name]`, with the line and the reason.
    #[error("line {line}: {reason}")]
    Csv { line: usize, reason: String },
    /// The year would have no working day at all: every deadline in it would run on forever.
    #[error("{year} would have no working day")]
    NoWorkingDay { year: i32 },
    /// A note longer than [`MAX_NOTE_CHARS`] or spanning lines.
    #[error("--note: {0}")]
    Note(&'static str),
    #[error(transparent)]
    App(#[from] crate::AppError),
}

/// The longest note (a day's name) a change may carry.
pub const MAX_NOTE_CHARS: usize = 100;

/// What `calendar set` makes of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayChange {
    /// A public holiday: no working time.
    Holiday,
    /// A make-up working day, worked with Monday's hours.
    Workday,
    /// Back to what the weekly hours say.
    Normal,
}

impl std::str::FromStr for DayChange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "holiday" => Ok(Self::Holiday),
            "workday" => Ok(Self::Workday),
            "normal" => Ok(Self::Normal),
            other => Err(format!(
                "'{other}' is not a kind of day (holiday, workday or normal)"
            )),
        }
    }
}

/// Who made a change, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedBy {
    pub user: Option<gridloop_core::UserId>,
    pub login: String,
}

impl ChangedBy {
    /// An admin changing calendars (the API): anyone else is refused.
    pub fn admin(
        actor: &gridloop_core::Actor,
        login: &gridloop_core::Login,
    ) -> Result<Self, crate::AppError> {
        if !actor.has_role(gridloop_core::Role::Admin) {
            return Err(crate::AppError::NotPermitted {
                doing: crate::Doing::Administer,
                roles: &[gridloop_core::Role::Admin],
            });
        }
        Ok(Self {
            user: Some(actor.user),
            login: login.to_string(),
        })
    }

    /// The operator at the command line (who has the database already).
    pub fn operator() -> Self {
        Self {
            user: None,
            login: "operator".into(),
        }
    }
}

/// Parses a calendar file: the TOML format of `config/calendars/` or, when `csv`, lines of
/// `date,kind[,name]` (kind `holiday` or `workday`; blank lines, `#` comments and a
/// `date,kind` header skipped), all dates in one year. Refused whole, with the line and reason.
pub fn parse_file(text: &str, csv: bool) -> Result<CalendarYear, CalendarRefused> {
    if !csv {
        return Ok(CalendarYear::from_toml(text)?);
    }
    let mut year = None;
    let mut seen: std::collections::BTreeMap<chrono::NaiveDate, usize> = Default::default();
    let mut days = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let refuse = |reason: String| CalendarRefused::Csv { line, reason };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = trimmed.split(',').map(str::trim).collect();
        if fields.len() >= 2 && fields[0] == "date" && fields[1] == "kind" {
            continue;
        }
        if !(2..=3).contains(&fields.len()) {
            return Err(refuse(format!(
                "expected date,kind or date,kind,name; found {} fields",
                fields.len()
            )));
        }
        let date = gridloop_core::dates::parse_date("date", fields[0]).map_err(|_| {
            refuse(format!(
                "'{}' is not a date such as 2027-01-01 (2000 to 2100)",
                fields[0]
            ))
        })?;
        let first = *year.get_or_insert(date.year());
        if date.year() != first {
            return Err(refuse(format!(
                "{date} is not in the year {first} of the first date"
            )));
        }
        if let Some(first_line) = seen.insert(date, line) {
            return Err(refuse(format!(
                "{date} is already listed on line {first_line}"
            )));
        }
        let name = fields.get(2).copied().unwrap_or("").to_owned();
        let day = match fields[1] {
            "holiday" => gridloop_core::calendar::YearDay::Holiday { name },
            "workday" => gridloop_core::calendar::YearDay::MakeUp {
                name,
                works_as: chrono::Weekday::Mon,
            },
            other => {
                return Err(refuse(format!(
                    "'{other}' is not a kind (holiday or workday)"
                )))
            }
        };
        days.push((date, day));
    }
    let Some(year) = year else {
        return Err(CalendarRefused::Csv {
            line: text.lines().count().max(1),
            reason: "no dates: expected lines of date,kind".into(),
        });
    };
    Ok(CalendarYear::from_days(year, None, days)?)
}

/// Stores `year` for `region`, replacing what was stored for it, audited as an import. The
/// zone and weekly hours are kept (those of the running calendar for a new year).
pub async fn import(
    state: &crate::AppState,
    by: &ChangedBy,
    region: &str,
    year: CalendarYear,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<StoredCalendarYear, CalendarRefused> {
    let number = year.year();
    let note = checked_note(note)?;
    put(
        state,
        by,
        region,
        number,
        None,
        note,
        "import",
        move |_| Ok(year),
        now,
    )
    .await
}

/// Makes `date` a holiday, a make-up working day or a normal day again, audited with `note`
/// (also the day's name).
pub async fn set_day(
    state: &crate::AppState,
    by: &ChangedBy,
    region: &str,
    date: chrono::NaiveDate,
    change: DayChange,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<StoredCalendarYear, CalendarRefused> {
    let note = checked_note(note)?;
    let name = note.clone().unwrap_or_default();
    let edit = move |old: Option<&CalendarYear>| {
        use gridloop_core::calendar::YearDay;
        let mut days: Vec<_> = old.map(|y| y.days().collect()).unwrap_or_default();
        days.retain(|(d, _)| *d != date);
        match change {
            DayChange::Holiday => days.push((date, YearDay::Holiday { name })),
            DayChange::Workday => days.push((
                date,
                YearDay::MakeUp {
                    name,
                    works_as: chrono::Weekday::Mon,
                },
            )),
            DayChange::Normal => {}
        }
        let source = old.and_then(|y| y.source().map(str::to_owned));
        Ok(CalendarYear::from_days(date.year(), source, days)?)
    };
    put(
        state,
        by,
        region,
        date.year(),
        Some(date),
        note,
        "set",
        edit,
        now,
    )
    .await
}

/// The stored years of `region`.
pub async fn years(
    state: &crate::AppState,
    region: &str,
) -> Result<Vec<StoredCalendarYear>, crate::AppError> {
    state
        .store
        .calendar_years(region)
        .await
        .map_err(crate::AppError::from)
}

fn checked_note(note: Option<String>) -> Result<Option<String>, CalendarRefused> {
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if let Some(n) = &note {
        if n.chars().count() > MAX_NOTE_CHARS {
            return Err(CalendarRefused::Note("longer than 100 characters"));
        }
        if n.chars().any(char::is_control) {
            return Err(CalendarRefused::Note(
                "must be one line without control characters",
            ));
        }
    }
    Ok(note)
}

#[allow(clippy::too_many_arguments)]
async fn put(
    state: &crate::AppState,
    by: &ChangedBy,
    region: &str,
    year: i32,
    day: Option<chrono::NaiveDate>,
    note: Option<String>,
    action: &'static str,
    edit: impl FnOnce(Option<&CalendarYear>) -> Result<CalendarYear, CalendarRefused>,
    now: DateTime<Utc>,
) -> Result<StoredCalendarYear, CalendarRefused> {
    gridloop_core::dates::check_year("year", year).map_err(crate::AppError::from)?;
    let store = &state.store;
    let old = store
        .calendar_year(region, year)
        .await
        .map_err(crate::AppError::from)?;
    let calendar = state.workflow.calendar();
    let (time_zone, hours) = old.as_ref().map_or_else(
        || (calendar.tz(), calendar.hours().clone()),
        |o| (o.time_zone, o.hours.clone()),
    );
    let new_year = edit(old.as_ref().map(|o| &o.year))?;
    let check = Calendar::new(time_zone, hours.clone()).with_year(new_year.clone());
    let has_work = chrono::NaiveDate::from_yo_opt(year, 1)
        .into_iter()
        .flat_map(|d| d.iter_days())
        .take_while(|d| d.year() == year)
        .any(|d| check.is_working_day(d));
    if !has_work {
        return Err(CalendarRefused::NoWorkingDay { year });
    }
    let stored = store
        .put_calendar_year(
            NewCalendarYear {
                region: region.to_owned(),
                time_zone,
                hours,
                year: new_year,
            },
            gridloop_store::CalendarChangeBy {
                user: by.user,
                actor: by.login.clone(),
                action,
                day,
                note,
            },
            now,
        )
        .await
        .map_err(crate::AppError::from)?;
    tracing::info!(region, year, action, by = %by.login, version = stored.version, "calendar changed");
    Ok(stored)
}

/// Next year, if it has no holiday calendar and it is 1 November or later in the calendar's
/// zone: the State Council publishes the next year's notice in November, so from then on a
/// missing year is an operator's task, not a matter of waiting.
pub fn next_year_missing(calendar: &Calendar, now: DateTime<Utc>) -> Option<i32> {
    let local = now.with_timezone(&calendar.tz());
    let next = local.year() + 1;
    (local.month() >= 11 && !calendar.covers(next)).then_some(next)
}

/// Logs a WARN (seen at the default log level) if [`next_year_missing`]; says whether it did.
pub fn warn_if_next_year_missing(calendar: &Calendar, region: &str, now: DateTime<Utc>) -> bool {
    let Some(year) = next_year_missing(calendar, now) else {
        return false;
    };
    tracing::warn!(
        year,
        region,
        "no holiday calendar for {year}: deadlines reaching into {year} count plain Monday-to-Friday weeks (New Year's Day as a working day); enter it with `gridloop calendar import` or PUT /api/v1/calendars"
    );
    true
}

/// For a server: checks at start and then once a day that next year's calendar is stored (read
/// afresh from the database each time, so a year entered on another instance counts), warning
/// from 1 November while it is missing. Runs until the task is dropped.
pub async fn watch_next_year(
    store: gridloop_store::Store,
    settings: CalendarSettings,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
) {
    let mut daily = tokio::time::interval(std::time::Duration::from_secs(24 * 60 * 60));
    loop {
        daily.tick().await;
        let now = clock.now();
        match store.calendar_years(&settings.region).await {
            Ok(stored) => {
                let calendar = from_stored(&stored, &settings, now);
                warn_if_next_year_missing(&calendar, &settings.region, now);
            }
            Err(e) => tracing::warn!(error = %e, "could not read the calendars to check next year"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn next_year_is_missing_only_from_1_november_and_only_until_it_is_entered() {
        let calendar = Calendar::default_china();
        let at = |y, m, d, h| {
            Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
                .single()
                .expect("instant")
        };
        // 31 October 23:00 in Shanghai is still October; an hour later it is November.
        assert_eq!(next_year_missing(&calendar, at(2026, 10, 31, 15)), None);
        assert_eq!(
            next_year_missing(&calendar, at(2026, 10, 31, 16)),
            Some(2027)
        );
        assert_eq!(
            next_year_missing(&calendar, at(2026, 12, 31, 9)),
            Some(2027)
        );
        assert_eq!(next_year_missing(&calendar, at(2026, 6, 1, 0)), None);
        let with_2027 = calendar
            .clone()
            .with_year(CalendarYear::from_days(2027, None, []).expect("an empty year"));
        assert_eq!(next_year_missing(&with_2027, at(2026, 12, 31, 9)), None);
        assert!(!warn_if_next_year_missing(
            &with_2027,
            "cn",
            at(2026, 12, 31, 9)
        ));
        assert!(warn_if_next_year_missing(
            &calendar,
            "cn",
            at(2026, 11, 1, 9)
        ));
    }
}

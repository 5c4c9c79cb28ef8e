//! A calendar changed: a year imported or a day set, by an admin (the API, the web) or the
//! operator (the CLI). Every change is audited (who, when, the year before and after) and, in
//! the same transaction, moves the open deadlines it touches: each moved issue gets a
//! `deadlines_recomputed` event and its deadline watch is armed again. A dry run says what
//! would move and writes nothing.

use chrono::{Datelike, NaiveDate, SubsecRound};
use gridloop_core::calendar::{CalendarYear, YearDay};
use gridloop_core::{
    Actor, Calendar, CalendarChange, Change, DeadlineMove, IssueId, Login, ParseError, Role, Rule,
    UserId, Workflow,
};
use gridloop_store::{CalendarChangeBy, NewCalendarYear, StoredCalendarYear};
use serde::Serialize;

use super::{from_stored, CalendarProblem, MAKE_UP_WORKS_AS};
use crate::{AppError, AppState, Doing, Thing};

/// The longest note (a day's name) a change may carry.
pub const MAX_NOTE_CHARS: usize = 100;

/// What a day becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayChange {
    /// A public holiday: no working time.
    Holiday,
    /// A make-up working day (调休上班), worked with Monday's hours.
    Workday,
    /// Back to what the weekly hours say.
    Normal,
}

impl DayChange {
    /// The word [`DayChange::parse`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::Workday => "workday",
            Self::Normal => "normal",
        }
    }

    /// `holiday`, `workday` or `normal`; anything else is refused naming `field`.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, AppError> {
        match raw.trim() {
            "holiday" => Ok(Self::Holiday),
            "workday" => Ok(Self::Workday),
            "normal" => Ok(Self::Normal),
            _ => Err(ParseError::new(
                field,
                Rule::OneOf {
                    allowed: &["holiday", "workday", "normal"],
                },
            )
            .into()),
        }
    }
}

/// Whether a change is made or only tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Apply,
    /// Checks everything and says what would change; writes nothing.
    DryRun,
}

/// Who made a change, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedBy {
    pub user: Option<UserId>,
    pub login: String,
}

impl ChangedBy {
    /// An admin changing calendars (the API, the web): anyone else is refused.
    pub fn admin(actor: &Actor, login: &Login) -> Result<Self, AppError> {
        if !actor.has_role(Role::Admin) {
            return Err(AppError::NotPermitted {
                doing: Doing::Administer,
                roles: &[Role::Admin],
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

/// An issue whose open deadlines a change moved (or would move).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MovedDeadlines {
    pub issue: IssueId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_due_at: Option<DeadlineMove>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolve_due_at: Option<DeadlineMove>,
}

/// What a change did (or, in a dry run, would do).
#[derive(Debug, Clone)]
pub struct CalendarChanged {
    /// The year as stored after the change (in a dry run: as it would be, at the version it
    /// would get).
    pub year: StoredCalendarYear,
    /// The issues whose open deadlines moved, by id.
    pub moved: Vec<MovedDeadlines>,
    pub mode: Mode,
}

/// Stores `year` for `region`, replacing what was stored for it, audited as an import. The
/// zone and weekly hours are kept (those of the calendar in force for a new year).
pub async fn import(
    state: &AppState,
    by: &ChangedBy,
    region: &str,
    year: CalendarYear,
    note: Option<String>,
    mode: Mode,
) -> Result<CalendarChanged, AppError> {
    let number = year.year();
    let change = Edit {
        region,
        year: number,
        day: None,
        note: checked_note(note)?,
        action: "import",
    };
    put(state, by, &change, mode, move |_| Ok(year.clone())).await
}

/// Makes `date` a holiday, a make-up working day or a normal day again, audited with `note`
/// (also the day's name).
pub async fn set_day(
    state: &AppState,
    by: &ChangedBy,
    region: &str,
    date: NaiveDate,
    change: DayChange,
    note: Option<String>,
    mode: Mode,
) -> Result<CalendarChanged, AppError> {
    let note = checked_note(note)?;
    let name = note.clone().unwrap_or_default();
    let edit = move |old: Option<&CalendarYear>| {
        let mut days: Vec<_> = old.map(|y| y.days().collect()).unwrap_or_default();
        days.retain(|(d, _)| *d != date);
        let name = name.clone();
        match change {
            DayChange::Holiday => days.push((date, YearDay::Holiday { name })),
            DayChange::Workday => days.push((
                date,
                YearDay::MakeUp {
                    name,
                    works_as: MAKE_UP_WORKS_AS,
                },
            )),
            DayChange::Normal => {}
        }
        let source = old.and_then(|y| y.source().map(str::to_owned));
        CalendarYear::from_days(date.year(), source, days)
            .map_err(|e| AppError::Calendar(CalendarProblem::File(e)))
    };
    let change = Edit {
        region,
        year: date.year(),
        day: Some(date),
        note,
        action: "set",
    };
    put(state, by, &change, mode, edit).await
}

/// The stored years of `region` (only the region in force has any).
pub async fn years(state: &AppState, region: &str) -> Result<Vec<StoredCalendarYear>, AppError> {
    check_region(state, region)?;
    Ok(state.store.calendar_years(region).await?)
}

/// The stored year of `region`; `NotFound` if it has none.
pub async fn year(
    state: &AppState,
    region: &str,
    year: i32,
) -> Result<StoredCalendarYear, AppError> {
    gridloop_core::dates::check_year("year", year)?;
    check_region(state, region)?;
    state
        .store
        .calendar_year(region, year)
        .await?
        .ok_or(AppError::NotFound(Thing::Calendar))
}

/// Only the configured region's calendar exists: the deadlines count on it alone, so a change
/// to any other would be stored and never used.
fn check_region(state: &AppState, region: &str) -> Result<(), AppError> {
    if region == state.calendar.region {
        Ok(())
    } else {
        Err(AppError::NotFound(Thing::Calendar))
    }
}

fn checked_note(note: Option<String>) -> Result<Option<String>, AppError> {
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if let Some(n) = &note {
        if n.chars().count() > MAX_NOTE_CHARS {
            return Err(ParseError::new(
                "note",
                Rule::TooLong {
                    max: MAX_NOTE_CHARS,
                },
            )
            .into());
        }
        if n.chars().any(char::is_control) {
            return Err(ParseError::new("note", Rule::OneLine).into());
        }
    }
    Ok(note)
}

/// What a change is, for the audit trail.
struct Edit<'a> {
    region: &'a str,
    year: i32,
    day: Option<NaiveDate>,
    note: Option<String>,
    action: &'static str,
}

/// How often a change is tried again when another one landed on the same year meanwhile.
const ATTEMPTS: usize = 3;

/// Makes the change on the year as stored. Two admins changing days of one year at once both
/// land: the later one is made again on the year the earlier one left (the edit is a day set
/// or a whole year, so applying it again is what was asked).
async fn put(
    state: &AppState,
    by: &ChangedBy,
    change: &Edit<'_>,
    mode: Mode,
    edit: impl Fn(Option<&CalendarYear>) -> Result<CalendarYear, AppError>,
) -> Result<CalendarChanged, AppError> {
    let mut attempt = 1;
    loop {
        match put_once(state, by, change, mode, &edit).await {
            Err(AppError::Conflict { .. }) if attempt < ATTEMPTS => attempt += 1,
            done => return done,
        }
    }
}

async fn put_once(
    state: &AppState,
    by: &ChangedBy,
    change: &Edit<'_>,
    mode: Mode,
    edit: &impl Fn(Option<&CalendarYear>) -> Result<CalendarYear, AppError>,
) -> Result<CalendarChanged, AppError> {
    let Edit {
        region,
        year,
        day,
        ref note,
        action,
    } = *change;
    gridloop_core::dates::check_year("year", year)?;
    check_region(state, region)?;
    // Stored instants have microseconds; the events written here are compared with them.
    let now = state.clock.now().trunc_subsecs(6);
    let store = &state.store;
    let stored = store.calendar_years(region).await?;
    let old = stored.iter().find(|y| y.year.year() == year);
    let in_force = state.calendar();
    let (time_zone, hours) = old.map_or_else(
        || (in_force.tz(), in_force.hours().clone()),
        |o| (o.time_zone, o.hours.clone()),
    );
    let new_year = edit(old.map(|o| &o.year))?;
    let check = Calendar::new(time_zone, hours.clone()).with_year(new_year.clone());
    let has_work = NaiveDate::from_yo_opt(year, 1)
        .into_iter()
        .flat_map(|d| d.iter_days())
        .take_while(|d| d.year() == year)
        .any(|d| check.is_working_day(d));
    if !has_work {
        return Err(AppError::Calendar(CalendarProblem::NoWorkingDay { year }));
    }
    let new = NewCalendarYear {
        region: region.to_owned(),
        time_zone,
        hours,
        year: new_year,
    };
    // The calendars before and after, as every instance builds them from the stored years.
    let before = from_stored(&stored, &state.calendar, now);
    let mut after_years = stored.clone();
    let after_year = StoredCalendarYear {
        region: new.region.clone(),
        time_zone: new.time_zone,
        hours: new.hours.clone(),
        year: new.year.clone(),
        version: old.map_or(1, |o| o.version + 1),
        updated_at: now,
    };
    after_years.retain(|y| y.year.year() != year);
    after_years.push(after_year.clone());
    after_years.sort_by_key(|y| y.year.year());
    let after = Workflow::new(from_stored(&after_years, &state.calendar, now));
    let recompute = |stored: &StoredCalendarYear, issue: &gridloop_core::Issue| {
        let cause = CalendarChange {
            region: stored.region.clone(),
            year: stored.year.year(),
            version: stored.version,
        };
        after.recompute_deadlines(&before, issue, cause, now)
    };
    let (year_stored, decisions) = match mode {
        Mode::DryRun => {
            let decisions = store
                .clocked_issues()
                .await?
                .iter()
                .filter_map(|issue| recompute(&after_year, issue))
                .collect();
            (after_year, decisions)
        }
        Mode::Apply => {
            let by = CalendarChangeBy {
                user: by.user,
                actor: by.login.clone(),
                action,
                day,
                note: note.clone(),
            };
            let expected = old.map_or(0, |o| o.version);
            let (stored, decisions) = store
                .put_calendar_year_recomputing(new, by.clone(), now, expected, recompute)
                .await?;
            tracing::info!(region, year, action, by = %by.actor, version = stored.version, moved = decisions.len(), "calendar changed");
            // In force here at once; other instances follow within seconds (`live::follow`).
            super::live::refresh(state).await?;
            (stored, decisions)
        }
    };
    let moved = decisions
        .into_iter()
        .filter_map(|d| match d.event.change {
            Change::DeadlinesRecomputed {
                response_due_at,
                resolve_due_at,
                ..
            } => Some(MovedDeadlines {
                issue: d.issue.id,
                response_due_at,
                resolve_due_at,
            }),
            _ => None,
        })
        .collect();
    Ok(CalendarChanged {
        year: year_stored,
        moved,
        mode,
    })
}

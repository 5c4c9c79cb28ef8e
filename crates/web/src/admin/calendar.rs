//! Admin: the working calendar (工作日历). A year as twelve month grids, each day a working day,
//! a weekend (rest) day, a public holiday with its name or a make-up working day (调休上班); a
//! click on a day changes it through the same use case as `gridloop calendar set` and
//! `PUT /api/v1/calendars/{region}/days/{date}` (`gridloop_app::calendars::set_day`), audited
//! with the admin's login; the open deadlines the change moves are recomputed by it, and the
//! notice after the click says how many.
//!
//! The page is drawn from the years stored in the database, read afresh on every load: a day
//! changed on another instance shows at once (the calendar in force follows within seconds).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{Datelike, NaiveDate, Weekday};
use gridloop_app::calendars::change::MAX_NOTE_CHARS;
use gridloop_app::calendars::{self, ChangedBy, DayChange, Mode};
use gridloop_app::store::StoredCalendarYear;
use gridloop_app::AppState;
use gridloop_core::dates::parse_date;
use gridloop_core::{Calendar, DayKind, Role};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{links, refusal};
use crate::form::WebForm;
use crate::render::{local_time, page_with, see_other, PageError};
use crate::session::Viewer;

/// The years the page shows: those a stored calendar may have (`gridloop_core::dates`).
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/calendar", get(show))
        .route("/admin/calendar/{date}", post(change))
}

/// What a day is on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    /// Working hours by the weekly schedule.
    Workday,
    /// No working hours by the weekly schedule (Saturday and Sunday by default).
    Weekend,
    /// A public holiday (放假).
    Holiday,
    /// A rest day worked (调休上班).
    MakeUp,
}

impl Kind {
    fn of(day: &DayKind) -> (Self, &str) {
        match day {
            DayKind::Workday => (Self::Workday, ""),
            DayKind::Weekend => (Self::Weekend, ""),
            DayKind::Holiday { name } => (Self::Holiday, name),
            DayKind::MakeUpWorkday { name } => (Self::MakeUp, name),
        }
    }

    /// What a click makes of a day of this kind: a working day becomes a holiday and a holiday
    /// a normal day again; a weekend day becomes a make-up working day and that a normal day
    /// again. (A holiday on a weekend goes back to the weekend.)
    pub(crate) fn toggled(self) -> DayChange {
        match self {
            Self::Workday => DayChange::Holiday,
            Self::Weekend => DayChange::Workday,
            Self::Holiday | Self::MakeUp => DayChange::Normal,
        }
    }
}

/// A change as the form sends it (the words `DayChange` parses).
fn change_name(change: DayChange) -> &'static str {
    change.as_str()
}

/// One day of a month's grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Day {
    /// YYYY-MM-DD.
    pub(crate) date: String,
    /// The day of the month.
    pub(crate) day: u32,
    pub(crate) kind: Kind,
    /// A holiday's or make-up day's name, if it has one.
    pub(crate) name: String,
    /// What a click asks for (`holiday`, `workday` or `normal`).
    pub(crate) to: &'static str,
}

/// A month as weeks from Monday to Sunday; the days before the 1st and after the last are
/// blank. `listed` are its holidays and make-up days, in order, for the list under the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Month {
    pub(crate) number: u32,
    pub(crate) weeks: Vec<Vec<Option<Day>>>,
    pub(crate) listed: Vec<Day>,
}

/// The grid of `month` of `year` on `calendar` (a month that does not exist is empty).
pub(crate) fn month_grid(calendar: &Calendar, year: i32, month: u32) -> Month {
    let mut weeks: Vec<Vec<Option<Day>>> = Vec::new();
    let mut listed = Vec::new();
    let first = NaiveDate::from_ymd_opt(year, month, 1);
    let days = first
        .into_iter()
        .flat_map(|d| d.iter_days())
        .take_while(|d| d.month() == month);
    for date in days {
        if weeks.is_empty() || date.weekday() == Weekday::Mon {
            let blanks = if weeks.is_empty() {
                date.weekday().num_days_from_monday() as usize
            } else {
                0
            };
            weeks.push(vec![None; blanks]);
        }
        let of = calendar.kind_of_day(date);
        let (kind, name) = Kind::of(&of);
        let day = Day {
            date: date.to_string(),
            day: date.day(),
            kind,
            name: name.to_owned(),
            to: change_name(kind.toggled()),
        };
        if matches!(kind, Kind::Holiday | Kind::MakeUp) {
            listed.push(day.clone());
        }
        if let Some(week) = weeks.last_mut() {
            week.push(Some(day));
        }
    }
    if let Some(week) = weeks.last_mut() {
        week.resize(7, None);
    }
    Month {
        number: month,
        weeks,
        listed,
    }
}

/// The twelve months of `year`.
pub(crate) fn year_grid(calendar: &Calendar, year: i32) -> Vec<Month> {
    (1..=12).map(|m| month_grid(calendar, year, m)).collect()
}

/// A `year=` as typed: a whole number in [`YEARS`].
fn parse_year(raw: &str) -> Option<i32> {
    raw.trim().parse().ok().filter(|y| YEARS.contains(y))
}

/// The calendar a year is drawn on: the stored year with its own zone and weekly hours, or,
/// for a year not stored, plain weeks in the running calendar's zone and hours (those a first
/// change to it will be stored with, as the use case does).
fn calendar_of(running: &Calendar, stored: Option<&StoredCalendarYear>) -> Calendar {
    match stored {
        Some(s) => Calendar::new(s.time_zone, s.hours.clone()).with_year(s.year.clone()),
        None => Calendar::new(running.tz(), running.hours().clone()),
    }
}

/// `?year=2027`, and after a change the day, what it became and (later) how many deadlines
/// moved.
#[derive(Debug, Default, Deserialize)]
struct CalendarQuery {
    year: Option<String>,
    changed: Option<String>,
    to: Option<String>,
    moved: Option<String>,
}

/// How the page comes to be shown.
#[derive(Debug, Default)]
struct Shown {
    /// What a change just did, said in the page's language.
    notice: Option<String>,
    /// Why a change was refused, with the note that was typed.
    error: Option<String>,
    note: Option<String>,
}

/// `GET /admin/calendar?year=2027` (default: this year in the calendar's zone).
async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<CalendarQuery>,
) -> Result<Response, PageError> {
    viewer.require(&[Role::Admin])?;
    let year = match query.year.as_deref() {
        None | Some("") => state
            .clock
            .now()
            .with_timezone(&state.calendar().tz())
            .year(),
        Some(raw) => parse_year(raw).ok_or(PageError::Refused {
            status: StatusCode::BAD_REQUEST,
            locale: viewer.locale,
            message: viewer.t("cal_bad_year"),
        })?,
    };
    let stored = calendars::years(&state, &state.calendar.region).await?;
    let shown = Shown {
        notice: notice(&viewer, &stored, &query),
        ..Shown::default()
    };
    page(&state, &viewer, &stored, year, shown, StatusCode::OK)
}

/// The message after a change (`changed`, `to`, `moved` of the redirect); nothing when they do
/// not parse. The day's name is read from the stored year, never from the query.
fn notice(viewer: &Viewer, stored: &[StoredCalendarYear], query: &CalendarQuery) -> Option<String> {
    let date = parse_date("changed", query.changed.as_deref()?).ok()?;
    let change = DayChange::parse("to", query.to.as_deref()?).ok()?;
    let name = stored
        .iter()
        .find(|y| y.year.year() == date.year())
        .and_then(|y| y.year.days().find(|(d, _)| *d == date))
        .map(|(_, day)| match day {
            gridloop_core::calendar::YearDay::Holiday { name }
            | gridloop_core::calendar::YearDay::MakeUp { name, .. } => name,
        })
        .filter(|n| !n.is_empty());
    let name = name.map_or_else(String::new, |n| viewer.t("cal_named").replace("{name}", &n));
    let mut text = viewer
        .t("cal_changed")
        .replace("{date}", &date.to_string())
        .replace(
            "{kind}",
            viewer.t(&format!("cal_now_{}", change_name(change))),
        )
        .replace("{name}", &name);
    // How many open issues' deadlines the change moved (`deadlines_recomputed` events).
    if let Some(moved) = query.moved.as_deref().and_then(|m| m.parse::<u32>().ok()) {
        text.push(' ');
        text.push_str(&viewer.t("cal_moved").replace("{n}", &moved.to_string()));
    }
    Some(text)
}

/// The page of `year`.
fn page(
    state: &AppState,
    viewer: &Viewer,
    stored: &[StoredCalendarYear],
    year: i32,
    shown: Shown,
    status: StatusCode,
) -> Result<Response, PageError> {
    let this = stored.iter().find(|y| y.year.year() == year);
    let calendar = calendar_of(&state.calendar(), this);
    let months = year_grid(&calendar, year);
    let facts = this.map(|y| {
        context! {
            version => y.version,
            source => y.year.source(),
            updated => local_time(y.updated_at, y.time_zone),
            time_zone => y.time_zone.name(),
        }
    });
    let heading = viewer.t("cal_heading").replace("{year}", &year.to_string());
    let missing = viewer.t("cal_missing").replace("{year}", &year.to_string());
    let ctx = context! {
        sections => links(),
        section => "calendar",
        heading,
        year,
        prev => (year > *YEARS.start()).then(|| year - 1),
        next => (year < *YEARS.end()).then(|| year + 1),
        months,
        stored => facts,
        missing,
        region => &state.calendar.region,
        weekdays => ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        notice => shown.notice,
        error => shown.error,
        note => shown.note,
        max_note => MAX_NOTE_CHARS,
        ..viewer.base(&heading)
    };
    page_with(status, "admin_calendar.html", ctx)
}

/// `POST /admin/calendar/{date}` with `kind` (`holiday`, `workday` or `normal`: what the
/// clicked button asks for, so a second click of the same button, or a re-sent form, leaves the
/// day as the first made it) and an optional `note`, the day's name.
#[tracing::instrument(name = "web_admin_calendar_day", skip_all, fields(user_id = %form.viewer.user.id, date = %date))]
async fn change(
    State(state): State<AppState>,
    Path(date): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(&[Role::Admin])?;
    // The page's buttons send only good dates and kinds.
    let date = parse_date("date", &date).map_err(|_| PageError::BadRequest)?;
    let kind = fields.get("kind").ok_or(PageError::BadRequest)?;
    let change = DayChange::parse("kind", kind).map_err(|_| PageError::BadRequest)?;
    let note = fields.get("note").map(str::to_owned);
    match set_day(&state, &viewer, date, change, note.clone()).await? {
        Ok(moved) => {
            tracing::info!(
                kind = change_name(change),
                moved,
                "calendar day changed from the web"
            );
            Ok(see_other(&format!(
                "/admin/calendar?year={}&changed={date}&to={}&moved={moved}",
                date.year(),
                change_name(change)
            )))
        }
        Err(message) => {
            let stored = calendars::years(&state, &state.calendar.region).await?;
            let shown = Shown {
                notice: None,
                error: Some(message),
                note,
            };
            page(
                &state,
                &viewer,
                &stored,
                date.year(),
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// The use case, and its refusal in the viewer's language. `Ok(Err(message))` when refused;
/// `Err` for what is no fault of the form. `Ok(Ok(n))`: the change moved `n` issues' deadlines.
async fn set_day(
    state: &AppState,
    viewer: &Viewer,
    date: NaiveDate,
    change: DayChange,
    note: Option<String>,
) -> Result<Result<usize, String>, PageError> {
    let by = ChangedBy::admin(&viewer.actor, &viewer.user.login)?;
    let region = &state.calendar.region;
    match calendars::set_day(state, &by, region, date, change, note, Mode::Apply).await {
        Ok(changed) => Ok(Ok(changed.moved.len())),
        Err(e) => refusal(viewer, e).map(Err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridloop_core::calendar::YearDay;
    use gridloop_core::{CalendarYear, Locale, WorkingHours};

    fn date(raw: &str) -> NaiveDate {
        raw.parse().expect("a date")
    }

    /// Plain weeks in Shanghai with 2027-01-01 a holiday and Sunday 2027-01-10 a make-up day.
    fn calendar_2027() -> Calendar {
        let year = CalendarYear::from_days(
            2027,
            None,
            [
                (
                    date("2027-01-01"),
                    YearDay::Holiday {
                        name: "元旦".into(),
                    },
                ),
                (
                    date("2027-01-10"),
                    YearDay::MakeUp {
                        name: String::new(),
                        works_as: Weekday::Mon,
                    },
                ),
            ],
        )
        .expect("a year");
        Calendar::new(chrono_tz::Asia::Shanghai, WorkingHours::default()).with_year(year)
    }

    fn day_of(month: &Month, d: u32) -> &Day {
        month
            .weeks
            .iter()
            .flatten()
            .flatten()
            .find(|day| day.day == d)
            .expect("the day is in the grid")
    }

    #[test]
    fn january_2027_starts_on_a_friday_in_weeks_from_monday_to_sunday() {
        let january = month_grid(&calendar_2027(), 2027, 1);
        assert_eq!(january.number, 1);
        assert!(january.weeks.iter().all(|w| w.len() == 7));
        // Monday to Thursday of the first week are blank; Friday is the 1st.
        let first = &january.weeks[0];
        assert!(first[..4].iter().all(Option::is_none));
        assert_eq!(first[4].as_ref().map(|d| d.day), Some(1));
        assert_eq!(
            first[6].as_ref().map(|d| d.date.as_str()),
            Some("2027-01-03")
        );
        // 31 days from a Friday: five weeks, the last ending on Sunday the 31st.
        assert_eq!(january.weeks.len(), 5);
        assert_eq!(january.weeks[4][6].as_ref().map(|d| d.day), Some(31));
        let days: Vec<u32> = january
            .weeks
            .iter()
            .flatten()
            .flatten()
            .map(|d| d.day)
            .collect();
        assert_eq!(days, (1..=31).collect::<Vec<_>>());
    }

    #[test]
    fn a_holiday_and_a_make_up_day_are_marked_and_listed_under_the_grid() {
        let january = month_grid(&calendar_2027(), 2027, 1);
        let new_year = day_of(&january, 1);
        assert_eq!(
            (new_year.kind, new_year.name.as_str()),
            (Kind::Holiday, "元旦")
        );
        assert_eq!(day_of(&january, 10).kind, Kind::MakeUp);
        assert_eq!(day_of(&january, 4).kind, Kind::Workday);
        assert_eq!(day_of(&january, 9).kind, Kind::Weekend);
        let listed: Vec<&str> = january.listed.iter().map(|d| d.date.as_str()).collect();
        assert_eq!(listed, ["2027-01-01", "2027-01-10"]);
        // A year without holidays is plain weeks.
        let plain = Calendar::new(chrono_tz::Asia::Shanghai, WorkingHours::default());
        let january = month_grid(&plain, 2027, 1);
        assert_eq!(day_of(&january, 1).kind, Kind::Workday);
        assert!(january.listed.is_empty());
    }

    #[test]
    fn a_click_makes_a_working_day_a_holiday_a_weekend_day_a_make_up_day_and_either_normal_again() {
        assert_eq!(Kind::Workday.toggled(), DayChange::Holiday);
        assert_eq!(Kind::Holiday.toggled(), DayChange::Normal);
        assert_eq!(Kind::Weekend.toggled(), DayChange::Workday);
        assert_eq!(Kind::MakeUp.toggled(), DayChange::Normal);
        // What the button sends is what the use case's parser reads.
        for change in [DayChange::Holiday, DayChange::Workday, DayChange::Normal] {
            assert_eq!(
                DayChange::parse("kind", change_name(change)).ok(),
                Some(change)
            );
        }
        let january = month_grid(&calendar_2027(), 2027, 1);
        let to: Vec<&str> = [1, 4, 9, 10]
            .iter()
            .map(|d| day_of(&january, *d).to)
            .collect();
        assert_eq!(to, ["normal", "holiday", "workday", "normal"]);
    }

    #[test]
    fn a_year_is_a_whole_number_from_2000_to_2100() {
        assert_eq!(parse_year("2027"), Some(2027));
        assert_eq!(parse_year(" 2000 "), Some(2000));
        assert_eq!(parse_year("2100"), Some(2100));
        for bad in ["1999", "2101", "twenty", "2027.5", "-2027", ""] {
            assert_eq!(parse_year(bad), None, "{bad}");
        }
        assert_eq!(year_grid(&calendar_2027(), 2027).len(), 12);
        // February of a leap year has its 29th.
        let february = month_grid(&calendar_2027(), 2028, 2);
        assert_eq!(february.weeks.iter().flatten().flatten().count(), 29);
    }

    #[test]
    fn the_calendar_texts_are_chinese_in_zh_cn() {
        // Every string of this page and the banner, with its placeholders taken out, has no
        // ASCII letter in zh-CN (the commands and paths the page quotes are in <code>).
        let keys = crate::i18n::strings(Locale::ZhCn)
            .iter()
            .filter(|(k, _)| k.starts_with("cal_") || **k == "admin_calendar");
        let mut seen = 0;
        for (key, zh) in keys {
            seen += 1;
            let mut text = (*zh).to_owned();
            let placeholders = [
                "{year}", "{date}", "{kind}", "{name}", "{n}", "{max}", "{found}", "{value}",
                "{first}", "{line}", "{what}", "{from}", "{to}",
            ];
            for p in placeholders {
                text = text.replace(p, "");
            }
            assert!(
                !text.chars().any(|c| c.is_ascii_alphabetic()),
                "{key}: {zh}"
            );
            assert_ne!(*zh, crate::i18n::text(Locale::En, key), "{key}");
        }
        assert!(seen > 20, "{seen} calendar strings");
    }
}

//! `gridloop calendar`: the working-time maths for operators and outside checks, and the stored
//! calendar shown, imported and changed a day at a time (as the operator, audited).

use chrono::{Datelike, NaiveDate, Weekday};
use gridloop_app::calendars::{self, CalendarRefused, ChangedBy, DayChange};
use gridloop_app::store::StoredCalendarYear;
use gridloop_core::dates::{check_year, parse_date, parse_instant};
use gridloop_core::{Calendar, DayKind};

use crate::app::App;
use crate::cli::CalendarCommand;
use crate::exit::UsageError;
use crate::render::{print_json, say};

pub async fn run(app: &App, cmd: CalendarCommand) -> anyhow::Result<()> {
    let calendar = app.workflow.calendar();
    match cmd {
        CalendarCommand::Due { from, minutes } => {
            let from = parse_instant("--from", &from)?;
            let minutes: u32 = minutes.trim().parse().map_err(|_| {
                UsageError(format!(
                    "--minutes: '{minutes}' is not a whole number of minutes (0 to {})",
                    calendars::MAX_DUE_MINUTES
                ))
            })?;
            let due = calendars::due(calendar, from, minutes)?;
            if app.json {
                return print_json(&due);
            }
            say!("{}", due.due_local);
            Ok(())
        }
        CalendarCommand::Between { a, b } => {
            let a = parse_instant("A", &a)?;
            let b = parse_instant("B", &b)?;
            let between = calendars::between(calendar, a, b);
            if app.json {
                return print_json(&between);
            }
            say!("{}", between.minutes);
            Ok(())
        }
        CalendarCommand::Show { year } => {
            let year = match year {
                Some(raw) => {
                    let n: i32 = raw.trim().parse().map_err(|_| {
                        UsageError(format!("--year: '{raw}' is not a year such as 2027"))
                    })?;
                    check_year("--year", n)?
                }
                None => app.now.with_timezone(&calendar.tz()).year(),
            };
            let stored = calendars::years(&app.state()?, region(app)).await?;
            let this = stored.iter().find(|y| y.year.year() == year);
            if app.json {
                return print_json(&this.map(year_json));
            }
            if this.is_none() {
                say!("{year}: no holiday calendar stored; plain weeks (add it with `gridloop calendar import`)");
            }
            let calendar = calendars::from_stored(&stored, &app.settings.calendar, app.now);
            say!("{}", grid(&calendar, year));
            Ok(())
        }
        CalendarCommand::Import { file, note } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| UsageError(format!("cannot read {}: {e}", file.display())))?;
            let csv = file
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("csv"));
            let year = calendars::parse_file(&text, csv)
                .map_err(|e| refused(e, &file.display().to_string()))?;
            let stored = calendars::import(
                &app.state()?,
                &ChangedBy::operator(),
                region(app),
                year,
                note,
                app.now,
            )
            .await
            .map_err(|e| refused(e, &file.display().to_string()))?;
            done(app, &stored)
        }
        CalendarCommand::Set { date, kind, note } => {
            let date = parse_date("DATE", &date)?;
            let change: DayChange = kind.parse().map_err(UsageError)?;
            let stored = calendars::set_day(
                &app.state()?,
                &ChangedBy::operator(),
                region(app),
                date,
                change,
                note,
                app.now,
            )
            .await
            .map_err(|e| refused(e, &date.to_string()))?;
            done(app, &stored)
        }
    }
}

fn region(app: &App) -> &str {
    &app.settings.calendar.region
}

/// A refusal as the CLI says it: the line or field and the reason, exit 2; the use case's own
/// refusals keep their exit codes.
fn refused(e: CalendarRefused, what: &str) -> anyhow::Error {
    match e {
        CalendarRefused::App(e) => e.into(),
        other => UsageError(format!("{what}: {other}; nothing was changed")).into(),
    }
}

fn done(app: &App, stored: &StoredCalendarYear) -> anyhow::Result<()> {
    if app.json {
        return print_json(&year_json(stored));
    }
    say!(
        "calendar {} {} stored (version {})",
        stored.region,
        stored.year.year(),
        stored.version
    );
    Ok(())
}

fn year_json(stored: &StoredCalendarYear) -> serde_json::Value {
    let mut json = gridloop_app::store::year_json(stored.time_zone, &stored.hours, &stored.year);
    json["region"] = stored.region.clone().into();
    json["version"] = stored.version.into();
    json["updated_at"] = stored.updated_at.to_rfc3339().into();
    json
}

/// Twelve month grids, Monday first: `h` a holiday, `w` a make-up working day, `.` a weekend.
fn grid(calendar: &Calendar, year: i32) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{year}   h holiday   w make-up working day   . weekend\n"
    ));
    for month in 1..=12 {
        let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
            continue;
        };
        out.push_str(&format!(
            "\n{year}-{month:02}\n Mo  Tu  We  Th  Fr  Sa  Su\n"
        ));
        let lead = first.weekday().num_days_from_monday() as usize;
        out.push_str(&"    ".repeat(lead));
        for day in first.iter_days().take_while(|d| d.month() == month) {
            let mark = match calendar.kind_of_day(day) {
                DayKind::Holiday { .. } => 'h',
                DayKind::MakeUpWorkday { .. } => 'w',
                DayKind::Weekend => '.',
                DayKind::Workday => ' ',
            };
            out.push_str(&format!("{:>3}{mark}", day.day()));
            if day.weekday() == Weekday::Sun {
                out.push('\n');
            }
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out.trim_end().to_owned()
}

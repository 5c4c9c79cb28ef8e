//! `gridloop calendar`: the working-time maths for operators and outside checks, and the stored
//! calendar shown, imported and changed a day at a time (as the operator, audited).

use chrono::{Datelike, NaiveDate, Weekday};
use gridloop_app::calendars::{self, CalendarChanged, ChangedBy, DayChange, FileFormat, Mode};
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
        CalendarCommand::Import {
            file,
            note,
            dry_run,
        } => {
            let text = read_file(&file)?;
            let format = if file
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("csv"))
            {
                FileFormat::Csv
            } else {
                FileFormat::Toml
            };
            let named = |e| anyhow::Error::from(e).context(file.display().to_string());
            let year = calendars::parse_file(&text, format).map_err(named)?;
            let changed = calendars::import(
                &app.state()?,
                &ChangedBy::operator(),
                region(app),
                year,
                note,
                mode(dry_run),
            )
            .await
            .map_err(named)?;
            done(app, &changed)
        }
        CalendarCommand::Set {
            date,
            kind,
            note,
            dry_run,
        } => {
            let date = parse_date("DATE", &date)?;
            let change = DayChange::parse("KIND", &kind)?;
            let changed = calendars::set_day(
                &app.state()?,
                &ChangedBy::operator(),
                region(app),
                date,
                change,
                note,
                mode(dry_run),
            )
            .await
            .map_err(|e| anyhow::Error::from(e).context(date.to_string()))?;
            done(app, &changed)
        }
    }
}

fn region(app: &App) -> &str {
    &app.settings.calendar.region
}

fn mode(dry_run: bool) -> Mode {
    if dry_run {
        Mode::DryRun
    } else {
        Mode::Apply
    }
}

/// A calendar file's text: at most [`MAX_FILE_BYTES`] (a year is a few kilobytes).
fn read_file(path: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(UsageError(format!(
            "{}: larger than {} KiB; a calendar year is a few kilobytes",
            path.display(),
            MAX_FILE_BYTES / 1024
        ))
        .into());
    }
    Ok(text)
}

const MAX_FILE_BYTES: u64 = 256 * 1024;

fn done(app: &App, changed: &CalendarChanged) -> anyhow::Result<()> {
    let stored = &changed.year;
    let dry_run = changed.mode == Mode::DryRun;
    if app.json {
        return print_json(&serde_json::json!({
            "year": year_json(stored),
            "dry_run": dry_run,
            "moved": changed.moved,
        }));
    }
    let tz = app.workflow.calendar().tz();
    let local = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&tz).format("%Y-%m-%d %H:%M");
    for m in &changed.moved {
        for (which, moved) in [
            ("response", &m.response_due_at),
            ("resolution", &m.resolve_due_at),
        ] {
            if let Some(moved) = moved {
                say!(
                    "issue {}: {which} due {} -> {}",
                    m.issue,
                    local(moved.from),
                    local(moved.to)
                );
            }
        }
    }
    let moved = changed.moved.len();
    if dry_run {
        say!(
            "dry run: calendar {} {} would be version {}; {moved} open issue(s) would have deadlines moved; nothing was changed",
            stored.region,
            stored.year.year(),
            stored.version
        );
    } else {
        say!(
            "calendar {} {} stored (version {}); deadlines of {moved} open issue(s) moved",
            stored.region,
            stored.year.year(),
            stored.version
        );
    }
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

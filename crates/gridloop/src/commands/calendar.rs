//! `gridloop calendar`: the working-time maths for operators and outside checks.

use gridloop_app::calendars;
use gridloop_core::dates::parse_instant;

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
    }
}

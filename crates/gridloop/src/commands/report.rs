//! `gridloop report`: the weekly report on demand, the stored copies, and sending a week now.

use gridloop_core::Locale;
use gridloop_scheduler::reports::send_weekly;
use gridloop_store::ReportFilter;

use crate::app::App;
use crate::cli::ReportCommand;
use crate::exit::UsageError;
use crate::render::{print_json, say, table};
use gridloop_app::jobs::report_settings;
use gridloop_app::reports::ReportRequestError;
use gridloop_app::reports::{self, Format};
use gridloop_scheduler::SchedulerError;

pub async fn run(app: &App, cmd: ReportCommand) -> anyhow::Result<()> {
    let mut settings = report_settings(&app.settings, app.workflow.calendar());
    match cmd {
        ReportCommand::Weekly {
            week,
            grid,
            unit,
            format,
            locale,
        } => {
            let format: Format = format.parse()?;
            if let Some(locale) = locale {
                settings.locale = locale.parse::<Locale>()?;
            }
            let period = reports::period(week.as_deref(), &settings, app.now).map_err(refused)?;
            let scope = reports::scope(&app.store, grid.as_deref(), unit.as_deref())
                .await
                .map_err(refused)?;
            let report = reports::on_demand(&app.store, &settings, period, scope, app.now)
                .await
                .map_err(refused)?;
            print!("{}", format.render(&report));
            Ok(())
        }
        ReportCommand::List { week, scope, limit } => {
            let filter = ReportFilter {
                period: week,
                scope,
                limit,
            };
            let copies = app.store.report_copies(&filter).await?;
            if app.json {
                return print_json(&copies);
            }
            let rows: Vec<Vec<String>> = copies
                .iter()
                .map(|c| {
                    vec![
                        c.id.to_string(),
                        c.period.clone(),
                        c.scope.clone(),
                        c.scope_name.clone(),
                        c.locale.clone(),
                        c.created_at.to_rfc3339(),
                    ]
                })
                .collect();
            say!(
                "{}",
                table(
                    &["ID", "WEEK", "SCOPE", "NAME", "LOCALE", "STORED AT"],
                    &rows
                )
            );
            Ok(())
        }
        ReportCommand::Show { id, format } => {
            let format: Format = format.parse()?;
            let stored = app.store.report_copy(id).await?.ok_or_else(|| {
                gridloop_store::StoreError::NotFound {
                    what: "report",
                    key: id.to_string(),
                }
            })?;
            print!("{}", format.render(&stored.report));
            Ok(())
        }
        ReportCommand::Send { week } => {
            let period = reports::period(week.as_deref(), &settings, app.now).map_err(refused)?;
            if period.to() > app.now {
                return Err(UsageError(format!(
                    "{period} has not ended yet: a report is sent for a whole week"
                ))
                .into());
            }
            let ids = send_weekly(&app.store, &settings, period, app.now).await?;
            if app.json {
                return print_json(
                    &serde_json::json!({ "period": period.to_string(), "reports": ids }),
                );
            }
            say!(
                "stored and queued {} reports of {period} (ids {})",
                ids.len(),
                ids.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(())
        }
    }
}

/// A report request refused, for the exit codes, which look for the store's and the parser's
/// own errors (so `--unit nosuch` names `nosuch`).
fn refused(e: ReportRequestError) -> anyhow::Error {
    match e {
        ReportRequestError::BothScopes => UsageError(e.to_string()).into(),
        ReportRequestError::Invalid(e) => e.into(),
        ReportRequestError::Store(e) | ReportRequestError::Scheduler(SchedulerError::Store(e)) => {
            e.into()
        }
        ReportRequestError::Scheduler(e) => e.into(),
    }
}

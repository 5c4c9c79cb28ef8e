//! `gridloop report`: the weekly report on demand, the stored copies, and sending a week now.

use gridloop_core::Locale;
use gridloop_scheduler::reports::send_weekly;

use crate::app::App;
use crate::cli::ReportCommand;
use crate::exit::UsageError;
use crate::render::{print_json, say, table};
use gridloop_app::jobs::report_context;
use gridloop_app::reports::ReportRequestError;
use gridloop_app::reports::{self, Format, StoredQuery, WeeklyRequest};
use gridloop_scheduler::SchedulerError;

pub async fn run(app: &App, cmd: ReportCommand) -> anyhow::Result<()> {
    let workflow = gridloop_scheduler::LiveWorkflow::new(app.workflow.clone());
    let context = report_context(&app.settings, workflow);
    match cmd {
        ReportCommand::Weekly {
            week,
            grid,
            unit,
            format,
            locale,
        } => {
            let format: Format = format.parse()?;
            let request = WeeklyRequest {
                week,
                grid,
                unit,
                own_by_default: false,
                locale: locale.map(|l| l.parse::<Locale>()).transpose()?,
            };
            let report = reports::weekly(&app.state()?, None, &request)
                .await
                .map_err(refused)?;
            print!("{}", format.render(&report));
            Ok(())
        }
        ReportCommand::List { week, scope, limit } => {
            let query = StoredQuery {
                week,
                scope,
                limit: Some(limit),
            };
            let copies = reports::stored_list(&app.state()?, None, &query).await?;
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
            let stored = reports::stored(&app.state()?, None, id).await?;
            print!("{}", format.render(&stored.report));
            Ok(())
        }
        ReportCommand::Send { week } => {
            let period = reports::period(week.as_deref(), &context, app.now).map_err(refused)?;
            if period.to() > app.now {
                return Err(UsageError(format!(
                    "{period} has not ended yet: a report is sent for a whole week"
                ))
                .into());
            }
            let ids = send_weekly(&app.store, &context, period, app.now).await?;
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
        // The operator may read any report.
        ReportRequestError::NotPermitted => gridloop_app::AppError::from(e).into(),
        ReportRequestError::Invalid(e) => e.into(),
        ReportRequestError::Store(e) | ReportRequestError::Scheduler(SchedulerError::Store(e)) => {
            e.into()
        }
        ReportRequestError::Scheduler(e) => e.into(),
    }
}

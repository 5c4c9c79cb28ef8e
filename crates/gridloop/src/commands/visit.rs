//! `gridloop visit plan add|list|pause|resume`, `visit list|checkin|complete`: the app's
//! visit use cases (`gridloop_app::visits`), with the operator at the console seeing every
//! visit and plan.

use chrono_tz::Tz;
use gridloop_app::reference::enterprises;
use gridloop_app::visits::{self, NewPlanInput, RaisedInput, VisitQuery};
use gridloop_core::EnterpriseId;
use gridloop_store::{Store, Visit, VisitPlanRecord};
use serde_json::json;

use crate::app::App;
use crate::cli::{VisitCommand, VisitPlanCommand};
use crate::exit::UsageError;
use crate::render::{local, print_json, say, table};

pub async fn run(app: &App, cmd: VisitCommand) -> anyhow::Result<()> {
    match cmd {
        VisitCommand::Plan(cmd) => plan(app, cmd).await,
        VisitCommand::List {
            due,
            as_login,
            status,
        } => {
            let tz = app.settings.calendar.time_zone;
            let query = VisitQuery {
                due,
                status,
                enterprise: None,
            };
            let visits =
                visits::list_as_operator(&app.state()?, &query, as_login.as_deref()).await?;
            if app.json {
                return print_json(&visits);
            }
            let names = enterprise_names(&app.store).await?;
            let rows: Vec<Vec<String>> = visits.iter().map(|v| visit_row(v, &names, tz)).collect();
            say!(
                "{}",
                table(
                    &["ID", "ENTERPRISE", "STARTS", "ENDS", "STATUS", "ISSUES"],
                    &rows
                )
            );
            Ok(())
        }
        VisitCommand::Checkin { id, as_login } => {
            let actor = app.actor(&as_login).await?;
            let visit = visits::check_in(&app.state()?, &actor, id).await?;
            show(app, &visit, "checked in")
        }
        VisitCommand::Complete {
            id,
            as_login,
            notes,
            raise_issue,
            category,
            description,
            priority,
        } => {
            let actor = app.actor(&as_login).await?;
            let raise = match raise_issue {
                None => Vec::new(),
                Some(title) => {
                    let category = category.ok_or_else(|| {
                        UsageError(
                            "--raise-issue needs --category (see `gridloop category list`)".into(),
                        )
                    })?;
                    vec![RaisedInput {
                        title,
                        category,
                        description,
                        priority: Some(priority),
                    }]
                }
            };
            let visit = visits::complete(&app.state()?, &actor, id, &notes, &raise).await?;
            show(app, &visit, "completed")
        }
    }
}

fn show(app: &App, visit: &Visit, what: &str) -> anyhow::Result<()> {
    if app.json {
        return print_json(visit);
    }
    say!(
        "visit {} {what} at {}{}",
        visit.id,
        local(app.now, app.settings.calendar.time_zone),
        if visit.issues.is_empty() {
            String::new()
        } else {
            format!(
                "; raised issue(s) {}",
                visit
                    .issues
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    Ok(())
}

async fn enterprise_names(store: &Store) -> anyhow::Result<Vec<(EnterpriseId, String)>> {
    Ok(enterprises::list(store, None, None)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name.to_string()))
        .collect())
}

fn visit_row(v: &Visit, names: &[(EnterpriseId, String)], tz: Tz) -> Vec<String> {
    let name = names
        .iter()
        .find(|(id, _)| *id == v.enterprise)
        .map_or_else(|| v.enterprise.to_string(), |(_, n)| n.clone());
    vec![
        v.id.to_string(),
        name,
        local(v.scheduled_at, tz),
        local(v.window_end_at, tz),
        v.status.to_string(),
        v.issues
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
    ]
}

async fn plan(app: &App, cmd: VisitPlanCommand) -> anyhow::Result<()> {
    let tz = app.settings.calendar.time_zone;
    let show_plan = |p: &VisitPlanRecord| -> anyhow::Result<()> {
        if app.json {
            print_json(p)
        } else {
            say!(
                "visit plan {}: enterprise {} by user {}, `{}` in {}, {} min window{}",
                p.id,
                p.enterprise,
                p.commissioner,
                p.plan.schedule().expr,
                p.plan.schedule().tz.name(),
                p.plan.window_minutes(),
                if p.plan.is_active() { "" } else { " (paused)" }
            );
            Ok(())
        }
    };
    match cmd {
        VisitPlanCommand::Add {
            enterprise,
            commissioner,
            cron,
            tz: zone,
            window,
            lead,
        } => {
            let input = NewPlanInput {
                enterprise,
                commissioner,
                cron: Some(cron),
                time_zone: Some(zone),
                window_minutes: Some(window),
                reminder_lead_minutes: Some(lead),
            };
            show_plan(&visits::add_plan_as_operator(&app.state()?, &input).await?)
        }
        VisitPlanCommand::List { as_login } => {
            let plans = visits::plans_as_operator(&app.state()?, as_login.as_deref()).await?;
            if app.json {
                return print_json(&plans);
            }
            let names = enterprise_names(&app.store).await?;
            let users = gridloop_app::reference::users::list(&app.store).await?;
            let rows: Vec<Vec<String>> = plans
                .iter()
                .map(|p| {
                    vec![
                        p.id.to_string(),
                        names
                            .iter()
                            .find(|(id, _)| *id == p.enterprise)
                            .map_or_else(String::new, |(_, n)| n.clone()),
                        users
                            .iter()
                            .find(|u| u.id == p.commissioner)
                            .map_or_else(String::new, |u| u.login.to_string()),
                        p.plan.schedule().expr.to_string(),
                        p.plan.schedule().tz.name().to_owned(),
                        format!("{} min", p.plan.window_minutes()),
                        if p.plan.is_active() {
                            "active"
                        } else {
                            "paused"
                        }
                        .into(),
                        p.materialised_until
                            .map(|t| local(t, tz))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            say!(
                "{}",
                table(
                    &[
                        "ID",
                        "ENTERPRISE",
                        "COMMISSIONER",
                        "CRON",
                        "TIME ZONE",
                        "WINDOW",
                        "STATE",
                        "PLANNED UNTIL"
                    ],
                    &rows
                )
            );
            Ok(())
        }
        VisitPlanCommand::Pause { id } | VisitPlanCommand::Resume { id } => {
            let active = matches!(cmd, VisitPlanCommand::Resume { .. });
            let record = visits::set_plan_active_as_operator(&app.state()?, id, active).await?;
            if app.json {
                return print_json(&json!({"id": id, "active": active}));
            }
            show_plan(&record)
        }
    }
}

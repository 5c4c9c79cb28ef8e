//! `gridloop visit plan add|list|pause|resume`, `visit list|checkin|complete`.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use gridloop_core::{
    CronExpr, Description, EnterpriseId, Priority, Schedule, Title, VisitPlan, VisitStatus,
};
use gridloop_store::{RaisedIssue, Store, Visit, VisitFilter, VisitPlanRecord};
use serde_json::json;

use crate::app::App;
use crate::cli::{VisitCommand, VisitPlanCommand};
use crate::commands::jobs::parse_tz;
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
            let (from, to) = match due.as_deref() {
                None => (None, None),
                Some(span) => {
                    let (from, to) = due_range(span, app.now, tz)?;
                    (Some(from), Some(to))
                }
            };
            let commissioner = match as_login {
                Some(login) => Some(app.user(&login).await?.id),
                None => None,
            };
            let filter = VisitFilter {
                commissioner,
                status: status.map(|s| s.parse::<VisitStatus>()).transpose()?,
                from,
                to,
                ..VisitFilter::default()
            };
            let visits = app.store.visits(&filter).await?;
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
            let user = app.user(&as_login).await?;
            let visit = app.store.check_in_visit(id, user.id, app.now).await?;
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
            let raised = match raise_issue {
                None => Vec::new(),
                Some(title) => {
                    let category = category.ok_or_else(|| {
                        UsageError(
                            "--raise-issue needs --category (see `gridloop category list`)".into(),
                        )
                    })?;
                    vec![RaisedIssue {
                        category: app.category_id(&category).await?,
                        title: Title::parse(&title)?,
                        description: Description::parse(&description)?,
                        priority: priority.parse::<Priority>()?,
                    }]
                }
            };
            let visit = app
                .store
                .complete_visit_raising(&app.workflow, &actor, id, &notes, &raised, app.now)
                .await?;
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

/// `[from, to)` of today or this week (Monday to Sunday) in `tz`.
pub(crate) fn due_range(
    span: &str,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<(DateTime<Utc>, DateTime<Utc>), UsageError> {
    let today = now.with_timezone(&tz).date_naive();
    let (first, days) = match span {
        "today" => (today, 1),
        "week" => (
            today - Duration::days(i64::from(today.weekday().num_days_from_monday())),
            7,
        ),
        other => {
            return Err(UsageError(format!(
                "--due '{other}': expected today or week"
            )))
        }
    };
    let start = |d: chrono::NaiveDate| {
        tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| UsageError(format!("{d} has no midnight in {tz}")))
    };
    Ok((start(first)?, start(first + Duration::days(days))?))
}

async fn enterprise_names(store: &Store) -> anyhow::Result<Vec<(EnterpriseId, String)>> {
    Ok(store
        .enterprises(None)
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
            let schedule = Schedule::new(CronExpr::parse(&cron)?, parse_tz(&zone)?);
            let plan = VisitPlan::new(schedule, window, lead, true)?;
            let user = app.user(&commissioner).await?;
            let enterprise = EnterpriseId::new(enterprise)?;
            let mut tx = app.store.transaction().await?;
            let record = tx
                .add_visit_plan(enterprise, user.id, &plan, app.now)
                .await?;
            gridloop_scheduler::visits::materialise(
                &mut tx,
                &record,
                app.workflow.calendar(),
                app.now,
            )
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
            tx.commit().await?;
            show_plan(&record)
        }
        VisitPlanCommand::List { as_login } => {
            let commissioner = match as_login {
                Some(login) => Some(app.user(&login).await?.id),
                None => None,
            };
            let plans = app.store.visit_plans(commissioner).await?;
            if app.json {
                return print_json(&plans);
            }
            let names = enterprise_names(&app.store).await?;
            let users = app.store.users().await?;
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
            let mut tx = app.store.transaction().await?;
            let record = tx.set_visit_plan_active(id, active, app.now).await?;
            if active {
                gridloop_scheduler::visits::materialise(
                    &mut tx,
                    &record,
                    app.workflow.calendar(),
                    app.now,
                )
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            }
            tx.commit().await?;
            if app.json {
                return print_json(&json!({"id": id, "active": active}));
            }
            show_plan(&record)
        }
    }
}

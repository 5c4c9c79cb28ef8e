//! `gridloop jobs list|retry|work` and `gridloop schedule add|list|pause|resume|remove|kinds`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridloop_core::Misfire;
use gridloop_scheduler::ManualClock;
use gridloop_store::{Job, ScheduleRecord};
use serde_json::json;

use crate::app::App;
use crate::cli::{JobsCommand, ScheduleCommand};
use crate::exit::UsageError;
use crate::render::{print_json, say, table};
use gridloop_app::jobs as worker;
use gridloop_app::schedules::{self, NewScheduleInput};

fn when(t: Option<DateTime<Utc>>, tz: Tz) -> String {
    t.map(|t| crate::render::local(t, tz))
        .unwrap_or_else(|| "-".into())
}

pub async fn jobs(app: &App, cmd: JobsCommand) -> anyhow::Result<()> {
    let tz = app.settings.calendar.time_zone;
    match cmd {
        JobsCommand::List { state, limit } => {
            let jobs = schedules::jobs(&app.store, state.as_deref(), limit).await?;
            if app.json {
                return print_json(&jobs);
            }
            let rows: Vec<Vec<String>> = jobs.iter().map(|j| job_row(j, tz)).collect();
            say!(
                "{}",
                table(
                    &[
                        "ID",
                        "KIND",
                        "STATE",
                        "RUN AT",
                        "ATTEMPTS",
                        "KEY",
                        "LAST ERROR"
                    ],
                    &rows
                )
            );
            Ok(())
        }
        JobsCommand::Retry { id } => {
            let job = schedules::retry_job(&app.store, id, app.now).await?;
            if app.json {
                return print_json(&job);
            }
            say!("job {id} ({}) requeued to run now", job.kind);
            Ok(())
        }
        JobsCommand::Work => {
            let clock = Arc::new(ManualClock::new(app.now));
            worker::ensure_schedules(&app.store, &app.settings, app.now).await?;
            let workflow = gridloop_scheduler::LiveWorkflow::new(app.workflow.clone());
            let scheduler = worker::build(app.store.clone(), &workflow, clock, &app.settings)?;
            let report = scheduler.tick().await?;
            if app.json {
                return print_json(&json!({
                    "rescued": report.rescued, "fired": report.fired, "completed": report.completed,
                    "failed": report.failed, "dead": report.dead,
                }));
            }
            say!(
                "fired {} scheduled job(s); completed {}, failed {}, dead {}; rescued {} lost lease(s)",
                report.fired,
                report.completed,
                report.failed,
                report.dead,
                report.rescued
            );
            Ok(())
        }
    }
}

fn job_row(j: &Job, tz: Tz) -> Vec<String> {
    vec![
        j.id.to_string(),
        j.kind.clone(),
        j.state.to_string(),
        crate::render::local(j.run_at, tz),
        format!("{}/{}", j.attempts, j.max_attempts),
        j.unique_key.clone().unwrap_or_default(),
        j.last_error
            .as_deref()
            .map(|e| e.chars().take(60).collect())
            .unwrap_or_default(),
    ]
}

fn parse_misfire(name: &str, cap: usize) -> Result<Misfire, UsageError> {
    match name {
        "skip" => Ok(Misfire::Skip),
        "fire_once" => Ok(Misfire::FireOnce),
        "fire_all" if cap >= 1 => Ok(Misfire::FireAll { cap }),
        "fire_all" => Err(UsageError("--cap must be at least 1".into())),
        other => Err(UsageError(format!(
            "--misfire '{other}': expected skip, fire_once or fire_all"
        ))),
    }
}

pub async fn schedule(app: &App, cmd: ScheduleCommand) -> anyhow::Result<()> {
    let show = |s: &ScheduleRecord| -> anyhow::Result<()> {
        if app.json {
            print_json(s)
        } else {
            say!(
                "{}: `{}` in {}, {} job, next {}{}",
                s.name,
                s.schedule.expr,
                s.schedule.tz.name(),
                s.job_kind,
                when(s.next_fire_at, s.schedule.tz),
                if s.paused { " (paused)" } else { "" }
            );
            Ok(())
        }
    };
    match cmd {
        ScheduleCommand::Add {
            name,
            cron,
            tz: zone,
            job,
            payload,
            misfire,
            cap,
        } => {
            let payload = match serde_json::from_str(&payload) {
                Ok(serde_json::Value::Object(map)) => map,
                _ => return Err(UsageError("--payload must be a JSON object".into()).into()),
            };
            let input = NewScheduleInput {
                name,
                cron,
                time_zone: zone,
                job,
                payload,
                misfire: parse_misfire(&misfire, cap)?,
            };
            let record = schedules::add_as_operator(&app.state()?, input).await?;
            show(&record)
        }
        ScheduleCommand::List => {
            let schedules = schedules::list(&app.store).await?;
            if app.json {
                return print_json(&schedules);
            }
            let rows: Vec<Vec<String>> = schedules
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        s.schedule.expr.to_string(),
                        s.schedule.tz.name().to_owned(),
                        s.job_kind.clone(),
                        match s.misfire {
                            Misfire::Skip => "skip".into(),
                            Misfire::FireOnce => "fire_once".into(),
                            Misfire::FireAll { cap } => format!("fire_all({cap})"),
                        },
                        if s.paused { "paused" } else { "active" }.into(),
                        // In the schedule's own zone, where its expression reads.
                        when(s.last_fired_at, s.schedule.tz),
                        when(s.next_fire_at, s.schedule.tz),
                    ]
                })
                .collect();
            say!(
                "{}",
                table(
                    &[
                        "NAME",
                        "CRON",
                        "TIME ZONE",
                        "JOB",
                        "MISFIRE",
                        "STATE",
                        "LAST",
                        "NEXT"
                    ],
                    &rows
                )
            );
            Ok(())
        }
        ScheduleCommand::Pause { name } => {
            show(&schedules::set_paused_as_operator(&app.state()?, &name, true).await?)
        }
        ScheduleCommand::Resume { name } => {
            show(&schedules::set_paused_as_operator(&app.state()?, &name, false).await?)
        }
        ScheduleCommand::Remove { name } => {
            schedules::remove_as_operator(&app.state()?, &name).await?;
            if app.json {
                print_json(&json!({"removed": name}))
            } else {
                say!("removed schedule {name}");
                Ok(())
            }
        }
        ScheduleCommand::Kinds => {
            if app.json {
                let kinds: Vec<_> = worker::KINDS
                    .iter()
                    .map(|(k, what)| json!({"kind": k, "does": what}))
                    .collect();
                return print_json(&kinds);
            }
            let rows: Vec<Vec<String>> = worker::KINDS
                .iter()
                .map(|(k, what)| vec![(*k).to_owned(), (*what).to_owned()])
                .collect();
            say!("{}", table(&["KIND", "DOES"], &rows));
            Ok(())
        }
    }
}

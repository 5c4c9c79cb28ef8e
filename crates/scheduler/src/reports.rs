//! The weekly report: computed for the week just ended, stored frozen, and sent.
//!
//! `report.weekly` runs from a cron schedule (`0 8 * * MON` by default). It computes the
//! indicators of the eight weeks ending with the one before its occurrence in one pass over the
//! event log, builds the park's report and each unit's and grid's slice, and stores each with
//! its emails in one transaction: supervisors get the park, a unit's head the unit's slice, a
//! grid's post members the grid's slice. A copy is written once per week and scope, so a job
//! run again (after a crash, or by hand) sends nothing twice.
//!
//! Each report but a unit's carries the chain's section (needs and offers, matches, meetings),
//! counted from the chain's facts of the same eight weeks.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use gridloop_core::{
    Audience, Calendar, ChainNames, ChainSection, Locale, Names, Period, ReportOptions,
    ReportScope, TrendLine, WeeklyReport, DEFAULT_MIN_RESOLVED, OVERDUE_LIMIT, TREND_WEEKS,
};
use gridloop_store::{Job, Recipients, Store, StoreError};
use serde::Deserialize;

use crate::error::{JobError, SchedulerError};
use crate::live::LiveWorkflow;
use crate::runner::Scheduler;

pub const WEEKLY_REPORT_JOB: &str = "report.weekly";

/// What making a weekly report needs besides the store's figures: the working calendar, the
/// language, the park's name, where links point, the league table's minimum. The app builds it
/// from the `[report]` section of the configuration (the app's `settings::ReportSettings`).
#[derive(Debug, Clone)]
pub struct ReportContext {
    /// The workflow in force, whose calendar the report counts working time on.
    pub workflow: LiveWorkflow,
    pub locale: Locale,
    /// The heading of the park's report.
    pub park_name: String,
    /// Where issue links in reports point; no links without.
    pub base_url: Option<String>,
    /// The league table's minimum volume.
    pub min_resolved: u64,
}

impl ReportContext {
    /// The defaults of `config/default.toml` on `calendar`, which never changes.
    pub fn new(calendar: Arc<Calendar>) -> Self {
        Self::live(LiveWorkflow::new(gridloop_core::Workflow::shared(calendar)))
    }

    /// The defaults of `config/default.toml` on the calendar in force.
    pub fn live(workflow: LiveWorkflow) -> Self {
        Self {
            workflow,
            locale: Locale::ZhCn,
            park_name: "产业园区".to_owned(),
            base_url: None,
            min_resolved: DEFAULT_MIN_RESOLVED,
        }
    }

    /// The calendar in force now.
    pub fn calendar(&self) -> Arc<Calendar> {
        self.workflow.calendar()
    }

    fn options(&self, now: DateTime<Utc>) -> ReportOptions {
        ReportOptions {
            locale: self.locale,
            generated_at: now,
            base_url: self.base_url.clone(),
            overdue_limit: OVERDUE_LIMIT,
        }
    }
}

#[derive(Deserialize)]
struct Payload {
    /// Set by the schedule: the occurrence that fired.
    occurrence: Option<DateTime<Utc>>,
    /// Set by hand (`2026-W48`): that week instead of the one before the occurrence.
    week: Option<String>,
}

/// Registers the handler.
pub fn register(scheduler: &mut Scheduler, settings: Arc<ReportContext>) {
    let store = scheduler.store().clone();
    scheduler.register(WEEKLY_REPORT_JOB, move |job: Job, now: DateTime<Utc>| {
        let store = store.clone();
        let settings = Arc::clone(&settings);
        async move {
            let payload: Payload = serde_json::from_value(job.payload.clone())
                .map_err(|e| JobError::permanent(format!("job {}: bad payload: {e}", job.id)))?;
            let tz = settings.calendar().tz();
            let period = match payload.week {
                Some(week) => Period::parse_week(&week, tz)
                    .map_err(|e| JobError::permanent(format!("job {}: {e}", job.id)))?,
                None => Period::week_containing(payload.occurrence.unwrap_or(now), tz).previous(),
            };
            let sent = send_weekly(&store, &settings, period, now).await?;
            tracing::info!(period = %period, reports = sent.len(), "weekly reports stored and queued");
            Ok(())
        }
    });
}

/// Every scope a weekly run covers: the park, each unit, each grid.
pub async fn all_scopes(store: &Store) -> Result<Vec<ReportScope>, StoreError> {
    let units = store.units().await?;
    let grids = store.grids().await?;
    Ok(std::iter::once(ReportScope::Park)
        .chain(units.iter().map(|u| ReportScope::Unit(u.id)))
        .chain(grids.iter().map(|g| ReportScope::Grid(g.id)))
        .collect())
}

/// Who receives a scope's report.
pub fn recipients(scope: ReportScope) -> Recipients {
    Recipients::Audience(match scope {
        ReportScope::Park => Audience::Supervisors,
        ReportScope::Unit(unit) => Audience::UnitHead(unit),
        ReportScope::Grid(grid) => Audience::GridPosts(grid),
    })
}

/// Computes, stores and queues the reports of `period` for every scope; returns the stored
/// copies' ids (existing ones for scopes stored before).
pub async fn send_weekly(
    store: &Store,
    settings: &ReportContext,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, SchedulerError> {
    let scopes = all_scopes(store).await?;
    let reports = weekly_reports(store, settings, period, &scopes, now).await?;
    let mut ids = Vec::with_capacity(reports.len());
    for report in &reports {
        let id = store
            .save_report_copy(report, Some(recipients(report.scope)), now)
            .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// The reports of `period` for `scopes`, with the trend of the [`TREND_WEEKS`] weeks ending
/// with it. `period` is computed now from the event log (nothing is stored). An earlier week
/// is taken from the copies stored when it was sent if there is one for every scope asked —
/// its numbers cannot have changed since, as every event counts in the week it happened — and
/// computed with `period`, in the same pass over the log, if not.
pub async fn weekly_reports(
    store: &Store,
    settings: &ReportContext,
    period: Period,
    scopes: &[ReportScope],
    now: DateTime<Utc>,
) -> Result<Vec<WeeklyReport>, SchedulerError> {
    let keys: Vec<String> = scopes.iter().map(ReportScope::key).collect();
    let mut stored: Vec<HashMap<String, TrendLine>> = Vec::new();
    let mut compute: Vec<Period> = Vec::new();
    let trailing = period.trailing(TREND_WEEKS);
    for earlier in &trailing[..trailing.len() - 1] {
        let lines: HashMap<String, TrendLine> = store
            .report_copies_of(&earlier.to_string())
            .await?
            .into_iter()
            .filter_map(|copy| {
                let line = copy.report.trend.last().cloned()?;
                (line.period == *earlier).then_some((copy.summary.scope, line))
            })
            .collect();
        if keys.iter().all(|key| lines.contains_key(key)) {
            stored.push(lines);
        } else {
            compute.push(*earlier);
        }
    }
    compute.push(period);
    let runs = store
        .indicators_runs(&compute, &settings.calendar(), settings.min_resolved)
        .await?;
    let names = names(store, settings).await?;
    let options = settings.options(now);
    // The chain's few facts of all the trend's weeks are read and counted afresh each time:
    // cheaper than keeping them in the stored copies.
    let chain_facts = store.chain_facts(trailing[0].from(), period.to()).await?;
    let chain_names = chain_names(store, &names).await?;
    scopes
        .iter()
        .zip(&keys)
        .map(|(&scope, key)| {
            let report = WeeklyReport::build(&runs, scope, &names, &options, &settings.calendar())?;
            let chain = ChainSection::build(
                &chain_facts,
                &trailing,
                scope,
                &chain_names,
                settings.locale,
            );
            Ok(report
                .with_earlier(stored.iter().filter_map(|lines| lines.get(key).cloned()))
                .with_chain(chain))
        })
        .collect()
}

async fn chain_names(store: &Store, names: &Names) -> Result<ChainNames, StoreError> {
    Ok(ChainNames {
        grids: names.grids.clone(),
        stages: store
            .stage_names()
            .await?
            .into_iter()
            .map(|(id, place, name)| (id, (place, name)))
            .collect(),
    })
}

async fn names(store: &Store, settings: &ReportContext) -> Result<Names, StoreError> {
    Ok(Names {
        park: settings.park_name.clone(),
        units: store
            .units()
            .await?
            .into_iter()
            .map(|u| (u.id, u.name.as_str().to_owned()))
            .collect(),
        grids: store
            .grids()
            .await?
            .into_iter()
            .map(|g| (g.id, g.name.as_str().to_owned()))
            .collect(),
        categories: store
            .categories()
            .await?
            .into_iter()
            .map(|c| (c.id, c.name.as_str().to_owned()))
            .collect(),
    })
}

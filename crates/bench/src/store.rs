//! `gridloop-bench store`: lifecycle throughput of the store, on scratch databases.
//!
//! Each run gets a fresh database (a temp SQLite file, or a new PostgreSQL database dropped
//! afterwards) with a one-grid park, then measures two workloads with W concurrent writers:
//! reports alone (each with its own client key, as the API will send them), and full loops of
//! report, accept, assign, start, resolve and verify (six transactions each).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use gridloop_core::{ActionFields, ActionKind, Actor, Calendar, Note, Satisfaction, Workflow};
use gridloop_store::{ActionRequest, Store};
use serde::Serialize;

use crate::cli::{Backend, BenchStoreArgs};
use crate::kit::{new_issue, small_park, SmallPark};
use crate::out::{print_json, say, table};
use crate::scratch::Scratch;

#[derive(Debug, Serialize)]
struct Row {
    backend: &'static str,
    writers: usize,
    reports: usize,
    reports_per_s: f64,
    cycles: usize,
    cycles_per_s: f64,
    transactions_per_s: f64,
    /// Issue 17's target for this row (`—` where it sets none).
    target: String,
    /// `met`, `not met`, or `—` without a target.
    result: String,
}

/// Issue 17's target: PostgreSQL reports at 16 writers, half the one-row-insert ceiling
/// measured on this kind of machine (`BASELINES.md`). The other rows have none.
const PG_WRITERS: usize = 16;
const PG_REPORTS_PER_S: f64 = 7500.0;

/// The row's target and whether its figures met it.
fn judge(backend: &str, writers: usize, reports_per_s: f64) -> (String, String) {
    if backend != "postgres" || writers != PG_WRITERS {
        return ("—".to_owned(), "—".to_owned());
    }
    let result = if reports_per_s >= PG_REPORTS_PER_S {
        "met"
    } else {
        "not met"
    };
    (
        format!(">= {PG_REPORTS_PER_S:.0} reports/s"),
        result.to_owned(),
    )
}

pub async fn run(args: &BenchStoreArgs, json: bool) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for &backend in &args.backend {
        for &writers in &args.writers {
            let writers = writers.max(1);
            let scratch = Scratch::create(backend, &args.pg_url).await?;
            let result = measure(&scratch.url, writers, args.reports, args.cycles).await;
            scratch.drop().await?;
            let (reports_s, cycles_s) = result?;
            let name = match backend {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            };
            let reports_per_s = per_second(args.reports, reports_s);
            let (target, result) = judge(name, writers, reports_per_s);
            let row = Row {
                backend: name,
                writers,
                reports: args.reports,
                reports_per_s,
                cycles: args.cycles,
                cycles_per_s: per_second(args.cycles, cycles_s),
                transactions_per_s: per_second(args.cycles * 6, cycles_s),
                target,
                result,
            };
            if !json {
                eprintln!(
                    "{} × {} writers: {:.0} reports/s, {:.0} loops/s",
                    row.backend, row.writers, row.reports_per_s, row.cycles_per_s
                );
            }
            rows.push(row);
        }
    }
    if json {
        return print_json(&rows);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.backend.to_owned(),
                r.writers.to_string(),
                format!("{:.0}", r.reports_per_s),
                format!("{:.0}", r.cycles_per_s),
                format!("{:.0}", r.transactions_per_s),
                r.target.clone(),
                r.result.clone(),
            ]
        })
        .collect();
    say!(
        "{}",
        table(
            &[
                "BACKEND",
                "WRITERS",
                "REPORTS/S",
                "LOOPS/S",
                "LOOP TX/S",
                "TARGET",
                "RESULT"
            ],
            &cells
        )
    );
    Ok(())
}

pub(crate) fn per_second(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// Returns the time taken by the reports and by the loops.
async fn measure(
    url: &str,
    writers: usize,
    reports: usize,
    cycles: usize,
) -> anyhow::Result<(Duration, Duration)> {
    let store = Store::connect(url).await?;
    store.migrate().await?;
    let park = Arc::new(small_park(&store).await?);
    let workflow = Arc::new(Workflow::new(Calendar::default_china()));

    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (store, park, workflow) = (store.clone(), park.clone(), workflow.clone());
        let share = reports / writers + usize::from(w < reports % writers);
        tasks.push(tokio::spawn(async move {
            for i in 0..share {
                let issue = new_issue(&park, format!("r-{w}-{i}"))?;
                store
                    .intake(&workflow, &park.reporter, issue, Utc::now())
                    .await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let reports_took = started.elapsed();

    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (store, park, workflow) = (store.clone(), park.clone(), workflow.clone());
        let share = cycles / writers + usize::from(w < cycles % writers);
        tasks.push(tokio::spawn(async move {
            for i in 0..share {
                one_loop(&store, &workflow, &park, format!("c-{w}-{i}")).await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let cycles_took = started.elapsed();
    Ok((reports_took, cycles_took))
}

pub(crate) async fn one_loop(
    store: &Store,
    workflow: &Workflow,
    park: &SmallPark,
    key: String,
) -> anyhow::Result<()> {
    let issue = store
        .intake(workflow, &park.reporter, new_issue(park, key)?, Utc::now())
        .await?
        .issue;
    let steps: [(ActionKind, &Actor, ActionFields); 5] = [
        (
            ActionKind::Accept,
            &park.dispatcher,
            ActionFields::default(),
        ),
        (
            ActionKind::Assign,
            &park.dispatcher,
            ActionFields {
                unit: Some(park.unit),
                ..Default::default()
            },
        ),
        (
            ActionKind::Start,
            &park.unit_member,
            ActionFields::default(),
        ),
        (
            ActionKind::Resolve,
            &park.unit_member,
            ActionFields {
                note: Some(Note::parse("已修复")?),
                ..Default::default()
            },
        ),
        (
            ActionKind::Verify,
            &park.reporter,
            ActionFields {
                satisfaction: Some(Satisfaction::new(5)?),
                ..Default::default()
            },
        ),
    ];
    let mut version = issue.version;
    for (kind, actor, fields) in steps {
        let request = ActionRequest {
            kind,
            fields,
            expected_version: Some(version),
        };
        version = store
            .act(workflow, issue.id, actor, request, Utc::now())
            .await?
            .issue
            .version;
    }
    Ok(())
}

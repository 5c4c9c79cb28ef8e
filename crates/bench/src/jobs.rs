//! `gridloop-bench jobs` (no-op jobs drained per second) and `gridloop-bench overdue` (the
//! overdue scan over a million issues), on scratch databases seeded through the store.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use gridloop_scheduler::{JobError, ManualClock, Scheduler, SchedulerConfig};
use gridloop_store::{IssueFilter, Job, NewJob, Store, MAX_PAGE};
use serde::Serialize;

use crate::cli::{Backend, BenchJobsArgs, BenchOverdueArgs};
use crate::kit::{self, small_park};
use crate::out::{print_json, say, table};
use crate::scratch::Scratch;
use crate::store::per_second;

fn name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

#[derive(Debug, Serialize)]
struct JobsRow {
    backend: &'static str,
    jobs: usize,
    workers: usize,
    batch: u32,
    enqueue_per_s: f64,
    drain_per_s: f64,
}

pub async fn jobs(args: &BenchJobsArgs, json: bool) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for &backend in &args.backend {
        let scratch = Scratch::create(backend, &args.pg_url).await?;
        let result = drain(
            &scratch.url,
            args.jobs,
            args.workers.max(1),
            args.batch.max(1),
        )
        .await;
        scratch.drop().await?;
        let (enqueue_s, drain_s) = result?;
        let row = JobsRow {
            backend: name(backend),
            jobs: args.jobs,
            workers: args.workers,
            batch: args.batch,
            enqueue_per_s: per_second(args.jobs, std::time::Duration::from_secs_f64(enqueue_s)),
            drain_per_s: per_second(args.jobs, std::time::Duration::from_secs_f64(drain_s)),
        };
        if !json {
            eprintln!(
                "{}: enqueued {:.0}/s, drained {:.0} jobs/s",
                row.backend, row.enqueue_per_s, row.drain_per_s
            );
        }
        rows.push(row);
    }
    if json {
        return print_json(&rows);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.backend.to_owned(),
                r.jobs.to_string(),
                r.workers.to_string(),
                r.batch.to_string(),
                format!("{:.0}", r.enqueue_per_s),
                format!("{:.0}", r.drain_per_s),
            ]
        })
        .collect();
    say!(
        "{}",
        table(
            &[
                "BACKEND",
                "JOBS",
                "WORKERS",
                "BATCH",
                "ENQUEUE/S",
                "DRAIN/S"
            ],
            &cells
        )
    );
    Ok(())
}

/// Enqueues `n` no-op jobs (1,000 per transaction), then drains them with `workers`
/// scheduler instances claiming `batch` at a time. Returns both durations in seconds.
async fn drain(url: &str, n: usize, workers: usize, batch: u32) -> anyhow::Result<(f64, f64)> {
    let store = Store::connect(url).await?;
    store.migrate().await?;
    let now = Utc::now();
    let started = Instant::now();
    let mut left = n;
    while left > 0 {
        let chunk = left.min(1000);
        let mut tx = store.transaction().await?;
        for _ in 0..chunk {
            tx.enqueue(&NewJob::new("noop", serde_json::json!({}), now), now)
                .await?;
        }
        tx.commit().await?;
        left -= chunk;
    }
    let enqueue_s = started.elapsed().as_secs_f64();

    let clock = Arc::new(ManualClock::new(now + Duration::seconds(1)));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..workers {
        let mut scheduler = Scheduler::new(
            store.clone(),
            clock.clone(),
            format!("bench-{w}"),
            SchedulerConfig {
                batch,
                ..SchedulerConfig::default()
            },
        );
        scheduler.register("noop", |_job: Job, _now| async { Ok::<(), JobError>(()) });
        tasks.spawn(async move {
            loop {
                let report = scheduler.run_batch().await?;
                if report.completed + report.failed + report.dead == 0 {
                    return anyhow::Ok(());
                }
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    let drain_s = started.elapsed().as_secs_f64();
    let counts = store.count_jobs().await?;
    let completed = counts
        .iter()
        .find(|(s, _)| *s == gridloop_store::JobState::Completed)
        .map_or(0, |(_, n)| *n);
    anyhow::ensure!(
        completed == n as u64,
        "only {completed} of {n} jobs completed"
    );
    store.close().await;
    Ok((enqueue_s, drain_s))
}

#[derive(Debug, Serialize)]
struct OverdueRow {
    backend: &'static str,
    issues: usize,
    open: usize,
    overdue: usize,
    /// The overdue list's first page (what `issue list --overdue` and the API read).
    first_page_ms: f64,
    /// Every overdue issue, page after page of the store's list (what a sweep reads).
    full_scan_ms: f64,
    /// Issue 17's target for the full scan, in milliseconds.
    target_ms: f64,
    /// Whether the full scan met it.
    met: bool,
}

/// Issue 17's target for reading every overdue issue of the million (50,000 of them). The
/// first page has none of its own: it is a list, and the list's targets are `http`'s.
const FULL_SCAN_TARGET_MS: f64 = 50.0;

pub async fn overdue(args: &BenchOverdueArgs, json: bool) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for &backend in &args.backend {
        let scratch = Scratch::create(backend, &args.pg_url).await?;
        let result = overdue_on(backend, &scratch.url, args.issues, args.open, args.runs).await;
        scratch.drop().await?;
        let row = result?;
        if !json {
            eprintln!(
                "{}: {} overdue of {} open; first page {:.1} ms, full scan {:.1} ms",
                row.backend, row.overdue, row.open, row.first_page_ms, row.full_scan_ms
            );
        }
        rows.push(row);
    }
    if json {
        return print_json(&rows);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.backend.to_owned(),
                r.issues.to_string(),
                r.open.to_string(),
                r.overdue.to_string(),
                format!("{:.1}", r.first_page_ms),
                format!("{:.1}", r.full_scan_ms),
                format!("< {:.0}", r.target_ms),
                if r.met { "met" } else { "not met" }.to_owned(),
            ]
        })
        .collect();
    say!(
        "{}",
        table(
            &[
                "BACKEND",
                "ISSUES",
                "OPEN",
                "OVERDUE",
                "FIRST PAGE MS",
                "FULL SCAN MS",
                "TARGET MS",
                "RESULT"
            ],
            &cells
        )
    );
    Ok(())
}

async fn overdue_on(
    backend: Backend,
    url: &str,
    issues: usize,
    open: usize,
    runs: usize,
) -> anyhow::Result<OverdueRow> {
    let store = Store::connect(url).await?;
    store.migrate().await?;
    let park = small_park(&store).await?;
    // Seeded in bulk through the store: a million reports through the workflow would take the
    // whole benchmark's time. Every `step`-th issue is open, and half of those are overdue.
    let now = Utc
        .with_ymd_and_hms(2026, 11, 27, 4, 0, 0)
        .single()
        .unwrap_or_default();
    let step = (issues / open.max(1)).max(1);
    let started = Instant::now();
    let open = kit::seed_overdue(&store, &park, issues, step, now).await?;
    eprintln!(
        "{}: loaded {issues} issues in {:.1} s",
        name(backend),
        started.elapsed().as_secs_f64()
    );

    let filter = IssueFilter {
        overdue_at: Some(now),
        ..IssueFilter::default()
    };
    let mut first_page = Vec::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let page = store.list_issues(&filter, 100, None).await?;
        first_page.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(!page.items.is_empty(), "no overdue issue found");
    }
    // Every overdue issue, a full page at a time to the last: what a sweep over all of them
    // reads through the store.
    let mut full_scan = Vec::new();
    let mut overdue = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let (mut cursor, mut seen) = (None, 0);
        loop {
            let page = store
                .list_issues(&filter, MAX_PAGE, cursor.as_deref())
                .await?;
            seen += page.items.len();
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        full_scan.push(t.elapsed().as_secs_f64() * 1000.0);
        overdue = seen;
    }
    store.close().await;
    let full_scan_ms = median(full_scan);
    Ok(OverdueRow {
        backend: name(backend),
        issues,
        open,
        overdue,
        first_page_ms: median(first_page),
        full_scan_ms,
        target_ms: FULL_SCAN_TARGET_MS,
        met: full_scan_ms < FULL_SCAN_TARGET_MS,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

//! `gridloop-bench jobs` (no-op jobs drained per second) and `gridloop-bench overdue` (the
//! overdue scan over a million issues), on scratch databases.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use gridloop_scheduler::{JobError, ManualClock, Scheduler, SchedulerConfig};
use gridloop_store::{IssueFilter, Job, NewJob, Store};
use serde::Serialize;
use sqlx::Connection;

use crate::cli::{Backend, BenchJobsArgs, BenchOverdueArgs};
use crate::out::{print_json, say, table};
use crate::scratch::Scratch;
use crate::store::{per_second, setup};

/// Runs `$body` with `$conn` a raw connection of the scratch database's backend: the bulk
/// load and the timed statement bypass the store on purpose.
macro_rules! on_connection {
    ($backend:expr, $url:expr, $conn:ident => $body:block) => {
        match $backend {
            Backend::Sqlite => {
                let mut $conn = sqlx::SqliteConnection::connect($url).await?;
                $body
            }
            Backend::Postgres => {
                let mut $conn = sqlx::PgConnection::connect($url).await?;
                $body
            }
        }
    };
}

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
    /// Every overdue issue's id and deadline (what an escalation sweep reads).
    full_scan_ms: f64,
}

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
                "FULL SCAN MS"
            ],
            &cells
        )
    );
    Ok(())
}

/// The statement an escalation sweep runs: every overdue open issue (`Issue::is_overdue`).
const SWEEP: &str = "SELECT id, resolve_due_at, escalation_level FROM issues \
     WHERE status IN ('assigned', 'in_progress') \
       AND ((responded_at IS NULL AND response_due_at <= $1) OR resolve_due_at <= $1)";

async fn overdue_on(
    backend: Backend,
    url: &str,
    issues: usize,
    open: usize,
    runs: usize,
) -> anyhow::Result<OverdueRow> {
    let store = Store::connect(url).await?;
    store.migrate().await?;
    let park = setup(&store).await?;
    store.close().await;
    // Bulk rows straight in SQL: a million reports through the workflow would take the whole
    // benchmark's time. Every `step`-th issue is open (assigned), the rest closed; open ones
    // have deadlines spread over 20 days around `now`, so about half are overdue.
    let now = Utc
        .with_ymd_and_hms(2026, 11, 27, 4, 0, 0)
        .single()
        .unwrap_or_default();
    let step = (issues / open.max(1)).max(1);
    let insert = "INSERT INTO issues (version, status, title, description, category_id, priority, \
         grid_id, enterprise_id, source, unit_id, sla_response_minutes, sla_resolve_minutes, \
         assigned_at, response_due_at, resolve_due_at, responded_at, closed_at, created_at, updated_at) \
         SELECT 1, CASE WHEN n % $1 = 0 THEN 'assigned' ELSE 'closed' END, 'issue', '', $2, 'normal', \
           g.id, $3, 'api', $4, 60, 450, $5, $5, \
           CASE WHEN n % $1 = 0 THEN $6 ELSE $5 END, \
           CASE WHEN n % 3 = 0 THEN $5 ELSE NULL END, \
           CASE WHEN n % $1 = 0 THEN NULL ELSE $5 END, $5, $5 \
         FROM series, (SELECT grid_id AS id FROM enterprises WHERE id = $3) g";
    let series = match backend {
        Backend::Sqlite => format!(
            "WITH RECURSIVE series(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM series WHERE n < {issues}) "
        ),
        Backend::Postgres => format!("WITH series(n) AS (SELECT generate_series(1, {issues})) "),
    };
    // Deadlines: one fixed instant per open issue is enough for the plan; spread them so that
    // half fall before `now`.
    let due_early = now - Duration::days(10);
    let due_late = now + Duration::days(10);
    let sql = format!("{series}{insert}");
    let started = Instant::now();
    let analyze = match backend {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => "VACUUM ANALYZE issues",
    };
    on_connection!(backend, url, conn => {
        sqlx::query(&sql)
            .bind(step as i64)
            .bind(park.category.get())
            .bind(park.enterprise.get())
            .bind(park.unit.get())
            .bind(now - Duration::days(20))
            .bind(due_early)
            .execute(&mut conn)
            .await?;
        sqlx::query(
            "UPDATE issues SET resolve_due_at = $1, responded_at = assigned_at \
             WHERE status = 'assigned' AND id % $2 = 0",
        )
        .bind(due_late)
        .bind(2 * step as i64)
        .execute(&mut conn)
        .await?;
        sqlx::query(analyze).execute(&mut conn).await?;
        conn.close().await?;
    });
    eprintln!(
        "{}: loaded {issues} issues in {:.1} s",
        name(backend),
        started.elapsed().as_secs_f64()
    );

    let store = Store::connect(url).await?;
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
    store.close().await;
    let explain = match backend {
        Backend::Sqlite => "EXPLAIN QUERY PLAN",
        Backend::Postgres => "EXPLAIN ANALYZE",
    };
    let (overdue, full, plan) = on_connection!(backend, url, conn => {
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            let rows: Vec<(i64, Option<chrono::DateTime<Utc>>, i64)> =
                sqlx::query_as(SWEEP).bind(now).fetch_all(&mut conn).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            count = rows.len();
        }
        // The plan's text is the last column of either backend's answer.
        let plan: Vec<String> = sqlx::query(&format!("{explain} {SWEEP}"))
            .bind(now)
            .fetch_all(&mut conn)
            .await?
            .iter()
            .map(|row| {
                use sqlx::Row;
                row.try_get::<String, _>(row.len() - 1).unwrap_or_default()
            })
            .collect();
        conn.close().await?;
        (count, median(times), plan)
    });
    eprintln!("{} plan:\n  {}", name(backend), plan.join("\n  "));
    Ok(OverdueRow {
        backend: name(backend),
        issues,
        open: issues / step,
        overdue,
        first_page_ms: median(first_page),
        full_scan_ms: full,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

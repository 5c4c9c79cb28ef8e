//! `gridloop-bench export`: the issue ledger (台账) of a park of 100,000 issues exported as
//! a user exports it — `gridloop issue export` in a child process — timed, with the child's
//! peak resident memory (issue 15: under 10 s and 100 MiB).
//!
//! Each backend gets a fresh database filled as the report benchmark fills it (the large park,
//! histories generated from the workflow's own steps and written by the store's bulk
//! seeding, about five events per issue, over two years). Then, per format, the binary
//! (`--gridloop`, `GRIDLOOP_BIN`, or the `gridloop` beside this program) writes the whole
//! ledger to a temporary file. Its peak RSS is the kernel's high-water mark (`VmHWM` in
//! `/proc/PID/status`), read every 2 ms while it runs: the mark only grows, so all that can
//! be missed is what the last 2 ms before the exit add, when the file is already written.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use gridloop_core::Calendar;
use serde::Serialize;
use serde_json::Value;
use tokio::process::Command;

use crate::cli::{Backend, BenchExportArgs};
use crate::http::gridloop_binary;
use crate::out::{print_json, say, table};
use crate::report::generate_park;
use crate::scratch::Scratch;

/// Issue 15's targets for 100,000 issues.
const TARGET_S: f64 = 10.0;
const TARGET_MIB: f64 = 100.0;

#[derive(Debug, Serialize)]
struct Row {
    backend: &'static str,
    format: &'static str,
    issues: u64,
    rows: u64,
    seconds: f64,
    peak_rss_mib: f64,
    file_mib: f64,
    target_s: f64,
    target_mib: f64,
    met: bool,
}

fn name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

pub async fn run(args: &BenchExportArgs, json: bool) -> anyhow::Result<()> {
    let exe = gridloop_binary(args.gridloop.as_deref())?;
    let mut rows = Vec::new();
    for &backend in &args.backend {
        let scratch = Scratch::create(backend, &args.pg_url).await?;
        let result = run_on(&exe, backend, &scratch.url, args, json).await;
        scratch.drop().await?;
        rows.extend(result?);
    }
    if json {
        return print_json(&rows);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.backend.to_owned(),
                r.format.to_owned(),
                r.rows.to_string(),
                format!("{:.2}", r.seconds),
                format!("{:.1}", r.peak_rss_mib),
                format!("{:.1}", r.file_mib),
                format!("< {:.0} s, < {:.0} MiB", r.target_s, r.target_mib),
                if r.met { "met" } else { "not met" }.to_owned(),
            ]
        })
        .collect();
    say!(
        "{}",
        table(
            &[
                "BACKEND",
                "FORMAT",
                "ROWS",
                "SECONDS",
                "PEAK RSS MIB",
                "FILE MIB",
                "TARGET",
                "RESULT"
            ],
            &cells
        )
    );
    Ok(())
}

async fn run_on(
    exe: &Path,
    backend: Backend,
    url: &str,
    args: &BenchExportArgs,
    json: bool,
) -> anyhow::Result<Vec<Row>> {
    let issues = args.issues.max(1) as u64;
    let started = Instant::now();
    let calendar = Arc::new(Calendar::default_china());
    generate_park(url, &calendar, issues, issues * 5, 104).await?;
    if !json {
        eprintln!(
            "{}: generated {issues} issues in {:.1} s",
            name(backend),
            started.elapsed().as_secs_f64()
        );
    }
    let dir = std::env::temp_dir().join(format!("gridloop-bench-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut rows = Vec::new();
    for format in ["xlsx", "csv"] {
        let file = dir.join(format!("ledger.{format}"));
        let (seconds, peak_kib, rows_written) = export_once(exe, url, format, &file).await?;
        let file_mib = std::fs::metadata(&file)?.len() as f64 / (1024.0 * 1024.0);
        std::fs::remove_file(&file)?;
        anyhow::ensure!(
            rows_written == issues,
            "{format}: {rows_written} rows for {issues} issues"
        );
        let peak_rss_mib = peak_kib as f64 / 1024.0;
        if !json {
            eprintln!(
                "{}: {format}: {rows_written} rows in {seconds:.2} s, peak RSS {peak_rss_mib:.1} MiB, \
                 file {file_mib:.1} MiB",
                name(backend)
            );
        }
        rows.push(Row {
            backend: name(backend),
            format,
            issues,
            rows: rows_written,
            seconds,
            peak_rss_mib,
            file_mib,
            target_s: TARGET_S,
            target_mib: TARGET_MIB,
            met: seconds < TARGET_S && peak_rss_mib < TARGET_MIB,
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rows)
}

/// One `gridloop issue export` run: its wall time, its peak RSS in KiB, the rows it wrote.
async fn export_once(
    exe: &Path,
    url: &str,
    format: &str,
    file: &Path,
) -> anyhow::Result<(f64, u64, u64)> {
    let started = Instant::now();
    let mut child = Command::new(exe)
        .arg("--database-url")
        .arg(url)
        .args(["--json", "issue", "export", "--format", format, "--output"])
        .arg(file)
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting gridloop")?;
    let status_file = child
        .id()
        .map(|pid| format!("/proc/{pid}/status"))
        .context("the child's pid")?;
    let mut peak = 0_u64;
    let mut tick = tokio::time::interval(Duration::from_millis(2));
    let status = loop {
        tokio::select! {
            status = child.wait() => break status?,
            _ = tick.tick() => peak = peak.max(hwm_kib(&status_file)),
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        tokio::io::AsyncReadExt::read_to_string(&mut stdout, &mut out).await?;
    }
    if let Some(mut stderr) = child.stderr.take() {
        tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut err).await?;
    }
    if !status.success() {
        bail!("gridloop issue export --format {format} failed: {err}");
    }
    let summary: Value = serde_json::from_str(&out).context("the export's JSON summary")?;
    let rows = summary["rows"].as_u64().context("rows in the summary")?;
    Ok((seconds, peak, rows))
}

/// `VmHWM` of a process, in KiB (0 once it has exited or where there is no procfs).
fn hwm_kib(status_file: &str) -> u64 {
    std::fs::read_to_string(status_file)
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmHWM:")?
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

//! `gridloop backup` and `gridloop restore` of the large generated park (a million issues and
//! five million events by default), timed as an operator runs them: the release binary in a
//! child process, its peak memory read from the kernel while it runs.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::Serialize;

use crate::cli::{Backend, BenchBackupArgs};
use crate::out::{print_json, say, table};
use crate::scratch::Scratch;

/// What the issue asks of a backup and a restore of the million-issue park on SQLite.
const TARGET_S: f64 = 120.0;

#[derive(Debug, Serialize)]
struct Row {
    backend: &'static str,
    issues: u64,
    generate_s: f64,
    backup_s: f64,
    backup_mib: f64,
    file_mib: f64,
    restore_s: f64,
    restore_mib: f64,
    target_s: f64,
    met: bool,
}

pub async fn run(args: &BenchBackupArgs, json: bool) -> anyhow::Result<()> {
    let gridloop = crate::http::gridloop_binary(args.gridloop.as_deref())?;
    let mut rows = Vec::new();
    for &backend in &args.backend {
        let source = Scratch::create(backend, &args.pg_url).await?;
        let target = Scratch::create(backend, &args.pg_url).await?;
        let result = run_on(backend, &gridloop, &source.url, &target.url, args, json).await;
        source.drop().await?;
        target.drop().await?;
        rows.push(result?);
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
                format!("{:.1}", r.backup_s),
                format!("{:.0}", r.file_mib),
                format!("{:.0}", r.backup_mib),
                format!("{:.1}", r.restore_s),
                format!("{:.0}", r.restore_mib),
                format!("< {:.0}", r.target_s),
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
                "BACKUP S",
                "FILE MIB",
                "BACKUP RSS MIB",
                "RESTORE S",
                "RESTORE RSS MIB",
                "TARGET S",
                "RESULT"
            ],
            &cells
        )
    );
    Ok(())
}

async fn run_on(
    backend: Backend,
    gridloop: &Path,
    source: &str,
    target: &str,
    args: &BenchBackupArgs,
    json: bool,
) -> anyhow::Result<Row> {
    let name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let started = Instant::now();
    let issues = args.issues.max(1) as u64;
    let calendar = std::sync::Arc::new(gridloop_core::Calendar::default_china());
    let events = issues * args.events_per_issue.max(5) as u64;
    crate::report::generate_park(source, &calendar, issues, events, args.weeks).await?;
    let generate_s = started.elapsed().as_secs_f64();
    if !json {
        eprintln!("{name}: generated {issues} issues in {generate_s:.1} s");
    }
    let file = std::env::temp_dir().join(format!(
        "gridloop-bench-{}-{}.backup",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    ));
    let (backup_s, backup_mib) = timed(gridloop, source, &["backup", &file.display().to_string()])?;
    let file_mib = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0;
    if !json {
        eprintln!("{name}: backup in {backup_s:.1} s, {file_mib:.0} MiB file, peak RSS {backup_mib:.0} MiB");
    }
    let (restore_s, restore_mib) =
        timed(gridloop, target, &["restore", &file.display().to_string()])?;
    if !json {
        eprintln!("{name}: restore in {restore_s:.1} s, peak RSS {restore_mib:.0} MiB");
    }
    let _ = std::fs::remove_file(&file);
    Ok(Row {
        backend: name,
        issues,
        generate_s,
        backup_s,
        backup_mib,
        file_mib,
        restore_s,
        restore_mib,
        target_s: TARGET_S,
        met: backup_s < TARGET_S && restore_s < TARGET_S,
    })
}

/// Runs `gridloop ARGS --json` on the database `url`; its wall time in seconds and its peak
/// RSS in MiB (the kernel's high-water mark `VmHWM`, read from `/proc` while it runs).
fn timed(gridloop: &Path, url: &str, args: &[&str]) -> anyhow::Result<(f64, f64)> {
    let started = Instant::now();
    let mut child = Command::new(gridloop)
        .args(args)
        .arg("--json")
        .env("GRIDLOOP_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {}", gridloop.display()))?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            peak_kib = peak_kib.max(kib(&text, "VmHWM:"));
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
        }
        bail!("gridloop {}: {stderr}", args.join(" "));
    }
    Ok((seconds, peak_kib as f64 / 1024.0))
}

/// The kilobytes of a `/proc/PID/status` field such as `VmHWM:`.
fn kib(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

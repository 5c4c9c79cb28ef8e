//! `gridloop backup`, `restore` and `copy`: a park's whole database written to a file, read
//! back into an empty database, or moved between databases (see `gridloop_app::backup`).

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use gridloop_app::backup::{self, Copied};
use gridloop_app::settings::redact_url;
use gridloop_store::Store;

use crate::app::App;
use crate::cli::{Cli, Command};
use crate::progress::Progress;
use crate::render::{print_json, say};

pub async fn backup(app: &App, file: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let progress = Progress::new(app.json);
    progress.stage(format!("backing up to {}", file.display()), None);
    let copied = backup::backup(&app.store, file, progress.tables()).await;
    progress.finish();
    let copied = copied?;
    done(
        app.json,
        "backed up to",
        &file.display().to_string(),
        &copied,
        started,
    )
}

/// `restore` and `copy`, which open their databases themselves.
pub async fn run_unopened(cli: &Cli) -> anyhow::Result<()> {
    let settings = crate::app::settings(cli)?;
    let started = Instant::now();
    match &cli.command {
        Command::Restore { file } => {
            let url = cli
                .database_url
                .clone()
                .unwrap_or_else(|| settings.database.url.clone());
            let target = open(&url).await?;
            let progress = Progress::new(cli.json);
            progress.stage(format!("restoring {}", file.display()), None);
            let result = backup::restore(file, &target, progress.tables()).await;
            progress.finish();
            target.close().await;
            done(
                cli.json,
                "restored into",
                &redact_url(&url),
                &result?,
                started,
            )
        }
        Command::Copy { from, to } => {
            let (source, target) = (open(from).await?, open(to).await?);
            let progress = Progress::new(cli.json);
            progress.stage(format!("copying into {}", redact_url(to)), None);
            let result = backup::copy_checked(&source, &target, progress.tables()).await;
            progress.finish();
            source.close().await;
            target.close().await;
            done(cli.json, "copied into", &redact_url(to), &result?, started)
        }
        _ => unreachable!("only restore and copy are run unopened"),
    }
}

async fn open(url: &str) -> anyhow::Result<Store> {
    let store = Store::connect(url)
        .await
        .with_context(|| format!("opening the database {}", redact_url(url)))?;
    store
        .migrate()
        .await
        .with_context(|| format!("migrating the database {}", redact_url(url)))?;
    Ok(store)
}

fn done(
    json: bool,
    what: &str,
    target: &str,
    copied: &Copied,
    started: Instant,
) -> anyhow::Result<()> {
    let seconds = started.elapsed().as_secs_f64();
    if json {
        return print_json(&serde_json::json!({
            "target": target,
            "tables": copied.tables.iter().map(|(t, n)| serde_json::json!({"table": t, "rows": n})).collect::<Vec<_>>(),
            "rows": copied.rows(),
            "issues": copied.rows_of("issues"),
            "events": copied.rows_of("issue_events"),
            "attachments": copied.rows_of("attachments"),
            "event_log_sha256": copied.event_log_sha256,
            "seconds": seconds,
        }));
    }
    say!(
        "{what} {target}: {} rows in {} tables ({} issues, {} events, {} attachments) in {seconds:.1} s; checked: equal row counts, event log sha256 {}",
        copied.rows(),
        copied.tables.len(),
        copied.rows_of("issues"),
        copied.rows_of("issue_events"),
        copied.rows_of("attachments"),
        copied.event_log_sha256
    );
    Ok(())
}

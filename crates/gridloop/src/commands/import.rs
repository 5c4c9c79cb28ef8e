//! `gridloop import FILE.xlsx|FILE.csv [--sheet NAME] [--kind KIND] [--dry-run]`: reference
//! data from a spreadsheet through `gridloop_app::import`, as the operator; and
//! `gridloop import --template FILE.xlsx`, the empty workbook to fill in.
//!
//! A refused file prints every bad cell (sheet!cell, column, value, reason) on stdout, or the
//! same as JSON with `--json`, and exits 2 with one line on stderr; nothing was written.

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use gridloop_app::import::{self, FileFormat, ImportRefused, Imported, Kind, Mode, Source};
use gridloop_app::AppError;
use serde_json::json;

use crate::app::App;
use crate::cli::ImportArgs;
use crate::exit::UsageError;
use crate::progress::Progress;
use crate::render::{print_json, say};

pub async fn run(app: &App, args: &ImportArgs) -> anyhow::Result<()> {
    let name = file_name(&args.file);
    let format = FileFormat::of_name(&name).ok_or_else(|| {
        UsageError(format!(
            "FILE: '{}' is neither an .xlsx workbook nor a .csv",
            args.file.display()
        ))
    })?;
    let kind = args
        .kind
        .as_deref()
        .map(|raw| Kind::parse("--kind", raw))
        .transpose()?;
    let bytes = read_bounded(&args.file)?;
    let source = Source {
        name: &name,
        bytes: &bytes,
        format,
        sheet: args.sheet.as_deref(),
        kind,
    };
    let mode = if args.dry_run {
        Mode::DryRun
    } else {
        Mode::Write
    };
    let progress = Progress::new(app.json);
    progress.stage(format!("checking {name}"), None);
    let shown = |step| match step {
        import::Progress::Checked { rows } => {
            progress.say(format!("{name}: {rows} rows checked"));
        }
        import::Progress::Written { rows, of } => {
            if rows == 1 {
                let done = if args.dry_run {
                    "tried (dry run)"
                } else {
                    "written"
                };
                progress.stage(format!("{name}: rows {done}"), Some(of));
            }
            progress.set(rows);
        }
    };
    let imported = import::import_as_operator_with(&app.state()?, source, mode, shown).await;
    progress.finish();
    match imported {
        Ok(imported) => done(app, &imported),
        Err(AppError::Import(refused)) => {
            refusal(app, &refused)?;
            Err(anyhow::Error::from(AppError::Import(refused))
                .context(args.file.display().to_string()))
        }
        Err(e) => Err(anyhow::Error::from(e).context(args.file.display().to_string())),
    }
}

/// `--template FILE`: writes the empty workbook.
pub fn template(args: &ImportArgs, json: bool) -> anyhow::Result<()> {
    let bytes = import::template()?;
    std::fs::write(&args.file, bytes)
        .with_context(|| format!("writing {}", args.file.display()))?;
    if json {
        return print_json(&json!({
            "template": args.file.display().to_string(),
            "sheets": Kind::ALL.iter().map(|k| k.sheet_name()).collect::<Vec<_>>(),
        }));
    }
    say!(
        "wrote {}: a sheet per kind ({}); fill in the rows under the help row, then `gridloop import {}`",
        args.file.display(),
        Kind::ALL.map(Kind::zh).join("、"),
        args.file.display()
    );
    Ok(())
}

/// The file's name as the report names it (a .csv's sheet).
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The file's bytes, at most one past the import's bound (the use case then refuses it as too
/// large), so a huge file is never read whole.
fn read_bounded(path: &Path) -> anyhow::Result<Vec<u8>> {
    let max = u64::try_from(import::MAX_FILE_MIB * 1024 * 1024).unwrap_or(u64::MAX);
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(bytes)
}

fn done(app: &App, imported: &Imported) -> anyhow::Result<()> {
    if app.json {
        let total = imported.total();
        return print_json(&json!({
            "dry_run": imported.dry_run,
            "kinds": imported.kinds,
            "created": total.created,
            "updated": total.updated,
            "unchanged": total.unchanged,
        }));
    }
    for k in &imported.kinds {
        say!(
            "{:<12} {:>5} created {:>5} updated {:>5} unchanged   ({})",
            k.kind.key(),
            k.counts.created,
            k.counts.updated,
            k.counts.unchanged,
            k.sheet
        );
    }
    let total = imported.total();
    if imported.dry_run {
        say!(
            "dry run: {} would be created, {} updated, {} unchanged; nothing was written",
            total.created,
            total.updated,
            total.unchanged
        );
    } else {
        say!(
            "imported: {} created, {} updated, {} unchanged",
            total.created,
            total.updated,
            total.unchanged
        );
    }
    Ok(())
}

/// Every bad cell, on stdout: one line each, or JSON.
fn refusal(app: &App, refused: &ImportRefused) -> anyhow::Result<()> {
    if app.json {
        return print_json(&json!({
            "refused": true,
            "bad_cells": refused.cells,
            "more": refused.more,
        }));
    }
    say!("sheet\trow\tcolumn\tfield\tvalue\treason");
    for cell in &refused.cells {
        say!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            cell.sheet,
            cell.row.map(|r| r.to_string()).unwrap_or_default(),
            cell.column.as_deref().unwrap_or(""),
            cell.field.unwrap_or(""),
            cell.value,
            cell.reason
        );
    }
    if refused.more > 0 {
        say!("… and {} more", refused.more);
    }
    Ok(())
}

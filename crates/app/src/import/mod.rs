//! Import from spreadsheets: what a park office brings on day one — an Excel workbook (or a
//! .csv per kind) of its units, grids, posts, enterprises, categories with their SLAs, users
//! and visit plans — upserted by natural key (codes; logins for users; for enterprises their
//! unified social credit code, else their name, so a renamed enterprise with its code is
//! updated in place; enterprise and commissioner for visit plans).
//!
//! Everything is checked before anything is written: every cell is parsed by the core's
//! parsers (the API's), every reference between sheets is looked up in the workbook and the
//! database, and a file with any bad cell is refused whole ([`AppError::Import`], every bad
//! cell as data). The writes happen in one transaction, so one bad row never half-imports a
//! workbook; a dry run does the same writes and rolls them back, so it reports exactly what a
//! real run would do (and what only the store refuses, such as demoting the last admin).
//! Importing the same workbook twice changes nothing the second time.
//!
//! # Layout
//!
//! - this file: [`import`], the use case, and what it answers ([`Imported`]).
//! - [`columns`]: the kinds of sheet and their columns, with the Chinese and English headers
//!   (the one table of aliases), and the reading of roles, priorities and lists in cells.
//! - [`read`]: an .xlsx (calamine) or .csv read into sheets of text cells, within bounds.
//! - [`validate`]: cells parsed into domain values and references checked; a [`validate::Batch`].
//! - [`write`]: the batch upserted in the import's transaction, counted.
//! - [`problem`]: [`BadCell`], [`Reason`], [`ImportRefused`]: why an import was refused.
//! - [`template`]: the empty workbook to fill in (rust_xlsxwriter).
//! - [`upload`]: a file uploaded on the web, kept in the database between its dry run and its
//!   confirmation.

pub mod columns;
pub mod problem;
pub mod read;
pub mod template;
pub mod upload;
pub mod validate;
pub mod write;

pub use columns::Kind;
pub use problem::{BadCell, ImportRefused, Reason};
pub use read::{FileFormat, Source, MAX_FILE_MIB};
pub use template::template;
pub use write::Counts;

use std::collections::HashMap;

use gridloop_core::Actor;
use serde::Serialize;

use crate::error::AppError;
use crate::reference::require_admin;
use crate::state::AppState;

/// Whether an import writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    /// Checks everything and counts what would change; writes nothing.
    DryRun,
}

/// What an import did, kind by kind (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Imported {
    pub dry_run: bool,
    pub kinds: Vec<KindCounts>,
}

/// The rows of one kind: created, updated, unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    pub kind: Kind,
    /// The sheet the rows came from (the first, if several).
    pub sheet: String,
    #[serde(flatten)]
    pub counts: Counts,
}

impl Imported {
    /// The counts of every kind added up.
    pub fn total(&self) -> Counts {
        self.kinds.iter().fold(Counts::default(), |t, k| Counts {
            created: t.created + k.counts.created,
            updated: t.updated + k.counts.updated,
            unchanged: t.unchanged + k.counts.unchanged,
        })
    }
}

/// Imports a file (admins only): see the module's documentation.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    source: Source<'_>,
    mode: Mode,
) -> Result<Imported, AppError> {
    require_admin(actor)?;
    import_as_operator(state, source, mode).await
}

/// How far an import has got, told to a front end that shows it (the command line's progress
/// bar): the rows of the file checked, then the rows written, one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Every row of the file read and checked (whether or not any was refused).
    Checked { rows: u64 },
    /// Rows upserted so far (created, updated or found unchanged), `of` all the valid rows.
    Written { rows: u64, of: u64 },
}

/// [`import`] for the operator at the command line (`gridloop import`).
pub async fn import_as_operator(
    state: &AppState,
    source: Source<'_>,
    mode: Mode,
) -> Result<Imported, AppError> {
    import_as_operator_with(state, source, mode, |_| {}).await
}

/// [`import_as_operator`], telling `progress` how far it has got.
pub async fn import_as_operator_with(
    state: &AppState,
    source: Source<'_>,
    mode: Mode,
    mut progress: impl FnMut(Progress) + Send,
) -> Result<Imported, AppError> {
    let mut problems = problem::Problems::default();
    let sheets = read::read(source, &mut problems);
    let now = state.clock.now();
    let calendar = state.calendar();
    let ctx = validate::Context {
        time_zone: calendar.tz(),
        list_max: state.limits.list_max_items,
    };
    let mut tx = state.store.transaction().await?;
    let existing = validate::Existing::load(&mut tx).await?;
    let batch = validate::validate(&sheets, &existing, ctx, &mut problems);
    progress(Progress::Checked {
        rows: sheets.iter().map(|s| s.rows.len() as u64).sum(),
    });
    if let Some(refused) = problems.refusal() {
        tx.rollback().await?;
        tracing::info!(
            file = source.name,
            bad_cells = refused.total(),
            "import refused"
        );
        return Err(AppError::Import(refused));
    }
    let mut names: HashMap<Kind, String> = HashMap::new();
    for sheet in &sheets {
        names
            .entry(sheet.kind)
            .or_insert_with(|| sheet.name.clone());
    }
    // On any error the transaction is dropped, and so rolled back.
    let of = Kind::ALL.iter().map(|k| batch.rows(*k) as u64).sum();
    let written = |rows| progress(Progress::Written { rows, of });
    let counts = write::apply(&mut tx, &batch, &existing, &names, &calendar, now, written).await?;
    let imported = Imported {
        dry_run: mode == Mode::DryRun,
        kinds: counts
            .into_iter()
            .map(|(kind, counts)| KindCounts {
                kind,
                sheet: names.get(&kind).cloned().unwrap_or_default(),
                counts,
            })
            .collect(),
    };
    let total = imported.total();
    match mode {
        Mode::DryRun => tx.rollback().await?,
        Mode::Write => {
            tx.commit().await?;
            if total.created + total.updated > 0 {
                // Roles, memberships and posts' grids decide what every caller may see.
                state.callers.clear();
            }
        }
    }
    tracing::info!(
        file = source.name,
        dry_run = imported.dry_run,
        created = total.created,
        updated = total.updated,
        unchanged = total.unchanged,
        "import done"
    );
    Ok(imported)
}

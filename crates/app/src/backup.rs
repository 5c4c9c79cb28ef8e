//! Backups, restores, and a park moved between databases.
//!
//! A backup is a SQLite database file in gridloop's own schema, whichever backend it was taken
//! from: a format any gridloop (and the `sqlite3` shell) can open, holding every table,
//! attachments included (they live in the database). From SQLite it is `VACUUM INTO`, a
//! consistent snapshot taken while the server keeps writing; from PostgreSQL, every table read
//! in one `REPEATABLE READ` snapshot. A restore is a copy from that file into an empty database
//! of either backend; a move (`gridloop copy`) is the same copy between any two databases. Every
//! copy is checked afterwards: the same row count in every table and the same checksum over the
//! event log on both sides.

use std::path::{Path, PathBuf};

use gridloop_store::{CopyRefused, Store, StoreError};
use serde::Serialize;

use crate::error::AppError;

/// What a backup, restore or copy wrote: rows per table and the event log's SHA-256, as
/// counted in the source's snapshot and found again in the target (see
/// `Store::copy_into`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Copied {
    /// Rows per table, in the order they were copied.
    pub tables: Vec<(String, u64)>,
    /// The SHA-256 of the event log, equal on both sides.
    pub event_log_sha256: String,
}

impl Copied {
    /// Rows in all tables.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }

    /// Rows of one table.
    pub fn rows_of(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, n)| *n)
    }
}

impl From<gridloop_store::Copied> for Copied {
    fn from(c: gridloop_store::Copied) -> Self {
        Self {
            tables: c
                .tables
                .into_iter()
                .map(|(t, n)| (t.to_owned(), n))
                .collect(),
            event_log_sha256: c.event_log_sha256,
        }
    }
}

/// Writes a backup of `store` to `file`, which must not exist yet. `progress` hears of each
/// table as it is done (not at all for a SQLite source: one `VACUUM INTO`).
pub async fn backup(
    store: &Store,
    file: &Path,
    progress: impl FnMut(&'static str, u64) + Send,
) -> Result<Copied, AppError> {
    if file.exists() {
        return Err(AppError::AlreadyExists {
            thing: crate::Thing::Resource,
            key: file.display().to_string(),
        });
    }
    if let Some(folder) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| AppError::internal("creating the backup's folder failed", &e))?;
    }
    if store.backend() == "sqlite" {
        // SQLite writes the snapshot itself; what it holds is what the file says.
        store.vacuum_into(file).await.inspect_err(|e| {
            tracing::warn!(error = %e, "VACUUM INTO failed");
        })?;
        let written = Store::open_sqlite_read_only(file).await?;
        let result = written.contents().await.map(Copied::from);
        written.close().await;
        return Ok(result?);
    }
    // PostgreSQL: every table into a scratch SQLite file in one snapshot, checked, then that
    // file written out whole by SQLite itself (one self-contained file, its log folded in).
    let scratch = file.with_extension("partial");
    let target = open(&scratch).await?;
    let result = match copy_checked(store, &target, progress).await {
        Ok(copied) => target
            .vacuum_into(file)
            .await
            .map(|()| copied)
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    target.close().await;
    remove_sqlite_files(&scratch);
    if result.is_err() {
        let _ = std::fs::remove_file(file);
    }
    result
}

/// Restores the backup `file` into `target`, which must be empty (else nothing is written). A
/// backup made by an older gridloop is brought to this version's schema first, on a copy of the
/// file (the backup itself is left as it is). Into SQLite, SQLite copies the rows itself (the
/// file attached to the target); into PostgreSQL they travel as values.
pub async fn restore(
    file: &Path,
    target: &Store,
    progress: impl FnMut(&'static str, u64) + Send,
) -> Result<Copied, AppError> {
    if !file.is_file() {
        return Err(AppError::NotFound(crate::Thing::Resource));
    }
    let version = match Store::open_sqlite_read_only(file).await {
        Ok(backup) => {
            let version = backup.schema_version().await;
            backup.close().await;
            version
        }
        Err(e) => Err(e),
    };
    // Not a SQLite file, or one without gridloop's migrations: refused before anything is read.
    let version = version.map_err(|e| {
        AppError::Copy(CopyRefused::NotABackup {
            reason: e.to_string(),
        })
    })?;
    let current = version == target.schema_version().await?;
    if current && target.backend() == "sqlite" {
        return Ok(target.restore_sqlite_file(file, progress).await?.into());
    }
    let scratch = scratch_copy(file)?;
    let result = match open(&scratch).await {
        Ok(source) if target.backend() == "sqlite" => {
            source.close().await;
            target
                .restore_sqlite_file(&scratch, progress)
                .await
                .map(Copied::from)
                .map_err(AppError::from)
        }
        Ok(source) => {
            let result = copy_checked(&source, target, progress).await;
            source.close().await;
            result
        }
        Err(e) => Err(e),
    };
    remove_sqlite_files(&scratch);
    result
}

/// Copies every row of `source` into the empty `target`, checked before the target commits.
pub async fn copy_checked(
    source: &Store,
    target: &Store,
    progress: impl FnMut(&'static str, u64) + Send,
) -> Result<Copied, AppError> {
    Ok(source.copy_into(target, progress).await?.into())
}

/// Opens (creating if need be) the SQLite file at `path` and brings its schema up to date.
async fn open(path: &Path) -> Result<Store, AppError> {
    let store = Store::connect(&format!("sqlite://{}", path.display())).await?;
    store.migrate().await.map_err(|e| match e {
        e @ StoreError::Migrate(_) => AppError::internal("migrating a backup failed", &e),
        other => other.into(),
    })?;
    Ok(store)
}

/// Removes the SQLite file at `path` with its WAL and shared-memory files, as far as they exist.
fn remove_sqlite_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A copy of `file` beside the system's temporary files, to migrate and read.
fn scratch_copy(file: &Path) -> Result<PathBuf, AppError> {
    let scratch = std::env::temp_dir().join(format!(
        "gridloop-restore-{}-{}.db",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    ));
    std::fs::copy(file, &scratch)
        .map_err(|e| AppError::internal("copying the backup to read it failed", &e))?;
    Ok(scratch)
}

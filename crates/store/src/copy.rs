//! Whole databases copied: a backup, its restore, and a park moved from the embedded SQLite file
//! to PostgreSQL (or back).
//!
//! Every table is read in one snapshot of the source (PostgreSQL: `REPEATABLE READ`; SQLite: one
//! read transaction under WAL), so a copy taken while the server keeps writing is consistent,
//! and written in one transaction of the target, which must be empty: either the whole park
//! arrives or nothing does. Rows travel as values: SQLite's as stored, PostgreSQL's read by the
//! column types its catalogue names, and written to PostgreSQL as one JSON array per batch
//! expanded by `jsonb_populate_recordset` (the bulk seeding's path), which turns SQLite's text
//! timestamps, 0/1 booleans and JSON text into the columns' types. Ids travel too
//! (`OVERRIDING SYSTEM VALUE`), and PostgreSQL's identity sequences are moved past them.
//!
//! A copy is verified by [`Store::row_counts`] and [`Store::event_log_checksum`] on both sides.

use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::types::Json;

use crate::backend::{args, Arg, Backend, PgType, Tx};
use crate::bulk::{json_insert, values_insert, Records, SQLITE_PLACEHOLDERS};
use crate::error::StoreError;
use crate::store::Store;

/// Every table, in an order where each comes after the tables it refers to (the migrations'
/// order). A test checks this is every table of both schemas.
pub const TABLES: &[&str] = &[
    "chains",
    "chain_stages",
    "grids",
    "posts",
    "enterprises",
    "units",
    "categories",
    "category_slas",
    "users",
    "user_roles",
    "user_posts",
    "user_units",
    "user_grids",
    "user_enterprises",
    "issues",
    "issue_events",
    "issue_keys",
    "api_tokens",
    "attachments",
    "attachment_blobs",
    "open311_requests",
    "jobs",
    "schedules",
    "visit_plans",
    "visits",
    "visit_issues",
    "notifications",
    "notification_prefs",
    "notification_dlrs",
    "reports",
    "web_sessions",
    "sign_in_attempts",
    "deployment_secrets",
    "calendar_years",
    "calendar_days",
    "calendar_changes",
    "import_uploads",
    "enterprise_tags",
    "listings",
    "listing_tags",
    "listing_grams",
    "chain_meetings",
    "meeting_stages",
    "meeting_tags",
    "meeting_invitations",
    "matches",
    "match_steps",
];

/// Columns that may point at a row of their own table copied later (a duplicate marked against
/// a newer issue): written NULL first, set once the whole table is in. `(table, column, key)`.
const SET_AFTER: &[(&str, &str, &str)] = &[("issues", "duplicate_of", "id")];

/// Rows per PostgreSQL statement (one JSON parameter).
const PG_ROWS_PER_STATEMENT: usize = 5_000;

/// Why a copy was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CopyRefused {
    /// The target already holds data: a copy never merges two parks.
    #[error("the target database is not empty: table {table} has rows")]
    TargetNotEmpty { table: String },
    /// The two databases are at different schema versions (migrations).
    #[error(
        "the source database is at schema version {source_version}, the target at {target_version}"
    )]
    SchemaVersions {
        source_version: i64,
        target_version: i64,
    },
    /// A table's columns differ between the two databases.
    #[error("table {table} has other columns in the source than in the target")]
    Columns { table: String },
    /// The file to restore is not a gridloop backup (not a SQLite database, or not gridloop's).
    #[error("the file is not a gridloop backup: {reason}")]
    NotABackup { reason: String },
}

/// What a copy moved, as counted in the source's snapshot and found again in the target before
/// it committed: rows per table, in [`TABLES`] order, and the event log's checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub tables: Vec<(&'static str, u64)>,
    pub event_log_sha256: String,
}

impl Store {
    /// [`Store::row_counts`] and [`Store::event_log_checksum`] in one snapshot.
    pub async fn contents(&self) -> Result<Copied, StoreError> {
        self.read(async move |tx| {
            Ok(Copied {
                tables: tx.row_counts().await?,
                event_log_sha256: tx.event_log_checksum().await?,
            })
        })
        .await
    }

    /// The number of rows of every table, in [`TABLES`] order, in one snapshot.
    pub async fn row_counts(&self) -> Result<Vec<(&'static str, u64)>, StoreError> {
        self.read(async move |tx| tx.row_counts().await).await
    }

    /// A SHA-256 over the whole event log, in (issue, version) order, of each event's facts as
    /// the domain reads them (instants to the microsecond, payloads as canonical JSON), so it
    /// is the same for the same history on either backend.
    pub async fn event_log_checksum(&self) -> Result<String, StoreError> {
        self.read(async move |tx| tx.event_log_checksum().await)
            .await
    }

    /// Writes a consistent snapshot of this SQLite database to a new file at `path` (SQLite's
    /// `VACUUM INTO`: one read transaction, so the server may keep writing meanwhile).
    /// `Corrupt` on PostgreSQL, which has no such statement: copy into a SQLite store instead.
    pub async fn vacuum_into(&self, path: &std::path::Path) -> Result<(), StoreError> {
        if self.pool.backend() != Backend::Sqlite {
            return Err(StoreError::Corrupt(
                "VACUUM INTO is SQLite's; a PostgreSQL database is copied table by table".into(),
            ));
        }
        let path = path.display().to_string();
        self.pool
            .execute_alone("VACUUM INTO $1", args![path])
            .await?;
        Ok(())
    }

    /// The SQLite file at `path`, opened to read only, as it is (its journal left alone).
    pub async fn open_sqlite_read_only(path: &std::path::Path) -> Result<Self, StoreError> {
        Ok(Self::on(crate::backend::Pool::open_read_only(path).await?))
    }

    /// The newest migration applied.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let (version,): (Option<i64>,) = self
            .pool
            .fetch_one_alone("SELECT MAX(version) FROM _sqlx_migrations", args![])
            .await?;
        Ok(version.unwrap_or(0))
    }

    /// Copies every row of this database into `target`, which must be empty and at the same
    /// schema version (else [`CopyRefused`] and nothing is written). `progress` hears of each
    /// table when it is in, with its row count. Before the target commits, its row counts and
    /// event-log checksum must equal the source snapshot's (else `Corrupt`, and nothing is
    /// written): the source may go on changing meanwhile, the copy is of one instant.
    pub async fn copy_into(
        &self,
        target: &Store,
        mut progress: impl FnMut(&'static str, u64) + Send,
    ) -> Result<Copied, StoreError> {
        let (source_version, target_version) =
            (self.schema_version().await?, target.schema_version().await?);
        if source_version != target_version {
            return Err(CopyRefused::SchemaVersions {
                source_version,
                target_version,
            }
            .into());
        }
        let mut from = self.pool.begin_read().await?;
        let mut to = target.pool.begin_write().await?;
        for (table, rows) in to.row_counts().await? {
            if rows > 0 {
                return Err(CopyRefused::TargetNotEmpty {
                    table: table.to_owned(),
                }
                .into());
            }
        }
        // Counted first: the read that fixes the source's snapshot.
        let counted = from.row_counts().await?;
        let sum = from.event_log_checksum().await?;
        for &table in TABLES {
            let rows = copy_table(&mut from, &mut to, table).await?;
            progress(table, rows);
        }
        if to.backend() == Backend::Postgres {
            to.move_identities_past_copied_ids().await?;
        }
        let copied = Copied {
            tables: counted,
            event_log_sha256: sum,
        };
        to.check_holds(&copied).await?;
        to.commit().await?;
        from.commit().await?;
        Ok(copied)
    }

    /// Restores the SQLite backup at `file` into this SQLite database, which must be empty and
    /// at the same schema version: [`Store::copy_into`]'s contract and checks, done by SQLite
    /// itself. The file is attached to one connection of this database and each table copied
    /// by one `INSERT … SELECT` in one write transaction, so rows never pass through this
    /// process as values (the general copy took 3.4 minutes for a million issues, this about
    /// as long as the `VACUUM INTO` that made the backup). The backup's row counts and event-log
    /// checksum are read on a read-only connection of their own while the rows are copied (the
    /// file does not change); before the commit the copy must hold as many rows in every table
    /// and, event by event, the backup's log (see `Tx::check_event_log_is_attached`).
    pub async fn restore_sqlite_file(
        &self,
        file: &std::path::Path,
        mut progress: impl FnMut(&'static str, u64) + Send,
    ) -> Result<Copied, StoreError> {
        let crate::backend::Pool::Sqlite { writer, .. } = &self.pool else {
            return Err(StoreError::Corrupt(
                "a SQLite file is restored by SQLite only into SQLite; use copy_into".into(),
            ));
        };
        let source = Self::open_sqlite_read_only(file).await?;
        let attached = attached_pool(writer.pool(), file).await?;
        let result = restore_attached(&attached, source.contents(), &mut progress).await;
        attached.close().await;
        source.close().await;
        result
    }
}

/// Which database of a connection a statement reads: its own, or a backup attached to it as
/// [`BACKUP_SCHEMA`] for a restore done by SQLite itself.
#[derive(Debug, Clone, Copy)]
enum Schema {
    Main,
    Backup,
}

/// The name a backup file is attached under for [`Store::restore_sqlite_file`].
const BACKUP_SCHEMA: &str = "backup";

impl Schema {
    /// What goes before a table's name: nothing for the main database (SQLite looks there
    /// first), `backup.` for the attached file.
    fn prefix(self) -> String {
        match self {
            Self::Main => String::new(),
            Self::Backup => format!("{BACKUP_SCHEMA}."),
        }
    }
}

/// A table's columns as a copy sees them: names in the target's order, and on PostgreSQL their
/// types and whether one is an identity.
struct Columns {
    names: Vec<String>,
    types: Vec<PgType>,
    identity: bool,
}

async fn copy_table(from: &mut Tx, to: &mut Tx, table: &'static str) -> Result<u64, StoreError> {
    let target = to.columns(table).await?;
    let source = from.columns(table).await?;
    let mut sorted = (source.names.clone(), target.names.clone());
    sorted.0.sort();
    sorted.1.sort();
    if sorted.0 != sorted.1 {
        return Err(CopyRefused::Columns {
            table: table.to_owned(),
        }
        .into());
    }
    // Read in the target's column order, with the source's types for them.
    let types: Vec<PgType> = target
        .names
        .iter()
        .map(|n| {
            source
                .names
                .iter()
                .position(|s| s == n)
                .and_then(|i| source.types.get(i).copied())
                .unwrap_or(PgType::Text)
        })
        .collect();
    let later: Vec<(usize, usize)> = SET_AFTER
        .iter()
        .filter(|(t, _, _)| *t == table)
        .filter_map(|(_, column, key)| {
            let at = |name: &str| target.names.iter().position(|n| n == name);
            Some((at(column)?, at(key)?))
        })
        .collect();
    let columns: Vec<&str> = target.names.iter().map(String::as_str).collect();
    let select = format!("SELECT {} FROM {table}", columns.join(", "));
    let per_statement = match to.backend() {
        Backend::Sqlite => (SQLITE_PLACEHOLDERS / columns.len().max(1)).max(1),
        Backend::Postgres => PG_ROWS_PER_STATEMENT,
    };
    let mut batch: Vec<Vec<Arg>> = Vec::with_capacity(per_statement);
    let mut set_after: Vec<(usize, Arg, Arg)> = Vec::new();
    let mut total = 0u64;
    let mut rows = from.stream_values(&select, &types);
    while let Some(mut row) = rows.try_next().await? {
        for &(column, key) in &later {
            let value = std::mem::replace(&mut row[column], Arg::Text(None));
            if !matches!(value, Arg::Text(None)) {
                set_after.push((column, value, row[key].clone()));
            }
        }
        batch.push(row);
        if batch.len() == per_statement {
            total += to
                .insert_rows(table, &columns, &target, std::mem::take(&mut batch))
                .await?;
        }
    }
    drop(rows);
    if !batch.is_empty() {
        total += to.insert_rows(table, &columns, &target, batch).await?;
    }
    for (column, value, key) in set_after {
        let key_column = later
            .iter()
            .find(|(c, _)| *c == column)
            .map_or("id", |(_, k)| columns[*k]);
        let sql = format!(
            "UPDATE {table} SET {} = $1 WHERE {key_column} = $2",
            columns[column]
        );
        to.execute(&sql, vec![value, key]).await?;
    }
    Ok(total)
}

/// A pool of one connection to the same SQLite database as `pool`, with `file` attached to it
/// as [`BACKUP_SCHEMA`] (on connecting: `ATTACH` is refused inside a transaction).
async fn attached_pool(
    pool: &sqlx::SqlitePool,
    file: &std::path::Path,
) -> Result<crate::backend::Pool, StoreError> {
    let options = (*pool.connect_options()).clone();
    let file = file.display().to_string();
    let attached = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .after_connect(move |conn, _| {
            let file = file.clone();
            Box::pin(async move {
                sqlx::query(&format!("ATTACH DATABASE $1 AS {BACKUP_SCHEMA}"))
                    .bind(file)
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    Ok(crate::backend::Pool::Sqlite {
        read: attached.clone(),
        writer: std::sync::Arc::new(crate::batch::SqliteWriter::new(attached)),
        readers: None,
    })
}

/// The body of [`Store::restore_sqlite_file`] on a pool from [`attached_pool`]; `source`
/// reads what the backup holds, run beside the copy once the checks before it have passed.
async fn restore_attached(
    pool: &crate::backend::Pool,
    source: impl std::future::Future<Output = Result<Copied, StoreError>>,
    progress: &mut (impl FnMut(&'static str, u64) + Send),
) -> Result<Copied, StoreError> {
    let mut tx = pool.begin_write().await?;
    let version = |schema: Schema| {
        format!(
            "SELECT COALESCE(MAX(version), 0) FROM {}_sqlx_migrations",
            schema.prefix()
        )
    };
    let (source_version,): (i64,) = tx.fetch_one(&version(Schema::Backup), args![]).await?;
    let (target_version,): (i64,) = tx.fetch_one(&version(Schema::Main), args![]).await?;
    if source_version != target_version {
        return Err(CopyRefused::SchemaVersions {
            source_version,
            target_version,
        }
        .into());
    }
    for (table, rows) in tx.row_counts().await? {
        if rows > 0 {
            return Err(CopyRefused::TargetNotEmpty {
                table: table.to_owned(),
            }
            .into());
        }
    }
    let copy = async {
        copy_attached(&mut tx, progress).await?;
        // An AUTOINCREMENT table's counter goes on from the backup's, not from its largest
        // id: an id handed out once (and rolled back) is not handed out again.
        tx.execute(
            &format!(
                "UPDATE main.sqlite_sequence SET seq = MAX(seq, COALESCE(\
                 (SELECT b.seq FROM {}sqlite_sequence b WHERE b.name = main.sqlite_sequence.name), 0))",
                Schema::Backup.prefix()
            ),
            args![],
        )
        .await
    };
    let (copied, source) = tokio::join!(copy, source);
    copied?;
    let source = source?;
    tx.check_counts(&source).await?;
    tx.check_event_log_is_attached(&source).await?;
    tx.commit().await?;
    Ok(source)
}

/// Every table of the attached backup into the main database, one `INSERT … SELECT` each.
async fn copy_attached(
    tx: &mut Tx,
    progress: &mut (impl FnMut(&'static str, u64) + Send),
) -> Result<(), StoreError> {
    for &table in TABLES {
        let columns = tx.sqlite_columns(table, Schema::Main).await?;
        let mut source = tx.sqlite_columns(table, Schema::Backup).await?;
        let mut sorted = columns.clone();
        sorted.sort();
        source.sort();
        if sorted != source {
            return Err(CopyRefused::Columns {
                table: table.to_owned(),
            }
            .into());
        }
        // Immediate foreign keys are checked at the end of each statement, so a duplicate
        // marked against a newer issue of the same table is found in place.
        let columns = columns.join(", ");
        let rows = tx
            .execute(
                &format!(
                    "INSERT INTO main.{table} ({columns}) SELECT {columns} FROM {}{table}",
                    Schema::Backup.prefix()
                ),
                args![],
            )
            .await?;
        progress(table, rows);
    }
    Ok(())
}

impl Tx {
    /// `Corrupt` unless this database now holds what the source was counted to hold: the same
    /// rows in every table and the same event log. Checked before a copy's target commits.
    async fn check_holds(&mut self, source: &Copied) -> Result<(), StoreError> {
        self.check_counts(source).await?;
        if self.event_log_checksum().await? != source.event_log_sha256 {
            return Err(StoreError::Corrupt(
                "a copy did not match its source: the event logs' checksums differ".into(),
            ));
        }
        Ok(())
    }

    /// `Corrupt` unless every table holds as many rows as the source was counted to hold.
    async fn check_counts(&mut self, source: &Copied) -> Result<(), StoreError> {
        let written = self.row_counts().await?;
        if let Some(((table, a), (_, b))) = source
            .tables
            .iter()
            .zip(&written)
            .find(|((_, a), (_, b))| a != b)
        {
            return Err(StoreError::Corrupt(format!(
                "a copy did not match its source: {table} has {a} rows there, {b} in the copy"
            )));
        }
        Ok(())
    }

    /// `Corrupt` unless the main database's event log is the attached backup's, row for row
    /// and byte for byte: each row of one paired with an equal row of the other, and as many
    /// rows on each side (the counts are checked apart). It implies equal checksums, and
    /// SQLite pairs the rows by the key in C at a fraction of the cost of hashing the log again
    /// here (issue 15: a restore of a million issues within two minutes).
    async fn check_event_log_is_attached(&mut self, source: &Copied) -> Result<(), StoreError> {
        let columns = self.sqlite_columns("issue_events", Schema::Main).await?;
        let same: Vec<String> = columns
            .iter()
            .filter(|c| !["issue_id", "version"].contains(&c.as_str()))
            .map(|c| format!("m.{c} IS b.{c}"))
            .collect();
        let (paired,): (i64,) = self
            .fetch_one(
                &format!(
                    "SELECT COUNT(*) FROM main.issue_events m JOIN {}issue_events b \
                     ON b.issue_id = m.issue_id AND b.version = m.version AND {}",
                    Schema::Backup.prefix(),
                    same.join(" AND ")
                ),
                args![],
            )
            .await?;
        let counted = source
            .tables
            .iter()
            .find(|(table, _)| *table == "issue_events")
            .map_or(0, |(_, n)| *n);
        if u64::try_from(paired).ok() != Some(counted) {
            return Err(StoreError::Corrupt(format!(
                "a copy did not match its source: {paired} of its {counted} events are equal"
            )));
        }
        Ok(())
    }

    /// The number of rows of every table, in [`TABLES`] order.
    pub async fn row_counts(&mut self) -> Result<Vec<(&'static str, u64)>, StoreError> {
        let mut counts = Vec::with_capacity(TABLES.len());
        for &table in TABLES {
            let (n,): (i64,) = self
                .fetch_one(&format!("SELECT COUNT(*) FROM {table}"), args![])
                .await?;
            counts.push((table, u64::try_from(n).unwrap_or(0)));
        }
        Ok(counts)
    }

    /// See [`Store::event_log_checksum`].
    pub async fn event_log_checksum(&mut self) -> Result<String, StoreError> {
        type Row = (
            i64,
            i64,
            String,
            DateTime<Utc>,
            Option<i64>,
            Option<String>,
            String,
            Json<serde_json::Value>,
        );
        const PAGE: i64 = 10_000;
        let mut hash = Sha256::new();
        let (mut issue, mut version) = (0i64, 0i64);
        loop {
            let page: Vec<Row> = self
                .fetch_all(
                    "SELECT issue_id, version, kind, at, actor_id, from_status, to_status, \
                     payload FROM issue_events \
                     WHERE issue_id > $1 OR (issue_id = $1 AND version > $2) \
                     ORDER BY issue_id, version LIMIT $3",
                    args![issue, version, PAGE],
                )
                .await?;
            for (id, v, kind, at, actor, from, to, payload) in &page {
                let line = format!(
                    "{id}\t{v}\t{kind}\t{}\t{}\t{}\t{to}\t{}\n",
                    at.to_rfc3339_opts(SecondsFormat::Micros, true),
                    actor.map(|a| a.to_string()).unwrap_or_default(),
                    from.as_deref().unwrap_or(""),
                    canonical(&payload.0),
                );
                hash.update(line.as_bytes());
            }
            match page.last() {
                Some(last) if page.len() as i64 == PAGE => (issue, version) = (last.0, last.1),
                _ => break,
            }
        }
        Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }

    /// A SQLite table's column names in `schema`, in their order.
    async fn sqlite_columns(
        &mut self,
        table: &str,
        schema: Schema,
    ) -> Result<Vec<String>, StoreError> {
        let name = match schema {
            Schema::Main => "main",
            Schema::Backup => BACKUP_SCHEMA,
        };
        let rows: Vec<(String,)> = self
            .fetch_all(
                "SELECT name FROM pragma_table_info($1, $2) ORDER BY cid",
                args![table, name],
            )
            .await?;
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }

    /// A table's columns (see [`Columns`]).
    async fn columns(&mut self, table: &str) -> Result<Columns, StoreError> {
        match self.backend() {
            Backend::Sqlite => {
                let rows: Vec<(String,)> = self
                    .fetch_all(
                        "SELECT name FROM pragma_table_info($1) ORDER BY cid",
                        args![table],
                    )
                    .await?;
                let names: Vec<String> = rows.into_iter().map(|(n,)| n).collect();
                Ok(Columns {
                    types: vec![PgType::Text; names.len()],
                    names,
                    identity: false,
                })
            }
            Backend::Postgres => {
                let rows: Vec<(String, String, String)> = self
                    .fetch_all(
                        "SELECT column_name::text, data_type::text, is_identity::text \
                         FROM information_schema.columns \
                         WHERE table_schema = current_schema() AND table_name = $1 \
                         ORDER BY ordinal_position",
                        args![table],
                    )
                    .await?;
                let mut columns = Columns {
                    names: Vec::with_capacity(rows.len()),
                    types: Vec::with_capacity(rows.len()),
                    identity: false,
                };
                for (name, data_type, identity) in rows {
                    let ty = PgType::named(&data_type).ok_or_else(|| {
                        StoreError::Corrupt(format!(
                            "{table}.{name}: a column of type {data_type}, which a copy cannot carry"
                        ))
                    })?;
                    columns.identity |= identity == "YES";
                    columns.names.push(name);
                    columns.types.push(ty);
                }
                Ok(columns)
            }
        }
    }

    /// Writes `rows` of `table`; returns how many.
    async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        target: &Columns,
        rows: Vec<Vec<Arg>>,
    ) -> Result<u64, StoreError> {
        let n = rows.len() as u64;
        match self.backend() {
            Backend::Sqlite => {
                let sql = values_insert(table, columns, rows.len());
                self.execute(&sql, rows.into_iter().flatten().collect())
                    .await?;
            }
            Backend::Postgres => {
                let rows = rows
                    .into_iter()
                    .map(|row| {
                        row.into_iter()
                            .zip(&target.types)
                            .map(|(value, ty)| for_postgres(value, *ty))
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let overriding = if target.identity {
                    "OVERRIDING SYSTEM VALUE"
                } else {
                    ""
                };
                let sql = json_insert(table, columns, overriding);
                let json = Records { columns, rows }.to_json()?;
                self.execute(&sql, args![json]).await?;
            }
        }
        Ok(n)
    }

    /// Moves every identity column's sequence past the largest id copied, so the next row
    /// inserted gets a fresh id.
    async fn move_identities_past_copied_ids(&mut self) -> Result<(), StoreError> {
        let identities: Vec<(String, String)> = self
            .fetch_all(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND is_identity = 'YES'",
                args![],
            )
            .await?;
        for (table, column) in identities {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                 COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            );
            let _: (i64,) = self.fetch_one(&sql, args![]).await?;
        }
        Ok(())
    }
}

/// A value read from either backend, as PostgreSQL's JSON population reads a column of type
/// `ty`: SQLite's 0/1 as a boolean, its JSON text as JSON. (Timestamps as SQLite keeps them are
/// text PostgreSQL reads as they are.)
fn for_postgres(value: Arg, ty: PgType) -> Result<Arg, StoreError> {
    Ok(match (value, ty) {
        (Arg::Int(Some(v)), PgType::Boolean) => Arg::Bool(v != 0),
        (Arg::Text(Some(text)), PgType::Jsonb) => {
            Arg::Json(serde_json::from_str(&text).map_err(|e| {
                StoreError::Corrupt(format!("a JSON column holds something else: {e}"))
            })?)
        }
        (value, _) => value,
    })
}

impl From<CopyRefused> for StoreError {
    fn from(e: CopyRefused) -> Self {
        StoreError::Copy(e)
    }
}

/// JSON with every object's keys in order, whatever order a backend keeps them in
/// (PostgreSQL's `jsonb` reorders them).
fn canonical(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&map[k])))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

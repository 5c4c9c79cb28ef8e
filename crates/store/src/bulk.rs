//! Bulk seeding, for benchmarks and load tests: scratch databases, issues written with their
//! whole histories many at a time, and the planner's statistics refreshed afterwards.
//!
//! A park of a million issues cannot be reported and acted on one transition at a time (that
//! takes hours), yet its rows must be exactly the ones a report and [`Tx::act`] write, or
//! a benchmark measures some other schema. So the rows come from the same encoders
//! (`rows::issue_args` over `ISSUE_COLUMNS`, `rows::event_args` over `EVENT_COLUMNS`), only
//! many per statement: on SQLite as multi-row `VALUES`, as many rows as its placeholders allow;
//! on PostgreSQL as one JSON array per table, expanded server-side by `jsonb_populate_recordset`
//! with the columns named — one round trip per call instead of one per 1,800 rows.
//!
//! Every issue row is the fold of its events: a [`History`] can only be made by replaying them.
//! The issue ids are the caller's, because histories refer to earlier issues (a duplicate's
//! survivor): seed an empty database, then call [`Store::settle_after_seeding`] so that the
//! next report gets the next id and the planner knows the tables' sizes.

use chrono::{SecondsFormat, Utc};
use gridloop_core::{Event, Format, Issue, IssueId, Rule};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use sqlx::Connection;

use crate::backend::{args, Arg, Backend, Tx};
use crate::error::StoreError;
use crate::rows::{event_args, issue_args, EVENT_COLUMNS, ISSUE_COLUMNS};
use crate::store::Store;

/// Placeholders per SQLite statement: under its limit of 32,766, whatever the row width.
pub(crate) const SQLITE_PLACEHOLDERS: usize = 30_000;

/// Events per PostgreSQL statement, so that one JSON parameter stays in the tens of megabytes.
const PG_EVENTS_PER_STATEMENT: usize = 20_000;

/// What every scratch database's name starts with: [`Store::drop_scratch_database`] drops
/// nothing else.
const SCRATCH_PREFIX: &str = "gridloop_scratch_";

/// An issue with its whole history, oldest event first; the issue is their fold.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    issue: Issue,
    events: Vec<Event>,
}

impl History {
    /// Folds `events` into issue `id` with the core's own replay (`Issue::replay`), so the row
    /// written is always what the events say. `Corrupt` if they do not replay. Instants are
    /// written as given: keep them to the microsecond, as PostgreSQL stores them.
    pub fn replay(id: IssueId, events: Vec<Event>) -> Result<Self, StoreError> {
        let issue = Issue::replay(id, &events)?;
        Ok(Self { issue, events })
    }

    /// The issue as of its last event.
    pub fn issue(&self) -> &Issue {
        &self.issue
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }
}

/// `issues`' columns with the id first, as the bulk statements write them.
fn issue_columns() -> Vec<&'static str> {
    std::iter::once("id").chain(ISSUE_COLUMNS).collect()
}

/// `INSERT INTO table (columns) VALUES (?, …), (?, …)` with `rows` rows, for SQLite only.
///
/// Anonymous `?` placeholders, not the store's usual `$n`: SQLite keeps named and numbered
/// parameters in a list it searches linearly, when it parses the statement and again when sqlx
/// asks each parameter's name to bind it, so 30,000 `$n` cost seconds per statement; `?` are
/// only counted.
pub(crate) fn values_insert(table: &str, columns: &[&str], rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns.len()].join(", "));
    format!(
        "INSERT INTO {table} ({}) VALUES {}",
        columns.join(", "),
        vec![row.as_str(); rows].join(", ")
    )
}

/// `INSERT INTO table (columns) SELECT columns FROM jsonb_populate_recordset(…, $1)`, `$1`
/// being [`Records`] as JSON text.
pub(crate) fn json_insert(table: &str, columns: &[&str], overriding: &str) -> String {
    let columns = columns.join(", ");
    format!(
        "INSERT INTO {table} ({columns}) {overriding} \
         SELECT {columns} FROM jsonb_populate_recordset(NULL::{table}, CAST($1 AS jsonb))"
    )
}

/// Rows as a JSON array of objects keyed by column, the way `jsonb_populate_recordset` reads
/// them. Serialized straight from the values, without a `serde_json::Value` per row (a map of
/// 36 owned keys per issue cost more than the database's work).
pub(crate) struct Records<'a> {
    pub(crate) columns: &'a [&'a str],
    pub(crate) rows: Vec<Vec<Arg>>,
}

impl Records<'_> {
    pub(crate) fn to_json(&self) -> Result<String, StoreError> {
        serde_json::to_string(self)
            .map_err(|e| StoreError::Corrupt(format!("cannot serialize rows to seed: {e}")))
    }
}

impl Serialize for Records<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.rows.len()))?;
        for row in &self.rows {
            seq.serialize_element(&Record {
                columns: self.columns,
                values: row,
            })?;
        }
        seq.end()
    }
}

struct Record<'a> {
    columns: &'a [&'a str],
    values: &'a [Arg],
}

impl Serialize for Record<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.columns.len()))?;
        for (column, value) in self.columns.iter().zip(self.values) {
            match value {
                Arg::Int(v) => map.serialize_entry(column, v)?,
                Arg::Text(v) => map.serialize_entry(column, v)?,
                Arg::Time(v) => map.serialize_entry(
                    column,
                    &v.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
                )?,
                Arg::Bool(v) => map.serialize_entry(column, v)?,
                Arg::Json(v) => map.serialize_entry(column, v)?,
                Arg::Real(v) => map.serialize_entry(column, v)?,
                // PostgreSQL reads a bytea from text in its hex format.
                Arg::Bytes(v) => map.serialize_entry(column, &v.as_deref().map(bytea_hex))?,
            }
        }
        map.end()
    }
}

/// `\x` and two hex digits a byte: PostgreSQL's text form of a `bytea`.
pub(crate) fn bytea_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut hex = String::with_capacity(2 + 2 * bytes.len());
    hex.push_str("\\x");
    for b in bytes {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

impl Tx {
    /// Writes issues with their histories, as they are: the rows reports and
    /// [`Tx::act`] would have left, many per statement (see the module doc). The ids must be
    /// free (`AlreadyExists` otherwise) and every referenced row (category, enterprise, user,
    /// unit, an earlier issue) must exist (a foreign-key error otherwise). No effect is
    /// recorded: seeded histories notify nobody.
    pub async fn seed_histories(&mut self, histories: &[History]) -> Result<(), StoreError> {
        let issue_columns = issue_columns();
        match self.backend() {
            Backend::Sqlite => {
                for rows in histories.chunks(SQLITE_PLACEHOLDERS / issue_columns.len()) {
                    let mut values = Vec::with_capacity(rows.len() * issue_columns.len());
                    for h in rows {
                        values.extend(args![h.issue.id.get()]);
                        values.extend(issue_args(&h.issue));
                    }
                    let sql = values_insert("issues", &issue_columns, rows.len());
                    self.execute(&sql, values).await?;
                }
                let per_statement = SQLITE_PLACEHOLDERS / EVENT_COLUMNS.len();
                let mut values = Vec::with_capacity(per_statement * EVENT_COLUMNS.len());
                let mut rows = 0;
                // Plain loops, not iterator adapters: their closures held across an await
                // would make this future's `Send` bound unprovable.
                for h in histories {
                    for event in &h.events {
                        values.extend(event_args(h.issue.id, event)?);
                        rows += 1;
                        if rows == per_statement {
                            let sql = values_insert("issue_events", &EVENT_COLUMNS, rows);
                            self.execute(&sql, std::mem::take(&mut values)).await?;
                            rows = 0;
                        }
                    }
                }
                if rows > 0 {
                    let sql = values_insert("issue_events", &EVENT_COLUMNS, rows);
                    self.execute(&sql, values).await?;
                }
            }
            Backend::Postgres => {
                if !histories.is_empty() {
                    let mut rows = Vec::with_capacity(histories.len());
                    for h in histories {
                        let mut values = args![h.issue.id.get()];
                        values.extend(issue_args(&h.issue));
                        rows.push(values);
                    }
                    let records = Records {
                        columns: &issue_columns,
                        rows,
                    };
                    // The ids are the caller's: see the module doc.
                    let sql = json_insert("issues", &issue_columns, "OVERRIDING SYSTEM VALUE");
                    self.execute(&sql, args![records.to_json()?]).await?;
                }
                let sql = json_insert("issue_events", &EVENT_COLUMNS, "");
                let mut records = Records {
                    columns: &EVENT_COLUMNS,
                    rows: Vec::with_capacity(PG_EVENTS_PER_STATEMENT),
                };
                for h in histories {
                    for event in &h.events {
                        records.rows.push(event_args(h.issue.id, event)?);
                        if records.rows.len() == PG_EVENTS_PER_STATEMENT {
                            let json = records.to_json()?;
                            records.rows.clear();
                            self.execute(&sql, args![json]).await?;
                        }
                    }
                }
                if !records.rows.is_empty() {
                    self.execute(&sql, args![records.to_json()?]).await?;
                }
            }
        }
        Ok(())
    }
}

impl Store {
    /// Writes issues with their histories in one transaction (one commit, so one fsync on
    /// SQLite). See [`Tx::seed_histories`].
    pub async fn seed_histories(&self, histories: &[History]) -> Result<(), StoreError> {
        self.write(async move |tx| tx.seed_histories(histories).await)
            .await
    }

    /// What a database needs after seeding (issues, or needs and offers) and before it is
    /// measured: PostgreSQL's issue id
    /// sequence moved past the seeded ids (SQLite takes the next id from the table itself), and
    /// the planner's statistics refreshed (`ANALYZE`; on PostgreSQL with a `VACUUM`, so that
    /// index-only scans see an all-visible map), and on SQLite the WAL folded back into the
    /// database file.
    pub async fn settle_after_seeding(&self) -> Result<(), StoreError> {
        let statements: &[&str] = match self.pool.backend() {
            Backend::Sqlite => &["ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"],
            Backend::Postgres => &[
                "SELECT setval(pg_get_serial_sequence('issues', 'id'), \
                 (SELECT max(id) FROM issues))",
                "VACUUM ANALYZE issues",
                "VACUUM ANALYZE issue_events",
                "VACUUM ANALYZE enterprise_tags, listings, listing_tags, listing_grams",
            ],
        };
        for sql in statements {
            self.pool.execute_alone(sql, args![]).await?;
        }
        Ok(())
    }

    /// Creates an empty database on the PostgreSQL server of `server_url` (which names a
    /// database to connect to, e.g. `postgres`) and returns its URL. Its name starts with
    /// `gridloop_scratch_`, then this process's id and the time: runs at once never collide.
    pub async fn create_scratch_database(server_url: &str) -> Result<String, StoreError> {
        let name = format!(
            "{SCRATCH_PREFIX}{}_{}",
            std::process::id(),
            Utc::now().timestamp_micros()
        );
        let mut conn = sqlx::PgConnection::connect(server_url).await?;
        // A name cannot be a bound parameter; this one is made of digits and the prefix above.
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let base = server_url
            .rsplit_once('/')
            .map_or(server_url, |(base, _)| base);
        Ok(format!("{base}/{name}"))
    }

    /// Drops a database [`Store::create_scratch_database`] made, closing its connections.
    /// `Invalid` for any other database URL: a typo never drops real data.
    pub async fn drop_scratch_database(
        server_url: &str,
        database_url: &str,
    ) -> Result<(), StoreError> {
        let name = database_url
            .rsplit_once('/')
            .map(|(_, name)| name)
            .filter(|name| {
                name.strip_prefix(SCRATCH_PREFIX).is_some_and(|rest| {
                    !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b'_')
                })
            })
            .ok_or_else(|| {
                StoreError::invalid("database_url", Rule::Format(Format::DatabaseUrl))
            })?;
        let mut conn = sqlx::PgConnection::connect(server_url).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_values_insert_has_a_placeholder_per_column_and_row() {
        assert_eq!(
            values_insert("t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }

    #[test]
    fn every_issue_column_is_written_once_with_the_id_first() {
        let columns = issue_columns();
        assert_eq!(columns.len(), ISSUE_COLUMNS.len() + 1);
        assert_eq!(columns[0], "id");
        let mut unique = columns.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), columns.len());
    }
}

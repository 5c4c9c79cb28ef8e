//! Listing issues: filters translated to SQL, and keyset pagination, newest first.

use gridloop_core::{Actor, Format, IssueId, Role, Rule};

use crate::backend::{Arg, Backend, Tx};
use crate::error::StoreError;
use crate::issues::ISSUE_SELECT;
use crate::model::{IssueFilter, Page};
use crate::rows::IssueRow;
use crate::store::Store;

/// Page sizes are clamped to this range.
pub const MAX_PAGE: u32 = 500;

/// A `WHERE` clause under construction, numbering its placeholders as it goes.
#[derive(Default)]
pub(crate) struct Where {
    pub(crate) clauses: Vec<String>,
    pub(crate) args: Vec<Arg>,
}

impl Where {
    /// Adds a value and returns its placeholder.
    pub(crate) fn param(&mut self, value: impl Into<Arg>) -> String {
        self.args.push(value.into());
        format!("${}", self.args.len())
    }

    /// The clauses joined by `AND` (`TRUE` for none).
    pub(crate) fn condition(&self) -> String {
        if self.clauses.is_empty() {
            "TRUE".to_owned()
        } else {
            self.clauses.join(" AND ")
        }
    }

    /// `column IN ($a, $b, …)`; `values` must not be empty.
    pub(crate) fn any_of(&mut self, column: &str, values: impl IntoIterator<Item = Arg>) -> String {
        let list: Vec<String> = values.into_iter().map(|v| self.param(v)).collect();
        format!("{column} IN ({})", list.join(", "))
    }
}

/// The cursor handed out after a page: opaque to clients, the last id shown.
fn encode_cursor(id: IssueId) -> String {
    format!("i{:x}", id.get())
}

fn decode_cursor(cursor: &str) -> Result<IssueId, StoreError> {
    decode_key('i', cursor)
}

/// The positive id a cursor `{prefix}{hex}` carries; anything else is `Invalid` (a cursor is
/// opaque: one this server did not hand out is refused, not guessed at).
pub(crate) fn decode_key<T>(prefix: char, cursor: &str) -> Result<T, StoreError>
where
    T: std::str::FromStr,
{
    let bad = || StoreError::invalid("cursor", Rule::Format(Format::Cursor));
    let hex = cursor.strip_prefix(prefix).ok_or_else(bad)?;
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let raw = i64::from_str_radix(hex, 16).map_err(|_| bad())?;
    raw.to_string().parse().map_err(|_| bad())
}

/// Escapes `%`, `_` and the escape character itself for `LIKE … ESCAPE '\'`.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Adds `filter`'s conditions to `w` (the list's and the ledger's one translation of it).
pub(crate) fn filter_sql(backend: Backend, filter: &IssueFilter, w: &mut Where) {
    if !filter.statuses.is_empty() {
        let clause = w.any_of(
            status_column(backend, filter),
            filter.statuses.iter().map(|s| s.as_str().into()),
        );
        w.clauses.push(clause);
    }
    let ids = [
        ("grid_id", filter.grid.map(|x| x.get())),
        ("unit_id", filter.unit.map(|x| x.get())),
        ("category_id", filter.category.map(|x| x.get())),
        ("enterprise_id", filter.enterprise.map(|x| x.get())),
        ("reporter_id", filter.reporter.map(|x| x.get())),
    ];
    for (column, value) in ids {
        if let Some(value) = value {
            let p = w.param(value);
            w.clauses.push(format!("{column} = {p}"));
        }
    }
    if !filter.ids.is_empty() {
        let clause = w.any_of("id", filter.ids.iter().map(|id| id.get().into()));
        w.clauses.push(clause);
    }
    if let Some(source) = filter.source {
        let p = w.param(source.as_str());
        w.clauses.push(format!("source = {p}"));
    }
    if let Some(from) = filter.created_from {
        let p = w.param(from);
        w.clauses.push(format!("created_at >= {p}"));
    }
    if let Some(before) = filter.created_before {
        let p = w.param(before);
        w.clauses.push(format!("created_at < {p}"));
    }
    if let Some(at) = filter.overdue_at {
        // Issue::is_overdue, word for word. The status list is literal so that the partial
        // indexes on open issues apply.
        let p = w.param(at);
        w.clauses.push(format!(
            "status IN ('assigned', 'in_progress') AND \
             ((responded_at IS NULL AND response_due_at <= {p}) OR resolve_due_at <= {p})"
        ));
    }
    if let Some(text) = &filter.title_contains {
        let p = w.param(format!("%{}%", like_escape(text)));
        w.clauses
            .push(format!("title {} {p} ESCAPE '\\'", backend.ilike()));
    }
    if let Some(actor) = &filter.visible_to {
        let columns = ScopeColumns {
            mine: "reporter_id",
            grid: "grid_id",
            unit: Some("unit_id"),
            enterprise: "enterprise_id",
        };
        if let Some(clause) = scope_sql(w, actor, &columns) {
            w.clauses.push(clause);
        }
    }
}

/// The status column as a list's condition names it.
///
/// A page is read newest first. One status reads `issues_status` (status, id) in that order
/// and stops after the page. Several statuses read from it need every matching issue sorted
/// by id first, and SQLite's planner (3.46, without statistics, as a park's file has none)
/// takes that plan: a list of the six open statuses sorted all 20,000 open issues for each
/// page of 100, most of the list's cost (issue 17). `+status` keeps SQLite off the index, so
/// it walks the table down the ids and stops after the page: at worst, for statuses that are
/// rare, one walk of the table, where the sort of common ones (closed and rejected in a
/// million) took seconds. PostgreSQL keeps statistics and chooses for itself.
fn status_column(backend: Backend, filter: &IssueFilter) -> &'static str {
    match backend {
        Backend::Sqlite if filter.statuses.len() > 1 => "+status",
        _ => "status",
    }
}

/// The issues a statement built by [`filter_sql`] reads from: the table, and on SQLite, for an
/// overdue filter, the index it must be read by.
///
/// SQLite 3.46's planner (the bundled one) takes the overdue condition's `status IN (…)` to
/// `issues_status` and sorts every open issue by id for the first page: 300 ms over the 100,000
/// open issues of a million, with or without `ANALYZE`'s statistics. Read down
/// `issues_open_by_id` instead, a page stops after its rows: under a millisecond. The partial
/// index always applies, since the condition repeats its `WHERE` (issue 17).
pub(crate) fn issues_from(backend: Backend, filter: &IssueFilter) -> &'static str {
    match backend {
        Backend::Sqlite if filter.overdue_at.is_some() => "issues INDEXED BY issues_open_by_id",
        _ => "issues",
    }
}

/// The columns [`scope_sql`] reads a row's scope from.
pub(crate) struct ScopeColumns {
    /// The person who created it (an issue's reporter, a listing's poster).
    pub(crate) mine: &'static str,
    pub(crate) grid: &'static str,
    /// The handling unit, for rows that have one.
    pub(crate) unit: Option<&'static str>,
    pub(crate) enterprise: &'static str,
}

/// `Actor::can_see` as a condition: what the actor created, or any role covering the row's
/// scope; `None` for dispatchers, supervisors and admins, who see everything.
pub(crate) fn scope_sql(w: &mut Where, actor: &Actor, columns: &ScopeColumns) -> Option<String> {
    let sees_all = [Role::Dispatcher, Role::Supervisor, Role::Admin]
        .iter()
        .any(|r| actor.has_role(*r));
    if sees_all {
        return None;
    }
    let mut any = vec![format!("{} = {}", columns.mine, w.param(actor.user.get()))];
    let by_grid = actor.has_role(Role::PostMember) || actor.has_role(Role::Commissioner);
    if by_grid && !actor.grids.is_empty() {
        any.push(w.any_of(columns.grid, actor.grids.iter().map(|g| g.get().into())));
    }
    let by_unit = actor.has_role(Role::UnitMember) || actor.has_role(Role::UnitHead);
    if let Some(unit) = columns.unit.filter(|_| by_unit && !actor.units.is_empty()) {
        any.push(w.any_of(unit, actor.units.iter().map(|u| u.get().into())));
    }
    if actor.has_role(Role::Enterprise) && !actor.enterprises.is_empty() {
        any.push(w.any_of(
            columns.enterprise,
            actor.enterprises.iter().map(|e| e.get().into()),
        ));
    }
    Some(format!("({})", any.join(" OR ")))
}

/// The statement of a page of the list, its values, and the page size (clamped).
fn page_sql(
    backend: Backend,
    filter: &IssueFilter,
    limit: u32,
    cursor: Option<&str>,
) -> Result<(String, Vec<Arg>, usize), StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut w = Where::default();
    if let Some(cursor) = cursor {
        let after = decode_cursor(cursor)?;
        let p = w.param(after.get());
        w.clauses.push(format!("id < {p}"));
    }
    filter_sql(backend, filter, &mut w);
    let condition = w.condition();
    // One more than asked, to know whether another page follows.
    let p = w.param(i64::from(limit) + 1);
    let sql = format!(
        "SELECT {} FROM {} WHERE {condition} ORDER BY id DESC LIMIT {p}",
        *ISSUE_SELECT,
        issues_from(backend, filter)
    );
    Ok((sql, w.args, limit as usize))
}

/// The page the rows of [`page_sql`] make.
fn page(rows: Vec<IssueRow>, limit: usize) -> Result<Page<gridloop_core::Issue>, StoreError> {
    let mut items = rows
        .into_iter()
        .map(IssueRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|i| encode_cursor(i.id))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

impl Tx {
    /// Issues matching `filter`, newest (highest id) first, `limit` (clamped to 1..=500) at a
    /// time. Pass the returned `next_cursor` back to get the following page; a cursor that
    /// this server did not hand out is `Invalid`.
    pub async fn list_issues(
        &mut self,
        filter: &IssueFilter,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<gridloop_core::Issue>, StoreError> {
        let (sql, args, limit) = page_sql(self.backend(), filter, limit, cursor)?;
        page(self.fetch_all(&sql, args).await?, limit)
    }
}

impl Store {
    /// Issues matching the filter, newest first, keyset-paginated: `limit` is clamped to
    /// 1..=500, `cursor` is a previous page's `next_cursor` (`Invalid` if it is not one).
    ///
    /// One statement, so no transaction around it (it reads one snapshot all the same):
    /// BEGIN and COMMIT would be two more statements on every list.
    pub async fn list_issues(
        &self,
        filter: &IssueFilter,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<gridloop_core::Issue>, StoreError> {
        let (sql, args, limit) = page_sql(self.pool.backend(), filter, limit, cursor)?;
        page(self.pool.fetch_all_read(&sql, args).await?, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plans SQLite (the bundled one, on a migrated file without statistics, as a park's
    /// is) makes for the pages that sorted every match: several statuses, and the overdue
    /// list, alone and with a grid or a scope. Each must read down the ids and stop.
    #[tokio::test]
    async fn sqlite_reads_a_page_of_several_statuses_or_of_the_overdue_without_sorting() {
        let dir = std::env::temp_dir().join(format!("gridloop-plan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("plan.db");
        let store = Store::connect(&format!("sqlite://{}", path.display()))
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        store.close().await;
        let conn = rusqlite::Connection::open(&path).expect("open");
        let now = chrono::Utc::now();
        let open = IssueFilter {
            statuses: gridloop_core::Status::OPEN.to_vec(),
            ..IssueFilter::default()
        };
        let overdue = IssueFilter {
            overdue_at: Some(now),
            ..IssueFilter::default()
        };
        let overdue_in_grid = IssueFilter {
            grid: gridloop_core::GridId::new(3).ok(),
            ..overdue.clone()
        };
        for (what, filter) in [
            ("open", open),
            ("overdue", overdue),
            ("overdue in a grid", overdue_in_grid),
        ] {
            for cursor in [
                None,
                Some(encode_cursor(IssueId::new(500).expect("positive"))),
            ] {
                let (sql, _, _) =
                    page_sql(Backend::Sqlite, &filter, 100, cursor.as_deref()).expect("sql");
                let mut plan = conn
                    .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .expect("explain");
                // Unbound parameters are NULL: the plan does not depend on them.
                let mut rows = plan.raw_query();
                let mut steps = Vec::new();
                while let Some(row) = rows.next().expect("a step") {
                    steps.push(row.get::<_, String>(3).expect("detail"));
                }
                assert!(
                    !steps.iter().any(|s| s.contains("TEMP B-TREE")),
                    "{what} (cursor {cursor:?}) sorts: {steps:?}"
                );
            }
        }
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let id = IssueId::new(12345).expect("positive");
        assert_eq!(decode_cursor(&encode_cursor(id)).ok(), Some(id));
        for bad in [
            "",
            "i",
            "12",
            "i-1",
            "i0",
            "ixyz",
            "i+1f",
            "iffffffffffffffffff",
        ] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_escape(r"50%_a\b"), r"50\%\_a\\b");
    }
}

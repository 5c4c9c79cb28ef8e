//! Reading issues: a page of the list, one issue, its history, always in the reader's scope.
//! An issue the reader may not see is answered exactly like one that does not exist.

use gridloop_core::{Actor, Code, EnterpriseId, Event, Issue, IssueId, Login, Status};
use gridloop_store::{IssueFilter, Page};

use crate::error::{no_such, AppError, Fields, Thing};
use crate::state::AppState;

/// Who reads: a person, whose scope narrows what they see, or the operator at the console
/// (the CLI without `--as`), who sees everything.
pub type Reader<'a> = Option<&'a Actor>;

/// The issue, if `reader` may see it; [`AppError::NotFound`] alike for a missing one and one
/// out of sight.
pub async fn show(state: &AppState, reader: Reader<'_>, id: IssueId) -> Result<Issue, AppError> {
    match state.store.issue(id).await? {
        Some(issue) if reader.is_none_or(|a| a.can_see(&issue.scope())) => Ok(issue),
        _ => Err(AppError::NotFound(Thing::Issue)),
    }
}

/// The issue (as [`show`]) and its events, oldest first.
pub async fn history(
    state: &AppState,
    reader: Reader<'_>,
    id: IssueId,
) -> Result<(Issue, Vec<Event>), AppError> {
    let issue = show(state, reader, id).await?;
    let events = state.store.events(issue.id).await?;
    Ok((issue, events))
}

/// Which issues to list; codes and the login are still to be resolved.
#[derive(Debug, Clone, Default)]
pub struct ListInput {
    /// Any of these; empty means all.
    pub statuses: Vec<Status>,
    pub grid: Option<Code>,
    pub unit: Option<Code>,
    pub category: Option<Code>,
    pub enterprise: Option<EnterpriseId>,
    pub reporter: Option<Login>,
    /// Only issues past a deadline now.
    pub overdue: bool,
    /// Text the title contains.
    pub q: Option<String>,
    /// The page size (the store caps it).
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of the issues `reader` may see, newest first. Every code or login that names
/// nothing is a field error, all named at once.
pub async fn list(
    state: &AppState,
    reader: Reader<'_>,
    input: ListInput,
) -> Result<Page<Issue>, AppError> {
    let filter = filter(state, reader, &input).await?;
    page(state, &filter, &input).await
}

/// The store's filter for `input` as `reader` sees: the first half of [`list`], for a front
/// end that names its own parse errors in the same answer as these.
pub async fn filter(
    state: &AppState,
    reader: Reader<'_>,
    input: &ListInput,
) -> Result<IssueFilter, AppError> {
    let mut errors = Fields::default();
    let mut filter = IssueFilter {
        statuses: input.statuses.clone(),
        enterprise: input.enterprise,
        overdue_at: input.overdue.then(|| state.clock.now()),
        title_contains: input.q.clone(),
        visible_to: reader.cloned(),
        ..IssueFilter::default()
    };
    if let Some(code) = &input.grid {
        filter.grid = state.store.grid_by_code(code).await?.map(|g| g.id);
        if filter.grid.is_none() {
            errors.add(no_such("grid", Thing::Grid, code));
        }
    }
    if let Some(code) = &input.unit {
        filter.unit = state.store.unit_by_code(code).await?.map(|u| u.id);
        if filter.unit.is_none() {
            errors.add(no_such("unit", Thing::Unit, code));
        }
    }
    if let Some(code) = &input.category {
        filter.category = state.category_id(code).await?;
        if filter.category.is_none() {
            errors.add(no_such("category", Thing::Category, code));
        }
    }
    if let Some(id) = input.enterprise {
        if state.store.enterprise(id).await?.is_none() {
            errors.add(no_such("enterprise", Thing::Enterprise, id));
        }
    }
    if let Some(login) = &input.reporter {
        filter.reporter = state.store.user_by_login(login).await?.map(|u| u.id);
        if filter.reporter.is_none() {
            errors.add(no_such("reporter", Thing::User, login));
        }
    }
    errors.check()?;
    Ok(filter)
}

/// The page of `filter`'s issues that `input`'s limit and cursor name: the second half of
/// [`list`].
pub async fn page(
    state: &AppState,
    filter: &IssueFilter,
    input: &ListInput,
) -> Result<Page<Issue>, AppError> {
    Ok(state
        .store
        .list_issues(filter, input.limit, input.cursor.as_deref())
        .await?)
}

/// A page of a queue a front end builds from ids it already holds (its own units, its own
/// reports, a set of statuses), always narrowed to what `reader` may see.
pub async fn queue(
    state: &AppState,
    reader: &Actor,
    filter: IssueFilter,
    limit: u32,
    cursor: Option<&str>,
) -> Result<Page<Issue>, AppError> {
    let filter = IssueFilter {
        visible_to: Some(reader.clone()),
        ..filter
    };
    Ok(state.store.list_issues(&filter, limit, cursor).await?)
}

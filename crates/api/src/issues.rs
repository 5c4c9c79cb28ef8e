//! `/api/v1/issues`: report a problem, list and read issues and their history, act on them.
//!
//! Every read and every action is scoped to the caller: an issue they may not see answers
//! exactly like one that does not exist (404, the same body byte for byte). Issue reads carry
//! the version as a strong `ETag` (`"3"`); actions take the version the caller saw, in the body
//! or as `If-Match`, and a stale one is 409 with nothing written.
//!
//! Input is parsed into core types before anything else happens, every field at once, so one
//! 422 names every bad field (see [`input`]). What is returned is shaped in [`view`].
//!
//! Statuses of an action, in the order they are decided: 400/413/415 for a body that is not
//! JSON, too large or not JSON at all, and 422 for JSON of the wrong shape; 403 when the caller
//! holds none of the roles the action needs (as in the core, before anything about the issue);
//! 422 naming every bad or missing field; 404 when the issue is missing or out of sight; 409
//! for a stale version; 422 when the issue's state does not allow the action (or its
//! preconditions fail); 404 when the caller's role does not cover this issue.

mod input;
mod view;

use axum::extract::State;
use axum::http::header::{ETAG, IF_MATCH, LOCATION};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use gridloop_app::store::{ActionRequest, IssueFilter, NewIssue, StoreError};
use gridloop_core::{ActionFields, Actor, Issue, IssueId, Source, TransitionError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::Problem;
use gridloop_app::AppState;

pub use input::{ActionBody, ListQuery, ReportBody};
pub use view::{EventList, EventView, IssueList, IssueView, PendingExtensionView};

use input::{parse_if_match, parse_issue_id, CategoryRef, Errors};
use view::json_response;

/// The OpenAPI tag of these operations.
pub const TAG: &str = "issues";

/// The request header carrying a report's idempotency key.
const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set to `true` on the answer to a replayed report.
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report_issue, list_issues))
        .routes(routes!(get_issue))
        .routes(routes!(issue_events))
        .routes(routes!(act_on_issue))
}

/// Report a problem.
///
/// Needs the post_member, commissioner or enterprise role and an enterprise in the caller's
/// scope. With an `Idempotency-Key`, sending the same report again (a phone retrying on a poor
/// network) creates nothing: the answer is 201 again, with the issue the first request created
/// as it is now and `Idempotent-Replayed: true`. The same key with a different body is 422.
#[utoipa::path(
    post,
    path = "/issues",
    tag = TAG,
    operation_id = "report_issue",
    params(
        ("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,200}$",
         description = "A key of 1 to 200 visible characters (a UUID) that makes retries safe."),
    ),
    request_body(content = ReportBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Reported, or the replay of an earlier report with the same key",
         body = IssueView,
         headers(
             ("Location" = String, description = "`/api/v1/issues/{id}`"),
             ("ETag" = String, description = "The issue's version, `\"1\"` for a new issue"),
             ("Idempotent-Replayed" = String, description = "`true` when the key was seen before"),
         )),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not report, or not for this enterprise", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown enterprise or category, or a reused idempotency key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(
    name = "report_issue",
    skip_all,
    fields(user_id = %caller.user.id, issue_id = tracing::field::Empty)
)]
async fn report_issue(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<Response, Problem> {
    let mut errors = Errors::default();
    let client_key = idempotency_key(&headers, &mut errors);
    let input = body.parse(&mut errors);
    // The enterprise is checked by the report itself (one transaction fewer); an unknown one
    // comes back as NotFound and is answered below as the same field error.
    let enterprise = input.enterprise;
    let category = match input.category {
        Some(CategoryRef::Code(code)) => {
            let found = state.category_id(&code).await?;
            if found.is_none() {
                errors.add("category", format!("no category '{code}'"));
            }
            found
        }
        Some(CategoryRef::Id(id)) => {
            let found = state.store.category(id).await?;
            if found.is_none() {
                errors.add("category_id", format!("no category {id}"));
            }
            found.map(|c| c.id)
        }
        None => None,
    };
    errors.finish()?;
    let (Some(enterprise), Some(category), Some(title), Some(description), Some(priority)) = (
        enterprise,
        category,
        input.title,
        input.description,
        input.priority,
    ) else {
        tracing::error!("a report parsed without errors yet lacks a field");
        return Err(Problem::internal());
    };
    let new = NewIssue {
        enterprise,
        category,
        title,
        description,
        priority,
        source: Source::Api,
        client_key,
    };
    let now = state.clock.now();
    let reported = state
        .store
        .report(&state.workflow, &caller.actor, new, now)
        .await
        .map_err(|e| match e {
            StoreError::Transition(TransitionError::OutOfScope) => {
                Problem::forbidden("you may report only for enterprises in your own grids")
            }
            StoreError::NotFound {
                what: "enterprise",
                key,
            } => Problem::field("enterprise_id", format!("no enterprise {key}")),
            other => other.into(),
        })?;
    let issue = &reported.issue;
    tracing::Span::current().record("issue_id", issue.id.get());
    tracing::info!(replayed = reported.replayed, "issue reported");
    let mut response = issue_response(StatusCode::CREATED, issue, &caller.actor, now)?;
    let headers = response.headers_mut();
    headers.insert(
        LOCATION,
        header_value(format!("/api/v1/issues/{}", issue.id))?,
    );
    if reported.replayed {
        headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The `Idempotency-Key` header, if sent and well-formed; a bad one is recorded in `errors`.
fn idempotency_key(headers: &HeaderMap, errors: &mut Errors) -> Option<gridloop_core::ClientKey> {
    use gridloop_core::ClientKey;
    let raw = headers.get(IDEMPOTENCY_KEY)?;
    let key = raw.to_str().ok().and_then(|k| ClientKey::parse(k).ok());
    if key.is_none() {
        errors.add(
            "Idempotency-Key",
            format!(
                "must be 1 to {} visible ASCII characters",
                ClientKey::MAX_CHARS
            ),
        );
    }
    key
}

/// List the issues the caller can see.
///
/// Newest first, keyset-paginated: pass a page's `next_cursor` back as `cursor` for the next
/// one. Filters combine with AND; codes and logins that name nothing are 422, naming the
/// parameter, as are parameters this endpoint does not know.
#[utoipa::path(
    get,
    path = "/issues",
    tag = TAG,
    operation_id = "list_issues",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of issues", body = IssueList),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad or unknown parameter, or a cursor this server did not hand out", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(name = "list_issues", skip_all, fields(user_id = %caller.user.id))]
async fn list_issues(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, Problem> {
    let mut errors = Errors::default();
    let input = query.parse(&mut errors);
    let now = state.clock.now();
    let mut filter = IssueFilter {
        statuses: input.statuses,
        enterprise: input.enterprise,
        overdue_at: input.overdue.then_some(now),
        title_contains: input.q,
        visible_to: Some(caller.actor.clone()),
        ..IssueFilter::default()
    };
    if let Some(code) = &input.grid {
        filter.grid = state.store.grid_by_code(code).await?.map(|g| g.id);
        if filter.grid.is_none() {
            errors.add("grid", format!("no grid '{code}'"));
        }
    }
    if let Some(code) = &input.unit {
        filter.unit = state.store.unit_by_code(code).await?.map(|u| u.id);
        if filter.unit.is_none() {
            errors.add("unit", format!("no unit '{code}'"));
        }
    }
    if let Some(code) = &input.category {
        filter.category = state.store.category_by_code(code).await?.map(|c| c.id);
        if filter.category.is_none() {
            errors.add("category", format!("no category '{code}'"));
        }
    }
    if let Some(id) = input.enterprise {
        if state.store.enterprise(id).await?.is_none() {
            errors.add("enterprise", format!("no enterprise {id}"));
        }
    }
    if let Some(login) = &input.reporter {
        filter.reporter = state.store.user_by_login(login).await?.map(|u| u.id);
        if filter.reporter.is_none() {
            errors.add("reporter", format!("no user '{login}'"));
        }
    }
    errors.finish()?;
    let page = state
        .store
        .list_issues(&filter, input.limit, input.cursor.as_deref())
        .await?;
    let list = IssueList {
        items: page
            .items
            .iter()
            .map(|issue| IssueView::new(issue, &caller.actor, now))
            .collect(),
        next_cursor: page.next_cursor,
    };
    json_response(StatusCode::OK, &list)
}

/// Read one issue.
#[utoipa::path(
    get,
    path = "/issues/{id}",
    tag = TAG,
    operation_id = "get_issue",
    params(("id" = i64, Path, description = "The issue's id", minimum = 1)),
    responses(
        (status = 200, description = "The issue as the caller sees it", body = IssueView,
         headers(("ETag" = String, description = "The issue's version, `\"N\"`"))),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such issue, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(name = "get_issue", skip_all, fields(user_id = %caller.user.id, issue_id = tracing::field::Empty))]
async fn get_issue(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Problem> {
    let issue = visible_issue(&state, &caller, &id).await?;
    issue_response(StatusCode::OK, &issue, &caller.actor, state.clock.now())
}

/// Read an issue's history.
///
/// Every step the issue took, oldest first: who acted, when, from which state to which, and
/// what the step recorded.
#[utoipa::path(
    get,
    path = "/issues/{id}/events",
    tag = TAG,
    operation_id = "list_issue_events",
    params(("id" = i64, Path, description = "The issue's id", minimum = 1)),
    responses(
        (status = 200, description = "The issue's events, oldest first", body = EventList,
         headers(("ETag" = String, description = "The issue's version, `\"N\"`"))),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such issue, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(name = "issue_events", skip_all, fields(user_id = %caller.user.id, issue_id = tracing::field::Empty))]
async fn issue_events(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Problem> {
    let issue = visible_issue(&state, &caller, &id).await?;
    let events = state.store.events(issue.id).await?;
    let list = EventList {
        items: events.iter().map(EventView::new).collect(),
    };
    let mut response = json_response(StatusCode::OK, &list)?;
    // The history read with the issue row may be one event ahead of it; the ETag is the
    // version of the last event shown, so it always matches the body.
    let version = list.items.last().map_or(issue.version, |e| e.version);
    response.headers_mut().insert(ETAG, etag(version)?);
    Ok(response)
}

/// Act on an issue.
///
/// `accept`, `reject`, `assign`, `return`, `start`, `hold`, `resume`, `extend_request`,
/// `extend_grant`, `extend_deny`, `resolve`, `verify`, `rework`, `reopen`, `mark_duplicate`,
/// `reassign` or `comment`, with the fields that action takes (see the body schema), and the
/// version the caller saw (`version`, or `If-Match: "N"`; both must agree if both are sent).
#[utoipa::path(
    post,
    path = "/issues/{id}/actions",
    tag = TAG,
    operation_id = "act_on_issue",
    params(
        ("id" = i64, Path, description = "The issue's id", minimum = 1),
        ("If-Match" = Option<String>, Header, pattern = r#"^"[0-9]{1,9}"$"#,
         description = "The issue's `ETag` as the caller saw it, instead of `version` in the body"),
    ),
    request_body(content = ActionBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Done: the issue after the action", body = IssueView,
         headers(("ETag" = String, description = "The issue's new version, `\"N\"`"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller holds none of the roles the action needs", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such issue, or one the caller may not see or act on", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The issue changed since the version sent; nothing was written", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or missing fields, or the issue's state does not allow the action", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(
    name = "act_on_issue",
    skip_all,
    fields(user_id = %caller.user.id, issue_id = tracing::field::Empty, action = tracing::field::Empty)
)]
async fn act_on_issue(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(raw_id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ActionBody>,
) -> Result<Response, Problem> {
    let id = parse_issue_id(&raw_id).ok_or_else(no_such_issue)?;
    let span = tracing::Span::current();
    span.record("issue_id", id.get());

    let mut errors = Errors::default();
    let if_match = headers
        .get(IF_MATCH)
        .and_then(|v| errors.take("If-Match", parse_if_match(v.as_bytes())));
    let input = body.parse(&mut errors);
    if let Some(kind) = input.kind {
        span.record("action", kind.as_str());
    }
    let version = match (input.version, if_match) {
        (Some(body), Some(header)) if body != header => {
            errors.add(
                "If-Match",
                format!("names version {header} but the body says {body}"),
            );
            None
        }
        (Some(v), _) | (None, Some(v)) => Some(v),
        (None, None) => {
            if !headers.contains_key(IF_MATCH) {
                errors.add(
                    "version",
                    "is required: send the version you saw, in the body or as If-Match",
                );
            }
            None
        }
    };

    // The role comes first, as in the core: someone who may never take this action is told
    // so whatever the issue and whatever else the request says, which reveals nothing about
    // the issue. (The store checks visibility before the role, so the order is kept here.)
    if let Some(kind) = input.kind {
        let allowed = gridloop_core::lifecycle::rule(kind).roles;
        if !allowed.iter().any(|&role| caller.actor.has_role(role)) {
            return Err(Problem::forbidden(format!(
                "{kind} needs one of the roles {}",
                gridloop_core::error::role_list(allowed)
            )));
        }
    }

    let mut fields = ActionFields {
        reason: input.reason,
        note: input.note,
        public_note: input.public_note,
        satisfaction: input.satisfaction,
        duplicate_of: input.duplicate_of,
        until: input.until,
        priority: input.priority,
        ..ActionFields::default()
    };
    if let Some(code) = &input.unit {
        fields.unit = state.store.unit_by_code(code).await?.map(|u| u.id);
        if fields.unit.is_none() {
            errors.add("unit", format!("no unit '{code}'"));
        }
    }
    if let Some(code) = &input.category {
        fields.category = state.store.category_by_code(code).await?.map(|c| c.id);
        if fields.category.is_none() {
            errors.add("category", format!("no category '{code}'"));
        }
    }
    if let Some(of) = fields.duplicate_of {
        // An issue the caller cannot see is named exactly like a missing one.
        let target = state.store.issue(of).await?;
        if !target.is_some_and(|t| caller.actor.can_see(&t.scope())) {
            errors.add("duplicate_of", format!("no issue {of}"));
        }
    }
    errors.finish()?;
    let (Some(kind), Some(version)) = (input.kind, version) else {
        tracing::error!("an action parsed without errors yet lacks its name or version");
        return Err(Problem::internal());
    };

    let now = state.clock.now();
    let request = ActionRequest {
        kind,
        fields,
        expected_version: Some(version),
    };
    let decision = state
        .store
        .act(&state.workflow, id, &caller.actor, request, now)
        .await
        .map_err(|e| match e {
            StoreError::NotFound { what: "issue", .. }
            | StoreError::Transition(TransitionError::OutOfScope) => no_such_issue(),
            other => other.into(),
        })?;
    tracing::info!(
        from = decision.event.from.map(|s| s.as_str()),
        to = decision.event.to.as_str(),
        version = decision.issue.version,
        "action taken"
    );
    issue_response(StatusCode::OK, &decision.issue, &caller.actor, now)
}

/// The issue a path names, if the caller may see it; otherwise the one 404 for "no such issue".
async fn visible_issue(state: &AppState, caller: &Caller, raw_id: &str) -> Result<Issue, Problem> {
    let id: IssueId = parse_issue_id(raw_id).ok_or_else(no_such_issue)?;
    tracing::Span::current().record("issue_id", id.get());
    match state.store.issue(id).await? {
        Some(issue) if caller.actor.can_see(&issue.scope()) => Ok(issue),
        _ => Err(no_such_issue()),
    }
}

/// The answer for a missing issue, for an unseen one, and for a path that names none: always
/// the same bytes, so a client cannot tell them apart.
fn no_such_issue() -> Problem {
    Problem::not_found("issue")
}

fn issue_response(
    status: StatusCode,
    issue: &Issue,
    viewer: &Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Response, Problem> {
    let mut response = json_response(status, &IssueView::new(issue, viewer, now))?;
    response.headers_mut().insert(ETAG, etag(issue.version)?);
    Ok(response)
}

fn etag(version: u32) -> Result<HeaderValue, Problem> {
    header_value(format!("\"{version}\""))
}

fn header_value(text: String) -> Result<HeaderValue, Problem> {
    HeaderValue::try_from(text).map_err(|e| {
        tracing::error!(error = %e, "cannot build a header");
        Problem::internal()
    })
}

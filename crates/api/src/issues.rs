//! `/api/v1/issues`: report a problem, list and read issues and their history, act on them.
//!
//! Every read and every action is scoped to the caller: an issue they may not see answers
//! exactly like one that does not exist (404, the same body byte for byte). Issue reads carry
//! the version as a strong `ETag` (`"3"`); actions take the version the caller saw, in the body
//! or as `If-Match`, and a stale one is 409 with nothing written.
//!
//! Input is parsed into core types before anything else happens, every field at once, so one
//! 422 names every bad field (see [`input`]); the use cases themselves are the app's
//! ([`gridloop_app::issues`]), and their refusals become problem+json through
//! `From<AppError> for Problem`. What is returned is shaped in [`view`]. The ledger's download
//! (`GET /issues/export`) is [`export`](mod@export)'s.
//!
//! Statuses of an action, in the order they are decided: 400/413/415 for a body that is not
//! JSON, too large or not JSON at all, and 422 for JSON of the wrong shape; 403 when the caller
//! holds none of the roles the action needs (as in the core, before anything about the issue);
//! 422 naming every bad or missing field; 404 when the issue is missing or out of sight; 409
//! for a stale version; 422 when the issue's state does not allow the action (or its
//! preconditions fail); 404 when the caller's role does not cover this issue. The app keeps
//! this order ([`gridloop_app::issues::act()`]); the handler asks the role first itself
//! ([`gridloop_app::issues::may_take`]) only so that its own 422s come after the 403.

mod export;
mod input;
mod instant;
mod view;

use axum::extract::State;
use axum::http::header::{ETAG, IF_MATCH, LOCATION};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use gridloop_app::error::relabel;
use gridloop_app::issues::{self, Intake};
use gridloop_app::AppError;
use gridloop_core::{Actor, Issue, IssueId, Source};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::Problem;
use gridloop_app::AppState;

pub use export::{content_disposition, LedgerFile};
pub use input::{ActionBody, ExportQuery, ListQuery, ReportBody};
pub use view::{EventList, EventView, IssueList, IssueView, PendingExtensionView};

use input::{parse_if_match, parse_issue_id, Errors};
use view::json_response;

/// The OpenAPI tag of these operations.
pub const TAG: &str = "issues";

/// The request header carrying a report's idempotency key.
const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set to `true` on the answer to a replayed report.
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(intake_issue, list_issues))
        .routes(routes!(export::export_issues))
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
// Intake, in the code's words; the operation keeps its published id, `report_issue`.
#[tracing::instrument(
    name = "intake_issue",
    skip_all,
    fields(user_id = %caller.user.id, issue_id = tracing::field::Empty)
)]
async fn intake_issue(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<Response, Problem> {
    let mut errors = Errors::default();
    let client_key = idempotency_key(&headers, &mut errors);
    let input = body.parse(&mut errors);
    errors.finish()?;
    let (Some(enterprise), Some(category), Some(title), Some(description), Some(priority)) = (
        input.enterprise,
        input.category,
        input.title,
        input.description,
        input.priority,
    ) else {
        return Err(gridloop_app::error::bug("a report").into());
    };
    let intake = Intake {
        enterprise,
        category,
        title,
        description,
        priority,
        source: Source::Api,
        client_key,
        open311: None,
    };
    let now = state.clock.now();
    let reported = issues::intake(&state, &caller.actor, intake)
        .await
        .map_err(|e| match e {
            // The body's name for the enterprise.
            AppError::Invalid(list) => AppError::Invalid(
                list.into_iter()
                    .map(|e| match e.field() {
                        "enterprise" => relabel("enterprise_id", e),
                        _ => e,
                    })
                    .collect(),
            ),
            other => other,
        })?;
    let issue = &reported.issue;
    tracing::Span::current().record("issue_id", issue.id.get());
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
    // The codes that name nothing are named in the same answer as the bad parameters.
    let filter = errors.absorb(issues::filter(&state, Some(&caller.actor), &input).await)?;
    errors.finish()?;
    let filter = filter.ok_or_else(|| gridloop_app::error::bug("a list's filter"))?;
    let now = state.clock.now();
    let page = issues::page(&state, &filter, &input).await?;
    let list = IssueList {
        items: page
            .items
            .into_iter()
            .map(|issue| IssueView::of(issue, &caller.actor, now))
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
    let id = parse_issue_id(&id).ok_or_else(no_such_issue)?;
    tracing::Span::current().record("issue_id", id.get());
    let (issue, events) = issues::history(&state, Some(&caller.actor), id).await?;
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
    let body_version = body.version;
    let input = body.parse(&mut errors);
    if let Some(input) = &input {
        span.record("action", input.kind.as_str());
        // The role comes first, as in the core: someone who may never take this action is
        // told so whatever the issue and whatever else the request says.
        issues::may_take(&caller.actor, input.kind)?;
    }
    let version = match (body_version, if_match) {
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
    errors.finish()?;
    let (Some(mut input), Some(version)) = (input, version) else {
        return Err(gridloop_app::error::bug("an action's name or version").into());
    };
    input.expected_version = Some(version);
    let decision = issues::act(&state, &caller.actor, id, input).await?;
    issue_response(
        StatusCode::OK,
        &decision.issue,
        &caller.actor,
        state.clock.now(),
    )
}

/// The issue a path names, if the caller may see it; otherwise the one 404 for "no such issue".
async fn visible_issue(state: &AppState, caller: &Caller, raw_id: &str) -> Result<Issue, Problem> {
    let id: IssueId = parse_issue_id(raw_id).ok_or_else(no_such_issue)?;
    tracing::Span::current().record("issue_id", id.get());
    Ok(issues::show(state, Some(&caller.actor), id).await?)
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

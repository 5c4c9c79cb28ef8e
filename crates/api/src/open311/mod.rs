//! Open311 GeoReport v2 under `/open311/v2`, so existing 311 clients can report problems and
//! follow them (<https://wiki.open311.org/GeoReport_v2>).
//!
//! Every resource answers in JSON or XML as its suffix says (`/services.json`,
//! `/services.xml`), errors included: `[{"code": 400, "description": "…"}]` or
//! `<errors><error><code>400</code>…</error></errors>`, with the matching HTTP status. So does
//! a path no route knows (`/service/roads.xml` is a 404 in XML); one with no suffix, or another,
//! is answered in JSON.
//!
//! How GeoReport maps onto gridloop:
//!
//! - a *service* is a [`Category`](gridloop_app::store::Category); its definition has the enterprise
//!   the problem concerns as a required attribute (`attribute[enterprise]`, an enterprise id),
//!   and an optional `priority`;
//! - a *service request* is an issue, reported by the user whose token is the `api_key` (who must
//!   hold the `enterprise` role and speak for that enterprise), entering the loop as `reported`.
//!   The location, `media_url` and the requester's contact go to the `open311_requests` side
//!   table in the same transaction; the contact is never shown back, nor logged unmasked;
//! - the request id is the issue id, created at once, so a *token* is the id too;
//! - `status` is `open` or `closed` (closed, rejected, duplicate); the detailed state is in
//!   `status_notes` and, with `extensions=true`, in `extended_attributes`;
//! - discovery and the services need no key; requests and tokens need an `api_key` of scope
//!   `open311` (see `requests`), and show only the requests that key's user reported through
//!   Open311: what the loop's own people report stays behind the scoped `/api/v1`, and one 311
//!   client never sees another's;
//! - `jurisdiction_id` is optional; when given it must be a chain's code (`aluminium`).
//!
//! Times are ISO 8601 in the park's time zone (Asia/Shanghai, `+08:00`).
//!
//! # Layout
//!
//! - [`doc`]: the document model rendered as JSON or XML, and the spec's errors.
//! - [`xml`]: the escaping XML writer.
//! - [`form`]: query, form-encoded and multipart parameters.
//! - `services`: discovery, the service list and service definitions.
//! - `requests`: posting, listing and reading requests; tokens.

pub mod doc;
pub mod form;
mod requests;
mod services;
pub mod xml;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, SecondsFormat, Utc};
use gridloop_core::Code;

use doc::{Failure, Format};
use form::Params;
use gridloop_app::AppState;

/// The park's time zone, in which Open311 times are shown.
const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{file}", get(get_root).post(post_root))
        .route("/services/{file}", get(get_service))
        .route("/requests/{file}", get(get_request))
        .route("/tokens/{file}", get(get_token))
        // Errors follow the suffix everywhere, even on a path no route knows.
        .fallback(|uri: Uri| async move { not_found().respond(Format::of_path(uri.path())) })
        .method_not_allowed_fallback(|uri: Uri| async move {
            Failure::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
                .respond(Format::of_path(uri.path()))
        })
}

/// `GET /discovery`, `/services`, `/requests` with a format suffix.
async fn get_root(
    State(state): State<AppState>,
    file: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let path = request.uri().path().to_owned();
    answer(file, &path, |name, format| async move {
        let params = Params::from_query(request.uri())?;
        check_jurisdiction(&state, &params).await?;
        match name.as_str() {
            "discovery" => Ok(services::discovery(request.headers())),
            "services" => services::list(&state).await,
            "requests" => requests::list(&state, &params).await,
            _ => Err(not_found()),
        }
        .map(|(root, doc)| doc.respond(StatusCode::OK, root, format))
    })
    .await
}

/// `POST /requests` with a format suffix.
async fn post_root(
    State(state): State<AppState>,
    file: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let path = request.uri().path().to_owned();
    answer(file, &path, |name, format| async move {
        if name != "requests" {
            return Err(not_found());
        }
        let params = Params::from_post(request).await?;
        check_jurisdiction(&state, &params).await?;
        let doc = requests::create(&state, &params).await?;
        Ok(doc.respond(StatusCode::CREATED, "service_requests", format))
    })
    .await
}

/// `GET /services/{service_code}` with a format suffix: the service definition.
async fn get_service(
    State(state): State<AppState>,
    file: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let path = request.uri().path().to_owned();
    answer(file, &path, |code, format| async move {
        let params = Params::from_query(request.uri())?;
        check_jurisdiction(&state, &params).await?;
        let doc = services::definition(&state, &code).await?;
        Ok(doc.respond(StatusCode::OK, "service_definition", format))
    })
    .await
}

/// `GET /requests/{service_request_id}` with a format suffix: an array of one.
async fn get_request(
    State(state): State<AppState>,
    file: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let path = request.uri().path().to_owned();
    answer(file, &path, |id, format| async move {
        let params = Params::from_query(request.uri())?;
        check_jurisdiction(&state, &params).await?;
        let doc = requests::one(&state, &id, &params).await?;
        Ok(doc.respond(StatusCode::OK, "service_requests", format))
    })
    .await
}

/// `GET /tokens/{token}` with a format suffix: the request the token stands for.
async fn get_token(
    State(state): State<AppState>,
    file: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let path = request.uri().path().to_owned();
    answer(file, &path, |token, format| async move {
        let params = Params::from_query(request.uri())?;
        check_jurisdiction(&state, &params).await?;
        let doc = requests::token(&state, &token, &params).await?;
        Ok(doc.respond(StatusCode::OK, "service_requests", format))
    })
    .await
}

/// Splits the format off the path's last segment, runs the handler, and renders its failure
/// in the format asked for. A segment that is not even text (`%FF.xml`) is a 400 in the
/// format its suffix names, like any other error here.
async fn answer<F, Fut>(
    file: Result<Path<String>, PathRejection>,
    path: &str,
    handler: F,
) -> Response
where
    F: FnOnce(String, Format) -> Fut,
    Fut: std::future::Future<Output = Result<Response, Failure>>,
{
    let Ok(Path(file)) = file else {
        return Failure::bad_request("the path is malformed").respond(Format::of_path(path));
    };
    match Format::split(&file) {
        Ok((name, format)) => handler(name.to_owned(), format)
            .await
            .unwrap_or_else(|failure| failure.respond(format)),
        Err(failure) => failure.respond(Format::Json),
    }
}

fn not_found() -> Failure {
    Failure::not_found("no such Open311 resource")
}

/// A blank `jurisdiction_id` is no `jurisdiction_id`; any other must be a chain's code.
async fn check_jurisdiction(state: &AppState, params: &Params) -> Result<(), Failure> {
    let Some(raw) = params.get("jurisdiction_id") else {
        return Ok(());
    };
    let unknown = || Failure::not_found(format!("jurisdiction_id '{raw}' not found"));
    let code = Code::parse(raw).map_err(|_| unknown())?;
    match state.store.chain_by_code(&code).await? {
        Some(_) => Ok(()),
        None => Err(unknown()),
    }
}

/// An instant as the spec wants it: ISO 8601 with the offset, in the park's zone.
fn datetime(t: DateTime<Utc>) -> String {
    t.with_timezone(&ZONE)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

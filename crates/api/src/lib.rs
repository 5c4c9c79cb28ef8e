//! gridloop's JSON API under `/api/v1` and Open311 GeoReport v2 under `/open311/v2`: handlers
//! that parse a request, call the app's use cases (`gridloop_app`), and answer JSON, or an
//! RFC 9457 problem document made from the app's `AppError` in one place
//! ([`problem`]: `impl From<AppError> for Problem`).
//!
//! [`routes`] gives both surfaces as one router over the app's state; the binary serves it
//! beside the web pages and the probes, under its own layers (timeouts, security headers,
//! metrics).
//!
//! # Layout
//!
//! - [`auth`]: the bearer token and the [`auth::Caller`] extractor over the app's token holders.
//! - [`extract`]: JSON/query/path extractors whose rejections are problem documents.
//! - [`problem`]: RFC 9457 errors, and the mapping of `AppError` to them.
//! - [`openapi`]: the OpenAPI document's frame and the errors every operation may answer.
//! - Resources: [`chain`] (stages, positions, needs and offers, suggestions), [`chain_events`]
//!   (matchmaking events: planned, invitees suggested and invited, told, attendance),
//!   [`chain_matches`] (matches and the chain map), [`calendars`], [`issues`], [`reference`](mod@reference), [`attachments`], [`notifications`], [`visits`],
//!   [`reports`]; [`open311`] (its own surface, error shape and XML).

pub mod attachments;
pub mod auth;
pub mod calendars;
pub mod chain;
pub mod chain_events;
pub mod chain_matches;
pub mod extract;
pub mod issues;
pub mod notifications;
pub mod open311;
pub mod openapi;
pub mod problem;
pub mod reference;
pub mod reports;
pub mod visits;

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use gridloop_app::AppState;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use problem::Problem;

/// Request bodies larger than this are refused with 413 (attachments have their own limit).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Both surfaces: `/api/v1` (with its document at `/api/v1/openapi.json`) and `/open311/v2`.
pub fn routes() -> Router<AppState> {
    let (api, _) = api_routes().split_for_parts();
    let doc = Arc::new(openapi_document());
    let api = api.route(
        "/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    );
    Router::new()
        .nest("/api/v1", api)
        .nest("/open311/v2", open311::routes())
}

/// Every `/api/v1` route, each registered with its OpenAPI operation.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(issues::routes())
        .merge(reference::routes())
        .merge(attachments::routes())
        .merge(notifications::routes())
        .merge(visits::routes())
        .merge(reports::routes())
        .merge(calendars::routes())
        .merge(chain::routes())
        .merge(chain_events::routes())
        .merge(chain_matches::routes())
}

/// The OpenAPI document of `/api/v1`, as served at `/api/v1/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = api_routes().split_for_parts().1;
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    openapi::document_common_errors(&mut doc);
    doc
}

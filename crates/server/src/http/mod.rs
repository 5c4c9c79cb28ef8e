//! The HTTP face of gridloop: the JSON API under `/api/v1`, Open311 GeoReport v2 under
//! `/open311/v2`, the probes `/healthz`, `/readyz`, `/metrics`, and the web pages (their own
//! module, [`crate::web`], merged in here).
//!
//! # Layout
//!
//! - [`auth`]: bearer tokens and the [`auth::Caller`] extractor.
//! - [`extract`]: JSON/query/path extractors whose rejections are problem documents.
//! - [`problem`]: RFC 9457 errors.
//! - [`health`], [`metrics`]: probes and Prometheus text.
//! - [`listener`]: the accept loop: connection limit, header/idle timeouts, graceful shutdown.
//! - [`timeout`]: the request timeout (408 or 503).
//! - [`headers`]: the security headers every answer carries.
//! - `issues`, `reference`, `attachments`, `open311`, `openapi`: the resources.

pub mod attachments;
pub mod auth;
pub mod extract;
pub mod headers;
pub mod health;
pub mod issues;
pub mod listener;
pub mod metrics;
pub mod notifications;
pub mod open311;
pub mod openapi;
pub mod problem;
pub mod reference;
pub mod reports;
pub mod timeout;
pub mod visits;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use gridloop_app::AppState;
pub use listener::Limits;
pub use problem::Problem;

/// Request bodies larger than this are refused with 413 (attachments have their own limit).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The whole application with the default limits of `config/default.toml`.
pub fn router(state: AppState) -> Router {
    router_with(state, &Limits::default())
}

/// The whole application, ready to serve. Its layers, outermost first: the security headers
/// (on every answer, timeouts and errors included), metrics, the request timeout, the body
/// limit.
pub fn router_with(state: AppState, limits: &Limits) -> Router {
    let (api, _) = api_routes().split_for_parts();
    let doc = Arc::new(openapi_document());
    let api = api.route(
        "/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    );
    let metrics = Arc::new(metrics::Metrics::default());
    Router::new()
        .merge(health::routes(Arc::clone(&metrics)))
        .nest("/api/v1", api)
        .nest("/open311/v2", open311::routes())
        .merge(crate::web::routes(&state))
        .fallback(|| async { Problem::not_found("resource") })
        .method_not_allowed_fallback(|| async {
            Problem::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            )
        })
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            problem::panicked,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            limits.request_timeout,
            timeout::limit,
        ))
        .layer(middleware::from_fn_with_state(metrics, record_metrics))
        .layer(middleware::from_fn(headers::secure))
        .with_state(state)
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
}

/// The OpenAPI document of `/api/v1`, as served at `/api/v1/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = api_routes().split_for_parts().1;
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    openapi::document_common_errors(&mut doc);
    doc
}

/// Counts every request by its method and route template and times it. Both labels come from
/// closed sets (known methods, the routes that exist), whatever a client sends.
async fn record_metrics(
    State(metrics): State<Arc<metrics::Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = metrics::Method::of(request.method());
    let route = metrics::Route::of(request.extensions().get::<MatchedPath>());
    let response = next.run(request).await;
    metrics.record(method, route, response.status().as_u16(), started.elapsed());
    response
}

/// Serves with the default [`Limits`] until `shutdown` resolves (see [`serve_with`]).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, Limits::default(), shutdown).await
}

/// Serves until `shutdown` resolves, then stops accepting, closes idle and half-sent
/// connections, and gives requests in progress [`Limits::shutdown_grace`] to finish.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener::serve(listener, router_with(state, &limits), limits, shutdown).await
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in progress");
}

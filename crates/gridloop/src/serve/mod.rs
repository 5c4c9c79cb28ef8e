//! Serving: the JSON API and Open311 (`gridloop_api`), the web pages (`gridloop_web`) and the
//! probes `/healthz`, `/readyz`, `/metrics`, composed into one router under the layers every
//! answer passes through, and the accept loop that serves it.
//!
//! # Layout
//!
//! - this file: the router's composition and layers, [`serve`], [`shutdown_signal`].
//! - [`health`], [`metrics`]: probes and Prometheus text (requests counted by route here).
//! - [`listener`]: the accept loop: connection limit, header/idle timeouts, graceful shutdown.
//! - [`timeout`]: the request timeout (408 or 503).
//! - [`headers`]: the security headers every answer carries.

pub mod headers;
pub mod health;
pub mod listener;
pub mod metrics;
pub mod timeout;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use gridloop_api::{problem, Problem, BODY_LIMIT};
pub use gridloop_app::AppState;
use tokio::net::TcpListener;

pub use listener::Limits;

/// The whole application with the default limits of `config/default.toml`.
pub fn router(state: AppState) -> Router {
    router_with(state, &Limits::default())
}

/// The whole application, ready to serve. Its layers, outermost first: the security headers
/// (on every answer, timeouts and errors included), metrics, the request timeout, the body
/// limit.
pub fn router_with(state: AppState, limits: &Limits) -> Router {
    let metrics = Arc::new(metrics::Metrics::default());
    Router::new()
        .merge(health::routes(Arc::clone(&metrics)))
        .merge(gridloop_api::routes())
        .merge(gridloop_web::routes(&state))
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

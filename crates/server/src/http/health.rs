//! Probes: `/healthz` (the process answers), `/readyz` (the database answers), `/metrics`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::http::problem::Problem;
use crate::http::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready\n".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness probe: database unreachable");
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", "Not ready")
                .detail("the database does not answer")
                .into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Result<Response, Problem> {
    let counts: Vec<(String, u64)> = state
        .store
        .count_by_status()
        .await?
        .into_iter()
        .map(|(status, n)| (status.to_string(), n))
        .collect();
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&counts),
    )
        .into_response())
}

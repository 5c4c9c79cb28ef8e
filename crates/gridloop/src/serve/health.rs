//! Probes: `/healthz` (the process answers), `/readyz` (the database answers), `/metrics`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::serve::metrics::Metrics;
use gridloop_api::Problem;
use gridloop_app::AppState;

/// The probes; `/metrics` renders the request counts kept by the serving layer in `metrics`.
pub fn routes(metrics: Arc<Metrics>) -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            "/metrics",
            get(move |state: State<AppState>| render_metrics(state, metrics)),
        )
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// How long `/readyz` waits for the database. Shorter than the pool's acquire timeout (which
/// keeps retrying a refused connection), so a probe with a timeout of a few seconds reads a
/// 503 rather than timing out itself.
const READY_WITHIN: Duration = Duration::from_secs(2);

async fn readyz(State(state): State<AppState>) -> Response {
    let error = match tokio::time::timeout(READY_WITHIN, state.store.ping()).await {
        Ok(Ok(())) => return "ready\n".into_response(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer within {} s", READY_WITHIN.as_secs()),
    };
    tracing::warn!(%error, "readiness probe: database unreachable");
    let mut problem = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", "Not ready")
        .detail("the database does not answer");
    problem.retry_after = Some(gridloop_app::error::RETRY_AFTER_SECS);
    problem.into_response()
}

async fn render_metrics(
    State(state): State<AppState>,
    metrics: Arc<Metrics>,
) -> Result<Response, Problem> {
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
        metrics.render(&counts, &state.store.intake_stats()),
    )
        .into_response())
}

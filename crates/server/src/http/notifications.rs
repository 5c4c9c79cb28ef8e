//! `/notifications`: the outbox for admins, and the delivery-report callback for Kannel.

use std::net::SocketAddr;
use std::sync::OnceLock;

use axum::extract::{ConnectInfo, State};
use axum::http::Extensions;
use axum::Json;
use gridloop_notifier::channel::DlrStatus;
use gridloop_store::{DlrEffect, DlrRecorded, NotificationState};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::problem::Problem;
use crate::http::reference::{Admin, Forbidden, Invalid, NotFound, Unauthorized};
use crate::http::state::AppState;
use crate::notify::NotificationView;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(retry_notification))
        .routes(routes!(delivery_report))
}

/// The secret a delivery report from a non-loopback peer must carry, set once by `serve` from
/// `notify.dlr_secret`. A process-wide value rather than a field of the shared state because
/// only this endpoint reads it and the state is built in several places (serve, tests); left
/// unset, only loopback peers may report.
static DLR_SECRET: OnceLock<String> = OnceLock::new();

/// Sets the delivery-report secret (the first call wins; empty means loopback only).
pub fn set_dlr_secret(secret: &str) {
    if !secret.is_empty() {
        let _ = DLR_SECRET.set(secret.to_owned());
    }
}

/// Filters of the outbox listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// pending, sending, sent, delivered, failed or dead.
    pub state: Option<String>,
    /// 1–1000, default 50.
    pub limit: Option<u32>,
}

/// Lists notifications, newest first, addresses masked.
#[utoipa::path(
    get,
    path = "/notifications",
    tag = "notifications",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Notifications, newest first", body = [NotificationView]),
        Unauthorized,
        Forbidden,
        Invalid,
    )
)]
#[tracing::instrument(name = "list notifications", skip_all)]
async fn list_notifications(
    _admin: Admin,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<NotificationView>>, Problem> {
    let wanted = query
        .state
        .as_deref()
        .map(str::parse::<NotificationState>)
        .transpose()?;
    let limit = query.limit.unwrap_or(50).clamp(1, 1000);
    let rows = state.store.notifications(wanted, limit).await?;
    Ok(Json(rows.iter().map(NotificationView::from).collect()))
}

/// Puts a failed or dead notification back in line to go now, its attempts counted afresh.
#[utoipa::path(
    post,
    path = "/notifications/{id}/retry",
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The notification's id")),
    responses(
        (status = 200, description = "The notification, pending again", body = NotificationView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "retry notification", skip_all, fields(id))]
async fn retry_notification(
    _admin: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<NotificationView>, Problem> {
    tracing::Span::current().record("id", id);
    let now = state.clock.now();
    let n = state.store.retry_notification(id, now).await?;
    Ok(Json(NotificationView::from(&n)))
}

/// What Kannel's `dlr-url` carries back: `id` (ours) and `status` (its `%d`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DlrQuery {
    /// The notification's id.
    pub id: Option<String>,
    /// Kannel's report type: 1 delivered, 2 failed, 4 queued, 8 accepted, 16 rejected.
    pub status: Option<String>,
    /// `notify.dlr_secret`, required unless the report comes from loopback.
    pub secret: Option<String>,
}

/// What the report did.
#[derive(Debug, Serialize, ToSchema)]
pub struct DlrAnswer {
    /// applied, duplicate or ignored.
    pub recorded: String,
}

/// Receives a delivery report from the SMS gateway. No bearer token (Kannel cannot send one):
/// accepted from loopback peers, or from elsewhere with the configured `secret`. A report
/// received twice changes nothing the second time.
#[utoipa::path(
    get,
    path = "/notifications/dlr",
    tag = "notifications",
    security(()),
    params(DlrQuery),
    responses(
        (status = 200, description = "Recorded (or a repeat, which changes nothing)", body = DlrAnswer),
        (status = 400, description = "A missing or malformed id or status", content_type = "application/problem+json"),
        Forbidden,
        NotFound,
    )
)]
#[tracing::instrument(name = "delivery report", skip_all)]
async fn delivery_report(
    State(state): State<AppState>,
    extensions: Extensions,
    ApiQuery(query): ApiQuery<DlrQuery>,
) -> Result<Json<DlrAnswer>, Problem> {
    let loopback = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| peer.ip().is_loopback());
    let secret_ok = match (DLR_SECRET.get(), query.secret.as_deref()) {
        (Some(want), Some(got)) => constant_time_eq(want.as_bytes(), got.as_bytes()),
        _ => false,
    };
    if !loopback && !secret_ok {
        return Err(Problem::forbidden(
            "delivery reports are accepted from loopback or with the configured secret",
        ));
    }
    let id: i64 = query
        .id
        .as_deref()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| Problem::bad_request("`id` must be a notification id"))?;
    let code: u32 = query
        .status
        .as_deref()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| Problem::bad_request("`status` must be a Kannel report type"))?;
    let effect = match DlrStatus::from_kannel(code) {
        Some(DlrStatus::Delivered) => DlrEffect::Delivered,
        Some(DlrStatus::Failed) => DlrEffect::Failed,
        Some(DlrStatus::Intermediate) => DlrEffect::Progress,
        None => {
            return Err(Problem::bad_request(format!(
                "`status` {code} is not a Kannel report type (1, 2, 4, 8, 16)"
            )))
        }
    };
    let recorded = state
        .store
        .record_dlr(id, code, effect, state.clock.now())
        .await?;
    tracing::info!(id, status = code, ?recorded, "delivery report");
    let recorded = match recorded {
        DlrRecorded::Applied => "applied",
        DlrRecorded::Duplicate => "duplicate",
        DlrRecorded::Ignored => "ignored",
    };
    Ok(Json(DlrAnswer {
        recorded: recorded.to_owned(),
    }))
}

/// Compares without an early exit, so the time taken does not tell how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

//! `/notifications`: the outbox for admins, and the delivery-report callback for Kannel.

use axum::extract::{Query, State};
use axum::http::Uri;
use axum::Json;
use chrono::{DateTime, Utc};
use gridloop_app::delivery::DlrStatus;
use gridloop_app::store::{DlrEffect, DlrRecorded, NotificationState};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{ApiPath, ApiQuery};
use crate::problem::Problem;
use crate::reference::{Admin, Forbidden, Invalid, NotFound, Unauthorized};
use gridloop_app::delivery::{dlr, masked_address};
use gridloop_app::store::Notification;
use gridloop_app::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(retry_notification))
        .routes(routes!(delivery_report))
}

/// Filters of the outbox listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// pending, sending, sent, delivered, failed or dead.
    #[param(schema_with = crate::openapi::names::notification_state)]
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
    params(("id" = i64, Path, description = "The notification's id", minimum = 1)),
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

/// What Kannel's `dlr-url` carries back: the deployment's `secret`, `id` (ours) and `status`
/// (its `%d`). Documentation only: the handler reads the query itself, after the secret.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DlrQuery {
    /// The deployment's delivery-report secret, as put in the `dlr-url` Kannel is given
    /// (`notify.dlr_secret`, or the one generated and stored in the database). Required from
    /// every caller; without it, or wrong, the answer is 404 as for a path that does not exist.
    pub secret: String,
    /// The notification's id.
    pub id: Option<String>,
    /// Kannel's report type: 1 delivered, 2 failed, 4 queued, 8 accepted, 16 rejected.
    pub status: Option<String>,
}

/// What the report did.
#[derive(Debug, Serialize, ToSchema)]
pub struct DlrAnswer {
    /// applied, duplicate or ignored.
    pub recorded: String,
}

/// Receives a delivery report from the SMS gateway. No bearer token (Kannel cannot send one):
/// the deployment's `secret` in the query instead, from every caller, loopback included. Without
/// it the answer is the 404 of a path that does not exist, before anything else is looked at,
/// so the endpoint tells a prober nothing. A report received twice changes nothing the second
/// time.
#[utoipa::path(
    get,
    path = "/notifications/dlr",
    tag = "notifications",
    security(()),
    params(DlrQuery),
    responses(
        (status = 200, description = "Recorded (or a repeat, which changes nothing)", body = DlrAnswer),
        (status = 400, description = "A missing or malformed id or status", content_type = "application/problem+json"),
        NotFound,
    )
)]
// `skip_all`: the query string holds the secret, which is never logged.
#[tracing::instrument(name = "delivery report", skip_all)]
async fn delivery_report(
    State(state): State<AppState>,
    uri: Uri,
) -> Result<Json<DlrAnswer>, Problem> {
    // As for any path the router does not know (the binary's `serve::router`).
    let absent = || Problem::not_found("resource");
    let query = Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|Query(pairs)| pairs)
        .unwrap_or_default();
    let first = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let given = first("secret").ok_or_else(absent)?;
    let secret = state
        .dlr_secret()
        .get(&state.store, state.clock.now())
        .await?;
    if !dlr::matches(secret, given) {
        return Err(absent());
    }
    let id: i64 = first("id")
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| Problem::bad_request("`id` must be a notification id"))?;
    let code: u32 = first("status")
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

/// A notification as the CLI and the API show it: the row without its parameters, the
/// address masked (an outbox listing is personal data otherwise).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i64,
    /// `email` or `sms`.
    pub channel: String,
    pub recipient_id: Option<i64>,
    /// Masked.
    pub address: String,
    pub locale: String,
    /// The notification kind (`assigned`, `due_soon`, …).
    pub kind: String,
    pub priority: i64,
    pub issue_id: Option<i64>,
    /// pending, sending, sent, delivered, failed or dead.
    pub state: String,
    pub attempts: u32,
    pub not_before: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<&Notification> for NotificationView {
    fn from(n: &Notification) -> Self {
        Self {
            id: n.id,
            channel: n.channel.to_string(),
            recipient_id: n.recipient_id,
            address: masked_address(n.channel.as_str(), &n.address),
            locale: n.locale.clone(),
            kind: n.kind.stored_name().to_owned(),
            priority: n.priority,
            issue_id: n.issue_id,
            state: n.state.to_string(),
            attempts: n.attempts,
            not_before: n.not_before,
            next_attempt_at: n.next_attempt_at,
            // The file channel's id is a local path: fine for operators.
            provider_id: n.provider_id.clone(),
            last_error: n.last_error.clone(),
            created_at: n.created_at,
            sent_at: n.sent_at,
            delivered_at: n.delivered_at,
        }
    }
}

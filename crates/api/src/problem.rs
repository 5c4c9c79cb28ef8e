//! Errors as RFC 9457 problem details (`application/problem+json`).
//!
//! Every failure of the API goes through [`Problem`], so a client meets one shape whatever went
//! wrong: `type`, `title`, `status`, `detail`, and for bad input an `errors` list naming each
//! field. Internal errors are logged with their cause chain and shown without it.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gridloop_app::store::StoreError;
use gridloop_app::AppError;
use gridloop_core::{ParseError, TransitionError};
use serde::Serialize;

/// One bad field of a request.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name, as in the request body or query.
    pub field: String,
    pub message: String,
}

/// A problem details document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Seconds to send as `Retry-After` (a 503's advice to come back later).
    #[serde(skip)]
    pub retry_after: Option<u32>,
}

/// What a 503 advises a client to wait before trying again (the app's, for every front end).
pub use gridloop_app::error::RETRY_AFTER_SECS;

const TYPE_BASE: &str = "https://gridloop.dev/problems/";

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str) -> Self {
        Self {
            kind: format!("{TYPE_BASE}{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "Bad request").detail(detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "The request has invalid fields",
        )
        .detail(detail);
        p.errors = errors;
        p
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
        )
        .detail("send a valid bearer token in the Authorization header")
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Not permitted").detail(detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found").detail(format!("no such {what}"))
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Conflict").detail(detail)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
        )
        .detail("the error was logged; try again later")
    }

    /// 503 with `Retry-After`: nothing is wrong with the request, the server cannot serve it now
    /// (its database is unreachable, or it took too long).
    pub fn unavailable(detail: impl Into<String>) -> Self {
        let mut p = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
        )
        .detail(detail);
        p.retry_after = Some(RETRY_AFTER_SECS);
        p
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The answer to a request whose handler panicked (tower-http's `CatchPanicLayer`): a
/// problem+json 500 instead of a dropped connection, and the panic logged. A safety net only:
/// each panic found is fixed where it happens.
pub fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned());
    tracing::error!(panic = %message, "a request handler panicked");
    Problem::internal().into_response()
}

impl From<ParseError> for Problem {
    fn from(e: ParseError) -> Self {
        Self::field(e.field(), e.rule().to_string())
    }
}

impl From<Vec<ParseError>> for Problem {
    fn from(errors: Vec<ParseError>) -> Self {
        Self::validation(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: e.field().to_owned(),
                    message: e.rule().to_string(),
                })
                .collect(),
        )
    }
}

impl From<TransitionError> for Problem {
    fn from(e: TransitionError) -> Self {
        AppError::from(e).into()
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

/// The API's answer to every way a use case can refuse: the one place its statuses, problem
/// types and titles are chosen. The `detail` is the error's English.
impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        let detail = e.to_string();
        match e {
            AppError::Invalid(errors) => errors.into(),
            AppError::NotFound(thing) => Self::not_found(thing.as_str()),
            AppError::NotPermitted { .. } | AppError::OutOfScope { .. } => Self::forbidden(detail),
            AppError::NoSuchTransition { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no-such-transition",
                "The issue's state does not allow this action",
            )
            .detail(detail),
            AppError::NoSuchMatchStep { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no-such-match-step",
                "The match's state does not allow this action",
            )
            .detail(detail),
            AppError::Precondition(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "precondition",
                "The action's preconditions do not hold",
            )
            .detail(detail),
            AppError::Visit(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "visit-state",
                "The visit's status or window does not allow this",
            )
            .detail(detail),
            AppError::Copy(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "copy-refused",
                "Copy refused; nothing was changed",
            )
            .detail(detail),
            AppError::Calendar(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "calendar-refused",
                "Calendar change refused; nothing was changed",
            )
            .detail(detail),
            AppError::Import(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "import-refused",
                "Import refused; nothing was written",
            )
            .detail(detail),
            AppError::Conflict { expected, actual } => Self::conflict(format!(
                "the issue is at version {actual}, not {expected}: reload it and try again"
            )),
            AppError::AlreadyExists { .. } => Self::conflict(detail),
            AppError::KeyReuse => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reuse",
                "The idempotency key was used for a different request",
            )
            .detail("send a new key for a new request, or the same body to replay the first"),
            AppError::Busy { retry_after_secs } => {
                let mut p = Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "Server busy")
                    .detail(detail);
                p.retry_after = Some(u32::try_from(retry_after_secs).unwrap_or(u32::MAX));
                p
            }
            AppError::Throttled { retry_after_secs } => {
                let mut p = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "throttled",
                    "Too many requests",
                )
                .detail(detail);
                p.retry_after = Some(u32::try_from(retry_after_secs).unwrap_or(u32::MAX));
                p
            }
            AppError::Unavailable => {
                Self::unavailable("the database cannot be reached; nothing was changed")
            }
            AppError::Internal => Self::internal(),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use axum::Router;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    #[test]
    fn a_refused_import_is_a_422_of_its_own_type_with_the_count_in_the_detail() {
        let refused = gridloop_app::import::ImportRefused {
            cells: Vec::new(),
            more: 2,
        };
        let p = Problem::from(AppError::Import(refused));
        assert_eq!(p.status, 422);
        assert!(p.kind.ends_with("/import-refused"), "{}", p.kind);
        assert_eq!(
            p.detail.as_deref(),
            Some("import refused: 2 bad cells, nothing was written")
        );
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_a_problem_document_and_the_router_keeps_serving() {
        let app = Router::new()
            .route(
                "/boom",
                get(|| async {
                    if true {
                        panic!("boom");
                    }
                    "unreachable"
                }),
            )
            .route("/fine", get(|| async { "fine" }))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked));
        let res = app
            .clone()
            .oneshot(Request::get("/boom").body(Body::empty()).expect("request"))
            .await
            .expect("an answer, not a dropped connection");
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = res.into_body().collect().await.expect("body").to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(json["status"], 500);
        let res = app
            .oneshot(Request::get("/fine").body(Body::empty()).expect("request"))
            .await
            .expect("answer");
        assert_eq!(res.status(), StatusCode::OK);
    }
}

//! Extractors whose rejections are problem documents, so a malformed body, query or path never
//! answers with axum's plain-text errors.
//!
//! Malformed JSON (bad syntax, wrong content type) is 400; JSON that parses but does not fit
//! (wrong types, unknown fields, missing fields) is 422 naming the field; an oversize body 413.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::problem::{FieldError, Problem};

/// `Json<T>` with problem-document rejections.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_problem(rejection)),
        }
    }
}

fn json_problem(rejection: JsonRejection) -> Problem {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            // serde's message ends with the position; the path names the field.
            let text = std::error::Error::source(&e)
                .map(ToString::to_string)
                .unwrap_or_else(|| e.body_text());
            let (field, message) = split_serde_path(&text);
            Problem::validation(vec![FieldError { field, message }])
        }
        JsonRejection::JsonSyntaxError(e) => {
            Problem::bad_request(format!("the body is not valid JSON: {}", e.body_text()))
        }
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
        )
        .detail("send the body as application/json"),
        other => {
            let status = other.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(status, "too-large", "Request body too large")
                    .detail(format!("bodies are limited to {} bytes", crate::BODY_LIMIT))
            } else {
                Problem::new(status, "bad-request", "Bad request").detail(other.body_text())
            }
        }
    }
}

/// serde_path_to_error style "field.sub: message at line 1 column 5" → (field, message).
fn split_serde_path(text: &str) -> (String, String) {
    let text = text.split(" at line ").next().unwrap_or(text);
    match text.split_once(": ") {
        Some((path, message)) if !path.contains(' ') => (path.to_owned(), message.to_owned()),
        _ => ("body".to_owned(), text.to_owned()),
    }
}

/// `Query<T>` with problem-document rejections (422 naming the parameter).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let text = e.body_text();
                let text = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                let (field, message) = split_serde_path(text);
                Err(Problem::validation(vec![FieldError { field, message }]))
            }
            Err(other) => Err(Problem::bad_request(other.body_text())),
        }
    }
}

/// `Path<T>` with problem-document rejections: a path that does not parse names nothing that
/// exists, so it is 404 rather than a validation error.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => {
                Err(Problem::not_found("resource"))
            }
            Err(other) => Err(Problem::bad_request(other.body_text())),
        }
    }
}

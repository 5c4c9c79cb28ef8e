//! Reference data over HTTP: grids, posts, enterprises, units, categories (with their SLA per
//! priority) and users. Every signed-in user may read them; only admins create and change them.
//!
//! Each resource has `GET /x` (list, in id order), `GET /x/{id}`, `POST /x` (201 and a
//! `Location`) and `PATCH /x/{id}` (only the fields sent change; unknown fields are refused).
//! Other reference data is named by its code (`"grid": "g1"`), enterprises by id (their
//! unified social credit code, when they hold one, is a field and a filter, not their name in
//! URLs: it may be given late or corrected). A request is checked whole before anything is
//! written: every bad field comes back in one 422, a code, login or credit code already taken
//! is 409, and each write is one transaction.
//!
//! There is no `DELETE`. Issues, their immutable events and API tokens point at grids,
//! enterprises, units, categories and users, and history is never rewritten; a person who
//! leaves is deactivated instead (`"active": false`), which also stops their tokens. Codes and
//! logins are stable names used on the command line, in URLs and in configuration, so they are
//! set once at creation.
//!
//! # Layout
//!
//! - this file: the admin-only extractor, shared response types.
//! - `grids`, `posts`, `enterprises`, `units`, `categories`, `users`: one resource each.

pub(crate) mod categories;
mod enterprises;
mod grids;
mod posts;
mod units;
pub(crate) mod users;

use axum::extract::FromRequestParts;
use axum::http::header::LOCATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gridloop_core::{ParseError, Role};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa_axum::router::OpenApiRouter;

use crate::auth::Caller;
use crate::problem::Problem;
use gridloop_app::AppState;

/// Every reference-data route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(grids::routes())
        .merge(posts::routes())
        .merge(enterprises::routes())
        .merge(units::routes())
        .merge(categories::routes())
        .merge(users::routes())
}

/// A caller holding the admin role: 401 without a valid token, 403 without the role. It reads
/// only the request's head, so a non-admin is refused before their body is even parsed.
#[derive(Debug, Clone)]
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require(Role::Admin)?;
        Ok(Self(caller))
    }
}

/// For an `Option<Option<T>>` patch field: absent is `None` (leave it), `null` is `Some(None)`
/// (clear it), a value is `Some(Some(v))`. Use with `#[serde(default)]`.
pub(crate) fn nullable<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// 201 with the new resource's address in `Location` and the resource as the body.
pub(crate) fn created<T: Serialize>(location: String, body: T) -> Response {
    (StatusCode::CREATED, [(LOCATION, location)], Json(body)).into_response()
}

/// A value that should be there is not (a category without an SLA for a priority): a bug,
/// logged and answered as a 500.
pub(crate) fn bug(what: &str) -> Problem {
    tracing::error!(what, "a field parsed without error came out empty");
    Problem::internal()
}

/// `401`: no valid bearer token.
#[derive(Debug, utoipa::IntoResponses)]
#[response(
    status = 401,
    description = "No valid bearer token",
    content_type = "application/problem+json"
)]
pub struct Unauthorized(pub Problem);

/// `403`: the caller is not an admin.
#[derive(Debug, utoipa::IntoResponses)]
#[response(
    status = 403,
    description = "Only admins may do this",
    content_type = "application/problem+json"
)]
pub struct Forbidden(pub Problem);

/// `404`: no such resource.
#[derive(Debug, utoipa::IntoResponses)]
#[response(
    status = 404,
    description = "No such resource",
    content_type = "application/problem+json"
)]
pub struct NotFound(pub Problem);

/// `409`: the code, login or credit code is taken.
#[derive(Debug, utoipa::IntoResponses)]
#[response(
    status = 409,
    description = "The code (or login, or credit code) is already taken",
    content_type = "application/problem+json"
)]
pub struct Taken(pub Problem);

/// `422`: invalid fields, each named in `errors`.
#[derive(Debug, utoipa::IntoResponses)]
#[response(
    status = 422,
    description = "Invalid, unknown or missing fields, or references to things that do not \
                   exist; `errors` names each",
    content_type = "application/problem+json"
)]
pub struct Invalid(pub Problem);

/// A path id that cannot name a row (zero, negative) is as unknown as a missing one.
pub(crate) fn path_id<T>(
    raw: i64,
    what: &str,
    new: impl FnOnce(i64) -> Result<T, ParseError>,
) -> Result<T, Problem> {
    new(raw).map_err(|_| Problem::not_found(what))
}

//! Reference data over HTTP: grids, posts, enterprises, units, categories (with their SLA per
//! priority) and users. Every signed-in user may read them; only admins create and change them.
//!
//! Each resource has `GET /x` (list, in id order), `GET /x/{id}`, `POST /x` (201 and a
//! `Location`) and `PATCH /x/{id}` (only the fields sent change; unknown fields are refused).
//! Other reference data is named by its code (`"grid": "g1"`), enterprises, which have none, by
//! id. A request is checked whole before anything is written: every bad field comes back in one
//! 422, a code or login already taken is 409, and each write is one transaction.
//!
//! There is no `DELETE`. Issues, their immutable events and API tokens point at grids,
//! enterprises, units, categories and users, and history is never rewritten; a person who
//! leaves is deactivated instead (`"active": false`), which also stops their tokens. Codes and
//! logins are stable names used on the command line, in URLs and in configuration, so they are
//! set once at creation.
//!
//! # Layout
//!
//! - this file: the admin-only extractor, the field-error collector, shared response types.
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
use gridloop_core::{Code, ParseError, Role};
use gridloop_store::{Grid, Tx, Unit};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa_axum::router::OpenApiRouter;

use crate::http::auth::Caller;
use crate::http::problem::{FieldError, Problem};
use crate::http::state::AppState;

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

/// Collects the bad fields of a request, so that one 422 names them all.
#[derive(Debug, Default)]
pub(crate) struct Fields(Vec<FieldError>);

impl Fields {
    /// The value, or `None` with the error recorded under the field the parser named.
    pub(crate) fn take<T>(&mut self, parsed: Result<T, ParseError>) -> Option<T> {
        parsed
            .map_err(|e| self.add(e.field(), e.rule().to_string()))
            .ok()
    }

    /// The value, or `None` with the error recorded under `field` (for nested names such as
    /// `sla.low` that a core parser cannot know).
    pub(crate) fn take_as<T>(&mut self, field: &str, parsed: Result<T, ParseError>) -> Option<T> {
        parsed
            .map_err(|e| self.add(field, e.rule().to_string()))
            .ok()
    }

    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// 422 naming every field recorded, if any.
    pub(crate) fn check(&self) -> Result<(), Problem> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Problem::validation(self.0.clone()))
        }
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

/// A value that parsed without a recorded error yet came out empty: after [`Fields::check`]
/// passed this cannot happen, and if it does it is a bug, logged and answered as a 500.
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

/// `409`: the code or login is taken.
#[derive(Debug, utoipa::IntoResponses)]
#[response(
    status = 409,
    description = "The code (or login) is already taken",
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

/// Resolves the code of a grid named in field `field` inside the request's transaction;
/// records a field error (and gives `None`) for a malformed code or one naming no grid.
pub(crate) async fn grid_ref(
    tx: &mut Tx,
    fields: &mut Fields,
    field: &'static str,
    raw: &str,
) -> Result<Option<Grid>, Problem> {
    let Some(code) = fields.take(Code::parse_field(field, raw)) else {
        return Ok(None);
    };
    let found = tx.grid_by_code(&code).await?;
    if found.is_none() {
        fields.add(field, format!("there is no grid '{code}'"));
    }
    Ok(found)
}

/// Like [`grid_ref`], for a unit.
pub(crate) async fn unit_ref(
    tx: &mut Tx,
    fields: &mut Fields,
    field: &'static str,
    raw: &str,
) -> Result<Option<Unit>, Problem> {
    let Some(code) = fields.take(Code::parse_field(field, raw)) else {
        return Ok(None);
    };
    let found = tx.unit_by_code(&code).await?;
    if found.is_none() {
        fields.add(field, format!("there is no unit '{code}'"));
    }
    Ok(found)
}

/// A path id that cannot name a row (zero, negative) is as unknown as a missing one.
pub(crate) fn path_id<T>(
    raw: i64,
    what: &str,
    new: impl FnOnce(i64) -> Result<T, ParseError>,
) -> Result<T, Problem> {
    new(raw).map_err(|_| Problem::not_found(what))
}

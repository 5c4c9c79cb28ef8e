//! Reference data administration: the park's users and categories, created and changed by
//! admins through the JSON API and the web pages alike.
//!
//! A request is checked whole before anything is written: every bad field, malformed or naming
//! nothing, comes back in one [`AppError::Invalid`], a code or login already taken is
//! [`AppError::AlreadyExists`], and each write is one transaction. The inputs are the values
//! as typed, parsed here, so that a malformed value and a code that names nothing are reported
//! together.
//!
//! # Layout
//!
//! - this file: the admin check, and the look-ups of codes shared by the resources.
//! - [`users`], [`categories`]: one resource each.

pub mod categories;
pub mod users;

use gridloop_core::{Actor, Code, Role};
use gridloop_store::{Grid, Tx, Unit};

use crate::error::{no_such, AppError, Doing, Fields, Thing};

/// Only admins change reference data.
pub fn require_admin(actor: &Actor) -> Result<(), AppError> {
    if actor.has_role(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::NotPermitted {
            doing: Doing::Administer,
            roles: &[Role::Admin],
        })
    }
}

/// Resolves the code of a grid named in field `field` inside the request's transaction;
/// records a field error (and gives `None`) for a malformed code or one naming no grid.
pub async fn grid_ref(
    tx: &mut Tx,
    fields: &mut Fields,
    field: &'static str,
    raw: &str,
) -> Result<Option<Grid>, AppError> {
    let Some(code) = fields.take(Code::parse_field(field, raw)) else {
        return Ok(None);
    };
    let found = tx.grid_by_code(&code).await?;
    if found.is_none() {
        fields.add(no_such(field, Thing::Grid, &code));
    }
    Ok(found)
}

/// Like [`grid_ref`], for a unit.
pub async fn unit_ref(
    tx: &mut Tx,
    fields: &mut Fields,
    field: &'static str,
    raw: &str,
) -> Result<Option<Unit>, AppError> {
    let Some(code) = fields.take(Code::parse_field(field, raw)) else {
        return Ok(None);
    };
    let found = tx.unit_by_code(&code).await?;
    if found.is_none() {
        fields.add(no_such(field, Thing::Unit, &code));
    }
    Ok(found)
}

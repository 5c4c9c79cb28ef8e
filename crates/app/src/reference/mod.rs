//! Reference data administration: the park's grids, posts, enterprises, units, users and
//! categories, read by everyone signed in and created and changed by admins, through the JSON
//! API, the web pages and the command line alike.
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
//! - [`grids`], [`posts`], [`enterprises`], [`units`], [`users`], [`categories`]: one
//!   resource each.

pub mod categories;
pub mod enterprises;
pub mod grids;
pub mod posts;
pub mod units;
pub mod users;

use std::collections::HashMap;

use gridloop_core::{Actor, Code, GridId, Role, UnitId};
use gridloop_store::{Grid, Store, Tx, Unit};

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

/// The code of every grid by its id, for views that name a grid by its code.
pub async fn grid_codes(store: &Store) -> Result<HashMap<GridId, String>, AppError> {
    Ok(store
        .grids()
        .await?
        .into_iter()
        .map(|g| (g.id, g.code.to_string()))
        .collect())
}

/// The code of every unit by its id, for views that name a unit by its code.
pub async fn unit_codes(store: &Store) -> Result<HashMap<UnitId, String>, AppError> {
    Ok(store
        .units()
        .await?
        .into_iter()
        .map(|u| (u.id, u.code.to_string()))
        .collect())
}

/// The grid a list is narrowed to, named by its code in the filter `grid`: a malformed code,
/// or one naming no grid, is that field's error.
pub async fn grid_filter(store: &Store, raw: Option<&str>) -> Result<Option<GridId>, AppError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let code = Code::parse_field("grid", raw)?;
    match store.grid_by_code(&code).await? {
        Some(grid) => Ok(Some(grid.id)),
        None => Err(AppError::invalid(no_such("grid", Thing::Grid, &code))),
    }
}

//! Enterprises: the companies of the park (链上企业), each in a grid. They are named by id, and
//! two may share a name; each may hold its unified social credit code (统一社会信用代码), which
//! no other holds, and which the import matches rows by. Issues already reported keep the grid
//! they were reported in when an enterprise moves.

use gridloop_core::{Actor, CreditCode, EnterpriseId, Name, ParseError, Rule};
use gridloop_store::{Enterprise, EnterprisePatch, NewEnterprise, Store};

use super::{grid_filter, grid_ref, require_admin};
use crate::error::{bug, AppError, Fields, Thing};
use crate::state::AppState;

/// The longest address kept, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;

/// A new enterprise as typed.
#[derive(Debug, Clone, Default)]
pub struct NewEnterpriseInput {
    pub name: String,
    /// The code of the grid the enterprise is in.
    pub grid: String,
    pub address: Option<String>,
    /// Its unified social credit code; blank is none.
    pub credit_code: Option<String>,
}

/// Changes to an enterprise as typed; `None` leaves a field as it is, and for `address` and
/// `credit_code` `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct EnterprisePatchInput {
    pub name: Option<String>,
    /// The code of the grid the enterprise moves to.
    pub grid: Option<String>,
    pub address: Option<Option<String>>,
    pub credit_code: Option<Option<String>>,
}

/// An address: trimmed, blank is none, at most [`MAX_ADDRESS_CHARS`].
pub(crate) fn address(raw: Option<&str>) -> Result<Option<String>, ParseError> {
    let Some(s) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if s.chars().count() > MAX_ADDRESS_CHARS {
        return Err(ParseError::new(
            "address",
            Rule::TooLong {
                max: MAX_ADDRESS_CHARS,
            },
        ));
    }
    Ok(Some(s.to_owned()))
}

/// A credit code as typed: blank is none, else [`CreditCode::parse`].
pub(crate) fn credit_code(raw: Option<&str>) -> Result<Option<CreditCode>, ParseError> {
    raw.filter(|s| !s.trim().is_empty())
        .map(CreditCode::parse)
        .transpose()
}

/// The enterprises of the grid with the code `grid` (a bad one is the field's error), or all,
/// in id order; with `credit_code`, only the one holding it (if in that grid).
pub async fn list(
    store: &Store,
    grid: Option<&str>,
    credit_code: Option<&str>,
) -> Result<Vec<Enterprise>, AppError> {
    let code = credit_code.map(CreditCode::parse).transpose();
    let grid = grid_filter(store, grid).await;
    let (grid, code) = match (grid, code) {
        (Ok(grid), Ok(code)) => (grid, code),
        (Err(AppError::Invalid(mut errors)), Err(e)) => {
            errors.push(e);
            return Err(AppError::Invalid(errors));
        }
        (Err(e), _) => return Err(e),
        (_, Err(e)) => return Err(e.into()),
    };
    let Some(code) = code else {
        return Ok(store.enterprises(grid).await?);
    };
    Ok(store
        .enterprise_by_credit_code(&code)
        .await?
        .into_iter()
        .filter(|e| grid.is_none_or(|g| e.grid == g))
        .collect())
}

/// One enterprise.
pub async fn get(store: &Store, id: EnterpriseId) -> Result<Enterprise, AppError> {
    store
        .enterprise(id)
        .await?
        .ok_or(AppError::NotFound(Thing::Enterprise))
}

/// Creates an enterprise (admins only).
pub async fn create(
    state: &AppState,
    actor: &Actor,
    input: &NewEnterpriseInput,
) -> Result<Enterprise, AppError> {
    require_admin(actor)?;
    create_as_operator(state, input).await
}

/// [`create`] for the operator at the command line (`gridloop enterprise add`).
pub async fn create_as_operator(
    state: &AppState,
    input: &NewEnterpriseInput,
) -> Result<Enterprise, AppError> {
    let mut fields = Fields::default();
    let name = fields.take(Name::parse(&input.name));
    let address = fields.take(address(input.address.as_deref()));
    let code = fields.take(credit_code(input.credit_code.as_deref()));
    let mut tx = state.store.transaction().await?;
    let grid = grid_ref(&mut tx, &mut fields, "grid", &input.grid).await?;
    fields.check()?;
    let (Some(name), Some(address), Some(grid), Some(credit_code)) = (name, address, grid, code)
    else {
        return Err(bug("enterprise"));
    };
    // A code another enterprise holds is refused by the store's unique index: 409.
    let enterprise = tx
        .create_enterprise(NewEnterprise {
            name,
            grid: grid.id,
            address,
            credit_code,
        })
        .await?;
    tx.commit().await?;
    tracing::info!(id = %enterprise.id, "enterprise created");
    Ok(enterprise)
}

/// Renames, moves, readdresses an enterprise or gives it its credit code (admins only).
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: EnterpriseId,
    input: &EnterprisePatchInput,
) -> Result<Enterprise, AppError> {
    require_admin(actor)?;
    update_as_operator(state, id, input).await
}

/// [`update`] for the operator at the command line (`gridloop enterprise edit`).
pub async fn update_as_operator(
    state: &AppState,
    id: EnterpriseId,
    input: &EnterprisePatchInput,
) -> Result<Enterprise, AppError> {
    let mut fields = Fields::default();
    let name = input
        .name
        .as_deref()
        .and_then(|raw| fields.take(Name::parse(raw)));
    let new_address = input
        .address
        .as_ref()
        .and_then(|raw| fields.take(address(raw.as_deref())));
    let new_code = input
        .credit_code
        .as_ref()
        .and_then(|raw| fields.take(credit_code(raw.as_deref())));
    let mut tx = state.store.transaction().await?;
    if tx.enterprise(id).await?.is_none() {
        return Err(AppError::NotFound(Thing::Enterprise));
    }
    let grid = match &input.grid {
        Some(raw) => grid_ref(&mut tx, &mut fields, "grid", raw).await?,
        None => None,
    };
    fields.check()?;
    let enterprise = tx
        .update_enterprise(
            id,
            EnterprisePatch {
                name,
                grid: grid.map(|g| g.id),
                address: new_address,
                credit_code: new_code,
            },
        )
        .await?;
    tx.commit().await?;
    tracing::info!(id = %enterprise.id, "enterprise updated");
    Ok(enterprise)
}

//! Units: the handling units (承办单位) issues are assigned to.

use gridloop_core::{Actor, Code, Name, UnitId};
use gridloop_store::{NewUnit, Store, Unit, UnitPatch};

use super::require_admin;
use crate::error::{bug, AppError, Fields, Thing};
use crate::state::AppState;

/// A new unit as typed.
#[derive(Debug, Clone, Default)]
pub struct NewUnitInput {
    pub code: String,
    pub name: String,
}

/// Changes to a unit as typed; `None` leaves a field as it is. The code cannot change.
#[derive(Debug, Clone, Default)]
pub struct UnitPatchInput {
    pub name: Option<String>,
}

/// Every unit, in id order.
pub async fn list(store: &Store) -> Result<Vec<Unit>, AppError> {
    Ok(store.units().await?)
}

/// One unit.
pub async fn get(store: &Store, id: UnitId) -> Result<Unit, AppError> {
    store.unit(id).await?.ok_or(AppError::NotFound(Thing::Unit))
}

/// Creates a unit (admins only).
pub async fn create(
    state: &AppState,
    actor: &Actor,
    input: &NewUnitInput,
) -> Result<Unit, AppError> {
    require_admin(actor)?;
    let mut fields = Fields::default();
    let code = fields.take(Code::parse(&input.code));
    let name = fields.take(Name::parse(&input.name));
    fields.check()?;
    let (Some(code), Some(name)) = (code, name) else {
        return Err(bug("unit"));
    };
    let unit = state.store.create_unit(NewUnit { code, name }).await?;
    tracing::info!(id = %unit.id, code = %unit.code, "unit created");
    Ok(unit)
}

/// Renames a unit (admins only).
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: UnitId,
    input: &UnitPatchInput,
) -> Result<Unit, AppError> {
    require_admin(actor)?;
    let mut fields = Fields::default();
    let name = input
        .name
        .as_deref()
        .and_then(|raw| fields.take(Name::parse(raw)));
    let mut tx = state.store.transaction().await?;
    if tx.unit(id).await?.is_none() {
        return Err(AppError::NotFound(Thing::Unit));
    }
    fields.check()?;
    let unit = tx.update_unit(id, UnitPatch { name }).await?;
    tx.commit().await?;
    tracing::info!(id = %unit.id, "unit updated");
    Ok(unit)
}

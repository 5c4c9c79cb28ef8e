//! Grids: the areas of the park (网格) that hold enterprises and that posts walk, each in an
//! industry chain.

use gridloop_core::{Actor, Code, GridId, Name, ParseError, Rule};
use gridloop_store::{Chain, Grid, GridPatch, NewGrid, Store};

use super::require_admin;
use crate::error::{bug, no_such, AppError, Fields, Thing};
use crate::state::AppState;

/// A new grid as typed.
#[derive(Debug, Clone, Default)]
pub struct NewGridInput {
    pub code: String,
    pub name: String,
    /// The chain's code; may be left out when the park has exactly one chain.
    pub chain: Option<String>,
}

/// Changes to a grid as typed; `None` leaves a field as it is. The code cannot change.
#[derive(Debug, Clone, Default)]
pub struct GridPatchInput {
    pub name: Option<String>,
}

/// Every grid, in id order.
pub async fn list(store: &Store) -> Result<Vec<Grid>, AppError> {
    Ok(store.grids().await?)
}

/// One grid.
pub async fn get(store: &Store, id: GridId) -> Result<Grid, AppError> {
    store.grid(id).await?.ok_or(AppError::NotFound(Thing::Grid))
}

/// Every industry chain, for views that name a grid's chain by its code.
pub async fn chains(store: &Store) -> Result<Vec<Chain>, AppError> {
    Ok(store.chains().await?)
}

/// Creates a grid (admins only). A park with one chain needs no chain named.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    input: &NewGridInput,
) -> Result<Grid, AppError> {
    require_admin(actor)?;
    let mut fields = Fields::default();
    let code = fields.take(Code::parse(&input.code));
    let name = fields.take(Name::parse(&input.name));
    let mut tx = state.store.transaction().await?;
    let chains = tx.chains().await?;
    let chain = match &input.chain {
        Some(raw) => match fields.take(Code::parse_field("chain", raw)) {
            Some(code) => {
                let found = chains.iter().find(|c| c.code == code).cloned();
                if found.is_none() {
                    fields.add(no_such("chain", Thing::Chain, &code));
                }
                found
            }
            None => None,
        },
        None if chains.len() == 1 => chains.first().cloned(),
        None => {
            fields.add(ParseError::new("chain", Rule::Required));
            None
        }
    };
    fields.check()?;
    let (Some(code), Some(name), Some(chain)) = (code, name, chain) else {
        return Err(bug("grid"));
    };
    let grid = tx
        .create_grid(NewGrid {
            code,
            name,
            chain: chain.id,
        })
        .await?;
    tx.commit().await?;
    tracing::info!(id = %grid.id, code = %grid.code, "grid created");
    Ok(grid)
}

/// Renames a grid (admins only).
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: GridId,
    input: &GridPatchInput,
) -> Result<Grid, AppError> {
    require_admin(actor)?;
    let mut fields = Fields::default();
    let name = input
        .name
        .as_deref()
        .and_then(|raw| fields.take(Name::parse(raw)));
    let mut tx = state.store.transaction().await?;
    if tx.grid(id).await?.is_none() {
        return Err(AppError::NotFound(Thing::Grid));
    }
    fields.check()?;
    let grid = tx.update_grid(id, GridPatch { name }).await?;
    tx.commit().await?;
    tracing::info!(id = %grid.id, "grid updated");
    Ok(grid)
}

//! An enterprise's chain position: its stage in its grid's chain and its tags (products,
//! materials, capabilities). Read by whoever sees the enterprise; set by admins, dispatchers
//! and the commissioners of its grid, who visit it and know what it makes.

use gridloop_core::chain::{ChainPosition, Stage, Tags};
use gridloop_core::{Actor, Code, EnterpriseId, Role};

use super::{covers, enterprise_in_sight, require_any};
use crate::error::{no_such, AppError, Doing, Fields, Thing};
use crate::state::AppState;

/// The roles that set a position (a commissioner only for the grids of their visit rounds).
pub const SETTING_ROLES: &[Role] = &[Role::Admin, Role::Dispatcher, Role::Commissioner];

/// A position as typed. Tags may be given one per entry or joined by commas.
#[derive(Debug, Clone, Default)]
pub struct PositionInput {
    /// The code of a stage of the enterprise's chain; `None` or blank for none.
    pub stage: Option<String>,
    pub products: Vec<String>,
    pub materials: Vec<String>,
    pub capabilities: Vec<String>,
}

/// An enterprise's position, with its stage spelled out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PositionView {
    pub enterprise: EnterpriseId,
    pub stage: Option<Stage>,
    pub position: ChainPosition,
}

/// An enterprise's chain position, `NotFound` if out of the reader's sight (`None`: the
/// console's operator, who sees everything).
pub async fn get(
    state: &AppState,
    reader: Option<&Actor>,
    enterprise: EnterpriseId,
) -> Result<PositionView, AppError> {
    let found = state
        .store
        .enterprise(enterprise)
        .await?
        .ok_or(AppError::NotFound(Thing::Enterprise))?;
    if reader.is_some_and(|actor| !actor.can_see(&super::scope(found.grid, enterprise, None))) {
        return Err(AppError::NotFound(Thing::Enterprise));
    }
    let (position, stage) = state
        .store
        .position(enterprise)
        .await?
        .ok_or(AppError::NotFound(Thing::Enterprise))?;
    Ok(PositionView {
        enterprise,
        stage,
        position,
    })
}

/// Replaces an enterprise's chain position.
pub async fn set(
    state: &AppState,
    actor: &Actor,
    enterprise: EnterpriseId,
    input: &PositionInput,
) -> Result<PositionView, AppError> {
    require_any(actor, Doing::SetPosition, SETTING_ROLES)?;
    let mut fields = Fields::default();
    let tags = |field: &'static str, raw: &[String], fields: &mut Fields| {
        fields.take(Tags::parse(field, raw.iter().map(String::as_str)))
    };
    let products = tags("products", &input.products, &mut fields);
    let materials = tags("materials", &input.materials, &mut fields);
    let capabilities = tags("capabilities", &input.capabilities, &mut fields);
    let stage_code = input
        .stage
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|raw| fields.take(Code::parse_field("stage", raw)));
    let mut tx = state.store.transaction().await?;
    let grid = enterprise_in_sight(&mut tx, actor, enterprise).await?;
    if !covers(actor, SETTING_ROLES, grid, enterprise) {
        // In sight, but not in the grids of the actor's visit rounds.
        return Err(AppError::OutOfScope {
            doing: Doing::SetPosition,
        });
    }
    let mut stage = None;
    if let Some(code) = &stage_code {
        let chain = tx
            .enterprise_chain(enterprise)
            .await?
            .ok_or(AppError::NotFound(Thing::Enterprise))?;
        stage = tx
            .stages(chain)
            .await?
            .into_iter()
            .find(|s| s.code == *code)
            .map(|s| s.id);
        if stage.is_none() {
            fields.add(no_such("stage", Thing::Stage, code));
        }
    }
    fields.check()?;
    let position = ChainPosition {
        stage,
        products: products.unwrap_or_default(),
        materials: materials.unwrap_or_default(),
        capabilities: capabilities.unwrap_or_default(),
    };
    tx.set_position(enterprise, &position).await?;
    tx.commit().await?;
    tracing::info!(%enterprise, "chain position set");
    get(state, Some(actor), enterprise).await
}

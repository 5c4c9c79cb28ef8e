//! A chain's stages (产业链环节): read by everyone signed in, set by admins.

use gridloop_core::chain::{Stage, StagePlan};
use gridloop_core::{Actor, Code, Name};
use gridloop_store::Chain;

use crate::error::{bug, too_many, AppError, Fields, Thing};
use crate::reference::require_admin;
use crate::state::AppState;

/// One stage as typed: its code and its name.
#[derive(Debug, Clone, Default)]
pub struct StageInput {
    pub code: String,
    pub name: String,
}

/// The chain with the code `chain`, or `NotFound`.
async fn chain(state: &AppState, code: &str) -> Result<Chain, AppError> {
    let code = Code::parse_field("chain", code)?;
    state
        .store
        .chain_by_code(&code)
        .await?
        .ok_or(AppError::NotFound(Thing::Chain))
}

/// A chain's stages, upstream first.
pub async fn list(state: &AppState, chain_code: &str) -> Result<(Chain, Vec<Stage>), AppError> {
    let chain = chain(state, chain_code).await?;
    let stages = state.store.stages(chain.id).await?;
    Ok((chain, stages))
}

/// Sets a chain's stages, upstream first (admins only): a kept code keeps its stage (and the
/// enterprises in it); a stage an enterprise holds cannot be left out.
pub async fn set(
    state: &AppState,
    actor: &Actor,
    chain_code: &str,
    input: &[StageInput],
) -> Result<Vec<Stage>, AppError> {
    require_admin(actor)?;
    let mut fields = Fields::default();
    if input.len() > gridloop_core::chain::MAX_STAGES {
        fields.add(too_many(
            "stages",
            input.len(),
            gridloop_core::chain::MAX_STAGES,
        ));
        fields.check()?;
    }
    let mut stages = Vec::with_capacity(input.len());
    for stage in input {
        let code = fields.take(Code::parse_field("stages", &stage.code));
        let name = fields.take_as("stages", Name::parse(&stage.name));
        if let (Some(code), Some(name)) = (code, name) {
            stages.push((code, name));
        }
    }
    fields.check()?;
    let plan = StagePlan::parse(stages)?;
    let chain = chain(state, chain_code).await?;
    let mut tx = state.store.transaction().await?;
    let stages = tx.set_stages(chain.id, &plan).await?;
    tx.commit().await?;
    if stages.is_empty() {
        return Err(bug("stages"));
    }
    tracing::info!(chain = %chain.code, stages = stages.len(), "chain stages set");
    Ok(stages)
}

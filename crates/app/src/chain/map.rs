//! The chain map (产业链图): the chain's stages in order, the enterprises standing at each, and
//! the agreed matches between them as links. The web page draws it as SVG; the API hands the
//! same data to other tools.
//!
//! Enterprises are drawn whoever reads (the chain's members are no secret to its staff, and
//! suggestions name them too); a link only when the reader may see the match.

use gridloop_core::chain::{ContractValue, Stage};
use gridloop_core::{Actor, Code, EnterpriseId, GridId, MatchId, Name};
use gridloop_store::{Chain, Grid, MapNode};
use serde::Serialize;

use crate::error::{no_such, AppError, Fields, Thing};
use crate::state::AppState;

/// The filters, as typed: a grid and a stage, each by code or id; both optional.
#[derive(Debug, Clone, Default)]
pub struct MapInput {
    pub grid: Option<String>,
    pub stage: Option<String>,
}

/// An agreed match drawn as a link, with both names for the text alternative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub id: MatchId,
    pub a: EnterpriseId,
    pub a_name: Name,
    pub b: EnterpriseId,
    pub b_name: Name,
    pub contract_value: Option<ContractValue>,
}

/// The map: the chain, its stages upstream first, its enterprises (stage and grid), the
/// agreed matches between them, and the grids to filter by.
#[derive(Debug, Clone, Serialize)]
pub struct ChainMap {
    pub chain: Option<Chain>,
    pub stages: Vec<Stage>,
    pub enterprises: Vec<MapNode>,
    pub links: Vec<Link>,
    pub grids: Vec<Grid>,
    /// The filters in force, as found.
    pub grid: Option<GridId>,
    pub stage: Option<Code>,
}

fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The map of the park's chain (the first with stages) as `reader` may see it (`None`: the
/// console's operator, who sees every link). An unknown grid or stage is `Invalid`.
pub async fn map(
    state: &AppState,
    reader: Option<&Actor>,
    input: &MapInput,
) -> Result<ChainMap, AppError> {
    let mut fields = Fields::default();
    let mut chain = None;
    let mut stages = Vec::new();
    for c in state.store.chains().await? {
        let found = state.store.stages(c.id).await?;
        if !found.is_empty() {
            chain = Some(c);
            stages = found;
            break;
        }
    }
    let grids: Vec<Grid> = state
        .store
        .grids()
        .await?
        .into_iter()
        .filter(|g| chain.as_ref().is_some_and(|c| c.id == g.chain))
        .collect();
    let grid = given(&input.grid).and_then(|raw| {
        let found = grids
            .iter()
            .find(|g| g.code.as_str() == raw || g.id.to_string() == raw);
        if found.is_none() {
            fields.add(no_such("grid", Thing::Grid, raw));
        }
        found.map(|g| g.id)
    });
    let stage = given(&input.stage).and_then(|raw| {
        let found = stages
            .iter()
            .find(|s| s.code.as_str() == raw || s.id.to_string() == raw);
        if found.is_none() {
            fields.add(no_such("stage", Thing::Stage, raw));
        }
        found
    });
    fields.check()?;
    let stage_code = stage.map(|s| s.code.clone());
    let stage_id = stage.map(|s| s.id);
    let Some(chain) = chain else {
        return Ok(ChainMap {
            chain: None,
            stages,
            enterprises: Vec::new(),
            links: Vec::new(),
            grids,
            grid,
            stage: stage_code,
        });
    };
    let (enterprises, raw_links) = state
        .store
        .chain_map(chain.id, grid, stage_id, reader)
        .await?;
    let name_of = |id: EnterpriseId| {
        enterprises
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.name.clone())
    };
    let links = raw_links
        .into_iter()
        .filter_map(|l| {
            Some(Link {
                id: l.id,
                a: l.a,
                a_name: name_of(l.a)?,
                b: l.b,
                b_name: name_of(l.b)?,
                contract_value: l.value,
            })
        })
        .collect();
    Ok(ChainMap {
        chain: Some(chain),
        stages,
        enterprises,
        links,
        grids,
        grid,
        stage: stage_code,
    })
}

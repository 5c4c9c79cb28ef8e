//! The industry chain's pages (产业链): needs and offers (供需) listed, searched, posted,
//! shown with their suggested matches and withdrawn, and an enterprise's chain position. Every
//! page here calls the app's `chain` use cases, as the API and the CLI do; what they refuse is
//! said in the page's language ([`crate::messages`]).
//!
//! Every `/chain/` page shows the chain's sub-menu (`chain_subnav.html`: needs and offers,
//! matches, events, the map), whichever module serves it.
//!
//! # Layout
//!
//! - this file: the routes, and what the chain's pages share (choices, names of stages).
//! - [`listings`]: `/chain/listings` (list, search, filters), `/chain/listings/new` (post,
//!   also from a visit), `/chain/listings/{id}` (show, suggestions, withdraw).
//! - [`position`]: `/chain/positions/{enterprise}`, an enterprise's stage and tags, shown and
//!   set.

pub mod listings;
pub mod position;

use axum::routing::{get, post};
use axum::Router;
use gridloop_app::AppState;
use gridloop_core::chain::Stage;

use crate::intake::Choice;
use crate::render::PageError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/chain/listings",
            get(listings::list).post(listings::submit),
        )
        .route("/chain/listings/new", get(listings::new_form))
        .route("/chain/listings/{id}", get(listings::show))
        .route("/chain/listings/{id}/withdraw", post(listings::withdraw))
        .route(
            "/chain/positions/{enterprise}",
            get(position::show).post(position::save),
        )
}

/// The stages of every chain, upstream first (the park has one chain in practice).
async fn all_stages(state: &AppState) -> Result<Vec<Stage>, PageError> {
    let mut stages = Vec::new();
    for chain in state.store.chains().await? {
        stages.extend(state.store.stages(chain.id).await?);
    }
    Ok(stages)
}

/// A path segment that must be a positive id; anything else names nothing.
fn path_id(raw: &str) -> Result<i64, PageError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(PageError::NotFound)
}

/// The stages as a select's options, by code.
fn stage_choices(stages: &[Stage]) -> Vec<Choice> {
    stages
        .iter()
        .map(|s| Choice {
            value: s.code.to_string(),
            label: s.name.to_string(),
        })
        .collect()
}

/// A stage's name, by id.
fn stage_name(stages: &[Stage], id: Option<gridloop_core::StageId>) -> Option<String> {
    let id = id?;
    stages
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.name.to_string())
}

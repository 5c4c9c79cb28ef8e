//! `/grids`: the areas of the park (网格) that hold enterprises and that posts walk.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use gridloop_app::error::{no_such, Thing};
use gridloop_app::store::{Chain, Grid, GridPatch, NewGrid};
use gridloop_core::{Code, GridId, Name, ParseError, Rule};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    bug, created, path_id, Admin, Fields, Forbidden, Invalid, NotFound, Taken, Unauthorized,
};
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::Problem;
use gridloop_app::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_grids, create_grid))
        .routes(routes!(get_grid, patch_grid))
}

/// A grid.
#[derive(Debug, Serialize, ToSchema)]
pub struct GridView {
    pub id: i64,
    /// Stable code, e.g. `g1`.
    pub code: String,
    pub name: String,
    /// The code of the industry chain the grid belongs to.
    pub chain: String,
}

/// A new grid.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGridBody {
    /// 1–32 lowercase letters, digits, `-`, `_`; unique.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "g9"
    )]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$",
        example = "第九网格"
    )]
    pub name: String,
    /// The chain's code; may be left out when the park has exactly one chain.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "aluminium"
    )]
    pub chain: Option<String>,
}

/// Changes to a grid; fields left out stay as they are. The code cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GridPatchBody {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub name: Option<String>,
}

fn view(grid: Grid, chains: &[Chain]) -> GridView {
    let chain = chains
        .iter()
        .find(|c| c.id == grid.chain)
        .map(|c| c.code.to_string())
        .unwrap_or_default();
    GridView {
        id: grid.id.get(),
        code: grid.code.to_string(),
        name: grid.name.as_str().to_owned(),
        chain,
    }
}

/// Lists every grid, in id order.
#[utoipa::path(
    get,
    path = "/grids",
    tag = "grids",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every grid, in id order", body = [GridView]),
        Unauthorized,
    )
)]
#[tracing::instrument(name = "list grids", skip_all)]
async fn list_grids(
    _caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<GridView>>, Problem> {
    let chains = state.store.chains().await?;
    let grids = state.store.grids().await?;
    Ok(Json(grids.into_iter().map(|g| view(g, &chains)).collect()))
}

/// Reads one grid.
#[utoipa::path(
    get,
    path = "/grids/{id}",
    tag = "grids",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The grid's id", minimum = 1)),
    responses(
        (status = 200, description = "The grid", body = GridView),
        Unauthorized,
        NotFound,
    )
)]
#[tracing::instrument(name = "get grid", skip_all)]
async fn get_grid(
    _caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<GridView>, Problem> {
    let id = path_id(id, "grid", GridId::new)?;
    let grid = state
        .store
        .grid(id)
        .await?
        .ok_or_else(|| Problem::not_found("grid"))?;
    let chains = state.store.chains().await?;
    Ok(Json(view(grid, &chains)))
}

/// Creates a grid (admins only).
#[utoipa::path(
    post,
    path = "/grids",
    tag = "grids",
    security(("bearer" = [])),
    request_body = NewGridBody,
    responses(
        (status = 201, description = "Created", body = GridView,
         headers(("Location" = String, description = "The new grid's address"))),
        Unauthorized,
        Forbidden,
        Taken,
        Invalid,
    )
)]
#[tracing::instrument(name = "create grid", skip_all)]
async fn create_grid(
    _admin: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewGridBody>,
) -> Result<Response, Problem> {
    let mut fields = Fields::default();
    let code = fields.take(Code::parse(&body.code));
    let name = fields.take(Name::parse(&body.name));
    let mut tx = state.store.transaction().await?;
    let chains = tx.chains().await?;
    let chain = match &body.chain {
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
    Ok(created(
        format!("/api/v1/grids/{}", grid.id),
        view(grid, &chains),
    ))
}

/// Renames a grid (admins only).
#[utoipa::path(
    patch,
    path = "/grids/{id}",
    tag = "grids",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The grid's id", minimum = 1)),
    request_body = GridPatchBody,
    responses(
        (status = 200, description = "The grid as it is now", body = GridView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "patch grid", skip_all)]
async fn patch_grid(
    _admin: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<GridPatchBody>,
) -> Result<Json<GridView>, Problem> {
    let id = path_id(id, "grid", GridId::new)?;
    let mut fields = Fields::default();
    let name = body
        .name
        .as_deref()
        .and_then(|raw| fields.take(Name::parse(raw)));
    let mut tx = state.store.transaction().await?;
    if tx.grid(id).await?.is_none() {
        return Err(Problem::not_found("grid"));
    }
    fields.check()?;
    let grid = tx.update_grid(id, GridPatch { name }).await?;
    let chains = tx.chains().await?;
    tx.commit().await?;
    tracing::info!(id = %grid.id, "grid updated");
    Ok(Json(view(grid, &chains)))
}

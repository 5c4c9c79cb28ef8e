//! `/enterprises`: the companies of the park (链上企业), each in a grid. They are named by id,
//! and two may share a name; each may hold its unified social credit code (统一社会信用代码),
//! which no other holds (another's is 409). Read and changed through the app's use cases
//! (`gridloop_app::reference::enterprises`).

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use gridloop_app::reference::enterprises::{self as app, EnterprisePatchInput, NewEnterpriseInput};
use gridloop_app::reference::grid_codes;
use gridloop_app::store::Enterprise;
use gridloop_core::{EnterpriseId, GridId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{created, nullable, path_id, Admin, Forbidden, Invalid, NotFound, Taken, Unauthorized};
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::Problem;
use gridloop_app::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_enterprises, create_enterprise))
        .routes(routes!(get_enterprise, patch_enterprise))
}

/// An enterprise.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseView {
    pub id: i64,
    pub name: String,
    /// The code of the grid the enterprise is in.
    pub grid: String,
    pub address: Option<String>,
    /// Its unified social credit code (统一社会信用代码), once given.
    #[schema(example = "914403001922038216")]
    pub credit_code: Option<String>,
}

/// A new enterprise.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEnterpriseBody {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$",
        example = "重庆某钢铁有限公司"
    )]
    pub name: String,
    /// The code of the grid the enterprise is in.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "g1"
    )]
    pub grid: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address: Option<String>,
    /// Its unified social credit code (统一社会信用代码, GB 32100-2015): 18 digits and capital
    /// letters without I, O, S, V and Z, the last a check character. Lowercase and spaces are
    /// taken and normalised; a code another enterprise holds is 409.
    #[serde(default)]
    #[schema(pattern = r"^[0-9A-HJ-NP-RTUW-Y]{18}$", example = "914403001922038216")]
    pub credit_code: Option<String>,
}

/// Changes to an enterprise; fields left out stay as they are. Issues already reported keep
/// the grid they were reported in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterprisePatchBody {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub name: Option<String>,
    /// Moves the enterprise to the grid with this code.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "g1"
    )]
    pub grid: Option<String>,
    /// `null` clears the address.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub address: Option<Option<String>>,
    /// Its unified social credit code (as on create); `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^[0-9A-HJ-NP-RTUW-Y]{18}$", example = "914403001922038216")]
    pub credit_code: Option<Option<String>>,
}

/// Filters for the list of enterprises.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EnterpriseQuery {
    /// Only the enterprises of the grid with this code.
    #[param(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "g1"
    )]
    pub grid: Option<String>,
    /// Only the enterprise holding this unified social credit code.
    #[param(pattern = r"^[0-9A-HJ-NP-RTUW-Y]{18}$", example = "914403001922038216")]
    pub credit_code: Option<String>,
}

fn view(enterprise: Enterprise, grids: &HashMap<GridId, String>) -> EnterpriseView {
    EnterpriseView {
        id: enterprise.id.get(),
        name: enterprise.name.as_str().to_owned(),
        grid: grids.get(&enterprise.grid).cloned().unwrap_or_default(),
        address: enterprise.address,
        credit_code: enterprise.credit_code.map(String::from),
    }
}

/// Lists the enterprises, of one grid or all, in id order; or the one with a credit code.
#[utoipa::path(
    get,
    path = "/enterprises",
    tag = "enterprises",
    security(("bearer" = [])),
    params(EnterpriseQuery),
    responses(
        (status = 200, description = "The enterprises, in id order", body = [EnterpriseView]),
        Unauthorized,
        Invalid,
    )
)]
#[tracing::instrument(name = "list enterprises", skip_all)]
async fn list_enterprises(
    _caller: Caller,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<EnterpriseQuery>,
) -> Result<Json<Vec<EnterpriseView>>, Problem> {
    let enterprises = app::list(
        &state.store,
        query.grid.as_deref(),
        query.credit_code.as_deref(),
    )
    .await?;
    let grids = grid_codes(&state.store).await?;
    Ok(Json(
        enterprises.into_iter().map(|e| view(e, &grids)).collect(),
    ))
}

/// Reads one enterprise.
#[utoipa::path(
    get,
    path = "/enterprises/{id}",
    tag = "enterprises",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The enterprise's id", minimum = 1)),
    responses(
        (status = 200, description = "The enterprise", body = EnterpriseView),
        Unauthorized,
        NotFound,
    )
)]
#[tracing::instrument(name = "get enterprise", skip_all)]
async fn get_enterprise(
    _caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<EnterpriseView>, Problem> {
    let id = path_id(id, "enterprise", EnterpriseId::new)?;
    let enterprise = app::get(&state.store, id).await?;
    Ok(Json(view(enterprise, &grid_codes(&state.store).await?)))
}

/// Creates an enterprise (admins only).
#[utoipa::path(
    post,
    path = "/enterprises",
    tag = "enterprises",
    security(("bearer" = [])),
    request_body = NewEnterpriseBody,
    responses(
        (status = 201, description = "Created", body = EnterpriseView,
         headers(("Location" = String, description = "The new enterprise's address"))),
        Unauthorized,
        Forbidden,
        Invalid,
        Taken,
    )
)]
#[tracing::instrument(name = "create enterprise", skip_all)]
async fn create_enterprise(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewEnterpriseBody>,
) -> Result<Response, Problem> {
    let input = NewEnterpriseInput {
        name: body.name,
        grid: body.grid,
        address: body.address,
        credit_code: body.credit_code,
    };
    let enterprise = app::create(&state, &admin.actor, &input).await?;
    let grids = grid_codes(&state.store).await?;
    Ok(created(
        format!("/api/v1/enterprises/{}", enterprise.id),
        view(enterprise, &grids),
    ))
}

/// Renames, moves, readdresses an enterprise or changes its credit code (admins only).
#[utoipa::path(
    patch,
    path = "/enterprises/{id}",
    tag = "enterprises",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The enterprise's id", minimum = 1)),
    request_body = EnterprisePatchBody,
    responses(
        (status = 200, description = "The enterprise as it is now", body = EnterpriseView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
        Taken,
    )
)]
#[tracing::instrument(name = "patch enterprise", skip_all)]
async fn patch_enterprise(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EnterprisePatchBody>,
) -> Result<Json<EnterpriseView>, Problem> {
    let id = path_id(id, "enterprise", EnterpriseId::new)?;
    let input = EnterprisePatchInput {
        name: body.name,
        grid: body.grid,
        address: body.address,
        credit_code: body.credit_code,
    };
    let enterprise = app::update(&state, &admin.actor, id, &input).await?;
    let grids = grid_codes(&state.store).await?;
    Ok(Json(view(enterprise, &grids)))
}

//! `/enterprises`: the companies of the park (链上企业), each in a grid. They have no code:
//! they are named by id, and two may share a name.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use gridloop_app::store::{Enterprise, EnterprisePatch, NewEnterprise};
use gridloop_core::{Code, EnterpriseId, GridId, Name, ParseError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    bug, created, grid_ref, nullable, path_id, Admin, Fields, Forbidden, Invalid, NotFound,
    Unauthorized,
};
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::Problem;
use gridloop_app::AppState;

/// The longest address kept, in characters.
const MAX_ADDRESS_CHARS: usize = 200;

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
}

/// An address: trimmed, blank is none, at most [`MAX_ADDRESS_CHARS`].
fn address(raw: Option<&str>) -> Result<Option<String>, ParseError> {
    let Some(s) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if s.chars().count() > MAX_ADDRESS_CHARS {
        return Err(ParseError::new(
            "address",
            gridloop_core::Rule::TooLong {
                max: MAX_ADDRESS_CHARS,
            },
        ));
    }
    Ok(Some(s.to_owned()))
}

fn view(enterprise: Enterprise, grids: &HashMap<GridId, String>) -> EnterpriseView {
    EnterpriseView {
        id: enterprise.id.get(),
        name: enterprise.name.as_str().to_owned(),
        grid: grids.get(&enterprise.grid).cloned().unwrap_or_default(),
        address: enterprise.address,
    }
}

async fn grid_codes(state: &AppState) -> Result<HashMap<GridId, String>, Problem> {
    Ok(state
        .store
        .grids()
        .await?
        .into_iter()
        .map(|g| (g.id, g.code.to_string()))
        .collect())
}

/// Lists the enterprises, of one grid or all, in id order.
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
    let grid = match &query.grid {
        Some(raw) => {
            let code = Code::parse_field("grid", raw)?;
            let grid = state
                .store
                .grid_by_code(&code)
                .await?
                .ok_or_else(|| Problem::field("grid", format!("there is no grid '{code}'")))?;
            Some(grid.id)
        }
        None => None,
    };
    let grids = grid_codes(&state).await?;
    let enterprises = state.store.enterprises(grid).await?;
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
    let enterprise = state
        .store
        .enterprise(id)
        .await?
        .ok_or_else(|| Problem::not_found("enterprise"))?;
    Ok(Json(view(enterprise, &grid_codes(&state).await?)))
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
    )
)]
#[tracing::instrument(name = "create enterprise", skip_all)]
async fn create_enterprise(
    _admin: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewEnterpriseBody>,
) -> Result<Response, Problem> {
    let mut fields = Fields::default();
    let name = fields.take(Name::parse(&body.name));
    let address = fields.take(address(body.address.as_deref()));
    let mut tx = state.store.transaction().await?;
    let grid = grid_ref(&mut tx, &mut fields, "grid", &body.grid).await?;
    fields.check()?;
    let (Some(name), Some(address), Some(grid)) = (name, address, grid) else {
        return Err(bug("enterprise"));
    };
    let enterprise = tx
        .create_enterprise(NewEnterprise {
            name,
            grid: grid.id,
            address,
        })
        .await?;
    tx.commit().await?;
    tracing::info!(id = %enterprise.id, "enterprise created");
    let grids = HashMap::from([(grid.id, grid.code.to_string())]);
    Ok(created(
        format!("/api/v1/enterprises/{}", enterprise.id),
        view(enterprise, &grids),
    ))
}

/// Renames, moves or readdresses an enterprise (admins only).
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
    )
)]
#[tracing::instrument(name = "patch enterprise", skip_all)]
async fn patch_enterprise(
    _admin: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EnterprisePatchBody>,
) -> Result<Json<EnterpriseView>, Problem> {
    let id = path_id(id, "enterprise", EnterpriseId::new)?;
    let mut fields = Fields::default();
    let name = body
        .name
        .as_deref()
        .and_then(|raw| fields.take(Name::parse(raw)));
    let new_address = body
        .address
        .as_ref()
        .and_then(|raw| fields.take(address(raw.as_deref())));
    let mut tx = state.store.transaction().await?;
    if tx.enterprise(id).await?.is_none() {
        return Err(Problem::not_found("enterprise"));
    }
    let grid = match &body.grid {
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
            },
        )
        .await?;
    let grids = tx
        .grids()
        .await?
        .into_iter()
        .map(|g| (g.id, g.code.to_string()))
        .collect();
    tx.commit().await?;
    tracing::info!(id = %enterprise.id, "enterprise updated");
    Ok(Json(view(enterprise, &grids)))
}

//! `/units`: the handling units (承办单位) issues are assigned to.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use gridloop_app::store::{NewUnit, Unit, UnitPatch};
use gridloop_core::{Code, Name, UnitId};
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
        .routes(routes!(list_units, create_unit))
        .routes(routes!(get_unit, patch_unit))
}

/// A handling unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    pub id: i64,
    /// Stable code, e.g. `power`.
    pub code: String,
    pub name: String,
}

/// A new unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnitBody {
    /// 1–32 lowercase letters, digits, `-`, `_`; unique.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "water"
    )]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$",
        example = "自来水公司"
    )]
    pub name: String,
}

/// Changes to a unit; fields left out stay as they are. The code cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitPatchBody {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub name: Option<String>,
}

fn view(unit: Unit) -> UnitView {
    UnitView {
        id: unit.id.get(),
        code: unit.code.to_string(),
        name: unit.name.as_str().to_owned(),
    }
}

/// Lists every unit, in id order.
#[utoipa::path(
    get,
    path = "/units",
    tag = "units",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every unit, in id order", body = [UnitView]),
        Unauthorized,
    )
)]
#[tracing::instrument(name = "list units", skip_all)]
async fn list_units(
    _caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<UnitView>>, Problem> {
    Ok(Json(
        state.store.units().await?.into_iter().map(view).collect(),
    ))
}

/// Reads one unit.
#[utoipa::path(
    get,
    path = "/units/{id}",
    tag = "units",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The unit's id", minimum = 1)),
    responses(
        (status = 200, description = "The unit", body = UnitView),
        Unauthorized,
        NotFound,
    )
)]
#[tracing::instrument(name = "get unit", skip_all)]
async fn get_unit(
    _caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UnitView>, Problem> {
    let id = path_id(id, "unit", UnitId::new)?;
    let unit = state
        .store
        .unit(id)
        .await?
        .ok_or_else(|| Problem::not_found("unit"))?;
    Ok(Json(view(unit)))
}

/// Creates a unit (admins only).
#[utoipa::path(
    post,
    path = "/units",
    tag = "units",
    security(("bearer" = [])),
    request_body = NewUnitBody,
    responses(
        (status = 201, description = "Created", body = UnitView,
         headers(("Location" = String, description = "The new unit's address"))),
        Unauthorized,
        Forbidden,
        Taken,
        Invalid,
    )
)]
#[tracing::instrument(name = "create unit", skip_all)]
async fn create_unit(
    _admin: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewUnitBody>,
) -> Result<Response, Problem> {
    let mut fields = Fields::default();
    let code = fields.take(Code::parse(&body.code));
    let name = fields.take(Name::parse(&body.name));
    fields.check()?;
    let (Some(code), Some(name)) = (code, name) else {
        return Err(bug("unit"));
    };
    let unit = state.store.create_unit(NewUnit { code, name }).await?;
    tracing::info!(id = %unit.id, code = %unit.code, "unit created");
    Ok(created(format!("/api/v1/units/{}", unit.id), view(unit)))
}

/// Renames a unit (admins only).
#[utoipa::path(
    patch,
    path = "/units/{id}",
    tag = "units",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The unit's id", minimum = 1)),
    request_body = UnitPatchBody,
    responses(
        (status = 200, description = "The unit as it is now", body = UnitView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "patch unit", skip_all)]
async fn patch_unit(
    _admin: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UnitPatchBody>,
) -> Result<Json<UnitView>, Problem> {
    let id = path_id(id, "unit", UnitId::new)?;
    let mut fields = Fields::default();
    let name = body
        .name
        .as_deref()
        .and_then(|raw| fields.take(Name::parse(raw)));
    let mut tx = state.store.transaction().await?;
    if tx.unit(id).await?.is_none() {
        return Err(Problem::not_found("unit"));
    }
    fields.check()?;
    let unit = tx.update_unit(id, UnitPatch { name }).await?;
    tx.commit().await?;
    tracing::info!(id = %unit.id, "unit updated");
    Ok(Json(view(unit)))
}

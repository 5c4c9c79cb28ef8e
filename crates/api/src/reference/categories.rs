//! `/categories`: kinds of problem (问题类别), each with a default handling unit and an SLA
//! (response and resolution times in working minutes) per priority.
//!
//! Created and changed by the app's use cases (`gridloop_app::reference::categories`), as
//! from the web. An issue copies its category's SLA when it is assigned, so changing a category's SLA moves
//! the deadlines of the next assignments, never those already promised.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use gridloop_app::reference::categories::{
    self as app, CategoryPatchInput, NewCategoryInput, SlaMinutes,
};
use gridloop_app::store::Category;
use gridloop_core::{CategoryId, Priority, Sla, UnitId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    bug, created, nullable, path_id, Admin, Forbidden, Invalid, NotFound, Taken, Unauthorized,
};
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::Problem;
use gridloop_app::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(get_category, patch_category))
}

/// Response and resolution times, in working minutes from assignment.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaBody {
    /// Time to the first response (starting work); positive.
    #[schema(minimum = 1, maximum = 120000)]
    pub response_minutes: u32,
    /// Time to resolution; at least the response time, at most a working year.
    #[schema(minimum = 1, maximum = 120000)]
    pub resolve_minutes: u32,
}

impl From<Sla> for SlaBody {
    fn from(sla: Sla) -> Self {
        Self {
            response_minutes: sla.response_minutes(),
            resolve_minutes: sla.resolve_minutes(),
        }
    }
}

/// The SLA of each priority.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaTable {
    pub low: SlaBody,
    pub normal: SlaBody,
    pub high: SlaBody,
    pub urgent: SlaBody,
}

/// SLAs by priority, as sent: all four when creating, any of them when patching.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaInput {
    #[serde(default)]
    pub low: Option<SlaBody>,
    #[serde(default)]
    pub normal: Option<SlaBody>,
    #[serde(default)]
    pub high: Option<SlaBody>,
    #[serde(default)]
    pub urgent: Option<SlaBody>,
}

impl From<SlaBody> for SlaMinutes {
    fn from(b: SlaBody) -> Self {
        Self {
            response_minutes: b.response_minutes,
            resolve_minutes: b.resolve_minutes,
        }
    }
}

impl From<SlaInput> for app::SlaInput {
    fn from(b: SlaInput) -> Self {
        Self {
            low: b.low.map(SlaMinutes::from),
            normal: b.normal.map(SlaMinutes::from),
            high: b.high.map(SlaMinutes::from),
            urgent: b.urgent.map(SlaMinutes::from),
        }
    }
}

/// A category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: i64,
    /// Stable code, e.g. `power`.
    pub code: String,
    pub name: String,
    /// The code of the unit issues of this category usually go to.
    pub default_unit: Option<String>,
    pub sla: SlaTable,
}

/// A new category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategoryBody {
    /// 1–32 lowercase letters, digits, `-`, `_`; unique.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "noise"
    )]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$",
        example = "噪音"
    )]
    pub name: String,
    /// The code of the usual handling unit.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "power"
    )]
    pub default_unit: Option<String>,
    /// One SLA for each of `low`, `normal`, `high`, `urgent`.
    #[schema(schema_with = crate::openapi::sla_for_create)]
    pub sla: SlaInput,
}

/// Changes to a category; fields left out stay as they are. The code cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryPatchBody {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub name: Option<String>,
    /// A unit's code, or `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 32, pattern = r"^[a-z0-9][a-z0-9_-]*$", example = "power")]
    pub default_unit: Option<Option<String>>,
    /// The SLAs to replace; the priorities left out keep theirs. Issues already assigned keep
    /// the SLA they were assigned with.
    #[serde(default)]
    pub sla: Option<SlaInput>,
}

fn view(category: Category, units: &HashMap<UnitId, String>) -> Result<CategoryView, Problem> {
    let sla = |p: Priority| {
        category
            .sla_for(p)
            .map(SlaBody::from)
            .ok_or_else(|| bug("category SLA"))
    };
    Ok(CategoryView {
        id: category.id.get(),
        code: category.code.to_string(),
        name: category.name.as_str().to_owned(),
        default_unit: category.default_unit.and_then(|u| units.get(&u).cloned()),
        sla: SlaTable {
            low: sla(Priority::Low)?,
            normal: sla(Priority::Normal)?,
            high: sla(Priority::High)?,
            urgent: sla(Priority::Urgent)?,
        },
    })
}

async fn unit_codes(state: &AppState) -> Result<HashMap<UnitId, String>, Problem> {
    Ok(state
        .store
        .units()
        .await?
        .into_iter()
        .map(|u| (u.id, u.code.to_string()))
        .collect())
}

/// Lists every category with its SLAs, in id order.
#[utoipa::path(
    get,
    path = "/categories",
    tag = "categories",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every category, in id order", body = [CategoryView]),
        Unauthorized,
    )
)]
#[tracing::instrument(name = "list categories", skip_all)]
async fn list_categories(
    _caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<CategoryView>>, Problem> {
    let units = unit_codes(&state).await?;
    let categories = state.store.categories().await?;
    Ok(Json(
        categories
            .into_iter()
            .map(|c| view(c, &units))
            .collect::<Result<_, _>>()?,
    ))
}

/// Reads one category.
#[utoipa::path(
    get,
    path = "/categories/{id}",
    tag = "categories",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The category's id", minimum = 1)),
    responses(
        (status = 200, description = "The category", body = CategoryView),
        Unauthorized,
        NotFound,
    )
)]
#[tracing::instrument(name = "get category", skip_all)]
async fn get_category(
    _caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CategoryView>, Problem> {
    let id = path_id(id, "category", CategoryId::new)?;
    let category = state
        .store
        .category(id)
        .await?
        .ok_or_else(|| Problem::not_found("category"))?;
    Ok(Json(view(category, &unit_codes(&state).await?)?))
}

/// Creates a category with an SLA for every priority (admins only).
#[utoipa::path(
    post,
    path = "/categories",
    tag = "categories",
    security(("bearer" = [])),
    request_body = NewCategoryBody,
    responses(
        (status = 201, description = "Created", body = CategoryView,
         headers(("Location" = String, description = "The new category's address"))),
        Unauthorized,
        Forbidden,
        Taken,
        Invalid,
    )
)]
#[tracing::instrument(name = "create category", skip_all)]
async fn create_category(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewCategoryBody>,
) -> Result<Response, Problem> {
    let input = NewCategoryInput {
        code: body.code,
        name: body.name,
        default_unit: body.default_unit,
        sla: body.sla.into(),
    };
    let category = app::create(&state, &admin.actor, &input).await?;
    let units = unit_codes(&state).await?;
    Ok(created(
        format!("/api/v1/categories/{}", category.id),
        view(category, &units)?,
    ))
}

/// Renames a category, changes its default unit or its SLAs (admins only).
#[utoipa::path(
    patch,
    path = "/categories/{id}",
    tag = "categories",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The category's id", minimum = 1)),
    request_body = CategoryPatchBody,
    responses(
        (status = 200, description = "The category as it is now", body = CategoryView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "patch category", skip_all)]
async fn patch_category(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CategoryPatchBody>,
) -> Result<Json<CategoryView>, Problem> {
    let id = path_id(id, "category", CategoryId::new)?;
    let input = CategoryPatchInput {
        name: body.name,
        default_unit: body.default_unit,
        sla: body.sla.map(Into::into),
    };
    let category = app::update(&state, &admin.actor, id, &input).await?;
    let units = unit_codes(&state).await?;
    Ok(Json(view(category, &units)?))
}

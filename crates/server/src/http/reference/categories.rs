//! `/categories`: kinds of problem (问题类别), each with a default handling unit and an SLA
//! (response and resolution times in working minutes) per priority.
//!
//! An issue copies its category's SLA when it is assigned, so changing a category's SLA moves
//! the deadlines of the next assignments, never those already promised.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use gridloop_core::{CategoryId, Code, Name, Priority, Sla, UnitId};
use gridloop_store::{Category, CategoryPatch, NewCategory};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    bug, created, nullable, path_id, unit_ref, Admin, Fields, Forbidden, Invalid, NotFound, Taken,
    Unauthorized,
};
use crate::http::auth::Caller;
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::problem::Problem;
use crate::http::state::AppState;

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
    pub response_minutes: u32,
    /// Time to resolution; at least the response time, at most a working year.
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

impl SlaInput {
    /// The SLAs given, each checked (`sla.<priority>` names a bad one); with `all`, a missing
    /// priority is an error too.
    fn parse(&self, fields: &mut Fields, all: bool) -> Vec<(Priority, Sla)> {
        let given = [
            (Priority::Low, self.low),
            (Priority::Normal, self.normal),
            (Priority::High, self.high),
            (Priority::Urgent, self.urgent),
        ];
        let mut slas = Vec::new();
        for (priority, body) in given {
            let field = format!("sla.{priority}");
            match body {
                Some(b) => {
                    if let Some(sla) =
                        fields.take_as(&field, Sla::new(b.response_minutes, b.resolve_minutes))
                    {
                        slas.push((priority, sla));
                    }
                }
                None if all => fields.add(&field, "required: every priority needs an SLA"),
                None => {}
            }
        }
        slas
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
    pub code: String,
    pub name: String,
    /// The code of the usual handling unit.
    #[serde(default)]
    pub default_unit: Option<String>,
    /// One SLA for each of `low`, `normal`, `high`, `urgent`.
    pub sla: SlaInput,
}

/// Changes to a category; fields left out stay as they are. The code cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryPatchBody {
    #[serde(default)]
    pub name: Option<String>,
    /// A unit's code, or `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
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
    params(("id" = i64, Path, description = "The category's id")),
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
    _admin: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewCategoryBody>,
) -> Result<Response, Problem> {
    let category = insert(&state, &body).await?;
    let units = unit_codes(&state).await?;
    Ok(created(
        format!("/api/v1/categories/{}", category.id),
        view(category, &units)?,
    ))
}

/// Checks a new category as `POST /categories` does and creates it. The web pages' category
/// form comes here too.
pub(crate) async fn insert(state: &AppState, body: &NewCategoryBody) -> Result<Category, Problem> {
    let mut fields = Fields::default();
    let code = fields.take(Code::parse(&body.code));
    let name = fields.take(Name::parse(&body.name));
    let slas = body.sla.parse(&mut fields, true);
    let mut tx = state.store.transaction().await?;
    let unit = match &body.default_unit {
        Some(raw) => unit_ref(&mut tx, &mut fields, "default_unit", raw)
            .await?
            .map(Some),
        None => Some(None),
    };
    fields.check()?;
    let (Some(code), Some(name), Some(unit)) = (code, name, unit) else {
        return Err(bug("category"));
    };
    let category = tx
        .create_category(NewCategory {
            code,
            name,
            default_unit: unit.as_ref().map(|u| u.id),
            slas,
        })
        .await?;
    tx.commit().await?;
    tracing::info!(id = %category.id, code = %category.code, "category created");
    Ok(category)
}

/// Renames a category, changes its default unit or its SLAs (admins only).
#[utoipa::path(
    patch,
    path = "/categories/{id}",
    tag = "categories",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The category's id")),
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
    _admin: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CategoryPatchBody>,
) -> Result<Json<CategoryView>, Problem> {
    let id = path_id(id, "category", CategoryId::new)?;
    let category = update(&state, id, &body).await?;
    let units = unit_codes(&state).await?;
    Ok(Json(view(category, &units)?))
}

/// Checks and applies a change to a category as `PATCH /categories/{id}` does. The web pages'
/// category form comes here too.
pub(crate) async fn update(
    state: &AppState,
    id: CategoryId,
    body: &CategoryPatchBody,
) -> Result<Category, Problem> {
    let mut fields = Fields::default();
    let name = body
        .name
        .as_deref()
        .and_then(|raw| fields.take(Name::parse(raw)));
    let slas = body
        .sla
        .as_ref()
        .map(|s| s.parse(&mut fields, false))
        .unwrap_or_default();
    let mut tx = state.store.transaction().await?;
    if tx.category(id).await?.is_none() {
        return Err(Problem::not_found("category"));
    }
    let default_unit = match &body.default_unit {
        Some(Some(raw)) => unit_ref(&mut tx, &mut fields, "default_unit", raw)
            .await?
            .map(|u| Some(u.id)),
        Some(None) => Some(None),
        None => None,
    };
    fields.check()?;
    let category = tx
        .update_category(
            id,
            CategoryPatch {
                name,
                default_unit,
                slas,
            },
        )
        .await?;
    tx.commit().await?;
    tracing::info!(id = %category.id, "category updated");
    Ok(category)
}

//! `/chain/…` and `/listings…`: the industry chain's matchmaking over HTTP — a chain's stages,
//! an enterprise's chain position, needs and offers (listings) posted, listed and searched,
//! withdrawn, and a need's suggested matches. The rules are the app's (`gridloop_app::chain`).

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use gridloop_app::chain::listings::{self, ListInput, PostInput};
use gridloop_app::chain::positions::{self, PositionInput, PositionView};
use gridloop_app::chain::stages::{self, StageInput};
use gridloop_app::chain::suggest::suggest;
use gridloop_app::store::{Listing, Page};
use gridloop_core::chain::{ListingKind, ListingStatus, Side, Stage, Tag, Target};
use gridloop_core::{EnterpriseId, ListingId, Locale};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Array, ArrayBuilder, ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::Problem;
use crate::reference::{created, path_id, Forbidden, Invalid, NotFound, Unauthorized};
use gridloop_app::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stages, set_stages))
        .routes(routes!(get_position, set_position))
        .routes(routes!(list_listings, post_listing))
        .routes(routes!(get_listing))
        .routes(routes!(withdraw_listing))
        .routes(routes!(suggestions))
}

/// A stage of a chain, upstream first.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageView {
    pub id: i64,
    /// 1 for the most upstream stage.
    pub position: u32,
    pub code: String,
    pub name: String,
}

fn stage_view(s: &Stage) -> StageView {
    StageView {
        id: s.id.get(),
        position: s.position,
        code: s.code.to_string(),
        name: s.name.to_string(),
    }
}

/// One stage as set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageBody {
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "recycling"
    )]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$",
        example = "再生铝"
    )]
    pub name: String,
}

/// A chain's stages, upstream first; codes distinct. A kept code keeps its enterprises; a
/// stage an enterprise holds may not be left out.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StagesBody {
    #[schema(min_items = 1, max_items = 20)]
    pub stages: Vec<StageBody>,
}

/// Lists a chain's stages, upstream first.
#[utoipa::path(
    get,
    path = "/chain/{chain}/stages",
    tag = "chain",
    security(("bearer" = [])),
    params(("chain" = String, Path, description = "The chain's code", min_length = 1, max_length = 32, pattern = r"^[a-z0-9][a-z0-9_-]*$")),
    responses(
        (status = 200, description = "The stages, upstream first", body = [StageView]),
        Unauthorized,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "list stages", skip_all)]
async fn list_stages(
    _caller: Caller,
    State(state): State<AppState>,
    ApiPath(chain): ApiPath<String>,
) -> Result<Json<Vec<StageView>>, Problem> {
    let (_, stages) = stages::list(&state, &chain).await?;
    Ok(Json(stages.iter().map(stage_view).collect()))
}

/// Sets a chain's stages (admins only).
#[utoipa::path(
    put,
    path = "/chain/{chain}/stages",
    tag = "chain",
    security(("bearer" = [])),
    params(("chain" = String, Path, description = "The chain's code", min_length = 1, max_length = 32, pattern = r"^[a-z0-9][a-z0-9_-]*$")),
    request_body = StagesBody,
    responses(
        (status = 200, description = "The stages as they are now", body = [StageView]),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "set stages", skip_all)]
async fn set_stages(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(chain): ApiPath<String>,
    ApiJson(body): ApiJson<StagesBody>,
) -> Result<Json<Vec<StageView>>, Problem> {
    let input: Vec<StageInput> = body
        .stages
        .into_iter()
        .map(|s| StageInput {
            code: s.code,
            name: s.name,
        })
        .collect();
    let stages = stages::set(&state, &caller.actor, &chain, &input).await?;
    Ok(Json(stages.iter().map(stage_view).collect()))
}

/// An enterprise's chain position.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionBodyView {
    pub enterprise: i64,
    /// Its stage, if set.
    pub stage: Option<StageView>,
    pub products: Vec<String>,
    pub materials: Vec<String>,
    pub capabilities: Vec<String>,
}

fn words(tags: &[Tag]) -> Vec<String> {
    tags.iter().map(|t| t.as_str().to_owned()).collect()
}

fn position_view(v: &PositionView) -> PositionBodyView {
    PositionBodyView {
        enterprise: v.enterprise.get(),
        stage: v.stage.as_ref().map(stage_view),
        products: words(v.position.products.as_slice()),
        materials: words(v.position.materials.as_slice()),
        capabilities: words(v.position.capabilities.as_slice()),
    }
}

/// An enterprise's position as set: its stage (a code of its chain's stages; left out or null
/// for none) and its tags. Tags are stored lowercased with runs of spaces made one; blank ones
/// are dropped, and the same tag twice is kept once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionBody {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "recycling"
    )]
    pub stage: Option<String>,
    #[serde(default)]
    #[schema(schema_with = tags_schema)]
    pub products: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = tags_schema)]
    pub materials: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = tags_schema)]
    pub capabilities: Vec<String>,
}

/// A list of tags: at most 12, each one line of at most 32 characters without commas or
/// semicolons (they separate tags).
fn tags_schema() -> Array {
    let tag = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(32))
        .pattern(Some(
            r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069,，、;；]*$",
        ))
        .examples([serde_json::json!("边角料")]);
    ArrayBuilder::new().items(tag).max_items(Some(12)).build()
}

/// Reads an enterprise's chain position.
#[utoipa::path(
    get,
    path = "/chain/positions/{enterprise}",
    tag = "chain",
    security(("bearer" = [])),
    params(("enterprise" = i64, Path, description = "The enterprise's id", minimum = 1)),
    responses(
        (status = 200, description = "The position", body = PositionBodyView),
        Unauthorized,
        NotFound,
    )
)]
#[tracing::instrument(name = "get position", skip_all)]
async fn get_position(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PositionBodyView>, Problem> {
    let id = path_id(id, "enterprise", EnterpriseId::new)?;
    let view = positions::get(&state, Some(&caller.actor), id).await?;
    Ok(Json(position_view(&view)))
}

/// Replaces an enterprise's chain position (admins, dispatchers, commissioners of its grid).
#[utoipa::path(
    put,
    path = "/chain/positions/{enterprise}",
    tag = "chain",
    security(("bearer" = [])),
    params(("enterprise" = i64, Path, description = "The enterprise's id", minimum = 1)),
    request_body = PositionBody,
    responses(
        (status = 200, description = "The position as it is now", body = PositionBodyView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "set position", skip_all)]
async fn set_position(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PositionBody>,
) -> Result<Json<PositionBodyView>, Problem> {
    let id = path_id(id, "enterprise", EnterpriseId::new)?;
    let input = PositionInput {
        stage: body.stage,
        products: body.products,
        materials: body.materials,
        capabilities: body.capabilities,
    };
    let view = positions::set(&state, &caller.actor, id, &input).await?;
    Ok(Json(position_view(&view)))
}

/// A need or an offer, with its status today.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingView {
    pub id: i64,
    /// `need` or `offer`.
    pub side: String,
    pub kind: String,
    pub enterprise: i64,
    pub enterprise_name: String,
    /// The id of the enterprise's stage now, if set.
    pub stage: Option<i64>,
    pub title: String,
    pub text: String,
    pub quantity: Option<String>,
    pub tags: Vec<String>,
    /// The last day it is open.
    pub valid_until: NaiveDate,
    /// `open`, `expired` (read from `valid_until`) or `withdrawn`.
    pub status: String,
    pub posted_by: i64,
    pub posted_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// The on-site visit it was raised on, if any.
    pub visit: Option<i64>,
}

fn listing_view(l: &Listing) -> ListingView {
    ListingView {
        id: l.id.get(),
        side: l.side.to_string(),
        kind: l.kind.to_string(),
        enterprise: l.enterprise.get(),
        enterprise_name: l.enterprise_name.to_string(),
        stage: l.stage.map(|s| s.get()),
        title: l.title.to_string(),
        text: l.text.to_string(),
        quantity: l.quantity.as_ref().map(ToString::to_string),
        tags: words(l.tags.as_slice()),
        valid_until: l.valid_until.date(),
        status: l.status.to_string(),
        posted_by: l.posted_by.get(),
        posted_at: l.posted_at,
        withdrawn_at: l.withdrawn_at,
        visit: l.visit,
    }
}

/// A page of listings, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingPage {
    pub items: Vec<ListingView>,
    /// Pass back as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A need or an offer to post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingBody {
    pub side: SideName,
    pub kind: KindName,
    /// The enterprise's id: one the poster covers as a post member or commissioner of its
    /// grid, or as its own user.
    #[schema(minimum = 1)]
    pub enterprise: i64,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$",
        example = "寻找铝边角料回收企业"
    )]
    pub title: String,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069][^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub text: String,
    /// How much, as people say it; blank is none.
    #[serde(default)]
    #[schema(
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$",
        example = "每月约30吨"
    )]
    pub quantity: Option<String>,
    #[serde(default)]
    #[schema(schema_with = tags_schema)]
    pub tags: Vec<String>,
    /// The last day it is open: after today (in the park's time zone), at most 366 days ahead.
    pub valid_until: NaiveDate,
    /// The on-site visit it was raised on: one of the same enterprise that the caller sees.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub visit: Option<i64>,
}

/// `need` or `offer`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideName {
    Need,
    Offer,
}

/// What a listing is about.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    Supplier,
    ByproductBuyer,
    Capacity,
    Technology,
    Labour,
    Logistics,
}

/// `open`, `expired` or `withdrawn`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusName {
    Open,
    Expired,
    Withdrawn,
}

fn side(s: SideName) -> Side {
    match s {
        SideName::Need => Side::Need,
        SideName::Offer => Side::Offer,
    }
}

fn kind(k: KindName) -> ListingKind {
    match k {
        KindName::Supplier => ListingKind::Supplier,
        KindName::ByproductBuyer => ListingKind::ByproductBuyer,
        KindName::Capacity => ListingKind::Capacity,
        KindName::Technology => ListingKind::Technology,
        KindName::Labour => ListingKind::Labour,
        KindName::Logistics => ListingKind::Logistics,
    }
}

fn status(s: StatusName) -> ListingStatus {
    match s {
        StatusName::Open => ListingStatus::Open,
        StatusName::Expired => ListingStatus::Expired,
        StatusName::Withdrawn => ListingStatus::Withdrawn,
    }
}

/// Filters of the list; all optional.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListingQuery {
    #[param(inline)]
    pub side: Option<SideName>,
    #[param(inline)]
    pub kind: Option<KindName>,
    /// The code of the enterprise's stage.
    #[param(min_length = 1, max_length = 32, pattern = r"^[a-z0-9][a-z0-9_-]*$")]
    pub stage: Option<String>,
    /// The code of the grid it was posted in.
    #[param(min_length = 1, max_length = 32, pattern = r"^[a-z0-9][a-z0-9_-]*$")]
    pub grid: Option<String>,
    #[param(inline)]
    pub status: Option<StatusName>,
    /// The enterprise's id.
    #[param(minimum = 1)]
    pub enterprise: Option<i64>,
    /// Text each listing holds (by character pairs, so Chinese needs no spaces): 2 to 40
    /// characters with two letters or digits side by side.
    #[param(min_length = 2, max_length = 40, example = "边角料")]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 16, pattern = r"^l[0-9a-fA-F]{1,15}$")]
    pub cursor: Option<String>,
}

/// Lists the needs and offers in the caller's sight, newest first.
#[utoipa::path(
    get,
    path = "/listings",
    tag = "chain",
    security(("bearer" = [])),
    params(ListingQuery),
    responses(
        (status = 200, description = "A page of listings", body = ListingPage),
        Unauthorized,
        Invalid,
    )
)]
#[tracing::instrument(name = "list listings", skip_all)]
async fn list_listings(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListingQuery>,
) -> Result<Json<ListingPage>, Problem> {
    let input = ListInput {
        side: query.side.map(|s| side(s).as_str().to_owned()),
        kind: query.kind.map(|k| kind(k).as_str().to_owned()),
        stage: query.stage,
        grid: query.grid,
        status: query.status.map(|s| status(s).as_str().to_owned()),
        enterprise: query.enterprise.map(|e| e.to_string()),
        q: query.q,
        limit: query.limit,
        cursor: query.cursor,
    };
    let page: Page<Listing> = listings::list(&state, Some(&caller.actor), &input).await?;
    Ok(Json(ListingPage {
        items: page.items.iter().map(listing_view).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Posts a need or an offer (post members and commissioners of the enterprise's grid, the
/// enterprise's own users).
#[utoipa::path(
    post,
    path = "/listings",
    tag = "chain",
    security(("bearer" = [])),
    request_body = ListingBody,
    responses(
        (status = 201, description = "Posted", body = ListingView,
         headers(("Location" = String, description = "The listing's address"))),
        Unauthorized,
        Forbidden,
        Invalid,
    )
)]
#[tracing::instrument(name = "post listing", skip_all)]
async fn post_listing(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ListingBody>,
) -> Result<Response, Problem> {
    let input = PostInput {
        kind: kind(body.kind).as_str().to_owned(),
        enterprise: body.enterprise.to_string(),
        title: body.title,
        text: body.text,
        quantity: body.quantity,
        tags: body.tags,
        valid_until: body.valid_until.format("%Y-%m-%d").to_string(),
        visit: body.visit.map(|v| v.to_string()),
    };
    let listing = listings::post(&state, &caller.actor, side(body.side), &input).await?;
    Ok(created(
        format!("/api/v1/listings/{}", listing.id),
        listing_view(&listing),
    ))
}

/// Reads one need or offer.
#[utoipa::path(
    get,
    path = "/listings/{id}",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The listing's id", minimum = 1)),
    responses(
        (status = 200, description = "The listing", body = ListingView),
        Unauthorized,
        NotFound,
    )
)]
#[tracing::instrument(name = "get listing", skip_all)]
async fn get_listing(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ListingView>, Problem> {
    let id = path_id(id, "listing", ListingId::new)?;
    let listing = listings::get(&state, Some(&caller.actor), id).await?;
    Ok(Json(listing_view(&listing)))
}

/// Withdraws a need or offer (who may post it, who posted it, dispatchers, admins); one
/// already withdrawn is 422.
#[utoipa::path(
    post,
    path = "/listings/{id}/withdraw",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The listing's id", minimum = 1)),
    responses(
        (status = 200, description = "The listing, withdrawn", body = ListingView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "withdraw listing", skip_all)]
async fn withdraw_listing(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ListingView>, Problem> {
    let id = path_id(id, "listing", ListingId::new)?;
    let listing = listings::withdraw(&state, &caller.actor, id).await?;
    Ok(Json(listing_view(&listing)))
}

/// One suggested match.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionView {
    /// `offer` or `enterprise`.
    pub target: String,
    /// The offer's or the enterprise's id.
    pub id: i64,
    /// The enterprise's id.
    pub enterprise: i64,
    /// An offer's title, an enterprise's name.
    pub label: String,
    pub score: u32,
    /// Why, in one line, in the language asked for.
    pub explanation: String,
}

/// Options of the suggestions.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestionQuery {
    /// How many (default 10).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<usize>,
    /// The language of the explanations: `zh-CN` (default) or `en`.
    #[param(inline)]
    pub locale: Option<LocaleName>,
}

/// `zh-CN` or `en`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum LocaleName {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

/// The offers and enterprises that might meet a need, best first, each with why.
#[utoipa::path(
    get,
    path = "/listings/{id}/suggestions",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The need's id", minimum = 1), SuggestionQuery),
    responses(
        (status = 200, description = "The suggestions, best first", body = [SuggestionView]),
        Unauthorized,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "suggestions", skip_all)]
async fn suggestions(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<SuggestionQuery>,
) -> Result<Json<Vec<SuggestionView>>, Problem> {
    let id = path_id(id, "listing", ListingId::new)?;
    let locale = match query.locale {
        Some(LocaleName::En) => Locale::En,
        _ => Locale::ZhCn,
    };
    let found = suggest(&state, Some(&caller.actor), id, query.limit, locale).await?;
    Ok(Json(
        found
            .suggestions
            .into_iter()
            .map(|s| {
                let (target, id) = match s.suggestion.target {
                    Target::Offer(id) => ("offer", id.get()),
                    Target::Enterprise(id) => ("enterprise", id.get()),
                };
                SuggestionView {
                    target: target.to_owned(),
                    id,
                    enterprise: s.suggestion.enterprise.get(),
                    label: s.label,
                    score: s.suggestion.score,
                    explanation: s.explanation,
                }
            })
            .collect(),
    ))
}

//! `/posts`: the vanguard posts (党员先锋岗) that walk a grid and report its problems. Read and
//! changed through the app's use cases (`gridloop_app::reference::posts`).

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use gridloop_app::reference::grid_codes;
use gridloop_app::reference::posts::{self as app, NewPostInput, PostPatchInput};
use gridloop_app::store::Post;
use gridloop_core::{GridId, PostId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{created, path_id, Admin, Forbidden, Invalid, NotFound, Taken, Unauthorized};
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::Problem;
use gridloop_app::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_posts, create_post))
        .routes(routes!(get_post, patch_post))
}

/// A vanguard post.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostView {
    pub id: i64,
    /// Stable code, e.g. `p01`.
    pub code: String,
    pub name: String,
    /// The code of the grid the post walks.
    pub grid: String,
}

/// A new post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPostBody {
    /// 1–32 lowercase letters, digits, `-`, `_`; unique.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "p99"
    )]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$",
        example = "第九十九先锋岗"
    )]
    pub name: String,
    /// The code of the grid the post walks.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "g1"
    )]
    pub grid: String,
}

/// Changes to a post; fields left out stay as they are. The code cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostPatchBody {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub name: Option<String>,
    /// Moves the post (and the reach of its members) to this grid.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "g1"
    )]
    pub grid: Option<String>,
}

/// Filters for the list of posts.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PostQuery {
    /// Only the posts of the grid with this code.
    #[param(
        min_length = 1,
        max_length = 32,
        pattern = r"^[a-z0-9][a-z0-9_-]*$",
        example = "g1"
    )]
    pub grid: Option<String>,
}

fn view(post: Post, grids: &HashMap<GridId, String>) -> PostView {
    PostView {
        id: post.id.get(),
        code: post.code.to_string(),
        name: post.name.as_str().to_owned(),
        grid: grids.get(&post.grid).cloned().unwrap_or_default(),
    }
}

/// Lists the posts, of one grid or all, in id order.
#[utoipa::path(
    get,
    path = "/posts",
    tag = "posts",
    security(("bearer" = [])),
    params(PostQuery),
    responses(
        (status = 200, description = "The posts, in id order", body = [PostView]),
        Unauthorized,
        Invalid,
    )
)]
#[tracing::instrument(name = "list posts", skip_all)]
async fn list_posts(
    _caller: Caller,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PostQuery>,
) -> Result<Json<Vec<PostView>>, Problem> {
    let posts = app::list(&state.store, query.grid.as_deref()).await?;
    let grids = grid_codes(&state.store).await?;
    Ok(Json(posts.into_iter().map(|p| view(p, &grids)).collect()))
}

/// Reads one post.
#[utoipa::path(
    get,
    path = "/posts/{id}",
    tag = "posts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The post's id", minimum = 1)),
    responses(
        (status = 200, description = "The post", body = PostView),
        Unauthorized,
        NotFound,
    )
)]
#[tracing::instrument(name = "get post", skip_all)]
async fn get_post(
    _caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PostView>, Problem> {
    let id = path_id(id, "post", PostId::new)?;
    let post = app::get(&state.store, id).await?;
    Ok(Json(view(post, &grid_codes(&state.store).await?)))
}

/// Creates a post (admins only).
#[utoipa::path(
    post,
    path = "/posts",
    tag = "posts",
    security(("bearer" = [])),
    request_body = NewPostBody,
    responses(
        (status = 201, description = "Created", body = PostView,
         headers(("Location" = String, description = "The new post's address"))),
        Unauthorized,
        Forbidden,
        Taken,
        Invalid,
    )
)]
#[tracing::instrument(name = "create post", skip_all)]
async fn create_post(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewPostBody>,
) -> Result<Response, Problem> {
    let input = NewPostInput {
        code: body.code,
        name: body.name,
        grid: body.grid,
    };
    let post = app::create(&state, &admin.actor, &input).await?;
    let grids = grid_codes(&state.store).await?;
    Ok(created(
        format!("/api/v1/posts/{}", post.id),
        view(post, &grids),
    ))
}

/// Renames a post or moves it to another grid (admins only).
#[utoipa::path(
    patch,
    path = "/posts/{id}",
    tag = "posts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The post's id", minimum = 1)),
    request_body = PostPatchBody,
    responses(
        (status = 200, description = "The post as it is now", body = PostView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "patch post", skip_all)]
async fn patch_post(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PostPatchBody>,
) -> Result<Json<PostView>, Problem> {
    let id = path_id(id, "post", PostId::new)?;
    let input = PostPatchInput {
        name: body.name,
        grid: body.grid,
    };
    let post = app::update(&state, &admin.actor, id, &input).await?;
    let grids = grid_codes(&state.store).await?;
    Ok(Json(view(post, &grids)))
}

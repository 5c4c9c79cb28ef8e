//! `/posts`: the vanguard posts (党员先锋岗) that walk a grid and report its problems.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use gridloop_app::store::{NewPost, Post, PostPatch};
use gridloop_core::{Code, GridId, Name, PostId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    bug, created, grid_ref, path_id, Admin, Fields, Forbidden, Invalid, NotFound, Taken,
    Unauthorized,
};
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

async fn grid_codes(state: &AppState) -> Result<HashMap<GridId, String>, Problem> {
    Ok(state
        .store
        .grids()
        .await?
        .into_iter()
        .map(|g| (g.id, g.code.to_string()))
        .collect())
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
    let posts = state.store.posts(grid).await?;
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
    let post = state
        .store
        .post(id)
        .await?
        .ok_or_else(|| Problem::not_found("post"))?;
    Ok(Json(view(post, &grid_codes(&state).await?)))
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
    _admin: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewPostBody>,
) -> Result<Response, Problem> {
    let mut fields = Fields::default();
    let code = fields.take(Code::parse(&body.code));
    let name = fields.take(Name::parse(&body.name));
    let mut tx = state.store.transaction().await?;
    let grid = grid_ref(&mut tx, &mut fields, "grid", &body.grid).await?;
    fields.check()?;
    let (Some(code), Some(name), Some(grid)) = (code, name, grid) else {
        return Err(bug("post"));
    };
    let post = tx
        .create_post(NewPost {
            code,
            name,
            grid: grid.id,
        })
        .await?;
    tx.commit().await?;
    tracing::info!(id = %post.id, code = %post.code, "post created");
    let grids = HashMap::from([(grid.id, grid.code.to_string())]);
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
    _admin: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PostPatchBody>,
) -> Result<Json<PostView>, Problem> {
    let id = path_id(id, "post", PostId::new)?;
    let mut fields = Fields::default();
    let name = body
        .name
        .as_deref()
        .and_then(|raw| fields.take(Name::parse(raw)));
    let mut tx = state.store.transaction().await?;
    if tx.post(id).await?.is_none() {
        return Err(Problem::not_found("post"));
    }
    let grid = match &body.grid {
        Some(raw) => grid_ref(&mut tx, &mut fields, "grid", raw).await?,
        None => None,
    };
    fields.check()?;
    let post = tx
        .update_post(
            id,
            PostPatch {
                name,
                grid: grid.map(|g| g.id),
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
    // Moving a post moves its members' grids, and so their scope.
    state.callers.clear();
    tracing::info!(id = %post.id, "post updated");
    Ok(Json(view(post, &grids)))
}

//! Posts: the vanguard posts (党员先锋岗) that walk a grid and report its problems. A post's
//! grid is its members' reach, so moving a post moves what they may see.

use gridloop_core::{Actor, Code, Name, PostId};
use gridloop_store::{NewPost, Post, PostPatch, Store};

use super::{grid_filter, grid_ref, require_admin};
use crate::error::{bug, AppError, Fields, Thing};
use crate::state::AppState;

/// A new post as typed.
#[derive(Debug, Clone, Default)]
pub struct NewPostInput {
    pub code: String,
    pub name: String,
    /// The code of the grid the post walks.
    pub grid: String,
}

/// Changes to a post as typed; `None` leaves a field as it is. The code cannot change.
#[derive(Debug, Clone, Default)]
pub struct PostPatchInput {
    pub name: Option<String>,
    /// The code of the grid the post moves to.
    pub grid: Option<String>,
}

/// The posts of the grid with the code `grid` (a bad one is the field's error), or all, in
/// id order.
pub async fn list(store: &Store, grid: Option<&str>) -> Result<Vec<Post>, AppError> {
    let grid = grid_filter(store, grid).await?;
    Ok(store.posts(grid).await?)
}

/// One post.
pub async fn get(store: &Store, id: PostId) -> Result<Post, AppError> {
    store.post(id).await?.ok_or(AppError::NotFound(Thing::Post))
}

/// Creates a post (admins only).
pub async fn create(
    state: &AppState,
    actor: &Actor,
    input: &NewPostInput,
) -> Result<Post, AppError> {
    require_admin(actor)?;
    let mut fields = Fields::default();
    let code = fields.take(Code::parse(&input.code));
    let name = fields.take(Name::parse(&input.name));
    let mut tx = state.store.transaction().await?;
    let grid = grid_ref(&mut tx, &mut fields, "grid", &input.grid).await?;
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
    Ok(post)
}

/// Renames a post or moves it to another grid (admins only).
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: PostId,
    input: &PostPatchInput,
) -> Result<Post, AppError> {
    require_admin(actor)?;
    let mut fields = Fields::default();
    let name = input
        .name
        .as_deref()
        .and_then(|raw| fields.take(Name::parse(raw)));
    let mut tx = state.store.transaction().await?;
    if tx.post(id).await?.is_none() {
        return Err(AppError::NotFound(Thing::Post));
    }
    let grid = match &input.grid {
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
    tx.commit().await?;
    // Moving a post moves its members' grids, and so their scope.
    state.callers.clear();
    tracing::info!(id = %post.id, "post updated");
    Ok(post)
}

//! `/users`: the people who use gridloop, with their roles and what they belong to. Created
//! and changed by the app's use cases (`gridloop_app::reference::users`), as from the web.
//!
//! Phone numbers and email addresses are personal data: an admin, and the person themselves,
//! see them in full; everyone else sees them masked (`+86138****5678`, `z***@example.cn`).
//! Users are never deleted (their names stay on the history they made); `"active": false`
//! deactivates one, which also stops every token they hold and ends their web sessions. The
//! last active admin can be neither deactivated nor demoted, so the park can always be
//! administered.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use gridloop_app::reference::users::{self, NewUserInput, UserPatchInput};
use gridloop_app::store::User;
use gridloop_core::{GridId, PostId, Role, UnitId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{created, nullable, path_id, Admin, Forbidden, Invalid, NotFound, Taken, Unauthorized};
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::Problem;
use gridloop_app::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, patch_user))
}

/// A user. `phone` and `email` are masked unless the caller is an admin or this user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// `zh-CN` or `en`.
    pub locale: String,
    /// Any of `post_member`, `commissioner`, `dispatcher`, `unit_member`, `unit_head`,
    /// `supervisor`, `admin`, `enterprise`.
    pub roles: Vec<String>,
    /// Codes of the posts the user is a member of.
    pub posts: Vec<String>,
    /// Codes of the units the user belongs to.
    pub units: Vec<String>,
    /// Codes of the grids the user covers directly (commissioners).
    pub grids: Vec<String>,
    /// Ids of the enterprises the user speaks for.
    pub enterprises: Vec<i64>,
    pub active: bool,
}

/// A new user; they start active.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// 2–32 lowercase letters, digits, `-`, `_`, `.`, starting with a letter; unique.
    #[schema(
        min_length = 2,
        max_length = 32,
        pattern = r"^[a-z][a-z0-9._-]*$",
        example = "newbie"
    )]
    pub login: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$",
        example = "张伟"
    )]
    pub name: String,
    /// E.164 (`+8613812345678`); a mainland mobile number may leave out `+86`.
    #[serde(default)]
    #[schema(
        pattern = r"^(\+[1-9][0-9]{7,14}|1[0-9]{10})$",
        example = "+8613812345678"
    )]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(
        max_length = 254,
        pattern = r"^[a-z0-9._+-]{1,64}@[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$",
        example = "zhang@example.cn"
    )]
    pub email: Option<String>,
    /// `zh-CN` (the default) or `en`.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::names::locale)]
    pub locale: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::openapi::names::roles)]
    pub roles: Vec<String>,
    /// Post codes.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::names::codes)]
    pub posts: Vec<String>,
    /// Unit codes.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::names::codes)]
    pub units: Vec<String>,
    /// Grid codes.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::names::codes)]
    pub grids: Vec<String>,
    /// Enterprise ids.
    #[serde(default)]
    pub enterprises: Vec<i64>,
}

/// Changes to a user; fields left out stay as they are, a list sent replaces the whole list.
/// The login cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatchBody {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub name: Option<String>,
    /// `null` clears the number.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^(\+[1-9][0-9]{7,14}|1[0-9]{10})$", example = "+8613812345678")]
    pub phone: Option<Option<String>>,
    /// `null` clears the address.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 254, pattern = r"^[a-z0-9._+-]{1,64}@[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$", example = "zhang@example.cn")]
    pub email: Option<Option<String>>,
    #[serde(default)]
    #[schema(schema_with = crate::openapi::names::locale)]
    pub locale: Option<String>,
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    #[serde(default)]
    pub posts: Option<Vec<String>>,
    #[serde(default)]
    pub units: Option<Vec<String>>,
    #[serde(default)]
    pub grids: Option<Vec<String>>,
    #[serde(default)]
    pub enterprises: Option<Vec<i64>>,
    /// `false` deactivates the user and stops their tokens; `true` reactivates.
    #[serde(default)]
    pub active: Option<bool>,
}

/// Codes of the things users belong to, for rendering.
#[derive(Debug, Default)]
struct Codes {
    posts: HashMap<PostId, String>,
    units: HashMap<UnitId, String>,
    grids: HashMap<GridId, String>,
}

impl Codes {
    async fn load_from(state: &AppState) -> Result<Self, Problem> {
        Ok(Self {
            posts: state
                .store
                .posts(None)
                .await?
                .into_iter()
                .map(|p| (p.id, p.code.to_string()))
                .collect(),
            units: state
                .store
                .units()
                .await?
                .into_iter()
                .map(|u| (u.id, u.code.to_string()))
                .collect(),
            grids: state
                .store
                .grids()
                .await?
                .into_iter()
                .map(|g| (g.id, g.code.to_string()))
                .collect(),
        })
    }
}

/// Whether `caller` may see `user`'s phone and email in full.
fn sees_contacts(caller: &Caller, user: UserId) -> bool {
    caller.actor.has_role(Role::Admin) || caller.user.id == user
}

fn view(user: User, codes: &Codes, full_contacts: bool) -> UserView {
    fn codes_of<K: std::hash::Hash + Eq>(ids: &[K], map: &HashMap<K, String>) -> Vec<String> {
        ids.iter().filter_map(|id| map.get(id).cloned()).collect()
    }
    UserView {
        id: user.id.get(),
        login: user.login.to_string(),
        name: user.name.as_str().to_owned(),
        phone: user.phone.as_ref().map(|p| {
            if full_contacts {
                p.as_str().to_owned()
            } else {
                p.masked()
            }
        }),
        email: user.email.as_ref().map(|e| {
            if full_contacts {
                e.as_str().to_owned()
            } else {
                e.masked()
            }
        }),
        locale: user.locale,
        roles: user.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        posts: codes_of(&user.posts, &codes.posts),
        units: codes_of(&user.units, &codes.units),
        grids: codes_of(&user.grids, &codes.grids),
        enterprises: user.enterprises.iter().map(|e| e.get()).collect(),
        active: user.active,
    }
}

impl From<NewUserBody> for NewUserInput {
    fn from(b: NewUserBody) -> Self {
        Self {
            login: b.login,
            name: b.name,
            phone: b.phone,
            email: b.email,
            locale: b.locale,
            roles: b.roles,
            posts: b.posts,
            units: b.units,
            grids: b.grids,
            enterprises: b.enterprises,
        }
    }
}

impl From<UserPatchBody> for UserPatchInput {
    fn from(b: UserPatchBody) -> Self {
        Self {
            name: b.name,
            phone: b.phone,
            email: b.email,
            locale: b.locale,
            roles: b.roles,
            posts: b.posts,
            units: b.units,
            grids: b.grids,
            enterprises: b.enterprises,
            active: b.active,
        }
    }
}

/// Lists every user, active or not, in id order.
#[utoipa::path(
    get,
    path = "/users",
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every user, in id order; contacts masked for non-admins",
         body = [UserView]),
        Unauthorized,
    )
)]
#[tracing::instrument(name = "list users", skip_all)]
async fn list_users(
    caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<UserView>>, Problem> {
    let codes = Codes::load_from(&state).await?;
    let users = state.store.users().await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| {
                let full = sees_contacts(&caller, u.id);
                view(u, &codes, full)
            })
            .collect(),
    ))
}

/// Reads one user.
#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id", minimum = 1)),
    responses(
        (status = 200, description = "The user; contacts masked unless admin or self",
         body = UserView),
        Unauthorized,
        NotFound,
    )
)]
#[tracing::instrument(name = "get user", skip_all)]
async fn get_user(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UserView>, Problem> {
    let id = path_id(id, "user", UserId::new)?;
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| Problem::not_found("user"))?;
    let codes = Codes::load_from(&state).await?;
    let full = sees_contacts(&caller, user.id);
    Ok(Json(view(user, &codes, full)))
}

/// Creates an active user (admins only).
#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    security(("bearer" = [])),
    request_body = NewUserBody,
    responses(
        (status = 201, description = "Created", body = UserView,
         headers(("Location" = String, description = "The new user's address"))),
        Unauthorized,
        Forbidden,
        Taken,
        Invalid,
    )
)]
#[tracing::instrument(name = "create user", skip_all)]
async fn create_user(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<Response, Problem> {
    let user = users::create(&state, &admin.actor, &body.into()).await?;
    let codes = Codes::load_from(&state).await?;
    Ok(created(
        format!("/api/v1/users/{}", user.id),
        view(user, &codes, true),
    ))
}

/// Edits a user's profile, roles and memberships, or deactivates them (admins only).
#[utoipa::path(
    patch,
    path = "/users/{id}",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id", minimum = 1)),
    request_body = UserPatchBody,
    responses(
        (status = 200, description = "The user as they are now", body = UserView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "patch user", skip_all)]
async fn patch_user(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UserPatchBody>,
) -> Result<Json<UserView>, Problem> {
    let id = path_id(id, "user", UserId::new)?;
    let user = users::update(&state, &admin.actor, id, &body.into()).await?;
    let codes = Codes::load_from(&state).await?;
    Ok(Json(view(user, &codes, true)))
}

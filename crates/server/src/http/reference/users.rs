//! `/users`: the people who use gridloop, with their roles and what they belong to.
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
use gridloop_core::{
    Code, Email, EnterpriseId, GridId, Login, Name, Phone, PostId, Role, UnitId, UserId,
};
use gridloop_store::{NewUser, Tx, User, UserPatch};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    bug, created, grid_ref, nullable, path_id, unit_ref, Admin, Fields, Forbidden, Invalid,
    NotFound, Taken, Unauthorized,
};
use crate::http::auth::Caller;
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::problem::Problem;
use crate::http::state::AppState;

/// The locales notifications are written in.
const LOCALES: [&str; 2] = ["zh-CN", "en"];

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
    pub login: String,
    pub name: String,
    /// E.164 (`+8613812345678`); a mainland mobile number may leave out `+86`.
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// `zh-CN` (the default) or `en`.
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    /// Post codes.
    #[serde(default)]
    pub posts: Vec<String>,
    /// Unit codes.
    #[serde(default)]
    pub units: Vec<String>,
    /// Grid codes.
    #[serde(default)]
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
    pub name: Option<String>,
    /// `null` clears the number.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// `null` clears the address.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default)]
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

/// A phone number; blank is none.
fn phone(fields: &mut Fields, raw: Option<&str>) -> Option<Option<Phone>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => fields.take(Phone::parse(s)).map(Some),
        None => Some(None),
    }
}

/// An email address; blank is none.
fn email(fields: &mut Fields, raw: Option<&str>) -> Option<Option<Email>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => fields.take(Email::parse(s)).map(Some),
        None => Some(None),
    }
}

fn locale(fields: &mut Fields, raw: &str) -> Option<String> {
    if LOCALES.contains(&raw) {
        Some(raw.to_owned())
    } else {
        fields.add("locale", format!("'{raw}' is not one of zh-CN, en"));
        None
    }
}

/// Refuses (422, every field named) lists longer than `limits.list_max_items` before anything
/// is looked up: each entry is a query in the request's transaction.
fn bounded(
    fields: &mut Fields,
    state: &AppState,
    lists: &[(&'static str, usize)],
) -> Result<(), Problem> {
    let max = state.limits.list_max_items;
    let mut too_long = false;
    for &(name, len) in lists {
        if len > max {
            fields.add(name, format!("{len} entries; at most {max} are allowed"));
            too_long = true;
        }
    }
    if too_long {
        fields.check()
    } else {
        Ok(())
    }
}

fn roles(fields: &mut Fields, raw: &[String]) -> Vec<Role> {
    raw.iter()
        .filter_map(|r| fields.take_as("roles", r.parse::<Role>()))
        .collect()
}

/// Resolves the memberships named in a request inside its transaction, recording a field
/// error for each code or id that names nothing.
async fn posts(tx: &mut Tx, fields: &mut Fields, raw: &[String]) -> Result<Vec<PostId>, Problem> {
    let mut ids = Vec::new();
    for raw in raw {
        let Some(code) = fields.take(Code::parse_field("posts", raw)) else {
            continue;
        };
        match tx.post_by_code(&code).await? {
            Some(post) => ids.push(post.id),
            None => fields.add("posts", format!("there is no post '{code}'")),
        }
    }
    Ok(ids)
}

async fn units(tx: &mut Tx, fields: &mut Fields, raw: &[String]) -> Result<Vec<UnitId>, Problem> {
    let mut ids = Vec::new();
    for raw in raw {
        if let Some(unit) = unit_ref(tx, fields, "units", raw).await? {
            ids.push(unit.id);
        }
    }
    Ok(ids)
}

async fn grids(tx: &mut Tx, fields: &mut Fields, raw: &[String]) -> Result<Vec<GridId>, Problem> {
    let mut ids = Vec::new();
    for raw in raw {
        if let Some(grid) = grid_ref(tx, fields, "grids", raw).await? {
            ids.push(grid.id);
        }
    }
    Ok(ids)
}

async fn enterprises(
    tx: &mut Tx,
    fields: &mut Fields,
    raw: &[i64],
) -> Result<Vec<EnterpriseId>, Problem> {
    let mut ids = Vec::new();
    for &raw in raw {
        let Some(id) = fields.take_as("enterprises", EnterpriseId::new(raw)) else {
            continue;
        };
        match tx.enterprise(id).await? {
            Some(e) => ids.push(e.id),
            None => fields.add("enterprises", format!("there is no enterprise {id}")),
        }
    }
    Ok(ids)
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
    params(("id" = i64, Path, description = "The user's id")),
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
    _admin: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<Response, Problem> {
    let user = insert(&state, &body).await?;
    let codes = Codes::load_from(&state).await?;
    Ok(created(
        format!("/api/v1/users/{}", user.id),
        view(user, &codes, true),
    ))
}

/// Checks a new user as `POST /users` does (every bad field in one 422, a taken login 409) and
/// creates them, active. The web pages' user form comes here too.
pub(crate) async fn insert(state: &AppState, body: &NewUserBody) -> Result<User, Problem> {
    let mut fields = Fields::default();
    let login = fields.take(Login::parse(&body.login));
    let name = fields.take(Name::parse(&body.name));
    let phone = phone(&mut fields, body.phone.as_deref());
    let email = email(&mut fields, body.email.as_deref());
    let locale = locale(&mut fields, body.locale.as_deref().unwrap_or("zh-CN"));
    bounded(
        &mut fields,
        state,
        &[
            ("roles", body.roles.len()),
            ("posts", body.posts.len()),
            ("units", body.units.len()),
            ("grids", body.grids.len()),
            ("enterprises", body.enterprises.len()),
        ],
    )?;
    let roles = roles(&mut fields, &body.roles);
    let mut tx = state.store.transaction().await?;
    let posts = posts(&mut tx, &mut fields, &body.posts).await?;
    let units = units(&mut tx, &mut fields, &body.units).await?;
    let grids = grids(&mut tx, &mut fields, &body.grids).await?;
    let enterprises = enterprises(&mut tx, &mut fields, &body.enterprises).await?;
    fields.check()?;
    let (Some(login), Some(name), Some(phone), Some(email), Some(locale)) =
        (login, name, phone, email, locale)
    else {
        return Err(bug("user"));
    };
    let user = tx
        .create_user(NewUser {
            login,
            name,
            phone,
            email,
            locale,
            roles,
            posts,
            units,
            grids,
            enterprises,
        })
        .await?;
    tx.commit().await?;
    tracing::info!(id = %user.id, login = %user.login, "user created");
    Ok(user)
}

/// Edits a user's profile, roles and memberships, or deactivates them (admins only).
#[utoipa::path(
    patch,
    path = "/users/{id}",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
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
    _admin: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UserPatchBody>,
) -> Result<Json<UserView>, Problem> {
    let id = path_id(id, "user", UserId::new)?;
    let user = update(&state, id, &body).await?;
    let codes = Codes::load_from(&state).await?;
    Ok(Json(view(user, &codes, true)))
}

/// Checks and applies a change to a user as `PATCH /users/{id}` does. Deactivating a user also
/// ends their web sessions (their password stays, for a later reactivation); the web pages'
/// edit form comes here too.
pub(crate) async fn update(
    state: &AppState,
    id: UserId,
    body: &UserPatchBody,
) -> Result<User, Problem> {
    let mut fields = Fields::default();
    let name = body
        .name
        .as_deref()
        .and_then(|raw| fields.take(Name::parse(raw)));
    let new_phone = body
        .phone
        .as_ref()
        .and_then(|raw| phone(&mut fields, raw.as_deref()));
    let new_email = body
        .email
        .as_ref()
        .and_then(|raw| email(&mut fields, raw.as_deref()));
    let new_locale = body
        .locale
        .as_deref()
        .and_then(|raw| locale(&mut fields, raw));
    bounded(
        &mut fields,
        state,
        &[
            ("roles", body.roles.as_ref().map_or(0, Vec::len)),
            ("posts", body.posts.as_ref().map_or(0, Vec::len)),
            ("units", body.units.as_ref().map_or(0, Vec::len)),
            ("grids", body.grids.as_ref().map_or(0, Vec::len)),
            ("enterprises", body.enterprises.as_ref().map_or(0, Vec::len)),
        ],
    )?;
    let new_roles = body.roles.as_deref().map(|raw| roles(&mut fields, raw));
    let mut tx = state.store.transaction().await?;
    let Some(before) = tx.user(id).await? else {
        return Err(Problem::not_found("user"));
    };
    let new_posts = match &body.posts {
        Some(raw) => Some(posts(&mut tx, &mut fields, raw).await?),
        None => None,
    };
    let new_units = match &body.units {
        Some(raw) => Some(units(&mut tx, &mut fields, raw).await?),
        None => None,
    };
    let new_grids = match &body.grids {
        Some(raw) => Some(grids(&mut tx, &mut fields, raw).await?),
        None => None,
    };
    let new_enterprises = match &body.enterprises {
        Some(raw) => Some(enterprises(&mut tx, &mut fields, raw).await?),
        None => None,
    };
    fields.check()?;
    let deactivating = before.active && body.active == Some(false);
    let user = tx
        .update_user(
            id,
            UserPatch {
                name,
                phone: new_phone,
                email: new_email,
                locale: new_locale,
                roles: new_roles,
                posts: new_posts,
                units: new_units,
                grids: new_grids,
                enterprises: new_enterprises,
                active: body.active,
            },
        )
        .await?;
    if deactivating {
        // In this transaction: a deactivated user is signed out everywhere at once.
        tx.end_sessions(id).await?;
    }
    tx.commit().await?;
    // Roles, memberships and `active` decide what every token of this user may do.
    state.callers.clear();
    tracing::info!(id = %user.id, active = user.active, "user updated");
    Ok(user)
}

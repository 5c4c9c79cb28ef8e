//! Users: the people who use gridloop, with their roles and what they belong to.
//!
//! Users are never deleted (their names stay on the history they made); deactivating one stops
//! every token they hold and ends their web sessions. The login is set once, at creation.

use gridloop_core::{
    Actor, Code, Email, EnterpriseId, GridId, Login, Name, ParseError, Phone, PostId, Role, Rule,
    UnitId, UserId,
};
use gridloop_store::{NewUser, Store, Tx, User, UserPatch};

use super::{grid_ref, require_admin, unit_ref};
use crate::error::{bug, no_such, too_many, AppError, Fields, Thing};
use crate::state::AppState;

/// The locales notifications are written in.
pub const LOCALES: &[&str] = &["zh-CN", "en"];

/// A new user as typed; they start active.
#[derive(Debug, Clone, Default)]
pub struct NewUserInput {
    pub login: String,
    pub name: String,
    /// Blank is none.
    pub phone: Option<String>,
    /// Blank is none.
    pub email: Option<String>,
    /// `zh-CN` (the default) or `en`.
    pub locale: Option<String>,
    pub roles: Vec<String>,
    /// Post codes.
    pub posts: Vec<String>,
    /// Unit codes.
    pub units: Vec<String>,
    /// Grid codes.
    pub grids: Vec<String>,
    pub enterprises: Vec<i64>,
}

/// Changes to a user as typed: `None` leaves a field as it is, a list replaces the whole list;
/// for `phone` and `email`, `Some(None)` clears them.
#[derive(Debug, Clone, Default)]
pub struct UserPatchInput {
    pub name: Option<String>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub locale: Option<String>,
    pub roles: Option<Vec<String>>,
    pub posts: Option<Vec<String>>,
    pub units: Option<Vec<String>>,
    pub grids: Option<Vec<String>>,
    pub enterprises: Option<Vec<i64>>,
    /// `false` deactivates the user, `true` reactivates.
    pub active: Option<bool>,
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
        fields.add(ParseError::new("locale", Rule::OneOf { allowed: LOCALES }));
        None
    }
}

/// Refuses (every list named) lists longer than `limits.list_max_items` before anything is
/// looked up: each entry is a query in the request's transaction.
fn bounded(
    fields: &mut Fields,
    state: &AppState,
    lists: &[(&'static str, usize)],
) -> Result<(), AppError> {
    let max = state.limits.list_max_items;
    let mut too_long = false;
    for &(name, len) in lists {
        if len > max {
            fields.add(too_many(name, len, max));
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
async fn posts(tx: &mut Tx, fields: &mut Fields, raw: &[String]) -> Result<Vec<PostId>, AppError> {
    let mut ids = Vec::new();
    for raw in raw {
        let Some(code) = fields.take(Code::parse_field("posts", raw)) else {
            continue;
        };
        match tx.post_by_code(&code).await? {
            Some(post) => ids.push(post.id),
            None => fields.add(no_such("posts", Thing::Post, &code)),
        }
    }
    Ok(ids)
}

async fn units(tx: &mut Tx, fields: &mut Fields, raw: &[String]) -> Result<Vec<UnitId>, AppError> {
    let mut ids = Vec::new();
    for raw in raw {
        if let Some(unit) = unit_ref(tx, fields, "units", raw).await? {
            ids.push(unit.id);
        }
    }
    Ok(ids)
}

async fn grids(tx: &mut Tx, fields: &mut Fields, raw: &[String]) -> Result<Vec<GridId>, AppError> {
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
) -> Result<Vec<EnterpriseId>, AppError> {
    let mut ids = Vec::new();
    for &raw in raw {
        let Some(id) = fields.take_as("enterprises", EnterpriseId::new(raw)) else {
            continue;
        };
        match tx.enterprise(id).await? {
            Some(e) => ids.push(e.id),
            None => fields.add(no_such("enterprises", Thing::Enterprise, id)),
        }
    }
    Ok(ids)
}

/// Creates an active user (admins only): every bad field in one [`AppError::Invalid`], a
/// taken login [`AppError::AlreadyExists`].
pub async fn create(
    state: &AppState,
    actor: &Actor,
    input: &NewUserInput,
) -> Result<User, AppError> {
    require_admin(actor)?;
    let mut fields = Fields::default();
    let login = fields.take(Login::parse(&input.login));
    let name = fields.take(Name::parse(&input.name));
    let phone = phone(&mut fields, input.phone.as_deref());
    let email = email(&mut fields, input.email.as_deref());
    let locale = locale(&mut fields, input.locale.as_deref().unwrap_or("zh-CN"));
    bounded(
        &mut fields,
        state,
        &[
            ("roles", input.roles.len()),
            ("posts", input.posts.len()),
            ("units", input.units.len()),
            ("grids", input.grids.len()),
            ("enterprises", input.enterprises.len()),
        ],
    )?;
    let roles = roles(&mut fields, &input.roles);
    let mut tx = state.store.transaction().await?;
    let posts = posts(&mut tx, &mut fields, &input.posts).await?;
    let units = units(&mut tx, &mut fields, &input.units).await?;
    let grids = grids(&mut tx, &mut fields, &input.grids).await?;
    let enterprises = enterprises(&mut tx, &mut fields, &input.enterprises).await?;
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

/// Changes a user's profile, roles and memberships, or deactivates them (admins only).
/// Deactivating a user also ends their web sessions (their password stays, for a later
/// reactivation). The last active admin can be neither deactivated nor demoted (the store's
/// check), so the park can always be administered.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: UserId,
    input: &UserPatchInput,
) -> Result<User, AppError> {
    require_admin(actor)?;
    let mut fields = Fields::default();
    let name = input
        .name
        .as_deref()
        .and_then(|raw| fields.take(Name::parse(raw)));
    let new_phone = input
        .phone
        .as_ref()
        .and_then(|raw| phone(&mut fields, raw.as_deref()));
    let new_email = input
        .email
        .as_ref()
        .and_then(|raw| email(&mut fields, raw.as_deref()));
    let new_locale = input
        .locale
        .as_deref()
        .and_then(|raw| locale(&mut fields, raw));
    bounded(
        &mut fields,
        state,
        &[
            ("roles", input.roles.as_ref().map_or(0, Vec::len)),
            ("posts", input.posts.as_ref().map_or(0, Vec::len)),
            ("units", input.units.as_ref().map_or(0, Vec::len)),
            ("grids", input.grids.as_ref().map_or(0, Vec::len)),
            (
                "enterprises",
                input.enterprises.as_ref().map_or(0, Vec::len),
            ),
        ],
    )?;
    let new_roles = input.roles.as_deref().map(|raw| roles(&mut fields, raw));
    let mut tx = state.store.transaction().await?;
    let Some(before) = tx.user(id).await? else {
        return Err(AppError::NotFound(Thing::User));
    };
    let new_posts = match &input.posts {
        Some(raw) => Some(posts(&mut tx, &mut fields, raw).await?),
        None => None,
    };
    let new_units = match &input.units {
        Some(raw) => Some(units(&mut tx, &mut fields, raw).await?),
        None => None,
    };
    let new_grids = match &input.grids {
        Some(raw) => Some(grids(&mut tx, &mut fields, raw).await?),
        None => None,
    };
    let new_enterprises = match &input.enterprises {
        Some(raw) => Some(enterprises(&mut tx, &mut fields, raw).await?),
        None => None,
    };
    fields.check()?;
    let deactivating = before.active && input.active == Some(false);
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
                active: input.active,
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

/// Every user, active or not, in id order.
pub async fn list(store: &Store) -> Result<Vec<User>, AppError> {
    Ok(store.users().await?)
}

/// One user, active or not.
pub async fn get(store: &Store, id: UserId) -> Result<User, AppError> {
    store.user(id).await?.ok_or(AppError::NotFound(Thing::User))
}

/// Whether `actor` may see `user`'s phone and email in full: admins and the person themselves
/// do; everyone else sees them masked, as logs do, for they are personal data.
pub fn sees_contacts(actor: &Actor, user: UserId) -> bool {
    actor.has_role(Role::Admin) || actor.user == user
}

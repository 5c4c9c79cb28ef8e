//! Admin: users. Create one with roles and what the roles need (posts for post members, units
//! for unit members and heads, grids for commissioners, enterprises for enterprise contacts),
//! edit their profile, roles and memberships, deactivate or reactivate them, and set their
//! password. Checked by the same use cases as `POST` and `PATCH /api/v1/users`
//! (`gridloop_app::reference::users`).
//!
//! Phone numbers and emails are personal data: the list shows them masked, the edit page (an
//! admin's) in full, and no log line carries them.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use gridloop_app::passwords;
use gridloop_app::reference::users::{self as app, NewUserInput, UserPatchInput};
use gridloop_app::reference::{enterprises, grids, posts, units};
use gridloop_app::store::User;
use gridloop_app::AppError;
use gridloop_core::{Role, UserId};
use minijinja::context;
use serde::Serialize;

use super::{links, refusal, row, Outcome, Saved, Table};
use crate::form::{Fields, WebForm};
use crate::render::{page_with, see_other, PageError};
use crate::session::Viewer;
use gridloop_app::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users/{id}", get(edit_page).post(edit))
        .route("/admin/users/{id}/password", post(set_password))
}

/// The reference data a user may belong to: `(value, label)` for the selects, in id order.
#[derive(Debug, Serialize)]
struct Memberships {
    roles: Vec<&'static str>,
    posts: Vec<(String, String)>,
    units: Vec<(String, String)>,
    grids: Vec<(String, String)>,
    enterprises: Vec<(String, String)>,
}

impl Memberships {
    async fn load(state: &AppState) -> Result<Self, PageError> {
        Ok(Self {
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            posts: posts::list(&state.store, None)
                .await?
                .into_iter()
                .map(|p| (p.code.to_string(), format!("{} {}", p.code, p.name)))
                .collect(),
            units: units::list(&state.store)
                .await?
                .into_iter()
                .map(|u| (u.code.to_string(), format!("{} {}", u.code, u.name)))
                .collect(),
            grids: grids::list(&state.store)
                .await?
                .into_iter()
                .map(|g| (g.code.to_string(), format!("{} {}", g.code, g.name)))
                .collect(),
            enterprises: enterprises::list(&state.store, None, None)
                .await?
                .into_iter()
                .map(|e| (e.id.to_string(), e.name.to_string()))
                .collect(),
        })
    }
}

/// The options of the user form's selects and boxes.
pub(super) async fn options(state: &AppState) -> Result<minijinja::Value, PageError> {
    Ok(minijinja::Value::from_serialize(
        Memberships::load(state).await?,
    ))
}

/// Every user, active or not; each login links to the user's page.
pub(super) async fn table(state: &AppState, viewer: &Viewer) -> Result<Table, PageError> {
    // Phone numbers and emails are shown masked: a list on a screen is a list seen.
    let rows = app::list(&state.store)
        .await?
        .into_iter()
        .map(|u| {
            let contact = [
                u.phone.as_ref().map(|p| p.masked()),
                u.email.as_ref().map(|e| e.masked()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            let mut r = row(vec![
                u.login.to_string(),
                u.name.to_string(),
                u.roles
                    .iter()
                    .map(|r| viewer.t(&format!("role_{}", r.as_str())))
                    .collect::<Vec<_>>()
                    .join(", "),
                viewer.t(if u.active { "yes" } else { "no" }).to_owned(),
                contact,
            ]);
            r.href = Some(format!("/admin/users/{}", u.id));
            r
        })
        .collect();
    Ok(Table::new(
        vec!["login", "name", "roles", "active", "channel"],
        rows,
    ))
}

fn owned(values: Vec<&str>) -> Vec<String> {
    values.into_iter().map(str::to_owned).collect()
}

/// Enterprise ids as posted; one that is not a number becomes 0, which the use case refuses by
/// name like any other id that names nothing.
fn enterprise_ids(fields: &Fields) -> Vec<i64> {
    fields
        .all("enterprises")
        .into_iter()
        .map(|e| e.parse().unwrap_or(0))
        .collect()
}

/// `POST /admin/users`: a new, active user.
pub(super) async fn create(
    state: &AppState,
    viewer: &Viewer,
    fields: &Fields,
) -> Result<Result<(), String>, PageError> {
    let text = |name| fields.get(name).map(str::to_owned);
    let input = NewUserInput {
        login: text("login").unwrap_or_default(),
        name: text("name").unwrap_or_default(),
        phone: text("phone"),
        email: text("email"),
        locale: text("locale"),
        roles: owned(fields.all("roles")),
        posts: owned(fields.all("posts")),
        units: owned(fields.all("units")),
        grids: owned(fields.all("grids")),
        enterprises: enterprise_ids(fields),
    };
    match app::create(state, &viewer.actor, &input).await {
        Ok(_) => Ok(Ok(())),
        Err(e) => refusal(viewer, e).map(Err),
    }
}

fn user_id(raw: i64) -> Result<UserId, PageError> {
    UserId::new(raw).map_err(|_| PageError::NotFound)
}

async fn load(state: &AppState, id: i64) -> Result<User, PageError> {
    Ok(app::get(&state.store, user_id(id)?).await?)
}

/// The user as the edit form shows them: the single fields, and the lists of the boxes and
/// multiple selects.
async fn as_form(
    state: &AppState,
    user: &User,
) -> Result<(BTreeMap<String, String>, BTreeMap<String, Vec<String>>), PageError> {
    let mut form = BTreeMap::new();
    form.insert("name".to_owned(), user.name.to_string());
    if let Some(phone) = &user.phone {
        form.insert("phone".to_owned(), phone.as_str().to_owned());
    }
    if let Some(email) = &user.email {
        form.insert("email".to_owned(), email.as_str().to_owned());
    }
    form.insert("locale".to_owned(), user.locale.clone());
    if user.active {
        form.insert("active".to_owned(), "on".to_owned());
    }
    let posts = posts::list(&state.store, None).await?;
    let units = units::list(&state.store).await?;
    let grids = grids::list(&state.store).await?;
    let mut lists = BTreeMap::new();
    lists.insert(
        "roles".to_owned(),
        user.roles.iter().map(|r| r.as_str().to_owned()).collect(),
    );
    lists.insert(
        "posts".to_owned(),
        posts
            .iter()
            .filter(|p| user.posts.contains(&p.id))
            .map(|p| p.code.to_string())
            .collect(),
    );
    lists.insert(
        "units".to_owned(),
        units
            .iter()
            .filter(|u| user.units.contains(&u.id))
            .map(|u| u.code.to_string())
            .collect(),
    );
    lists.insert(
        "grids".to_owned(),
        grids
            .iter()
            .filter(|g| user.grids.contains(&g.id))
            .map(|g| g.code.to_string())
            .collect(),
    );
    lists.insert(
        "enterprises".to_owned(),
        user.enterprises.iter().map(|e| e.to_string()).collect(),
    );
    Ok((form, lists))
}

/// The edit page: the profile form and the password form.
async fn page(
    state: &AppState,
    viewer: &Viewer,
    user: &User,
    outcome: Outcome,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (form, lists, error, saved) = match outcome {
        // A refused password form echoes nothing (passwords never are): the profile as stored.
        Outcome::Failed(fields, error) if !fields.echo().is_empty() => {
            (fields.echo(), fields.echo_lists(), Some(error), false)
        }
        Outcome::Failed(_, error) => {
            let (form, lists) = as_form(state, user).await?;
            (form, lists, Some(error), false)
        }
        Outcome::Saved => {
            let (form, lists) = as_form(state, user).await?;
            (form, lists, None, true)
        }
        Outcome::Blank => {
            let (form, lists) = as_form(state, user).await?;
            (form, lists, None, false)
        }
    };
    let heading = format!("{} {} ({})", viewer.t("edit_user"), user.name, user.login);
    let ctx = context! {
        sections => links(),
        section => "users",
        heading => heading,
        kind => "user",
        action => format!("/admin/users/{}", user.id),
        options => options(state).await?,
        form,
        lists,
        error,
        saved,
        ..viewer.base(&heading)
    };
    page_with(status, "admin_edit.html", ctx)
}

/// `GET /admin/users/{id}`.
async fn edit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    axum::extract::Query(saved): axum::extract::Query<Saved>,
) -> Result<Response, PageError> {
    viewer.require(&[Role::Admin])?;
    let user = load(&state, id).await?;
    let outcome = if saved.saved.is_some() {
        Outcome::Saved
    } else {
        Outcome::Blank
    };
    page(&state, &viewer, &user, outcome, StatusCode::OK).await
}

/// `POST /admin/users/{id}`: the profile, roles, memberships and the active flag, all as the
/// form shows them. Deactivating ends the user's web sessions.
#[tracing::instrument(name = "web_admin_edit_user", skip_all, fields(user_id = %form.viewer.user.id, target = id))]
async fn edit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(&[Role::Admin])?;
    let user = load(&state, id).await?;
    let text = |name| fields.get(name).map(str::to_owned);
    let input = UserPatchInput {
        name: Some(text("name").unwrap_or_default()),
        phone: Some(text("phone")),
        email: Some(text("email")),
        locale: Some(text("locale").unwrap_or_else(|| "zh-CN".to_owned())),
        roles: Some(owned(fields.all("roles"))),
        posts: Some(owned(fields.all("posts"))),
        units: Some(owned(fields.all("units"))),
        grids: Some(owned(fields.all("grids"))),
        enterprises: Some(enterprise_ids(&fields)),
        active: Some(fields.get("active").is_some()),
    };
    match app::update(&state, &viewer.actor, user.id, &input).await {
        Ok(_) => Ok(see_other(&format!("/admin/users/{id}?saved"))),
        Err(e) => {
            let message = refusal(&viewer, e)?;
            page(
                &state,
                &viewer,
                &user,
                Outcome::Failed(fields, message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /admin/users/{id}/password`: an admin sets the user's password (typed twice); every
/// web session of theirs ends with it.
#[tracing::instrument(name = "web_admin_set_password", skip_all, fields(user_id = %form.viewer.user.id, target = id))]
async fn set_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(&[Role::Admin])?;
    let user = load(&state, id).await?;
    let secret = fields.raw("password").unwrap_or_default().to_owned();
    let refuse = |key: &str| format!("{} {}", viewer.t("not_saved"), viewer.t(key));
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let failed = if fields.raw("password_again") != Some(secret.as_str()) {
        Some(refuse("passwords_differ"))
    } else if let Err(e) = passwords::check(&secret) {
        Some(refuse(match e {
            passwords::PasswordError::TooLong => "password_too_long",
            _ => "password_too_short",
        }))
    } else {
        match passwords::set(&state.store, &state.web.passwords, user.id, secret).await {
            Ok(()) => None,
            Err(AppError::Busy { .. }) => {
                status = StatusCode::SERVICE_UNAVAILABLE;
                Some(refuse("busy"))
            }
            Err(e) => return Err(e.into()),
        }
    };
    match failed {
        None => {
            tracing::info!("password set from the web; the user's sessions ended");
            Ok(see_other(&format!("/admin/users/{id}?saved")))
        }
        Some(message) => {
            let mut response = page(
                &state,
                &viewer,
                &user,
                Outcome::Failed(fields, message),
                status,
            )
            .await?;
            if status == StatusCode::SERVICE_UNAVAILABLE {
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    state.web.passwords.retry_after_secs().into(),
                );
            }
            Ok(response)
        }
    }
}

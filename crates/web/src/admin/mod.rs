//! Admins: the park's reference data without the command line. Lists of grids, posts,
//! enterprises, units, users, categories with their SLAs, visit plans, schedules and
//! dead-lettered notifications; create forms for all but the last two; edit pages for users
//! (roles, contacts, active, a password) and categories (SLA per priority, default unit);
//! pause and resume for visit plans and schedules; the working calendar, a day changed with a
//! click; reference data imported from a spreadsheet. Everything goes through the app's use cases and store methods the JSON API and the
//! CLI use, so a form is checked exactly as the API checks the same request, and a refusal is
//! said in the page's language (`messages`).
//!
//! # Layout
//!
//! - this file: the index, the lists, grids/posts/enterprises/units, notifications.
//! - [`users`], [`categories`], [`visit_plans`], [`schedules`], [`calendar`], [`import`]: one
//!   section each (`calendar` also tells the dashboard whether next year's calendar is
//!   missing; `import` takes a workbook, shows its dry run and imports it when confirmed).

pub(crate) mod calendar;
mod categories;
mod import;
mod schedules;
mod users;
mod visit_plans;

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use gridloop_app::notifications;
use gridloop_app::reference::enterprises::{self, NewEnterpriseInput};
use gridloop_app::reference::grids::{self, NewGridInput};
use gridloop_app::reference::posts::{self, NewPostInput};
use gridloop_app::reference::units::{self, NewUnitInput};
use gridloop_app::{AppError, AppState};
use gridloop_core::Role;
use minijinja::context;
use serde::Serialize;

use crate::form::{Fields, WebForm};
use crate::issue::Directory;
use crate::messages;
use crate::render::{page_with, see_other, PageError};
use crate::session::Viewer;

/// The sections, in the index's order: (path segment, label key).
const SECTIONS: &[(&str, &str)] = &[
    ("grids", "admin_grids"),
    ("posts", "admin_posts"),
    ("enterprises", "admin_enterprises"),
    ("units", "admin_units"),
    ("users", "admin_users"),
    ("categories", "admin_categories"),
    ("visit-plans", "admin_visit_plans"),
    ("schedules", "admin_schedules"),
    ("calendar", "admin_calendar"),
    ("import", "admin_import"),
    ("notifications", "admin_notifications"),
];

/// How many dead notifications the list shows.
const DEAD_LIMIT: u32 = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index))
        .route("/admin/{section}", get(section).post(create))
        .route("/admin/notifications/{id}/retry", post(retry))
        .merge(users::routes())
        .merge(categories::routes())
        .merge(visit_plans::routes())
        .merge(schedules::routes())
        .merge(calendar::routes())
        .merge(import::routes())
}

#[derive(Debug, Serialize)]
struct Link {
    href: String,
    key: &'static str,
}

#[derive(Debug, Default, Serialize)]
struct Table {
    headers: Vec<&'static str>,
    rows: Vec<TableRow>,
    /// Whether any row has buttons (the table then has an actions column).
    actions: bool,
}

impl Table {
    fn new(headers: Vec<&'static str>, rows: Vec<TableRow>) -> Self {
        let actions = rows.iter().any(|r| !r.actions.is_empty());
        Self {
            headers,
            rows,
            actions,
        }
    }
}

#[derive(Debug, Serialize)]
struct TableRow {
    cells: Vec<String>,
    /// The row's own page, linked from its first cell.
    href: Option<String>,
    /// The row's buttons, each a small form.
    actions: Vec<RowAction>,
}

/// A button on a row: a form posting to `action`, with the hidden `name` field when set.
#[derive(Debug, Serialize)]
struct RowAction {
    action: String,
    /// The label's key.
    label: &'static str,
    danger: bool,
    name: Option<String>,
}

impl RowAction {
    fn new(action: String, label: &'static str) -> Self {
        Self {
            action,
            label,
            danger: false,
            name: None,
        }
    }
}

/// A section's page beyond its table: the options of its form's selects, and what a blank
/// form starts with.
#[derive(Debug, Default)]
struct Extra {
    options: Option<minijinja::Value>,
    defaults: BTreeMap<String, String>,
}

/// `?saved` after a change: the page says so.
#[derive(Debug, Default, serde::Deserialize)]
struct Saved {
    saved: Option<String>,
}

/// One field of a create form.
#[derive(Debug, Serialize)]
struct Input {
    name: &'static str,
    label: &'static str,
    options: Option<Vec<(String, String)>>,
}

fn links() -> Vec<Link> {
    SECTIONS
        .iter()
        .map(|(path, key)| Link {
            href: format!("/admin/{path}"),
            key,
        })
        .collect()
}

/// `GET /admin`.
async fn index(viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(&[Role::Admin])?;
    let ctx = context! {
        sections => links(),
        heading => viewer.t("admin_title"),
        ..viewer.base(viewer.t("admin_title"))
    };
    page_with(StatusCode::OK, "admin.html", ctx)
}

/// `GET /admin/{section}`.
async fn section(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
    Query(saved): Query<Saved>,
) -> Result<Response, PageError> {
    viewer.require(&[Role::Admin])?;
    let outcome = match saved.saved {
        Some(_) => Outcome::Saved,
        None => Outcome::Blank,
    };
    render(&state, &viewer, &name, outcome, StatusCode::OK).await
}

fn row(cells: Vec<String>) -> TableRow {
    TableRow {
        cells,
        href: None,
        actions: Vec::new(),
    }
}

/// How a section's page comes to be shown.
#[derive(Debug)]
enum Outcome {
    Blank,
    /// After a change that was made.
    Saved,
    /// A form refused: what was typed, and why.
    Failed(Fields, String),
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    outcome: Outcome,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (_, heading) = SECTIONS
        .iter()
        .find(|(path, _)| *path == name)
        .ok_or(PageError::NotFound)?;
    let names = Directory::load(state).await?;
    let grids = grids::list(&state.store).await?;
    let grid_code = |id| {
        grids
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.code.to_string())
            .unwrap_or_default()
    };
    let grid_options = || {
        Some(
            grids
                .iter()
                .map(|g| (g.code.to_string(), format!("{} {}", g.code, g.name)))
                .collect(),
        )
    };
    let text = |name, label| Input {
        name,
        label,
        options: None,
    };
    let mut inputs: Vec<Input> = Vec::new();
    let mut extra = Extra::default();
    let table = match name {
        "grids" => {
            inputs = vec![text("code", "code"), text("name", "name")];
            Table::new(
                vec!["code", "name"],
                grids
                    .iter()
                    .map(|g| row(vec![g.code.to_string(), g.name.to_string()]))
                    .collect(),
            )
        }
        "posts" => {
            inputs = vec![
                text("code", "code"),
                text("name", "name"),
                Input {
                    name: "grid",
                    label: "grid",
                    options: grid_options(),
                },
            ];
            Table::new(
                vec!["code", "name", "grid"],
                posts::list(&state.store, None)
                    .await?
                    .into_iter()
                    .map(|p| {
                        row(vec![
                            p.code.to_string(),
                            p.name.to_string(),
                            grid_code(p.grid),
                        ])
                    })
                    .collect(),
            )
        }
        "enterprises" => {
            inputs = vec![
                text("name", "name"),
                Input {
                    name: "grid",
                    label: "grid",
                    options: grid_options(),
                },
                text("address", "address"),
                text("credit_code", "credit_code"),
            ];
            Table::new(
                vec!["col_issue", "name", "credit_code", "grid", "address"],
                enterprises::list(&state.store, None, None)
                    .await?
                    .into_iter()
                    .map(|e| {
                        row(vec![
                            e.id.to_string(),
                            e.name.to_string(),
                            e.credit_code.map(String::from).unwrap_or_default(),
                            grid_code(e.grid),
                            e.address.unwrap_or_default(),
                        ])
                    })
                    .collect(),
            )
        }
        "units" => {
            inputs = vec![text("code", "code"), text("name", "name")];
            Table::new(
                vec!["code", "name"],
                names
                    .units()
                    .iter()
                    .map(|u| row(vec![u.code.to_string(), u.name.to_string()]))
                    .collect(),
            )
        }
        "users" => {
            extra.options = Some(users::options(state).await?);
            users::table(state, viewer).await?
        }
        "categories" => {
            extra.options = Some(categories::options(&names));
            categories::table(viewer, &names)
        }
        "visit-plans" => {
            let (options, defaults) = visit_plans::form(state).await?;
            extra = Extra {
                options: Some(options),
                defaults,
            };
            visit_plans::table(state, viewer, &names).await?
        }
        "schedules" => schedules::table(state, viewer).await?,
        "notifications" => Table::new(
            vec!["col_issue", "channel", "recipient", "attempts", "error"],
            notifications::dead(state, &viewer.actor, DEAD_LIMIT)
                .await?
                .into_iter()
                .map(|n| TableRow {
                    cells: vec![
                        n.issue_id.map(|i| format!("#{i}")).unwrap_or_default(),
                        format!("{} · {}", n.channel, n.kind.stored_name()),
                        gridloop_app::delivery::masked_address(n.channel.as_str(), &n.address),
                        n.attempts.to_string(),
                        n.last_error.unwrap_or_default(),
                    ],
                    href: None,
                    actions: vec![RowAction::new(
                        format!("/admin/notifications/{}/retry", n.id),
                        "retry",
                    )],
                })
                .collect(),
        ),
        _ => return Err(PageError::NotFound),
    };
    let (form, lists, error, saved) = match outcome {
        Outcome::Failed(fields, error) => (fields.echo(), fields.echo_lists(), Some(error), false),
        Outcome::Saved => (extra.defaults, BTreeMap::new(), None, true),
        Outcome::Blank => (extra.defaults, BTreeMap::new(), None, false),
    };
    let ctx = context! {
        sections => links(),
        section => name,
        heading => viewer.t(heading),
        table,
        inputs,
        options => extra.options,
        form,
        lists,
        error,
        saved,
        ..viewer.base(viewer.t(heading))
    };
    page_with(status, "admin.html", ctx)
}

/// `POST /admin/{section}`: creates a grid, post, enterprise, unit, user, category or visit
/// plan.
#[tracing::instrument(name = "web_admin_create", skip_all, fields(user_id = %form.viewer.user.id, section = %name))]
async fn create(
    State(state): State<AppState>,
    Path(name): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(&[Role::Admin])?;
    let result: Result<(), String> = match name.as_str() {
        "grids" | "units" | "posts" | "enterprises" => {
            create_simple(&state, &viewer, &name, &fields).await?
        }
        "users" => users::create(&state, &viewer, &fields).await?,
        "categories" => categories::create(&state, &viewer, &fields).await?,
        "visit-plans" => visit_plans::create(&state, &viewer, &fields).await?,
        _ => return Err(PageError::NotFound),
    };
    match result {
        Ok(()) => {
            tracing::info!("reference data created from the web");
            Ok(see_other(&format!("/admin/{name}?saved")))
        }
        Err(message) => {
            render(
                &state,
                &viewer,
                &name,
                Outcome::Failed(fields, message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Creates a grid, unit, post or enterprise from its form through the app's use case, as the
/// API does; `Ok(Err(message))` when refused. The form names no chain: a park with one chain
/// needs none (the app's rule).
async fn create_simple(
    state: &AppState,
    viewer: &Viewer,
    section: &str,
    fields: &Fields,
) -> Result<Result<(), String>, PageError> {
    let text = |name| fields.get(name).unwrap_or_default().to_owned();
    let actor = &viewer.actor;
    let done = match section {
        "grids" => {
            let input = NewGridInput {
                code: text("code"),
                name: text("name"),
                chain: fields.get("chain").map(str::to_owned),
            };
            grids::create(state, actor, &input).await.map(drop)
        }
        "units" => {
            let input = NewUnitInput {
                code: text("code"),
                name: text("name"),
            };
            units::create(state, actor, &input).await.map(drop)
        }
        "posts" => {
            let input = NewPostInput {
                code: text("code"),
                name: text("name"),
                grid: text("grid"),
            };
            posts::create(state, actor, &input).await.map(drop)
        }
        _ => {
            let input = NewEnterpriseInput {
                name: text("name"),
                grid: text("grid"),
                address: fields.get("address").map(str::to_owned),
                credit_code: fields.get("credit_code").map(str::to_owned),
            };
            enterprises::create(state, actor, &input).await.map(drop)
        }
    };
    match done {
        Ok(()) => Ok(Ok(())),
        Err(e) => refusal(viewer, e).map(Err),
    }
}

/// Why a use case refused a form, as the form's message in the viewer's language; `Err` for
/// what is no fault of the form (the database, the server: logged where it happened).
fn refusal(viewer: &Viewer, e: AppError) -> Result<String, PageError> {
    match e {
        AppError::NotPermitted { .. }
        | AppError::OutOfScope { .. }
        | AppError::Unavailable
        | AppError::Internal => Err(e.into()),
        e => Ok(format!(
            "{} {}",
            viewer.t("not_saved"),
            messages::text(viewer.locale, &e)
        )),
    }
}

/// A whole number of minutes typed into a form; blank is none, anything else not a number is
/// the form's message.
fn minutes(viewer: &Viewer, field: &str, raw: Option<&str>) -> Result<Option<u32>, String> {
    match raw {
        None => Ok(None),
        Some(raw) => raw.parse::<u32>().map(Some).map_err(|_| {
            format!(
                "{} {field}: '{raw}' {}",
                viewer.t("not_saved"),
                viewer.t("not_minutes")
            )
        }),
    }
}

/// `POST /admin/notifications/{id}/retry`: a dead notification goes back to the queue.
async fn retry(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: WebForm,
) -> Result<Response, PageError> {
    form.viewer.require(&[Role::Admin])?;
    notifications::retry(&state, &form.viewer.actor, id).await?;
    tracing::info!(notification = id, "notification retried from the web");
    Ok(see_other("/admin/notifications?saved"))
}

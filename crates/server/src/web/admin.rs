//! Admins: the reference data as lists (grids, posts, enterprises, units, users, categories with
//! their SLAs, visit plans, schedules), create forms where the JSON API creates the same thing
//! simply (grids, posts, enterprises, units), and dead-lettered notifications with a retry
//! button. Everything goes through the store methods the API and the CLI use.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use gridloop_core::{Code, Name, Role};
use gridloop_store::{NewEnterprise, NewGrid, NewPost, NewUnit, NotificationState, StoreError};
use minijinja::context;
use serde::Serialize;

use crate::http::state::AppState;
use crate::web::form::{Fields, WebForm};
use crate::web::issue::Names;
use crate::web::render::{local_time, page_with, see_other, PageError};
use crate::web::session::Viewer;

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
    ("notifications", "admin_notifications"),
];

/// How many dead notifications the list shows.
const DEAD_LIMIT: u32 = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index))
        .route("/admin/{section}", get(section).post(create))
        .route("/admin/notifications/{id}/retry", post(retry))
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
}

#[derive(Debug, Serialize)]
struct TableRow {
    cells: Vec<String>,
    /// A dead notification's id, for its retry button.
    retry: Option<i64>,
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
) -> Result<Response, PageError> {
    viewer.require(&[Role::Admin])?;
    render(&state, &viewer, &name, None, StatusCode::OK).await
}

fn row(cells: Vec<String>) -> TableRow {
    TableRow { cells, retry: None }
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    failed: Option<(Fields, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (_, heading) = SECTIONS
        .iter()
        .find(|(path, _)| *path == name)
        .ok_or(PageError::NotFound)?;
    let tz = state.workflow.calendar().tz();
    let names = Names::load(state).await?;
    let grids = state.store.grids().await?;
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
    let mut table = Table::default();
    let mut inputs: Vec<Input> = Vec::new();
    match name {
        "grids" => {
            table.headers = vec!["code", "name"];
            table.rows = grids
                .iter()
                .map(|g| row(vec![g.code.to_string(), g.name.to_string()]))
                .collect();
            inputs = vec![text("code", "code"), text("name", "name")];
        }
        "posts" => {
            table.headers = vec!["code", "name", "grid"];
            table.rows = state
                .store
                .posts(None)
                .await?
                .into_iter()
                .map(|p| {
                    row(vec![
                        p.code.to_string(),
                        p.name.to_string(),
                        grid_code(p.grid),
                    ])
                })
                .collect();
            inputs = vec![
                text("code", "code"),
                text("name", "name"),
                Input {
                    name: "grid",
                    label: "grid",
                    options: grid_options(),
                },
            ];
        }
        "enterprises" => {
            table.headers = vec!["col_issue", "name", "grid", "address"];
            table.rows = state
                .store
                .enterprises(None)
                .await?
                .into_iter()
                .map(|e| {
                    row(vec![
                        e.id.to_string(),
                        e.name.to_string(),
                        grid_code(e.grid),
                        e.address.unwrap_or_default(),
                    ])
                })
                .collect();
            inputs = vec![
                text("name", "name"),
                Input {
                    name: "grid",
                    label: "grid",
                    options: grid_options(),
                },
                text("address", "address"),
            ];
        }
        "units" => {
            table.headers = vec!["code", "name"];
            table.rows = names
                .units()
                .iter()
                .map(|u| row(vec![u.code.to_string(), u.name.to_string()]))
                .collect();
            inputs = vec![text("code", "code"), text("name", "name")];
        }
        "users" => {
            // Phone numbers and emails are shown masked: a list on a screen is a list seen.
            table.headers = vec!["login", "name", "roles", "active", "channel"];
            table.rows = state
                .store
                .users()
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
                    row(vec![
                        u.login.to_string(),
                        u.name.to_string(),
                        u.roles
                            .iter()
                            .map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        viewer.t(if u.active { "yes" } else { "no" }).to_owned(),
                        contact,
                    ])
                })
                .collect();
        }
        "categories" => {
            table.headers = vec!["code", "name", "default_unit", "sla"];
            table.rows = names
                .categories()
                .iter()
                .map(|c| {
                    let slas = c
                        .slas
                        .iter()
                        .map(|(p, s)| {
                            format!(
                                "{}: {}/{}",
                                viewer.t(&format!("priority_{}", p.as_str())),
                                s.response_minutes(),
                                s.resolve_minutes()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    row(vec![
                        c.code.to_string(),
                        c.name.to_string(),
                        c.default_unit
                            .and_then(|u| names.unit(u))
                            .map(|u| u.name.to_string())
                            .unwrap_or_default(),
                        slas,
                    ])
                })
                .collect();
        }
        "visit-plans" => {
            let users = state.store.users().await?;
            table.headers = vec!["enterprise", "commissioner", "cron", "active"];
            table.rows = state
                .store
                .visit_plans(None)
                .await?
                .into_iter()
                .map(|p| {
                    row(vec![
                        names.enterprise(p.enterprise),
                        users
                            .iter()
                            .find(|u| u.id == p.commissioner)
                            .map(|u| u.login.to_string())
                            .unwrap_or_default(),
                        format!("{} ({})", p.plan.schedule().expr, p.plan.schedule().tz),
                        viewer
                            .t(if p.plan.is_active() { "yes" } else { "no" })
                            .to_owned(),
                    ])
                })
                .collect();
        }
        "schedules" => {
            table.headers = vec!["name", "job", "cron", "next_fire", "paused"];
            table.rows = state
                .store
                .schedules()
                .await?
                .into_iter()
                .map(|s| {
                    row(vec![
                        s.name,
                        s.job_kind,
                        format!("{} ({})", s.schedule.expr, s.schedule.tz),
                        s.next_fire_at
                            .map(|t| local_time(t, tz))
                            .unwrap_or_default(),
                        viewer.t(if s.paused { "yes" } else { "no" }).to_owned(),
                    ])
                })
                .collect();
        }
        "notifications" => {
            table.headers = vec!["col_issue", "channel", "recipient", "attempts", "error"];
            table.rows = state
                .store
                .notifications(Some(NotificationState::Dead), DEAD_LIMIT)
                .await?
                .into_iter()
                .map(|n| TableRow {
                    cells: vec![
                        n.issue_id.map(|i| format!("#{i}")).unwrap_or_default(),
                        format!("{} · {}", n.channel, n.template),
                        crate::notify::masked_address(&n.channel, &n.address),
                        n.attempts.to_string(),
                        n.last_error.unwrap_or_default(),
                    ],
                    retry: Some(n.id),
                })
                .collect();
        }
        _ => return Err(PageError::NotFound),
    }
    let (form, error) = match failed {
        Some((fields, error)) => (fields.echo(), Some(error)),
        None => (Default::default(), None),
    };
    let ctx = context! {
        sections => links(),
        section => name,
        heading => viewer.t(heading),
        table,
        inputs,
        form,
        error,
        ..viewer.base(viewer.t(heading))
    };
    page_with(status, "admin.html", ctx)
}

/// `POST /admin/{section}`: creates a grid, post, enterprise or unit.
#[tracing::instrument(name = "web_admin_create", skip_all, fields(user_id = %form.viewer.user.id, section = %name))]
async fn create(
    State(state): State<AppState>,
    Path(name): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(&[Role::Admin])?;
    let code = || Code::parse(fields.get("code").unwrap_or_default());
    let name_field = || Name::parse(fields.get("name").unwrap_or_default());
    let grid = match fields.get("grid") {
        Some(raw) => match Code::parse_field("grid", raw) {
            Ok(code) => state.store.grid_by_code(&code).await?,
            Err(_) => None,
        },
        None => None,
    };
    let result: Result<(), String> = match name.as_str() {
        "grids" => match (code(), name_field(), state.store.chains().await?.first()) {
            (Ok(code), Ok(name), Some(chain)) => state
                .store
                .create_grid(NewGrid {
                    code,
                    name,
                    chain: chain.id,
                })
                .await
                .map(|_| ())
                .map_err(describe),
            (Err(e), _, _) | (_, Err(e), _) => Err(e.to_string()),
            (_, _, None) => Err("no chain".to_owned()),
        },
        "units" => match (code(), name_field()) {
            (Ok(code), Ok(name)) => state
                .store
                .create_unit(NewUnit { code, name })
                .await
                .map(|_| ())
                .map_err(describe),
            (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
        },
        "posts" => match (code(), name_field(), grid) {
            (Ok(code), Ok(name), Some(grid)) => state
                .store
                .create_post(NewPost {
                    code,
                    name,
                    grid: grid.id,
                })
                .await
                .map(|_| ())
                .map_err(describe),
            (Err(e), _, _) | (_, Err(e), _) => Err(e.to_string()),
            (_, _, None) => Err(format!("{}: {}", viewer.t("grid"), viewer.t("choose"))),
        },
        "enterprises" => match (name_field(), grid) {
            (Ok(name), Some(grid)) => state
                .store
                .create_enterprise(NewEnterprise {
                    name,
                    grid: grid.id,
                    address: fields.get("address").map(str::to_owned),
                })
                .await
                .map(|_| ())
                .map_err(describe),
            (Err(e), _) => Err(e.to_string()),
            (_, None) => Err(format!("{}: {}", viewer.t("grid"), viewer.t("choose"))),
        },
        _ => return Err(PageError::NotFound),
    };
    match result {
        Ok(()) => {
            tracing::info!("reference data created from the web");
            Ok(see_other(&format!("/admin/{name}")))
        }
        Err(message) => {
            render(
                &state,
                &viewer,
                &name,
                Some((fields, message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A store refusal as the form's message; anything else is logged and shown generically.
fn describe(e: StoreError) -> String {
    match e {
        StoreError::AlreadyExists { what, key } => format!("{what} '{key}' already exists"),
        StoreError::Invalid(list) => list
            .iter()
            .map(|e| format!("{}: {}", e.field(), e.message()))
            .collect::<Vec<_>>()
            .join("; "),
        StoreError::NotFound { what, key } => format!("no {what} {key}"),
        other => {
            tracing::error!(error = %other, "creating reference data failed");
            "internal error; it was logged".to_owned()
        }
    }
}

/// `POST /admin/notifications/{id}/retry`: a dead notification goes back to the queue.
async fn retry(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: WebForm,
) -> Result<Response, PageError> {
    form.viewer.require(&[Role::Admin])?;
    state
        .store
        .retry_notification(id, state.clock.now())
        .await?;
    tracing::info!(notification = id, "notification retried from the web");
    Ok(see_other("/admin/notifications"))
}

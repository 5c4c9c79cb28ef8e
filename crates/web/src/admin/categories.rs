//! Admin: categories of problem, each with a default handling unit and an SLA per priority
//! (response and resolution, in working minutes). Checked by the same use cases as `POST` and
//! `PATCH /api/v1/categories` (`gridloop_app::reference::categories`); a changed SLA applies to
//! the next assignments, never to issues already assigned.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gridloop_app::reference::categories::{
    self as app, CategoryPatchInput, NewCategoryInput, SlaInput, SlaMinutes,
};
use gridloop_app::store::Category;
use gridloop_core::{CategoryId, Priority, Role};
use minijinja::context;

use super::{links, minutes, refusal, row, Outcome, Saved, Table};
use crate::form::{Fields, WebForm};
use crate::issue::Directory;
use crate::render::{page_with, see_other, PageError};
use crate::session::Viewer;
use gridloop_app::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/admin/categories/{id}", get(edit_page).post(edit))
}

/// The form's SLA fields of a priority: `sla_<priority>_response`, `sla_<priority>_resolve`.
fn sla_fields(priority: Priority) -> (String, String) {
    (
        format!("sla_{}_response", priority.as_str()),
        format!("sla_{}_resolve", priority.as_str()),
    )
}

/// The options of the category form: the units (code, name) and the priorities.
pub(super) fn options(names: &Directory) -> minijinja::Value {
    let units: Vec<(String, String)> = names
        .units()
        .iter()
        .map(|u| (u.code.to_string(), format!("{} {}", u.code, u.name)))
        .collect();
    let priorities: Vec<&str> = Priority::ALL.iter().map(|p| p.as_str()).collect();
    context! { units, priorities }
}

/// Every category with its default unit and SLAs; each code links to the category's page.
pub(super) fn table(viewer: &Viewer, names: &Directory) -> Table {
    let rows = names
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
            let mut r = row(vec![
                c.code.to_string(),
                c.name.to_string(),
                c.default_unit
                    .and_then(|u| names.unit(u))
                    .map(|u| u.name.to_string())
                    .unwrap_or_default(),
                slas,
            ]);
            r.href = Some(format!("/admin/categories/{}", c.id));
            r
        })
        .collect();
    Table::new(vec!["code", "name", "default_unit", "sla"], rows)
}

/// The SLAs typed into the form. A priority left wholly blank is not given (the use case then
/// asks for it when creating); a number that is not one is the form's message.
fn sla_input(viewer: &Viewer, fields: &Fields) -> Result<SlaInput, String> {
    let mut input = SlaInput::default();
    for priority in Priority::ALL {
        let (response, resolve) = sla_fields(priority);
        let response_minutes = minutes(viewer, &response, fields.get(&response))?;
        let resolve_minutes = minutes(viewer, &resolve, fields.get(&resolve))?;
        let body = match (response_minutes, resolve_minutes) {
            (None, None) => None,
            // One of the two typed: the missing one is 0, which the SLA's own check refuses.
            (response, resolve) => Some(SlaMinutes {
                response_minutes: response.unwrap_or(0),
                resolve_minutes: resolve.unwrap_or(0),
            }),
        };
        *input.slot(priority) = body;
    }
    Ok(input)
}

/// `POST /admin/categories`: a new category with an SLA for every priority.
pub(super) async fn create(
    state: &AppState,
    viewer: &Viewer,
    fields: &Fields,
) -> Result<Result<(), String>, PageError> {
    let sla = match sla_input(viewer, fields) {
        Ok(sla) => sla,
        Err(message) => return Ok(Err(message)),
    };
    let input = NewCategoryInput {
        code: fields.get("code").unwrap_or_default().to_owned(),
        name: fields.get("name").unwrap_or_default().to_owned(),
        default_unit: fields.get("default_unit").map(str::to_owned),
        sla,
    };
    match app::create(state, &viewer.actor, &input).await {
        Ok(_) => Ok(Ok(())),
        Err(e) => refusal(viewer, e).map(Err),
    }
}

async fn load(state: &AppState, id: i64) -> Result<Category, PageError> {
    let id = CategoryId::new(id).map_err(|_| PageError::NotFound)?;
    state.store.category(id).await?.ok_or(PageError::NotFound)
}

/// The category as the edit form shows it.
fn as_form(category: &Category, names: &Directory) -> BTreeMap<String, String> {
    let mut form = BTreeMap::new();
    form.insert("name".to_owned(), category.name.to_string());
    if let Some(unit) = category.default_unit.and_then(|u| names.unit(u)) {
        form.insert("default_unit".to_owned(), unit.code.to_string());
    }
    for (priority, sla) in &category.slas {
        let (response, resolve) = sla_fields(*priority);
        form.insert(response, sla.response_minutes().to_string());
        form.insert(resolve, sla.resolve_minutes().to_string());
    }
    form
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    category: &Category,
    outcome: Outcome,
    status: StatusCode,
) -> Result<Response, PageError> {
    let names = Directory::load(state).await?;
    let (form, error, saved) = match outcome {
        Outcome::Failed(fields, error) => (fields.echo(), Some(error), false),
        Outcome::Saved => (as_form(category, &names), None, true),
        Outcome::Blank => (as_form(category, &names), None, false),
    };
    let heading = format!(
        "{} {} ({})",
        viewer.t("edit_category"),
        category.name,
        category.code
    );
    let ctx = context! {
        sections => links(),
        section => "categories",
        heading => heading,
        kind => "category",
        action => format!("/admin/categories/{}", category.id),
        options => options(&names),
        form,
        error,
        saved,
        ..viewer.base(&heading)
    };
    page_with(status, "admin_edit.html", ctx)
}

/// `GET /admin/categories/{id}`.
async fn edit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(saved): Query<Saved>,
) -> Result<Response, PageError> {
    viewer.require(&[Role::Admin])?;
    let category = load(&state, id).await?;
    let outcome = if saved.saved.is_some() {
        Outcome::Saved
    } else {
        Outcome::Blank
    };
    page(&state, &viewer, &category, outcome, StatusCode::OK).await
}

/// `POST /admin/categories/{id}`: the name, the default unit (blank for none) and the SLAs.
#[tracing::instrument(name = "web_admin_edit_category", skip_all, fields(user_id = %form.viewer.user.id, category = id))]
async fn edit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(&[Role::Admin])?;
    let category = load(&state, id).await?;
    let result = match sla_input(&viewer, &fields) {
        Err(message) => Err(message),
        Ok(sla) => {
            let input = CategoryPatchInput {
                name: Some(fields.get("name").unwrap_or_default().to_owned()),
                default_unit: Some(fields.get("default_unit").map(str::to_owned)),
                sla: Some(sla),
            };
            match app::update(&state, &viewer.actor, category.id, &input).await {
                Ok(_) => Ok(()),
                Err(e) => Err(refusal(&viewer, e)?),
            }
        }
    };
    match result {
        Ok(()) => Ok(see_other("/admin/categories?saved")),
        Err(message) => {
            page(
                &state,
                &viewer,
                &category,
                Outcome::Failed(fields, message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

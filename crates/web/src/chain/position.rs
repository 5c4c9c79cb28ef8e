//! An enterprise's chain position on the web: its stage in its grid's chain and its tags
//! (products, materials, capabilities), shown to whoever sees the enterprise and set by those
//! the app lets set it (admins, dispatchers, the commissioners of its grid), through
//! `gridloop_app::chain::positions`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gridloop_app::chain::positions::{self, PositionInput, SETTING_ROLES};
use gridloop_app::{AppError, AppState};
use gridloop_core::chain::{TagKind, Tags};
use gridloop_core::{EnterpriseId, Scope};
use minijinja::context;
use serde::Serialize;

use super::{path_id, stage_choices};
use crate::form::{Fields, WebForm};
use crate::messages;
use crate::render::{page_with, see_other, PageError};
use crate::session::Viewer;

/// One kind of tags as the page shows and edits them.
#[derive(Debug, Serialize)]
struct TagRow {
    /// `products`, `materials` or `capabilities`: the form field and the label's key.
    field: &'static str,
    tags: Vec<String>,
    /// The tags joined for the edit field.
    joined: String,
}

fn field_of(kind: TagKind) -> &'static str {
    match kind {
        TagKind::Product => "products",
        TagKind::Material => "materials",
        TagKind::Capability => "capabilities",
    }
}

fn tag_row(kind: TagKind, tags: &Tags) -> TagRow {
    let tags: Vec<String> = tags.as_slice().iter().map(ToString::to_string).collect();
    TagRow {
        field: field_of(kind),
        joined: tags.join(", "),
        tags,
    }
}

fn enterprise_id(raw: &str) -> Result<EnterpriseId, PageError> {
    EnterpriseId::new(path_id(raw)?).map_err(|_| PageError::NotFound)
}

/// `GET /chain/positions/{enterprise}`: 404 for an enterprise out of sight.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = enterprise_id(&id)?;
    render(&state, &viewer, id, None, StatusCode::OK).await
}

/// The page: the position, and the form for those who may set it (again with what was typed
/// and why, after a refusal).
async fn render(
    state: &AppState,
    viewer: &Viewer,
    id: EnterpriseId,
    failed: Option<(Fields, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let view = positions::get(state, Some(&viewer.actor), id).await?;
    let enterprise = state
        .store
        .enterprise(id)
        .await?
        .ok_or(PageError::NotFound)?;
    let grid = state.store.grid(enterprise.grid).await?;
    let stages = match &grid {
        Some(g) => state.store.stages(g.chain).await?,
        None => Vec::new(),
    };
    let scope = Scope {
        grid: enterprise.grid,
        enterprise: id,
        unit: None,
        reporter: None,
    };
    let can_edit = SETTING_ROLES
        .iter()
        .any(|&r| viewer.actor.role_covers(r, &scope));
    let tags: Vec<TagRow> = TagKind::ALL
        .iter()
        .map(|&k| tag_row(k, view.position.tags(k)))
        .collect();
    let (form, error) = match failed {
        Some((fields, error)) => (Some(fields.echo()), Some(error)),
        None => (None, None),
    };
    let title = format!("{} · {}", enterprise.name, viewer.t("chain_position"));
    let ctx = context! {
        enterprise => context! { id => id.get(), name => enterprise.name.to_string() },
        stage => view.stage.as_ref().map(|s| s.name.to_string()),
        stage_code => view.stage.as_ref().map(|s| s.code.to_string()),
        stages => stage_choices(&stages),
        tags,
        can_edit,
        form,
        error,
        ..viewer.base(&title)
    };
    page_with(status, "chain_position.html", ctx)
}

/// `POST /chain/positions/{enterprise}`: replaces the position, or shows the form again with
/// what is wrong (nothing written).
pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    let id = enterprise_id(&id)?;
    let list =
        |name: &str| -> Vec<String> { fields.all(name).into_iter().map(str::to_owned).collect() };
    let input = PositionInput {
        stage: fields.get("stage").map(str::to_owned),
        products: list("products"),
        materials: list("materials"),
        capabilities: list("capabilities"),
    };
    match positions::set(&state, &viewer.actor, id, &input).await {
        Ok(_) => Ok(see_other(&format!("/chain/positions/{id}"))),
        Err(
            e
            @ (AppError::Invalid(_) | AppError::NotPermitted { .. } | AppError::OutOfScope { .. }),
        ) => {
            let message = messages::text(viewer.locale, &e);
            render(
                &state,
                &viewer,
                id,
                Some((fields, message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

//! Admin: visit plans, the weekly on-site service to each enterprise. Add one (checked and
//! planned by the same use case as `POST /api/v1/visit-plans`, `gridloop_app::visits`, with its
//! defaults), pause it (its future planned visits go) and resume it (the next fortnight is
//! planned again).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use gridloop_app::reference::{enterprises, users};
use gridloop_app::visits::{self, NewPlanInput, DEFAULT_CRON};
use gridloop_core::visit::{DEFAULT_REMINDER_LEAD_MINUTES, DEFAULT_WINDOW_MINUTES};
use gridloop_core::Role;
use minijinja::context;

use super::{minutes, refusal, row, RowAction, Table};
use crate::form::{Fields, WebForm};
use crate::issue::Directory;
use crate::render::{see_other, PageError};
use crate::session::Viewer;
use gridloop_app::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/admin/visit-plans/{id}/{action}", post(pause_or_resume))
}

/// The options of the form (enterprises by id, active commissioners by login) and what a blank
/// form starts with: the API's defaults.
pub(super) async fn form(
    state: &AppState,
) -> Result<(minijinja::Value, BTreeMap<String, String>), PageError> {
    let enterprises: Vec<(String, String)> = enterprises::list(&state.store, None, None)
        .await?
        .into_iter()
        .map(|e| (e.id.to_string(), e.name.to_string()))
        .collect();
    let commissioners: Vec<(String, String)> = users::list(&state.store)
        .await?
        .into_iter()
        .filter(|u| u.active && u.roles.contains(&Role::Commissioner))
        .map(|u| (u.login.to_string(), format!("{} ({})", u.name, u.login)))
        .collect();
    let defaults = BTreeMap::from([
        ("cron".to_owned(), DEFAULT_CRON.to_owned()),
        (
            "time_zone".to_owned(),
            state.calendar().tz().name().to_owned(),
        ),
        (
            "window_minutes".to_owned(),
            DEFAULT_WINDOW_MINUTES.to_string(),
        ),
        (
            "reminder_lead_minutes".to_owned(),
            DEFAULT_REMINDER_LEAD_MINUTES.to_string(),
        ),
    ]);
    Ok((context! { enterprises, commissioners }, defaults))
}

/// Every plan, with a pause or a resume button.
pub(super) async fn table(
    state: &AppState,
    viewer: &Viewer,
    names: &Directory,
) -> Result<Table, PageError> {
    let users = users::list(&state.store).await?;
    let rows = visits::plans(state, &viewer.actor)
        .await?
        .into_iter()
        .map(|p| {
            let active = p.plan.is_active();
            let mut r = row(vec![
                names.enterprise(p.enterprise),
                users
                    .iter()
                    .find(|u| u.id == p.commissioner)
                    .map(|u| u.login.to_string())
                    .unwrap_or_default(),
                format!("{} ({})", p.plan.schedule().expr, p.plan.schedule().tz),
                format!(
                    "{} / {}",
                    p.plan.window_minutes(),
                    p.plan.reminder_lead_minutes()
                ),
                viewer.t(if active { "yes" } else { "no" }).to_owned(),
            ]);
            r.actions = vec![if active {
                RowAction::new(format!("/admin/visit-plans/{}/pause", p.id), "pause")
            } else {
                RowAction::new(format!("/admin/visit-plans/{}/resume", p.id), "resume")
            }];
            r
        })
        .collect();
    Ok(Table::new(
        vec![
            "enterprise",
            "commissioner",
            "cron",
            "window_and_lead",
            "active",
        ],
        rows,
    ))
}

/// `POST /admin/visit-plans`: a new plan, its next fortnight of visits planned.
pub(super) async fn create(
    state: &AppState,
    viewer: &Viewer,
    fields: &Fields,
) -> Result<Result<(), String>, PageError> {
    let window = minutes(viewer, "window_minutes", fields.get("window_minutes"));
    let lead = minutes(
        viewer,
        "reminder_lead_minutes",
        fields.get("reminder_lead_minutes"),
    );
    let (window_minutes, reminder_lead_minutes) = match (window, lead) {
        (Ok(window), Ok(lead)) => (window, lead),
        (Err(message), _) | (_, Err(message)) => return Ok(Err(message)),
    };
    let input = NewPlanInput {
        // Not a number: 0, which the use case refuses by name.
        enterprise: fields
            .get("enterprise")
            .and_then(|e| e.parse().ok())
            .unwrap_or(0),
        commissioner: fields.get("commissioner").unwrap_or_default().to_owned(),
        cron: fields.get("cron").map(str::to_owned),
        time_zone: fields.get("time_zone").map(str::to_owned),
        window_minutes,
        reminder_lead_minutes,
    };
    match visits::add_plan(state, &viewer.actor, &input).await {
        Ok(_) => Ok(Ok(())),
        Err(e) => refusal(viewer, e).map(Err),
    }
}

/// `POST /admin/visit-plans/{id}/pause` and `…/resume`.
#[tracing::instrument(name = "web_admin_visit_plan", skip_all, fields(user_id = %form.viewer.user.id, plan = id))]
async fn pause_or_resume(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    form: WebForm,
) -> Result<Response, PageError> {
    form.viewer.require(&[Role::Admin])?;
    let active = match action.as_str() {
        "pause" => false,
        "resume" => true,
        _ => return Err(PageError::NotFound),
    };
    if id <= 0 {
        return Err(PageError::NotFound);
    }
    match visits::set_plan_active(&state, &form.viewer.actor, id, active).await {
        Ok(_) => Ok(see_other("/admin/visit-plans?saved")),
        Err(e) => Err(e.into()),
    }
}

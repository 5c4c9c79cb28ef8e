//! Admin: the scheduler's schedules, as `gridloop schedule list` shows them (times in each
//! schedule's own zone, where its crontab line reads), with pause, resume and, for schedules
//! an admin added, remove. The built-in ones are created again at every start, so they are
//! paused rather than removed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use gridloop_core::{Misfire, Role};

use super::{render, row, Outcome, RowAction, Table};
use crate::form::WebForm;
use crate::render::{local_time, see_other, PageError};
use crate::session::Viewer;
use gridloop_app::jobs::is_builtin_schedule;
use gridloop_app::schedules::{self, Removal};
use gridloop_app::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/admin/schedules/{action}", post(act))
}

/// Every schedule, with its buttons; each form names its schedule in a hidden `name`.
pub(super) async fn table(state: &AppState, viewer: &Viewer) -> Result<Table, PageError> {
    let rows = schedules::list(&state.store)
        .await?
        .into_iter()
        .map(|s| {
            let tz = s.schedule.tz;
            let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map(|t| local_time(t, tz)).unwrap_or_else(|| "-".into())
            };
            let mut r = row(vec![
                s.name.clone(),
                s.job_kind.clone(),
                format!("{} ({})", s.schedule.expr, tz.name()),
                match s.misfire {
                    Misfire::Skip => "skip".into(),
                    Misfire::FireOnce => "fire_once".into(),
                    Misfire::FireAll { cap } => format!("fire_all({cap})"),
                },
                viewer
                    .t(if s.paused { "paused" } else { "running" })
                    .to_owned(),
                when(s.last_fired_at),
                when(s.next_fire_at),
            ]);
            let button = |action: &str, label| RowAction {
                name: Some(s.name.clone()),
                ..RowAction::new(format!("/admin/schedules/{action}"), label)
            };
            r.actions.push(if s.paused {
                button("resume", "resume")
            } else {
                button("pause", "pause")
            });
            if !is_builtin_schedule(&s.name) {
                r.actions.push(RowAction {
                    danger: true,
                    ..button("remove", "remove")
                });
            }
            r
        })
        .collect();
    Ok(Table::new(
        vec![
            "name",
            "job",
            "cron",
            "misfire",
            "col_status",
            "last_fire",
            "next_fire",
        ],
        rows,
    ))
}

/// `POST /admin/schedules/{pause|resume|remove}` with the schedule's `name`.
#[tracing::instrument(name = "web_admin_schedule", skip_all, fields(user_id = %form.viewer.user.id, action = %action))]
async fn act(
    State(state): State<AppState>,
    Path(action): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(&[Role::Admin])?;
    let name = fields.get("name").ok_or(PageError::BadRequest)?.to_owned();
    let actor = &viewer.actor;
    match action.as_str() {
        "pause" => drop(schedules::set_paused(&state, actor, &name, true).await?),
        "resume" => drop(schedules::set_paused(&state, actor, &name, false).await?),
        // An unknown name is the page's 404, like any other.
        "remove" => match schedules::remove(&state, actor, &name).await? {
            Removal::Removed => {}
            Removal::Builtin => {
                let message = format!("{} {}", viewer.t("not_saved"), viewer.t("builtin_schedule"));
                return render(
                    &state,
                    &viewer,
                    "schedules",
                    Outcome::Failed(fields, message),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
        _ => return Err(PageError::NotFound),
    }
    tracing::info!(schedule = %name, "schedule changed from the web");
    Ok(see_other("/admin/schedules?saved"))
}

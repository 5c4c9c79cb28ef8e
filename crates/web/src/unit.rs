//! Handling units (members and heads): the unit's worklist, earliest deadline first, with what
//! is overdue marked, so the day starts with what is late.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gridloop_app::issues;
use gridloop_app::store::IssueFilter;
use gridloop_core::{Role, Status};
use minijinja::context;

use crate::issue::{issue_rows, Directory};
use crate::render::{page, PageError};
use crate::session::Viewer;
use gridloop_app::AppState;

/// What a unit still has to do: everything it holds that is not yet resolved.
const WORKING: [Status; 3] = [Status::Assigned, Status::InProgress, Status::OnHold];
/// A unit's list is never longer than this.
const LIMIT: u32 = 500;

pub fn routes() -> Router<AppState> {
    Router::new().route("/worklist", get(worklist))
}

/// `GET /worklist`.
async fn worklist(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(&[Role::UnitMember, Role::UnitHead])?;
    let mut issues = Vec::new();
    for unit in &viewer.actor.units {
        let filter = IssueFilter {
            statuses: WORKING.to_vec(),
            unit: Some(*unit),
            ..IssueFilter::default()
        };
        issues.extend(
            issues::queue(&state, &viewer.actor, filter, LIMIT, None)
                .await?
                .items,
        );
    }
    // Earliest deadline first; an issue without one (not yet possible here) last.
    issues.sort_by_key(|i| (i.resolve_due_at.is_none(), i.resolve_due_at, i.id));
    let names = Directory::load(&state).await?;
    let rows = issue_rows(&state, &names, &issues);
    let ctx = context! {
        rows,
        heading => viewer.t("worklist_title"),
        export => crate::export::link_query(&[("status", "assigned,in_progress,on_hold")]),
        show_due => true,
        ..viewer.base(viewer.t("worklist_title"))
    };
    page("issues.html", ctx)
}

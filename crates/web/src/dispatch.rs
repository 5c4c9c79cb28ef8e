//! The dispatcher: the intake queue (accept, reject, assign to the unit the category suggests,
//! mark duplicate) and the issues units returned as not theirs.
//!
//! Each row carries the forms of the actions the core allows on it now, so the queue can be
//! worked without opening every issue; each form comes back to the queue.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gridloop_app::issues;
use gridloop_app::store::IssueFilter;
use gridloop_core::{ActionKind, Issue, Role, Status};
use minijinja::context;
use serde::Serialize;

use crate::issue::{action_views, issue_rows, Directory};
use crate::render::{page, PageError};
use crate::session::Viewer;
use gridloop_app::AppState;

const LIMIT: u32 = 500;
/// The forms a queue row offers, in this order.
const QUEUE_ACTIONS: [ActionKind; 4] = [
    ActionKind::Accept,
    ActionKind::Assign,
    ActionKind::Reject,
    ActionKind::MarkDuplicate,
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/intake", get(intake))
        .route("/returned", get(returned))
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
}

async fn queue(
    state: &AppState,
    viewer: &Viewer,
    issues: Vec<Issue>,
    heading_key: &str,
    path: &str,
    export: &str,
) -> Result<Response, PageError> {
    let names = Directory::load(state).await?;
    let mut rows = issue_rows(state, &names, &issues);
    for (row, issue) in rows.iter_mut().zip(&issues) {
        row.actions = action_views(issue, &viewer.actor, &QUEUE_ACTIONS);
    }
    let units: Vec<Choice> = names
        .units()
        .iter()
        .map(|u| Choice {
            value: u.code.to_string(),
            label: u.name.to_string(),
        })
        .collect();
    let ctx = context! {
        rows,
        units,
        queue => path,
        export,
        heading => viewer.t(heading_key),
        ..viewer.base(viewer.t(heading_key))
    };
    page("issues.html", ctx)
}

/// `GET /intake`: new and accepted issues, oldest first (first come, first served).
async fn intake(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(&[Role::Dispatcher])?;
    let filter = IssueFilter {
        statuses: vec![Status::Reported, Status::Accepted],
        ..IssueFilter::default()
    };
    let mut issues = issues::queue(&state, &viewer.actor, filter, LIMIT, None)
        .await?
        .items;
    issues.reverse();
    let export = crate::export::link_query(&[("status", "reported,accepted")]);
    queue(&state, &viewer, issues, "intake_title", "/intake", &export).await
}

/// `GET /returned`: accepted issues a unit sent back, to assign elsewhere.
async fn returned(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(&[Role::Dispatcher])?;
    let filter = IssueFilter {
        statuses: vec![Status::Accepted],
        ..IssueFilter::default()
    };
    let mut issues: Vec<Issue> = issues::queue(&state, &viewer.actor, filter, LIMIT, None)
        .await?
        .items
        .into_iter()
        .filter(|i| i.return_count > 0)
        .collect();
    issues.reverse();
    // The ledger has no "returned" filter: the export carries every accepted issue, whose
    // returns are a column of their own.
    let export = crate::export::link_query(&[("status", "accepted")]);
    queue(
        &state,
        &viewer,
        issues,
        "returned_title",
        "/returned",
        &export,
    )
    .await
}

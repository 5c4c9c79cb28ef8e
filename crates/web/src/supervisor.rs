//! Supervisors (督办): a dashboard of what is open, late and escalated, this week's indicators
//! with an eight-week trend and the units' league table (under a banner from 1 November while
//! next year's holiday calendar is missing), and the extension requests to decide.
//!
//! The figures are the weekly report's own (`reports::on_demand` for the week so far, the
//! earlier weeks read back from their stored copies), so the dashboard and the emailed report
//! never disagree.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gridloop_app::issues;
use gridloop_app::store::IssueFilter;
use gridloop_core::{ActionKind, Issue, Period, ReportScope, Role, Status};
use minijinja::context;
use serde::Serialize;

use crate::issue::{action_views, issue_rows, Directory};
use crate::render::{local_time, page, PageError};
use crate::session::Viewer;
use gridloop_app::reports;
use gridloop_app::AppState;

/// Pages of open issues read for the dashboard's counts (500 each).
const MAX_PAGES: usize = 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/extensions", get(extensions))
}

/// Every open issue, a page at a time.
async fn open_issues(state: &AppState, viewer: &Viewer) -> Result<Vec<Issue>, PageError> {
    let filter = IssueFilter {
        statuses: Status::OPEN.to_vec(),
        ..IssueFilter::default()
    };
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page_of = issues::queue(
            state,
            &viewer.actor,
            filter.clone(),
            gridloop_app::store::MAX_PAGE,
            cursor.as_deref(),
        )
        .await?;
        all.extend(page_of.items);
        match page_of.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(all)
}

#[derive(Debug, Serialize)]
struct Bar {
    label: String,
    reported: u64,
    closed: u64,
    /// Bar heights in the SVG, out of 100.
    reported_h: u64,
    closed_h: u64,
    x: usize,
}

#[derive(Debug, Serialize)]
struct LeagueView {
    rank: Option<u32>,
    unit: String,
    resolved: u64,
    on_time: String,
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

/// `GET /dashboard`.
async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(&[Role::Supervisor, Role::Admin])?;
    let now = state.clock.now();
    let calendar = state.calendar();
    let open = open_issues(&state, &viewer).await?;
    let overdue: Vec<Issue> = open.iter().filter(|i| i.is_overdue(now)).cloned().collect();
    let mut escalated: BTreeMap<u8, u64> = BTreeMap::new();
    for issue in open.iter().filter(|i| i.escalation_level > 0) {
        *escalated.entry(issue.escalation_level).or_default() += 1;
    }
    let week = Period::week_containing(now, calendar.tz());
    // The park's report of this week so far: the earlier weeks of its trend are read back from
    // the copies stored on their Mondays, so a page load computes one week from the event log.
    let mut settings = state.reports.clone();
    settings.locale = viewer.locale;
    let this_week = reports::on_demand(&state.store, &settings, week, ReportScope::Park, now)
        .await
        .map_err(PageError::from)?;
    let headline = this_week.headline;
    let peak = this_week
        .trend
        .iter()
        .map(|t| t.headline.reported.max(t.headline.closed))
        .max()
        .unwrap_or(0)
        .max(1);
    let trend: Vec<Bar> = this_week
        .trend
        .iter()
        .enumerate()
        .map(|(i, line)| Bar {
            label: line.label.clone(),
            reported: line.headline.reported,
            closed: line.headline.closed,
            reported_h: line.headline.reported * 100 / peak,
            closed_h: line.headline.closed * 100 / peak,
            x: i * 40,
        })
        .collect();
    let league: Vec<LeagueView> = this_week
        .league
        .iter()
        .map(|row| LeagueView {
            rank: row.rank,
            unit: row.unit.clone(),
            resolved: row.resolved,
            on_time: percent(row.on_time_rate),
        })
        .collect();
    let visits = this_week.visits.unwrap_or_default();
    // From 1 November while next year has no holiday calendar: deadlines reaching into it
    // count plain weeks. Admins get the link to enter it. The calendar in force follows the
    // stored one (at once where it was changed, within seconds elsewhere).
    let calendar_missing =
        gridloop_app::calendars::next_year_missing(&state.calendar(), now).map(|year| {
            let year = year.to_string();
            context! {
                text => viewer.t("cal_banner_missing").replace("{year}", &year),
                link => viewer.has(Role::Admin).then(|| context! {
                    href => format!("/admin/calendar?year={year}"),
                    text => viewer.t("cal_banner_enter").replace("{year}", &year),
                }),
            }
        });
    let names = Directory::load(&state).await?;
    let mut overdue_sorted = overdue.clone();
    overdue_sorted.sort_by_key(|i| (i.resolve_due_at, i.id));
    let overdue_rows = issue_rows(&state, &names, &overdue_sorted);
    let ctx = context! {
        open_count => open.len(),
        overdue_count => overdue.len(),
        escalated => escalated.into_iter().collect::<Vec<_>>(),
        week => week.to_string(),
        week_from => local_time(week.from(), calendar.tz()),
        headline => context! {
            reported => headline.reported,
            closed => headline.closed,
            on_time => percent(headline.on_time_resolution),
            rework => percent(headline.rework),
            satisfaction => headline.satisfaction_mean.map(|s| format!("{s:.1}")),
            median_close_hours => headline.median_close_minutes.map(|m| format!("{:.1}", f64::from(m) / 60.0)),
        },
        visits => format!("{} / {}", visits.completed, visits.planned),
        trend_width => trend.len() * 40,
        trend,
        league,
        overdue_rows,
        calendar_missing,
        ..viewer.base(viewer.t("dashboard_title"))
    };
    page("dashboard.html", ctx)
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
}

/// `GET /extensions`: issues with an extension request waiting, oldest request first.
async fn extensions(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(&[Role::Supervisor])?;
    let mut waiting: Vec<Issue> = open_issues(&state, &viewer)
        .await?
        .into_iter()
        .filter(|i| i.pending_extension.is_some())
        .collect();
    waiting.sort_by_key(|i| i.pending_extension.as_ref().map(|p| p.requested_at));
    let names = Directory::load(&state).await?;
    let tz = state.calendar().tz();
    let mut rows = issue_rows(&state, &names, &waiting);
    for (row, issue) in rows.iter_mut().zip(&waiting) {
        row.actions = action_views(
            issue,
            &viewer.actor,
            &[ActionKind::ExtendGrant, ActionKind::ExtendDeny],
        );
        row.extra = issue.pending_extension.as_ref().map(|p| {
            format!(
                "{}: {} — {}: {} — {}",
                viewer.t("requested_until"),
                local_time(p.until, tz),
                viewer.t("resolve_due"),
                issue
                    .resolve_due_at
                    .map(|d| local_time(d, tz))
                    .unwrap_or_default(),
                p.reason
            )
        });
    }
    let units: Vec<Choice> = Vec::new();
    let ctx = context! {
        rows,
        units,
        queue => "/extensions",
        heading => viewer.t("extensions_title"),
        ..viewer.base(viewer.t("extensions_title"))
    };
    page("issues.html", ctx)
}

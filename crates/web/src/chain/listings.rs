//! Needs and offers (供需) on the web: the list with its Chinese search and filters, a page at
//! a time; the form to post one (also from a visit, which the listing then remembers); one
//! listing with, for a need, its ranked suggestions and their one-line reasons, each a link to
//! introduce the two enterprises; and withdrawal. Posting, reading, listing, suggesting and
//! withdrawing are the app's (`gridloop_app::chain`); a refusal is said in the page's language
//! and writes nothing.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Days;
use gridloop_app::chain::listings::{self, ListInput, PostInput};
use gridloop_app::chain::suggest::{suggest, SuggestionView};
use gridloop_app::chain::{today, POSTING_ROLES};
use gridloop_app::store::Listing;
use gridloop_app::{AppError, AppState};
use gridloop_core::chain::{ListingKind, ListingStatus, Side, Stage, Target, ValidUntil};
use gridloop_core::{ListingId, Role};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{all_stages, path_id, stage_choices, stage_name};
use crate::form::{Fields, WebForm};
use crate::intake::{enterprise_choices, Choice};
use crate::issue::Directory;
use crate::messages;
use crate::render::{local_time, page_with, query_escape, see_other, PageError};
use crate::session::Viewer;

/// Listings per page: the app's default, well under its bound.
const PAGE: u32 = listings::DEFAULT_PAGE;
/// How far ahead a new form's valid-until date is put, in days.
const DEFAULT_DAYS_VALID: u64 = 30;
/// Roles that may see a withdraw button (the app decides for each listing).
const WITHDRAWING: &[Role] = &[
    Role::PostMember,
    Role::Commissioner,
    Role::Enterprise,
    Role::Dispatcher,
    Role::Admin,
];

/// The list's filters as typed; every one optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ListQuery {
    side: Option<String>,
    kind: Option<String>,
    stage: Option<String>,
    grid: Option<String>,
    status: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

impl ListQuery {
    /// The filters (not the cursor) as a query string, for the next page's link.
    fn filters(&self) -> String {
        [
            ("side", &self.side),
            ("kind", &self.kind),
            ("stage", &self.stage),
            ("grid", &self.grid),
            ("status", &self.status),
            ("q", &self.q),
        ]
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", query_escape(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// One listing as a row of the list, or as the listing page shows it.
#[derive(Debug, Serialize)]
struct ListingRow {
    id: i64,
    side: &'static str,
    kind: &'static str,
    title: String,
    text: String,
    enterprise: i64,
    enterprise_name: String,
    stage: Option<String>,
    status: &'static str,
    valid_until: String,
    quantity: Option<String>,
    tags: Vec<String>,
    posted_at: String,
    visit: Option<i64>,
}

fn row(state: &AppState, stages: &[Stage], l: &Listing) -> ListingRow {
    ListingRow {
        id: l.id.get(),
        side: l.side.as_str(),
        kind: l.kind.as_str(),
        title: l.title.to_string(),
        text: l.text.to_string(),
        enterprise: l.enterprise.get(),
        enterprise_name: l.enterprise_name.to_string(),
        stage: stage_name(stages, l.stage),
        status: l.status.as_str(),
        valid_until: l.valid_until.to_string(),
        quantity: l.quantity.as_ref().map(ToString::to_string),
        tags: l.tags.as_slice().iter().map(ToString::to_string).collect(),
        posted_at: local_time(l.posted_at, state.calendar().tz()),
        visit: l.visit,
    }
}

/// `GET /chain/listings`: the listings in the viewer's sight, newest first, filtered and
/// searched; a bad filter is said above an empty list.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let input = ListInput {
        side: query.side.clone(),
        kind: query.kind.clone(),
        stage: query.stage.clone(),
        grid: query.grid.clone(),
        status: query.status.clone(),
        enterprise: None,
        q: query.q.clone(),
        limit: Some(PAGE),
        cursor: query
            .cursor
            .clone()
            .filter(|c| !c.trim().is_empty() && c.len() <= 16),
    };
    let stages = all_stages(&state).await?;
    let (rows, next, error, status) =
        match listings::list(&state, Some(&viewer.actor), &input).await {
            Ok(page) => (
                page.items
                    .iter()
                    .map(|l| row(&state, &stages, l))
                    .collect::<Vec<_>>(),
                page.next_cursor,
                None,
                StatusCode::OK,
            ),
            Err(e @ AppError::Invalid(_)) => (
                Vec::new(),
                None,
                Some(messages::text(viewer.locale, &e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Err(e) => return Err(e.into()),
        };
    let filters = query.filters();
    let next_query = next.map(|c| {
        let cursor = format!("cursor={}", query_escape(&c));
        if filters.is_empty() {
            cursor
        } else {
            format!("{filters}&{cursor}")
        }
    });
    let grids: Vec<Choice> = state
        .store
        .grids()
        .await?
        .into_iter()
        .map(|g| Choice {
            value: g.code.to_string(),
            label: g.name.to_string(),
        })
        .collect();
    let first_query = query.cursor.is_some().then_some(filters);
    let ctx = context! {
        rows,
        query,
        error,
        next_query,
        first_query,
        sides => Side::NAMES,
        kinds => ListingKind::NAMES,
        statuses => ListingStatus::NAMES,
        stages => stage_choices(&stages),
        grids,
        can_post => viewer.require(POSTING_ROLES).is_ok(),
        ..viewer.base(viewer.t("chain_listings_title"))
    };
    page_with(status, "chain_listings.html", ctx)
}

/// What `/chain/listings/new` may be opened with: the enterprise, `kind=need|offer` (or a
/// listing kind such as `capacity`; `side=` works too) and the visit it is raised on.
#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    enterprise: Option<String>,
    kind: Option<String>,
    side: Option<String>,
    visit: Option<String>,
}

/// `GET /chain/listings/new`.
pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> Result<Response, PageError> {
    viewer.require(POSTING_ROLES)?;
    let kind = query.kind.as_deref().map(str::trim);
    let side = query
        .side
        .as_deref()
        .or(kind)
        .and_then(|s| s.trim().parse::<Side>().ok())
        .unwrap_or(Side::Need);
    let listing_kind = kind.and_then(|k| k.parse::<ListingKind>().ok());
    let today = today(&state);
    let (_, latest) = ValidUntil::bounds(today);
    let until = today
        .checked_add_days(Days::new(DEFAULT_DAYS_VALID))
        .unwrap_or(latest)
        .min(latest);
    let mut pairs = vec![
        ("side".to_owned(), side.as_str().to_owned()),
        (
            "valid_until".to_owned(),
            until.format("%Y-%m-%d").to_string(),
        ),
    ];
    if let Some(k) = listing_kind {
        pairs.push(("kind".into(), k.as_str().into()));
    }
    let digits = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 19 && v.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_owned)
    };
    if let Some(e) = digits(&query.enterprise) {
        pairs.push(("enterprise".into(), e));
    }
    if let Some(v) = digits(&query.visit) {
        pairs.push(("visit".into(), v));
    }
    render_form(&state, &viewer, &Fields::new(pairs), None, StatusCode::OK).await
}

/// The post form: fresh, or again with what was typed and why it was refused.
async fn render_form(
    state: &AppState,
    viewer: &Viewer,
    fields: &Fields,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let enterprises = enterprise_choices(state, viewer).await?;
    let ctx = context! {
        enterprises,
        form => fields.echo(),
        error,
        sides => Side::NAMES,
        kinds => ListingKind::NAMES,
        ..viewer.base(viewer.t("chain_new_title"))
    };
    page_with(status, "chain_listing_new.html", ctx)
}

/// `POST /chain/listings`: posts the need or offer and shows it, or the form again with what
/// is wrong (nothing written).
pub async fn submit(State(state): State<AppState>, form: WebForm) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(POSTING_ROLES)?;
    let text = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let side = fields.get("side").unwrap_or_default().parse::<Side>();
    let input = PostInput {
        kind: text("kind"),
        enterprise: text("enterprise"),
        title: text("title"),
        text: text("text"),
        quantity: fields.get("quantity").map(str::to_owned),
        tags: fields.all("tags").into_iter().map(str::to_owned).collect(),
        valid_until: text("valid_until"),
        visit: fields.get("visit").map(str::to_owned),
    };
    let posted = match side {
        Ok(side) => listings::post(&state, &viewer.actor, side, &input).await,
        Err(e) => Err(AppError::invalid(e)),
    };
    match posted {
        Ok(listing) => Ok(see_other(&format!("/chain/listings/{}", listing.id))),
        Err(
            e
            @ (AppError::Invalid(_) | AppError::NotPermitted { .. } | AppError::OutOfScope { .. }),
        ) => {
            let message = messages::text(viewer.locale, &e);
            render_form(
                &state,
                &viewer,
                &fields,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// One suggestion as the need's page shows it.
#[derive(Debug, Serialize)]
struct SuggestionRow {
    label: String,
    explanation: String,
    score: u32,
    target: &'static str,
    enterprise: i64,
    enterprise_name: String,
    offer: Option<i64>,
}

fn suggestion_row(names: &Directory, s: &SuggestionView) -> SuggestionRow {
    let (target, offer) = match s.suggestion.target {
        Target::Offer(id) => ("offer", Some(id.get())),
        Target::Enterprise(_) => ("enterprise", None),
    };
    SuggestionRow {
        label: s.label.clone(),
        explanation: s.explanation.clone(),
        score: s.suggestion.score,
        target,
        enterprise: s.suggestion.enterprise.get(),
        enterprise_name: names.enterprise(s.suggestion.enterprise),
        offer,
    }
}

fn listing_id(raw: &str) -> Result<ListingId, PageError> {
    ListingId::new(path_id(raw)?).map_err(|_| PageError::NotFound)
}

/// `GET /chain/listings/{id}`: 404 for one out of sight, as for a missing one.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = listing_id(&id)?;
    render_listing(&state, &viewer, id, None, StatusCode::OK).await
}

/// The listing page, with a refusal of its withdraw form if there was one.
async fn render_listing(
    state: &AppState,
    viewer: &Viewer,
    id: ListingId,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let listing = listings::get(state, Some(&viewer.actor), id).await?;
    let stages = all_stages(state).await?;
    let suggestions: Vec<SuggestionRow> = if listing.side == Side::Need {
        let found = suggest(state, Some(&viewer.actor), id, None, viewer.locale).await?;
        let names = Directory::load(state).await?;
        found
            .suggestions
            .iter()
            .map(|s| suggestion_row(&names, s))
            .collect()
    } else {
        Vec::new()
    };
    let can_withdraw =
        listing.status != ListingStatus::Withdrawn && viewer.require(WITHDRAWING).is_ok();
    let title = listing.title.to_string();
    let ctx = context! {
        listing => row(state, &stages, &listing),
        suggestions,
        can_withdraw,
        error,
        ..viewer.base(&title)
    };
    page_with(status, "chain_listing.html", ctx)
}

/// `POST /chain/listings/{id}/withdraw`.
pub async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, .. } = form;
    let id = listing_id(&id)?;
    match listings::withdraw(&state, &viewer.actor, id).await {
        Ok(_) => Ok(see_other(&format!("/chain/listings/{id}"))),
        Err(
            e
            @ (AppError::Invalid(_) | AppError::NotPermitted { .. } | AppError::OutOfScope { .. }),
        ) => {
            let message = messages::text(viewer.locale, &e);
            render_listing(
                &state,
                &viewer,
                id,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

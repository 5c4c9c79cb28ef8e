//! Needs and offers (供需): posted for an enterprise, read, listed and searched (Chinese
//! without spaces, by character bigrams), and withdrawn. Expired is read from the date.

use gridloop_core::chain::{ListingKind, ListingStatus, SearchText, Side, Tags, ValidUntil};
use gridloop_core::dates::parse_date;
use gridloop_core::{
    Actor, EnterpriseId, Format, ListingId, ListingText, ParseError, Quantity, Role, Rule, Title,
};
use gridloop_store::{Listing, ListingFilter, NewListing, Page, MAX_LISTING_PAGE};

use super::{covers, enterprise_in_sight, require_any, scope, today, POSTING_ROLES};
use crate::error::{bug, no_such, AppError, Doing, Fields, Thing};
use crate::state::AppState;

/// Roles that may withdraw any listing in sight, besides those who may post it.
const OVERSEERS: &[Role] = &[Role::Dispatcher, Role::Admin];
/// Everyone who may withdraw some listing.
const WITHDRAWING_ROLES: &[Role] = &[
    Role::PostMember,
    Role::Commissioner,
    Role::Enterprise,
    Role::Dispatcher,
    Role::Admin,
];
/// The page size when none is asked for.
pub const DEFAULT_PAGE: u32 = 50;

/// A need or an offer as typed (the side comes from the command or the route).
#[derive(Debug, Clone, Default)]
pub struct PostInput {
    /// One of [`ListingKind::NAMES`].
    pub kind: String,
    /// The enterprise's id.
    pub enterprise: String,
    pub title: String,
    pub text: String,
    pub quantity: Option<String>,
    /// Tags, one per entry or joined by commas.
    pub tags: Vec<String>,
    /// `YYYY-MM-DD`, the last day it is open: after today, within a year.
    pub valid_until: String,
    /// The id of the on-site visit it was raised on: one of the same enterprise, that the
    /// poster sees. `None` or blank for none.
    pub visit: Option<String>,
}

/// What to list, as typed; every field optional.
#[derive(Debug, Clone, Default)]
pub struct ListInput {
    pub side: Option<String>,
    pub kind: Option<String>,
    /// A stage's code (of the enterprise's chain, any chain).
    pub stage: Option<String>,
    /// A grid's code: the grid the listing was posted in.
    pub grid: Option<String>,
    pub status: Option<String>,
    pub enterprise: Option<String>,
    /// Text every listing found holds (its bigrams), 2 to 40 characters.
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// An optional field as typed: `None` when absent or blank.
fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Posts a need or an offer for an enterprise the actor covers as a post member, commissioner
/// or its own user.
pub async fn post(
    state: &AppState,
    actor: &Actor,
    side: Side,
    input: &PostInput,
) -> Result<Listing, AppError> {
    require_any(actor, Doing::PostListing, POSTING_ROLES)?;
    let today = today(state);
    let mut fields = Fields::default();
    let kind = fields.take(input.kind.parse::<ListingKind>());
    let enterprise = fields.take(input.enterprise.parse::<EnterpriseId>());
    let title = fields.take(Title::parse(&input.title));
    let text = fields.take(ListingText::parse(&input.text));
    let quantity = match input.quantity.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(raw) => fields.take(Quantity::parse(raw)).map(Some),
    };
    let tags = fields.take(Tags::parse("tags", input.tags.iter().map(String::as_str)));
    let valid_until = fields
        .take(parse_date("valid_until", &input.valid_until))
        .and_then(|d| fields.take(ValidUntil::parse(d, today)));
    let visit = given(&input.visit).and_then(|raw| fields.take(visit_id(raw)));
    let mut tx = state.store.transaction().await?;
    let grid = match enterprise {
        Some(id) => match enterprise_in_sight(&mut tx, actor, id).await {
            Ok(grid) => Some(grid),
            Err(AppError::NotFound(_)) => {
                fields.add(no_such("enterprise", Thing::Enterprise, id));
                None
            }
            Err(e) => return Err(e),
        },
        None => None,
    };
    if let Some(id) = visit {
        // Someone else's visit, or one of another enterprise, is as good as none.
        let seen = tx.visit(id).await?.filter(|v| {
            crate::visits::sees(actor, v) && enterprise.is_none_or(|e| v.enterprise == e)
        });
        if seen.is_none() {
            fields.add(no_such("visit", Thing::Visit, id));
        }
    }
    fields.check()?;
    let (Some(kind), Some(enterprise), Some(grid), Some(title), Some(text)) =
        (kind, enterprise, grid, title, text)
    else {
        return Err(bug("listing"));
    };
    let (Some(quantity), Some(tags), Some(valid_until)) = (quantity, tags, valid_until) else {
        return Err(bug("listing"));
    };
    if !covers(actor, POSTING_ROLES, grid, enterprise) {
        // The role was checked above: it is this enterprise that is not theirs.
        return Err(AppError::OutOfScope {
            doing: Doing::PostListing,
        });
    }
    let listing = tx
        .post_listing(NewListing {
            side,
            kind,
            enterprise,
            grid,
            title,
            text,
            quantity,
            tags,
            valid_until,
            posted_by: actor.user,
            posted_at: state.clock.now(),
            visit,
        })
        .await?;
    tx.commit().await?;
    tracing::info!(id = %listing.id, side = %side, kind = %kind, "listing posted");
    Ok(listing)
}

/// A visit's id as typed: a positive whole number.
fn visit_id(raw: &str) -> Result<i64, ParseError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ParseError::new("visit", Rule::Format(Format::Id)))
}

/// One listing, `NotFound` if out of the reader's sight (`None`: the console's operator, who
/// sees everything).
pub async fn get(
    state: &AppState,
    reader: Option<&Actor>,
    id: ListingId,
) -> Result<Listing, AppError> {
    let listing = state
        .store
        .listing(id, today(state))
        .await?
        .ok_or(AppError::NotFound(Thing::Listing))?;
    let scope = scope(listing.grid, listing.enterprise, Some(listing.posted_by));
    if reader.is_some_and(|actor| !actor.can_see(&scope)) {
        return Err(AppError::NotFound(Thing::Listing));
    }
    Ok(listing)
}

/// The listings in the reader's sight (`None`: everything) matching `input`, newest first, a
/// page at a time (at most [`MAX_LISTING_PAGE`]).
pub async fn list(
    state: &AppState,
    reader: Option<&Actor>,
    input: &ListInput,
) -> Result<Page<Listing>, AppError> {
    let mut fields = Fields::default();
    let side = given(&input.side).and_then(|s| fields.take(s.parse::<Side>()));
    let kind = given(&input.kind).and_then(|s| fields.take(s.parse::<ListingKind>()));
    let status = given(&input.status).and_then(|s| fields.take(s.parse::<ListingStatus>()));
    let enterprise = given(&input.enterprise).and_then(|s| fields.take(s.parse::<EnterpriseId>()));
    let text = given(&input.q).and_then(|s| fields.take(SearchText::parse(s)));
    let limit = input.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_LISTING_PAGE).contains(&limit) {
        fields.add(ParseError::new(
            "limit",
            Rule::Range {
                min: 1,
                max: i64::from(MAX_LISTING_PAGE),
            },
        ));
    }
    let mut stage = None;
    if let Some(raw) = given(&input.stage) {
        if let Some(code) = fields.take(gridloop_core::Code::parse_field("stage", raw)) {
            stage = stage_by_code(state, &code).await?;
            if stage.is_none() {
                fields.add(no_such("stage", Thing::Stage, &code));
            }
        }
    }
    let mut grid = None;
    if let Some(raw) = given(&input.grid) {
        if let Some(code) = fields.take(gridloop_core::Code::parse_field("grid", raw)) {
            grid = state.store.grid_by_code(&code).await?.map(|g| g.id);
            if grid.is_none() {
                fields.add(no_such("grid", Thing::Grid, &code));
            }
        }
    }
    fields.check()?;
    let filter = ListingFilter {
        today: today(state),
        side,
        kind,
        stage,
        grid,
        status,
        enterprise,
        text,
        visible_to: reader.cloned(),
    };
    Ok(state
        .store
        .listings(&filter, limit, input.cursor.as_deref())
        .await?)
}

/// The stage with this code in any chain (codes are unique per chain; the park has one chain
/// in practice, and the first chain's wins otherwise).
pub(super) async fn stage_by_code(
    state: &AppState,
    code: &gridloop_core::Code,
) -> Result<Option<gridloop_core::StageId>, AppError> {
    for chain in state.store.chains().await? {
        let stages = state.store.stages(chain.id).await?;
        if let Some(stage) = stages.into_iter().find(|s| s.code == *code) {
            return Ok(Some(stage.id));
        }
    }
    Ok(None)
}

/// Withdraws a listing: by who may post for its enterprise, who posted it, or a dispatcher or
/// admin. A listing already withdrawn is `Invalid` (`status`).
pub async fn withdraw(state: &AppState, actor: &Actor, id: ListingId) -> Result<Listing, AppError> {
    require_any(actor, Doing::PostListing, WITHDRAWING_ROLES)?;
    let listing = get(state, Some(actor), id).await?;
    let may = listing.posted_by == actor.user
        || OVERSEERS.iter().any(|r| actor.has_role(*r))
        || covers(actor, POSTING_ROLES, listing.grid, listing.enterprise);
    if !may {
        return Err(AppError::OutOfScope {
            doing: Doing::PostListing,
        });
    }
    let mut tx = state.store.transaction().await?;
    let withdrawn = tx
        .withdraw_listing(id, actor.user, state.clock.now())
        .await?;
    tx.commit().await?;
    tracing::info!(%id, "listing withdrawn");
    Ok(withdrawn)
}

//! The industry chain's matchmaking (供需对接), first slice: a chain's stages, each
//! enterprise's chain position, needs and offers posted, listed, searched and withdrawn, and the
//! suggested matches for a need.
//!
//! Who may do what, as for issues: admins set a chain's stages; admins, dispatchers and the
//! commissioners of an enterprise's grid set its position; a post member or commissioner of
//! the enterprise's grid, or the enterprise's own user, posts and withdraws its listings
//! (dispatchers and admins may withdraw any). A listing is seen by whoever would see an issue
//! of its enterprise in its grid, and by who posted it.
//!
//! Expiry is computed when a listing is read, never marked by a job: a listing is open until
//! the end of its valid-until date in the park's time zone ([`today`]), so no listing reads
//! as open after its date even when no scheduler runs (`gridloop chain …` on the command line).
//!
//! # Layout
//!
//! - this file: the park's today and the checks shared by the use cases.
//! - [`stages`]: a chain's stages listed and set.
//! - [`positions`]: an enterprise's chain position read and set.
//! - [`listings`]: needs and offers posted, read, listed and searched, withdrawn.
//! - [`suggest`]: the suggested matches for a need, ranked by the core.
//! - [`meetings`]: matchmaking events (对接会, meetings in code): planned, invitees suggested,
//!   invited and told, reminded, attendance recorded, held or cancelled.
//! - [`matches`]: matches (对接) introduced, moved on, listed and shown; their notices and
//!   follow-up reminders.
//! - [`map`]: the chain map: stages in order, enterprises at their stage, agreed matches as
//!   links.

pub mod listings;
pub mod map;
pub mod matches;
pub mod meetings;
pub mod positions;
pub mod stages;
pub mod suggest;

use chrono::NaiveDate;
use gridloop_core::{Actor, EnterpriseId, GridId, Role, Scope, UserId};
use gridloop_store::Tx;

use crate::error::{AppError, Doing, Thing};
use crate::state::AppState;

/// The roles that post needs and offers for an enterprise they cover.
pub const POSTING_ROLES: &[Role] = &[Role::PostMember, Role::Commissioner, Role::Enterprise];

/// Today's date in the park's time zone: the day expiry and valid-until are read against.
pub fn today(state: &AppState) -> NaiveDate {
    state
        .clock
        .now()
        .with_timezone(&state.calendar.time_zone)
        .date_naive()
}

/// The scope of something of `enterprise` in `grid`, created by `by`.
fn scope(grid: GridId, enterprise: EnterpriseId, by: Option<UserId>) -> Scope {
    Scope {
        grid,
        enterprise,
        unit: None,
        reporter: by,
    }
}

/// The enterprise's grid, or `NotFound` when there is no such enterprise or the actor may not
/// see it (the same answer, as for issues).
async fn enterprise_in_sight(
    tx: &mut Tx,
    actor: &Actor,
    enterprise: EnterpriseId,
) -> Result<GridId, AppError> {
    let found = tx
        .enterprise(enterprise)
        .await?
        .ok_or(AppError::NotFound(Thing::Enterprise))?;
    if !actor.can_see(&scope(found.grid, enterprise, None)) {
        return Err(AppError::NotFound(Thing::Enterprise));
    }
    Ok(found.grid)
}

/// Whether one of `roles` of the actor covers the enterprise in `grid`.
fn covers(actor: &Actor, roles: &[Role], grid: GridId, enterprise: EnterpriseId) -> bool {
    roles
        .iter()
        .any(|&r| actor.role_covers(r, &scope(grid, enterprise, None)))
}

/// `NotPermitted` unless the actor holds one of `roles` at all (checked before anything is
/// read, so a refusal reveals nothing).
fn require_any(actor: &Actor, doing: Doing, roles: &'static [Role]) -> Result<(), AppError> {
    if roles.iter().any(|&r| actor.has_role(r)) {
        Ok(())
    } else {
        Err(AppError::NotPermitted { doing, roles })
    }
}

//! Schedules: the scheduler's recurring jobs (the weekly report, planning visits, what an admin
//! added), listed, paused, resumed and removed.
//!
//! The built-in schedules ([`BUILTIN_SCHEDULES`](crate::jobs::BUILTIN_SCHEDULES)) are created
//! again at every start, so an admin pauses them rather than removes them; the operator at the
//! command line, who owns the database, may remove any (the `*_as_operator` functions).

use gridloop_core::Actor;
use gridloop_store::{ScheduleRecord, Store};

use crate::error::AppError;
use crate::jobs::is_builtin_schedule;
use crate::reference::require_admin;
use crate::state::AppState;

/// What became of a schedule an admin asked to remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// A built-in schedule: kept, for it would come back at the next start (pause it instead).
    Builtin,
}

/// Every schedule, in id order.
pub async fn list(store: &Store) -> Result<Vec<ScheduleRecord>, AppError> {
    Ok(store.schedules().await?)
}

/// Pauses or resumes the schedule named `name` (admins only).
pub async fn set_paused(
    state: &AppState,
    actor: &Actor,
    name: &str,
    paused: bool,
) -> Result<ScheduleRecord, AppError> {
    require_admin(actor)?;
    set_paused_as_operator(state, name, paused).await
}

/// [`set_paused`] for the operator at the command line.
pub async fn set_paused_as_operator(
    state: &AppState,
    name: &str,
    paused: bool,
) -> Result<ScheduleRecord, AppError> {
    let record = state
        .store
        .set_schedule_paused(name, paused, state.clock.now())
        .await?;
    tracing::info!(schedule = %name, paused, "schedule paused or resumed");
    Ok(record)
}

/// Removes a schedule an admin added (admins only); a built-in one is kept
/// ([`Removal::Builtin`]).
pub async fn remove(state: &AppState, actor: &Actor, name: &str) -> Result<Removal, AppError> {
    require_admin(actor)?;
    if is_builtin_schedule(name) {
        return Ok(Removal::Builtin);
    }
    remove_as_operator(state, name).await?;
    Ok(Removal::Removed)
}

/// Removes any schedule, built-in ones too (they come back at the next start): for the
/// operator at the command line.
pub async fn remove_as_operator(state: &AppState, name: &str) -> Result<(), AppError> {
    state.store.remove_schedule(name).await?;
    tracing::info!(schedule = %name, "schedule removed");
    Ok(())
}

//! The calendar in force on every instance, following the stored one: a change made through
//! any instance (or the CLI) is in force on this one within [`FOLLOW_EVERY`], without a
//! restart. The check is one cheap query (the sum of the region's year versions); the years
//! are read again only when it moved.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use gridloop_core::Workflow;

use crate::{AppError, AppState};

/// How often a server asks whether the stored calendar changed.
pub const FOLLOW_EVERY: Duration = Duration::from_secs(5);

/// The stored calendar's version the workflow in force was built from (`-1`: not known yet,
/// so the first [`refresh`] builds it).
#[derive(Debug)]
pub struct BuiltFrom(AtomicI64);

impl Default for BuiltFrom {
    fn default() -> Self {
        Self(AtomicI64::new(-1))
    }
}

/// Puts the stored calendar in force if it changed since the workflow in force was built;
/// says whether it did.
pub async fn refresh(state: &AppState) -> Result<bool, AppError> {
    let region = &state.calendar.region;
    let version = state.store.calendar_version(region).await?;
    if version == state.calendar_built_from.0.load(Ordering::Acquire) {
        return Ok(false);
    }
    let stored = state.store.calendar_years(region).await?;
    let calendar = super::from_stored(&stored, &state.calendar, state.clock.now());
    state.workflow.replace(Workflow::new(calendar));
    // A change that landed between the two reads is picked up by the next refresh, since the
    // version stored here is the older one.
    state
        .calendar_built_from
        .0
        .store(version, Ordering::Release);
    tracing::info!(region = %region, version, "working calendar in force");
    Ok(true)
}

/// For a server: [`refresh`] every [`FOLLOW_EVERY`] until the task is dropped. A failed check
/// is logged and tried again at the next tick; the calendar in force stays meanwhile.
pub async fn follow(state: AppState) {
    let mut every = tokio::time::interval(FOLLOW_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = refresh(&state).await {
            tracing::warn!(error = %e, "could not check whether the working calendar changed");
        }
    }
}

//! The outbox for admins: the notifications waiting, sent or given up on (addresses masked
//! when shown), and a failed or dead one put back in line; and a person's choice of channels
//! for each kind of notification.
//!
//! Admins do this from the JSON API and the web's admin pages; the operator at the command
//! line, who owns the database, does it too (the `*_as_operator` functions).

use gridloop_core::{Actor, Channel, NotificationKind, UserId};
use gridloop_store::{Notification, NotificationState, Store};

use crate::error::AppError;
use crate::reference::require_admin;
use crate::state::AppState;

/// How many notifications a listing shows when it does not say.
pub const DEFAULT_LIMIT: u32 = 50;
/// The most a listing shows.
pub const MAX_LIMIT: u32 = 1000;

/// Which notifications to list, as typed.
#[derive(Debug, Clone, Default)]
pub struct NotificationQuery {
    /// `pending`, `sending`, `sent`, `delivered`, `failed` or `dead`.
    pub state: Option<String>,
    /// 1 to [`MAX_LIMIT`] (a number outside is brought inside), [`DEFAULT_LIMIT`] when left out.
    pub limit: Option<u32>,
}

/// Notifications, newest first (admins only).
pub async fn list(
    state: &AppState,
    actor: &Actor,
    query: &NotificationQuery,
) -> Result<Vec<Notification>, AppError> {
    require_admin(actor)?;
    list_as_operator(&state.store, query).await
}

/// [`list`] for the operator at the command line.
pub async fn list_as_operator(
    store: &Store,
    query: &NotificationQuery,
) -> Result<Vec<Notification>, AppError> {
    let wanted = query
        .state
        .as_deref()
        .map(str::parse::<NotificationState>)
        .transpose()?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    Ok(store.notifications(wanted, limit).await?)
}

/// The dead notifications, newest first, at most `limit`: what the admin page offers to retry.
pub async fn dead(
    state: &AppState,
    actor: &Actor,
    limit: u32,
) -> Result<Vec<Notification>, AppError> {
    require_admin(actor)?;
    Ok(state
        .store
        .notifications(Some(NotificationState::Dead), limit.clamp(1, MAX_LIMIT))
        .await?)
}

/// Puts a failed or dead notification back in line to go now, its attempts counted afresh
/// (admins only).
pub async fn retry(state: &AppState, actor: &Actor, id: i64) -> Result<Notification, AppError> {
    require_admin(actor)?;
    retry_as_operator(state, id).await
}

/// [`retry`] for the operator at the command line.
pub async fn retry_as_operator(state: &AppState, id: i64) -> Result<Notification, AppError> {
    let n = state
        .store
        .retry_notification(id, state.clock.now())
        .await?;
    tracing::info!(notification = id, "notification put back in line");
    Ok(n)
}

/// The channels a person chose for each kind of notification they chose for; the kinds left
/// out go by the defaults (email for everything, SMS too for what asks to act soon).
pub async fn prefs(
    store: &Store,
    user: UserId,
) -> Result<Vec<(NotificationKind, Vec<Channel>)>, AppError> {
    Ok(store.notification_prefs(user).await?)
}

/// Sets the channels a person gets a kind of notification on: `None` goes back to the default,
/// an empty list turns that kind off.
pub async fn set_pref(
    store: &Store,
    user: UserId,
    kind: NotificationKind,
    channels: Option<&[Channel]>,
) -> Result<(), AppError> {
    store.set_notification_pref(user, kind, channels).await?;
    tracing::info!(user = %user, kind = kind.stored_name(), "notification preference set");
    Ok(())
}

//! Web sign-in sessions: started by [`crate::sign_in`], found again from the secret a browser
//! sends back, kept alive by use, ended at sign-out.
//!
//! A session's secret is 256 random bits; the database holds only its SHA-256 (as for API
//! tokens), with the user, when the session began, when it was last used and when it ends. A
//! session ends when unused for `web.session_idle_minutes`, `web.session_max_days` after
//! sign-in, or at sign-out, which deletes its row; any instance on the same database honours
//! all three at once. How the secret travels (a cookie) is the web's business.

use std::fmt::Write as _;

use gridloop_core::{Actor, UserId};
use gridloop_store::User;

use crate::error::AppError;
use crate::state::AppState;
use crate::tokens::token_hash;

/// A session's last use is written at most this often, so reading pages is not a write each.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::minutes(1);

/// A live session: whose it is, and the hash that names it (for [`end`]).
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub actor: Actor,
    pub hash: String,
}

/// A fresh session secret: 256 random bits as hex, distinct in shape from API tokens
/// (`glt_…`), which it never works as.
pub fn new_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::internal("no randomness for a session", &e))?;
    let mut out = String::with_capacity(64);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    Ok(out)
}

/// Starts a session for `user`; returns its secret, shown to the browser once. Sessions that
/// ended are pruned on the way (they are refused anyway; this keeps the table small).
pub async fn start(state: &AppState, user: UserId) -> Result<String, AppError> {
    let secret = new_secret()?;
    let now = state.clock.now();
    state
        .store
        .create_session(user, &token_hash(&secret), now, now + state.web.max_age)
        .await?;
    if let Err(e) = state.store.prune_sessions(now, now - state.web.idle).await {
        tracing::warn!(error = %e, "could not prune ended sessions");
    }
    Ok(secret)
}

/// The live session with this secret, if any; its last use is moved to now (at most once a
/// minute).
pub async fn find(state: &AppState, secret: &str) -> Result<Option<Session>, AppError> {
    let hash = token_hash(secret);
    let now = state.clock.now();
    let Some((session, user, actor)) = state
        .store
        .session_holder(&hash, now, now - state.web.idle)
        .await?
    else {
        return Ok(None);
    };
    if now - session.last_seen_at >= TOUCH_EVERY {
        state.store.touch_session(&hash, now).await?;
    }
    Ok(Some(Session { user, actor, hash }))
}

/// Ends the session named by its hash (sign-out).
pub async fn end(state: &AppState, hash: &str) -> Result<(), AppError> {
    state.store.delete_session(hash).await?;
    Ok(())
}

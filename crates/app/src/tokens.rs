//! API tokens: how they are made and kept, and who holds one.
//!
//! A token is `glt_` and 64 hex digits of operating-system randomness (256 bits). The store
//! keeps only its SHA-256, so the secret is shown once, when created, and never again. The
//! same hash keeps web sessions' cookies (see [`crate::sessions`]).
//!
//! Each token opens one surface, its [`TokenScope`]: which surface a request came to is the
//! front end's to know (the API's `Caller` extractor admits only `api` tokens, Open311 only
//! `open311` keys); this module says whose a token is.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use gridloop_core::{Actor, Role, UserId};
use gridloop_store::{ApiToken, TokenHolder, TokenScope, User};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::AppState;

const PREFIX: &str = "glt_";

/// A new random token secret.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let mut token = String::with_capacity(PREFIX.len() + 64);
    token.push_str(PREFIX);
    for b in bytes {
        let _ = write!(token, "{b:02x}");
    }
    Ok(token)
}

/// What the store keeps of a token (and of a web session's secret).
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// The user behind a token, and what the token opens.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub actor: Actor,
    /// What the token opens.
    pub scope: TokenScope,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.actor.has_role(role)
    }
}

/// The live token's holder, whatever its scope; `None` for a token that is malformed, unknown,
/// revoked or held by a deactivated user. Remembered for a few seconds ([`CallerCache`]).
pub async fn holder(state: &AppState, token: &str) -> Result<Option<Caller>, AppError> {
    if !token.starts_with(PREFIX) || token.len() != PREFIX.len() + 64 {
        return Ok(None);
    }
    let hash = token_hash(token);
    let now = Instant::now();
    if let Some(caller) = state.callers.get(&hash, now) {
        return Ok(Some(caller));
    }
    let Some(TokenHolder { user, actor, scope }) = state.store.token_holder(&hash).await? else {
        return Ok(None);
    };
    let caller = Caller { user, actor, scope };
    state.callers.put(hash, caller.clone(), now);
    Ok(Some(caller))
}

/// Creates a token of a scope for a user; returns the record and the secret, which is shown
/// once and never kept.
pub async fn create(
    store: &gridloop_store::Store,
    user: UserId,
    name: &str,
    scope: TokenScope,
    now: DateTime<Utc>,
) -> Result<(ApiToken, String), AppError> {
    let secret = new_token().map_err(|e| AppError::internal("no randomness from the OS", &e))?;
    let token = store
        .create_token(user, name, scope, &token_hash(&secret), now)
        .await?;
    Ok((token, secret))
}

/// Revokes a token: it stops opening anything (within [`CallerCache::TTL`] on a server other
/// than the one that revoked it). Revoking it again changes nothing.
pub async fn revoke(
    store: &gridloop_store::Store,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    store.revoke_token(id, now).await?;
    tracing::info!(token = id, "token revoked");
    Ok(())
}

/// The tokens of the user `of`, or everyone's, revoked ones too (their secrets are never kept,
/// so none is shown).
pub async fn list(
    store: &gridloop_store::Store,
    of: Option<UserId>,
) -> Result<Vec<ApiToken>, AppError> {
    Ok(store.tokens(of).await?)
}

/// Recently authenticated callers, by token hash.
///
/// Authentication reads a token, a user, their roles and memberships: a handful of queries per
/// request, more than most requests' own work. Remembering the answer for a few seconds makes
/// it free for a client sending a burst. The price is that revoking a token or deactivating a
/// user from another process (the CLI) takes effect within [`CallerCache::TTL`]; changes made
/// through this server's API clear the cache at once.
#[derive(Debug, Default)]
pub struct CallerCache {
    // A std Mutex: held for a map look-up or insert, never across an await.
    entries: Mutex<HashMap<String, (Instant, Caller)>>,
}

impl CallerCache {
    pub const TTL: Duration = Duration::from_secs(10);
    /// Past this many entries the cache starts over rather than grow without bound.
    const MAX_ENTRIES: usize = 10_000;

    fn get(&self, hash: &str, now: Instant) -> Option<Caller> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(hash)
            .filter(|(at, _)| now.duration_since(*at) < Self::TTL)
            .map(|(_, caller)| caller.clone())
    }

    fn put(&self, hash: String, caller: Caller, now: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(hash, (now, caller));
    }

    /// Forgets every caller: after a change to users, roles or memberships.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        use gridloop_core::{Login, Name, UserId};
        let id = UserId::new(7).unwrap();
        Caller {
            user: User {
                id,
                login: Login::parse("post01").unwrap(),
                name: Name::parse("张伟").unwrap(),
                phone: None,
                email: None,
                locale: "zh-CN".into(),
                roles: vec![Role::PostMember],
                posts: vec![],
                units: vec![],
                grids: vec![],
                enterprises: vec![],
                active: true,
            },
            actor: Actor {
                user: id,
                roles: vec![Role::PostMember],
                grids: vec![],
                units: vec![],
                enterprises: vec![],
            },
            scope: TokenScope::Api,
        }
    }

    #[test]
    fn a_cached_caller_expires_after_the_ttl_and_on_clear() {
        let cache = CallerCache::default();
        let t0 = Instant::now();
        cache.put("h".into(), caller(), t0);
        assert!(cache.get("h", t0 + Duration::from_secs(9)).is_some());
        assert!(cache.get("h", t0 + CallerCache::TTL).is_none(), "expired");
        assert!(cache.get("other", t0).is_none());
        cache.clear();
        assert!(cache.get("h", t0).is_none(), "cleared");
    }

    #[test]
    fn tokens_are_long_random_and_hashed_consistently() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 68);
        assert!(a.starts_with("glt_"));
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash(&a).len(), 64);
    }
}

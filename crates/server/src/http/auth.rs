//! Bearer tokens: how they are made, and the extractor that turns one into a [`Caller`].
//!
//! A token is `glt_` and 64 hex digits of operating-system randomness (256 bits). The store
//! keeps only its SHA-256, so the secret is shown once, when created, and never again.

use std::fmt::Write;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use gridloop_core::{Actor, Role};
use gridloop_store::User;
use sha2::{Digest, Sha256};

use crate::http::problem::Problem;
use crate::http::state::AppState;

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

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// The signed-in user behind a request's bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub actor: Actor,
}

impl Caller {
    /// 403 unless the caller holds the role.
    pub fn require(&self, role: Role) -> Result<(), Problem> {
        if self.actor.has_role(role) {
            Ok(())
        } else {
            Err(Problem::forbidden(format!("this needs the {role} role")))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .ok_or_else(Problem::unauthorized)?;
        caller_for_token(state, token).await
    }
}

/// Resolves a token (from a header, or Open311's `api_key`) to its caller; 401 if unknown.
pub async fn caller_for_token(state: &AppState, token: &str) -> Result<Caller, Problem> {
    if !token.starts_with(PREFIX) || token.len() != PREFIX.len() + 64 {
        return Err(Problem::unauthorized());
    }
    let user = state
        .store
        .user_by_token_hash(&token_hash(token))
        .await?
        .ok_or_else(Problem::unauthorized)?;
    let actor = state.store.actor(&user.login).await?;
    Ok(Caller { user, actor })
}

#[cfg(test)]
mod tests {
    use super::*;

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

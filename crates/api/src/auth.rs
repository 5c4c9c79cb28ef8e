//! The bearer token of a request, and the [`Caller`] extractor over the app's token holders
//! (`gridloop_app::tokens`).
//!
//! Each token opens one surface, its [`TokenScope`]: the [`Caller`] extractor of `/api/v1`
//! admits only `api` tokens, Open311 only `open311` keys. An Open311 key lives in an outside
//! 311 client's configuration; refusing it everywhere else keeps a leaked key from reading or
//! acting on what its user could reach through the API.

use std::ops::Deref;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use gridloop_app::store::TokenScope;
use gridloop_app::{tokens, AppState};
use gridloop_core::Role;

use crate::problem::Problem;

/// The signed-in user behind a request's bearer token.
#[derive(Debug, Clone)]
pub struct Caller(pub tokens::Caller);

impl Deref for Caller {
    type Target = tokens::Caller;
    fn deref(&self) -> &tokens::Caller {
        &self.0
    }
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
        caller_for_token(state, token, TokenScope::Api).await
    }
}

/// Resolves a token (from a header, or Open311's `api_key`) to its caller: 401 if unknown,
/// 403 if it is of another scope than the surface it was sent to.
pub async fn caller_for_token(
    state: &AppState,
    token: &str,
    surface: TokenScope,
) -> Result<Caller, Problem> {
    let caller = tokens::holder(state, token)
        .await?
        .ok_or_else(Problem::unauthorized)?;
    if caller.scope == surface {
        return Ok(Caller(caller));
    }
    Err(Problem::forbidden(match caller.scope {
        TokenScope::Open311 => "this token is an Open311 api_key: it works only under /open311/v2",
        TokenScope::Api => "this token is an API token: it works only under /api/v1",
    }))
}

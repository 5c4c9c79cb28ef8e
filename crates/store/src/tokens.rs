//! API tokens: the bearer credentials of the HTTP API and Open311's `api_key`.
//!
//! The store never sees a secret, only its hash (computed by the caller), so nothing here or in
//! the database can be replayed as a credential.
//!
//! Every token has a [`TokenScope`]: the one surface it opens. An Open311 key is handed to an
//! outside 311 client; if it also opened `/api/v1`, whoever holds that client's configuration
//! could read and act on everything its user may see there.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use gridloop_core::{Actor, ParseError, Role, Rule, UserId};
use serde::Serialize;

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::model::User;
use crate::rows::stored;
use crate::store::Store;

/// The surface a token opens: exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    /// A bearer token for the JSON API under `/api/v1`; not accepted as an Open311 `api_key`.
    Api,
    /// An Open311 `api_key`, accepted only under `/open311/v2`, where it reports requests and
    /// reads back the ones it reported. Only for users with the `enterprise` role.
    Open311,
}

impl TokenScope {
    pub const ALL: [TokenScope; 2] = [Self::Api, Self::Open311];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Open311 => "open311",
        }
    }

    /// Whether a user with these roles may hold a token of this scope: an Open311 key speaks
    /// for enterprises, so only an `enterprise` user gets one.
    pub fn allowed_for(self, roles: &[Role]) -> bool {
        match self {
            Self::Api => true,
            Self::Open311 => roles.contains(&Role::Enterprise),
        }
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenScope {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s.trim())
            .ok_or_else(|| {
                ParseError::new(
                    "scope",
                    Rule::OneOf {
                        allowed: &["api", "open311"],
                    },
                )
            })
    }
}

/// A token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user: UserId,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Who holds a live token, as authentication needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHolder {
    pub user: User,
    pub actor: Actor,
    pub scope: TokenScope,
}

/// The condition of a token that authenticates: `$1` its hash, `$2` true.
const LIVE_TOKEN: &str = "t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = $2";

impl TokenHolder {
    fn from_row((user, actor, scope): (User, Actor, String)) -> Result<Self, StoreError> {
        Ok(Self {
            user,
            actor,
            scope: stored("api_tokens", scope.parse())?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    name: String,
    scope: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    fn into_domain(self) -> Result<ApiToken, StoreError> {
        Ok(ApiToken {
            id: self.id,
            user: stored("api_tokens", UserId::new(self.user_id))?,
            name: self.name,
            scope: stored("api_tokens", self.scope.parse())?,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

const TOKEN_COLUMNS: &str = "id, user_id, name, scope, created_at, revoked_at";

impl Tx {
    /// Records a token by the hash of its secret. `NotFound` for an unknown user; `Invalid`
    /// (field `scope`) for an Open311 key of a user without the `enterprise` role.
    pub async fn create_token(
        &mut self,
        user: UserId,
        name: &str,
        scope: TokenScope,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<ApiToken, StoreError> {
        let holder = self
            .user(user)
            .await?
            .ok_or_else(|| StoreError::not_found("user", user.get()))?;
        if !scope.allowed_for(&holder.roles) {
            return Err(StoreError::invalid(
                "scope",
                Rule::NeedsRole {
                    role: Role::Enterprise,
                },
            ));
        }
        let row: TokenRow = self
            .fetch_one(
                &format!(
                    "INSERT INTO api_tokens (user_id, name, scope, token_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING {TOKEN_COLUMNS}"
                ),
                args![user.get(), name, scope.as_str(), hash, now],
            )
            .await?;
        row.into_domain()
    }

    /// The active user holding an unrevoked token with this hash, whatever its scope.
    pub async fn user_by_token_hash(&mut self, hash: &str) -> Result<Option<User>, StoreError> {
        Ok(self
            .user_by_token(LIVE_TOKEN, args![hash, true])
            .await?
            .map(|(user, _, _)| user))
    }

    /// The active user holding an unrevoked token with this hash, the actor they are and what
    /// the token opens: everything authentication needs, in one statement.
    pub async fn token_holder(&mut self, hash: &str) -> Result<Option<TokenHolder>, StoreError> {
        self.user_by_token(LIVE_TOKEN, args![hash, true])
            .await?
            .map(TokenHolder::from_row)
            .transpose()
    }

    /// Tokens of one user, or all, in id order.
    pub async fn tokens(&mut self, user: Option<UserId>) -> Result<Vec<ApiToken>, StoreError> {
        let rows: Vec<TokenRow> = self
            .fetch_all(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens \
                     WHERE ($1 IS NULL OR user_id = $1) ORDER BY id"
                ),
                args![user.map(UserId::get)],
            )
            .await?;
        rows.into_iter().map(TokenRow::into_domain).collect()
    }

    /// Revokes a token; revoking twice is harmless. `NotFound` for an unknown id.
    pub async fn revoke_token(&mut self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let changed = self
            .execute(
                "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
                args![id, now],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::not_found("token", id));
        }
        Ok(())
    }
}

impl Store {
    /// Records a token by the hash of its secret.
    pub async fn create_token(
        &self,
        user: UserId,
        name: &str,
        scope: TokenScope,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<ApiToken, StoreError> {
        self.write(async move |tx| tx.create_token(user, name, scope, hash, now).await)
            .await
    }

    /// The active user holding an unrevoked token with this hash, whatever its scope.
    pub async fn user_by_token_hash(&self, hash: &str) -> Result<Option<User>, StoreError> {
        self.read(async move |tx| tx.user_by_token_hash(hash).await)
            .await
    }

    /// The holder of a token, the actor they are and the token's scope, in one read: the
    /// API's and Open311's authentication.
    pub async fn token_holder(&self, hash: &str) -> Result<Option<TokenHolder>, StoreError> {
        // One statement needs no transaction around it for a snapshot: BEGIN and COMMIT
        // would double the statements of every API request's authentication.
        let sql = crate::reference::user_by_token_sql(self.pool.backend(), LIVE_TOKEN);
        let row: Option<crate::reference::TokenUserRow> = self
            .pool
            .fetch_optional_read(&sql, args![hash, true])
            .await?;
        row.map(|row| TokenHolder::from_row(row.into_domain()?))
            .transpose()
    }

    /// Tokens of one user, or all.
    pub async fn tokens(&self, user: Option<UserId>) -> Result<Vec<ApiToken>, StoreError> {
        self.read(async move |tx| tx.tokens(user).await).await
    }

    /// Revokes a token.
    pub async fn revoke_token(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(async move |tx| tx.revoke_token(id, now).await)
            .await
    }
}

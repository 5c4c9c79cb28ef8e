//! API tokens: the bearer credentials of the HTTP API and Open311's `api_key`.
//!
//! The store never sees a secret, only its hash (computed by the caller), so nothing here or in
//! the database can be replayed as a credential.

use chrono::{DateTime, Utc};
use gridloop_core::{Actor, UserId};
use serde::Serialize;

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::model::User;
use crate::rows::stored;
use crate::store::{in_transaction, Store};

/// A token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user: UserId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    name: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    fn into_domain(self) -> Result<ApiToken, StoreError> {
        Ok(ApiToken {
            id: self.id,
            user: stored("api_tokens", UserId::new(self.user_id))?,
            name: self.name,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, revoked_at";

impl Tx {
    /// Records a token by the hash of its secret. `NotFound` for an unknown user.
    pub async fn create_token(
        &mut self,
        user: UserId,
        name: &str,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<ApiToken, StoreError> {
        self.must_exist("users", "user", user.get()).await?;
        let row: TokenRow = self
            .fetch_one(
                &format!(
                    "INSERT INTO api_tokens (user_id, name, token_hash, created_at) \
                     VALUES ($1, $2, $3, $4) RETURNING {TOKEN_COLUMNS}"
                ),
                args![user.get(), name, hash, now],
            )
            .await?;
        row.into_domain()
    }

    /// The active user holding an unrevoked token with this hash.
    pub async fn user_by_token_hash(&mut self, hash: &str) -> Result<Option<User>, StoreError> {
        let found: Option<(i64,)> = self
            .fetch_optional(
                "SELECT t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = $2",
                args![hash, true],
            )
            .await?;
        match found {
            Some((id,)) => self.user(stored("api_tokens", UserId::new(id))?).await,
            None => Ok(None),
        }
    }

    /// The active user holding an unrevoked token with this hash, and the actor they are:
    /// everything authentication needs, in one transaction.
    pub async fn token_holder(&mut self, hash: &str) -> Result<Option<(User, Actor)>, StoreError> {
        let Some(user) = self.user_by_token_hash(hash).await? else {
            return Ok(None);
        };
        let actor = self.actor_of(user.clone()).await?;
        Ok(Some((user, actor)))
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
    in_transaction! {
        /// Records a token by the hash of its secret.
        write fn create_token(&self, user: UserId, name: &str, hash: &str, now: DateTime<Utc>) -> ApiToken;
        /// The active user holding an unrevoked token with this hash: the API's authentication.
        read fn user_by_token_hash(&self, hash: &str) -> Option<User>;
        /// The holder of a token and the actor they are, in one read: the API's authentication.
        read fn token_holder(&self, hash: &str) -> Option<(User, Actor)>;
        /// Tokens of one user, or all.
        read fn tokens(&self, user: Option<UserId>) -> Vec<ApiToken>;
        /// Revokes a token.
        write fn revoke_token(&self, id: i64, now: DateTime<Utc>) -> ();
    }
}

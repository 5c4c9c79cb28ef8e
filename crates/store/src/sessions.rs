//! Web sign-in: users' password hashes and the sessions of the web pages.
//!
//! Like API tokens, the store never sees a secret: a password arrives already hashed (an
//! argon2id PHC string, made by the server) and a session by the SHA-256 of its cookie value.
//! Sessions live here rather than in a server's memory so that several `gridloop serve`
//! instances behind one address share them.

use chrono::{DateTime, Utc};
use gridloop_core::{Actor, Login, UserId};
use serde::Serialize;

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::issues::to_micros;
use crate::model::User;
use crate::rows::stored;
use crate::store::Store;

/// A signed-in browser, as stored: never the cookie's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebSession {
    pub id: i64,
    pub user: UserId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The absolute end, however busy the session is.
    pub expires_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    user_id: i64,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl SessionRow {
    fn into_domain(self) -> Result<WebSession, StoreError> {
        Ok(WebSession {
            id: self.id,
            user: stored("web_sessions", UserId::new(self.user_id))?,
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
        })
    }
}

const SESSION_COLUMNS: &str = "id, user_id, created_at, last_seen_at, expires_at";

impl Tx {
    /// Sets (or with `None` removes) a user's password hash. `NotFound` for an unknown user.
    /// The user's sessions end with it: whoever knew the old password is signed out.
    pub async fn set_password_hash(
        &mut self,
        user: UserId,
        hash: Option<&str>,
    ) -> Result<(), StoreError> {
        let changed = self
            .execute(
                "UPDATE users SET password_hash = $2 WHERE id = $1",
                args![user.get(), hash],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::not_found("user", user.get()));
        }
        self.end_sessions(user).await?;
        Ok(())
    }

    /// Ends every web session of a user (deactivated, or told to sign in again); returns how
    /// many there were.
    pub async fn end_sessions(&mut self, user: UserId) -> Result<u64, StoreError> {
        self.execute(
            "DELETE FROM web_sessions WHERE user_id = $1",
            args![user.get()],
        )
        .await
    }

    /// The id and password hash of the active user with this login, if they have a password.
    /// An unknown login, an inactive user and one without a password are all `None`, so the
    /// caller cannot tell them apart either.
    pub async fn password_hash(
        &mut self,
        login: &Login,
    ) -> Result<Option<(UserId, String)>, StoreError> {
        let found: Option<(i64, String)> = self
            .fetch_optional(
                "SELECT id, password_hash FROM users \
                 WHERE login = $1 AND active = $2 AND password_hash IS NOT NULL",
                args![login.as_str(), true],
            )
            .await?;
        found
            .map(|(id, hash)| Ok((stored("users", UserId::new(id))?, hash)))
            .transpose()
    }

    /// Records a new session by the hash of its cookie value. `NotFound` for an unknown user.
    pub async fn create_session(
        &mut self,
        user: UserId,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<WebSession, StoreError> {
        self.must_exist("users", "user", user.get()).await?;
        let now = to_micros(now);
        let row: SessionRow = self
            .fetch_one(
                &format!(
                    "INSERT INTO web_sessions (token_hash, user_id, created_at, last_seen_at, expires_at) \
                     VALUES ($1, $2, $3, $3, $4) RETURNING {SESSION_COLUMNS}"
                ),
                args![token_hash, user.get(), now, to_micros(expires_at)],
            )
            .await?;
        row.into_domain()
    }

    /// The live session with this hash, its active user and the actor they are: a session is
    /// live before its absolute end and when last seen after `idle_since`.
    pub async fn session_holder(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> Result<Option<(WebSession, User, Actor)>, StoreError> {
        let row: Option<SessionRow> = self
            .fetch_optional(
                "SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at \
                 FROM web_sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 \
                 AND u.active = $4",
                args![token_hash, to_micros(now), to_micros(idle_since), true],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let session = row.into_domain()?;
        let Some(user) = self.user(session.user).await? else {
            return Ok(None);
        };
        let actor = self.actor_of(user.clone()).await?;
        Ok(Some((session, user, actor)))
    }

    /// Moves a session's last use to `now` (never backwards), which keeps it from idling out.
    pub async fn touch_session(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = to_micros(now);
        self.execute(
            "UPDATE web_sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2",
            args![token_hash, now],
        )
        .await?;
        Ok(())
    }

    /// Ends a session (signing out). Ending one that is gone already is harmless: `false`.
    pub async fn delete_session(&mut self, token_hash: &str) -> Result<bool, StoreError> {
        let deleted = self
            .execute(
                "DELETE FROM web_sessions WHERE token_hash = $1",
                args![token_hash],
            )
            .await?;
        Ok(deleted > 0)
    }

    /// Removes sessions past their absolute end or idle since before `idle_since`; returns how
    /// many went. Expired sessions are refused anyway; this only keeps the table small.
    pub async fn prune_sessions(
        &mut self,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.execute(
            "DELETE FROM web_sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
            args![to_micros(now), to_micros(idle_since)],
        )
        .await
    }

    /// A user's sessions, oldest first (for tests and administration; never their secrets).
    pub async fn sessions(&mut self, user: UserId) -> Result<Vec<WebSession>, StoreError> {
        let rows: Vec<SessionRow> = self
            .fetch_all(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM web_sessions WHERE user_id = $1 ORDER BY id"
                ),
                args![user.get()],
            )
            .await?;
        rows.into_iter().map(SessionRow::into_domain).collect()
    }
}

impl Store {
    /// Sets or removes a user's password hash, ending their sessions.
    pub async fn set_password_hash(
        &self,
        user: UserId,
        hash: Option<&str>,
    ) -> Result<(), StoreError> {
        self.write(async move |tx| tx.set_password_hash(user, hash).await)
            .await
    }

    /// The id and password hash of an active user with a password.
    pub async fn password_hash(
        &self,
        login: &Login,
    ) -> Result<Option<(UserId, String)>, StoreError> {
        self.read(async move |tx| tx.password_hash(login).await)
            .await
    }

    /// Records a new session by the hash of its cookie value.
    pub async fn create_session(
        &self,
        user: UserId,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<WebSession, StoreError> {
        self.write(async move |tx| tx.create_session(user, token_hash, now, expires_at).await)
            .await
    }

    /// The live session with this hash, its user and actor: the web pages' authentication.
    pub async fn session_holder(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> Result<Option<(WebSession, User, Actor)>, StoreError> {
        self.read(async move |tx| tx.session_holder(token_hash, now, idle_since).await)
            .await
    }

    /// Moves a session's last use to `now`.
    pub async fn touch_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(async move |tx| tx.touch_session(token_hash, now).await)
            .await
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        self.write(async move |tx| tx.delete_session(token_hash).await)
            .await
    }

    /// Removes expired and idle sessions.
    pub async fn prune_sessions(
        &self,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.write(async move |tx| tx.prune_sessions(now, idle_since).await)
            .await
    }

    /// A user's sessions, oldest first.
    pub async fn sessions(&self, user: UserId) -> Result<Vec<WebSession>, StoreError> {
        self.read(async move |tx| tx.sessions(user).await).await
    }
}

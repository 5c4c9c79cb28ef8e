//! Which channels a user wants for each kind of notification.
//!
//! A preference replaces the default for its kind (email always, SMS for the kinds that ask
//! someone to act soon: see [`crate::SMS_BY_DEFAULT`]); the outbox routing reads it in the
//! transaction that writes the notification.

use gridloop_core::{Format, Rule, UserId};
use sqlx::types::Json;

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::store::{in_transaction, Store};

/// The channels a preference may name.
pub const CHANNELS: &[&str] = &["email", "sms"];

/// The longest notification kind accepted (kinds are short snake_case words).
const MAX_KIND_CHARS: usize = 40;

impl Tx {
    /// Sets a user's channels for one kind: a subset of [`CHANNELS`], possibly empty (nothing
    /// is sent for that kind). `None` removes the preference, back to the default.
    pub async fn set_notification_pref(
        &mut self,
        user: UserId,
        kind: &str,
        channels: Option<&[String]>,
    ) -> Result<(), StoreError> {
        if kind.is_empty()
            || kind.len() > MAX_KIND_CHARS
            || !kind.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            return Err(StoreError::invalid("kind", Rule::Format(Format::Code)));
        }
        self.must_exist("users", "user", user.get()).await?;
        self.execute(
            "DELETE FROM notification_prefs WHERE user_id = $1 AND kind = $2",
            args![user.get(), kind],
        )
        .await?;
        let Some(channels) = channels else {
            return Ok(());
        };
        let mut chosen: Vec<&str> = Vec::new();
        for channel in channels {
            let known = CHANNELS
                .iter()
                .find(|c| **c == channel.as_str())
                .ok_or_else(|| {
                    StoreError::invalid("channels", Rule::OneOf { allowed: CHANNELS })
                })?;
            if !chosen.contains(known) {
                chosen.push(known);
            }
        }
        self.execute(
            "INSERT INTO notification_prefs (user_id, kind, channels) VALUES ($1, $2, $3)",
            args![user.get(), kind, serde_json::json!(chosen)],
        )
        .await?;
        Ok(())
    }

    /// A user's preferences, by kind.
    pub async fn notification_prefs(
        &mut self,
        user: UserId,
    ) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        let rows: Vec<(String, Json<Vec<String>>)> = self
            .fetch_all(
                "SELECT kind, channels FROM notification_prefs WHERE user_id = $1 ORDER BY kind",
                args![user.get()],
            )
            .await?;
        Ok(rows.into_iter().map(|(k, c)| (k, c.0)).collect())
    }
}

impl Store {
    in_transaction! {
        /// Sets (or with `None` clears) a user's channels for one kind of notification.
        write fn set_notification_pref(&self, user: UserId, kind: &str, channels: Option<&[String]>) -> ();
        /// A user's notification preferences, by kind.
        read fn notification_prefs(&self, user: UserId) -> Vec<(String, Vec<String>)>;
    }
}

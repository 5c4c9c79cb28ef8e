//! Which channels a user wants for each kind of notification.
//!
//! A preference replaces the default for its kind (email always, SMS for the kinds that ask
//! someone to act soon: see [`crate::SMS_BY_DEFAULT`]); the outbox routing reads it in the
//! transaction that writes the notification.

use gridloop_core::{Channel, NotificationKind, UserId};
use sqlx::types::Json;

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::store::Store;

/// The channels a preference may name.
pub const CHANNELS: &[Channel] = &Channel::ALL;

impl Tx {
    /// Sets a user's channels for one kind: a subset of [`CHANNELS`], possibly empty (nothing
    /// is sent for that kind). `None` removes the preference, back to the default. Stored under
    /// the kind's [`stored_name`](NotificationKind::stored_name), which is what the outbox
    /// routing looks preferences up by.
    pub async fn set_notification_pref(
        &mut self,
        user: UserId,
        kind: NotificationKind,
        channels: Option<&[Channel]>,
    ) -> Result<(), StoreError> {
        self.must_exist("users", "user", user.get()).await?;
        self.execute(
            "DELETE FROM notification_prefs WHERE user_id = $1 AND kind = $2",
            args![user.get(), kind.stored_name()],
        )
        .await?;
        let Some(channels) = channels else {
            return Ok(());
        };
        let mut chosen: Vec<Channel> = Vec::new();
        for channel in channels {
            if !chosen.contains(channel) {
                chosen.push(*channel);
            }
        }
        self.execute(
            "INSERT INTO notification_prefs (user_id, kind, channels) VALUES ($1, $2, $3)",
            args![user.get(), kind.stored_name(), serde_json::json!(chosen)],
        )
        .await?;
        Ok(())
    }

    /// A user's preferences, by kind. A row for a kind that does not exist is left out: before
    /// kinds were checked any word could be stored, and such a row never matched a
    /// notification.
    pub async fn notification_prefs(
        &mut self,
        user: UserId,
    ) -> Result<Vec<(NotificationKind, Vec<Channel>)>, StoreError> {
        let rows: Vec<(String, Json<Vec<Channel>>)> = self
            .fetch_all(
                "SELECT kind, channels FROM notification_prefs WHERE user_id = $1 ORDER BY kind",
                args![user.get()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, channels)| Some((kind.parse().ok()?, channels.0)))
            .collect())
    }
}

impl Store {
    /// Sets (or with `None` clears) a user's channels for one kind of notification.
    pub async fn set_notification_pref(
        &self,
        user: UserId,
        kind: NotificationKind,
        channels: Option<&[Channel]>,
    ) -> Result<(), StoreError> {
        self.write(async move |tx| tx.set_notification_pref(user, kind, channels).await)
            .await
    }

    /// A user's notification preferences, by kind.
    pub async fn notification_prefs(
        &self,
        user: UserId,
    ) -> Result<Vec<(NotificationKind, Vec<Channel>)>, StoreError> {
        self.read(async move |tx| tx.notification_prefs(user).await)
            .await
    }
}

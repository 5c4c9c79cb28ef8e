//! Files uploaded for an import on the web, kept between the dry run an admin reads and the
//! confirmation that writes them. They are kept in the database, not in one instance's memory,
//! so the confirmation may reach any instance behind the proxy. One per user: a new upload
//! replaces the last; each is dropped once taken or once it has waited too long.

use chrono::{DateTime, Utc};
use gridloop_core::UserId;

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::store::Store;

/// An upload to keep: its key (a SHA-256 in hex), whose it is, its file name and bytes.
#[derive(Debug, Clone)]
pub struct KeptUpload {
    pub key: String,
    pub user: UserId,
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Tx {
    /// Keeps `upload` as its user's one upload (replacing any before) and drops every upload
    /// kept before `expired_before`.
    pub async fn keep_upload(
        &mut self,
        upload: KeptUpload,
        now: DateTime<Utc>,
        expired_before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM import_uploads WHERE user_id = $1 OR at < $2",
            args![upload.user.get(), expired_before],
        )
        .await?;
        self.execute(
            "INSERT INTO import_uploads (key, user_id, name, bytes, at) VALUES ($1, $2, $3, $4, $5)",
            args![upload.key, upload.user.get(), upload.name, upload.bytes, now],
        )
        .await?;
        Ok(())
    }

    /// Takes (reads and removes) the upload kept under `key` for `user`, unless it was kept
    /// before `expired_before`: its name and bytes.
    pub async fn take_upload(
        &mut self,
        key: &str,
        user: UserId,
        expired_before: DateTime<Utc>,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        self.execute(
            "DELETE FROM import_uploads WHERE at < $1",
            args![expired_before],
        )
        .await?;
        self.fetch_optional(
            "DELETE FROM import_uploads WHERE key = $1 AND user_id = $2 RETURNING name, bytes",
            args![key, user.get()],
        )
        .await
    }
}

impl Store {
    /// See [`Tx::keep_upload`].
    pub async fn keep_upload(
        &self,
        upload: KeptUpload,
        now: DateTime<Utc>,
        expired_before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(async move |tx| tx.keep_upload(upload, now, expired_before).await)
            .await
    }

    /// See [`Tx::take_upload`].
    pub async fn take_upload(
        &self,
        key: &str,
        user: UserId,
        expired_before: DateTime<Utc>,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        self.write(async move |tx| tx.take_upload(key, user, expired_before).await)
            .await
    }
}

//! Secrets generated once per deployment and shared by every instance on the database.
//!
//! An instance that needs one offers a fresh random value; the first offer is kept and every
//! instance, that one included, reads back the kept value. So instances that start together
//! agree without coordinating, and a restart never changes a secret another system was given.

use chrono::{DateTime, Utc};

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::store::Store;

impl Tx {
    /// The deployment's secret called `name`: the stored one, or `offered` stored now if there
    /// is none yet.
    pub async fn deployment_secret(
        &mut self,
        name: &str,
        offered: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        // On PostgreSQL a concurrent offer waits for the first to commit and then does nothing;
        // the read below sees the committed row (read committed: a fresh snapshot).
        self.execute(
            "INSERT INTO deployment_secrets (name, value, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
            args![name, offered, now],
        )
        .await?;
        let (value,): (String,) = self
            .fetch_one(
                "SELECT value FROM deployment_secrets WHERE name = $1",
                args![name],
            )
            .await?;
        Ok(value)
    }
}

impl Store {
    /// The deployment's secret called `name`, stored from `offered` if it has none yet.
    pub async fn deployment_secret(
        &self,
        name: &str,
        offered: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        self.write(async move |tx| tx.deployment_secret(name, offered, now).await)
            .await
    }
}

//! Scratch databases that exist for one benchmark run only: a temp folder for SQLite, a
//! database the store creates and drops on the PostgreSQL server.

use anyhow::Context;
use chrono::Utc;
use gridloop_store::Store;

use crate::cli::Backend;

/// A database that exists for one run only.
pub struct Scratch {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Folder(std::path::PathBuf),
    PgDatabase { server_url: String },
}

impl Scratch {
    pub async fn create(backend: Backend, pg_url: &str) -> anyhow::Result<Self> {
        match backend {
            Backend::Sqlite => {
                let tag = format!("{}_{}", std::process::id(), Utc::now().timestamp_micros());
                let dir = std::env::temp_dir().join(format!("gridloop-bench-{tag}"));
                std::fs::create_dir_all(&dir)?;
                Ok(Self {
                    url: format!("sqlite://{}", dir.join("bench.db").display()),
                    cleanup: Cleanup::Folder(dir),
                })
            }
            Backend::Postgres => {
                let url = Store::create_scratch_database(pg_url)
                    .await
                    .with_context(|| {
                        format!(
                            "creating a scratch database on {}",
                            gridloop_app::settings::redact_url(pg_url)
                        )
                    })?;
                Ok(Self {
                    url,
                    cleanup: Cleanup::PgDatabase {
                        server_url: pg_url.to_owned(),
                    },
                })
            }
        }
    }

    pub async fn drop(self) -> anyhow::Result<()> {
        match self.cleanup {
            Cleanup::Folder(dir) => std::fs::remove_dir_all(dir)?,
            Cleanup::PgDatabase { server_url } => {
                Store::drop_scratch_database(&server_url, &self.url).await?;
            }
        }
        Ok(())
    }
}

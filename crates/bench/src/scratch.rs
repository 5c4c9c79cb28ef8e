//! Scratch databases that exist for one benchmark run only.

use anyhow::Context;
use chrono::Utc;
use sqlx::Connection;

use crate::cli::Backend;

/// A database that exists for one run only.
pub struct Scratch {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Folder(std::path::PathBuf),
    PgDatabase { admin_url: String, name: String },
}

impl Scratch {
    pub async fn create(backend: Backend, pg_url: &str) -> anyhow::Result<Self> {
        let tag = format!("{}_{}", std::process::id(), Utc::now().timestamp_micros());
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("gridloop-bench-{tag}"));
                std::fs::create_dir_all(&dir)?;
                Ok(Self {
                    url: format!("sqlite://{}", dir.join("bench.db").display()),
                    cleanup: Cleanup::Folder(dir),
                })
            }
            Backend::Postgres => {
                let name = format!("gridloop_bench_{tag}");
                let mut conn = sqlx::PgConnection::connect(pg_url).await.with_context(|| {
                    format!(
                        "connecting to {}",
                        gridloop_app::settings::redact_url(pg_url)
                    )
                })?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
                let base = pg_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(pg_url);
                Ok(Self {
                    url: format!("{base}/{name}"),
                    cleanup: Cleanup::PgDatabase {
                        admin_url: pg_url.to_owned(),
                        name,
                    },
                })
            }
        }
    }

    pub async fn drop(self) -> anyhow::Result<()> {
        match self.cleanup {
            Cleanup::Folder(dir) => std::fs::remove_dir_all(dir)?,
            Cleanup::PgDatabase { admin_url, name } => {
                let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
            }
        }
        Ok(())
    }
}

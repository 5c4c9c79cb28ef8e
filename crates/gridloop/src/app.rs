//! What every command shares: settings, the store, the workflow and the clock.

use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use gridloop_core::{Actor, CategoryId, Code, GridId, Login, UnitId, Workflow};
use gridloop_store::Store;

use crate::cli::Cli;
use crate::exit::UsageError;
use gridloop_app::clock::{Clock, ManualClock};
use gridloop_app::settings::{redact_url, Settings};
use gridloop_app::AppState;

#[derive(Debug, Clone)]
pub struct App {
    pub store: Store,
    pub workflow: Workflow,
    /// The instant this command acts at: the wall clock, or `--now` when given.
    pub now: DateTime<Utc>,
    /// Whether `now` was given with `--now` (the server's clock then stands still there).
    pub fixed_now: bool,
    pub json: bool,
    pub settings: Settings,
}

impl App {
    /// Loads settings, starts logging, reads the calendar, connects and migrates.
    pub async fn open(cli: &Cli) -> anyhow::Result<Self> {
        let settings = crate::config::load(cli.config.as_deref(), std::env::vars())?;
        init_logging(&settings.log.filter);
        let now = match &cli.now {
            Some(raw) => gridloop_core::dates::parse_instant("--now", raw)
                .map_err(|e| UsageError(e.to_string()))?,
            None => Utc::now(),
        };
        let url = cli
            .database_url
            .clone()
            .unwrap_or_else(|| settings.database.url.clone());
        let store = Store::connect(&url)
            .await
            .with_context(|| format!("opening the database {}", redact_url(&url)))?;
        store.migrate().await.context("migrating the database")?;
        let calendar =
            gridloop_app::calendars::load_stored(&store, &settings.calendar, now).await?;
        Ok(Self {
            store,
            workflow: Workflow::new(calendar),
            now,
            fixed_now: cli.now.is_some(),
            json: cli.json,
            settings,
        })
    }

    /// The user with this login; `NotFound` (exit 3) if there is none.
    pub async fn user(&self, login: &str) -> anyhow::Result<gridloop_store::User> {
        let login = Login::parse(login)?;
        let user = self.store.user_by_login(&login).await?;
        Ok(user.ok_or_else(|| gridloop_store::StoreError::NotFound {
            what: "user",
            key: login.to_string(),
        })?)
    }

    pub async fn actor(&self, login: &str) -> anyhow::Result<Actor> {
        let login = Login::parse(login)?;
        Ok(self.store.actor(&login).await?)
    }

    pub async fn unit_id(&self, code: &str) -> anyhow::Result<UnitId> {
        let code = Code::parse_field("unit", code)?;
        let unit = self.store.unit_by_code(&code).await?;
        unit.map(|u| u.id).ok_or_else(|| {
            UsageError(format!(
                "no unit with the code '{code}' (see `gridloop unit list`)"
            ))
            .into()
        })
    }

    pub async fn category_id(&self, code: &str) -> anyhow::Result<CategoryId> {
        let code = Code::parse_field("category", code)?;
        let category = self.store.category_by_code(&code).await?;
        category.map(|c| c.id).ok_or_else(|| {
            UsageError(format!(
                "no category with the code '{code}' (see `gridloop category list`)"
            ))
            .into()
        })
    }

    /// The app's state for this command: its store and workflow, its clock standing at the
    /// command's instant (`--now` or the wall clock at start), so a use case acts at `now`.
    pub fn state(&self) -> anyhow::Result<AppState> {
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(self.now));
        Ok(AppState::from_settings(
            self.store.clone(),
            self.workflow.clone(),
            clock,
            &self.settings,
        )?)
    }

    pub async fn grid_id(&self, code: &str) -> anyhow::Result<GridId> {
        let code = Code::parse_field("grid", code)?;
        let grid = self.store.grid_by_code(&code).await?;
        grid.map(|g| g.id).ok_or_else(|| {
            UsageError(format!(
                "no grid with the code '{code}' (see `gridloop grid list`)"
            ))
            .into()
        })
    }
}

/// The settings alone, with logging started: for the commands that open their databases
/// themselves (a restore's target must not be seeded first).
pub fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    let settings = crate::config::load(cli.config.as_deref(), std::env::vars())?;
    init_logging(&settings.log.filter);
    Ok(settings)
}

/// Logs go to stderr so `--json` output on stdout stays parseable. `RUST_LOG` wins over config.
fn init_logging(filter: &str) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

//! [`AppState`]: what every use case and every front end's handler shares — the store, the
//! workflow, the clock, the caches, the limits, web sign-in's settings and password hasher,
//! the delivery-report secret and how reports are made. Nothing HTTP: the front ends' own
//! state (the binary's request metrics) is kept by the front ends.

use std::collections::HashMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use gridloop_core::{CategoryId, Code, Workflow};
use gridloop_store::{Store, StoreError};

use crate::client_addr::TrustedProxies;
use crate::clock::Clock;
use crate::delivery::dlr::DlrSecret;
use crate::error::SetupError;
use crate::passwords::Hasher;
use crate::settings::{CalendarSettings, LimitsSettings, Settings, WebSettings};
use crate::sign_in::Throttle;
use crate::tokens::CallerCache;
use gridloop_scheduler::LiveWorkflow;

/// Cheap to clone: two `Arc`s.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>, Arc<DlrSecret>);

#[derive(Debug)]
pub struct Shared {
    pub store: Store,
    /// The workflow in force: read it with [`AppState::workflow`] once per request, so one
    /// request decides on one calendar; swapped when the stored calendar changes
    /// ([`crate::calendars::live`]).
    pub workflow: LiveWorkflow,
    /// The region whose calendar is in force, and the zone, hours and folder of calendar files
    /// it was seeded from.
    pub calendar: CalendarSettings,
    /// The stored calendar's version the workflow in force was built from.
    pub calendar_built_from: crate::calendars::live::BuiltFrom,
    pub clock: Arc<dyn Clock>,
    /// Recently authenticated callers (see [`CallerCache`]).
    pub callers: CallerCache,
    /// Category ids by code, as found so far (see [`AppState::category_id`]).
    pub category_ids: Mutex<HashMap<Code, CategoryId>>,
    /// The data folder: the file channel's outbox is under it (attachments of earlier
    /// versions were kept there too, and are moved into the database at start).
    pub data_dir: PathBuf,
    /// The largest attachment accepted, in bytes.
    pub attachment_max_bytes: usize,
    /// The web pages' session settings and sign-in throttle.
    pub web: WebState,
    /// How weekly reports are made (`[report]`).
    pub reports: gridloop_scheduler::reports::ReportContext,
    /// How long the lists in a request may be (`[limits]`).
    pub limits: LimitsSettings,
}

impl AppState {
    /// The state; delivery reports are checked against the deployment's generated secret
    /// unless [`AppState::with_dlr_secret`] says otherwise.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared), Arc::default())
    }

    /// The state a server runs with: its store, workflow and clock, and what `settings` say
    /// about attachments, web sign-in, reports, the limits of a request and the
    /// delivery-report secret (an ill-formed `notify.dlr_secret` is refused here, at start-up).
    pub fn from_settings(
        store: Store,
        workflow: Workflow,
        clock: Arc<dyn Clock>,
        settings: &Settings,
    ) -> Result<Self, SetupError> {
        let dlr =
            DlrSecret::from_setting(&settings.notify.dlr_secret).map_err(SetupError::Setting)?;
        let workflow = LiveWorkflow::new(workflow);
        let reports = crate::jobs::report_context(settings, workflow.clone());
        let shared = Shared {
            store,
            workflow,
            calendar: settings.calendar.clone(),
            calendar_built_from: Default::default(),
            clock,
            callers: CallerCache::default(),
            category_ids: Mutex::default(),
            data_dir: settings.server.data_dir.clone(),
            attachment_max_bytes: settings.server.attachment_max_bytes,
            web: WebState::from_settings(&settings.web),
            reports,
            limits: settings.limits,
        };
        Ok(Self::new(shared).with_dlr_secret(dlr))
    }

    /// The same state with the delivery-report secret from the settings (`notify.dlr_secret`).
    #[must_use]
    pub fn with_dlr_secret(self, dlr: DlrSecret) -> Self {
        Self(self.0, Arc::new(dlr))
    }

    /// The secret every delivery report must carry.
    pub fn dlr_secret(&self) -> &DlrSecret {
        &self.1
    }

    /// The workflow in force now (a snapshot: cheap, and one calendar for the whole request).
    pub fn workflow(&self) -> Workflow {
        self.workflow.current()
    }

    /// The calendar in force now (a snapshot).
    pub fn calendar(&self) -> Arc<gridloop_core::Calendar> {
        self.workflow.calendar()
    }

    /// The id of the category with this code. Codes never change and categories are never
    /// deleted, so an id once found stays right and is remembered; an unknown code is asked of
    /// the database every time, so a category created by another instance is found at once.
    pub async fn category_id(&self, code: &Code) -> Result<Option<CategoryId>, StoreError> {
        if let Some(id) = self.lock_category_ids().get(code) {
            return Ok(Some(*id));
        }
        let found = self.store.category_by_code(code).await?.map(|c| c.id);
        if let Some(id) = found {
            self.lock_category_ids().insert(code.clone(), id);
        }
        Ok(found)
    }

    // A std Mutex: held for a map look-up or insert, never across an await.
    fn lock_category_ids(&self) -> std::sync::MutexGuard<'_, HashMap<Code, CategoryId>> {
        self.category_ids.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What web sign-in keeps besides the shared state (`[web]`): session lifetimes, the sign-in
/// throttle, the bound on password hashing and the proxies trusted for client addresses.
#[derive(Debug)]
pub struct WebState {
    /// Whether the session cookie is marked `Secure` (only behind a TLS proxy).
    pub secure_cookies: bool,
    /// A session unused this long ends.
    pub idle: chrono::Duration,
    /// A session ends this long after sign-in.
    pub max_age: chrono::Duration,
    pub throttle: Throttle,
    /// Every password hash this process computes goes through it.
    pub passwords: Hasher,
    /// Whose `X-Forwarded-For` names the client (see [`crate::client_addr`]).
    pub trusted_proxies: TrustedProxies,
}

impl WebState {
    pub fn from_settings(settings: &WebSettings) -> Self {
        Self {
            secure_cookies: settings.secure_cookies,
            idle: chrono::Duration::minutes(i64::from(settings.session_idle_minutes.max(1))),
            max_age: chrono::Duration::days(i64::from(settings.session_max_days.max(1))),
            throttle: Throttle::from_settings(settings),
            passwords: Hasher::from_settings(settings),
            trusted_proxies: settings.trusted_proxies.clone(),
        }
    }
}

/// The defaults of `config/default.toml`: three days idle, thirty days at most, no `Secure`, no
/// trusted proxy.
impl Default for WebState {
    fn default() -> Self {
        Self::from_settings(&WebSettings::default())
    }
}

//! What every handler shares.

use std::collections::HashMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use gridloop_core::{CategoryId, Code, Workflow};
use gridloop_store::{Store, StoreError};

use crate::clock::Clock;
use crate::http::auth::CallerCache;
use crate::http::metrics::Metrics;
use crate::notify::dlr::DlrSecret;

/// Cheap to clone: two `Arc`s.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>, Arc<DlrSecret>);

#[derive(Debug)]
pub struct Shared {
    pub store: Store,
    pub workflow: Workflow,
    pub clock: Arc<dyn Clock>,
    pub metrics: Metrics,
    /// Recently authenticated callers (see [`CallerCache`]).
    pub callers: CallerCache,
    /// Category ids by code, as found so far (see [`AppState::category_id`]).
    pub category_ids: Mutex<HashMap<Code, CategoryId>>,
    /// Where attachments are kept, by content hash.
    pub data_dir: PathBuf,
    /// The largest attachment accepted, in bytes.
    pub attachment_max_bytes: usize,
    /// The web pages' session settings and sign-in throttle.
    pub web: crate::web::WebState,
    /// How weekly reports are made (`[report]`).
    pub reports: gridloop_scheduler::reports::ReportSettings,
    /// How long the lists in a request may be (`[limits]`).
    pub limits: crate::config::LimitsSettings,
}

impl AppState {
    /// The state; delivery reports are checked against the deployment's generated secret
    /// unless [`AppState::with_dlr_secret`] says otherwise.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared), Arc::default())
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

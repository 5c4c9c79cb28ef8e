//! What every handler shares.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use gridloop_core::Workflow;
use gridloop_store::Store;

use crate::clock::Clock;
use crate::http::auth::CallerCache;
use crate::http::metrics::Metrics;

/// Cheap to clone: one `Arc`.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
pub struct Shared {
    pub store: Store,
    pub workflow: Workflow,
    pub clock: Arc<dyn Clock>,
    pub metrics: Metrics,
    /// Recently authenticated callers (see [`CallerCache`]).
    pub callers: CallerCache,
    /// Where attachments are kept, by content hash.
    pub data_dir: PathBuf,
    /// The largest attachment accepted, in bytes.
    pub attachment_max_bytes: usize,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

//! What the app's integration tests share: a migrated SQLite store in a folder of its own.
// Each test binary uses a part of it.
#![allow(dead_code)]

use gridloop_store::Store;

/// A migrated SQLite store in a temp folder, removed by [`Scratch::remove`].
pub struct Scratch {
    pub store: Store,
    folder: std::path::PathBuf,
}

impl Scratch {
    pub async fn new(tag: &str) -> Self {
        let folder = std::env::temp_dir().join(format!(
            "gridloop-{tag}-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        std::fs::create_dir_all(&folder).expect("folder");
        let store = Store::connect(&format!("sqlite://{}", folder.join("g.db").display()))
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        Self { store, folder }
    }

    /// A folder beside the database, for files a test writes.
    pub fn folder(&self) -> &std::path::Path {
        &self.folder
    }

    pub async fn remove(self) {
        self.store.close().await;
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

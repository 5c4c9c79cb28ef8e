//! A file uploaded for an import on the web, kept between the dry run the admin reads and the
//! confirmation that writes it. It is kept in the database (the store's `import_uploads`), so
//! the confirmation may reach another instance than the upload did; one per admin, for
//! [`KEPT_MINUTES`].

use chrono::Duration;
use gridloop_core::Actor;
use gridloop_store::KeptUpload;

use crate::attachments::sha256_hex;
use crate::error::AppError;
use crate::reference::require_admin;
use crate::state::AppState;

/// How long an upload waits for its confirmation.
pub const KEPT_MINUTES: i64 = 15;

/// Keeps the checked upload `bytes`, named `name`, as the admin's one upload waiting for
/// confirmation (replacing any before); its key, which names it to [`take`]. The key is a
/// hash of who uploaded what, so it tells nothing and the same file kept twice has one key.
pub async fn keep(
    state: &AppState,
    actor: &Actor,
    name: &str,
    bytes: &[u8],
) -> Result<String, AppError> {
    require_admin(actor)?;
    let key = sha256_hex(&[
        &actor.user.get().to_be_bytes(),
        name.as_bytes(),
        &[0],
        bytes,
    ]);
    let now = state.clock.now();
    let upload = KeptUpload {
        key: key.clone(),
        user: actor.user,
        name: name.to_owned(),
        bytes: bytes.to_vec(),
    };
    state
        .store
        .keep_upload(upload, now, now - Duration::minutes(KEPT_MINUTES))
        .await?;
    Ok(key)
}

/// Takes the admin's upload kept under `key`: its name and bytes, or `None` if it was taken
/// already, replaced, expired, or is someone else's.
pub async fn take(
    state: &AppState,
    actor: &Actor,
    key: &str,
) -> Result<Option<(String, Vec<u8>)>, AppError> {
    require_admin(actor)?;
    let now = state.clock.now();
    Ok(state
        .store
        .take_upload(key, actor.user, now - Duration::minutes(KEPT_MINUTES))
        .await?)
}

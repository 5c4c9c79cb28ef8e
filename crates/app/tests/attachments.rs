//! Attachments' bytes live in the database: files an earlier version kept under the data folder
//! are moved in at start, once, and a file that does not hash to its name is left alone.

mod common;

use gridloop_app::attachments::move_files_in;
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn files_of_earlier_versions_move_into_the_database_once() {
    let scratch = common::Scratch::new("move").await;
    let store = scratch.store.clone();
    let data = scratch.folder().join("data");
    let good = hex(b"a photo");
    let bad = hex(b"something else");
    for (sha, bytes) in [(&good, &b"a photo"[..]), (&bad, &b"tampered"[..])] {
        let (fan, rest) = sha.split_at(2);
        std::fs::create_dir_all(data.join("attachments").join(fan)).expect("folder");
        std::fs::write(data.join("attachments").join(fan).join(rest), bytes).expect("file");
    }

    assert_eq!(move_files_in(&store, &data).await.expect("moved"), 1);
    assert_eq!(
        store.blob(&good).await.expect("read").as_deref(),
        Some(&b"a photo"[..])
    );
    let (fan, rest) = good.split_at(2);
    assert!(!data.join("attachments").join(fan).join(rest).exists());
    // The tampered file is not what its name says: left in place, not stored.
    assert_eq!(store.blob(&bad).await.expect("read"), None);
    let (fan, rest) = bad.split_at(2);
    assert!(data.join("attachments").join(fan).join(rest).exists());
    // Again: nothing more to move.
    assert_eq!(move_files_in(&store, &data).await.expect("moved"), 0);
    scratch.remove().await;
}

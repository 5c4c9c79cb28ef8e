//! `gridloop backup`, `restore` and `copy`: a park goes from the embedded SQLite file into a
//! backup, from the backup into PostgreSQL, from PostgreSQL into a backup of its own and back
//! into SQLite — and every time every table has the same rows and the event log the same
//! checksum; the attachments' bytes travel with the database. A target that is not empty is
//! refused and left alone.

use gridloop_store::{NewAttachment, Store};
use serde_json::Value;

use crate::support::{Db, Scratch};

fn report(db: &Db, title: &str) -> String {
    let enterprise = db.json(&["enterprise", "list", "--grid", "g1"])[0]["id"].to_string();
    db.json(&[
        "issue",
        "report",
        "--as",
        "post01",
        "--enterprise",
        &enterprise,
        "--category",
        "power",
        "--title",
        title,
    ])["id"]
        .to_string()
}

fn act(db: &Db, id: &str, action: &str, who: &str, extra: &[&str]) {
    let mut args = vec!["issue", "act", id, action, "--as", who];
    args.extend_from_slice(extra);
    db.json(&args);
}

const PHOTO: &[u8] = b"\x89PNG\r\n\x1a\n not really a photo, but bytes to carry";

/// The park of the test: the demo's reference data, three issues (one marked a duplicate of a
/// later one, one assigned), a comment, and an attachment.
async fn park(db: &Db) -> (String, String) {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    let first = report(db, "配电箱异响");
    let later = report(db, "配电箱异响（重复上报）");
    act(db, &first, "accept", "dispatch", &[]);
    act(db, &later, "accept", "dispatch", &[]);
    act(
        db,
        &first,
        "mark_duplicate",
        "dispatch",
        &["--duplicate-of", &later],
    );
    let third = report(db, "路灯不亮");
    act(db, &third, "accept", "dispatch", &[]);
    act(db, &third, "assign", "dispatch", &["--unit", "power"]);
    act(
        db,
        &third,
        "comment",
        "dispatch",
        &["--note", "已联系供电所"],
    );
    let store = Store::connect(&db.url).await.expect("connect");
    let uploader = store
        .actor(&gridloop_core::Login::parse("post01").expect("login"))
        .await
        .expect("post01")
        .user;
    let sha256 = sha256_hex(PHOTO);
    store
        .add_attachment_with_bytes(
            NewAttachment {
                issue: gridloop_core::IssueId::new(third.parse().expect("id")).expect("id"),
                sha256: sha256.clone(),
                content_type: "image/png".into(),
                size: PHOTO.len() as u64,
                filename: "现场.png".into(),
                kind: None,
                note: None,
                uploaded_by: uploader,
            },
            PHOTO.to_vec(),
            chrono::Utc::now(),
        )
        .await
        .expect("attach");
    store.close().await;
    (first, later)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn blob(db: &Db, sha256: &str) -> Option<Vec<u8>> {
    let store = Store::connect(&db.url).await.expect("connect");
    let bytes = store.blob(sha256).await.expect("read");
    store.close().await;
    bytes
}

#[tokio::test(flavor = "multi_thread")]
async fn a_park_moves_from_sqlite_through_backups_into_postgresql_and_back_unchanged() {
    let src = Db::sqlite();
    let (first, later) = park(&src).await;
    let dir = Scratch::new("backup");
    let file = dir.file("park.backup");
    let file = file.to_str().expect("path");

    let backed: Value = src.json(&["backup", file]);
    assert_eq!(backed["issues"], 3);
    assert_eq!(backed["attachments"], 1);
    let sum = backed["event_log_sha256"].as_str().expect("sha").to_owned();
    assert_eq!(sum.len(), 64);
    // A backup never overwrites a file.
    src.run(&["backup", file]).assert_fails(2, "already exists");

    let Some(pg) = Db::postgres().await else {
        return;
    };
    let restored = pg.json(&["restore", file]);
    assert_eq!(restored["event_log_sha256"], sum.as_str());
    assert_eq!(restored["rows"], backed["rows"]);
    // The duplicate points at the later issue, the attachment's bytes came along.
    let shown = pg.json(&["issue", "show", &first]);
    assert_eq!(shown["status"], "duplicate");
    assert_eq!(shown["duplicate_of"].to_string(), later);
    assert_eq!(blob(&pg, &sha256_hex(PHOTO)).await.as_deref(), Some(PHOTO));
    // Ids go on after the copied ones.
    assert_eq!(report(&pg, "新问题"), "4");
    // A database that is not empty is refused, and left as it was.
    let before = pg.json(&["issue", "list"]);
    pg.run(&["restore", file]).assert_fails(2, "not empty");
    assert_eq!(pg.json(&["issue", "list"]), before);

    // PostgreSQL's own backup (table by table, one snapshot) restores into SQLite.
    let file2 = dir.file("pg.backup");
    let file2 = file2.to_str().expect("path");
    let pg_backed = pg.json(&["backup", file2]);
    assert_eq!(pg_backed["issues"], 4);
    let back = Db::sqlite();
    let restored = back.json(&["restore", file2]);
    assert_eq!(restored["event_log_sha256"], pg_backed["event_log_sha256"]);
    assert_eq!(
        blob(&back, &sha256_hex(PHOTO)).await.as_deref(),
        Some(PHOTO)
    );

    // And `copy` moves the park straight from one database to another.
    let copied = Db::sqlite();
    let moved = copied.json(&["copy", "--from", &pg.url, "--to", &copied.url]);
    assert_eq!(moved["event_log_sha256"], pg_backed["event_log_sha256"]);
    assert_eq!(
        copied.json(&["issue", "show", &first])["duplicate_of"].to_string(),
        later
    );

    // A missing backup is named as such.
    Db::sqlite()
        .run(&["restore", "/nonexistent/park.backup"])
        .assert_fails(3, "no such");
    for db in [src, pg, back, copied] {
        db.drop_async().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sqlite_backup_restores_into_sqlite_whole_and_only_into_an_empty_database() {
    let src = Db::sqlite();
    let (first, later) = park(&src).await;
    let dir = Scratch::new("backup");
    let file = dir.file("park.backup");
    let file = file.to_str().expect("path");
    let backed: Value = src.json(&["backup", file]);

    // SQLite into SQLite: the backup attached to the target and copied by SQLite itself.
    let back = Db::sqlite();
    let restored = back.json(&["restore", file]);
    assert_eq!(restored["event_log_sha256"], backed["event_log_sha256"]);
    assert_eq!(restored["tables"], backed["tables"]);
    assert_eq!(
        back.json(&["issue", "show", &first])["duplicate_of"].to_string(),
        later
    );
    assert_eq!(
        blob(&back, &sha256_hex(PHOTO)).await.as_deref(),
        Some(PHOTO)
    );
    // Ids go on after the restored ones.
    assert_eq!(report(&back, "新问题"), "4");
    // A second restore into the same database is refused and changes nothing.
    let before = back.json(&["issue", "list"]);
    back.run(&["restore", file]).assert_fails(2, "not empty");
    assert_eq!(back.json(&["issue", "list"]), before);

    // A file that is no backup is refused, and the target stays empty.
    let junk = dir.file("junk.backup");
    std::fs::write(
        &junk,
        b"not a database, just bytes that arrived by mistake".repeat(100),
    )
    .expect("write");
    let empty = Db::sqlite();
    let refused = empty.run(&["restore", junk.to_str().expect("path")]);
    assert_ne!(refused.code(), 0);
    assert!(
        refused.stderr().contains("not a database"),
        "stderr: {}",
        refused.stderr()
    );
    let store = Store::connect(&empty.url).await.expect("connect");
    assert_eq!(
        store
            .contents()
            .await
            .expect("contents")
            .tables
            .iter()
            .filter(|(_, n)| *n > 0)
            .count(),
        0
    );
    store.close().await;
    for db in [src, back, empty] {
        db.drop_async().await;
    }
}

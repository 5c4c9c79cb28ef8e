//! Attachment rows, on both backends.
//!
//! The same harness as `conformance.rs`, in `common/mod.rs`: each test is an `async fn(Db)`
//! run by the `both!` macro at the bottom on SQLite and on PostgreSQL.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{both, code, name, raw_execute, Db};
use gridloop_core::{
    Actor, Calendar, Description, IssueId, Login, Priority, Role, Sla, Source, Title, UserId,
    Workflow,
};
use gridloop_store::{
    AttachmentKind, ErrorKind, NewAttachment, NewCategory, NewEnterprise, NewGrid, NewIssue,
    NewPost, NewUnit, NewUser, Store, StoreError,
};

// ---------------------------------------------------------------------------------------------
// Fixtures

/// Monday 2 March 2026, 09:00:00.123456 in Shanghai.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("a valid instant")
        + Duration::microseconds(123_456)
}

/// One grid, one post with its member, one enterprise, one category, and two issues.
struct Park {
    walker: Actor,
    issue: IssueId,
    other_issue: IssueId,
}

async fn park(store: &Store) -> Park {
    let mut tx = store.transaction().await.expect("begin");
    let chain = tx
        .create_chain(code("aluminium"), name("铝产业链"))
        .await
        .expect("chain");
    let grid = tx
        .create_grid(NewGrid {
            code: code("g-a"),
            name: name("第一网格"),
            chain: chain.id,
        })
        .await
        .expect("grid");
    let post = tx
        .create_post(NewPost {
            code: code("p-a"),
            name: name("先锋岗 A"),
            grid: grid.id,
        })
        .await
        .expect("post");
    let enterprise = tx
        .create_enterprise(NewEnterprise {
            name: name("Alu Rolling"),
            grid: grid.id,
            address: None,
            credit_code: None,
        })
        .await
        .expect("enterprise");
    let unit = tx
        .create_unit(NewUnit {
            code: code("power"),
            name: name("供电所"),
        })
        .await
        .expect("unit");
    let sla = Sla::new(120, 2400).expect("sla");
    let category = tx
        .create_category(NewCategory {
            code: code("power-line"),
            name: name("电力线路"),
            default_unit: Some(unit.id),
            slas: Priority::ALL.into_iter().map(|p| (p, sla)).collect(),
        })
        .await
        .expect("category");
    tx.create_user(NewUser {
        login: Login::parse("walker").expect("login"),
        name: name("walker"),
        phone: None,
        email: None,
        locale: "zh-CN".to_owned(),
        roles: vec![Role::PostMember],
        posts: vec![post.id],
        units: vec![],
        grids: vec![],
        enterprises: vec![],
    })
    .await
    .expect("user");
    let walker = tx
        .actor(&Login::parse("walker").expect("login"))
        .await
        .expect("actor");
    tx.commit().await.expect("commit the park");
    let workflow = Workflow::new(Calendar::default_china());
    let mut issues = Vec::new();
    for title in ["电线杆倾斜", "路灯不亮"] {
        let reported = store
            .intake(
                &workflow,
                &walker,
                NewIssue {
                    enterprise: enterprise.id,
                    category: category.id,
                    title: Title::parse(title).expect("title"),
                    description: Description::parse("seen on the walk").expect("description"),
                    priority: Priority::Normal,
                    source: Source::Cli,
                    client_key: None,
                },
                t0(),
            )
            .await
            .expect("report");
        issues.push(reported.issue.id);
    }
    Park {
        walker,
        issue: issues[0],
        other_issue: issues[1],
    }
}

fn sha(fill: char) -> String {
    std::iter::repeat_n(fill, 64).collect()
}

fn photo(park: &Park) -> NewAttachment {
    NewAttachment {
        issue: park.issue,
        sha256: sha('a'),
        content_type: "image/jpeg".to_owned(),
        size: 123_456,
        filename: "现场照片.jpg".to_owned(),
        kind: Some(AttachmentKind::Before),
        note: Some("倾斜约 15 度".to_owned()),
        uploaded_by: park.walker.user,
    }
}

fn invalid_fields(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(errors) => errors.iter().map(|e| e.field().to_owned()).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Tests

async fn an_attachment_reads_back_as_it_was_recorded(db: Db) {
    let park = park(&db.store).await;
    let added = db
        .store
        .add_attachment(photo(&park), t0())
        .await
        .expect("add");
    assert!(added.id > 0);
    assert_eq!(added.issue, park.issue);
    assert_eq!(added.sha256, sha('a'));
    assert_eq!(added.content_type, "image/jpeg");
    assert_eq!(added.size, 123_456);
    assert_eq!(added.filename, "现场照片.jpg");
    assert_eq!(added.kind, Some(AttachmentKind::Before));
    assert_eq!(added.note.as_deref(), Some("倾斜约 15 度"));
    assert_eq!(added.uploaded_by, park.walker.user);
    assert_eq!(added.created_at, t0(), "kept to the microsecond");
    assert_eq!(
        db.store
            .attachment(park.issue, added.id)
            .await
            .expect("read"),
        Some(added.clone())
    );
    let bare = NewAttachment {
        kind: None,
        note: None,
        ..photo(&park)
    };
    let second = db
        .store
        .add_attachment(bare, t0() + Duration::minutes(1))
        .await
        .expect("add");
    assert_eq!(second.kind, None);
    assert_eq!(second.note, None);
    assert_eq!(
        db.store.attachments(park.issue).await.expect("list"),
        vec![added, second],
        "oldest first"
    );
}

async fn rows_may_share_a_hash_and_are_counted_by_it(db: Db) {
    let park = park(&db.store).await;
    assert_eq!(
        db.store
            .attachments_with_sha256(&sha('a'))
            .await
            .expect("count"),
        0
    );
    let one = db
        .store
        .add_attachment(photo(&park), t0())
        .await
        .expect("one");
    let elsewhere = NewAttachment {
        issue: park.other_issue,
        ..photo(&park)
    };
    let two = db.store.add_attachment(elsewhere, t0()).await.expect("two");
    assert_ne!(one.id, two.id);
    assert_eq!(
        db.store
            .attachments_with_sha256(&sha('a'))
            .await
            .expect("count"),
        2
    );
    assert_eq!(
        db.store
            .attachments_with_sha256(&sha('b'))
            .await
            .expect("count"),
        0
    );
}

async fn an_attachment_is_found_only_under_its_own_issue(db: Db) {
    let park = park(&db.store).await;
    let added = db
        .store
        .add_attachment(photo(&park), t0())
        .await
        .expect("add");
    assert_eq!(
        db.store
            .attachment(park.other_issue, added.id)
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        db.store
            .attachment(park.issue, added.id + 1)
            .await
            .expect("read"),
        None
    );
    assert!(db
        .store
        .attachments(park.other_issue)
        .await
        .expect("list")
        .is_empty());
    let unknown = IssueId::new(999_999).expect("id");
    assert!(db
        .store
        .attachments(unknown)
        .await
        .expect("list")
        .is_empty());
}

async fn an_unknown_issue_or_uploader_is_not_found_and_writes_nothing(db: Db) {
    let park = park(&db.store).await;
    let no_issue = NewAttachment {
        issue: IssueId::new(999_999).expect("id"),
        ..photo(&park)
    };
    let e = db
        .store
        .add_attachment(no_issue, t0())
        .await
        .expect_err("no issue");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("issue"), "{e}");
    let no_user = NewAttachment {
        uploaded_by: UserId::new(999_999).expect("id"),
        ..photo(&park)
    };
    let e = db
        .store
        .add_attachment(no_user, t0())
        .await
        .expect_err("no user");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("user"), "{e}");
    assert_eq!(
        db.store
            .attachments_with_sha256(&sha('a'))
            .await
            .expect("count"),
        0
    );
}

async fn malformed_fields_are_invalid_together_and_write_nothing(db: Db) {
    let park = park(&db.store).await;
    let bad = NewAttachment {
        sha256: "ABC".to_owned(),
        content_type: String::new(),
        filename: "a\nb.jpg".to_owned(),
        note: Some("长".repeat(501)),
        ..photo(&park)
    };
    let e = db
        .store
        .add_attachment(bad, t0())
        .await
        .expect_err("invalid");
    assert_eq!(
        invalid_fields(e),
        vec!["sha256", "content_type", "filename", "note"]
    );
    for filename in [String::new(), "照".repeat(256)] {
        let bad = NewAttachment {
            filename,
            ..photo(&park)
        };
        let e = db
            .store
            .add_attachment(bad, t0())
            .await
            .expect_err("invalid");
        assert_eq!(invalid_fields(e), vec!["filename"]);
    }
    let upper = NewAttachment {
        sha256: sha('A'),
        ..photo(&park)
    };
    let e = db
        .store
        .add_attachment(upper, t0())
        .await
        .expect_err("invalid");
    assert_eq!(invalid_fields(e), vec!["sha256"]);
    // 255 characters, of three bytes each, are fine.
    let longest = NewAttachment {
        filename: "照".repeat(255),
        ..photo(&park)
    };
    db.store
        .add_attachment(longest, t0())
        .await
        .expect("255 characters");
    assert_eq!(
        db.store.attachments(park.issue).await.expect("list").len(),
        1
    );
}

async fn attaching_leaves_the_issue_version_and_history_alone(db: Db) {
    let park = park(&db.store).await;
    let before = db
        .store
        .issue(park.issue)
        .await
        .expect("read")
        .expect("issue");
    let events = db.store.events(park.issue).await.expect("events");
    db.store
        .add_attachment(photo(&park), t0())
        .await
        .expect("add");
    let after = db
        .store
        .issue(park.issue)
        .await
        .expect("read")
        .expect("issue");
    assert_eq!(after, before);
    assert_eq!(db.store.events(park.issue).await.expect("events"), events);
}

async fn a_rolled_back_transaction_leaves_no_attachment(db: Db) {
    let park = park(&db.store).await;
    {
        let mut tx = db.store.transaction().await.expect("begin");
        tx.add_attachment(photo(&park), t0()).await.expect("add");
    }
    let mut tx = db.store.transaction().await.expect("begin");
    tx.add_attachment(photo(&park), t0()).await.expect("add");
    tx.rollback().await.expect("rollback");
    assert!(db
        .store
        .attachments(park.issue)
        .await
        .expect("list")
        .is_empty());
}

async fn the_schema_refuses_an_unknown_kind_or_a_short_hash_even_to_raw_sql(db: Db) {
    let park = park(&db.store).await;
    let insert = |kind: &str, sha256: &str| {
        format!(
            "INSERT INTO attachments \
             (issue_id, sha256, content_type, size, filename, kind, uploaded_by, created_at) \
             VALUES ({}, '{sha256}', 'image/png', 1, 'a.png', {kind}, {}, '2026-03-02T01:00:00Z')",
            park.issue.get(),
            park.walker.user.get()
        )
    };
    raw_execute(&db.url, &insert("'during'", &sha('a')))
        .await
        .expect_err("an unknown kind");
    raw_execute(&db.url, &insert("NULL", "abc"))
        .await
        .expect_err("a short hash");
    assert_eq!(
        raw_execute(&db.url, &insert("'after'", &sha('a')))
            .await
            .expect("a good row"),
        1
    );
    let rows = db.store.attachments(park.issue).await.expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].kind, Some(AttachmentKind::After));
}

// ---------------------------------------------------------------------------------------------
// Every test, on both backends.

both!(
    an_attachment_reads_back_as_it_was_recorded,
    rows_may_share_a_hash_and_are_counted_by_it,
    an_attachment_is_found_only_under_its_own_issue,
    an_unknown_issue_or_uploader_is_not_found_and_writes_nothing,
    malformed_fields_are_invalid_together_and_write_nothing,
    attaching_leaves_the_issue_version_and_history_alone,
    a_rolled_back_transaction_leaves_no_attachment,
    the_schema_refuses_an_unknown_kind_or_a_short_hash_even_to_raw_sql,
);

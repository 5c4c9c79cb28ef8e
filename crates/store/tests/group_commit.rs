//! Writes that overlap: on SQLite they share one commit (the group commit of every write), on
//! PostgreSQL they are transactions of their own. Either way each write is answered only once
//! it is durable, fails alone, and a dropped one leaves nothing; and reads never wait for a
//! write transaction to end.

mod common;

use std::time::Duration;

use common::{both, code, name, Db};
use gridloop_store::{ErrorKind, Store};

/// Long enough for a spawned write to be queued behind an open transaction.
const SETTLE: Duration = Duration::from_millis(100);

async fn chain_codes(store: &Store) -> Vec<String> {
    let mut codes: Vec<String> = store
        .chains()
        .await
        .expect("read the chains")
        .into_iter()
        .map(|c| c.code.as_str().to_owned())
        .collect();
    codes.sort();
    codes
}

/// The chains as a store opened afresh on the same database reads them: what was committed.
async fn durable_chain_codes(db: &Db) -> Vec<String> {
    let reopened = Store::connect(&db.url).await.expect("reopen the store");
    let codes = chain_codes(&reopened).await;
    reopened.close().await;
    codes
}

/// A write transaction that has written chain `c1` and holds on (on SQLite: the write turn).
async fn first_writing_c1(store: &Store) -> gridloop_store::Tx {
    let mut first = store.transaction().await.expect("begin");
    first
        .create_chain(code("c1"), name("一"))
        .await
        .expect("write in the first transaction");
    first
}

async fn a_write_queued_behind_an_open_transaction_commits_with_it_and_both_are_answered(db: Db) {
    let first = first_writing_c1(&db.store).await;
    let store = db.store.clone();
    let second =
        tokio::spawn(async move { store.create_chain(code("c2"), name("二")).await.map(|_| ()) });
    tokio::time::sleep(SETTLE).await;
    first.commit().await.expect("the first commits");
    second
        .await
        .expect("the second write's task")
        .expect("the second commits");
    assert_eq!(durable_chain_codes(&db).await, ["c1", "c2"]);
}

async fn a_failing_write_in_a_shared_commit_fails_alone(db: Db) {
    db.store
        .create_chain(code("c0"), name("零"))
        .await
        .expect("an earlier chain");
    let first = first_writing_c1(&db.store).await;
    let store = db.store.clone();
    let taken = tokio::spawn(async move { store.create_chain(code("c0"), name("重")).await });
    let store = db.store.clone();
    let good = tokio::spawn(async move { store.create_chain(code("c3"), name("三")).await });
    tokio::time::sleep(SETTLE).await;
    first.commit().await.expect("the first commits");
    let taken = taken.await.expect("task").expect_err("a taken code fails");
    assert_eq!(taken.kind(), ErrorKind::AlreadyExists);
    good.await.expect("task").expect("the good write commits");
    assert_eq!(durable_chain_codes(&db).await, ["c0", "c1", "c3"]);
}

/// Every member's savepoint has one name: undoing a member must go back to its own, never to
/// the one of the member before it (were savepoints left open for the commit, a `ROLLBACK TO`
/// run twice would). The turn is
/// first come, first served, so the order here is fixed: c2 writes, the taken c0 fails and is
/// undone, a dropped transaction's c4 is undone, then c3 writes.
async fn undoing_a_member_never_undoes_the_member_before_it(db: Db) {
    db.store
        .create_chain(code("c0"), name("零"))
        .await
        .expect("an earlier chain");
    let first = first_writing_c1(&db.store).await;
    let store = db.store.clone();
    let before = tokio::spawn(async move { store.create_chain(code("c2"), name("二")).await });
    tokio::time::sleep(SETTLE).await;
    let store = db.store.clone();
    let taken = tokio::spawn(async move { store.create_chain(code("c0"), name("重")).await });
    tokio::time::sleep(SETTLE).await;
    let store = db.store.clone();
    let dropped = tokio::spawn(async move {
        let mut tx = store.transaction().await.expect("begin the dropped one");
        tx.create_chain(code("c4"), name("四"))
            .await
            .expect("write in the dropped one");
        drop(tx);
    });
    tokio::time::sleep(SETTLE).await;
    let store = db.store.clone();
    let after = tokio::spawn(async move { store.create_chain(code("c3"), name("三")).await });
    tokio::time::sleep(SETTLE).await;
    first.commit().await.expect("the first commits");
    before
        .await
        .expect("task")
        .expect("the member before commits");
    let taken = taken.await.expect("task").expect_err("a taken code fails");
    assert_eq!(taken.kind(), ErrorKind::AlreadyExists);
    dropped.await.expect("task");
    after
        .await
        .expect("task")
        .expect("the member after commits");
    assert_eq!(durable_chain_codes(&db).await, ["c0", "c1", "c2", "c3"]);
}

async fn a_transaction_dropped_amid_a_shared_commit_undoes_only_its_own_writes(db: Db) {
    let first = first_writing_c1(&db.store).await;
    let store = db.store.clone();
    let dropped = tokio::spawn(async move {
        let mut tx = store.transaction().await.expect("begin the dropped one");
        tx.create_chain(code("c2"), name("二"))
            .await
            .expect("write in the dropped one");
        drop(tx);
    });
    let store = db.store.clone();
    let rolled_back = tokio::spawn(async move {
        let mut tx = store
            .transaction()
            .await
            .expect("begin the rolled back one");
        tx.create_chain(code("c3"), name("三"))
            .await
            .expect("write in the rolled back one");
        tx.rollback().await.expect("roll back");
    });
    let store = db.store.clone();
    let last = tokio::spawn(async move { store.create_chain(code("c4"), name("四")).await });
    tokio::time::sleep(SETTLE).await;
    first.commit().await.expect("the first commits");
    dropped.await.expect("task");
    rolled_back.await.expect("task");
    last.await.expect("task").expect("the last commits");
    assert_eq!(durable_chain_codes(&db).await, ["c1", "c4"]);
}

async fn the_first_transaction_dropped_leaves_the_writer_queued_behind_it_free(db: Db) {
    let first = first_writing_c1(&db.store).await;
    let store = db.store.clone();
    let second = tokio::spawn(async move { store.create_chain(code("c2"), name("二")).await });
    tokio::time::sleep(SETTLE).await;
    drop(first);
    tokio::time::timeout(Duration::from_secs(10), second)
        .await
        .expect("the second write is not stuck")
        .expect("task")
        .expect("the second commits");
    assert_eq!(durable_chain_codes(&db).await, ["c2"]);
}

async fn reads_answer_while_a_write_transaction_is_open_and_see_only_commits(db: Db) {
    let mut open = db.store.transaction().await.expect("begin");
    open.create_chain(code("c1"), name("一"))
        .await
        .expect("write, not yet committed");
    let seen = tokio::time::timeout(Duration::from_secs(2), chain_codes(&db.store))
        .await
        .expect("a read does not wait for the writer");
    assert!(seen.is_empty(), "an uncommitted write was read: {seen:?}");
    open.commit().await.expect("commit");
    assert_eq!(chain_codes(&db.store).await, ["c1"]);
}

async fn sixty_four_concurrent_writes_are_each_answered_once_durable(db: Db) {
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let store = db.store.clone();
            tokio::spawn(async move {
                store
                    .create_chain(code(&format!("k{i:02}")), name("链"))
                    .await
                    .map(|_| ())
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("each write commits");
    }
    let expected: Vec<String> = (0..64).map(|i| format!("k{i:02}")).collect();
    assert_eq!(durable_chain_codes(&db).await, expected);
}

both!(
    a_write_queued_behind_an_open_transaction_commits_with_it_and_both_are_answered,
    a_failing_write_in_a_shared_commit_fails_alone,
    undoing_a_member_never_undoes_the_member_before_it,
    a_transaction_dropped_amid_a_shared_commit_undoes_only_its_own_writes,
    the_first_transaction_dropped_leaves_the_writer_queued_behind_it_free,
    reads_answer_while_a_write_transaction_is_open_and_see_only_commits,
    sixty_four_concurrent_writes_are_each_answered_once_durable,
);

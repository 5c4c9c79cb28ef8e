//! Group commit of every write on SQLite.
//!
//! SQLite has one writer at a time and every commit costs an fsync (synchronous=FULL), so a
//! write alone spends most of its time waiting for the disk. Concurrent writes of this process
//! therefore share a transaction, the *batch*: each write transaction ([`Member`]) takes the
//! write turn, does its work inside its own savepoint of the batch (the first of a batch needs
//! none: the batch so far is its own work), and on `commit` releases the savepoint and hands
//! the turn on. Each statement is a hop to sqlx's connection thread and back while the turn
//! waits, so a member sends as few texts as it can: its `SAVEPOINT` goes at the head of its
//! first statement's text, and the statements whose outcome nobody reads (an event, a notice)
//! are held back by `Tx::defer` and go ahead of the next statement, or with the release.
//! Whoever ends a turn while no other writer is queued for it (or when the batch is
//! [`MAX_BATCH`] long) commits the batch, once, for everyone in it; every member's `commit`
//! returns only after that commit, with its outcome. So:
//!
//! - nothing is acknowledged before it is durable (the commit is the one fsync);
//! - a write that fails, or is rolled back or dropped, undoes its savepoint and fails alone;
//! - if the commit itself fails, every member of the batch fails and none was written;
//! - a stale version still conflicts: members run one after another on one connection, so each
//!   sees the writes of those before it (`act` re-reads the issue inside its savepoint).
//!
//! A caller that goes away never harms the others: a dropped member's savepoint is undone on a
//! task of its own (or, failing that, by the next writer before it starts), and the commit runs
//! on a task of its own too. A member waiting for the commit while nobody else will end the
//! batch (the writer queued behind it went away) takes the turn and commits it itself.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use gridloop_core::{Actor, Workflow};
use sqlx::sqlite::SqliteRow;
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::{watch, Mutex, OwnedMutexGuard};

use crate::backend::{bind_all, Arg, Pool};
use crate::error::StoreError;
use crate::issues::fingerprint;
use crate::model::{NewIssue, Reported};

/// The most writes one commit takes; the writers after them start the next batch.
const MAX_BATCH: usize = 64;

/// A batch's outcome once it ended: `Some(Ok)` committed, `Some(Err)` rolled back.
type Outcome = Option<Result<(), String>>;

/// This process's SQLite writers: the write pool, whose turn it is, the open batch.
#[derive(Debug)]
pub(crate) struct SqliteWriter {
    pool: SqlitePool,
    batch: Arc<Mutex<Batch>>,
    /// Writers waiting for the turn to start a write (not those waiting for a commit): while
    /// there are some, the one ending its turn leaves the commit to them.
    queued: AtomicUsize,
}

/// The batch the turn guards.
#[derive(Default)]
pub(crate) struct Batch {
    open: Option<Open>,
    /// A member dropped midway left its work to undo; `true` if it had a savepoint.
    undo: Option<bool>,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("members", &self.open.as_ref().map(|o| o.members))
            .finish()
    }
}

/// An open batch: its transaction, how many members wait for its commit, and where the
/// outcome is told.
struct Open {
    tx: Transaction<'static, Sqlite>,
    members: usize,
    outcome: watch::Sender<Outcome>,
}

/// One write transaction in the batch (the SQLite side of a write [`crate::Tx`]). It holds the
/// turn until it commits, rolls back or is dropped.
pub(crate) struct Member {
    guard: Option<OwnedMutexGuard<Batch>>,
    writer: Arc<SqliteWriter>,
    savepoint: Savepoint,
}

/// A member's savepoint. It is not opened on its own: its `SAVEPOINT` goes at the head of the
/// member's first text to the connection's thread (see [`Member::text_head`]), one hop fewer
/// for every write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Savepoint {
    /// The first member of a batch needs none: the batch so far is its own work.
    None,
    /// Not yet sent: the member has run nothing, and has nothing to undo.
    Pending,
    /// Sent, at the head of a text that may or may not have run (see [`rollback_to`]).
    Sent,
}

impl Savepoint {
    /// What undoing the member's work takes, if anything: `Some(true)` to its savepoint,
    /// `Some(false)` the whole batch (its first member's).
    fn undo(self) -> Option<bool> {
        match self {
            Self::None => Some(false),
            Self::Pending => None,
            Self::Sent => Some(true),
        }
    }
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Member")
            .field("savepoint", &self.savepoint)
            .finish()
    }
}

/// Counts a writer queued for the turn until it gets it, or goes away.
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SqliteWriter {
    pub(crate) fn new(pool: SqlitePool) -> Self {
        Self {
            pool,
            batch: Arc::default(),
            queued: AtomicUsize::new(0),
        }
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A write transaction: waits for the turn, then joins the open batch in a savepoint of
    /// its own, or starts a batch (`BEGIN IMMEDIATE`).
    ///
    /// Writers of this process queue here, first come first served, instead of in SQLite's
    /// busy handler, which polls with growing sleeps (up to 100 ms) and so leaves the database
    /// idle while writers wait. The busy timeout still covers writers in other processes (the
    /// CLI next to a running server).
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<Member, StoreError> {
        let mut guard = {
            self.queued.fetch_add(1, Ordering::SeqCst);
            let _queued = Queued(&self.queued);
            self.batch.clone().lock_owned().await
        };
        settle(&mut guard).await;
        let savepoint = if guard.open.is_some() {
            Savepoint::Pending
        } else {
            // A deferred transaction that reads first and writes later would have to upgrade
            // its lock, and two processes upgrading at once fail with SQLITE_BUSY whatever the
            // busy timeout: the batch takes the write lock up front.
            guard.open = Some(self.open_batch().await?);
            Savepoint::None
        };
        Ok(Member {
            guard: Some(guard),
            writer: self.clone(),
            savepoint,
        })
    }

    async fn open_batch(&self) -> Result<Open, StoreError> {
        Ok(Open {
            tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
            members: 0,
            outcome: watch::channel(None).0,
        })
    }

    /// Ends a member's turn: commits the batch when nobody else is queued to add to it (or it
    /// is full) and returns the commit's result; otherwise hands the turn on (`None`).
    async fn end_turn(&self, guard: OwnedMutexGuard<Batch>) -> Option<Result<(), StoreError>> {
        let Some(open) = &guard.open else {
            return None;
        };
        if self.queued.load(Ordering::SeqCst) == 0 || open.members >= MAX_BATCH {
            Some(commit(guard).await)
        } else {
            None
        }
    }
}

impl Member {
    /// The batch's connection, for this member's statements.
    pub(crate) fn conn(&mut self) -> Result<&mut SqliteConnection, StoreError> {
        self.guard
            .as_mut()
            .and_then(|guard| guard.open.as_mut())
            .map(|open| &mut *open.tx)
            .ok_or_else(ended)
    }

    /// What goes at the head of the next text this member sends: its `SAVEPOINT`, the first
    /// time. From here on the savepoint counts as open, whether or not the text then runs.
    pub(crate) fn text_head(&mut self) -> &'static str {
        if self.savepoint == Savepoint::Pending {
            self.savepoint = Savepoint::Sent;
            "SAVEPOINT member;\n"
        } else {
            ""
        }
    }

    /// Runs `last` (this member's last statements: those held back, see `Tx::defer`, and
    /// perhaps one whose outcome the caller reads), then makes this member's work durable:
    /// returns once the batch holding it is committed, with the batch's outcome and what the
    /// text's last statement did. For a member in a savepoint the release goes in the same text:
    /// one hop to the connection's thread, not two. If a statement of `last` fails, this
    /// member's work is undone and it fails alone.
    pub(crate) async fn commit(
        mut self,
        mut last: String,
        args: Vec<Arg>,
    ) -> Result<Finished, StoreError> {
        let mut guard = self.guard.take().ok_or_else(ended)?;
        let releases = match self.savepoint {
            Savepoint::None => false,
            // A member that sent nothing and holds nothing back has nothing to release.
            Savepoint::Pending => !last.is_empty(),
            Savepoint::Sent => true,
        };
        let finished = if last.is_empty() {
            Finished::default()
        } else {
            if releases {
                last.insert_str(0, self.text_head());
                last.push_str("RELEASE member");
            }
            // Marked before the text goes, cleared once it ran: if this is cut short (its
            // caller going away), the connection's thread stops the text between two
            // statements, and the next writer to take the turn undoes what of it ran.
            guard.undo = self.savepoint.undo();
            let open = guard.open.as_mut().ok_or_else(ended)?;
            match run_last(&mut open.tx, &last, args, releases).await {
                Ok(finished) => {
                    guard.undo = None;
                    finished
                }
                Err(e) => {
                    // Undone now, as the mark says: to its savepoint if the release did not
                    // run, else (the savepoint gone) the whole batch, which fails.
                    settle(&mut guard).await;
                    let _ = self.writer.end_turn(guard).await;
                    return Err(e.into());
                }
            }
        };
        let Some(open) = guard.open.as_mut() else {
            return Err(ended());
        };
        open.members += 1;
        let outcome = open.outcome.subscribe();
        match self.writer.end_turn(guard).await {
            Some(committed) => committed,
            None => wait(&self.writer, outcome).await,
        }?;
        Ok(finished)
    }

    /// Undoes this member's work and ends its turn; the rest of the batch is not touched.
    pub(crate) async fn rollback(mut self) -> Result<(), StoreError> {
        let mut guard = self.guard.take().ok_or_else(ended)?;
        guard.undo = self.savepoint.undo();
        settle(&mut guard).await;
        // Others' commit, if ours was the last turn: their outcome is theirs to hear.
        let _ = self.writer.end_turn(guard).await;
        Ok(())
    }

    /// Undoes what this member wrote so far and keeps its turn, to carry on afresh (a report
    /// whose client key turned out to be taken reads the earlier issue instead).
    pub(crate) async fn undo(&mut self) -> Result<(), StoreError> {
        let writer = self.writer.clone();
        let guard = self.guard.as_mut().ok_or_else(ended)?;
        match self.savepoint {
            Savepoint::Pending => Ok(()),
            // A savepoint rolled back to stays open, ready for more work; one whose text never
            // ran is sent afresh with the next.
            Savepoint::Sent => {
                if !rollback_to(guard).await? {
                    self.savepoint = Savepoint::Pending;
                }
                Ok(())
            }
            Savepoint::None => {
                // The first member's work is all the batch holds.
                if let Some(open) = guard.open.take() {
                    open.tx.rollback().await?;
                }
                guard.open = Some(writer.open_batch().await?);
                Ok(())
            }
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        // Recorded on the batch first: if the task below never runs, the next writer to take
        // the turn does the undoing before it starts.
        guard.undo = self.savepoint.undo();
        let writer = self.writer.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                settle(&mut guard).await;
                let _ = writer.end_turn(guard).await;
            });
        }
    }
}

/// What a member's last text did (see [`Member::commit`]): the count of its last statement
/// before the release, and the rows it returned (only a statement with `RETURNING`, or a
/// read, returns any; a savepoint, its release and the statements held back return none).
#[derive(Default)]
pub(crate) struct Finished {
    pub(crate) count: u64,
    pub(crate) rows: Vec<SqliteRow>,
}

/// Runs a member's last text, statement by statement, keeping what [`Finished`] holds.
async fn run_last(
    conn: &mut SqliteConnection,
    text: &str,
    args: Vec<Arg>,
    releases: bool,
) -> Result<Finished, sqlx::Error> {
    use futures_util::TryStreamExt;
    let mut counts = Vec::new();
    let mut rows = Vec::new();
    let mut steps = sqlx::Executor::fetch_many(conn, bind_all!(sqlx::query(text), args));
    while let Some(step) = steps.try_next().await? {
        match step {
            sqlx::Either::Left(done) => counts.push(done.rows_affected()),
            sqlx::Either::Right(row) => rows.push(row),
        }
    }
    // The release's own count is not the caller's: SQLite reports a `RELEASE` (and a
    // `SAVEPOINT`) as changing as many rows as the write before it.
    let count = counts
        .iter()
        .rev()
        .nth(usize::from(releases))
        .copied()
        .unwrap_or(0);
    Ok(Finished { count, rows })
}

/// Waits for the commit of the batch a member joined. If the turn comes free while the batch
/// is still open (whoever was queued behind went away), commits it.
async fn wait(
    writer: &SqliteWriter,
    mut outcome: watch::Receiver<Outcome>,
) -> Result<(), StoreError> {
    loop {
        if let Some(told) = told(&outcome) {
            return told;
        }
        tokio::select! {
            biased;
            changed = outcome.changed() => {
                if changed.is_err() {
                    return told(&outcome).unwrap_or_else(|| Err(vanished()));
                }
            }
            guard = writer.batch.clone().lock_owned() => {
                let mut guard = guard;
                settle(&mut guard).await;
                if let Some(told) = told(&outcome) {
                    return told;
                }
                // Not told, and nobody else holds the turn: the open batch is ours.
                if guard.open.is_none() || outcome.has_changed().is_err() {
                    return Err(vanished());
                }
                return commit(guard).await;
            }
        }
    }
}

fn told(outcome: &watch::Receiver<Outcome>) -> Option<Result<(), StoreError>> {
    outcome
        .borrow()
        .clone()
        .map(|told| told.map_err(batch_failed))
}

/// Commits the open batch on a task of its own (a caller going away cannot cut it short) and
/// tells every member.
async fn commit(mut guard: OwnedMutexGuard<Batch>) -> Result<(), StoreError> {
    let task = tokio::spawn(async move {
        let Some(open) = guard.open.take() else {
            return Ok(());
        };
        let result = open.tx.commit().await.map_err(StoreError::from);
        let told = result.as_ref().map(|_| ()).map_err(ToString::to_string);
        let _ = open.outcome.send(Some(told));
        result
    });
    task.await.unwrap_or_else(|_| Err(vanished()))
}

/// Undoes the work a dropped member left, if any. If that fails, the batch cannot be trusted:
/// it is rolled back whole and its members fail.
///
/// The mark is cleared only once the undoing is done: if this is cut short (its caller going
/// away), the next writer to take the turn undoes it again rather than commit half of it.
async fn settle(batch: &mut Batch) {
    let Some(savepoint) = batch.undo else {
        return;
    };
    if savepoint {
        let undone = match rollback_to(batch).await {
            Ok(true) => exec(batch, "RELEASE member").await,
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = undone {
            abort(batch, &e).await;
        }
    } else if let Some(open) = batch.open.take() {
        // The first member's work was the whole batch; nobody waits on it.
        let _ = open.tx.rollback().await;
    }
    batch.undo = None;
}

/// Rolls the open batch back whole and fails every member waiting on it.
async fn abort(batch: &mut Batch, e: &StoreError) {
    if let Some(open) = batch.open.take() {
        let _ = open.tx.rollback().await;
        let _ = open.outcome.send(Some(Err(e.to_string())));
    }
}

/// Rolls the member's work back to its savepoint, which stays open: `true`; `false` if there
/// is no savepoint to go back to. That happens only when the text that began with its
/// `SAVEPOINT` never ran (or failed at it), and since a text stops at its first error, nothing
/// of the member's ran either: there is nothing to undo.
async fn rollback_to(batch: &mut Batch) -> Result<bool, StoreError> {
    match exec(batch, "ROLLBACK TO member").await {
        Ok(()) => Ok(true),
        Err(StoreError::Database(sqlx::Error::Database(e)))
            if e.message().starts_with("no such savepoint") =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

async fn exec(batch: &mut Batch, sql: &str) -> Result<(), StoreError> {
    let open = batch.open.as_mut().ok_or_else(ended)?;
    sqlx::query(sql).execute(&mut *open.tx).await?;
    Ok(())
}

/// Reports through the group commit: returns once the report is committed (or refused). A
/// client key seen before (perhaps earlier in this very batch) hits the unique index: the
/// report's own writes are undone and the earlier issue answered, or `KeyReuse`.
pub(crate) async fn intake(
    pool: &Pool,
    workflow: &Workflow,
    actor: &Actor,
    new: NewIssue,
    now: DateTime<Utc>,
) -> Result<Reported, StoreError> {
    let replay = new.client_key.clone().map(|key| (key, fingerprint(&new)));
    let mut tx = pool.begin_write().await?;
    let reported = match tx.intake(workflow, actor, new, now).await {
        Ok(reported) => reported,
        Err(e) => match replay {
            Some((key, fingerprint)) if e.is_unique_violation() => {
                tx.undo().await?;
                tx.reported_with_key(actor, &key, &fingerprint)
                    .await?
                    .ok_or(e)?
            }
            _ => return Err(e),
        },
    };
    tx.commit().await?;
    Ok(reported)
}

/// A batch's failure, for each of its members (`StoreError` is not `Clone`: sqlx errors are not).
fn batch_failed(e: String) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "the batched write failed: {e}"
    )))
}

fn vanished() -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(
        "the batched write ended without an answer".into(),
    ))
}

fn ended() -> StoreError {
    StoreError::Corrupt("a SQLite write transaction was used after it ended".into())
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::backend::args;
    use crate::Store;

    /// A scratch SQLite store in the temp folder, removed with its folder when dropped.
    pub(crate) struct Scratch {
        dir: std::path::PathBuf,
        pub(crate) store: Store,
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    pub(crate) async fn scratch() -> Scratch {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("gridloop-batch-{}-{nanos}", std::process::id()));
        let url = format!("sqlite://{}/t.db", dir.display());
        let store = Store::connect(&url).await.expect("a scratch store");
        store.migrate().await.expect("migrated");
        Scratch { dir, store }
    }

    const INSERT_CHAIN: &str = "INSERT INTO chains (code, name) VALUES ($1, $2)";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_deferred_statement_that_fails_at_commit_fails_its_member_alone() {
        let scratch = scratch().await;
        let pool = scratch.store.pool.clone();
        // The second defers an insert that breaks `UNIQUE`.
        let second = behind_a_first(&pool, "c1", |pool| async move {
            let mut tx = pool.begin_write().await?;
            tx.defer(INSERT_CHAIN, args!["c2", "二"]).await?;
            tx.defer(INSERT_CHAIN, args!["c1", "again"]).await?;
            tx.commit().await
        })
        .await;
        let err = second.expect_err("the second breaks UNIQUE");
        assert!(err.is_unique_violation(), "{err}");
        assert_eq!(
            codes(&scratch).await,
            ["c1"],
            "nothing of the second was kept"
        );
        // The turn is free and the batch clean: a later write commits.
        insert_alone(&pool, "c3").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_last_statement_goes_with_the_release_and_answers_for_itself() {
        let scratch = scratch().await;
        let pool = scratch.store.pool.clone();
        // One text holds the second's savepoint, its insert held back, its update and the
        // release.
        let second = behind_a_first(&pool, "c1", |pool| async move {
            let mut tx = pool.begin_write().await?;
            tx.defer(INSERT_CHAIN, args!["c2", "二"]).await?;
            tx.execute_and_commit("UPDATE chains SET name = name || $1", args!["!"])
                .await
        })
        .await;
        assert_eq!(
            second.expect("the second commits"),
            2,
            "the update's count, not the release's"
        );
        // Rows a last statement returns come back through the release too.
        let renamed = behind_a_first(&pool, "c3", |pool| async move {
            pool.begin_write()
                .await?
                .fetch_all_and_commit::<(String,)>(
                    "UPDATE chains SET name = 'x' WHERE code = $1 RETURNING name",
                    args!["c2"],
                )
                .await
        })
        .await;
        assert_eq!(renamed.expect("the third commits"), [("x".to_owned(),)]);

        // A last statement that fails undoes its member's work alone.
        let fourth = behind_a_first(&pool, "c5", |pool| async move {
            let mut tx = pool.begin_write().await?;
            tx.defer(INSERT_CHAIN, args!["c4", "四"]).await?;
            tx.execute_and_commit(INSERT_CHAIN, args!["c1", "again"])
                .await
        })
        .await;
        let err = fourth.expect_err("the fourth breaks UNIQUE");
        assert!(err.is_unique_violation(), "{err}");
        assert_eq!(codes(&scratch).await, ["c1", "c2", "c3", "c5"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_member_cut_short_in_its_last_text_is_undone_by_the_next_writer() {
        let scratch = scratch().await;
        let pool = scratch.store.pool.clone();
        // The second's last text is its savepoint, an insert, a statement that takes a while
        // and the release; its caller gives up while the slow statement runs.
        let second = behind_a_first(&pool, "c1", |pool| async move {
            let mut tx = pool.begin_write().await.expect("second");
            tx.defer(INSERT_CHAIN, args!["c2", "二"])
                .await
                .expect("deferred");
            let slow = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r \
                        WHERE n < 5000000) SELECT count(*) FROM r";
            tokio::time::timeout(
                std::time::Duration::from_millis(100),
                tx.execute_and_commit(slow, args![]),
            )
            .await
        })
        .await;
        assert!(second.is_err(), "the second was cut short");
        insert_alone(&pool, "c3").await;
        assert_eq!(
            codes(&scratch).await,
            ["c1", "c3"],
            "nothing of the second was kept"
        );
    }

    /// The codes in `chains`, in order.
    async fn codes(scratch: &Scratch) -> Vec<String> {
        let rows: Vec<(String,)> = scratch
            .store
            .pool
            .fetch_all_alone("SELECT code FROM chains ORDER BY code", args![])
            .await
            .expect("read");
        rows.into_iter().map(|(code,)| code).collect()
    }

    /// Long enough for a writer spawned before it to queue for the turn.
    const QUEUEING: std::time::Duration = std::time::Duration::from_millis(50);

    /// Commits the first write once the writers spawned before have queued behind it.
    async fn commit_behind_queue(first: crate::Tx) {
        tokio::time::sleep(QUEUEING).await;
        first.commit().await.expect("the first commits");
    }

    /// Starts a write that holds the turn with one insert held back, so that the next writer
    /// joins its batch in a savepoint.
    async fn holding_the_turn(pool: &crate::backend::Pool) -> crate::Tx {
        holding_the_turn_with(pool, "c1").await
    }

    /// [`holding_the_turn`], inserting `code`.
    async fn holding_the_turn_with(pool: &crate::backend::Pool, code: &str) -> crate::Tx {
        let mut first = pool.begin_write().await.expect("first");
        first
            .defer(INSERT_CHAIN, args![code, "一"])
            .await
            .expect("deferred");
        first
    }

    /// Runs `second` on a task of its own while a first write (inserting `code`) holds the
    /// turn, so that the second joins the first's batch in a savepoint; then commits the
    /// first and returns what the second's task did.
    async fn behind_a_first<T, F>(
        pool: &crate::backend::Pool,
        code: &str,
        second: impl FnOnce(crate::backend::Pool) -> F,
    ) -> T
    where
        T: Send + 'static,
        F: std::future::Future<Output = T> + Send + 'static,
    {
        let first = holding_the_turn_with(pool, code).await;
        let second = tokio::spawn(second(pool.clone()));
        commit_behind_queue(first).await;
        second.await.expect("the second's task")
    }

    /// A write of its own inserting `code`, which must commit.
    async fn insert_alone(pool: &crate::backend::Pool, code: &str) {
        let mut tx = pool.begin_write().await.expect("a write");
        tx.execute(INSERT_CHAIN, args![code, "三"])
            .await
            .expect("inserted");
        tx.commit().await.expect("it commits");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_member_whose_statement_fails_is_undone_to_its_savepoint_alone() {
        let scratch = scratch().await;
        let pool = scratch.store.pool.clone();
        // Its savepoint goes with its first statement; its second breaks `UNIQUE`.
        let second = behind_a_first(&pool, "c1", |pool| async move {
            let mut tx = pool.begin_write().await?;
            let wrote = tx.execute(INSERT_CHAIN, args!["c2", "二"]).await?;
            assert_eq!(wrote, 1, "the count is the statement's own");
            tx.execute(INSERT_CHAIN, args!["c1", "again"]).await
        })
        .await;
        let err = second.expect_err("the second breaks UNIQUE");
        assert!(err.is_unique_violation(), "{err}");
        // The second's transaction was dropped with its task: its insert is undone.
        insert_alone(&pool, "c3").await;
        assert_eq!(codes(&scratch).await, ["c1", "c3"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_member_that_sent_nothing_leaves_the_batch_as_it_was() {
        let scratch = scratch().await;
        let pool = scratch.store.pool.clone();
        let first = holding_the_turn(&pool).await;
        // Two writers queue behind it and join its batch; neither runs a statement.
        let pause = || tokio::time::sleep(QUEUEING);
        let second = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.begin_write().await?.rollback().await })
        };
        pause().await;
        let third = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.begin_write().await?.commit().await })
        };
        commit_behind_queue(first).await;
        second
            .await
            .expect("the second's task")
            .expect("a write with nothing in it rolls back");
        third
            .await
            .expect("the third's task")
            .expect("a write with nothing in it commits");
        assert_eq!(codes(&scratch).await, ["c1"]);
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_event_held_back_after_an_update_that_changed_nothing_fails_its_write() {
        let scratch = scratch().await;
        let pool = scratch.store.pool.clone();
        let mut tx = pool.begin_write().await.expect("a write");
        tx.defer(INSERT_CHAIN, args!["c1", "一"])
            .await
            .expect("deferred");
        // The compare-and-set of an issue whose version moved: no row changes.
        tx.defer(
            "UPDATE chains SET name = $1 WHERE code = $2",
            args!["二", "no such chain"],
        )
        .await
        .expect("deferred");
        tx.defer(
            &crate::issues::INSERT_EVENT_AFTER_UPDATE,
            args![
                1_i64,
                2_i64,
                "accepted",
                chrono::Utc::now(),
                None::<i64>,
                "reported",
                "accepted",
                serde_json::json!({})
            ],
        )
        .await
        .expect("deferred");
        let err = tx.commit().await.expect_err("the event names no issue");
        assert!(err.to_string().contains("NOT NULL"), "{err}");
        assert!(
            codes(&scratch).await.is_empty(),
            "nothing of the write was kept"
        );
    }
}

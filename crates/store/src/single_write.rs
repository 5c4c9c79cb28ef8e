//! PostgreSQL writes that are one statement, sent without `BEGIN` and `COMMIT` (issue 17).
//!
//! An action on an issue reads the issue (and what the action names), lets the workflow
//! decide, and writes: the compare-and-set on the version, the event and the notices, which
//! `Tx::defer` and `Tx::execute_carrying` already make one statement. In a transaction that is
//! four round trips — `BEGIN`, the read, the write, `COMMIT` — and at 16 clients the two that do
//! no work cost the server and the database as much CPU as the two that do. But one statement
//! is atomic on its own, and the reads are `READ COMMITTED` either way (each statement its own
//! snapshot; the compare-and-set, not the transaction, guards the version). So such a write
//! starts in autocommit ([`crate::backend::Pool::begin_single_write`]):
//!
//! - plain reads run on the connection as they come;
//! - the statement that carries the held-back ones ([`crate::Tx::execute_carrying`]) runs alone
//!   and is the commit; it must write all or nothing, so the caller makes it fail as a whole
//!   when its compare-and-set changed nothing (see `issues::record`);
//! - anything else — a statement that may write, lock or see held-back writes — first turns
//!   the write into an ordinary transaction (`BEGIN`), which is always correct, only slower.
//!   Reads before it lose nothing: under `READ COMMITTED` they saw their own snapshots anyway.
//!
//! Nothing may write after the carrying statement: it was committed, and could not be undone
//! with what follows. That is checked, not assumed.

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};

use crate::error::StoreError;

/// A PostgreSQL write still in autocommit: its connection, and whether its one statement ran.
pub(crate) struct Autocommit {
    pub(crate) pool: PgPool,
    /// `None` once given back, on the way to becoming a transaction: a write that held it
    /// while waiting for another could starve the pool, every connection held by such a wait.
    conn: Option<PoolConnection<Postgres>>,
    /// The carrying statement ran (and so committed).
    pub(crate) wrote: bool,
}

impl Autocommit {
    pub(crate) fn new(pool: PgPool, conn: PoolConnection<Postgres>) -> Self {
        Self {
            pool,
            conn: Some(conn),
            wrote: false,
        }
    }

    pub(crate) fn conn(&mut self) -> Result<&mut PgConnection, StoreError> {
        self.conn
            .as_deref_mut()
            .ok_or_else(|| StoreError::Corrupt("a write whose transaction did not begin".into()))
    }

    /// Gives the connection back to the pool; what follows begins a transaction.
    pub(crate) fn give_back(&mut self) {
        self.conn = None;
    }
}

/// Whether `sql` only reads, takes no lock and calls nothing that writes: it may run in
/// autocommit before the write. Conservative: whatever it does not recognise is taken to write,
/// which costs a `BEGIN`, never correctness.
pub(crate) fn is_plain_read(sql: &str) -> bool {
    let sql = sql.trim_start();
    let Some(head) = sql.get(..7) else {
        return false;
    };
    if !head.eq_ignore_ascii_case("SELECT ") {
        return false;
    }
    let upper = sql.to_ascii_uppercase();
    const WRITES_OR_LOCKS: [&str; 6] = [
        " FOR UPDATE",
        " FOR NO KEY UPDATE",
        " FOR SHARE",
        " FOR KEY SHARE",
        "NEXTVAL(",
        "SETVAL(",
    ];
    !WRITES_OR_LOCKS.iter().any(|w| upper.contains(w)) && !upper.contains("PG_ADVISORY")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::postgres::PgPoolOptions;

    use super::is_plain_read;
    use crate::backend::{args, Pool};

    /// More writes than the pool has connections, each turning into a transaction after a
    /// read in autocommit: each must give its first connection back before it takes one for
    /// `BEGIN`, or every connection is held by a write waiting for another and the pool starves
    /// (`PoolTimedOut`). No action turns so since its deadline plan is held back too, so the
    /// turn is tried here with a statement that always needs it: an advisory lock, which is
    /// the transaction's own (on the test server's admin database, which it leaves as it was).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_that_turn_into_transactions_do_not_starve_the_pool() {
        if std::env::var("GRIDLOOP_SKIP_PG").is_ok_and(|v| v == "1") {
            return;
        }
        let url = std::env::var("GRIDLOOP_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(5))
            .connect(&url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {url} is unreachable ({e})"));
        let pool = Pool::Postgres(pool);
        let tasks: Vec<_> = (0..8_i64)
            .map(|n| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let mut tx = pool.begin_single_write().await?;
                    let (one,): (i64,) = tx.fetch_one("SELECT 1::int8", args![]).await?;
                    assert!(tx.in_autocommit(), "a plain read stays in autocommit");
                    tx.execute("SELECT pg_advisory_xact_lock($1)", args![1_700_000_000 + n])
                        .await?;
                    assert!(
                        !tx.in_autocommit(),
                        "a lock turns the write into a transaction"
                    );
                    tx.commit().await?;
                    Ok::<_, crate::StoreError>(one)
                })
            })
            .collect();
        for task in tasks {
            let one = task.await.expect("the task").expect("the write finished");
            assert_eq!(one, 1);
        }
    }

    #[test]
    fn only_selects_that_neither_lock_nor_write_are_plain_reads() {
        for read in [
            "SELECT id, version FROM issues WHERE id = $1",
            "  select 1 FROM units WHERE id = $1",
        ] {
            assert!(is_plain_read(read), "{read}");
        }
        for not in [
            "SELECT id FROM issues WHERE id = $1 FOR UPDATE",
            "SELECT id FROM jobs FOR NO KEY UPDATE SKIP LOCKED",
            "SELECT 1 FROM users WHERE id = $1 FOR KEY SHARE",
            "SELECT nextval('issues_id_seq')",
            "SELECT pg_advisory_xact_lock(1)",
            "WITH d AS (DELETE FROM jobs RETURNING id) SELECT id FROM d",
            "INSERT INTO jobs (kind) VALUES ($1)",
            "UPDATE issues SET version = 2",
            "SELECT",
        ] {
            assert!(!is_plain_read(not), "{not}");
        }
    }
}

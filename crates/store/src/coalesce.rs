//! Concurrent one-row writes gathered into one batch (issue 17).
//!
//! On PostgreSQL a one-row statement costs far more than its row: the round trip, the
//! executor's start and end, the commit and its WAL flush, the foreign-key checks' row locks
//! shared by several transactions. On SQLite each statement is a hop to the connection's
//! thread while the write turn waits. So writes that arrive together — reports on both,
//! messages marked sent on PostgreSQL — are written by one statement over arrays of their
//! rows, or on SQLite by a few multi-row statements.
//!
//! There is no background task and no timer: whoever submits a row puts it in the queue and
//! then waits for either its answer or a *turn*. A turn's holder takes everything queued (up
//! to a batch's bound) and runs it, on a task of its own so that the caller going away (a
//! client that hung up) cannot abandon the others' rows halfway. While the turns are all taken
//! the queue fills, so batches grow exactly as fast as the database falls behind, and a row
//! alone is written at once. A turn per core keeps the database's cores busy without the
//! batches shrinking to one row each.
//!
//! A batch answers every row: `Some` outcome, or `None` when the statement failed as a whole
//! (a unique key, a foreign key): the caller then runs its own one-row statement, whose error
//! is its own and says which row was wrong.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{oneshot, Semaphore};

use crate::error::StoreError;

/// Rows waiting for a statement, and the turns to run one.
pub(crate) struct Coalescer<I, O> {
    waiting: Mutex<Vec<(I, oneshot::Sender<Option<O>>)>>,
    turns: Arc<Semaphore>,
    max_batch: usize,
    /// Batches of 1, 2, 4, … rows only (see [`Coalescer::in_powers_of_two`]).
    powers_of_two: bool,
}

impl<I, O> std::fmt::Debug for Coalescer<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coalescer")
            .field("turns", &self.turns.available_permits())
            .field("max_batch", &self.max_batch)
            .finish_non_exhaustive()
    }
}

impl<I: Send + 'static, O: Send + 'static> Coalescer<I, O> {
    /// A turn per core: on this project's 2-core machine one and two turns wrote reports as
    /// fast, four and eight slower (smaller batches on the same cores; `bench store`, 16
    /// writers). Each batch holds at most `max_batch` rows.
    pub(crate) fn per_core(max_batch: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores, max_batch)
    }

    /// `turns` statements at most in flight at once, each of at most `max_batch` rows.
    pub(crate) fn new(turns: usize, max_batch: usize) -> Self {
        Self {
            waiting: Mutex::new(Vec::new()),
            turns: Arc::new(Semaphore::new(turns.max(1))),
            max_batch: max_batch.max(1),
            powers_of_two: false,
        }
    }

    /// Takes batches of 1, 2, 4, … rows only, leaving the rest queued for the next turn, so
    /// that a batch's statements have one of a handful of texts, which a connection can keep
    /// prepared (SQLite prepares a statement on every run otherwise, and a batch's statements
    /// are long).
    pub(crate) fn in_powers_of_two(mut self) -> Self {
        self.powers_of_two = true;
        self
    }

    /// Writes `row` with the others waiting: `run` is given the batch's rows in the order they
    /// came and answers each, in that order (a shorter answer leaves the rest `None`). Every
    /// caller passes an equivalent `run`; whoever holds a turn runs theirs.
    pub(crate) async fn submit<F, Fut>(&self, row: I, run: F) -> Result<Option<O>, StoreError>
    where
        F: Fn(Vec<I>) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = Vec<Option<O>>> + Send + 'static,
    {
        let (tx, mut answer) = oneshot::channel();
        self.queue().push((row, tx));
        let unanswered = |_| {
            StoreError::Database(sqlx::Error::Protocol(
                "a batch of writes ended without an answer".into(),
            ))
        };
        loop {
            tokio::select! {
                biased;
                out = &mut answer => return out.map_err(unanswered),
                turn = Arc::clone(&self.turns).acquire_owned() => {
                    let Ok(turn) = turn else {
                        continue;
                    };
                    let batch: Vec<_> = {
                        let mut queue = self.queue();
                        let mut n = queue.len().min(self.max_batch);
                        if self.powers_of_two && n > 0 {
                            n = 1 << n.ilog2();
                        }
                        queue.drain(..n).collect()
                    };
                    if batch.is_empty() {
                        // Rows leave the queue only into a batch, so this one's is in one
                        // already: wait for it, leaving the turn (taking it again would spin).
                        drop(turn);
                        return answer.await.map_err(unanswered);
                    }
                    let run = run.clone();
                    tokio::spawn(async move {
                        let _turn = turn;
                        let (rows, senders): (Vec<I>, Vec<_>) = batch.into_iter().unzip();
                        let mut outcomes = run(rows).await.into_iter();
                        for sender in senders {
                            // A caller that went away has nobody to tell.
                            let _ = sender.send(outcomes.next().flatten());
                        }
                    });
                }
            }
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<(I, oneshot::Sender<Option<O>>)>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rows_that_arrive_together_share_a_batch_and_each_gets_its_own_answer() {
        let coalescer = Arc::new(Coalescer::<u32, u32>::new(1, 8));
        let batches = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for n in 0..40_u32 {
            let coalescer = Arc::clone(&coalescer);
            let batches = Arc::clone(&batches);
            handles.push(tokio::spawn(async move {
                let run = move |rows: Vec<u32>| {
                    let batches = Arc::clone(&batches);
                    async move {
                        assert!(rows.len() <= 8, "a batch holds at most its bound");
                        batches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        rows.into_iter().map(|r| Some(r * 10)).collect()
                    }
                };
                coalescer.submit(n, run).await
            }));
        }
        for (n, handle) in (0_u32..).zip(handles) {
            let answer = handle.await.expect("no panic").expect("answered");
            assert_eq!(answer, Some(n * 10), "row {n} got another row's answer");
        }
        let batches = batches.load(Ordering::SeqCst);
        assert!(
            (5..40).contains(&batches),
            "40 rows arriving together took {batches} statements"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn in_powers_of_two_every_batch_is_one_and_the_rest_wait_for_the_next_turn() {
        let coalescer = Arc::new(Coalescer::<u32, u32>::new(1, 64).in_powers_of_two());
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let mut handles = Vec::new();
        for n in 0..45_u32 {
            let (coalescer, sizes) = (Arc::clone(&coalescer), Arc::clone(&sizes));
            handles.push(tokio::spawn(async move {
                let run = move |rows: Vec<u32>| {
                    let sizes = Arc::clone(&sizes);
                    async move {
                        sizes.lock().expect("sizes").push(rows.len());
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        rows.into_iter().map(|r| Some(r + 100)).collect()
                    }
                };
                coalescer.submit(n, run).await
            }));
        }
        for (n, handle) in (0_u32..).zip(handles) {
            let answer = handle.await.expect("no panic").expect("answered");
            assert_eq!(answer, Some(n + 100), "row {n} got another row's answer");
        }
        let sizes = sizes.lock().expect("sizes").clone();
        assert_eq!(
            sizes.iter().sum::<usize>(),
            45,
            "every row written once: {sizes:?}"
        );
        assert!(
            sizes.iter().all(|s| s.is_power_of_two()),
            "batch sizes {sizes:?}"
        );
        assert!(sizes.len() < 45, "rows shared batches: {sizes:?}");
    }

    #[tokio::test]
    async fn a_lone_row_waits_for_its_answer_without_taking_the_free_turn_again() {
        // Two turns, one row: while its statement runs the other turn is free and the queue
        // empty; its caller must wait for the answer, not take that turn over and over.
        let coalescer = Coalescer::<u32, u32>::new(2, 8);
        let polls = Arc::new(AtomicUsize::new(0));
        let caller = {
            let polls = Arc::clone(&polls);
            CountPolls {
                polls,
                inner: Box::pin(coalescer.submit(3, |rows: Vec<u32>| async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    rows.into_iter().map(Some).collect()
                })),
            }
        };
        assert_eq!(caller.await.expect("answered"), Some(3));
        let polls = polls.load(Ordering::SeqCst);
        assert!(polls <= 4, "the caller was polled {polls} times in 50 ms");
    }

    /// A future that counts how often it is polled.
    struct CountPolls<F> {
        polls: Arc<AtomicUsize>,
        inner: std::pin::Pin<Box<F>>,
    }

    impl<F: Future> Future for CountPolls<F> {
        type Output = F::Output;

        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<F::Output> {
            self.polls.fetch_add(1, Ordering::SeqCst);
            self.inner.as_mut().poll(cx)
        }
    }

    #[tokio::test]
    async fn a_short_answer_leaves_the_rest_to_their_own_statement() {
        let coalescer = Coalescer::<u32, u32>::new(1, 8);
        let answer = coalescer
            .submit(7, |_rows: Vec<u32>| async { Vec::new() })
            .await
            .expect("answered");
        assert_eq!(answer, None);
    }

    #[tokio::test]
    async fn a_caller_that_goes_away_does_not_abandon_the_batch() {
        let coalescer = Arc::new(Coalescer::<u32, u32>::new(1, 8));
        let written = Arc::new(AtomicUsize::new(0));
        let run = {
            let written = Arc::clone(&written);
            move |rows: Vec<u32>| {
                let written = Arc::clone(&written);
                async move {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    written.fetch_add(rows.len(), Ordering::SeqCst);
                    rows.into_iter().map(Some).collect()
                }
            }
        };
        let leader = {
            let coalescer = Arc::clone(&coalescer);
            let run = run.clone();
            tokio::spawn(async move { coalescer.submit(1, run).await })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        leader.abort();
        let answer = coalescer.submit(2, run).await.expect("answered");
        assert_eq!(answer, Some(2));
        assert_eq!(
            written.load(Ordering::SeqCst),
            2,
            "the first row was written too"
        );
    }
}

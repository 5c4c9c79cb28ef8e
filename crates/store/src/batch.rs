//! Group commit of reports on SQLite.
//!
//! SQLite has one writer at a time and every commit costs an fsync (synchronous=FULL), so a
//! report alone spends most of its time waiting for the disk. Concurrent reports therefore share
//! a transaction: each caller queues its report; whoever gets the write turn takes everything
//! queued (up to [`MAX_BATCH`]), writes each report inside its own savepoint, commits once, and
//! only then answers every caller. A report that fails rolls back to its savepoint and fails
//! alone; if the commit fails, every report of the batch fails and none was written. Nothing is
//! acknowledged before it is durable.
//!
//! The batch runs on a task of its own, so a caller that goes away (an HTTP client hanging up)
//! never cancels the others' reports halfway.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use gridloop_core::{Actor, Workflow};
use tokio::sync::oneshot;

use crate::backend::{args, Pool, SqliteWriter, Tx};
use crate::error::StoreError;
use crate::issues::fingerprint;
use crate::model::{NewIssue, Reported};

/// The most reports one transaction takes; the rest wait for the next turn.
const MAX_BATCH: usize = 64;

type Reply = oneshot::Sender<Result<Reported, StoreError>>;

/// One queued report.
struct Job {
    workflow: Workflow,
    actor: Actor,
    new: NewIssue,
    now: DateTime<Utc>,
    reply: Reply,
}

/// Reports waiting for a write turn.
#[derive(Default)]
pub(crate) struct Queue {
    // A std Mutex: held to push or drain, never across an await.
    jobs: Mutex<Vec<Job>>,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let waiting = self.jobs.lock().map(|j| j.len()).unwrap_or_default();
        f.debug_struct("Queue").field("waiting", &waiting).finish()
    }
}

impl Queue {
    fn push(&self, job: Job) {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(job);
    }

    fn take(&self) -> Vec<Job> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        let n = jobs.len().min(MAX_BATCH);
        jobs.drain(..n).collect()
    }
}

/// Reports through the group commit: returns once the report is committed (or refused).
pub(crate) async fn intake(
    pool: &Pool,
    writer: &Arc<SqliteWriter>,
    workflow: &Workflow,
    actor: &Actor,
    new: NewIssue,
    now: DateTime<Utc>,
) -> Result<Reported, StoreError> {
    let (reply, mut answer) = oneshot::channel();
    writer.reports.push(Job {
        workflow: workflow.clone(),
        actor: actor.clone(),
        new,
        now,
        reply,
    });
    loop {
        tokio::select! {
            biased;
            result = &mut answer => return result.unwrap_or_else(|_| Err(vanished())),
            turn = writer.turn.clone().lock_owned() => {
                // Our report may have been written by the turn before ours.
                match answer.try_recv() {
                    Ok(result) => return result,
                    Err(oneshot::error::TryRecvError::Closed) => return Err(vanished()),
                    Err(oneshot::error::TryRecvError::Empty) => {}
                }
                let jobs = writer.reports.take();
                let pool = pool.clone();
                // Its own task: see the module doc. The turn moves with it.
                let batch = tokio::spawn(async move {
                    match pool.begin_write_in_turn(turn).await {
                        Ok(tx) => run(tx, jobs).await,
                        Err(e) => fail_all(jobs.into_iter().map(|j| j.reply), &e),
                    }
                });
                if batch.await.is_err() {
                    return Err(vanished());
                }
                // Our report was in that batch, or is still queued behind a full one: go round.
            }
        }
    }
}

async fn run(mut tx: Tx, jobs: Vec<Job>) {
    let mut done: Vec<(Reply, Result<Reported, StoreError>)> = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter();
    while let Some(job) = jobs.next() {
        match one(&mut tx, job.workflow, &job.actor, job.new, job.now).await {
            Ok(outcome) => done.push((job.reply, outcome)),
            Err(e) => {
                // The savepoint machinery itself failed: the transaction is not to be trusted.
                drop(tx);
                let _ = job.reply.send(Err(copy(&e)));
                fail_all(
                    done.into_iter()
                        .map(|(reply, _)| reply)
                        .chain(jobs.map(|j| j.reply)),
                    &e,
                );
                return;
            }
        }
    }
    match tx.commit().await {
        Ok(()) => {
            for (reply, outcome) in done {
                let _ = reply.send(outcome);
            }
        }
        Err(e) => fail_all(done.into_iter().map(|(reply, _)| reply), &e),
    }
}

/// One report in its savepoint. The outer `Err` is a failure of the transaction itself; the
/// inner result is the report's own outcome.
async fn one(
    tx: &mut Tx,
    workflow: Workflow,
    actor: &Actor,
    new: NewIssue,
    now: DateTime<Utc>,
) -> Result<Result<Reported, StoreError>, StoreError> {
    let replay = new.client_key.clone().map(|key| (key, fingerprint(&new)));
    tx.execute("SAVEPOINT report", args![]).await?;
    match tx.intake(&workflow, actor, new, now).await {
        Ok(reported) => {
            tx.execute("RELEASE report", args![]).await?;
            Ok(Ok(reported))
        }
        Err(e) => {
            tx.execute("ROLLBACK TO report", args![]).await?;
            tx.execute("RELEASE report", args![]).await?;
            // A client key seen before (perhaps earlier in this very batch): the earlier issue.
            match replay {
                Some((key, fingerprint)) if e.is_unique_violation() => {
                    // KeyReuse and the like are this report's answer, not the batch's failure.
                    Ok(
                        match tx.reported_with_key(actor, &key, &fingerprint).await {
                            Ok(earlier) => earlier.ok_or(e),
                            Err(other) => Err(other),
                        },
                    )
                }
                _ => Ok(Err(e)),
            }
        }
    }
}

fn fail_all(replies: impl IntoIterator<Item = Reply>, e: &StoreError) {
    for reply in replies {
        let _ = reply.send(Err(copy(e)));
    }
}

/// A batch's failure, for each of its callers (`StoreError` is not `Clone`: sqlx errors are not).
fn copy(e: &StoreError) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "the batched write failed: {e}"
    )))
}

fn vanished() -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(
        "the batched write ended without an answer".into(),
    ))
}

//! Durable jobs: the scheduler's queue.
//!
//! A job is claimed under a lease by one statement (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
//! claimers never wait on each other; SQLite: one `UPDATE … RETURNING` in `BEGIN IMMEDIATE`),
//! run with no transaction open, then completed or failed by another short statement. A worker
//! that dies leaves a lease that expires; [`Store::rescue_expired_jobs`] puts its jobs back, so
//! every job runs at least once and handlers must be idempotent.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use gridloop_core::Rule;
use serde::Serialize;
use sqlx::types::Json;

use crate::backend::{args, Arg, Backend, Tx};
use crate::error::StoreError;
use crate::issues::to_micros;
use crate::store::Store;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its `run_at`.
    Scheduled,
    /// Due, waiting for a worker.
    Available,
    /// Claimed by a worker whose lease has not expired.
    Running,
    /// Failed or lost its worker; runs again at `run_at`.
    Retryable,
    Completed,
    /// Failed its last allowed attempt; runs again only when requeued by hand.
    Dead,
}

impl JobState {
    pub const ALL: &'static [Self] = &[
        Self::Scheduled,
        Self::Available,
        Self::Running,
        Self::Retryable,
        Self::Completed,
        Self::Dead,
    ];
    /// The stored names, in the order of [`Self::ALL`].
    pub const NAMES: &'static [&'static str] = &[
        "scheduled",
        "available",
        "running",
        "retryable",
        "completed",
        "dead",
    ];

    /// The name stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Available => "available",
            Self::Running => "running",
            Self::Retryable => "retryable",
            Self::Completed => "completed",
            Self::Dead => "dead",
        }
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// For input (`--state`) and rows alike; an unknown name is `Invalid`, naming the states.
impl FromStr for JobState {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| {
                StoreError::invalid(
                    "state",
                    Rule::OneOf {
                        allowed: Self::NAMES,
                    },
                )
            })
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    /// While a job with this key is live (not completed or dead), enqueueing another is a no-op.
    pub unique_key: Option<String>,
    pub max_attempts: u32,
}

impl NewJob {
    /// The default number of attempts before a job is dead.
    pub const MAX_ATTEMPTS: u32 = 10;

    pub fn new(kind: impl Into<String>, payload: serde_json::Value, run_at: DateTime<Utc>) -> Self {
        Self {
            kind: kind.into(),
            payload,
            run_at,
            unique_key: None,
            max_attempts: Self::MAX_ATTEMPTS,
        }
    }

    pub fn unique(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub state: JobState,
    pub run_at: DateTime<Utc>,
    /// Attempts started so far, this one included while running.
    pub attempts: u32,
    pub max_attempts: u32,
    pub unique_key: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    payload: Json<serde_json::Value>,
    state: String,
    run_at: DateTime<Utc>,
    attempts: i64,
    max_attempts: i64,
    unique_key: Option<String>,
    lease_owner: Option<String>,
    lease_expires_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

const JOB_COLUMNS: &str = "id, kind, payload, state, run_at, attempts, max_attempts, unique_key, \
     lease_owner, lease_expires_at, last_error, created_at, finished_at";

impl JobRow {
    fn into_domain(self) -> Result<Job, StoreError> {
        let count = |what: &str, n: i64| {
            u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("jobs: {what} {n}")))
        };
        Ok(Job {
            id: self.id,
            kind: self.kind,
            payload: self.payload.0,
            state: self
                .state
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("jobs: state '{}'", self.state)))?,
            run_at: self.run_at,
            attempts: count("attempts", self.attempts)?,
            max_attempts: count("max_attempts", self.max_attempts)?,
            unique_key: self.unique_key,
            lease_owner: self.lease_owner,
            lease_expires_at: self.lease_expires_at,
            last_error: self.last_error,
            created_at: self.created_at,
            finished_at: self.finished_at,
        })
    }
}

fn into_jobs(rows: Vec<JobRow>) -> Result<Vec<Job>, StoreError> {
    let mut jobs = rows
        .into_iter()
        .map(JobRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    // `RETURNING` gives no order; workers start the oldest first.
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}

/// A list of ids as one bound value: a JSON array each backend unpacks.
pub(crate) fn id_list(backend: Backend, column: &str, ids: &[i64]) -> (String, Arg) {
    let sql = match backend {
        Backend::Sqlite => format!("{column} IN (SELECT value FROM json_each($IDS))"),
        Backend::Postgres => {
            format!("{column} IN (SELECT jsonb_array_elements_text($IDS)::bigint)")
        }
    };
    (sql, Arg::Json(serde_json::json!(ids)))
}

/// Longest error text kept on a job: enough to diagnose, never a whole response body.
const MAX_ERROR_CHARS: usize = 2000;

fn clip(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}

/// A job's insert; a live job with the same unique key makes it write nothing.
const ENQUEUE: &str =
    "INSERT INTO jobs (kind, payload, state, run_at, max_attempts, unique_key, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";

/// [`ENQUEUE`]'s values; `Invalid` for a job without a kind or attempts.
fn job_args(job: &NewJob, now: DateTime<Utc>) -> Result<Vec<Arg>, StoreError> {
    if job.kind.is_empty() || job.max_attempts == 0 {
        return Err(StoreError::invalid("job", Rule::JobIncomplete));
    }
    let now = to_micros(now);
    let run_at = to_micros(job.run_at);
    let state = if run_at > now {
        JobState::Scheduled
    } else {
        JobState::Available
    };
    Ok(args![
        job.kind.as_str(),
        job.payload.clone(),
        state.as_str(),
        run_at,
        job.max_attempts,
        job.unique_key.as_deref(),
        now,
    ])
}

impl Tx {
    /// Enqueues a job; `None` when a live job already holds its unique key.
    pub async fn enqueue(
        &mut self,
        job: &NewJob,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        let id: Option<(i64,)> = self
            .fetch_optional(&format!("{ENQUEUE} RETURNING id"), job_args(job, now)?)
            .await?;
        Ok(id.map(|(id,)| id))
    }

    /// Enqueues a job whose id nobody reads, held back with the write's other statements (see
    /// [`Tx::defer`]): an action's deadline plan, so that an `assign` stays one statement on
    /// PostgreSQL (`single_write`) and one text fewer on SQLite. A live job with its unique key
    /// makes it a no-op, as [`Tx::enqueue`]'s.
    pub(crate) async fn enqueue_held_back(
        &mut self,
        job: &NewJob,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.defer(ENQUEUE, job_args(job, now)?).await
    }

    /// Jobs in one state (or all), newest first, at most `limit`.
    pub async fn jobs(
        &mut self,
        state: Option<JobState>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        let rows: Vec<JobRow> = self
            .fetch_all(
                &format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE ($1 IS NULL OR state = $1) \
                     ORDER BY id DESC LIMIT $2"
                ),
                args![state.map(JobState::as_str), limit],
            )
            .await?;
        rows.into_iter().map(JobRow::into_domain).collect()
    }

    pub async fn job(&mut self, id: i64) -> Result<Option<Job>, StoreError> {
        let row: Option<JobRow> = self
            .fetch_optional(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"),
                args![id],
            )
            .await?;
        row.map(JobRow::into_domain).transpose()
    }

    /// Requeues a dead or retryable job to run now, with its attempts counted afresh.
    /// `NotFound` for an unknown job; `Invalid` for a job in another state.
    pub async fn retry_job(&mut self, id: i64, now: DateTime<Utc>) -> Result<Job, StoreError> {
        let job = self
            .job(id)
            .await?
            .ok_or_else(|| StoreError::not_found("job", id))?;
        if !matches!(job.state, JobState::Dead | JobState::Retryable) {
            return Err(StoreError::invalid(
                "id",
                Rule::NotRetryable {
                    now: job.state.as_str(),
                    retryable: &["dead", "retryable"],
                },
            ));
        }
        let row: JobRow = self
            .fetch_one(
                &format!(
                    "UPDATE jobs SET state = 'available', run_at = $2, attempts = 0, \
                     finished_at = NULL WHERE id = $1 RETURNING {JOB_COLUMNS}"
                ),
                args![id, to_micros(now)],
            )
            .await?;
        row.into_domain()
    }

    /// How many jobs are in each state, zeros included.
    pub async fn count_jobs(&mut self) -> Result<Vec<(JobState, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = self
            .fetch_all("SELECT state, COUNT(*) FROM jobs GROUP BY state", args![])
            .await?;
        let mut counts: Vec<(JobState, u64)> = JobState::ALL.iter().map(|s| (*s, 0)).collect();
        for (state, n) in rows {
            let state: JobState = state
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("jobs: state '{state}'")))?;
            if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == state) {
                slot.1 = u64::try_from(n).unwrap_or(0);
            }
        }
        Ok(counts)
    }
}

impl Store {
    /// Enqueues a job; `None` when a live job already holds its unique key.
    pub async fn enqueue(
        &self,
        job: &NewJob,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        self.write(async move |tx| tx.enqueue(job, now).await).await
    }

    /// Jobs in one state (or all), newest first.
    pub async fn jobs(&self, state: Option<JobState>, limit: u32) -> Result<Vec<Job>, StoreError> {
        self.read(async move |tx| tx.jobs(state, limit).await).await
    }

    pub async fn job(&self, id: i64) -> Result<Option<Job>, StoreError> {
        self.read(async move |tx| tx.job(id).await).await
    }

    /// Requeues a dead or retryable job to run now.
    pub async fn retry_job(&self, id: i64, now: DateTime<Utc>) -> Result<Job, StoreError> {
        self.write(async move |tx| tx.retry_job(id, now).await)
            .await
    }

    /// How many jobs are in each state.
    pub async fn count_jobs(&self) -> Result<Vec<(JobState, u64)>, StoreError> {
        self.read(async move |tx| tx.count_jobs().await).await
    }

    /// Claims up to `limit` due jobs for `owner` until `now + lease`, oldest first, counting
    /// an attempt on each. One statement: nothing stays locked while the jobs run.
    pub async fn claim_jobs(
        &self,
        owner: &str,
        limit: u32,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Job>, StoreError> {
        let now = to_micros(now);
        let lock = match self.pool.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, \
             lease_expires_at = $2, heartbeat_at = $3 \
             WHERE id IN (SELECT id FROM jobs \
                 WHERE state IN ('scheduled', 'available', 'retryable') AND run_at <= $3 \
                 ORDER BY run_at, id LIMIT $4 {lock}) \
             RETURNING {JOB_COLUMNS}"
        );
        let rows: Vec<JobRow> = self
            .pool
            .fetch_all_write(&sql, args![owner, to_micros(now + lease), now, limit])
            .await?;
        into_jobs(rows)
    }

    /// Marks jobs `owner` still holds as completed. Returns how many it held: a job whose lease
    /// expired and was claimed again is left to its new owner.
    pub async fn complete_jobs(
        &self,
        owner: &str,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let (in_ids, list) = id_list(self.pool.backend(), "id", ids);
        let sql = format!(
            "UPDATE jobs SET state = 'completed', finished_at = $2, lease_owner = NULL, \
             lease_expires_at = NULL WHERE state = 'running' AND lease_owner = $1 AND {}",
            in_ids.replace("$IDS", "$3")
        );
        let mut values = args![owner, to_micros(now)];
        values.push(list);
        let done = self.pool.execute_write(&sql, values).await?;
        Ok(done)
    }

    /// Records a failed attempt of a job `owner` holds: retryable at `retry_at`, or dead when
    /// `retry_at` is `None` or the attempts are used up. Returns the state it went to, or `None`
    /// if `owner` no longer held it.
    pub async fn fail_job(
        &self,
        owner: &str,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<JobState>, StoreError> {
        let now = to_micros(now);
        let state: Option<(String,)> = self
            .pool
            .fetch_optional_write(
                "UPDATE jobs SET \
                   state = CASE WHEN $3 IS NULL OR attempts >= max_attempts THEN 'dead' ELSE 'retryable' END, \
                   run_at = COALESCE($3, run_at), \
                   finished_at = CASE WHEN $3 IS NULL OR attempts >= max_attempts THEN $4 ELSE NULL END, \
                   last_error = $5, lease_owner = NULL, lease_expires_at = NULL \
                 WHERE id = $1 AND state = 'running' AND lease_owner = $2 RETURNING state",
                args![id, owner, retry_at.map(to_micros), now, clip(error)],
            )
            .await?;
        state
            .map(|(s,)| {
                s.parse()
                    .map_err(|_| StoreError::Corrupt(format!("jobs: state '{s}'")))
            })
            .transpose()
    }

    /// Extends the leases `owner` holds on `ids` to `until`, for long jobs.
    pub async fn heartbeat_jobs(
        &self,
        owner: &str,
        ids: &[i64],
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let (in_ids, list) = id_list(self.pool.backend(), "id", ids);
        let sql = format!(
            "UPDATE jobs SET lease_expires_at = $2, heartbeat_at = $3 \
             WHERE state = 'running' AND lease_owner = $1 AND {}",
            in_ids.replace("$IDS", "$4")
        );
        let mut values = args![owner, to_micros(until), to_micros(now)];
        values.push(list);
        let done = self.pool.execute_write(&sql, values).await?;
        Ok(done)
    }

    /// Puts back jobs whose worker's lease expired (it crashed or hung): retryable now, or dead
    /// if that was their last attempt. Returns how many.
    pub async fn rescue_expired_jobs(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let now = to_micros(now);
        let done = self
            .pool
            .execute_write(
                "UPDATE jobs SET \
                   state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'retryable' END, \
                   finished_at = CASE WHEN attempts >= max_attempts THEN $1 ELSE NULL END, \
                   run_at = $1, last_error = 'the worker''s lease expired', \
                   lease_owner = NULL, lease_expires_at = NULL \
                 WHERE state = 'running' AND lease_expires_at < $1",
                args![now],
            )
            .await?;
        Ok(done)
    }

    /// Deletes completed jobs that finished before `before`. Returns how many.
    pub async fn prune_completed_jobs(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = self
            .pool
            .execute_write(
                "DELETE FROM jobs WHERE state = 'completed' AND finished_at < $1",
                args![to_micros(before)],
            )
            .await?;
        Ok(done)
    }

    /// The earliest `run_at` of a waiting job, so an idle worker knows how long it may sleep.
    pub async fn next_job_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let next: Option<(Option<DateTime<Utc>>,)> = self
            .pool
            .fetch_optional_alone(
                "SELECT MIN(run_at) FROM jobs WHERE state IN ('scheduled', 'available', 'retryable')",
                args![],
            )
            .await?;
        Ok(next.and_then(|(t,)| t))
    }
}

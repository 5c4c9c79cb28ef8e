//! The scheduler's loop: rescue lost leases, fire due schedules, claim and run jobs.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use gridloop_store::{Job, JobState, NewJob, Store};
use tokio::task::JoinSet;

use crate::backoff::{full_jitter, unit_sample};
use crate::clock::Clock;
use crate::error::{JobError, SchedulerError};
use crate::fire::firing;

/// What a handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;

/// Runs the jobs of one kind. Jobs run at least once (a worker can die after the work and
/// before recording it), so a handler must be idempotent: check the state it is about to
/// change, and use unique keys for what it writes.
pub trait Handler: Send + Sync + 'static {
    fn run(&self, job: Job, now: DateTime<Utc>) -> HandlerFuture;
}

impl<F, Fut> Handler for F
where
    F: Fn(Job, DateTime<Utc>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    fn run(&self, job: Job, now: DateTime<Utc>) -> HandlerFuture {
        Box::pin(self(job, now))
    }
}

/// Tunables, with the defaults of `config/default.toml`.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// Jobs claimed per round trip.
    pub batch: u32,
    /// How long a claim holds a job before others may take it again.
    pub lease: Duration,
    /// Retry delays: the first bound, and the most any retry waits.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Occurrences this close before the tick are on time (see the `fire` module).
    pub grace: Duration,
    /// How long completed jobs are kept before pruning.
    pub retention: Duration,
    /// Most schedules fired per tick.
    pub schedules_per_tick: u32,
    /// Most batches run per tick, so a tick ends even when jobs keep coming.
    pub batches_per_tick: u32,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            batch: 100,
            lease: Duration::minutes(5),
            backoff_base: Duration::seconds(10),
            backoff_cap: Duration::hours(1),
            grace: Duration::minutes(2),
            retention: Duration::days(7),
            schedules_per_tick: 500,
            batches_per_tick: 50,
        }
    }
}

/// What one tick did, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    pub rescued: u64,
    pub fired: u64,
    pub completed: u64,
    pub failed: u64,
    pub dead: u64,
    pub pruned: u64,
}

/// One scheduler instance. Several may share a database: claims skip each other's jobs and
/// schedules fire by compare-and-set.
pub struct Scheduler {
    store: Store,
    clock: Arc<dyn Clock>,
    owner: String,
    config: SchedulerConfig,
    handlers: HashMap<String, Arc<dyn Handler>>,
}

impl fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut kinds: Vec<&String> = self.handlers.keys().collect();
        kinds.sort();
        f.debug_struct("Scheduler")
            .field("owner", &self.owner)
            .field("config", &self.config)
            .field("kinds", &kinds)
            .finish_non_exhaustive()
    }
}

impl Scheduler {
    /// `owner` names this instance in leases; it must differ between live instances.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        owner: impl Into<String>,
        config: SchedulerConfig,
    ) -> Self {
        Self {
            store,
            clock,
            owner: owner.into(),
            config,
            handlers: HashMap::new(),
        }
    }

    /// A lease owner name unique to this process: host-independent, pid and a random suffix.
    pub fn process_owner() -> String {
        let mut bytes = [0u8; 4];
        let suffix = getrandom::fill(&mut bytes)
            .map(|()| u32::from_le_bytes(bytes))
            .unwrap_or(0);
        format!("gridloop-{}-{suffix:08x}", std::process::id())
    }

    /// Runs jobs of `kind` with `handler`. A job of a kind nobody registered goes dead.
    pub fn register(&mut self, kind: impl Into<String>, handler: impl Handler) {
        self.handlers.insert(kind.into(), Arc::new(handler));
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// One round of everything: rescue expired leases, fire due schedules, then run due jobs
    /// in batches until none is left (or `batches_per_tick`).
    pub async fn tick(&self) -> Result<TickReport, SchedulerError> {
        let mut report = TickReport {
            rescued: self.store.rescue_expired_jobs(self.clock.now()).await?,
            fired: self.fire_schedules().await?,
            ..TickReport::default()
        };
        for _ in 0..self.config.batches_per_tick {
            let batch = self.run_batch().await?;
            report.completed += batch.completed;
            report.failed += batch.failed;
            report.dead += batch.dead;
            if batch.completed + batch.failed + batch.dead == 0 {
                break;
            }
        }
        Ok(report)
    }

    /// Deletes completed jobs older than the retention period.
    pub async fn prune(&self) -> Result<u64, SchedulerError> {
        let before = self.clock.now() - self.config.retention;
        Ok(self.store.prune_completed_jobs(before).await?)
    }

    /// Fires the occurrences of due schedules; returns how many jobs this instance enqueued.
    pub async fn fire_schedules(&self) -> Result<u64, SchedulerError> {
        let now = self.clock.now();
        let due = self
            .store
            .due_schedules(now, self.config.schedules_per_tick)
            .await?;
        let mut fired = 0;
        for record in due {
            let plan = firing(
                &record.schedule,
                record.last_fired_at,
                record.created_at,
                now,
                record.misfire,
                self.config.grace,
            );
            let jobs: Vec<NewJob> = plan
                .fire
                .iter()
                .map(|f| {
                    let mut payload = record.payload.clone();
                    if let Some(object) = payload.as_object_mut() {
                        object.insert("occurrence".into(), serde_json::json!(f.at));
                        object.insert("backfilled".into(), serde_json::json!(f.backfilled));
                    }
                    NewJob::new(record.job_kind.clone(), payload, now).unique(format!(
                        "schedule:{}@{}",
                        record.id,
                        f.at.to_rfc3339()
                    ))
                })
                .collect();
            let mut tx = self.store.transaction().await?;
            let won = tx
                .fire_schedule(
                    record.id,
                    record.last_fired_at,
                    plan.last_fired,
                    plan.next,
                    &jobs,
                    now,
                )
                .await?;
            tx.commit().await?;
            if won {
                fired += jobs.len() as u64;
                for f in plan.fire.iter().filter(|f| f.backfilled) {
                    tracing::info!(schedule = %record.name, occurrence = %f.at, "fired a missed occurrence late");
                }
            }
        }
        Ok(fired)
    }

    /// Claims one batch of due jobs and runs them concurrently, then records each outcome.
    pub async fn run_batch(&self) -> Result<TickReport, SchedulerError> {
        let now = self.clock.now();
        let jobs = self
            .store
            .claim_jobs(&self.owner, self.config.batch, self.config.lease, now)
            .await?;
        let mut report = TickReport::default();
        if jobs.is_empty() {
            return Ok(report);
        }
        let mut running = JoinSet::new();
        let mut unknown = Vec::new();
        for job in jobs {
            match self.handlers.get(&job.kind) {
                Some(handler) => {
                    let handler = Arc::clone(handler);
                    let id = job.id;
                    let attempts = job.attempts;
                    running.spawn(async move { (id, attempts, handler.run(job, now).await) });
                }
                None => unknown.push(job),
            }
        }
        let mut done = Vec::new();
        let mut failed = Vec::new();
        while let Some(joined) = running.join_next().await {
            match joined {
                Ok((id, _, Ok(()))) => done.push(id),
                Ok((id, attempts, Err(e))) => failed.push((id, attempts, e)),
                // A panicking handler is a bug; its lease expires and the job is retried.
                Err(e) => tracing::error!(error = %e, "a job handler panicked"),
            }
        }
        for job in unknown {
            failed.push((
                job.id,
                job.attempts,
                JobError::permanent(format!("no handler for jobs of kind '{}'", job.kind)),
            ));
        }
        let finished_at = self.clock.now();
        report.completed = self
            .store
            .complete_jobs(&self.owner, &done, finished_at)
            .await?;
        for (id, attempts, error) in failed {
            let retry_at = (!error.permanent).then(|| {
                finished_at
                    + full_jitter(
                        attempts,
                        self.config.backoff_base,
                        self.config.backoff_cap,
                        unit_sample(),
                    )
            });
            tracing::warn!(job = id, attempts, error = %error.message, "a job failed");
            match self
                .store
                .fail_job(&self.owner, id, &error.message, retry_at, finished_at)
                .await?
            {
                Some(JobState::Dead) => report.dead += 1,
                Some(_) => report.failed += 1,
                None => {}
            }
        }
        Ok(report)
    }

    /// Ticks until `shutdown` resolves, sleeping `poll` between idle ticks (real time: in tests
    /// call [`Scheduler::tick`] directly). Errors are logged and the loop goes on: a database
    /// that is briefly away must not stop the scheduler for good.
    pub async fn run(
        self: Arc<Self>,
        poll: std::time::Duration,
        shutdown: impl Future<Output = ()> + Send,
    ) {
        tokio::pin!(shutdown);
        let mut last_prune: Option<DateTime<Utc>> = None;
        loop {
            match self.tick().await {
                Ok(report) if report != TickReport::default() => {
                    tracing::debug!(?report, "scheduler tick");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "scheduler tick failed"),
            }
            let now = self.clock.now();
            if last_prune.is_none_or(|t| now - t > Duration::hours(1)) {
                match self.prune().await {
                    Ok(n) if n > 0 => tracing::info!(pruned = n, "pruned completed jobs"),
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "pruning completed jobs failed"),
                }
                last_prune = Some(now);
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(poll) => {}
            }
        }
    }
}

//! [`Store`]: the handle the rest of gridloop holds.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use gridloop_core::{
    Actor, CategoryId, Code, Decision, EnterpriseId, GridId, IssueId, Login, Name, Status, UnitId,
    UserId, Workflow,
};

use crate::backend::{Pool, Tx};
use crate::coalesce::Coalescer;
use crate::error::StoreError;
use crate::intake::{Intake, IntakeStats};
use crate::model::{
    ActionRequest, Category, Chain, Enterprise, Grid, NewCategory, NewEnterprise, NewGrid,
    NewIssue, NewPost, NewUnit, NewUser, Post, Reported, Unit, User,
};
use crate::notifications::{sent_batches, Sent};

/// The persistent state of gridloop, on SQLite or PostgreSQL as the URL says.
///
/// Cloning is cheap (a pool handle). Each method runs in a transaction of its own; to write
/// many things at once — and on SQLite pay one fsync instead of one per row — use
/// [`Store::transaction`] and the same methods on [`Tx`].
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    /// Reports waiting to be written together (see `intake`).
    intake: Arc<Intake>,
    /// Messages waiting to be marked sent together (see `notifications::Sent`).
    pub(crate) sent: Arc<Coalescer<Sent, bool>>,
}

impl Store {
    /// Connects to `sqlite:…` (creating the folder and file if missing) or
    /// `postgres://…`/`postgresql://…`. Does not migrate: call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = Pool::connect(url).await?;
        tracing::debug!(backend = pool.backend().name(), "connected to the database");
        Ok(Self::on(pool))
    }

    /// A store on `pool`.
    pub(crate) fn on(pool: Pool) -> Self {
        Self {
            intake: Arc::new(Intake::new(pool.backend())),
            sent: Arc::new(sent_batches(pool.backend())),
            pool,
        }
    }

    /// How the reports since this store was opened were written (batched or alone).
    pub fn intake_stats(&self) -> IntakeStats {
        self.intake.stats()
    }

    /// Applies the embedded migrations of the backend that are not applied yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.pool.migrate().await
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        self.pool.backend().name()
    }

    /// Checks that the database answers (`SELECT 1`), for readiness probes.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.pool.ping().await
    }

    /// Closes every connection, waiting for those in use to come back.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction: everything done through it commits at once (one fsync on SQLite)
    /// or not at all. On SQLite it holds the write lock until committed or dropped, so keep it
    /// short and never hold one across a network call.
    pub async fn transaction(&self) -> Result<Tx, StoreError> {
        self.pool.begin_write().await
    }

    /// A read-only transaction: every read through it sees one snapshot (REPEATABLE READ on
    /// PostgreSQL). For several reads that belong together, which otherwise are a transaction
    /// each; end it with [`Tx::commit`] (nothing was written: it only lets the snapshot go).
    pub async fn snapshot(&self) -> Result<Tx, StoreError> {
        self.pool.begin_read().await
    }

    /// Runs `f` in a read-only snapshot of its own and commits: the body of every `Store`
    /// method that reads, each one transaction.
    pub(crate) async fn read<T>(
        &self,
        f: impl AsyncFnOnce(&mut Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        committed(self.pool.begin_read().await?, f).await
    }

    /// Runs `f` in a write transaction of its own and commits it if `f` succeeds (dropping
    /// the transaction rolls it back): the body of every `Store` method that writes.
    pub(crate) async fn write<T>(
        &self,
        f: impl AsyncFnOnce(&mut Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        committed(self.pool.begin_write().await?, f).await
    }

    /// Like [`Store::write`], for a write whose work may end in one statement (an action on an
    /// issue): on PostgreSQL it then needs no `BEGIN` and `COMMIT` (see `single_write`).
    pub(crate) async fn write_single<T>(
        &self,
        f: impl AsyncFnOnce(&mut Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        committed(self.pool.begin_single_write().await?, f).await
    }

    /// Creates an industry chain. `AlreadyExists` if the code is taken.
    pub async fn create_chain(&self, code: Code, name: Name) -> Result<Chain, StoreError> {
        self.write(async move |tx| tx.create_chain(code, name).await)
            .await
    }

    /// Creates a grid of a chain. `NotFound` for an unknown chain, `AlreadyExists` for a taken code.
    pub async fn create_grid(&self, new: NewGrid) -> Result<Grid, StoreError> {
        self.write(async move |tx| tx.create_grid(new).await).await
    }

    /// Creates a vanguard post of a grid.
    pub async fn create_post(&self, new: NewPost) -> Result<Post, StoreError> {
        self.write(async move |tx| tx.create_post(new).await).await
    }

    /// Creates an enterprise in a grid.
    pub async fn create_enterprise(&self, new: NewEnterprise) -> Result<Enterprise, StoreError> {
        self.write(async move |tx| tx.create_enterprise(new).await)
            .await
    }

    /// Creates a handling unit.
    pub async fn create_unit(&self, new: NewUnit) -> Result<Unit, StoreError> {
        self.write(async move |tx| tx.create_unit(new).await).await
    }

    /// Creates a category. `Invalid` unless each of the four priorities has exactly one SLA.
    pub async fn create_category(&self, new: NewCategory) -> Result<Category, StoreError> {
        self.write(async move |tx| tx.create_category(new).await)
            .await
    }

    /// Creates an active user with roles and memberships. `Invalid` for a locale other than
    /// `zh-CN` or `en`; `NotFound` for an unknown post, unit, grid or enterprise.
    pub async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        self.write(async move |tx| tx.create_user(new).await).await
    }

    /// Every chain, in id order.
    pub async fn chains(&self) -> Result<Vec<Chain>, StoreError> {
        self.read(async move |tx| tx.chains().await).await
    }

    pub async fn chain_by_code(&self, code: &Code) -> Result<Option<Chain>, StoreError> {
        self.read(async move |tx| tx.chain_by_code(code).await)
            .await
    }

    /// Every grid, in id order.
    pub async fn grids(&self) -> Result<Vec<Grid>, StoreError> {
        self.read(async move |tx| tx.grids().await).await
    }

    pub async fn grid_by_code(&self, code: &Code) -> Result<Option<Grid>, StoreError> {
        self.read(async move |tx| tx.grid_by_code(code).await).await
    }

    /// Posts of one grid, or all, in id order.
    pub async fn posts(&self, grid: Option<GridId>) -> Result<Vec<Post>, StoreError> {
        self.read(async move |tx| tx.posts(grid).await).await
    }

    /// Enterprises of one grid, or all, in id order.
    pub async fn enterprises(&self, grid: Option<GridId>) -> Result<Vec<Enterprise>, StoreError> {
        self.read(async move |tx| tx.enterprises(grid).await).await
    }

    pub async fn enterprise(&self, id: EnterpriseId) -> Result<Option<Enterprise>, StoreError> {
        self.read(async move |tx| tx.enterprise(id).await).await
    }

    /// The enterprise holding a unified social credit code, if any.
    pub async fn enterprise_by_credit_code(
        &self,
        code: &gridloop_core::CreditCode,
    ) -> Result<Option<Enterprise>, StoreError> {
        self.read(async move |tx| tx.enterprise_by_credit_code(code).await)
            .await
    }

    /// Every unit, in id order.
    pub async fn units(&self) -> Result<Vec<Unit>, StoreError> {
        self.read(async move |tx| tx.units().await).await
    }

    pub async fn unit(&self, id: UnitId) -> Result<Option<Unit>, StoreError> {
        self.read(async move |tx| tx.unit(id).await).await
    }

    pub async fn unit_by_code(&self, code: &Code) -> Result<Option<Unit>, StoreError> {
        self.read(async move |tx| tx.unit_by_code(code).await).await
    }

    /// Every category with its SLAs (sorted by priority), in id order.
    pub async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        self.read(async move |tx| tx.categories().await).await
    }

    pub async fn category(&self, id: CategoryId) -> Result<Option<Category>, StoreError> {
        self.read(async move |tx| tx.category(id).await).await
    }

    pub async fn category_by_code(&self, code: &Code) -> Result<Option<Category>, StoreError> {
        self.read(async move |tx| tx.category_by_code(code).await)
            .await
    }

    /// Every user, active or not, in id order; role and membership lists sorted.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read(async move |tx| tx.users().await).await
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.read(async move |tx| tx.user(id).await).await
    }

    pub async fn user_by_login(&self, login: &Login) -> Result<Option<User>, StoreError> {
        self.read(async move |tx| tx.user_by_login(login).await)
            .await
    }

    /// The acting person behind a login, with the grids of their posts joined to their own
    /// grids. `NotFound` for an unknown or inactive login.
    pub async fn actor(&self, login: &Login) -> Result<Actor, StoreError> {
        self.read(async move |tx| tx.actor(login).await).await
    }

    /// The number of issues in each status, zeros included, in `Status::ALL` order.
    pub async fn count_by_status(&self) -> Result<Vec<(Status, u64)>, StoreError> {
        self.read(async move |tx| tx.count_by_status().await).await
    }

    /// Takes an action on an issue, in one transaction: checks the version the actor saw
    /// (`Conflict` if stale, nothing written), fills an `assign`'s SLA from the issue's
    /// category for its priority when not given, checks referenced units, categories and
    /// duplicate targets exist (`NotFound`), builds the action (`Invalid` for missing
    /// fields), lets the workflow decide (`Transition`), then writes the new projection
    /// under compare-and-set on the version and appends the event. The decision's effects
    /// are returned for the caller to act on.
    pub async fn act(
        &self,
        workflow: &Workflow,
        id: IssueId,
        actor: &Actor,
        request: ActionRequest,
        now: DateTime<Utc>,
    ) -> Result<Decision, StoreError> {
        if self.pool.readers().is_some() {
            match self.act_on_read(workflow, id, actor, &request, now).await {
                Err(e) if e.is_stale_write() => {}
                decided => return decided,
            }
        }
        self.write_single(async move |tx| tx.act(workflow, id, actor, request, now).await)
            .await
    }

    /// SQLite's action with its issue read before the write turn, on a read connection of its
    /// own (`readers`), so that the turn holds one text, not two: the savepoint, the
    /// compare-and-set with its event and effects, and the release. Under load the turn, not
    /// the work, bounds SQLite's writes (issue 17), and the read's CPU moves to another thread.
    ///
    /// The read sees the last commit before it (WAL), so a refusal decided on it is as right as
    /// one decided under the turn: the issue was in that state while the request ran. A write
    /// whose issue moved between the read and the turn changes no row; its event then breaks
    /// `NOT NULL` and the write fails alone (`is_stale_write`), and [`Store::act`] takes the
    /// action again under the turn, as it did before, which conflicts or decides afresh.
    async fn act_on_read(
        &self,
        workflow: &Workflow,
        id: IssueId,
        actor: &Actor,
        request: &ActionRequest,
        now: DateTime<Utc>,
    ) -> Result<Decision, StoreError> {
        gridloop_core::may_take(request.kind, actor)?;
        let issue = self
            .issue(id)
            .await?
            .ok_or_else(|| StoreError::not_found("issue", id))?;
        let request = request.clone();
        self.write(async move |tx| tx.act_on(workflow, &issue, actor, request, now).await)
            .await
    }

    /// Raises an issue to an escalation level (a system step; see [`Tx::escalate`]).
    pub async fn escalate(
        &self,
        workflow: &Workflow,
        id: IssueId,
        level: u8,
        now: DateTime<Utc>,
    ) -> Result<Decision, StoreError> {
        self.write_single(async move |tx| tx.escalate(workflow, id, level, now).await)
            .await
    }

    /// Reports a new problem, in one transaction: the issue row, its first event and the
    /// client key. The grid is the enterprise's (`NotFound` for an unknown enterprise or
    /// category). When the reporter sent this client key before, nothing is written and the
    /// issue that report created is returned as it is now, with `replayed: true` — or
    /// `KeyReuse` if the earlier request differed (title, description, enterprise, category or
    /// priority). Two concurrent reports with one key create one issue: the loser of the race
    /// hits the unique key, rolls back and returns the winner's issue.
    pub async fn intake(
        &self,
        workflow: &Workflow,
        actor: &Actor,
        new: NewIssue,
        now: DateTime<Utc>,
    ) -> Result<Reported, StoreError> {
        // Concurrent reports are written as one batch (see the `intake` module).
        crate::intake::intake(&self.pool, &self.intake, workflow, actor, new, now).await
    }
}

/// Runs `f` in `tx` and commits it if `f` succeeds (dropping `tx` rolls it back).
async fn committed<T>(
    mut tx: Tx,
    f: impl AsyncFnOnce(&mut Tx) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let out = f(&mut tx).await?;
    tx.commit().await?;
    Ok(out)
}

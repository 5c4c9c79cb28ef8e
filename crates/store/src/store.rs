//! [`Store`]: the handle the rest of gridloop holds.

use chrono::{DateTime, Utc};
use gridloop_core::{
    Actor, CategoryId, Code, Decision, EnterpriseId, Event, GridId, Issue, IssueId, Login, Name,
    Status, UnitId, UserId, Workflow,
};

use crate::backend::{Pool, Tx};
use crate::error::StoreError;
use crate::model::{
    ActionRequest, Category, Chain, Enterprise, Grid, IssueFilter, NewCategory, NewEnterprise,
    NewGrid, NewIssue, NewPost, NewUnit, NewUser, Page, Post, Reported, Unit, User,
};

/// The persistent state of gridloop, on SQLite or PostgreSQL as the URL says.
///
/// Cloning is cheap (a pool handle). Each method runs in a transaction of its own; to write
/// many things at once — and on SQLite pay one fsync instead of one per row — use
/// [`Store::transaction`] and the same methods on [`Tx`].
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: Pool,
}

/// Generates `Store` methods that run the `Tx` method of the same name in a transaction of
/// their own: `read` ones in a read-only snapshot, `write` ones in a write transaction.
macro_rules! in_transaction {
    ($(
        $(#[$doc:meta])*
        $mode:ident fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
        $(
            $(#[$doc])*
            pub async fn $name(&self $(, $arg: $ty)*) -> Result<$ret, StoreError> {
                let mut tx = in_transaction!(@begin self, $mode)?;
                let out = tx.$name($($arg),*).await?;
                tx.commit().await?;
                Ok(out)
            }
        )*
    };
    (@begin $self:ident, read) => { $self.pool.begin_read().await };
    (@begin $self:ident, write) => { $self.pool.begin_write().await };
}
pub(crate) use in_transaction;

impl Store {
    /// Connects to `sqlite:…` (creating the folder and file if missing) or
    /// `postgres://…`/`postgresql://…`. Does not migrate: call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = Pool::connect(url).await?;
        tracing::debug!(backend = pool.backend().name(), "connected to the database");
        Ok(Self { pool })
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

    in_transaction! {
        /// Creates an industry chain. `AlreadyExists` if the code is taken.
        write fn create_chain(&self, code: Code, name: Name) -> Chain;
        /// Creates a grid of a chain. `NotFound` for an unknown chain, `AlreadyExists` for a taken code.
        write fn create_grid(&self, new: NewGrid) -> Grid;
        /// Creates a vanguard post of a grid.
        write fn create_post(&self, new: NewPost) -> Post;
        /// Creates an enterprise in a grid.
        write fn create_enterprise(&self, new: NewEnterprise) -> Enterprise;
        /// Creates a handling unit.
        write fn create_unit(&self, new: NewUnit) -> Unit;
        /// Creates a category. `Invalid` unless each of the four priorities has exactly one SLA.
        write fn create_category(&self, new: NewCategory) -> Category;
        /// Creates an active user with roles and memberships. `Invalid` for a locale other than
        /// `zh-CN` or `en`; `NotFound` for an unknown post, unit, grid or enterprise.
        write fn create_user(&self, new: NewUser) -> User;

        /// Every chain, in id order.
        read fn chains(&self) -> Vec<Chain>;
        read fn chain_by_code(&self, code: &Code) -> Option<Chain>;
        /// Every grid, in id order.
        read fn grids(&self) -> Vec<Grid>;
        read fn grid_by_code(&self, code: &Code) -> Option<Grid>;
        /// Posts of one grid, or all, in id order.
        read fn posts(&self, grid: Option<GridId>) -> Vec<Post>;
        /// Enterprises of one grid, or all, in id order.
        read fn enterprises(&self, grid: Option<GridId>) -> Vec<Enterprise>;
        read fn enterprise(&self, id: EnterpriseId) -> Option<Enterprise>;
        /// Every unit, in id order.
        read fn units(&self) -> Vec<Unit>;
        read fn unit(&self, id: UnitId) -> Option<Unit>;
        read fn unit_by_code(&self, code: &Code) -> Option<Unit>;
        /// Every category with its SLAs (sorted by priority), in id order.
        read fn categories(&self) -> Vec<Category>;
        read fn category(&self, id: CategoryId) -> Option<Category>;
        read fn category_by_code(&self, code: &Code) -> Option<Category>;
        /// Every user, active or not, in id order; role and membership lists sorted.
        read fn users(&self) -> Vec<User>;
        read fn user(&self, id: UserId) -> Option<User>;
        read fn user_by_login(&self, login: &Login) -> Option<User>;
        /// The acting person behind a login, with the grids of their posts joined to their own
        /// grids. `NotFound` for an unknown or inactive login.
        read fn actor(&self, login: &Login) -> Actor;

        /// The issue as of its latest event.
        read fn issue(&self, id: IssueId) -> Option<Issue>;
        /// The issue's history, oldest first; empty for an unknown issue.
        read fn events(&self, id: IssueId) -> Vec<Event>;
        /// Issues matching the filter, newest first, keyset-paginated: `limit` is clamped to
        /// 1..=500, `cursor` is a previous page's `next_cursor` (`Invalid` if it is not one).
        read fn list_issues(&self, filter: &IssueFilter, limit: u32, cursor: Option<&str>) -> Page<Issue>;
        /// The number of issues in each status, zeros included, in `Status::ALL` order.
        read fn count_by_status(&self) -> Vec<(Status, u64)>;

        /// Takes an action on an issue, in one transaction: checks the version the actor saw
        /// (`Conflict` if stale, nothing written), fills an `assign`'s SLA from the issue's
        /// category for its priority when not given, checks referenced units, categories and
        /// duplicate targets exist (`NotFound`), builds the action (`Invalid` for missing
        /// fields), lets the workflow decide (`Transition`), then writes the new projection
        /// under compare-and-set on the version and appends the event. The decision's effects
        /// are returned for the caller to act on.
        write fn act(&self, workflow: &Workflow, id: IssueId, actor: &Actor, request: ActionRequest, now: DateTime<Utc>) -> Decision;
        /// Raises an issue to an escalation level (a system step; see [`Tx::escalate`]).
        write fn escalate(&self, workflow: &Workflow, id: IssueId, level: u8, now: DateTime<Utc>) -> Decision;
    }

    /// Reports a new problem, in one transaction: the issue row, its first event and the
    /// client key. The grid is the enterprise's (`NotFound` for an unknown enterprise or
    /// category). When the reporter sent this client key before, nothing is written and the
    /// issue that report created is returned as it is now, with `replayed: true` — or
    /// `KeyReuse` if the earlier request differed (title, description, enterprise, category or
    /// priority). Two concurrent reports with one key create one issue: the loser of the race
    /// hits the unique key, rolls back and returns the winner's issue.
    pub async fn report(
        &self,
        workflow: &Workflow,
        actor: &Actor,
        new: NewIssue,
        now: DateTime<Utc>,
    ) -> Result<Reported, StoreError> {
        // On SQLite, concurrent reports share one commit (see the `batch` module).
        // On PostgreSQL, two round trips (see the `pg_report` module).
        match self.pool.sqlite_writer() {
            Some(writer) => {
                crate::batch::report(&self.pool, writer, workflow, actor, new, now).await
            }
            None => crate::pg_report::report(&self.pool, workflow, actor, new, now).await,
        }
    }
}

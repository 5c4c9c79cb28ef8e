//! The records the store reads and writes, besides the core's `Issue` and `Event`.

use chrono::{DateTime, Utc};
use gridloop_core::{
    ActionFields, ActionKind, CategoryId, ChainId, ClientKey, Code, CreditCode, Description, Email,
    EnterpriseId, GridId, Issue, IssueId, Login, Name, Phone, PostId, Priority, Role, Sla, Source,
    Status, Title, UnitId, UserId,
};
use serde::Serialize;

/// An industry chain (产业链): the top of the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chain {
    pub id: ChainId,
    pub code: Code,
    pub name: Name,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grid {
    pub id: GridId,
    pub code: Code,
    pub name: Name,
    pub chain: ChainId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Post {
    pub id: PostId,
    pub code: Code,
    pub name: Name,
    pub grid: GridId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enterprise {
    pub id: EnterpriseId,
    pub name: Name,
    pub grid: GridId,
    pub address: Option<String>,
    /// Its unified social credit code, once given: the key the park office knows it by, held
    /// by no other enterprise.
    pub credit_code: Option<CreditCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: UnitId,
    pub code: Code,
    pub name: Name,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    pub id: CategoryId,
    pub code: Code,
    pub name: Name,
    pub default_unit: Option<UnitId>,
    /// One SLA per priority; every priority has one.
    pub slas: Vec<(Priority, Sla)>,
}

impl Category {
    pub fn sla_for(&self, priority: Priority) -> Option<Sla> {
        self.slas
            .iter()
            .find(|(p, _)| *p == priority)
            .map(|(_, s)| *s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub login: Login,
    pub name: Name,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    /// `zh-CN` or `en`.
    pub locale: String,
    pub roles: Vec<Role>,
    /// Posts the user is a member of (post members).
    pub posts: Vec<PostId>,
    /// Units the user belongs to (unit members and heads).
    pub units: Vec<UnitId>,
    /// Grids the user covers directly (commissioners).
    pub grids: Vec<GridId>,
    /// Enterprises the user speaks for (enterprise contacts).
    pub enterprises: Vec<EnterpriseId>,
    pub active: bool,
}

/// Inputs for creating reference data. Codes and names are already parsed.
#[derive(Debug, Clone)]
pub struct NewGrid {
    pub code: Code,
    pub name: Name,
    pub chain: ChainId,
}

#[derive(Debug, Clone)]
pub struct NewPost {
    pub code: Code,
    pub name: Name,
    pub grid: GridId,
}

#[derive(Debug, Clone)]
pub struct NewEnterprise {
    pub name: Name,
    pub grid: GridId,
    pub address: Option<String>,
    pub credit_code: Option<CreditCode>,
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub code: Code,
    pub name: Name,
}

#[derive(Debug, Clone)]
pub struct NewCategory {
    pub code: Code,
    pub name: Name,
    pub default_unit: Option<UnitId>,
    pub slas: Vec<(Priority, Sla)>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: Login,
    pub name: Name,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub locale: String,
    pub roles: Vec<Role>,
    pub posts: Vec<PostId>,
    pub units: Vec<UnitId>,
    pub grids: Vec<GridId>,
    pub enterprises: Vec<EnterpriseId>,
}

/// A problem to report. The grid is looked up from the enterprise.
#[derive(Debug, Clone)]
pub struct NewIssue {
    pub enterprise: EnterpriseId,
    pub category: CategoryId,
    pub title: Title,
    pub description: Description,
    pub priority: Priority,
    pub source: Source,
    /// The client's idempotency key: the same reporter sending the same key twice gets the
    /// issue created the first time, never a second one.
    pub client_key: Option<ClientKey>,
}

/// The outcome of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub issue: Issue,
    /// True when the client key had been seen: nothing was written this time.
    pub replayed: bool,
}

/// An action request on an issue as a caller has it: the kind and loose fields. For `assign`
/// the store fills in the category's SLA for the issue's priority.
#[derive(Debug, Clone)]
pub struct ActionRequest {
    pub kind: ActionKind,
    pub fields: ActionFields,
    /// The version the actor saw. `None` means "whatever is current": still applied under
    /// compare-and-set, so a concurrent change between read and write is a conflict.
    pub expected_version: Option<u32>,
}

/// Filters for listing issues. Every `Some`/non-empty filter narrows the list.
#[derive(Debug, Clone, Default)]
pub struct IssueFilter {
    /// Any of these statuses; empty means all.
    pub statuses: Vec<Status>,
    pub grid: Option<GridId>,
    pub unit: Option<UnitId>,
    pub category: Option<CategoryId>,
    pub enterprise: Option<EnterpriseId>,
    pub reporter: Option<UserId>,
    /// Only issues overdue at this instant (see `Issue::is_overdue`).
    pub overdue_at: Option<DateTime<Utc>>,
    /// Case-insensitive substring of the title.
    pub title_contains: Option<String>,
    /// Only issues this actor may see.
    pub visible_to: Option<gridloop_core::Actor>,
    /// Any of these issues; empty means all.
    pub ids: Vec<IssueId>,
    /// Only issues reported through this channel.
    pub source: Option<Source>,
    /// Only issues reported at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Only issues reported strictly before this instant.
    pub created_before: Option<DateTime<Utc>>,
}

/// A page of a keyset-paginated list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass back as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

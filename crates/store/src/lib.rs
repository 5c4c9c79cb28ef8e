//! gridloop's persistence: SQLite (embedded, the default) and PostgreSQL behind one [`Store`].
//!
//! The backend is chosen by the URL scheme. Every statement is written once, with `$n`
//! placeholders both drivers accept, and runs through a handful of query primitives whose
//! bodies a macro expands for each backend; the remaining dialect differences (the write lock
//! on SQLite, `ILIKE`, the column types in the migrations) sit in the `backend` module and the
//! two migration folders. One conformance suite (`tests/conformance.rs`) runs against both.
//!
//! Issues are event-sourced: each action appends an immutable event and rewrites the issue row
//! to the core's fold of the events, in one transaction, under compare-and-set on the version.
//!
//! # Layout
//!
//! - `backend`: connection pools, transactions ([`Tx`]) and the only code aware of two backends.
//! - `store`: [`Store`], the cheap-to-clone handle; each method is one transaction.
//! - `reference`: chains, grids, posts, enterprises, units, categories with SLAs, users.
//! - `issues`: reporting (idempotent on a client key), acting, reading issues and events.
//! - `list`: issue filters as SQL, keyset pagination.
//! - `tokens`: API tokens, stored by the hash of their secret.
//! - `rows`: raw rows and their parsing into domain types (a bad row is `Corrupt`).
//! - [`model`]: the records the store reads and writes besides the core's `Issue` and `Event`.
//! - [`error`]: [`StoreError`] and its coarse [`ErrorKind`].
//!
//! Migrations live in `migrations/sqlite` and `migrations/postgres` at the workspace root and
//! are embedded at build time.

mod backend;
pub mod error;
mod issues;
mod list;
pub mod model;
mod reference;
mod rows;
mod store;
mod tokens;

pub use backend::Tx;
pub use error::{ErrorKind, StoreError};
pub use list::MAX_PAGE;
pub use model::{
    ActionRequest, Category, Chain, Enterprise, Grid, IssueFilter, NewCategory, NewEnterprise,
    NewGrid, NewIssue, NewPost, NewUnit, NewUser, Page, Post, Reported, Unit, User,
};
pub use store::Store;
pub use tokens::ApiToken;

//! gridloop's use cases and the state they share, under three front ends: the JSON API
//! (crates/api), the web pages (crates/web) and the command line (crates/gridloop).
//!
//! A use case takes the [`AppState`] (or what it needs of it), the acting person and parsed
//! domain inputs, does the role and scope checks, the look-ups of codes, the store call and the
//! logging of internal failures, and answers `Result<T, AppError>`. The front ends parse their
//! own input, call it, and map [`AppError`] to their own output; none of them holds a rule of
//! its own. Nothing here speaks HTTP, renders pages or reads a command line.
//!
//! # Layout
//!
//! - [`state`]: [`AppState`] (store, workflow, clock, caches, limits, web sign-in's state, the
//!   delivery-report secret, report settings).
//! - [`error`]: [`AppError`], what went wrong as data; [`error::SetupError`] for start-up.
//! - [`settings`]: the typed sections of `config/default.toml`.
//! - [`calendars`]: the working calendar: seeded from `config/calendars/` into the database and
//!   built from it; the working-time maths, a year imported, a day set (audited).
//! - Use cases: [`issues`] (intake, acting on an issue, the list, one issue and its history),
//!   [`reference`](mod@reference) (grids, posts, enterprises, units, users and
//!   categories administered), [`visits`] (visit plans, the visits due, checked in and logged),
//!   [`attachments`] (files of an issue, kept by content hash behind a small store trait),
//!   [`reports`] (weekly reports on demand and stored), [`notifications`] (the outbox for
//!   admins: listed, a dead one retried; each person's channel preferences), [`schedules`] (the
//!   scheduler's recurring jobs: listed, added, paused, resumed, removed), [`tokens`] (API
//!   tokens and their holders), [`sign_in`] (the throttle, the password, the session),
//!   [`sessions`], [`passwords`] (argon2id hashes and the bound on hashing), [`import`]
//!   (reference data from an .xlsx workbook or a .csv, checked whole and written in one
//!   transaction; the template to fill in), [`export`] (the issue ledger, 台账, streamed as
//!   .xlsx or CSV), [`chain`] (the chain's matchmaking: stages, enterprises' chain positions,
//!   needs and offers posted, searched and withdrawn, and a need's suggested matches).
//! - [`backup`]: backups (a SQLite file of either backend), restores, and a park moved between
//!   databases, each checked by row counts and the event log's checksum.
//! - [`client_addr`]: the client's address behind trusted proxies.
//! - [`jobs`]: the scheduler with every job handler; [`delivery`]: the notification delivery
//!   worker.
//! - [`demo`]: the reference park and its seeding (the binary, the benchmarks and the tests),
//!   and eight weeks of history played through the workflow ([`demo::history`]).
//! - [`clock`]: where "now" comes from.
//! - [`store`]: the store's types, for the front ends' views of what the use cases return.

pub mod attachments;
pub mod backup;
pub mod calendars;
pub mod chain;
pub mod client_addr;
pub use gridloop_scheduler::clock;
pub mod delivery;
pub mod demo;
pub mod error;
pub mod export;
pub mod import;
pub mod issues;
pub mod jobs;
pub mod notifications;
pub mod passwords;
pub mod reference;
pub mod reports;
pub mod schedules;
pub mod sessions;
pub mod settings;
pub mod sign_in;
pub mod state;
pub mod tokens;
pub mod visits;

/// The store's types (rows, filters, inputs) as the front ends show and build them. The front
/// ends reach the database only through [`AppState`] and the use cases.
pub use gridloop_store as store;

pub use error::{AppError, Doing, Thing};
pub use state::{AppState, Shared, WebState};

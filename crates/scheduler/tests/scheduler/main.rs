//! The scheduler's integration tests: one binary, a module per part.
//!
//! Every test drives a [`ManualClock`](gridloop_scheduler::ManualClock) and calls
//! `Scheduler::tick` instead of sleeping. Most run on SQLite and on PostgreSQL through the
//! store's own harness (`crates/store/tests/common`); `multi` is PostgreSQL only. Set
//! `GRIDLOOP_SKIP_PG=1` to skip the PostgreSQL variants, `GRIDLOOP_TEST_PG_URL` to point them
//! elsewhere.

// The store's harness; its own `both!` wants tests at the crate root, so `support` has one
// for tests in modules.
#[allow(unused_macros, unused_imports)]
#[path = "../../../store/tests/common/mod.rs"]
mod common;
mod support;

mod jobs;
mod multi;
mod reports;
mod schedules;
mod sla;
mod visits;

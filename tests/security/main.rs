//! Security regression tests: one module per finding of the hardening review (issue #8), each
//! test named for the attack it fends off. Some run the router in-process ([`support`], the
//! API tests' harness, on both backends); those that need a real process — memory, sockets,
//! signals — start the `gridloop` binary itself ([`server`]).

// The API tests' in-process harness (`TestApp`, the `both!` macro).
#[path = "../../crates/gridloop/tests/api/support.rs"]
mod support;
// The end-to-end tests' scratch databases for the real binary (`Db`).
#[allow(dead_code)]
#[path = "../e2e/support.rs"]
mod scratch;
mod server;

mod attachments;
mod database_loss;
mod delivery_reports;
mod headers;
mod limits;
mod metrics;
mod open311_notes;
mod panics;
mod redirects;
mod sign_in;
mod slow_clients;
mod text;
mod token_scopes;
mod web_versions;

//! The `gridloop` binary's library: command line, configuration, HTTP server and wiring. Errors
//! become one clear line on stderr and a distinct exit code (see [`exit`]).
//!
//! # Layout
//!
//! - [`cli`]: the clap definitions.
//! - [`config`]: layered settings (default file, user file, environment).
//! - [`calendars`]: the working calendar read from `config/calendars/`.
//! - [`app`]: what every command shares: store, workflow, clock, output mode.
//! - [`commands`]: one module per command group.
//! - [`http`]: the HTTP API, Open311 and probes that `serve` runs.
//! - [`web`]: the web pages `serve` runs beside the API (sign-in, forms, worklists, dashboard).
//! - [`clock`]: where "now" comes from.
//! - [`worker`]: the scheduler with every job handler; [`notify`]: the notification delivery worker.
//! - [`demo`]: the reference park and its seeding.
//! - [`exit`]: how errors map to exit codes.

pub mod app;
pub mod calendars;
pub mod cli;
pub use gridloop_scheduler::clock;
pub mod commands;
pub mod config;
pub mod demo;
pub mod exit;
pub mod http;
pub mod notify;
pub mod render;
pub mod reports;
pub mod web;
pub mod worker;

//! The `gridloop` binary's library: the command line, its commands, configuration loading, and
//! serving the JSON API (`gridloop_api`) and the web pages (`gridloop_web`) over the app's use
//! cases (`gridloop_app`), with the scheduler and the notifier, in one process. Errors become
//! one clear line on stderr and a distinct exit code (see [`exit`]).
//!
//! # Layout
//!
//! - [`cli`]: the clap definitions.
//! - [`config`]: layered settings (default file, user file, environment) into the app's typed
//!   settings.
//! - [`app`]: what every command shares: settings, store, workflow, the instant it acts at,
//!   output mode.
//! - [`commands`]: one module per command group.
//! - [`serve`]: the router that merges the API, the web pages and the probes under the
//!   layers every answer passes (timeouts, security headers, metrics), and the accept loop.
//! - [`render`]: how commands print (tables, JSON, issues and events as text).
//! - [`progress`]: how far a long command has got, on a terminal only (import, export,
//!   backup, restore, copy).
//! - [`exit`]: how errors map to exit codes.
//! - [`clock`]: where "now" comes from (the app's).

pub mod app;
pub mod cli;
pub use gridloop_app::clock;
pub mod commands;
pub mod config;
pub mod exit;
pub mod progress;
pub mod render;
pub mod serve;

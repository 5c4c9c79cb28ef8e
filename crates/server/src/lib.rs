//! The `gridloop` binary's library: command line, configuration, HTTP server and wiring. Errors
//! become one clear line on stderr and a distinct exit code (see [`exit`]).
//!
//! # Layout
//!
//! - [`cli`]: the clap definitions.
//! - [`config`]: layered settings (default file, user file, environment).
//! - [`app`]: what every command shares: store, workflow, clock, output mode.
//! - [`commands`]: one module per command group.
//! - [`http`]: the HTTP API, Open311 and probes that `serve` runs.
//! - [`clock`]: where "now" comes from.
//! - [`exit`]: how errors map to exit codes.
//! - [`render`]: how commands print.
//!
//! The use cases and the app state are `gridloop_app`'s.

pub mod app;
pub mod cli;
pub use gridloop_app::clock;
pub mod commands;
pub mod config;
pub mod exit;
pub mod http;
pub mod render;

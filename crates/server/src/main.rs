//! The `gridloop` binary: command line, configuration and wiring. Errors become one clear line on
//! stderr and a distinct exit code (see [`exit`]).
//!
//! # Layout
//!
//! - [`cli`]: the clap definitions.
//! - [`config`]: layered settings (default file, user file, environment).
//! - [`calendars`]: the working calendar read from `config/calendars/`.
//! - [`app`]: what every command shares: store, workflow, clock, output mode.
//! - [`commands`]: one module per command group.
//! - [`demo`]: the reference park and its seeding.
//! - [`exit`]: how errors map to exit codes.

mod app;
mod calendars;
mod cli;
mod commands;
mod config;
mod demo;
mod exit;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::INTERNAL);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = exit::code_for(&err);
            eprintln!("error: {}", exit::message_for(&err));
            ExitCode::from(code)
        }
    }
}

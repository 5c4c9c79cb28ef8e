//! The `gridloop` binary: parses the command line and hands over to the [`gridloop`] library.

use std::process::ExitCode;

use clap::Parser;
use gridloop::{cli, commands, exit};

/// The most threads tokio's blocking pool may start (its default is 512). Blocking work here is
/// password hashing, itself bounded by `[web] hash_concurrency` (see `gridloop_app::passwords`), and a
/// little file reading; an unbounded pool let 300 parallel sign-ins start 300 threads, each with
/// its own 19 MiB hash and, with glibc, up to one malloc arena each. Extra work queues.
const MAX_BLOCKING_THREADS: usize = 32;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
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

//! `gridloop-bench`: gridloop's benchmarks, a program of their own so that the production
//! binary carries none of them.
//!
//! ```sh
//! cargo run --release -p gridloop-bench -- store|http|jobs|overdue|notify|report|backup|export|suggest [OPTIONS]
//! ```
//!
//! Each run uses scratch databases (a temp SQLite file, or a PostgreSQL database created on
//! 127.0.0.1:5432 and dropped afterwards) and prints a table, or JSON with `--json`.
//!
//! # Layout
//!
//! - [`cli`]: the command line.
//! - [`kit`]: the test-kit: the small and the large park, and bulk seeding through the store.
//! - [`store`]: the store alone (reports and full loops per second), and the loop the other
//!   benchmarks share.
//! - [`http`]: `gridloop serve` in a child process, driven over loopback.
//! - [`jobs`]: the job queue drained by several scheduler instances; the overdue scan.
//! - [`notify`]: outbox delivery (file, SMTP) and what routing costs a loop.
//! - [`report`]: the Monday report over two generated years of a large park.
//! - [`backup`]: `gridloop backup` and `gridloop restore` of that park, timed in child
//!   processes.
//! - [`export`]: the issue ledger of a generated park exported by `gridloop issue export`.
//! - [`suggest`]: a need's suggested matches over 10,000 open needs and offers.
//! - [`scratch`]: the scratch databases.
//! - [`out`]: tables and JSON on stdout.

mod backup;
mod cli;
mod export;
mod http;
mod jobs;
mod kit;
mod notify;
mod out;
mod report;
mod scratch;
mod store;
mod suggest;

use std::process::ExitCode;

use clap::Parser;

use cli::{BenchCommand, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&cli.command, cli.json)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", format!("{err:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

async fn run(cmd: &BenchCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Store(args) => store::run(args, json).await,
        BenchCommand::Http(args) => http::run(args, json).await,
        BenchCommand::Jobs(args) => jobs::jobs(args, json).await,
        BenchCommand::Overdue(args) => jobs::overdue(args, json).await,
        BenchCommand::Report(args) => report::run(args, json).await,
        BenchCommand::Notify(args) => notify::run(args, json).await,
        BenchCommand::Backup(args) => backup::run(args, json).await,
        BenchCommand::Export(args) => export::run(args, json).await,
        BenchCommand::Suggest(args) => suggest::run(args, json).await,
    }
}

//! The `gridloop` binary: parses the command line and hands over to [`gridloop_server`].

use std::process::ExitCode;

use clap::Parser;
use gridloop_server::{cli, commands, exit};

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

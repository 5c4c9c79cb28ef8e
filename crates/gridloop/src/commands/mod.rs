//! One module per command group; [`run`] dispatches.

mod backup;
mod calendar;
mod chain;
pub(crate) mod chain_event;
mod chain_match;
mod demo;
mod import;
pub(crate) mod issue;
pub(crate) mod jobs;
mod lifecycle;
mod notify;
mod passwd;
mod reference;
mod report;
mod serve;
mod token;
pub(crate) mod visit;

use crate::app::App;
use crate::cli::{Cli, Command};
use crate::render::say;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // The transition table is the code's own: no configuration or database needed.
    if let Command::Lifecycle(args) = &cli.command {
        return lifecycle::run(args, cli.json);
    }
    // A restore's and a copy's target must stay empty: no seeding on opening it.
    if matches!(cli.command, Command::Restore { .. } | Command::Copy { .. }) {
        return backup::run_unopened(&cli).await;
    }
    // The template is the code's own too.
    if let Command::Import(args) = &cli.command {
        if args.template {
            return import::template(args, cli.json);
        }
    }
    let app = App::open(&cli).await?;
    match cli.command {
        Command::Migrate => {
            if app.json {
                crate::render::print_json(
                    &serde_json::json!({"migrated": true, "backend": app.store.backend()}),
                )?;
            } else {
                say!("database is up to date ({})", app.store.backend());
            }
            Ok(())
        }
        Command::Serve(args) => serve::run(&app, &args).await,
        Command::Demo(args) => demo::run(&app, &args).await,
        Command::Token(cmd) => token::run(&app, cmd).await,
        Command::Issue(cmd) => issue::run(&app, cmd).await,
        Command::Unit(_) => reference::units(&app).await,
        Command::Grid(_) => reference::grids(&app).await,
        Command::Enterprise(cmd) => reference::enterprise(&app, cmd).await,
        Command::Category(cmd) => reference::category(&app, cmd).await,
        Command::User(crate::cli::UserCommand::List) => reference::users(&app).await,
        Command::User(crate::cli::UserCommand::Passwd { login }) => passwd::run(&app, &login).await,
        Command::User(crate::cli::UserCommand::Prefs {
            login,
            kind,
            channels,
        }) => reference::prefs(&app, &login, kind.as_deref(), channels.as_deref()).await,
        Command::Jobs(cmd) => jobs::jobs(&app, cmd).await,
        Command::Schedule(cmd) => jobs::schedule(&app, cmd).await,
        Command::Visit(cmd) => visit::run(&app, cmd).await,
        Command::Notify(cmd) => notify::run(&app, cmd).await,
        Command::Report(cmd) => report::run(&app, cmd).await,
        Command::Calendar(cmd) => calendar::run(&app, cmd).await,
        Command::Backup { file } => backup::backup(&app, &file).await,
        Command::Import(args) => import::run(&app, &args).await,
        Command::Chain(cmd) => chain::run(&app, cmd).await,
        Command::Need(cmd) => chain::listing(&app, gridloop_core::chain::Side::Need, cmd).await,
        Command::Offer(cmd) => chain::listing(&app, gridloop_core::chain::Side::Offer, cmd).await,
        Command::Lifecycle(_) | Command::Restore { .. } | Command::Copy { .. } => {
            unreachable!("answered before the database is opened")
        }
    }
}

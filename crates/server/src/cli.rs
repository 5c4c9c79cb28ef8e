//! The command line, as clap derives it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// gridloop — collect problems, hand them to the unit that solves them, verify the fix on site.
#[derive(Debug, Parser)]
#[command(name = "gridloop", version, about)]
pub struct Cli {
    /// Database URL: `sqlite://PATH` (embedded, the default) or `postgres://…`.
    #[arg(long, global = true, env = "GRIDLOOP_DATABASE_URL")]
    pub database_url: Option<String>,

    /// A configuration file layered over config/default.toml.
    #[arg(long, global = true, env = "GRIDLOOP_CONFIG")]
    pub config: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// Act as if it were this instant (RFC 3339). For demonstrations and tests of deadlines.
    #[arg(long, global = true, env = "GRIDLOOP_NOW", hide = true)]
    pub now: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply database migrations (they also run automatically on every start).
    Migrate,
    /// Seed the reference aluminium park into the database (idempotent).
    Demo(DemoArgs),
    /// Serve the HTTP API, Open311 and the probes until SIGINT/SIGTERM.
    Serve(ServeArgs),
    /// API tokens (shown once when created; only a hash is stored).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Report, act on, show and list issues.
    #[command(subcommand)]
    Issue(IssueCommand),
    /// Handling units (承办单位).
    #[command(subcommand)]
    Unit(ListOnly),
    /// Grids (网格).
    #[command(subcommand)]
    Grid(ListOnly),
    /// Enterprises (链上企业).
    #[command(subcommand)]
    Enterprise(EnterpriseCommand),
    /// Problem categories and their SLAs.
    #[command(subcommand)]
    Category(ListOnly),
    /// User accounts.
    #[command(subcommand)]
    User(ListOnly),
    /// Measure throughput.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default from config: 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Only seed the data; do not go on to serve.
    #[arg(long)]
    pub seed_only: bool,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user and print it (once).
    Create {
        #[arg(long)]
        user: String,
        /// What the token is for, e.g. "phone app".
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Revoke a token by its id (see `token list`).
    Revoke { id: i64 },
    /// List tokens (never their secrets).
    List {
        #[arg(long)]
        user: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListOnly {
    /// List them.
    List,
}

#[derive(Debug, Subcommand)]
pub enum EnterpriseCommand {
    /// List enterprises, optionally of one grid.
    List {
        /// Grid code, e.g. g1.
        #[arg(long)]
        grid: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum IssueCommand {
    /// Report a new problem.
    Report(ReportArgs),
    /// Take an action on an issue: accept, reject, assign, return, start, hold, resume,
    /// extend_request, extend_grant, extend_deny, resolve, verify, rework, reopen,
    /// mark_duplicate, reassign, comment.
    Act(ActArgs),
    /// Show one issue.
    Show {
        id: String,
        /// Show it as this user would see it (refused if out of their scope).
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// The issue's history of events, oldest first.
    History {
        id: String,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// List issues, newest first.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The reporting user's login.
    #[arg(long = "as", value_name = "LOGIN")]
    pub as_login: String,
    /// Enterprise id (see `gridloop enterprise list`).
    #[arg(long)]
    pub enterprise: String,
    /// Category code (see `gridloop category list`).
    #[arg(long)]
    pub category: String,
    #[arg(long)]
    pub title: String,
    #[arg(long, default_value = "")]
    pub description: String,
    /// low, normal, high or urgent.
    #[arg(long, default_value = "normal")]
    pub priority: String,
    /// A client key: reporting twice with the same key yields the same issue.
    #[arg(long)]
    pub key: Option<String>,
}

#[derive(Debug, Args)]
pub struct ActArgs {
    pub id: String,
    /// The action, e.g. accept, assign, start, resolve, verify.
    pub action: String,
    #[arg(long = "as", value_name = "LOGIN")]
    pub as_login: String,
    /// The version you saw; a different current version is a conflict and nothing is written.
    #[arg(long)]
    pub version: Option<u32>,
    /// Unit code, for assign and reassign.
    #[arg(long)]
    pub unit: Option<String>,
    #[arg(long)]
    pub reason: Option<String>,
    /// Resolution note (resolve), comment text (comment) or verification note (verify).
    #[arg(long)]
    pub note: Option<String>,
    /// 1 to 5, for verify.
    #[arg(long)]
    pub satisfaction: Option<String>,
    /// The surviving issue, for mark_duplicate.
    #[arg(long)]
    pub duplicate_of: Option<String>,
    /// New deadline for extend_request/extend_grant: RFC 3339, `YYYY-MM-DD HH:MM` or
    /// `YYYY-MM-DD` (end of that working day), local time in the calendar's zone.
    #[arg(long)]
    pub until: Option<String>,
    /// Category code, for accept (reclassify).
    #[arg(long)]
    pub category: Option<String>,
    /// Priority, for accept.
    #[arg(long)]
    pub priority: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only these statuses (repeat or separate with commas).
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
    /// Grid code.
    #[arg(long)]
    pub grid: Option<String>,
    /// Unit code.
    #[arg(long)]
    pub unit: Option<String>,
    /// Category code.
    #[arg(long)]
    pub category: Option<String>,
    /// Enterprise id.
    #[arg(long)]
    pub enterprise: Option<String>,
    /// Reporter's login.
    #[arg(long)]
    pub reporter: Option<String>,
    /// Only issues past a deadline now.
    #[arg(long)]
    pub overdue: bool,
    /// Text the title contains.
    #[arg(long)]
    pub search: Option<String>,
    /// Only what this user may see.
    #[arg(long = "as", value_name = "LOGIN")]
    pub as_login: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[arg(long)]
    pub cursor: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Lifecycle throughput of the store on SQLite and PostgreSQL.
    Store(BenchStoreArgs),
    /// Throughput, latency and memory of `gridloop serve`, driven over loopback from this process.
    Http(BenchHttpArgs),
}

#[derive(Debug, Args)]
pub struct BenchHttpArgs {
    /// Which backends to measure.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backend: Vec<Backend>,
    /// PostgreSQL server to create a scratch database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    /// Concurrent clients, one run per value.
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    pub clients: Vec<usize>,
    /// Issues reported per run.
    #[arg(long, default_value_t = 2000)]
    pub reports: usize,
    /// Full loops (report … verify, six requests) per run.
    #[arg(long, default_value_t = 300)]
    pub cycles: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Args)]
pub struct BenchStoreArgs {
    /// Which backends to measure.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backend: Vec<Backend>,
    /// PostgreSQL server to create a scratch database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    /// Concurrent writers, one run per value.
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    pub writers: Vec<usize>,
    /// Issues reported per run.
    #[arg(long, default_value_t = 2000)]
    pub reports: usize,
    /// Full loops (report … verify) per run.
    #[arg(long, default_value_t = 300)]
    pub cycles: usize,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}

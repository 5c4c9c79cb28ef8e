//! The benchmarks' command line, as clap derives it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// gridloop-bench — how fast gridloop is: the store, the HTTP server, the job queue, the
/// overdue scan, the outbox and the Monday report, each on scratch databases (a temp SQLite
/// file, or a PostgreSQL database created on the server given and dropped afterwards).
#[derive(Debug, Parser)]
#[command(name = "gridloop-bench", version)]
pub struct Cli {
    /// Print machine-readable JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: BenchCommand,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// No-op jobs enqueued, then drained by scheduler instances: jobs per second.
    Jobs(BenchJobsArgs),
    /// The overdue scan over many issues: milliseconds per scan.
    Overdue(BenchOverdueArgs),
    /// The weekly report (8-week trend, every scope) over a generated park of many issues:
    /// milliseconds per run against the 2-second target, and memory.
    Report(BenchReportArgs),
    /// Lifecycle throughput of the store on SQLite and PostgreSQL.
    Store(BenchStoreArgs),
    /// Throughput, latency and memory of `gridloop serve`, driven over loopback from this process.
    ///
    /// Runs the `gridloop` binary as a child process: the one given with `--gridloop` (or
    /// `GRIDLOOP_BIN`), else the `gridloop` next to this program. Build both with
    /// `cargo build --release -p gridloop -p gridloop-bench` (or just run
    /// `cargo build --release` first: `gridloop` is the workspace's default member).
    Http(BenchHttpArgs),
    /// The outbox: notifications delivered per second (file, SMTP), and loops per second with
    /// and without routing.
    Notify(BenchNotifyArgs),
    /// `gridloop backup` and `gridloop restore` of the large generated park, timed as child
    /// processes of the release `gridloop` (see `http` for where it is found).
    Backup(BenchBackupArgs),
    /// The issue ledger of a generated park exported by `gridloop issue export` in a child
    /// process (xlsx and CSV): seconds and the child's peak RSS against 10 s and 100 MiB.
    ///
    /// Needs the `gridloop` binary as `http` does (`--gridloop`, `GRIDLOOP_BIN`, or beside
    /// this program: `cargo build --release -p gridloop -p gridloop-bench`).
    Export(BenchExportArgs),
    /// The suggested matches for one need over 10,000 open needs and offers, through the use
    /// case: p50 and p99 milliseconds against the 50 ms target.
    Suggest(BenchSuggestArgs),
}

#[derive(Debug, Args)]
pub struct BenchSuggestArgs {
    /// Which backends to measure.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backend: Vec<Backend>,
    /// PostgreSQL server to create a scratch database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    /// Needs and offers written besides the demo's dozen.
    #[arg(long, default_value_t = 10_000)]
    pub listings: usize,
    /// Suggestions asked for, one after another.
    #[arg(long, default_value_t = 200)]
    pub runs: usize,
}

#[derive(Debug, Args)]
pub struct BenchExportArgs {
    /// Which backends to measure.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backend: Vec<Backend>,
    /// PostgreSQL server to create a scratch database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    /// Issues generated (about five events each), then exported.
    #[arg(long, default_value_t = 100_000)]
    pub issues: usize,
    /// The `gridloop` binary that exports (default: the one beside this program).
    #[arg(long, env = "GRIDLOOP_BIN", value_name = "PATH")]
    pub gridloop: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchNotifyArgs {
    /// Which backends to measure.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backend: Vec<Backend>,
    /// PostgreSQL server to create a scratch database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    /// Pending notifications written, then drained, per wire and backend.
    #[arg(long, default_value_t = 2000)]
    pub notifications: usize,
    /// Wires to drain through; `smtp` needs `--smtp-port` (or GRIDLOOP_TEST_SMTP_PORT).
    #[arg(long, value_delimiter = ',', default_value = "file,smtp")]
    pub channel: Vec<BenchWire>,
    /// The SMTP sink (plain, no authentication), e.g. MailDev.
    #[arg(long, default_value = "127.0.0.1")]
    pub smtp_host: String,
    #[arg(long, env = "GRIDLOOP_TEST_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// Notifications claimed per round, as `[notify] batch`.
    #[arg(long, default_value_t = 50)]
    pub batch: u32,
    /// Concurrent writers of the routing comparison, one run per value.
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    pub writers: Vec<usize>,
    /// Full loops (report … verify) per routing run.
    #[arg(long, default_value_t = 300)]
    pub cycles: usize,
}

/// A wire the notify bench drains through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchWire {
    File,
    Smtp,
}

#[derive(Debug, Args)]
pub struct BenchHttpArgs {
    /// Which backends to measure.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backend: Vec<Backend>,
    /// PostgreSQL server to create a scratch database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    /// Concurrent clients, one round of the three tests per value.
    #[arg(long, value_delimiter = ',', default_value = "1,8,16,64")]
    pub clients: Vec<usize>,
    /// Issues reported per round (then each accepted: the action test).
    #[arg(long, default_value_t = 2000)]
    pub reports: usize,
    /// Lists of 100 open issues per round.
    #[arg(long, default_value_t = 2000)]
    pub lists: usize,
    /// Open issues in the database before the first round.
    #[arg(long, default_value_t = 20_000)]
    pub issues: u64,
    /// The `gridloop` binary to serve (and seed) with. Default: the `gridloop` next to this
    /// program, i.e. the one `cargo build --release -p gridloop` puts beside
    /// `gridloop-bench` in the same target folder.
    #[arg(long, env = "GRIDLOOP_BIN", value_name = "PATH")]
    pub gridloop: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchJobsArgs {
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backend: Vec<Backend>,
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    #[arg(long, default_value_t = 20_000)]
    pub jobs: usize,
    /// Scheduler instances draining at once.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Jobs claimed per round trip.
    #[arg(long, default_value_t = 100)]
    pub batch: u32,
}

#[derive(Debug, Args)]
pub struct BenchOverdueArgs {
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backend: Vec<Backend>,
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    #[arg(long, default_value_t = 1_000_000)]
    pub issues: usize,
    /// How many of them are open (assigned or started); half of those are overdue.
    #[arg(long, default_value_t = 100_000)]
    pub open: usize,
    /// Scans timed; the median is reported.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
}

#[derive(Debug, Args)]
pub struct BenchReportArgs {
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backend: Vec<Backend>,
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    /// Issues generated, reported evenly over `--weeks`.
    #[arg(long, default_value_t = 1_000_000)]
    pub issues: usize,
    /// Events per issue on average: the total is exactly issues × this (at least 5).
    #[arg(long, default_value_t = 5)]
    pub events_per_issue: usize,
    /// Weeks of history, ending with the week reported on.
    #[arg(long, default_value_t = 104)]
    pub weeks: u32,
    /// Weekly runs timed; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

#[derive(Debug, Args)]
pub struct BenchBackupArgs {
    #[arg(long, value_delimiter = ',', default_value = "sqlite")]
    pub backend: Vec<Backend>,
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    /// Issues generated.
    #[arg(long, default_value_t = 1_000_000)]
    pub issues: usize,
    /// Events per issue on average (at least 5).
    #[arg(long, default_value_t = 5)]
    pub events_per_issue: usize,
    /// Weeks of history.
    #[arg(long, default_value_t = 104)]
    pub weeks: u32,
    /// The gridloop binary (default: beside this program).
    #[arg(long, env = "GRIDLOOP_BIN", value_name = "PATH")]
    pub gridloop: Option<std::path::PathBuf>,
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

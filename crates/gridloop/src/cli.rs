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
    /// The issue lifecycle: every action, the states it starts from, where it leads, who may
    /// take it and what it needs (the core's transition table; needs no database).
    Lifecycle(LifecycleArgs),
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
    /// Problem categories and their SLAs: list, add, edit.
    #[command(subcommand)]
    Category(CategoryCommand),
    /// User accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Background jobs: list them, requeue a dead one, run them once.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Cron schedules that enqueue jobs (the weekly report, visit planning, clean-ups).
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// Weekly on-site visits to enterprises: plans, the week's visits, check-in and logging.
    #[command(subcommand)]
    Visit(VisitCommand),
    /// Notifications: list the outbox, retry a failed one, send a test, deliver once.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// Reports computed from the event log.
    #[command(subcommand)]
    Report(ReportCommand),
    /// The working calendar: deadlines and working time as the SLAs count them.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Writes a consistent backup of the database, attachments included, to FILE (a SQLite
    /// file whichever the backend), while the server keeps running.
    Backup {
        /// Where to write it; must not exist yet.
        file: PathBuf,
    },
    /// Restores a backup into the database (`--database-url` or the configured one), which
    /// must be empty; checked by row counts and the event log's checksum.
    Restore {
        /// A file written by `gridloop backup`.
        file: PathBuf,
    },
    /// Copies a whole park from one database to another, e.g. from the embedded SQLite file to
    /// PostgreSQL; the target must be empty. Checked like a restore.
    Copy {
        /// The database to read, e.g. sqlite://data/gridloop.db.
        #[arg(long)]
        from: String,
        /// The database to write, e.g. postgres://gridloop@127.0.0.1/gridloop.
        #[arg(long)]
        to: String,
    },
    /// The industry chain: its stages, each enterprise's position in it, and matchmaking events.
    #[command(subcommand)]
    Chain(ChainCommand),
    /// Needs (需求): post, list and search, withdraw, and the suggested matches of one.
    #[command(subcommand)]
    Need(ListingCommand),
    /// Offers (供给): post, list and search, withdraw.
    #[command(subcommand)]
    Offer(ListingCommand),
    /// Reference data from a spreadsheet: an .xlsx workbook with a sheet per kind (网格/grids,
    /// 先锋岗/posts, 企业/enterprises, 承办单位/units, 用户/users, 问题类别/categories,
    /// 走访计划/visit_plans) or a .csv of one kind. Rows are upserted by code (login for users;
    /// for enterprises the unified social credit code, else the name); the file is checked
    /// whole and written in one transaction, or
    /// refused with every bad cell listed (exit 2).
    Import(ImportArgs),
}

#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// A chain's stages (产业链环节), upstream first.
    #[command(subcommand)]
    Stage(StageCommand),
    /// An enterprise's chain position: its stage and its tags.
    #[command(subcommand)]
    Position(PositionCommand),
    /// Matchmaking events (对接会): plan, suggest invitees, invite, send, record attendance.
    #[command(subcommand)]
    Event(crate::commands::chain_event::EventCommand),
    /// Matches (对接): two enterprises introduced, followed to an agreement or a drop.
    #[command(subcommand)]
    Match(MatchCommand),
    /// The chain map: stages, enterprises at each, agreed matches as links.
    Map {
        /// Only this grid (code or id).
        #[arg(long)]
        grid: Option<String>,
        /// Only this stage (code or id).
        #[arg(long)]
        stage: Option<String>,
        /// Read as this user (only the links they may see); without it, as the operator.
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MatchCommand {
    /// Introduces two enterprises (dispatchers, admins, commissioners of either's grid).
    Introduce {
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
        /// One enterprise's id (the need's, when there is one).
        #[arg(long)]
        enterprise: String,
        /// The other enterprise's id.
        #[arg(long)]
        with: String,
        /// The need it came from (a listing id of one of the two).
        #[arg(long)]
        need: Option<String>,
        /// The offer it came from (a listing id of one of the two).
        #[arg(long)]
        offer: Option<String>,
        /// The matchmaking event (对接会) it was made at: both enterprises invited, its day come.
        #[arg(long)]
        meeting: Option<String>,
        /// A short note (at most 500 characters).
        #[arg(long)]
        note: Option<String>,
    },
    /// The two enterprises are talking.
    Talk(MatchStepArgs),
    /// They agreed, for a contract value in yuan (0 to 10^11, two decimals at most).
    Agree {
        #[command(flatten)]
        step: MatchStepArgs,
        #[arg(long, value_name = "YUAN")]
        value: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// It came to nothing, for a reason.
    Drop {
        #[command(flatten)]
        step: MatchStepArgs,
        #[arg(long)]
        reason: String,
    },
    /// Lists matches, newest first.
    List {
        /// Read as this user (only what they may see); without it, as the operator.
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
        /// introduced, in_talks, agreed or dropped.
        #[arg(long)]
        status: Option<String>,
        /// Matches with this enterprise (id) on either side.
        #[arg(long)]
        enterprise: Option<String>,
        /// Matches made at this matchmaking event (id).
        #[arg(long)]
        meeting: Option<String>,
        /// How many (1–200; default 50).
        #[arg(long)]
        limit: Option<u32>,
        /// The cursor printed after the previous page.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Shows a match and its history.
    Show {
        id: String,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct MatchStepArgs {
    /// The match's id.
    pub id: String,
    #[arg(long = "as", value_name = "LOGIN")]
    pub as_login: String,
    /// The version you saw (`show` prints it); a stale one is refused (exit 6).
    #[arg(long)]
    pub version: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum StageCommand {
    /// Lists a chain's stages.
    List {
        /// The chain's code, e.g. aluminium.
        chain: String,
    },
    /// Sets a chain's stages in order (admins): a kept code keeps its enterprises; a stage an
    /// enterprise holds cannot be left out.
    Set {
        /// The chain's code, e.g. aluminium.
        chain: String,
        /// Each stage as CODE=NAME, upstream first, e.g. smelting=电解铝 alloying=合金化.
        #[arg(required = true, value_name = "CODE=NAME")]
        stages: Vec<String>,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PositionCommand {
    /// Shows an enterprise's stage and tags.
    Show {
        /// The enterprise's id.
        enterprise: String,
        /// Read as this user (out of their sight is "not found"); without it, as the operator.
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// Replaces an enterprise's stage and tags (admins, dispatchers, commissioners of its grid).
    Set {
        /// The enterprise's id.
        enterprise: String,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
        /// The code of a stage of its chain; left out, the enterprise has none.
        #[arg(long)]
        stage: Option<String>,
        /// What it makes, comma-separated (repeatable).
        #[arg(long)]
        products: Vec<String>,
        /// What it uses up, comma-separated (repeatable).
        #[arg(long)]
        materials: Vec<String>,
        /// What it can do for others, comma-separated (repeatable).
        #[arg(long)]
        capabilities: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListingCommand {
    /// Posts one for an enterprise (post members and commissioners of its grid, its own users).
    Post(ListingPostArgs),
    /// Lists and searches them, newest first, with their status today.
    List(ListingListArgs),
    /// Withdraws one (who may post it, who posted it, dispatchers, admins).
    Withdraw {
        id: String,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
    },
    /// The offers and enterprises that might meet a need, best first, each with its reason.
    Suggest {
        id: String,
        /// Read as this user; without it, as the operator.
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
        /// How many (1–50; default 10).
        #[arg(long)]
        limit: Option<usize>,
        /// The language of the reasons: zh-CN (default) or en.
        #[arg(long, default_value = "zh-CN")]
        locale: String,
    },
}

#[derive(Debug, Args)]
pub struct ListingPostArgs {
    #[arg(long = "as", value_name = "LOGIN")]
    pub as_login: String,
    /// The enterprise's id.
    #[arg(long)]
    pub enterprise: String,
    /// supplier, byproduct_buyer, capacity, technology, labour or logistics.
    #[arg(long)]
    pub kind: String,
    #[arg(long)]
    pub title: String,
    #[arg(long)]
    pub text: String,
    /// How much, as people say it ("每月约30吨").
    #[arg(long)]
    pub quantity: Option<String>,
    /// Tags, comma-separated (repeatable).
    #[arg(long)]
    pub tags: Vec<String>,
    /// The last day it is open, YYYY-MM-DD: after today, within a year.
    #[arg(long, value_name = "DATE")]
    pub valid_until: String,
    /// The id of the on-site visit it was raised on (of the same enterprise).
    #[arg(long, value_name = "ID")]
    pub visit: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListingListArgs {
    /// Read as this user (only what they may see); without it, as the operator.
    #[arg(long = "as", value_name = "LOGIN")]
    pub as_login: Option<String>,
    /// Text each one holds (2–40 characters; Chinese needs no spaces).
    #[arg(long)]
    pub q: Option<String>,
    #[arg(long)]
    pub kind: Option<String>,
    /// The code of its enterprise's stage.
    #[arg(long)]
    pub stage: Option<String>,
    /// The code of the grid it was posted in.
    #[arg(long)]
    pub grid: Option<String>,
    /// open, expired or withdrawn.
    #[arg(long)]
    pub status: Option<String>,
    /// The enterprise's id.
    #[arg(long)]
    pub enterprise: Option<String>,
    /// How many (1–200; default 50).
    #[arg(long)]
    pub limit: Option<u32>,
    /// The cursor printed after the previous page.
    #[arg(long)]
    pub cursor: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The .xlsx or .csv file; with --template, the workbook to write.
    pub file: PathBuf,
    /// Only this sheet of the workbook.
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// What a .csv (or the sheet named with --sheet) holds: units, grids, posts, enterprises,
    /// categories, users or visit_plans. Default: told from the sheet's name or the header.
    #[arg(long)]
    pub kind: Option<String>,
    /// Check everything and count what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write an empty workbook to fill in (a sheet per kind, headers, a help row, lists for
    /// roles, priorities and locales) instead of importing; needs no database.
    #[arg(long, conflicts_with_all = ["sheet", "kind", "dry_run"])]
    pub template: bool,
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// When N working minutes from an instant have passed (the deadline an SLA sets).
    Due {
        /// RFC 3339 with its offset, e.g. 2026-12-31T17:00:00+08:00.
        #[arg(long, value_name = "INSTANT")]
        from: String,
        /// Working minutes to add.
        #[arg(long, value_name = "N")]
        minutes: String,
    },
    /// Working minutes between two instants (RFC 3339, in either order).
    Between { a: String, b: String },
    /// A year as month grids: holidays, make-up working days, weekends.
    Show {
        /// The year (default: this year in the calendar's zone).
        #[arg(long)]
        year: Option<String>,
    },
    /// Replaces a year with a file: the TOML format of config/calendars/, or (`.csv`) lines of
    /// date,kind[,name] with kind holiday or workday. Refused whole if any line is wrong.
    Import {
        file: PathBuf,
        /// Why (kept in the audit trail).
        #[arg(long)]
        note: Option<String>,
        /// Check the file and list the open deadlines it would move; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Makes a day a holiday, a make-up working day, or normal again.
    Set {
        /// YYYY-MM-DD.
        date: String,
        /// holiday, workday or normal.
        kind: String,
        /// The day's name and why (kept in the audit trail).
        #[arg(long)]
        note: Option<String>,
        /// List the open deadlines the change would move; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Lists notifications, newest first (addresses masked).
    List {
        /// Only notifications in this state: pending, sending, sent, delivered, failed, dead.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Puts a failed or dead notification back in line to go now, its attempts counted afresh.
    Retry { id: i64 },
    /// Sends a test message at once through the configured wire and prints what it answered.
    Test {
        #[arg(long, value_enum)]
        channel: NotifyChannel,
        /// An email address or an E.164 phone number.
        #[arg(long)]
        to: String,
        /// zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        locale: String,
    },
    /// Runs one delivery round in this process (claims due notifications, sends them), then exits.
    Work,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NotifyChannel {
    Email,
    Sms,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Lists jobs, newest first.
    List {
        /// Only jobs in this state: scheduled, available, running, retryable, completed, dead.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Requeues a dead or retryable job to run now, with its attempts counted afresh.
    Retry { id: i64 },
    /// Runs one scheduler tick in this process: fires due schedules, runs due jobs, then exits.
    Work,
}

#[derive(Debug, Subcommand)]
pub enum VisitCommand {
    /// Visit plans: which commissioner visits which enterprise, when.
    #[command(subcommand)]
    Plan(VisitPlanCommand),
    /// Lists visits, by scheduled time.
    List {
        /// Only visits scheduled today or this week (Monday to Sunday), local time.
        #[arg(long)]
        due: Option<String>,
        /// Only this commissioner's visits.
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
        /// Only visits in this status: planned, checked_in, completed, missed.
        #[arg(long)]
        status: Option<String>,
    },
    /// Checks in on site (from an hour before the window opens until it ends).
    Checkin {
        id: i64,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
    },
    /// Logs a visit as done, with notes; optionally raises an issue found on site.
    Complete {
        id: i64,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
        #[arg(long)]
        notes: String,
        /// The title of an issue to raise for the enterprise.
        #[arg(long, value_name = "TITLE")]
        raise_issue: Option<String>,
        /// The raised issue's category code (required with --raise-issue).
        #[arg(long)]
        category: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "normal")]
        priority: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum VisitPlanCommand {
    /// Plans weekly visits to an enterprise by a commissioner.
    Add {
        /// The enterprise's id (see `gridloop enterprise list`).
        #[arg(long)]
        enterprise: i64,
        /// The commissioner's login.
        #[arg(long)]
        commissioner: String,
        /// When visits start, as a crontab line.
        #[arg(long, default_value = "0 9 * * MON")]
        cron: String,
        #[arg(long, default_value = "Asia/Shanghai")]
        tz: String,
        /// How long a visit's window lasts, in minutes.
        #[arg(long, default_value_t = 240)]
        window: u32,
        /// How long before a visit the commissioner is reminded, in minutes.
        #[arg(long, default_value_t = 1440)]
        lead: u32,
    },
    /// Lists visit plans.
    List {
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// Pauses a plan: its future planned visits are removed.
    Pause { id: i64 },
    /// Resumes a paused plan.
    Resume { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Adds a schedule.
    Add {
        /// A unique name, e.g. `weekly-report`.
        name: String,
        /// A crontab line: five fields (`0 8 * * MON`), six with seconds first, or an alias
        /// such as `@weekly`. Weekdays 0 or 7 = Sunday, or names.
        #[arg(long)]
        cron: String,
        /// The IANA time zone the expression is read in.
        #[arg(long, default_value = "Asia/Shanghai")]
        tz: String,
        /// The kind of job each occurrence enqueues (see `gridloop schedule kinds`).
        #[arg(long)]
        job: String,
        /// The job's payload, a JSON object.
        #[arg(long, default_value = "{}")]
        payload: String,
        /// What to do with occurrences missed while nothing ran: skip, fire_once, fire_all.
        #[arg(long, default_value = "fire_once")]
        misfire: String,
        /// With `fire_all`: at most this many missed occurrences are fired.
        #[arg(long, default_value_t = 10)]
        cap: usize,
    },
    /// Lists schedules with their next occurrence.
    List,
    /// Stops a schedule from firing until resumed.
    Pause { name: String },
    /// Resumes a paused schedule from its next occurrence (what was missed is not fired).
    Resume { name: String },
    /// Removes a schedule; the jobs it enqueued stay.
    Remove { name: String },
    /// The job kinds a schedule can enqueue.
    Kinds,
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
    /// Seed the park alone, without its eight weeks of history (for tests that count issues).
    #[arg(long)]
    pub no_history: bool,
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
        /// `api` (a bearer token for /api/v1) or `open311` (an Open311 api_key, usable only
        /// under /open311/v2; only for users with the enterprise role).
        #[arg(long, default_value = "api", value_parser = parse_scope)]
        scope: gridloop_store::TokenScope,
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
pub enum UserCommand {
    /// Lists every user.
    List,
    /// Sets a user's password for the web pages (argon2id; at least 8 characters). Reads it
    /// from stdin when stdin is not a terminal (`printf 'secret\n' | gridloop user passwd
    /// post01`), else asks twice without echo. Ends the user's web sessions.
    Passwd { login: String },
    /// Shows or sets which channels a user wants for a kind of notification.
    Prefs {
        login: String,
        /// The notification kind, e.g. `assigned`, `due_soon`, `escalated`, `visit_reminder`.
        #[arg(long, requires = "channels")]
        kind: Option<String>,
        /// `email`, `sms`, `email,sms`, `none` (nothing for that kind) or `default`.
        #[arg(long, requires = "kind")]
        channels: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The week's report computed now from the event log: counts, rates, working-time
    /// durations, visits, the units' league table, the overdue list, the week against the week
    /// before, the 8-week trend, and the definitions behind each figure. Nothing is stored.
    Weekly {
        /// An ISO week such as 2026-W48, in the park's time zone; default the week just ended.
        #[arg(long)]
        week: Option<String>,
        /// One grid's slice (its code), as the grid's post members receive it.
        #[arg(long, conflicts_with = "unit")]
        grid: Option<String>,
        /// One unit's slice (its code), as the unit's head receives it.
        #[arg(long)]
        unit: Option<String>,
        /// `md` (default), `html`, `csv` or `json`.
        #[arg(long, default_value = "md")]
        format: String,
        /// The report's language, zh-CN or en; default `report.locale` from the configuration.
        #[arg(long)]
        locale: Option<String>,
    },
    /// Stored copies of the reports that were sent, newest week first.
    List {
        /// Only this week's (2026-W48).
        #[arg(long)]
        week: Option<String>,
        /// Only this scope: `park`, `unit:ID` or `grid:ID`.
        #[arg(long)]
        scope: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One stored report, exactly as it was sent.
    Show {
        id: i64,
        /// `md` (default), `html`, `csv` or `json`.
        #[arg(long, default_value = "md")]
        format: String,
    },
    /// Stores and sends the reports of a week now (the Monday schedule does this by itself);
    /// a week already stored is not sent again.
    Send {
        /// An ISO week such as 2026-W48; default the week just ended.
        #[arg(long)]
        week: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListOnly {
    /// List them.
    List,
}

#[derive(Debug, Subcommand)]
pub enum CategoryCommand {
    /// List them.
    List,
    /// Add a category with its usual handling unit and an SLA for every priority (the same
    /// minutes for all; set one priority's apart with `category edit CODE --priority P …`).
    Add(CategoryAddArgs),
    /// Change a category's name, usual unit or SLA. With the minutes and no --priority, every
    /// priority gets them; issues already assigned keep the SLA they were assigned with.
    Edit(CategoryEditArgs),
}

#[derive(Debug, Args)]
pub struct CategoryAddArgs {
    /// The new category's code, e.g. roads.
    pub code: String,
    /// Its name, e.g. 道路交通.
    #[arg(long)]
    pub name: String,
    /// The code of the unit that usually handles it (see `gridloop unit list`).
    #[arg(long)]
    pub unit: String,
    /// Working minutes from assignment to the unit's response.
    #[arg(long)]
    pub response_minutes: u32,
    /// Working minutes from assignment to resolution.
    #[arg(long)]
    pub resolve_minutes: u32,
    /// Only this priority's SLA: refused here, since a new category needs every priority's.
    #[arg(long)]
    pub priority: Option<String>,
}

#[derive(Debug, Args)]
pub struct CategoryEditArgs {
    /// The category's code (it cannot change).
    pub code: String,
    /// A new name.
    #[arg(long)]
    pub name: Option<String>,
    /// The code of the unit that now usually handles it.
    #[arg(long)]
    pub unit: Option<String>,
    /// Working minutes from assignment to the unit's response (with --resolve-minutes).
    #[arg(long, requires = "resolve_minutes")]
    pub response_minutes: Option<u32>,
    /// Working minutes from assignment to resolution (with --response-minutes).
    #[arg(long, requires = "response_minutes")]
    pub resolve_minutes: Option<u32>,
    /// Only this priority's SLA (low, normal, high, urgent); without it, every priority's.
    #[arg(long, requires = "response_minutes")]
    pub priority: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum EnterpriseCommand {
    /// List enterprises, optionally of one grid, or the one holding a credit code.
    List {
        /// Grid code, e.g. g1.
        #[arg(long)]
        grid: Option<String>,
        /// Only the enterprise holding this unified social credit code (统一社会信用代码).
        #[arg(long)]
        credit_code: Option<String>,
    },
    /// Add an enterprise to a grid.
    Add {
        /// Its name, e.g. 重庆某铝业有限公司.
        name: String,
        /// The code of its grid, e.g. g1.
        #[arg(long)]
        grid: String,
        #[arg(long)]
        address: Option<String>,
        /// Its unified social credit code (统一社会信用代码), 18 characters; no other
        /// enterprise may hold it.
        #[arg(long)]
        credit_code: Option<String>,
    },
    /// Change an enterprise's name, grid, address or credit code.
    Edit {
        /// The enterprise's id (see `gridloop enterprise list`).
        id: String,
        #[arg(long)]
        name: Option<String>,
        /// The code of the grid it moves to.
        #[arg(long)]
        grid: Option<String>,
        /// A new address; an empty one clears it.
        #[arg(long)]
        address: Option<String>,
        /// Its unified social credit code; an empty one clears it.
        #[arg(long)]
        credit_code: Option<String>,
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
    /// The issue ledger (台账) as a spreadsheet: every issue the filters match (as `list`
    /// takes them), one row each, newest first; at most 1,000,000 rows.
    Export(ExportArgs),
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
    /// Resolution note (resolve; internal, never shown to the requester), comment text
    /// (comment) or verification note (verify).
    #[arg(long)]
    pub note: Option<String>,
    /// For resolve: what the requester is told (the only resolution text Open311 shows).
    #[arg(long)]
    pub public_note: Option<String>,
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
    #[command(flatten)]
    pub filter: FilterArgs,
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[arg(long)]
    pub cursor: Option<String>,
}

/// Which issues `issue list` and `issue export` take, and whose eyes they see them with.
#[derive(Debug, Args)]
pub struct FilterArgs {
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
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// xlsx (Excel, WPS) or csv (UTF-8 with a byte-order mark).
    #[arg(long)]
    pub format: String,
    /// The file to write (replaced only once the whole ledger is written); standard output
    /// without it (a CSV, or an xlsx piped on: not to a terminal).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The headers' and labels' language: zh-CN or en (default: the report's, `report.locale`).
    #[arg(long)]
    pub locale: Option<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// A token's scope on the command line (`--scope api|open311`).
fn parse_scope(raw: &str) -> Result<gridloop_store::TokenScope, String> {
    raw.parse()
        .map_err(|e: gridloop_core::ParseError| e.rule().to_string())
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

#[derive(Debug, Args)]
pub struct LifecycleArgs {
    /// Write it as Markdown, as in docs/lifecycle.md.
    #[arg(long)]
    pub markdown: bool,
}

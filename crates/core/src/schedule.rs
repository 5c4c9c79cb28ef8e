//! Cron schedules (计划): when recurring visits, reminders and reports fall due.
//!
//! Pure like the rest of the core: a [`Schedule`] answers "when is the next occurrence after
//! this instant", and [`due_occurrences`] answers "given when this last fired, what should fire
//! now"; the scheduler crate stores `last_fired`, claims ticks and does the work.
//!
//! - [`expr`]: [`CronExpr`], ordinary crontab syntax (0 or 7 = Sunday, `@daily` and friends),
//!   translated for the `cron` crate.
//! - [`zoned`]: [`Schedule`], an expression in an IANA zone with Vixie cron's DST rule.
//! - [`misfire`]: the [`Misfire`] policy for occurrences missed while nothing was running.

pub mod expr;
pub mod misfire;
pub mod zoned;

pub use expr::{CronExpr, CronField, CronProblem};
pub use misfire::{due_occurrences, Due, Fire, Misfire, Skipped, SKIP_COUNT_LIMIT};
pub use zoned::{Schedule, DEFAULT_TZ};

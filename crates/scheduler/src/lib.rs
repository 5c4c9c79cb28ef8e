//! gridloop's scheduler: durable jobs, cron schedules, SLA reminders and escalations, and the
//! weekly on-site visits.
//!
//! Everything it does is a job in the store, claimed under a lease and run with no transaction
//! open (see `gridloop_store::Job`). Time comes from a [`Clock`], so tests move a manual clock
//! through weeks and call [`Scheduler::tick`] instead of sleeping.
//!
//! # Layout
//!
//! - [`clock`]: where "now" comes from.
//! - [`live`]: the workflow in force, swapped whole when the stored calendar changes.
//! - [`backoff`]: capped exponential backoff with full jitter (the notifier's retries too).
//! - `runner`: [`Scheduler`]: ticks schedules, claims jobs, runs their handlers.
//! - `fire`: which occurrences of a schedule fire at a tick (misfire policy plus a grace period).
//! - [`sla`]: deadline timers planned from an issue's deadlines, due-soon reminders, escalations.
//! - [`visits`]: visit plans, their materialised occurrences, reminders and misses.
//! - [`meetings`]: the day-before reminder of a matchmaking meeting's invitees.
//! - [`reports`]: the weekly report computed for the week just ended, stored frozen and sent.
//! - `error`: [`SchedulerError`] (the scheduler cannot work) and [`JobError`] (one run failed).

pub mod backoff;
pub mod clock;
mod error;
mod fire;
pub mod live;
pub mod meetings;
pub mod reports;
mod runner;
pub mod sla;
pub mod visits;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{JobError, SchedulerError};
pub use live::LiveWorkflow;
pub use runner::{Handler, HandlerFuture, Scheduler, SchedulerConfig, TickReport};

//! The notification delivery worker end to end: outbox rows written by real actions, turned
//! into real messages by the worker, their states recorded, and delivery reports received.
//!
//! - `files`: the file channel through the `gridloop` binary (nothing to install).
//! - `reports`: the HTTP endpoints (admin listing, retry, Kannel's delivery reports).
//! - `services`: MailDev and Kannel, when `tests/run.sh` started them (skipped otherwise).

mod files;
mod reports;
mod services;
mod support;

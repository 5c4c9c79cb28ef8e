//! End-to-end tests: the real `gridloop` binary, driven as a user drives it, on a fresh SQLite
//! file and on a fresh PostgreSQL database.

mod backup;
mod backup_load;
mod calendar;
mod categories;
mod cli;
mod crash;
mod export;
mod import;
mod jobs_crash;
mod listing_visits;
mod monday_report;
mod outbox_crash;
mod progress;
mod proxy;
mod support;
mod weekly;

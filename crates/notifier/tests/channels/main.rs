//! The notifier's channels against real servers on loopback: MailDev for SMTP, a Kannel gateway
//! with its fake SMS centre, and in-test HTTP listeners for webhooks and delivery reports.
//!
//! `tests/run.sh` starts MailDev and Kannel (`tests/services/*.sh`) and exports their addresses;
//! without those variables the tests that need them say so and pass, so a plain `cargo test`
//! works anywhere.

mod file;
mod kannel;
mod smtp;
mod support;
mod webhook;

//! HTTP tests: the router served in-process on a loopback port, each test with its own
//! database (a temp SQLite file, or a fresh PostgreSQL database), seeded with the demo park.

mod attachments;
mod bad_input;
mod calendars;
mod chain;
mod chain_events;
mod chain_matches;
mod chain_web;
mod export;
mod issues;
mod open311;
mod probes;
mod reference;
mod reports;
mod roles;
mod support;
mod visits;
mod web;

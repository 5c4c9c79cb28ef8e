//! HTTP tests: the router served in-process on a loopback port, each test with its own
//! database (a temp SQLite file, or a fresh PostgreSQL database), seeded with the demo park.

mod probes;
mod support;

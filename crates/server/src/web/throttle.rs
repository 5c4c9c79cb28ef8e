//! Failed sign-ins, remembered per login and client address, to slow down password guessing.
//!
//! In memory and per process: behind several instances an attacker gets a few more tries, which
//! is acceptable for a nice-to-have; argon2's cost already bounds the rate. Keyed by login *and*
//! address so that someone guessing at a login from elsewhere cannot lock its owner out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed in one window before sign-ins from that address to that login are refused.
pub const MAX_FAILURES: u32 = 5;
/// How long failures are remembered, counted from the first.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Past this many keys the map starts over rather than grow without bound.
const MAX_KEYS: usize = 10_000;

/// Whose attempts: a login (lower-cased) from an address.
type Key = (String, Option<IpAddr>);
/// Since when failures are counted, and how many.
type Failures = (Instant, u32);

#[derive(Debug, Default)]
pub struct Throttle {
    // A std Mutex: held for a look-up or an update, never across an await.
    failures: Mutex<HashMap<Key, Failures>>,
}

impl Throttle {
    fn key(login: &str, ip: Option<IpAddr>) -> Key {
        (login.trim().to_lowercase(), ip)
    }

    /// Whether another attempt is allowed now.
    pub fn allows(&self, login: &str, ip: Option<IpAddr>, now: Instant) -> bool {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(&Self::key(login, ip)) {
            Some((since, count)) => now.duration_since(*since) >= WINDOW || *count < MAX_FAILURES,
            None => true,
        }
    }

    /// Counts a failed attempt.
    pub fn failed(&self, login: &str, ip: Option<IpAddr>, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_KEYS {
            failures.clear();
        }
        let entry = failures.entry(Self::key(login, ip)).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    /// Forgets the failures after a successful sign-in.
    pub fn succeeded(&self, login: &str, ip: Option<IpAddr>) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&Self::key(login, ip));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_block_that_login_from_that_address_for_the_window() {
        let throttle = Throttle::default();
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        let other = Some(IpAddr::from([10, 0, 0, 1]));
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(throttle.allows("post01", ip, t0));
            throttle.failed("post01", ip, t0);
        }
        assert!(
            !throttle.allows("POST01", ip, t0),
            "logins compare without case"
        );
        assert!(throttle.allows("post01", other, t0), "another address");
        assert!(throttle.allows("post02", ip, t0), "another login");
        assert!(
            throttle.allows("post01", ip, t0 + WINDOW),
            "the window passed"
        );
        throttle.succeeded("post01", ip);
        assert!(throttle.allows("post01", ip, t0));
    }
}

//! Sign-in attempts: what the web sign-in throttle remembers, in the database so that every
//! instance on it shares one count, and so that no amount of traffic can make it forget.
//!
//! Each try is counted twice: for the login from the client's address (the guesser at one
//! account) and for the address whatever the login (the guesser trying many accounts). A
//! count's first failures are free; from then on the next try waits a delay that doubles with
//! each further failure, up to a cap. Counts are forgotten once a window has passed since the
//! last try let through, and only then may their rows be pruned: nothing ever evicts a count
//! that still limits someone, however many other rows there are.
//!
//! # Why one statement decides and records
//!
//! A try is recorded, provisionally as a failure, by the same statement that decides whether it
//! may proceed: `INSERT … ON CONFLICT DO UPDATE … WHERE <allowed> RETURNING`. When the `WHERE`
//! refuses, nothing is updated and nothing is returned, so the missing row *is* the refusal.
//! Checking first and recording after the password check would let every parallel try pass the
//! check before any of them recorded (40 parallel tries gave 27 password checks, not 5). The
//! statement is correct under concurrency on both backends:
//!
//! - PostgreSQL (read committed): `ON CONFLICT DO UPDATE` locks the conflicting row and
//!   evaluates the `SET` and `WHERE` against its latest committed version, waiting for any
//!   transaction that holds it; a concurrent first insert of the same key waits on the unique
//!   index and then takes the update path. So tries on one key are decided one after the
//!   other, each seeing the ones before, which a `SELECT` then `UPDATE` would not (both
//!   readers would see the same count). The row stays locked until the transaction ends, so
//!   the two counts of one try are decided together; every transaction takes them in the same
//!   order (the address, then the login at it), so two tries never wait on each other in a
//!   cycle.
//! - SQLite: a write transaction holds the database's one write lock (`BEGIN IMMEDIATE`) from
//!   its start, so tries are decided strictly one at a time.
//!
//! A try refused by either count rolls the transaction back: a refused try is not a password
//! check, and stores nothing.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use gridloop_core::Login;

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::store::Store;

/// What an address's own count has in the `login` column.
const EVERY_LOGIN: &str = "";
/// What a login's count has in the `login` column when the typed text is no valid login: all
/// such tries from one address share a count (none of them can ever succeed).
const NOT_A_LOGIN: &str = "?";

/// Whose tries one sign-in is counted against: the client's address, and the login typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInKey {
    address: String,
    login: String,
}

impl SignInKey {
    /// The key of a try from `address` (`None` when the server cannot tell) at `typed_login`.
    ///
    /// The login is compared without case and surrounding space, so `POST01 ` counts with
    /// `post01`; text that is no valid login shares one count per address, which keeps
    /// arbitrary input out of the table. An IPv6 address counts by its /64, since one host is
    /// usually given a whole /64 and could otherwise try from 2^64 addresses; an IPv4-mapped
    /// IPv6 address counts as the IPv4 address it is.
    pub fn new(address: Option<IpAddr>, typed_login: &str) -> Self {
        let address = match address.map(|a| a.to_canonical()) {
            None => "unknown".to_owned(),
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => {
                let network = u128::from(v6) & (u128::MAX << 64);
                format!("{}/64", std::net::Ipv6Addr::from(network))
            }
        };
        let login = match Login::parse(&typed_login.trim().to_lowercase()) {
            Ok(login) => login.as_str().to_owned(),
            Err(_) => NOT_A_LOGIN.to_owned(),
        };
        Self { address, login }
    }

    /// The address as counted: an IPv4 address, an IPv6 /64, or `unknown`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The login as counted (`?` for text that is no valid login).
    pub fn login(&self) -> &str {
        &self.login
    }
}

/// How one count limits tries: free failures, then a delay that doubles up to a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimit {
    free_failures: u32,
    first_delay_ms: i64,
    max_delay_ms: i64,
}

impl SignInLimit {
    /// After `free_failures` failures (at least 1) the next try waits `first_delay`, then twice
    /// that after each further failure, never more than `max_delay`. Delays are at least a
    /// millisecond, and the first is at most the cap.
    pub fn new(free_failures: u32, first_delay: Duration, max_delay: Duration) -> Self {
        let max_delay_ms = max_delay.num_milliseconds().max(1);
        Self {
            free_failures: free_failures.max(1),
            first_delay_ms: first_delay.num_milliseconds().clamp(1, max_delay_ms),
            max_delay_ms,
        }
    }

    pub fn free_failures(&self) -> u32 {
        self.free_failures
    }

    pub fn max_delay(&self) -> Duration {
        Duration::milliseconds(self.max_delay_ms)
    }

    /// How long the next try waits after `failures` failures. The statement in
    /// [`Store::sign_in_attempt`] computes the same step by step (doubling the previous wait),
    /// which SQL can do alike on both dialects.
    pub fn wait_after(&self, failures: u32) -> Duration {
        if failures < self.free_failures {
            return Duration::zero();
        }
        let doublings = (failures - self.free_failures).min(62);
        let ms = self
            .first_delay_ms
            .checked_mul(1_i64 << doublings)
            .map_or(self.max_delay_ms, |ms| ms.min(self.max_delay_ms));
        Duration::milliseconds(ms)
    }
}

/// Both counts' limits, and when counts are forgotten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    pub per_login: SignInLimit,
    pub per_address: SignInLimit,
    forget_after_ms: i64,
}

impl SignInLimits {
    /// A count is forgotten `forget_after` after the last try it let through; never sooner
    /// than the longest delay, so a count cannot be forgotten while it still holds a try back.
    pub fn new(per_login: SignInLimit, per_address: SignInLimit, forget_after: Duration) -> Self {
        let longest = per_login.max_delay_ms.max(per_address.max_delay_ms);
        Self {
            per_login,
            per_address,
            forget_after_ms: forget_after.num_milliseconds().max(longest),
        }
    }

    pub fn forget_after(&self) -> Duration {
        Duration::milliseconds(self.forget_after_ms)
    }
}

/// Whether a try may check its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInAttempt {
    /// Go ahead: the try is counted as a failure until [`Store::sign_in_succeeded`] (or
    /// [`Store::sign_in_unchecked`]) says otherwise.
    LetThrough,
    /// Not before `until`; nothing was recorded.
    Refused { until: DateTime<Utc> },
}

/// The failures counted now for a key (for tests and operators).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignInFailures {
    /// From the address, whatever the login.
    pub at_address: u32,
    /// For the login from the address.
    pub for_login: u32,
}

/// Lets a try through and counts it, or refuses it and changes nothing; see the module doc.
/// `$3` is the wait after a first failure, `$5` the forgetting window, `$6`–`$8` the limit.
/// The `CASE` on the wait is [`SignInLimit::wait_after`] one step at a time: nothing while
/// failures are free, the first delay at the last free one, then doubling up to the cap (and
/// at least the first delay, should the limits have changed under an existing count). A count
/// with no wait lets every try through: concurrent tries reach the writer in any order, so one
/// may carry an instant a little before the count's last try, and `last_at + 0 <= now` alone
/// refused it for those milliseconds (a stray 429 in a flood of free tries from one address).
const COUNT_TRY: &str = "\
    INSERT INTO sign_in_attempts (address, login, failures, wait_ms, last_at) \
    VALUES ($1, $2, 1, $3, $4) \
    ON CONFLICT (address, login) DO UPDATE SET \
        failures = CASE WHEN sign_in_attempts.last_at + $5 <= $4 THEN 1 \
                        ELSE sign_in_attempts.failures + 1 END, \
        wait_ms = CASE WHEN sign_in_attempts.last_at + $5 <= $4 THEN $3 \
                       WHEN sign_in_attempts.failures + 1 < $6 THEN 0 \
                       WHEN sign_in_attempts.failures + 1 = $6 THEN $7 \
                       WHEN sign_in_attempts.wait_ms * 2 >= $8 THEN $8 \
                       WHEN sign_in_attempts.wait_ms * 2 <= $7 THEN $7 \
                       ELSE sign_in_attempts.wait_ms * 2 END, \
        last_at = $4 \
    WHERE sign_in_attempts.wait_ms = 0 \
       OR sign_in_attempts.last_at + sign_in_attempts.wait_ms <= $4 \
       OR sign_in_attempts.last_at + $5 <= $4 \
    RETURNING failures";

impl Tx {
    /// Decides one count of a try and, when it lets the try through, records it (see
    /// [`COUNT_TRY`]). Callers take an address's count before any login's at it.
    async fn count_sign_in_try(
        &mut self,
        address: &str,
        login: &str,
        limit: &SignInLimit,
        forget_after_ms: i64,
        now: DateTime<Utc>,
    ) -> Result<SignInAttempt, StoreError> {
        let now_ms = now.timestamp_millis();
        let counted: Option<(i64,)> = self
            .fetch_optional(
                COUNT_TRY,
                args![
                    address,
                    login,
                    limit.wait_after(1).num_milliseconds(),
                    now_ms,
                    forget_after_ms,
                    i64::from(limit.free_failures),
                    limit.first_delay_ms,
                    limit.max_delay_ms
                ],
            )
            .await?;
        if counted.is_some() {
            return Ok(SignInAttempt::LetThrough);
        }
        let (next_ms,): (i64,) = self
            .fetch_one(
                "SELECT last_at + wait_ms FROM sign_in_attempts WHERE address = $1 AND login = $2",
                args![address, login],
            )
            .await?;
        let until = DateTime::from_timestamp_millis(next_ms).unwrap_or(now);
        Ok(SignInAttempt::Refused { until })
    }

    /// Takes one provisional failure off a count (never below zero).
    async fn uncount_sign_in_try(&mut self, address: &str, login: &str) -> Result<(), StoreError> {
        self.execute(
            "UPDATE sign_in_attempts SET failures = failures - 1 \
             WHERE address = $1 AND login = $2 AND failures > 0",
            args![address, login],
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// One sign-in try, decided and recorded at once: refused (and nothing recorded) when the
    /// address's count or the login's count at that address says to wait; otherwise let
    /// through and counted on both as a failure, provisionally. See the module doc for why
    /// this is right under concurrency.
    pub async fn sign_in_attempt(
        &self,
        key: &SignInKey,
        limits: &SignInLimits,
        now: DateTime<Utc>,
    ) -> Result<SignInAttempt, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        // The address first, then the login at it: the one order every transaction uses.
        let counts = [
            (EVERY_LOGIN, &limits.per_address),
            (key.login.as_str(), &limits.per_login),
        ];
        for (login, limit) in counts {
            let decided = tx
                .count_sign_in_try(&key.address, login, limit, limits.forget_after_ms, now)
                .await?;
            if let SignInAttempt::Refused { .. } = decided {
                tx.rollback().await?;
                return Ok(decided);
            }
        }
        tx.commit().await?;
        Ok(SignInAttempt::LetThrough)
    }

    /// The password was right: the login's count at the address is cleared, and the address's
    /// provisional failure taken back (colleagues behind one address signing in do not add up).
    pub async fn sign_in_succeeded(&self, key: &SignInKey) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_write().await?;
        tx.uncount_sign_in_try(&key.address, EVERY_LOGIN).await?;
        tx.execute(
            "DELETE FROM sign_in_attempts WHERE address = $1 AND login = $2",
            args![key.address.as_str(), key.login.as_str()],
        )
        .await?;
        tx.commit().await
    }

    /// The try let through never checked its password (the server was too busy): its
    /// provisional failure is taken back from both counts.
    pub async fn sign_in_unchecked(&self, key: &SignInKey) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_write().await?;
        tx.uncount_sign_in_try(&key.address, EVERY_LOGIN).await?;
        tx.uncount_sign_in_try(&key.address, &key.login).await?;
        tx.commit().await
    }

    /// Removes the counts forgotten by now (their window passed since the last try they let
    /// through); returns how many went. Only such rows: a count that still limits stays.
    pub async fn prune_sign_in_attempts(
        &self,
        limits: &SignInLimits,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let pruned = self
            .pool
            .execute_write(
                "DELETE FROM sign_in_attempts WHERE last_at <= $1",
                args![now.timestamp_millis() - limits.forget_after_ms],
            )
            .await?;
        Ok(pruned)
    }

    /// The failures counted for a key now, forgotten ones excluded.
    pub async fn sign_in_failures(
        &self,
        key: &SignInKey,
        limits: &SignInLimits,
        now: DateTime<Utc>,
    ) -> Result<SignInFailures, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let rows: Vec<(String, i64)> = tx
            .fetch_all(
                "SELECT login, failures FROM sign_in_attempts \
                 WHERE address = $1 AND (login = $2 OR login = $3) AND last_at > $4",
                args![
                    key.address.as_str(),
                    EVERY_LOGIN,
                    key.login.as_str(),
                    now.timestamp_millis() - limits.forget_after_ms
                ],
            )
            .await?;
        tx.commit().await?;
        let mut failures = SignInFailures::default();
        for (login, count) in rows {
            let count = u32::try_from(count).unwrap_or(u32::MAX);
            if login == EVERY_LOGIN {
                failures.at_address = count;
            } else {
                failures.for_login = count;
            }
        }
        Ok(failures)
    }

    /// How many counts the table holds (for tests of its bound).
    pub async fn sign_in_attempt_rows(&self) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let (n,): (i64,) = tx
            .fetch_one("SELECT COUNT(*) FROM sign_in_attempts", args![])
            .await?;
        tx.commit().await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_free_then_double_up_to_the_cap() {
        let limit = SignInLimit::new(3, Duration::seconds(30), Duration::seconds(200));
        let waits: Vec<i64> = (0..8).map(|f| limit.wait_after(f).num_seconds()).collect();
        assert_eq!(waits, [0, 0, 0, 30, 60, 120, 200, 200]);
        assert_eq!(limit.wait_after(u32::MAX).num_seconds(), 200, "no overflow");
    }

    #[test]
    fn keys_ignore_case_bucket_non_logins_and_count_ipv6_by_its_64() {
        let v4 = Some(IpAddr::from([192, 0, 2, 7]));
        let key = SignInKey::new(v4, " POST01 ");
        assert_eq!((key.address(), key.login()), ("192.0.2.7", "post01"));
        assert_eq!(SignInKey::new(v4, "").login(), NOT_A_LOGIN);
        assert_eq!(SignInKey::new(v4, &"x".repeat(5000)).login(), NOT_A_LOGIN);
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        assert_eq!(SignInKey::new(Some(a), "x").address(), "2001:db8:1:2::/64");
        assert_eq!(
            SignInKey::new(Some(a), "x").address(),
            SignInKey::new(Some(b), "x").address()
        );
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("ip");
        assert_eq!(SignInKey::new(Some(mapped), "x").address(), "192.0.2.7");
        assert_eq!(SignInKey::new(None, "x").address(), "unknown");
    }

    #[test]
    fn counts_are_never_forgotten_while_they_still_hold_a_try_back() {
        let limit = SignInLimit::new(5, Duration::seconds(30), Duration::minutes(15));
        let limits = SignInLimits::new(limit, limit, Duration::minutes(1));
        assert_eq!(limits.forget_after(), Duration::minutes(15));
    }
}

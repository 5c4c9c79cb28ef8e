//! The sign-in throttle: its limits, from `[web]`, over counts kept in the database.
//!
//! The counts live in the store (`gridloop_store`'s `sign_in_attempts`), not in this process:
//! every instance on one database shares them, a restart forgets nothing, and there is no map
//! that a flood of cheap failures could fill until it clears itself. The store decides and
//! records each try in one statement, so parallel tries cannot all slip past the check; this
//! module only turns settings into limits and prunes forgotten counts now and then.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};
use gridloop_store::{SignInAttempt, SignInKey, SignInLimit, SignInLimits, Store, StoreError};

use crate::config::WebSettings;

/// Forgotten counts are pruned at most this often per process: pruning is housekeeping (a
/// forgotten count decides nothing), so it need not run on every try.
const PRUNE_EVERY: Duration = Duration::minutes(1);

#[derive(Debug)]
pub struct Throttle {
    limits: SignInLimits,
    /// When this process last pruned, in Unix milliseconds.
    pruned_at_ms: AtomicI64,
}

impl Throttle {
    pub fn new(limits: SignInLimits) -> Self {
        Self {
            limits,
            pruned_at_ms: AtomicI64::new(i64::MIN),
        }
    }

    pub fn from_settings(settings: &WebSettings) -> Self {
        let delays = |free| {
            SignInLimit::new(
                free,
                Duration::seconds(i64::from(settings.sign_in_first_delay_secs)),
                Duration::seconds(i64::from(settings.sign_in_max_delay_secs)),
            )
        };
        Self::new(SignInLimits::new(
            delays(settings.sign_in_free_failures),
            delays(settings.sign_in_free_failures_per_address),
            Duration::minutes(i64::from(settings.sign_in_forget_minutes)),
        ))
    }

    pub fn limits(&self) -> &SignInLimits {
        &self.limits
    }

    /// Decides one try and, if it may go ahead, counts it as a failure until told otherwise
    /// ([`Store::sign_in_succeeded`], [`Store::sign_in_unchecked`]).
    pub async fn attempt(
        &self,
        store: &Store,
        key: &SignInKey,
        now: DateTime<Utc>,
    ) -> Result<SignInAttempt, StoreError> {
        let decided = store.sign_in_attempt(key, &self.limits, now).await?;
        self.prune_now_and_then(store, now).await;
        Ok(decided)
    }

    /// Removes forgotten counts if this process has not in the last [`PRUNE_EVERY`]. Only
    /// forgotten ones: the table is bounded by the tries let through within the window, and
    /// never by evicting a count that still holds someone back.
    async fn prune_now_and_then(&self, store: &Store, now: DateTime<Utc>) {
        let now_ms = now.timestamp_millis();
        let last = self.pruned_at_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) < PRUNE_EVERY.num_milliseconds()
            || self
                .pruned_at_ms
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        match store.prune_sign_in_attempts(&self.limits, now).await {
            Ok(0) => {}
            Ok(pruned) => tracing::debug!(pruned, "forgotten sign-in counts pruned"),
            Err(e) => tracing::warn!(error = %e, "could not prune forgotten sign-in counts"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_free_five_failures_per_login_and_wait_at_most_a_quarter_hour() {
        let throttle = Throttle::from_settings(&WebSettings::default());
        let limits = throttle.limits();
        assert_eq!(limits.per_login.free_failures(), 5);
        assert_eq!(limits.per_address.free_failures(), 30);
        assert_eq!(limits.per_login.wait_after(4), Duration::zero());
        assert_eq!(limits.per_login.wait_after(5), Duration::seconds(30));
        assert_eq!(limits.per_login.wait_after(6), Duration::seconds(60));
        assert_eq!(limits.per_login.wait_after(50), Duration::minutes(15));
        assert_eq!(limits.forget_after(), Duration::hours(1));
    }
}

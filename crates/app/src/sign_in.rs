//! Web sign-in: the use case ([`sign_in`]: the throttle, the password, the session) and the
//! sign-in throttle's limits, from `[web]`, over counts kept in the database.
//!
//! The counts live in the store (`gridloop_store`'s `sign_in_attempts`), not in this process:
//! every instance on one database shares them, a restart forgets nothing, and there is no map
//! that a flood of cheap failures could fill until it clears itself. The store decides and
//! records each try in one statement, so parallel tries cannot all slip past the check; this
//! module only turns settings into limits and prunes forgotten counts now and then.

use std::sync::atomic::{AtomicI64, Ordering};

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use gridloop_core::{Login, UserId};
use gridloop_store::{SignInAttempt, SignInKey, SignInLimit, SignInLimits, Store, StoreError};

use crate::error::AppError;
use crate::passwords::PasswordError;
use crate::settings::WebSettings;
use crate::state::AppState;

/// What a sign-in came to, when it was decided.
#[derive(Debug)]
pub enum SignIn {
    /// A session began: its secret goes to the browser (the store keeps only its hash).
    Started { user: UserId, secret: String },
    /// The login or the password is wrong: the same answer for both, after the same work.
    WrongCredentials,
}

/// Signs in with a login (as typed, trimmed) and a password from `client`'s address.
///
/// Before any password is checked the try is decided and counted by the sign-in throttle (in
/// the database, per login at the client's address and per address): a refused try is
/// [`AppError::Throttled`]. The password check then waits its turn for the process's bounded
/// hashing; when there is none soon, [`AppError::Busy`] and the try is not counted. An unknown
/// login costs the same hash as a wrong password.
pub async fn sign_in(
    state: &AppState,
    client: Option<IpAddr>,
    login: &str,
    password: String,
) -> Result<SignIn, AppError> {
    let key = SignInKey::new(client, login);
    let now = state.clock.now();
    match state.web.throttle.attempt(&state.store, &key, now).await? {
        SignInAttempt::LetThrough => {}
        SignInAttempt::Refused { until } => {
            let retry_after_secs = u64::try_from((until - now).num_milliseconds())
                .unwrap_or(0)
                .div_ceil(1000)
                .max(1);
            tracing::warn!(
                retry_after = retry_after_secs,
                "sign-in refused: too many failures"
            );
            return Err(AppError::Throttled { retry_after_secs });
        }
    }
    let found = match Login::parse(login) {
        Ok(login) => state.store.password_hash(&login).await?,
        Err(_) => None,
    };
    let (user, phc) = match found {
        Some((user, phc)) => (Some(user), Some(phc)),
        None => (None, None),
    };
    let ok = match state.web.passwords.verify(password, phc).await {
        Ok(ok) => ok,
        Err(e) => {
            // No password was checked: the try does not count against anyone.
            if let Err(e) = state.store.sign_in_unchecked(&key).await {
                tracing::warn!(error = %e, "could not take back an unchecked sign-in try");
            }
            if let PasswordError::Busy = e {
                tracing::warn!("sign-in refused: password hashing is saturated");
            }
            return Err(state.web.passwords.refusal(e));
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!("sign-in failed");
        return Ok(SignIn::WrongCredentials);
    };
    if let Err(e) = state.store.sign_in_succeeded(&key).await {
        tracing::warn!(error = %e, "could not clear the sign-in count");
    }
    let secret = crate::sessions::start(state, user).await?;
    tracing::info!(user_id = %user, "signed in");
    Ok(SignIn::Started { user, secret })
}

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

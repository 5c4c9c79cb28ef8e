//! Passwords: argon2id hashes in the PHC string format, made and checked here only, and the
//! [`Hasher`] that bounds how many are computed at once.
//!
//! The parameters are the argon2 crate's defaults (argon2id, v=19, 19 MiB, 2 passes), which
//! OWASP recommends as a minimum; they travel inside each PHC string, so raising them later
//! leaves older hashes verifiable.
//!
//! Each hash takes 19 MiB and tens of milliseconds of CPU on purpose, which makes unbounded
//! hashing a way to take the server down: 300 parallel sign-ins once held 300 hashes in memory
//! at once (6.4 GB). So every hash the server computes goes through one [`Hasher`]: at most
//! `web.hash_concurrency` at once, a short queue with a bounded wait, and beyond that a refusal
//! the caller turns into 503 with `Retry-After`. The hashes' memory is a few buffers allocated
//! once and reused, rather than 19 MiB allocated and freed per hash: the allocator then never
//! holds on to freed blocks (glibc keeps a freed block that size in the arena of whichever
//! thread freed it), and memory for hashing stays at `hash_concurrency × 19 MiB` for good.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use gridloop_core::{ParseError, Rule, UserId};
use gridloop_store::Store;

use crate::error::AppError;
use crate::settings::WebSettings;

/// Shorter passwords are refused.
pub const MIN_CHARS: usize = 8;
/// Longer ones too: hashing a megabyte for every sign-in attempt is a denial of service. A
/// longer password at sign-in is wrong without being hashed, for known and unknown logins alike.
pub const MAX_CHARS: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("the password is too short: use at least {MIN_CHARS} characters")]
    TooShort,
    #[error("the password is too long: use at most {MAX_CHARS} characters")]
    TooLong,
    /// Too many hashes are running or waiting: try again shortly (503 with `Retry-After`).
    #[error("the server is busy hashing passwords; try again shortly")]
    Busy,
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Sets a user's password (through the process's one bound on hashing, like sign-in); every
/// web session of theirs ends with it (the store's `set_password_hash`).
pub async fn set(
    store: &Store,
    hasher: &Hasher,
    user: UserId,
    password: String,
) -> Result<(), AppError> {
    let phc = hasher.hash(password).await.map_err(|e| hasher.refusal(e))?;
    store.set_password_hash(user, Some(&phc)).await?;
    Ok(())
}

/// Checks a new password's length (in characters, so a Chinese passphrase counts fairly).
pub fn check(password: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        Err(PasswordError::TooShort)
    } else if chars > MAX_CHARS {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

/// A hash of the default parameters that no password matches, verified against for logins
/// without a password: an unknown login then answers as slowly as a wrong password, and timing
/// reveals nothing.
const NOBODY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$bm8gb25lIGhhcyB0aGlzIA$bm8gcGFzc3dvcmQgZXZlciBoYXNoZXMgdG8gdGhpcy4";

/// The working memory of one hash with the default parameters, reused from hash to hash.
struct Memory(Vec<Block>);

impl Memory {
    fn new() -> Self {
        Self(vec![Block::default(); Params::DEFAULT_M_COST as usize])
    }
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Memory({} KiB)", self.0.len())
    }
}

/// The PHC string of a new password, with a fresh random salt, computed in `memory`.
fn hash_in(password: &str, memory: &mut Memory) -> Result<String, PasswordError> {
    check(password)?;
    let error = |e: &dyn std::fmt::Display| PasswordError::Hash(e.to_string());
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| error(&e))?;
    let salt_string = SaltString::encode_b64(&salt).map_err(|e| error(&e))?;
    let params = Params::default();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, &mut memory.0[..])
        .map_err(|e| error(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| error(&e))?,
        salt: Some(salt_string.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| error(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether the password matches the PHC string, computed in `memory` (or, for a hash made with
/// more memory than new ones use, in a buffer of its own for this call). A malformed string
/// matches nothing; the comparison takes the same time wherever the hashes differ.
fn verify_in(password: &str, phc: &str, memory: &mut Memory) -> bool {
    if password.chars().count() > MAX_CHARS {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let Ok(version) = parsed.version.map_or(Ok(Version::V0x13), Version::try_from) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    let computed = if params.block_count() <= memory.0.len() {
        argon2.hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            &mut memory.0[..],
        )
    } else {
        argon2.hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            vec![Block::default(); params.block_count()],
        )
    };
    // `Output`'s equality is constant-time.
    computed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
}

/// [`hash_in`] with memory of its own: for tests and tools, never the server (which goes
/// through a [`Hasher`]).
pub fn hash(password: &str) -> Result<String, PasswordError> {
    hash_in(password, &mut Memory::new())
}

/// [`verify_in`] with memory of its own: for tests and tools, never the server.
pub fn verify(password: &str, phc: &str) -> bool {
    verify_in(password, phc, &mut Memory::new())
}

/// How much password hashing a process does at once (`[web] hash_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLimits {
    /// Hashes computed at once (at least 1).
    pub at_once: usize,
    /// Callers that may wait for a turn.
    pub queue: usize,
    /// How long a caller waits for a turn.
    pub wait: Duration,
}

impl HashLimits {
    /// From `[web]`: `hash_concurrency = 0` means one hash per CPU core.
    pub fn from_settings(settings: &WebSettings) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let at_once = match settings.hash_concurrency {
            0 => cores,
            n => usize::try_from(n).unwrap_or(cores),
        };
        Self {
            at_once: at_once.max(1),
            queue: usize::try_from(settings.hash_queue).unwrap_or(usize::MAX),
            wait: Duration::from_millis(u64::from(settings.hash_wait_ms)),
        }
    }
}

/// The one way the server computes password hashes: bounded in number, in queue, in waiting
/// time and in memory (see the module doc). Cheap to clone; clones share the bound.
#[derive(Debug, Clone)]
pub struct Hasher(Arc<Gate>);

#[derive(Debug)]
struct Gate {
    limits: HashLimits,
    /// One permit per hash that may run; tokio's semaphore serves waiters first come, first
    /// served.
    permits: Arc<Semaphore>,
    /// Callers waiting for a permit now.
    waiting: AtomicUsize,
    /// Working memory not in use. A std Mutex: held for a push or a pop, never across an await.
    memory: Mutex<Vec<Memory>>,
}

/// A caller's place in the queue, given up when dropped (served, timed out or cancelled).
struct Place<'a>(&'a AtomicUsize);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Hasher {
    pub fn new(limits: HashLimits) -> Self {
        let limits = HashLimits {
            at_once: limits.at_once.max(1),
            ..limits
        };
        Self(Arc::new(Gate {
            limits,
            permits: Arc::new(Semaphore::new(limits.at_once)),
            waiting: AtomicUsize::new(0),
            memory: Mutex::new(Vec::new()),
        }))
    }

    pub fn from_settings(settings: &WebSettings) -> Self {
        Self::new(HashLimits::from_settings(settings))
    }

    pub fn limits(&self) -> HashLimits {
        self.0.limits
    }

    /// What to tell a refused caller to wait, in whole seconds: the queue's patience, at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        self.0.limits.wait.as_millis().div_ceil(1000).max(1) as u64
    }

    /// A refusal as the use cases answer it: a bad length is the `password` field's, a full
    /// queue is [`AppError::Busy`] with this hasher's wait, a failed hash is logged.
    pub fn refusal(&self, e: PasswordError) -> AppError {
        match e {
            PasswordError::TooShort | PasswordError::TooLong => {
                let rule = if matches!(e, PasswordError::TooShort) {
                    Rule::TooShort { min: MIN_CHARS }
                } else {
                    Rule::TooLong { max: MAX_CHARS }
                };
                AppError::invalid(ParseError::new("password", rule))
            }
            PasswordError::Busy => AppError::Busy {
                retry_after_secs: self.retry_after_secs(),
            },
            e @ PasswordError::Hash(_) => AppError::internal("cannot hash a password", &e),
        }
    }

    /// The PHC string of a new password (refused by [`check`] before any work).
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        check(&password)?;
        self.run(move |memory| hash_in(&password, memory)).await?
    }

    /// Whether the password matches the hash; without a hash (an unknown login, one without a
    /// password) the same work is done against [`NOBODY`] and the answer is no. A password
    /// longer than [`MAX_CHARS`] is wrong at once, without a hash, whoever it is for.
    pub async fn verify(
        &self,
        password: String,
        phc: Option<String>,
    ) -> Result<bool, PasswordError> {
        if password.chars().count() > MAX_CHARS {
            return Ok(false);
        }
        self.run(move |memory| match phc {
            Some(phc) => verify_in(&password, &phc, memory),
            None => {
                verify_in(&password, NOBODY, memory);
                false
            }
        })
        .await
    }

    /// Runs the work on a blocking thread once it has a turn, with reused memory. The permit
    /// and the memory go with the work, not with the caller: a caller that goes away (a closed
    /// connection) does not free a turn while its hash still runs.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let permit = self.turn().await?;
        let gate = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || {
            let mut memory = gate.take_memory();
            let out = work(&mut memory);
            // Nothing derived from the password stays behind in memory kept for later.
            memory.0.fill(Block::default());
            gate.give_back(memory);
            drop(permit);
            out
        })
        .await
        .map_err(|e| PasswordError::Hash(e.to_string()))
    }

    /// A permit now, or after waiting in the queue if there is room in it and a permit comes
    /// within the wait; else `Busy`.
    async fn turn(&self) -> Result<OwnedSemaphorePermit, PasswordError> {
        let gate = &self.0;
        if let Ok(permit) = Arc::clone(&gate.permits).try_acquire_owned() {
            return Ok(permit);
        }
        let ahead = gate.waiting.fetch_add(1, Ordering::SeqCst);
        let _place = Place(&gate.waiting);
        if ahead >= gate.limits.queue {
            return Err(PasswordError::Busy);
        }
        match tokio::time::timeout(gate.limits.wait, Arc::clone(&gate.permits).acquire_owned())
            .await
        {
            Ok(Ok(permit)) => Ok(permit),
            // Timed out (or the semaphore closed, which it never is).
            _ => Err(PasswordError::Busy),
        }
    }
}

impl Gate {
    fn take_memory(&self) -> Memory {
        self.memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_else(Memory::new)
    }

    fn give_back(&self, memory: Memory) {
        self.memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(memory);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn a_hash_is_an_argon2id_phc_string_that_verifies_only_its_password() {
        let phc = hash("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse", &phc));
        assert!(!verify("correct horsE", &phc));
        assert!(!verify("correct horse", "not a phc string"));
        assert_ne!(phc, hash("correct horse").expect("hash"), "salted");
    }

    #[test]
    fn hashes_are_those_of_the_argon2_crate_both_ways() {
        let ours = hash("correct horse").expect("hash");
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        let salt = SaltString::encode_b64(b"sixteen byte salt").expect("salt");
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .expect("hash")
            .to_string();
        assert!(verify("correct horse", &theirs));
        // Other parameters (less memory, more passes) verify too: they travel in the string.
        let light = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 3, 1, None).expect("params"),
        )
        .hash_password(b"correct horse", &salt)
        .expect("hash")
        .to_string();
        assert!(verify("correct horse", &light));
        assert!(!verify("correct horsE", &light));
    }

    #[test]
    fn the_stand_in_for_a_missing_hash_costs_a_default_hash_and_matches_nothing() {
        let parsed = PasswordHash::new(NOBODY).expect("a PHC string");
        let params = Params::try_from(&parsed).expect("params");
        let default = Params::default();
        assert_eq!(
            (
                params.m_cost(),
                params.t_cost(),
                params.p_cost(),
                params.output_len()
            ),
            (
                default.m_cost(),
                default.t_cost(),
                default.p_cost(),
                Some(Params::DEFAULT_OUTPUT_LEN)
            )
        );
        assert!(!verify("", NOBODY));
        assert!(!verify("gridloop-demo", NOBODY));
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(matches!(hash("1234567"), Err(PasswordError::TooShort)));
        assert!(check("12345678").is_ok());
        assert!(check("八个汉字的密码呀").is_ok(), "characters, not bytes");
        assert!(matches!(
            check(&"x".repeat(MAX_CHARS + 1)),
            Err(PasswordError::TooLong)
        ));
    }

    fn limits(at_once: usize, queue: usize, wait_ms: u64) -> HashLimits {
        HashLimits {
            at_once,
            queue,
            wait: Duration::from_millis(wait_ms),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn beyond_the_running_hashes_and_the_queue_callers_are_refused_at_once() {
        let hasher = Hasher::new(limits(1, 1, 60_000));
        let phc = hash("correct horse").expect("hash");
        let calls: Vec<_> = (0..4)
            .map(|_| {
                let hasher = hasher.clone();
                let phc = phc.clone();
                tokio::spawn(
                    async move { hasher.verify("correct horse".to_owned(), Some(phc)).await },
                )
            })
            .collect();
        let mut matched = 0;
        let mut busy = 0;
        for call in calls {
            match call.await.expect("task") {
                Ok(true) => matched += 1,
                Err(PasswordError::Busy) => busy += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((matched, busy), (2, 2), "one running, one waiting");
        assert_eq!(hasher.0.waiting.load(Ordering::SeqCst), 0);
        assert!(
            hasher.0.memory.lock().expect("lock").len() <= 1,
            "one buffer per hash at once, reused"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_waits_too_long_is_refused_and_leaves_the_queue() {
        let hasher = Hasher::new(limits(1, 8, 1));
        let first = {
            let hasher = hasher.clone();
            tokio::spawn(async move { hasher.hash("correct horse".to_owned()).await })
        };
        // Let the first take the only turn.
        while hasher.0.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let late = hasher.verify("correct horse".to_owned(), None).await;
        assert!(matches!(late, Err(PasswordError::Busy)), "{late:?}");
        assert_eq!(hasher.0.waiting.load(Ordering::SeqCst), 0);
        assert!(first.await.expect("task").is_ok());
        assert!(matches!(
            hasher.verify("x".repeat(MAX_CHARS + 1), None).await,
            Ok(false)
        ));
        assert_eq!(hasher.retry_after_secs(), 1);
    }
}

//! Passwords: argon2id hashes in the PHC string format, made and checked here only.
//!
//! The parameters are the argon2 crate's defaults (argon2id, v=19, 19 MiB, 2 passes), which
//! OWASP recommends as a minimum; they travel inside each PHC string, so raising them later
//! leaves older hashes verifiable. Hashing takes tens of milliseconds of CPU on purpose, so
//! callers on the async runtime use [`hash_blocking`] and [`verify_blocking`].

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Shorter passwords are refused.
pub const MIN_CHARS: usize = 8;
/// Longer ones too: hashing a megabyte for every sign-in attempt is a denial of service.
pub const MAX_CHARS: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("the password is too short: use at least {MIN_CHARS} characters")]
    TooShort,
    #[error("the password is too long: use at most {MAX_CHARS} characters")]
    TooLong,
    #[error("cannot hash the password: {0}")]
    Hash(String),
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

/// The PHC string of a new password, with a fresh random salt. Refuses one that fails [`check`].
pub fn hash(password: &str) -> Result<String, PasswordError> {
    check(password)?;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether the password matches the PHC string. A malformed string matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.chars().count() > MAX_CHARS {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time a verification takes, for a login that has no password: an unknown login
/// then answers as slowly as a wrong password, and timing reveals nothing.
pub fn verify_nothing(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not a password anyone has").ok());
    if let Some(phc) = dummy {
        let _ = verify(password, phc);
    }
}

/// [`hash`] off the async threads.
pub async fn hash_blocking(password: String) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| PasswordError::Hash(e.to_string()))?
}

/// [`verify`] against the hash if there is one, else [`verify_nothing`]; off the async threads.
pub async fn verify_blocking(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => {
            verify_nothing(&password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_an_argon2id_phc_string_that_verifies_only_its_password() {
        let phc = hash("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        assert!(verify("correct horse", &phc));
        assert!(!verify("correct horsE", &phc));
        assert!(!verify("correct horse", "not a phc string"));
        assert_ne!(phc, hash("correct horse").expect("hash"), "salted");
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
}

//! Passwords (argon2id, salted) and bearer secrets (random, stored as SHA-256).
//!
//! Passwords are slow to check on purpose; API tokens and session cookies are long random
//! secrets, so a fast hash is enough and lets them be looked up by hash.
//!
//! Hashing and checking a password take tens of milliseconds of CPU: the use cases call
//! [`hash_password_off_thread`] and [`check_password`], which run Argon2 on tokio's blocking pool
//! so that a few sign-ins do not hold up every other request on the runtime's worker threads.
//! [`check_password`] checks a sign-in for a name that has no password against [`dummy_hash`], so
//! that an unknown name takes as long to refuse as a known name with a wrong password.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;
use sha2::{Digest, Sha256};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Hashes a password for storage (PHC string).
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the stored `hash` (a malformed hash never matches).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// [`hash_password`] on the blocking pool.
pub async fn hash_password_off_thread(password: &str) -> Result<String, PasswordError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| PasswordError::Hash(e.to_string()))?
}

/// Whether `password` matches `stored`, checked on the blocking pool. Without a stored hash (an
/// unknown name, an account without a password) it checks against [`dummy_hash`] and answers
/// `false`, taking the same time as a wrong password for a known name.
pub async fn check_password(password: &str, stored: Option<&str>) -> Result<bool, PasswordError> {
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    tokio::task::spawn_blocking(move || match stored {
        Some(hash) => verify_password(&password, &hash),
        None => {
            let _ = verify_password(&password, dummy_hash());
            DUMMY_CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            false
        }
    })
    .await
    .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Checks made against [`dummy_hash`] since the process started.
static DUMMY_CHECKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many sign-ins without a stored hash have been checked against [`dummy_hash`] (the
/// timing-uniformity test reads it).
pub fn dummy_checks() -> u64 {
    DUMMY_CHECKS.load(std::sync::atomic::Ordering::Relaxed)
}

/// A hash with the same parameters as every stored one, of a password nobody has: what a sign-in
/// for a name without a password is checked against. Made once, on first use.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt_bytes: [u8; 16] = rand::rng().random();
        SaltString::encode_b64(&salt_bytes)
            .ok()
            .and_then(|salt| {
                Argon2::default()
                    .hash_password(new_secret("dummy_").as_bytes(), &salt)
                    .map(|h| h.to_string())
                    .ok()
            })
            .unwrap_or_default()
    })
}

/// A password that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Too short.
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    /// The hasher failed.
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// A new random secret with a recognisable prefix (`ocp_` API tokens, `ocs_` sessions).
pub fn new_secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("{prefix}{}", hex::encode(bytes))
}

/// A password a person can type once and must change: 16 letters and digits.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The stored form of a secret: SHA-256, hex.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_short_ones_are_refused() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("anything", "not a hash"));
        assert!(matches!(hash_password("short"), Err(PasswordError::TooShort)));
    }

    #[test]
    fn the_dummy_hash_has_the_parameters_of_a_real_one() {
        let real = PasswordHash::new(&hash_password("correct horse battery").unwrap())
            .unwrap()
            .params
            .to_string();
        let dummy = PasswordHash::new(dummy_hash()).unwrap();
        assert_eq!(dummy.algorithm.as_str(), "argon2id");
        assert_eq!(dummy.params.to_string(), real);
    }

    #[tokio::test]
    async fn checking_without_a_stored_hash_is_never_a_match() {
        assert!(!check_password("", None).await.unwrap());
        let h = hash_password_off_thread("correct horse battery").await.unwrap();
        assert!(check_password("correct horse battery", Some(&h)).await.unwrap());
        assert!(!check_password("wrong horse battery", Some(&h)).await.unwrap());
    }

    #[test]
    fn secrets_are_long_random_and_hashed() {
        let (a, b) = (new_secret("ocp_"), new_secret("ocp_"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), secret_hash(&b));
        assert_eq!(one_time_password().len(), 16);
    }
}

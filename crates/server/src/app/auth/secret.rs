//! Passwords (argon2id, salted) and bearer secrets (random, stored as SHA-256).
//!
//! Passwords are slow to check on purpose; API tokens and session cookies are long random
//! secrets, so a fast hash is enough and lets them be looked up by hash.
//!
//! Hashing and checking a password take tens of milliseconds of CPU and about 19 MiB of memory
//! (Argon2id's default `m = 19456` KiB): the use cases take a turn at the context's
//! [`PasswordGate`] and run Argon2 on tokio's blocking pool ([`PasswordTurn::check`],
//! [`PasswordTurn::hash`]), so that a few sign-ins do not hold up every other request on the
//! runtime's worker threads, and a flood of them cannot take more than a bounded amount of
//! memory: twice as many checks as the machine has cores run at once, as many again wait, and
//! the rest are refused at once ([`PasswordError::Busy`], answered 503 with `Retry-After`):
//!
//! ```text
//! 2 cores, 200 sign-ins at once:  4 checked (4 × 19 MiB), 4 waiting, 192 answered 503 at once
//! ```
//!
//! A sign-in for a name that has no password is checked against [`dummy_hash`], so that an
//! unknown name takes as long to refuse as a known name with a wrong password.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

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

/// How many passwords are checked (or hashed) at once, and how many may wait for a turn.
/// Cheap to clone: the clones share the count.
#[derive(Debug, Clone)]
pub struct PasswordGate {
    inner: Arc<Gate>,
}

#[derive(Debug)]
struct Gate {
    turns: Arc<tokio::sync::Semaphore>,
    at_once: usize,
    may_wait: usize,
    longest_wait: Duration,
    waiting: AtomicUsize,
    running: AtomicUsize,
    peak: AtomicUsize,
    dummy_checks: AtomicUsize,
}

/// The longest a password waits for its turn before it is refused as [`PasswordError::Busy`].
const LONGEST_WAIT: Duration = Duration::from_secs(2);

impl PasswordGate {
    /// `at_once` checks at a time (at least one), and as many waiting.
    pub fn new(at_once: usize) -> PasswordGate {
        PasswordGate::waiting_at_most(at_once, LONGEST_WAIT)
    }

    fn waiting_at_most(at_once: usize, longest_wait: Duration) -> PasswordGate {
        let at_once = at_once.max(1);
        PasswordGate {
            inner: Arc::new(Gate {
                turns: Arc::new(tokio::sync::Semaphore::new(at_once)),
                at_once,
                may_wait: at_once,
                longest_wait,
                waiting: AtomicUsize::new(0),
                running: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
                dummy_checks: AtomicUsize::new(0),
            }),
        }
    }

    /// Twice as many checks at once as this machine has cores (`[server] password_checks_at_once`
    /// says otherwise).
    pub fn for_this_machine() -> PasswordGate {
        PasswordGate::new(2 * std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// How many checks run at once.
    pub fn at_once(&self) -> usize {
        self.inner.at_once
    }

    /// The most checks that ever ran at once through this gate.
    pub fn peak(&self) -> usize {
        self.inner.peak.load(Ordering::Relaxed)
    }

    /// How many sign-ins without a stored hash this gate has checked against [`dummy_hash`] (the
    /// timing-uniformity test reads it).
    pub fn dummy_checks(&self) -> usize {
        self.inner.dummy_checks.load(Ordering::Relaxed)
    }

    /// A turn to check or hash one password: at once if one is free, after a short wait if few
    /// are waiting, else [`PasswordError::Busy`].
    pub async fn turn(&self) -> Result<PasswordTurn, PasswordError> {
        let gate = &self.inner;
        let permit = match gate.turns.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if gate.waiting.fetch_add(1, Ordering::AcqRel) >= gate.may_wait {
                    gate.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(PasswordError::Busy);
                }
                // Counted out again however the wait ends, the request dropped included.
                struct Waiting<'a>(&'a AtomicUsize);
                impl Drop for Waiting<'_> {
                    fn drop(&mut self) {
                        self.0.fetch_sub(1, Ordering::AcqRel);
                    }
                }
                let _waiting = Waiting(&gate.waiting);
                match tokio::time::timeout(gate.longest_wait, gate.turns.clone().acquire_owned()).await {
                    Ok(Ok(permit)) => permit,
                    _ => return Err(PasswordError::Busy),
                }
            }
        };
        Ok(PasswordTurn {
            _permit: permit,
            gate: self.inner.clone(),
        })
    }
}

/// One password's turn at a [`PasswordGate`], used by [`PasswordTurn::check`] or
/// [`PasswordTurn::hash`]. It is held until Argon2 has finished, even when the request that took
/// it is dropped meanwhile, so the gate counts the memory actually in use.
#[derive(Debug)]
pub struct PasswordTurn {
    _permit: tokio::sync::OwnedSemaphorePermit,
    gate: Arc<Gate>,
}

impl PasswordTurn {
    /// Runs `f` on the blocking pool, holding the turn.
    async fn run<T: Send + 'static>(self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, PasswordError> {
        tokio::task::spawn_blocking(move || {
            let now = self.gate.running.fetch_add(1, Ordering::AcqRel) + 1;
            self.gate.peak.fetch_max(now, Ordering::AcqRel);
            let out = f();
            self.gate.running.fetch_sub(1, Ordering::AcqRel);
            drop(self);
            out
        })
        .await
        .map_err(|e| PasswordError::Hash(e.to_string()))
    }

    /// [`hash_password`] on the blocking pool.
    pub async fn hash(self, password: &str) -> Result<String, PasswordError> {
        let password = password.to_owned();
        self.run(move || hash_password(&password)).await?
    }

    /// Whether `password` matches `stored`, checked on the blocking pool. Without a stored hash
    /// (an unknown name, an account without a password) it checks against [`dummy_hash`] and
    /// answers `false`, taking the same time as a wrong password for a known name.
    pub async fn check(self, password: &str, stored: Option<&str>) -> Result<bool, PasswordError> {
        let password = password.to_owned();
        let stored = stored.map(str::to_owned);
        let gate = self.gate.clone();
        self.run(move || match stored {
            Some(hash) => verify_password(&password, &hash),
            None => {
                let _ = verify_password(&password, dummy_hash());
                gate.dummy_checks.fetch_add(1, Ordering::Relaxed);
                false
            }
        })
        .await
    }
}

/// [`hash_password`] on the blocking pool, after a turn at `gate`.
pub async fn hash_password_off_thread(gate: &PasswordGate, password: &str) -> Result<String, PasswordError> {
    gate.turn().await?.hash(password).await
}

/// [`PasswordTurn::check`], after a turn at `gate`.
pub async fn check_password(gate: &PasswordGate, password: &str, stored: Option<&str>) -> Result<bool, PasswordError> {
    gate.turn().await?.check(password, stored).await
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
    /// Too many passwords are being checked at once (see [`PasswordGate`]).
    #[error("the server is checking too many passwords at once; try again in a second")]
    Busy,
}

impl PasswordError {
    /// The use case's error for a password that could not be hashed or checked: [`AppError::Busy`]
    /// for a full gate, an internal error otherwise (a password too short is the caller's to
    /// name).
    pub fn into_app(self) -> crate::app::AppError {
        match self {
            PasswordError::Busy => crate::app::AppError::Busy {
                detail: self.to_string(),
                retry_after: 1,
            },
            other => crate::app::AppError::Internal(anyhow::anyhow!(other)),
        }
    }
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
        let gate = PasswordGate::new(1);
        assert!(!check_password(&gate, "", None).await.unwrap());
        let h = hash_password_off_thread(&gate, "correct horse battery").await.unwrap();
        assert!(check_password(&gate, "correct horse battery", Some(&h)).await.unwrap());
        assert!(!check_password(&gate, "wrong horse battery", Some(&h)).await.unwrap());
    }

    #[tokio::test]
    async fn the_gate_lets_so_many_run_so_many_wait_and_refuses_the_rest() {
        let gate = PasswordGate::new(2);
        let (a, b) = (gate.turn().await.unwrap(), gate.turn().await.unwrap());
        // Two running: the next two wait, the fifth is refused at once.
        let waiting: Vec<_> = (0..2)
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move { gate.turn().await.map(|_| ()) })
            })
            .collect();
        while gate.inner.waiting.load(Ordering::Acquire) < 2 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(gate.turn().await, Err(PasswordError::Busy)));
        // A turn given back lets a waiter in; the waiters never make a third at once.
        drop(a);
        drop(b);
        for w in waiting {
            w.await.unwrap().unwrap();
        }
        assert_eq!(gate.inner.waiting.load(Ordering::Acquire), 0);
        let h = gate.turn().await.unwrap().hash("correct horse battery").await.unwrap();
        assert!(
            gate.turn()
                .await
                .unwrap()
                .check("correct horse battery", Some(&h))
                .await
                .unwrap()
        );
        assert_eq!(gate.peak(), 1);
    }

    #[tokio::test]
    async fn a_wait_too_long_is_refused() {
        let wait = Duration::from_millis(100);
        let gate = PasswordGate::waiting_at_most(1, wait);
        let _held = gate.turn().await.unwrap();
        let started = std::time::Instant::now();
        assert!(matches!(gate.turn().await, Err(PasswordError::Busy)));
        assert!(started.elapsed() >= wait);
        assert_eq!(gate.inner.waiting.load(Ordering::Acquire), 0);
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

//! What protects the server from too much: request timeouts, sign-in throttling per client
//! address (and, through [`crate::app::auth::throttle`], per name and address and per name),
//! how many passwords are checked at once, and who may read `/metrics`.
//!
//! | limit | default | kept | answer |
//! |---|---|---|---|
//! | request body | 64 KiB (1 MiB intake, catalogue file larger), read only once the caller is known | — | 413 |
//! | request time | 30 s (`[server] request_timeout_secs`) | — | 503 `timeout` |
//! | sign-in attempts per client address (an IPv6 address by its /64) | 30 a minute (`[server] sign_ins_per_minute`) | in memory, per replica | 429 + `Retry-After` |
//! | failed sign-ins per (name, address) | 5 free, then 30 s doubling up to 15 min (`lockout_after`, `lockout_minutes`) | in the database, shared by replicas | 429 + `Retry-After` |
//! | failed sign-ins per name over all addresses | 10 free, then 1 s doubling up to 60 s for addresses that have not signed in to it (`account_free_failures`, `account_longest_wait_secs`) | in the database, shared by replicas | 429 + `Retry-After` |
//! | passwords checked at once | twice the cores, as many more waiting (`password_checks_at_once`) | per process | 503 `busy` + `Retry-After` |
//! | request line and headers | 15 s (`header_timeout_secs`), also the keep-alive idle time | — | connection closed |
//! | a connection moving no byte while no request is handled | 60 s (`idle_timeout_secs`) | — | connection closed |
//! | connections at once | 512 (`max_connections`) | per process | the next waits in the listen queue |
//!
//! No count locks an account: the right password is refused only while the address that sends
//! it waits, and an address the account has signed in from waits only for its own failures.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::TimeDelta;

use crate::app::AppError;
use crate::app::auth::throttle::{AccountBackoff, Backoff, Throttle};

/// The limits in force.
#[derive(Debug)]
pub struct Limits {
    /// How long a request may take before it is answered with 503.
    pub request_timeout: Duration,
    /// Sign-in attempts a client address may make per minute.
    pub sign_ins_per_minute: u32,
    /// Failed sign-ins per (name, address) before the pair has to wait.
    pub lockout_after: i32,
    /// The longest a (name, address) pair waits.
    pub lockout_for: TimeDelta,
    /// Failed sign-ins per name over all addresses before its attempts are spaced out.
    pub account_free: i32,
    /// The longest space between a name's attempts from addresses new to it.
    pub account_longest: TimeDelta,
    /// Passwords checked at once (as many more may wait; see
    /// [`PasswordGate`](crate::app::auth::secret::PasswordGate)).
    pub password_checks_at_once: usize,
    /// Take the client address from the last `X-Forwarded-For` entry (behind a reverse proxy).
    pub trust_forwarded_for: bool,
    /// The bearer token `/metrics` requires, if any.
    pub metrics_token: Option<String>,
    /// The sign-in attempts counted so far, by client address.
    pub attempts: Attempts,
    /// How connections are kept (read by `serve`'s accept loop).
    pub connections: Connections,
}

/// A page's request whose body was over its route's limit, marked so by `serve`'s `admit` (which
/// reads a write's body on SQLite) and handed on without its body: the page says so on the page
/// ([`crate::web::body_limit`]'s routes), as it does where its route's own limit refuses the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTooLarge {
    /// The route's limit, in bytes.
    pub limit: usize,
}

/// How long a connection may dawdle, and how many are served at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connections {
    /// Longest a client may take to send a request's line and headers (counted, on a kept-alive
    /// connection, from the end of the previous answer).
    pub header_timeout: Duration,
    /// Longest a connection may go with no byte either way while no request is handled.
    pub idle_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            header_timeout: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
        }
    }
}

/// Sign-in attempts per client address in the current minute (kept in memory).
#[derive(Debug, Default)]
pub struct Attempts(Mutex<HashMap<String, Window>>);

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    attempts: u32,
}

/// How long a sign-in window lasts.
const WINDOW: Duration = Duration::from_secs(60);

/// Addresses remembered before expired windows are swept out.
const SWEEP_AT: usize = 10_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_timeout: Duration::from_secs(30),
            sign_ins_per_minute: 30,
            lockout_after: 5,
            lockout_for: TimeDelta::minutes(15),
            account_free: 10,
            account_longest: TimeDelta::seconds(60),
            password_checks_at_once: crate::app::auth::secret::PasswordGate::for_this_machine().at_once(),
            trust_forwarded_for: false,
            metrics_token: None,
            attempts: Attempts::default(),
            connections: Connections::default(),
        }
    }
}

impl Limits {
    /// The sign-in backoffs per (name, address) and per name these limits ask for.
    pub fn throttle(&self) -> Throttle {
        Throttle {
            pair: Backoff {
                free: self.lockout_after,
                longest: self.lockout_for,
            },
            account: AccountBackoff {
                free: self.account_free,
                longest: self.account_longest,
            },
        }
    }

    /// Counts a sign-in attempt from `addr` (an [`address_group`](crate::app::auth::throttle::address_group));
    /// refuses it when the address has used up its minute.
    pub fn sign_in_attempt(&self, addr: &str, now: Instant) -> Result<(), AppError> {
        let mut windows = self.attempts.0.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, w| now.duration_since(w.started) < WINDOW);
        }
        let w = windows.entry(addr.to_owned()).or_insert(Window {
            started: now,
            attempts: 0,
        });
        if now.duration_since(w.started) >= WINDOW {
            *w = Window {
                started: now,
                attempts: 0,
            };
        }
        if w.attempts >= self.sign_ins_per_minute {
            let wait = WINDOW.saturating_sub(now.duration_since(w.started)).as_secs().max(1);
            return Err(AppError::TooManyRequests {
                detail: format!(
                    "too many sign-in attempts from {addr}: at most {} a minute; try again in {wait} s",
                    self.sign_ins_per_minute
                ),
                retry_after: wait,
            });
        }
        w.attempts += 1;
        Ok(())
    }
}

impl Limits {
    /// The limits `[server]` asks for (defaults where it says nothing).
    pub fn from_config(server: &crate::config::ServerConfig) -> anyhow::Result<Limits> {
        let positive = |v: Option<u64>, key: &str| match v {
            Some(0) => anyhow::bail!("[server] {key} must be at least 1"),
            other => Ok(other),
        };
        let mut l = Limits::default();
        if let Some(s) = positive(server.request_timeout_secs, "request_timeout_secs")? {
            l.request_timeout = std::time::Duration::from_secs(s);
        }
        if let Some(n) = positive(server.sign_ins_per_minute.map(u64::from), "sign_ins_per_minute")? {
            l.sign_ins_per_minute = n as u32;
        }
        if let Some(n) = positive(server.lockout_after.map(u64::from), "lockout_after")? {
            l.lockout_after = n as i32;
        }
        if let Some(m) = positive(server.lockout_minutes.map(u64::from), "lockout_minutes")? {
            l.lockout_for = chrono::TimeDelta::minutes(m as i64);
        }
        if let Some(n) = positive(server.account_free_failures.map(u64::from), "account_free_failures")? {
            l.account_free = n as i32;
        }
        if let Some(s) = positive(
            server.account_longest_wait_secs.map(u64::from),
            "account_longest_wait_secs",
        )? {
            l.account_longest = chrono::TimeDelta::seconds(s as i64);
        }
        if let Some(n) = positive(server.password_checks_at_once.map(u64::from), "password_checks_at_once")? {
            l.password_checks_at_once = n as usize;
        }
        if let Some(s) = positive(server.header_timeout_secs, "header_timeout_secs")? {
            l.connections.header_timeout = Duration::from_secs(s);
        }
        if let Some(s) = positive(server.idle_timeout_secs, "idle_timeout_secs")? {
            l.connections.idle_timeout = Duration::from_secs(s);
        }
        if let Some(n) = positive(server.max_connections.map(u64::from), "max_connections")? {
            l.connections.max_connections = n as usize;
        }
        l.trust_forwarded_for = server.trust_forwarded_for;
        l.metrics_token = std::env::var("OPSCLOCK_METRICS_TOKEN")
            .ok()
            .or_else(|| server.metrics_token.clone())
            .filter(|t| !t.is_empty());
        Ok(l)
    }
}

/// Whether reading a body failed for its length (not for the client going away).
pub fn over_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_quota_per_minute_and_others_are_not_affected() {
        let limits = Limits {
            sign_ins_per_minute: 3,
            ..Limits::default()
        };
        let t0 = Instant::now();
        for _ in 0..3 {
            limits.sign_in_attempt("10.0.0.1", t0).unwrap();
        }
        let refused = limits
            .sign_in_attempt("10.0.0.1", t0 + Duration::from_secs(20))
            .unwrap_err();
        match refused {
            AppError::TooManyRequests { retry_after, .. } => assert_eq!(retry_after, 40),
            other => panic!("{other:?}"),
        }
        limits.sign_in_attempt("10.0.0.2", t0).unwrap();
        limits.sign_in_attempt("10.0.0.1", t0 + WINDOW).unwrap();
    }
}

//! Where "now" comes from: the system clock in production, a hand-set one in tests.
//!
//! The scheduler's sweep and the mailer never call `Utc::now()` themselves; they ask a
//! [`TimeSource`], so a test can drive hours of SLA time through them in milliseconds.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// A source of the current instant.
pub trait TimeSource: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemTime;

impl TimeSource for SystemTime {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told to move (for tests).
#[derive(Debug)]
pub struct ManualTime(Mutex<DateTime<Utc>>);

impl ManualTime {
    /// A clock showing `at`.
    pub fn new(at: DateTime<Utc>) -> ManualTime {
        ManualTime(Mutex::new(at))
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl TimeSource for ManualTime {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

//! Helpers for this crate's unit tests.

use chrono::{DateTime, Utc};

use crate::Calendar;

/// An instant from RFC 3339 text.
pub(crate) fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap_or_else(|e| panic!("bad instant {s:?} in a test: {e}"))
}

/// A shipped calendar by name.
pub(crate) fn calendar(name: &str) -> Calendar {
    crate::builtin::calendar(name).unwrap_or_else(|| panic!("no shipped calendar {name:?}"))
}

//! Tickets: every use case on them, and the store that keeps them.
//!
//! | file | use case |
//! |---|---|
//! | [`open`] | open a ticket (the API, the pages, alert intake and scheduled duties all come here) |
//! | [`once`] | open a ticket from a form at most once (the form's one-time token) |
//! | [`preview`] | what opening would do, without opening |
//! | [`actions`] | acknowledge, arrive, pause, regrade, resolve …, approve and reject the other party's claims |
//! | [`evidence`] | who records as which party, the claims and requests a reader sees, auto-close |
//! | [`read`] | the list with its filters, one ticket with its timeline |
//! | [`views`] | what a reader sees: the row, the clocks evaluated now, the actions allowed |
//! | [`remeasure`] | measure the clocks again after the calendars changed |
//! | [`calendars`] | the calendar each clock counts in: the system's, a clock's own, a major event's |
//! | [`store`] | the events and their projections, written in one transaction |
//! | [`fresh`] | a new ticket made ready before its transaction, and many written together |

pub mod actions;
pub mod calendars;
pub mod evidence;
pub mod fresh;
pub mod measures;
pub mod once;
pub mod open;
pub mod policy;
pub mod preview;
pub mod read;
pub mod remeasure;
pub mod store;
pub mod views;

use chrono::TimeDelta;

use crate::app::{AppError, AppResult};

pub use evidence::recording;
pub use store::*;

/// How far in the future a client-given instant may be (clock skew).
const FUTURE_SLACK: TimeDelta = TimeDelta::minutes(2);

/// `v` read as a `T`, or an invalid-input error on `field`.
fn parse<T: std::str::FromStr>(field: &str, v: &str) -> AppResult<T>
where
    T::Err: std::fmt::Display,
{
    v.parse().map_err(|e: T::Err| AppError::invalid(field, e.to_string()))
}

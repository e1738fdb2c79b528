//! # sla-clock
//!
//! Exact, explainable SLA period arithmetic for IT operations contracts: when does "4 小时内修复"
//! or "7 个工作日内" run out, for a fault logged at a given instant, in a given working calendar?
//!
//! The crate is pure: no I/O, no async, no database. The same inputs give the same deadline on
//! every machine, so the buyer and the vendor can check each other's figures.
//!
//! - [`Calendar`] ([`calendar`]): a time zone, weekly working intervals, dated holidays and make-up
//!   working days over a covered date range; a question outside the range is an error, never a guess.
//! - [`SlaDuration`] ([`duration`]): `30m`, `4h`, `3d`, `7wd`, or the contracts' Chinese phrases
//!   (`4 小时`, `7 个工作日`, `立即`).
//! - [`Calendar::deadline`] ([`period`]): the rules of the PRC Civil Code, arts. 200–204, with
//!   [`Calendar::explain_deadline`] saying which rule gave which day.
//! - [`Clock`] ([`clock`]): a target counted from a start, paused, resumed, stopped, re-graded,
//!   cancelled; its [`ClockStatus`] at any instant is a pure function of its events.
//! - [`classify`] ([`severity`]): the four contract severities from facts an engineer can state.
//! - [`Ladder`] ([`ladder`]): which escalation steps are due for a clock, and when the next is.
//! - [`DueRule`] ([`due`]): when a periodic report is due — "the 30th of the quarter's last
//!   month", "the first working day after the month".
//! - [`builtin`]: the calendars opsclock ships (`24x7`, `cn-5x8`), compiled in.
//!
//! ```
//! use chrono::{DateTime, Utc};
//! let cn = sla_clock::builtin::calendar("cn-5x8").unwrap();
//! // Reported Thursday 2026-09-24 15:00, to be repaired "7 个工作日内": the Mid-Autumn and National
//! // Day holidays are skipped and Saturday 10 October, a make-up working day, counts.
//! let start: DateTime<Utc> = "2026-09-24T15:00:00+08:00".parse().unwrap();
//! let due = cn.deadline(start, "7 个工作日".parse().unwrap()).unwrap();
//! assert_eq!(cn.local(due).to_rfc3339(), "2026-10-12T17:00:00+08:00");
//! ```

pub mod builtin;
pub mod calendar;
pub mod clock;
pub mod due;
pub mod duration;
pub mod ladder;
pub mod period;
pub mod severity;

#[cfg(test)]
mod testing;

pub use calendar::{Calendar, CalendarError, CalendarFileError, CalendarSpec, DayKind};
pub use clock::{Clock, ClockError, ClockEvent, ClockState, ClockStatus, Exclusion};
pub use due::{DueError, DueIn, DueRule};
pub use duration::{DurationParseError, DurationUnit, SlaDuration};
pub use ladder::{Channel, DueStep, Ladder, LadderError, LadderEvaluation, LadderStep, Recipient, Role, Trigger};
pub use period::{Deadline, Rule};
pub use severity::{Classification, CoreFunction, Facts, Severity, SeverityParseError, UsersAffected, classify};

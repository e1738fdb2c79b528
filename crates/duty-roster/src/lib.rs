//! # duty-roster
//!
//! Duty rosters (值班表): who is on duty when, as a pure function of the roster, its calendar
//! and its overrides.
//!
//! This is its own crate because who is on duty depends on a calendar and a roster and on
//! nothing else. The server asks it when a ticket is opened (auto-assignment goes to the
//! engineer on duty), when an escalation step names the `on_duty` role, and when it checks a
//! roster's staffing; but a roster is not part of a ticket's lifecycle: no command, event or clock
//! of a ticket depends on it, and a ticket replays to the same state whoever was on duty, so it
//! does not belong in `ticket-domain`. Nor does it belong in `sla-clock`, which says how long a
//! period is and when it runs out: a roster reads the same [`Calendar`](sla_clock::Calendar) for
//! working days, holidays and local times, but no deadline depends on who holds a shift.
//!
//! The crate is pure: no I/O, no async, no database. The same roster, calendar and overrides give
//! the same people on every machine.
//!
//! - [`Roster`] ([`ShiftLine`], [`StaffingRule`], [`Override`]): the roster as a roster file
//!   writes it, with [`TimeOfDay`], [`Days`] and [`Rotate`]; [`Roster::problems`] names each
//!   problem by its field.
//! - [`Roster::instances`] and [`Roster::on_duty`]: the [`ShiftInstance`]s in a range, or at an
//!   instant, with their people after overrides.
//! - [`gaps`]: where the shifts leave a [`StaffingRule`] short, as [`Gap`]s.
//!
//! ## Lines, turns and overrides
//!
//! A [`Roster`] has one or more shift lines. A line is a daily shift (`08:30`–`17:30`, or
//! `20:00`–`08:00` across midnight) held on some days (every day, the calendar's working days,
//! its rest days, or named weekdays) by `per_shift` people taken in turn from `members`:
//!
//! - `rotate = "daily"`: each held shift passes to the next people in the list;
//! - `rotate = "weekly"`: the same people hold the line for seven days from the anchor, then the
//!   next ones.
//!
//! Turns are counted from the line's `anchor` date, on which `members[0]` (and the next
//! `per_shift - 1`) begin; a line holds no shifts before its anchor or after its `until`.
//! "Follow the calendar" is `days = "workdays"` or `"rest_days"`: the calendar's holidays and
//! make-up working days (调休) decide, and daily turns count held shifts only, so nobody is
//! stuck with every Saturday.
//!
//! An [`Override`] changes one shift: someone off, someone on, or both (a swap is two overrides).
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use sla_clock::Calendar;
//! use duty_roster::{Override, Roster};
//! # let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/calendars/cn-5x8.toml")).unwrap();
//! let cal = Calendar::from_toml(&text).unwrap();
//! let roster: Roster = serde_json::from_value(serde_json::json!({
//!     "shifts": [
//!         {"name": "day", "start": "08:30", "end": "17:30", "days": "workdays",
//!          "rotate": "daily", "anchor": "2026-09-28", "members": ["li", "wang", "zhao"]},
//!         {"name": "night", "start": "17:30", "end": "08:30", "rotate": "weekly",
//!          "anchor": "2026-09-28", "members": ["chen", "sun"]}
//!     ]
//! })).unwrap();
//! let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
//! let who = |t: &str, o: &[Override]| -> Vec<String> {
//!     roster.on_duty(&cal, at(t), o).unwrap().into_iter().flat_map(|s| s.members).collect()
//! };
//! // Monday 28 Sep: li's day; Tuesday: wang's; the night line is chen's all week.
//! assert_eq!(who("2026-09-28T10:00:00+08:00", &[]), ["li"]);
//! assert_eq!(who("2026-09-29T10:00:00+08:00", &[]), ["wang"]);
//! assert_eq!(who("2026-09-30T03:00:00+08:00", &[]), ["chen"]);
//! // 1–7 Oct is the National Day holiday: no day shift, and the turn does not move,
//! // so Thursday 8 Oct (the 4th working day since the anchor) is li's again.
//! assert_eq!(who("2026-10-02T10:00:00+08:00", &[]), Vec::<String>::new());
//! assert_eq!(who("2026-10-08T10:00:00+08:00", &[]), ["li"]);
//! // Weekly: chen's week ends Monday 5 Oct 08:30; sun's begins at 17:30.
//! assert_eq!(who("2026-10-05T20:00:00+08:00", &[]), ["sun"]);
//! // An override: zhao covers li's shift on 8 Oct.
//! let swap = Override { line: "day".into(), date: "2026-10-08".parse().unwrap(),
//!     off: Some("li".into()), on: Some("zhao".into()), reason: "sick".into() };
//! assert_eq!(who("2026-10-08T10:00:00+08:00", &[swap]), ["zhao"]);
//! ```

mod layout;
mod roster;
mod schedule;
mod staffing;

#[cfg(test)]
mod tests;

pub use layout::{MAX_RANGE_DAYS, ShiftInstance};
pub use roster::{Override, Roster, RosterError, ShiftLine, StaffingRule};
pub use schedule::{Days, Rotate, TimeOfDay};
pub use staffing::{Gap, gaps};

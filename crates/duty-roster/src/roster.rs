//! The roster as a roster file writes it: its [`ShiftLine`]s, [`StaffingRule`]s and the
//! [`Override`]s of single shifts, and [`Roster::problems`] naming each problem by its field.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sla_clock::CalendarError;

use crate::schedule::{Days, Rotate, TimeOfDay};

/// A roster is not valid, or a question about it could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    /// The roster breaks a rule; each problem names its field.
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
    /// The calendar cannot say whether a date is a working day.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// The range asked for is too long or reversed.
    #[error("{0}")]
    Range(String),
}

/// One line of a roster: a daily shift and who holds it in turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftLine {
    /// The line's name, unique in the roster (`day`, `night`, `security-night`).
    pub name: String,
    /// The team the line staffs, for staffing rules [default: `ops`].
    #[serde(default = "ops")]
    pub team: String,
    /// When the shift begins, local time.
    pub start: TimeOfDay,
    /// When it ends; at or before `start` means the next day (`00:00`–`00:00` is 24 hours).
    pub end: TimeOfDay,
    /// Which days hold the shift (by the day it begins) [default: all].
    #[serde(default)]
    pub days: Days,
    /// How turns pass [default: daily].
    #[serde(default)]
    pub rotate: Rotate,
    /// The first day of the first turn.
    pub anchor: NaiveDate,
    /// The last day a shift of this line begins, if it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// How many people hold each shift [default: 1].
    #[serde(default = "one")]
    pub per_shift: u32,
    /// The people, in turn order (user names).
    pub members: Vec<String>,
}

fn ops() -> String {
    "ops".to_owned()
}

fn one() -> u32 {
    1
}

/// A minimum staffing rule: at every instant, at least `min` people of `team` on duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffingRule {
    /// The team (`ops`, `security`).
    pub team: String,
    /// The fewest people allowed.
    pub min: u32,
}

/// A roster: its lines and the staffing it must keep.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// The shift lines.
    pub shifts: Vec<ShiftLine>,
    /// Rules checked at every instant (e.g. a 7×24 service: at least one `ops`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staffing: Vec<StaffingRule>,
}

/// A change to one shift: `off` does not work it, `on` does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The line's name.
    pub line: String,
    /// The day the shift begins.
    pub date: NaiveDate,
    /// Who is taken off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off: Option<String>,
    /// Who is put on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// Why.
    pub reason: String,
}

impl Roster {
    /// Every problem with the roster, each naming its field; empty when valid.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.shifts.is_empty() {
            out.push("shifts: give at least one shift line".to_owned());
        }
        let mut names = BTreeMap::new();
        for (i, l) in self.shifts.iter().enumerate() {
            let at = format!("shifts[{i}]");
            if l.name.trim().is_empty() {
                out.push(format!("{at}.name: must not be empty"));
            }
            if let Some(j) = names.insert(l.name.as_str(), i) {
                out.push(format!("{at}.name: {:?} is also the name of shifts[{j}]", l.name));
            }
            if l.members.is_empty() {
                out.push(format!("{at}.members: give at least one member"));
            }
            let mut seen = std::collections::BTreeSet::new();
            for m in &l.members {
                if !seen.insert(m) {
                    out.push(format!("{at}.members: {m:?} is listed twice"));
                }
            }
            if l.per_shift == 0 || l.per_shift as usize > l.members.len().max(1) {
                out.push(format!(
                    "{at}.per_shift: {} must be between 1 and the number of members ({})",
                    l.per_shift,
                    l.members.len()
                ));
            }
            if l.until.is_some_and(|u| u < l.anchor) {
                out.push(format!("{at}.until: is before the anchor {}", l.anchor));
            }
            if let Days::Weekdays(w) = &l.days
                && w.is_empty()
            {
                out.push(format!("{at}.days: name at least one weekday"));
            }
        }
        for (i, r) in self.staffing.iter().enumerate() {
            if r.min == 0 {
                out.push(format!("staffing[{i}].min: must be at least 1"));
            }
        }
        out
    }

    /// The line called `name`.
    pub fn line(&self, name: &str) -> Option<&ShiftLine> {
        self.shifts.iter().find(|l| l.name == name)
    }
}

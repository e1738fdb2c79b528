//! Laying a roster out on its calendar: every [`ShiftInstance`] in a range with its people after
//! overrides ([`Roster::instances`]), and who is on duty at an instant ([`Roster::on_duty`]).

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sla_clock::Calendar;

use crate::roster::{Override, Roster, RosterError, ShiftLine};
use crate::schedule::{Days, Rotate, TimeOfDay};

/// The longest range [`Roster::instances`] lays out at once.
pub const MAX_RANGE_DAYS: i64 = 800;

/// One shift as held: a line on one day, with the people who hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftInstance {
    /// The line's name.
    pub line: String,
    /// The line's team.
    pub team: String,
    /// The day it begins (local).
    pub date: NaiveDate,
    /// When it begins.
    pub start: DateTime<Utc>,
    /// When it ends (exclusive).
    pub end: DateTime<Utc>,
    /// Who holds it, after overrides, in turn order then added people.
    pub members: Vec<String>,
}

impl ShiftInstance {
    /// Whether the shift covers instant `t`.
    pub fn covers(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
}

impl Roster {
    /// Every shift overlapping `[from, to)`, ordered by start then line, with `overrides`
    /// applied (overrides for other lines or days are ignored).
    pub fn instances(
        &self,
        calendar: &Calendar,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        overrides: &[Override],
    ) -> Result<Vec<ShiftInstance>, RosterError> {
        let problems = self.problems();
        if !problems.is_empty() {
            return Err(RosterError::Invalid(problems));
        }
        if to < from {
            return Err(RosterError::Range(format!("{to} is before {from}")));
        }
        if (to - from).num_days() > MAX_RANGE_DAYS {
            return Err(RosterError::Range(format!(
                "ask for at most {MAX_RANGE_DAYS} days at once"
            )));
        }
        // A shift beginning the day before `from` may reach into it.
        let first = calendar.local(from).date_naive() - TimeDelta::days(1);
        let last = calendar.local(to).date_naive();
        let mut out = Vec::new();
        for line in &self.shifts {
            let mut turn = line.turns_before(calendar, first)?;
            let mut date = first;
            while date <= last {
                if line.holds(calendar, date)? {
                    let (start, end) = line.span(calendar, date);
                    if start < to && end > from && start < end {
                        out.push(ShiftInstance {
                            line: line.name.clone(),
                            team: line.team.clone(),
                            date,
                            start,
                            end,
                            members: apply_overrides(line, date, line.members_of_turn(turn), overrides),
                        });
                    }
                    if line.rotate == Rotate::Daily {
                        turn += 1;
                    }
                }
                date += TimeDelta::days(1);
                if line.rotate == Rotate::Weekly && date >= line.anchor {
                    turn = ((date - line.anchor).num_days() / 7) as u64;
                }
            }
        }
        out.sort_by(|a, b| (a.start, &a.line).cmp(&(b.start, &b.line)));
        Ok(out)
    }

    /// The shifts on duty at instant `at`.
    pub fn on_duty(
        &self,
        calendar: &Calendar,
        at: DateTime<Utc>,
        overrides: &[Override],
    ) -> Result<Vec<ShiftInstance>, RosterError> {
        let mut v = self.instances(calendar, at, at + TimeDelta::milliseconds(1), overrides)?;
        v.retain(|s| s.covers(at));
        Ok(v)
    }
}

impl ShiftLine {
    /// Whether a shift of this line begins on `date`.
    fn holds(&self, calendar: &Calendar, date: NaiveDate) -> Result<bool, RosterError> {
        if date < self.anchor || self.until.is_some_and(|u| date > u) {
            return Ok(false);
        }
        Ok(match &self.days {
            Days::All => true,
            Days::Workdays => calendar.is_working_day(date)?,
            Days::RestDays => !calendar.is_working_day(date)?,
            Days::Weekdays(w) => w.contains(&date.weekday()),
        })
    }

    /// The shift of `date` as instants.
    fn span(&self, calendar: &Calendar, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let local = |d: NaiveDate, t: TimeOfDay| {
            let (h, m) = t.hm();
            let (d, h) = if h == 24 { (d + TimeDelta::days(1), 0) } else { (d, h) };
            calendar
                .at_local(d, h, m)
                .unwrap_or_else(|| d.and_hms_opt(h, m, 0).unwrap_or_default().and_utc())
        };
        let start = local(date, self.start);
        let end_day = if self.end <= self.start {
            date + TimeDelta::days(1)
        } else {
            date
        };
        (start, local(end_day, self.end))
    }

    /// How many turns have passed before `date` (daily: shifts held since the anchor; weekly:
    /// whole weeks since the anchor).
    fn turns_before(&self, calendar: &Calendar, date: NaiveDate) -> Result<u64, RosterError> {
        if date <= self.anchor {
            return Ok(0);
        }
        Ok(match self.rotate {
            Rotate::Weekly => ((date - self.anchor).num_days() / 7) as u64,
            Rotate::Daily => {
                let mut n = 0;
                let mut d = self.anchor;
                while d < date {
                    if self.holds(calendar, d)? {
                        n += 1;
                    }
                    d += TimeDelta::days(1);
                }
                n
            }
        })
    }

    /// The people of turn `turn`.
    fn members_of_turn(&self, turn: u64) -> Vec<String> {
        let n = self.members.len() as u64;
        let k = u64::from(self.per_shift);
        (0..k)
            .map(|i| self.members[((turn * k + i) % n) as usize].clone())
            .collect()
    }
}

fn apply_overrides(line: &ShiftLine, date: NaiveDate, mut members: Vec<String>, overrides: &[Override]) -> Vec<String> {
    for o in overrides.iter().filter(|o| o.line == line.name && o.date == date) {
        if let Some(off) = &o.off {
            members.retain(|m| m != off);
        }
        if let Some(on) = &o.on
            && !members.contains(on)
        {
            members.push(on.clone());
        }
    }
    members
}

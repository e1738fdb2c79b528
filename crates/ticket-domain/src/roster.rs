//! Duty rosters (值班表): who is on duty when, as a pure function of the roster, its calendar
//! and its overrides.
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
//! use ticket_domain::roster::{Override, Roster};
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

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc, Weekday};
use serde::{Deserialize, Serialize};
use sla_clock::{Calendar, CalendarError};

/// The longest range [`Roster::instances`] lays out at once.
pub const MAX_RANGE_DAYS: i64 = 800;

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

/// A time of day, `HH:MM`; `24:00` is the end of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay {
    minutes: u16,
}

impl TimeOfDay {
    /// Hours and minutes.
    fn hm(self) -> (u32, u32) {
        (u32::from(self.minutes / 60), u32::from(self.minutes % 60))
    }
}

impl FromStr for TimeOfDay {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not a time like \"08:30\"");
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if m >= 60 || h > 24 || (h == 24 && m != 0) || s.len() != 5 {
            return Err(bad());
        }
        Ok(TimeOfDay { minutes: h * 60 + m })
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// Which days a line holds shifts on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Days {
    /// Every day.
    #[default]
    All,
    /// The calendar's working days (make-up days included, holidays excluded).
    Workdays,
    /// The calendar's days off (weekends not made up, holidays).
    RestDays,
    /// Named weekdays, whatever the calendar says (`"mon,wed,fri"`).
    Weekdays(Vec<Weekday>),
}

impl FromStr for Days {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(Days::All),
            "workdays" => Ok(Days::Workdays),
            "rest_days" => Ok(Days::RestDays),
            list => list
                .split(',')
                .map(|d| d.trim().parse::<Weekday>())
                .collect::<Result<Vec<_>, _>>()
                .map(Days::Weekdays)
                .map_err(|_| {
                    format!("{s:?} is not \"all\", \"workdays\", \"rest_days\" or weekdays like \"mon,wed,fri\"")
                }),
        }
    }
}

impl fmt::Display for Days {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Days::All => f.write_str("all"),
            Days::Workdays => f.write_str("workdays"),
            Days::RestDays => f.write_str("rest_days"),
            Days::Weekdays(w) => {
                let names: Vec<String> = w.iter().map(|d| d.to_string().to_lowercase()).collect();
                f.write_str(&names.join(","))
            }
        }
    }
}

impl Serialize for Days {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Days {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// How turns pass along the members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rotate {
    /// Every held shift goes to the next people.
    #[default]
    Daily,
    /// Seven days each, counted from the anchor.
    Weekly,
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

/// A stretch of time with fewer people on duty than a rule asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// The rule's team.
    pub team: String,
    /// When the shortfall begins.
    pub from: DateTime<Utc>,
    /// When it ends (exclusive).
    pub to: DateTime<Utc>,
    /// How many are on duty.
    pub have: u32,
    /// How many the rule asks.
    pub need: u32,
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
            if let Days::Weekdays(w) = &l.days {
                if w.is_empty() {
                    out.push(format!("{at}.days: name at least one weekday"));
                }
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
        if let Some(on) = &o.on {
            if !members.contains(on) {
                members.push(on.clone());
            }
        }
    }
    members
}

/// Where, within `[from, to)`, the `shifts` leave a rule short: for each rule, the maximal
/// stretches with the same shortfall, ordered by team then time.
pub fn gaps(shifts: &[ShiftInstance], rules: &[StaffingRule], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Gap> {
    let mut out = Vec::new();
    for rule in rules {
        let mine: Vec<&ShiftInstance> = shifts.iter().filter(|s| s.team == rule.team).collect();
        let mut cuts: Vec<DateTime<Utc>> = vec![from, to];
        for s in &mine {
            for t in [s.start, s.end] {
                if from < t && t < to {
                    cuts.push(t);
                }
            }
        }
        cuts.sort();
        cuts.dedup();
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let mut people: Vec<&String> = mine.iter().filter(|s| s.covers(a)).flat_map(|s| &s.members).collect();
            people.sort();
            people.dedup();
            let have = people.len() as u32;
            if have >= rule.min {
                continue;
            }
            match out.last_mut() {
                Some(Gap { team, to, have: h, .. }) if *team == rule.team && *to == a && *h == have => *to = b,
                _ => out.push(Gap {
                    team: rule.team.clone(),
                    from: a,
                    to: b,
                    have,
                    need: rule.min,
                }),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> Calendar {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../config/calendars/cn-5x8.toml"
        ))
        .unwrap();
        Calendar::from_toml(&text).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn line(name: &str, start: &str, end: &str, members: &[&str]) -> ShiftLine {
        ShiftLine {
            name: name.into(),
            team: "ops".into(),
            start: start.parse().unwrap(),
            end: end.parse().unwrap(),
            days: Days::All,
            rotate: Rotate::Daily,
            anchor: "2026-03-02".parse().unwrap(),
            until: None,
            per_shift: 1,
            members: members.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn night_shift_crosses_midnight_and_belongs_to_the_day_it_began() {
        let r = Roster {
            shifts: vec![line("night", "20:00", "08:00", &["a", "b"])],
            staffing: vec![],
        };
        let s = r.on_duty(&cal(), at("2026-03-03T03:00:00+08:00"), &[]).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].date, "2026-03-02".parse::<NaiveDate>().unwrap());
        assert_eq!(s[0].members, ["a"]);
        assert_eq!(s[0].end, at("2026-03-03T08:00:00+08:00"));
        // The end is exclusive: 08:00 belongs to nobody (the next night starts at 20:00).
        assert!(
            r.on_duty(&cal(), at("2026-03-03T08:00:00+08:00"), &[])
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            r.on_duty(&cal(), at("2026-03-03T21:00:00+08:00"), &[]).unwrap()[0].members,
            ["b"]
        );
    }

    #[test]
    fn nothing_before_the_anchor_or_after_until() {
        let mut l = line("day", "09:00", "17:00", &["a"]);
        l.until = Some("2026-03-05".parse().unwrap());
        let r = Roster {
            shifts: vec![l],
            staffing: vec![],
        };
        assert!(
            r.on_duty(&cal(), at("2026-03-01T10:00:00+08:00"), &[])
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            r.on_duty(&cal(), at("2026-03-05T10:00:00+08:00"), &[]).unwrap().len(),
            1
        );
        assert!(
            r.on_duty(&cal(), at("2026-03-06T10:00:00+08:00"), &[])
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn two_per_shift_rotate_in_pairs() {
        let mut l = line("ops", "00:00", "00:00", &["a", "b", "c"]);
        l.per_shift = 2;
        let r = Roster {
            shifts: vec![l],
            staffing: vec![],
        };
        let who = |t| r.on_duty(&cal(), at(t), &[]).unwrap()[0].members.clone();
        assert_eq!(who("2026-03-02T12:00:00+08:00"), ["a", "b"]);
        assert_eq!(who("2026-03-03T12:00:00+08:00"), ["c", "a"]);
        assert_eq!(who("2026-03-04T12:00:00+08:00"), ["b", "c"]);
    }

    #[test]
    fn gaps_report_the_shortfall_and_merge_equal_neighbours() {
        let r = Roster {
            shifts: vec![
                line("day", "08:00", "20:00", &["a", "b"]),
                line("night", "20:00", "08:00", &["c"]),
            ],
            staffing: vec![StaffingRule {
                team: "ops".into(),
                min: 1,
            }],
        };
        let from = at("2026-03-02T00:00:00+08:00");
        let to = at("2026-03-04T00:00:00+08:00");
        let off = Override {
            line: "night".into(),
            date: "2026-03-02".parse().unwrap(),
            off: Some("c".into()),
            on: None,
            reason: "leave".into(),
        };
        let shifts = r.instances(&cal(), from, to, &[off]).unwrap();
        let g = gaps(&shifts, &r.staffing, from, to);
        // Before the anchor's first shift (00:00–08:00 on the 2nd) and the night of the 2nd.
        assert_eq!(g.len(), 2, "{g:?}");
        assert_eq!((g[0].from, g[0].to), (from, at("2026-03-02T08:00:00+08:00")));
        assert_eq!(
            (g[1].from, g[1].to, g[1].have),
            (at("2026-03-02T20:00:00+08:00"), at("2026-03-03T08:00:00+08:00"), 0)
        );
    }

    #[test]
    fn problems_name_their_fields() {
        let mut l = line("day", "09:00", "17:00", &["a", "a"]);
        l.per_shift = 3;
        let r = Roster {
            shifts: vec![l.clone(), l],
            staffing: vec![StaffingRule {
                team: "ops".into(),
                min: 0,
            }],
        };
        let p = r.problems().join("\n");
        assert!(p.contains("shifts[0].members: \"a\" is listed twice"), "{p}");
        assert!(
            p.contains("shifts[1].name: \"day\" is also the name of shifts[0]"),
            "{p}"
        );
        assert!(p.contains("shifts[0].per_shift: 3 must be between 1"), "{p}");
        assert!(p.contains("staffing[0].min"), "{p}");
        assert!("25:00".parse::<TimeOfDay>().is_err());
        assert!("8:30".parse::<TimeOfDay>().is_err());
        assert_eq!(
            "mon,fri".parse::<Days>().unwrap(),
            Days::Weekdays(vec![Weekday::Mon, Weekday::Fri])
        );
        assert!("weekends".parse::<Days>().is_err());
    }
}

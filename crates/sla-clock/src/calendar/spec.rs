//! What a calendar says, as written by a person: the TOML file format and its validation.
//!
//! ```toml
//! name = "cn-5x8"                      # must match the file name (cn-5x8.toml)
//! zone = "Asia/Shanghai"               # IANA time zone
//! description = "China's official working days, 09:00-17:00"
//! covers = { from = 2025-01-01, to = 2026-12-31 }   # the years whose arrangements are published
//! makeup_hours = ["09:00-17:00"]       # default hours of a make-up working day
//!
//! [week]                               # working intervals per weekday; a missing day does not work
//! mon = ["09:00-12:00", "13:30-17:30"] # several intervals allowed (lunch break)
//! sat = []
//!
//! [[holidays]]                         # dated non-working days (a range, both ends included)
//! name = "春节"
//! from = 2026-02-15
//! to = 2026-02-23                      # optional: defaults to `from`
//!
//! [[makeup_days]]                      # dated working days (调休上班)
//! name = "春节调休"
//! date = 2026-02-14
//! hours = ["09:00-17:00"]              # optional: defaults to `makeup_hours`
//! ```
//!
//! Times are `HH:MM` in the calendar's zone; an interval may end at `24:00`.
//!
//! ## Coverage: published years, then provisional
//!
//! `covers` names the dates whose holidays and make-up days the file has: the published years.
//! Before `covers.from` a calendar answers nothing (a question about 2023 is an error that names
//! 2023). After `covers.to` it keeps counting for [`PROVISIONAL_YEARS`] more years with the weekly
//! schedule alone, and every answer that rests on those days is *provisional*: the State Council
//! may still declare a holiday there (see [`super::Calendar::is_provisional`]).
//!
//! A calendar with no holidays and no make-up days may leave out `covers`: its weekly schedule is
//! the whole truth, so it answers every date from [`UNDATED_FROM`] to [`UNDATED_TO`] and nothing it
//! says is provisional. The shipped `24x7` is such a calendar.
//!
//! ## Service around the clock, deadlines in working days (`all_hours`)
//!
//! Many contracts promise 7×24 service ("30 分钟内响应") yet count long repairs in working days
//! ("7 个工作日内修复"). With `all_hours = true` every minute of every covered day is service time
//! (minutes and hours count wall-clock time, holidays included), while `[week]`, `holidays` and
//! `makeup_days` decide only which days are *working days* for periods counted in days; such a
//! day ends at 24:00 (art. 203 ¶2 with no business hours). The shipped `cn-7x24` works this way:
//!
//! ```toml
//! name = "cn-7x24"
//! all_hours = true
//! makeup_hours = ["00:00-24:00"]
//! [week]
//! mon = ["00:00-24:00"]                # …tue to fri alike; sat and sun are not working days
//! ```

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;

/// A working interval within one day, `[start, end)` in minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DayInterval {
    /// Minutes after midnight at which work starts (0..1440).
    pub start: u16,
    /// Minutes after midnight at which work stops (start < end ≤ 1440; 1440 is 24:00).
    pub end: u16,
}

impl DayInterval {
    /// The whole day, 00:00–24:00.
    pub const WHOLE_DAY: DayInterval = DayInterval { start: 0, end: 1440 };

    /// Parses `"HH:MM-HH:MM"`.
    pub fn parse(text: &str) -> Result<DayInterval, String> {
        let (a, b) = text
            .split_once('-')
            .ok_or_else(|| format!("{text:?} is not an interval like \"09:00-17:00\""))?;
        let start = parse_hhmm(a.trim())?;
        let end = parse_hhmm(b.trim())?;
        if start >= end {
            return Err(format!("{text:?} ends before it starts"));
        }
        if start == 1440 {
            return Err(format!("{text:?} starts at 24:00"));
        }
        Ok(DayInterval { start, end })
    }
}

impl fmt::Display for DayInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

fn parse_hhmm(text: &str) -> Result<u16, String> {
    let bad = || format!("{text:?} is not a time like 09:00 (00:00 to 24:00)");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u16 = h.parse().map_err(|_| bad())?;
    let m: u16 = m.parse().map_err(|_| bad())?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// How many years past `covers.to` a dated calendar keeps counting from its weekly schedule alone
/// (provisionally) before a question is an error.
pub const PROVISIONAL_YEARS: i32 = 5;

/// The first date an undated calendar (no `covers`) answers.
pub const UNDATED_FROM: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The last date an undated calendar (no `covers`) answers.
pub const UNDATED_TO: NaiveDate = match NaiveDate::from_ymd_opt(2199, 12, 31) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// A dated run of non-working days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    /// What the holiday is called (e.g. 国庆节).
    pub name: String,
    /// First day off.
    pub from: NaiveDate,
    /// Last day off (inclusive).
    pub to: NaiveDate,
}

/// A dated working day outside the weekly schedule (调休上班), with its hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MakeupDay {
    /// What it makes up for (e.g. 国庆节调休).
    pub name: String,
    /// The date.
    pub date: NaiveDate,
    /// Its working intervals.
    pub hours: Vec<DayInterval>,
}

/// A validated calendar description: everything a [`super::Calendar`] is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarSpec {
    /// Short name, e.g. `cn-5x8`.
    pub name: String,
    /// IANA time zone of the working hours.
    pub zone: Tz,
    /// One line for people.
    pub description: String,
    /// First covered date: the first day of the published years (or [`UNDATED_FROM`]).
    pub covers_from: NaiveDate,
    /// Last covered date (inclusive): the last day whose holidays and make-up days are known (or
    /// [`UNDATED_TO`]).
    pub covers_to: NaiveDate,
    /// Whether the file gave `covers`: a dated calendar follows published arrangements and counts
    /// provisionally past `covers_to`; an undated one (no `covers`, no holidays, no make-up days)
    /// is exact on every date from [`UNDATED_FROM`] to [`UNDATED_TO`].
    pub dated: bool,
    /// Working intervals per weekday, Monday first; sorted, not overlapping.
    pub week: [Vec<DayInterval>; 7],
    /// Dated holidays.
    pub holidays: Vec<Holiday>,
    /// Dated make-up working days.
    pub makeup_days: Vec<MakeupDay>,
    /// Every minute is service time; the week, holidays and make-up days only say which days are
    /// working days (see the module documentation).
    pub all_hours: bool,
}

/// One thing wrong with a calendar, located by its key path in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecProblem {
    /// Where, e.g. `holidays[3].to` or `week.mon[1]`.
    pub path: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl fmt::Display for SpecProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A calendar file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarFileError {
    /// The text is not valid TOML, or has keys of the wrong type or unknown keys.
    #[error("calendar file is not valid: {0}")]
    Syntax(String),
    /// The TOML is well formed but says something impossible; every problem is listed.
    #[error("calendar {name:?} has {} problem(s):\n  {}", problems.len(),
        problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "))]
    Invalid {
        /// The calendar's name as given (may be empty).
        name: String,
        /// Every problem found.
        problems: Vec<SpecProblem>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCalendar {
    name: String,
    #[serde(default = "default_zone")]
    zone: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    covers: Option<FileCovers>,
    #[serde(default)]
    makeup_hours: Option<Vec<String>>,
    #[serde(default)]
    week: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    holidays: Vec<FileHoliday>,
    #[serde(default)]
    makeup_days: Vec<FileMakeupDay>,
    #[serde(default)]
    all_hours: bool,
}

fn default_zone() -> String {
    "Asia/Shanghai".to_owned()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCovers {
    from: toml::value::Datetime,
    to: toml::value::Datetime,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHoliday {
    name: String,
    from: toml::value::Datetime,
    to: Option<toml::value::Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMakeupDay {
    name: String,
    date: toml::value::Datetime,
    hours: Option<Vec<String>>,
}

const WEEKDAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Collects problems while converting the file form into a spec.
struct Checker {
    problems: Vec<SpecProblem>,
}

impl Checker {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(SpecProblem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn date(&mut self, path: &str, value: &toml::value::Datetime) -> Option<NaiveDate> {
        let date = match (value.date, value.time, value.offset) {
            (Some(d), None, None) => NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day)),
            _ => None,
        };
        if date.is_none() {
            self.problem(path, format!("{value} is not a plain date like 2026-10-01"));
        }
        date
    }

    fn intervals(&mut self, path: &str, texts: &[String]) -> Vec<DayInterval> {
        let mut out = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            match DayInterval::parse(text) {
                Ok(iv) => out.push(iv),
                Err(message) => self.problem(format!("{path}[{i}]"), message),
            }
        }
        out.sort();
        for pair in out.windows(2) {
            if pair[1].start < pair[0].end {
                self.problem(path, format!("intervals {} and {} overlap", pair[0], pair[1]));
            }
        }
        out
    }
}

impl CalendarSpec {
    /// Reads a calendar from the text of a TOML file, reporting every problem with its key path.
    pub fn from_toml(text: &str) -> Result<CalendarSpec, CalendarFileError> {
        let file: FileCalendar = toml::from_str(text).map_err(|e| CalendarFileError::Syntax(e.to_string()))?;
        let mut c = Checker { problems: Vec::new() };
        let zone = match file.zone.parse::<Tz>() {
            Ok(z) => Some(z),
            Err(_) => {
                c.problem(
                    "zone",
                    format!("{:?} is not an IANA time zone such as Asia/Shanghai", file.zone),
                );
                None
            }
        };
        let (covers_from, covers_to) = match &file.covers {
            Some(covers) => (c.date("covers.from", &covers.from), c.date("covers.to", &covers.to)),
            None => {
                if !file.holidays.is_empty() || !file.makeup_days.is_empty() {
                    c.problem(
                        "covers",
                        "missing: a calendar with holidays or make-up days must say which years it covers, \
                         e.g. covers = { from = 2026-01-01, to = 2026-12-31 }",
                    );
                }
                (Some(UNDATED_FROM), Some(UNDATED_TO))
            }
        };
        let mut week: [Vec<DayInterval>; 7] = Default::default();
        for (key, texts) in &file.week {
            match WEEKDAY_KEYS.iter().position(|k| k == key) {
                Some(i) => week[i] = c.intervals(&format!("week.{key}"), texts),
                None => c.problem(
                    format!("week.{key}"),
                    "unknown weekday; expected one of mon, tue, wed, thu, fri, sat, sun",
                ),
            }
        }
        let makeup_hours = file.makeup_hours.as_ref().map(|h| c.intervals("makeup_hours", h));
        let mut holidays = Vec::new();
        for (i, h) in file.holidays.iter().enumerate() {
            let from = c.date(&format!("holidays[{i}].from"), &h.from);
            let to = match &h.to {
                Some(to) => c.date(&format!("holidays[{i}].to"), to),
                None => from,
            };
            if let (Some(from), Some(to)) = (from, to) {
                if to < from {
                    c.problem(format!("holidays[{i}].to"), format!("{to} is before from ({from})"));
                }
                holidays.push(Holiday {
                    name: h.name.clone(),
                    from,
                    to,
                });
            }
        }
        let mut makeup_days = Vec::new();
        for (i, m) in file.makeup_days.iter().enumerate() {
            let path = format!("makeup_days[{i}]");
            let date = c.date(&format!("{path}.date"), &m.date);
            let hours = match (&m.hours, &makeup_hours) {
                (Some(h), _) => c.intervals(&format!("{path}.hours"), h),
                (None, Some(default)) => default.clone(),
                (None, None) => {
                    c.problem(
                        format!("{path}.hours"),
                        "missing: give hours = [\"09:00-17:00\"] or a top-level makeup_hours",
                    );
                    Vec::new()
                }
            };
            if let Some(date) = date {
                makeup_days.push(MakeupDay {
                    name: m.name.clone(),
                    date,
                    hours,
                });
            }
        }
        let (Some(zone), Some(covers_from), Some(covers_to)) = (zone, covers_from, covers_to) else {
            return Err(CalendarFileError::Invalid {
                name: file.name,
                problems: c.problems,
            });
        };
        let spec = CalendarSpec {
            name: file.name,
            zone,
            description: file.description,
            covers_from,
            covers_to,
            dated: file.covers.is_some(),
            week,
            holidays,
            makeup_days,
            all_hours: file.all_hours,
        };
        c.problems.extend(spec.problems());
        if c.problems.is_empty() {
            Ok(spec)
        } else {
            Err(CalendarFileError::Invalid {
                name: spec.name,
                problems: c.problems,
            })
        }
    }

    /// Checks what the types cannot: names, ranges, coverage and clashes. Empty when valid.
    pub fn problems(&self) -> Vec<SpecProblem> {
        let mut c = Checker { problems: Vec::new() };
        let name_ok = !self.name.is_empty()
            && self
                .name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
        if !name_ok {
            c.problem(
                "name",
                format!("{:?} must be non-empty ASCII letters, digits, '-' or '_'", self.name),
            );
        }
        if self.covers_to < self.covers_from {
            c.problem(
                "covers.to",
                format!("{} is before covers.from ({})", self.covers_to, self.covers_from),
            );
        }
        if self.covers_from.year() < 1970 || self.covers_to.year() > 2199 {
            c.problem("covers", "coverage must lie within the years 1970 to 2199");
        }
        if !self.dated && (!self.holidays.is_empty() || !self.makeup_days.is_empty()) {
            c.problem(
                "covers",
                "missing: a calendar with holidays or make-up days must say which years it covers",
            );
        }
        let covered = |d: NaiveDate| d >= self.covers_from && d <= self.covers_to;
        let mut off: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for (i, h) in self.holidays.iter().enumerate() {
            if !covered(h.from) || !covered(h.to) {
                c.problem(
                    format!("holidays[{i}]"),
                    format!(
                        "{} ({}..={}) lies outside covers ({}..={})",
                        h.name, h.from, h.to, self.covers_from, self.covers_to
                    ),
                );
            }
            for d in h.from.iter_days().take_while(|d| *d <= h.to).take(400) {
                if let Some(j) = off.insert(d, i)
                    && j != i
                {
                    c.problem(format!("holidays[{i}]"), format!("{d} is also in holidays[{j}]"));
                }
            }
        }
        if self.week.iter().all(|day| day.is_empty()) && self.makeup_days.is_empty() {
            c.problem(
                "week",
                "no day has working hours, so no deadline could ever be reached; give at least one interval \
                 (\"00:00-24:00\" for always)",
            );
        }
        let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for (i, m) in self.makeup_days.iter().enumerate() {
            let path = format!("makeup_days[{i}]");
            if !covered(m.date) {
                c.problem(
                    &path,
                    format!(
                        "{} lies outside covers ({}..={})",
                        m.date, self.covers_from, self.covers_to
                    ),
                );
            }
            if let Some(j) = off.get(&m.date) {
                c.problem(&path, format!("{} is also a holiday (holidays[{j}])", m.date));
            }
            if let Some(j) = seen.insert(m.date, i) {
                c.problem(&path, format!("{} is also makeup_days[{j}]", m.date));
            }
            if m.hours.is_empty() {
                c.problem(
                    format!("{path}.hours"),
                    "a make-up working day needs at least one interval",
                );
            }
        }
        c.problems
    }

    /// The working intervals of a date by the weekly schedule and the dated overrides.
    pub fn intervals_on(&self, date: NaiveDate) -> DayKind<'_> {
        if let Some(m) = self.makeup_days.iter().find(|m| m.date == date) {
            return DayKind::MakeupDay {
                name: &m.name,
                hours: &m.hours,
            };
        }
        if let Some(h) = self.holidays.iter().find(|h| h.from <= date && date <= h.to) {
            return DayKind::Holiday { name: &h.name };
        }
        let hours = &self.week[weekday_index(date.weekday())];
        if hours.is_empty() {
            DayKind::Rest
        } else {
            DayKind::Regular { hours }
        }
    }
}

/// What kind of day a date is in a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind<'a> {
    /// A working day by the weekly schedule.
    Regular {
        /// Its working intervals.
        hours: &'a [DayInterval],
    },
    /// A day with no working hours in the weekly schedule (e.g. a weekend).
    Rest,
    /// A dated holiday.
    Holiday {
        /// The holiday's name.
        name: &'a str,
    },
    /// A dated make-up working day.
    MakeupDay {
        /// What it makes up for.
        name: &'a str,
        /// Its working intervals.
        hours: &'a [DayInterval],
    },
}

impl<'a> DayKind<'a> {
    /// The working intervals of the day (empty for rest days and holidays).
    pub fn hours(&self) -> &'a [DayInterval] {
        match self {
            DayKind::Regular { hours } | DayKind::MakeupDay { hours, .. } => hours,
            DayKind::Rest | DayKind::Holiday { .. } => &[],
        }
    }
}

pub(crate) fn weekday_index(w: Weekday) -> usize {
    w.num_days_from_monday() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        name = "t"
        covers = { from = 2026-01-01, to = 2026-12-31 }
        [week]
        mon = ["13:30-17:30", "09:00-12:00"]
    "#;

    #[test]
    fn reads_a_minimal_file_with_defaults() {
        let spec = CalendarSpec::from_toml(MINIMAL).unwrap();
        assert_eq!(spec.zone, chrono_tz::Asia::Shanghai);
        assert_eq!(spec.week[0].len(), 2);
        assert_eq!(spec.week[0][0].to_string(), "09:00-12:00", "intervals are sorted");
        assert!(spec.week[1].is_empty());
    }

    #[test]
    fn parses_interval_edges() {
        assert_eq!(DayInterval::parse("00:00-24:00"), Ok(DayInterval::WHOLE_DAY));
        assert!(DayInterval::parse("17:00-09:00").is_err());
        assert!(DayInterval::parse("24:00-24:00").is_err());
        assert!(DayInterval::parse("9-17").is_err());
        assert!(DayInterval::parse("09:60-17:00").is_err());
        assert!(DayInterval::parse("24:30-25:00").is_err());
    }

    #[test]
    fn reports_every_problem_with_its_key_path() {
        let text = r#"
            name = "bad name"
            zone = "Mars/Olympus"
            covers = { from = 2026-01-01, to = 2026-12-31 }
            [week]
            mon = ["09:00-12:00", "11:00-13:00"]
            fri = ["5pm"]
            [[holidays]]
            name = "x"
            from = 2026-05-05
            to = 2026-05-01
        "#;
        let err = CalendarSpec::from_toml(text).unwrap_err();
        let msg = err.to_string();
        for needle in [
            "zone: \"Mars/Olympus\"",
            "week.mon: intervals",
            "week.fri[0]",
            "holidays[0].to",
        ] {
            assert!(msg.contains(needle), "missing {needle:?} in {msg}");
        }
    }

    #[test]
    fn a_calendar_without_any_working_hours_is_refused() {
        let text = "name = \"never\"\ncovers = { from = 2026-01-01, to = 2026-12-31 }\n";
        let msg = CalendarSpec::from_toml(text).unwrap_err().to_string();
        assert!(msg.contains("week: no day has working hours"), "{msg}");
    }

    #[test]
    fn reports_clashes_and_out_of_coverage_dates() {
        let text = r#"
            name = "t"
            covers = { from = 2026-01-01, to = 2026-12-31 }
            [week]
            mon = ["09:00-17:00"]
            [[holidays]]
            name = "a"
            from = 2026-10-01
            to = 2026-10-07
            [[makeup_days]]
            name = "b"
            date = 2026-10-03
            [[makeup_days]]
            name = "c"
            date = 2027-01-02
            hours = ["09:00-17:00"]
        "#;
        let msg = CalendarSpec::from_toml(text).unwrap_err().to_string();
        assert!(msg.contains("makeup_days[0].hours: missing"), "{msg}");
        assert!(msg.contains("makeup_days[0]: 2026-10-03 is also a holiday"), "{msg}");
        assert!(msg.contains("makeup_days[1]: 2027-01-02 lies outside covers"), "{msg}");
    }

    #[test]
    fn rejects_unknown_keys_and_non_dates() {
        let unknown = MINIMAL.replace("[week]", "colour = \"red\"\n[week]");
        assert!(matches!(
            CalendarSpec::from_toml(&unknown),
            Err(CalendarFileError::Syntax(_))
        ));
        let datetime = MINIMAL.replace("from = 2026-01-01", "from = 2026-01-01T00:00:00");
        let msg = CalendarSpec::from_toml(&datetime).unwrap_err().to_string();
        assert!(msg.contains("covers.from"), "{msg}");
    }
}

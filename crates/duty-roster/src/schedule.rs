//! When a line holds its shifts and how turns pass: [`TimeOfDay`], [`Days`], [`Rotate`], with the
//! text forms a roster file writes (`"08:30"`, `"workdays"`, `"mon,wed,fri"`, `"weekly"`).

use std::fmt;
use std::str::FromStr;

use chrono::Weekday;
use serde::{Deserialize, Serialize};

/// A time of day, `HH:MM`; `24:00` is the end of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay {
    minutes: u16,
}

impl TimeOfDay {
    /// Hours and minutes.
    pub(crate) fn hm(self) -> (u32, u32) {
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

//! Calendars: when work happens, in which zone, over which covered dates.
//!
//! A [`Calendar`] is built from a [`CalendarSpec`] (usually read from a TOML file, see
//! [`spec`]) and precomputes the range it answers once, so each question afterwards costs a binary
//! search.
//!
//! The range has two parts. The *published* years (`covers` in the file) have their holidays and
//! make-up working days. Past them, for [`spec::PROVISIONAL_YEARS`] years, the calendar counts with
//! its weekly schedule alone: an answer that rests on those days is *provisional*
//! ([`Calendar::is_provisional`]) — computed, usable, escalated on, and to be measured again once
//! the year is published. A question before the published years, or past the provisional ones, is a
//! [`CalendarError::NotCovered`] naming the calendar and the year — never a guess.
//!
//! Minutes and hours on an `all_hours` calendar are wall-clock time and need no published year at
//! all; a calendar without `covers` (no holidays to publish, like `24x7`) is exact on every date.
//!
//! ```
//! use chrono::{DateTime, TimeDelta, Utc};
//! use sla_clock::{Calendar, DurationUnit};
//!
//! let cal = Calendar::from_toml(r#"
//!     name = "office"
//!     zone = "Asia/Shanghai"
//!     covers = { from = 2026-01-01, to = 2026-12-31 }
//!     [week]
//!     mon = ["09:00-12:00", "13:00-17:00"]
//!     tue = ["09:00-12:00", "13:00-17:00"]
//! "#).unwrap();
//! let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
//! // Monday 11:00 to Tuesday 10:00: 1 h before lunch, 4 h after, 1 h on Tuesday.
//! let worked = cal.elapsed(at("2026-11-23T11:00:00+08:00"), at("2026-11-24T10:00:00+08:00")).unwrap();
//! assert_eq!(worked.num_hours(), 6);
//! // 2027 is not published: counted from the weekly schedule alone, and marked provisional.
//! // Tuesday 29 December 16:00 + 2 h: 1 h that day, then 09:00-10:00 on Monday 4 January 2027.
//! let due = cal.add_working_time(at("2026-12-29T16:00:00+08:00"), TimeDelta::hours(2)).unwrap();
//! assert_eq!(due, at("2027-01-04T10:00:00+08:00"));
//! assert!(cal.is_provisional(due, DurationUnit::Hours));
//! assert!(!cal.is_provisional(at("2026-12-29T17:00:00+08:00"), DurationUnit::Hours));
//! // Before the published years there is nothing to count with: an error, not a guess.
//! let err = cal.elapsed(at("2025-12-31T10:00:00+08:00"), at("2026-01-05T10:00:00+08:00")).unwrap_err();
//! assert_eq!(err.to_string(), "calendar \"office\" has no data for 2025 (it covers 2026-01-01 to 2026-12-31, \
//!     then counts provisionally with its weekly schedule up to 2031-12-31); add 2025 to the calendar file");
//! ```

pub mod notice;
pub mod spec;
pub(crate) mod timeline;

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::duration::DurationUnit;
pub use spec::{CalendarFileError, CalendarSpec, DayInterval, DayKind, Holiday, MakeupDay, PROVISIONAL_YEARS};
use timeline::{Outside, Timeline};

/// A question fell outside what a calendar knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The calendar has no data for the year the question needs.
    #[error(
        "calendar {calendar:?} has no data for {year} (it covers {first} to {last}{}); add {year} to \
         the calendar file",
        provisional_part(*last, *counts_to)
    )]
    NotCovered {
        /// The calendar's name.
        calendar: String,
        /// The year that is missing.
        year: i32,
        /// First covered (published) date.
        first: NaiveDate,
        /// Last covered (published) date.
        last: NaiveDate,
        /// Last date it counts at all (provisionally after `last`).
        counts_to: NaiveDate,
    },
    /// An instant cannot be represented (beyond chrono's range).
    #[error("instant out of range")]
    InstantOutOfRange,
}

fn provisional_part(last: NaiveDate, counts_to: NaiveDate) -> String {
    if counts_to > last {
        format!(", then counts provisionally with its weekly schedule up to {counts_to}")
    } else {
        String::new()
    }
}

/// A working calendar: zone, weekly schedule, dated overrides, covered range.
#[derive(Debug, Clone)]
pub struct Calendar {
    spec: CalendarSpec,
    timeline: Timeline,
    /// The last date it answers: `covers_to` if undated, else [`PROVISIONAL_YEARS`] years past it.
    counts_to: NaiveDate,
    /// For a dated calendar, the instant its published days end (24:00 of `covers_to`).
    published_end: Option<i64>,
}

impl Calendar {
    /// Builds a calendar from a spec, validating it first.
    pub fn new(spec: CalendarSpec) -> Result<Calendar, CalendarFileError> {
        let problems = spec.problems();
        if !problems.is_empty() {
            return Err(CalendarFileError::Invalid {
                name: spec.name,
                problems,
            });
        }
        let counts_to = if spec.dated {
            NaiveDate::from_ymd_opt(spec.covers_to.year() + PROVISIONAL_YEARS, 12, 31)
                .unwrap_or(spec::UNDATED_TO)
                .min(spec::UNDATED_TO)
                .max(spec.covers_to)
        } else {
            spec.covers_to
        };
        let timeline = Timeline::build(&spec, counts_to);
        let published_end = spec
            .dated
            .then(|| timeline::local_to_utc_millis(spec.zone, spec.covers_to, 1440));
        Ok(Calendar {
            spec,
            timeline,
            counts_to,
            published_end,
        })
    }

    /// Reads and builds a calendar from the text of a TOML calendar file (format: [`spec`]).
    pub fn from_toml(text: &str) -> Result<Calendar, CalendarFileError> {
        Calendar::new(CalendarSpec::from_toml(text)?)
    }

    /// The calendar's name, e.g. `cn-5x8`.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// The calendar's time zone.
    pub fn zone(&self) -> Tz {
        self.spec.zone
    }

    /// What the calendar was built from.
    pub fn spec(&self) -> &CalendarSpec {
        &self.spec
    }

    /// The first and last covered dates: the published ones of a dated calendar.
    pub fn covered_dates(&self) -> (NaiveDate, NaiveDate) {
        (self.spec.covers_from, self.spec.covers_to)
    }

    /// The covered years (partly covered years included).
    pub fn covered_years(&self) -> RangeInclusive<i32> {
        self.spec.covers_from.year()..=self.spec.covers_to.year()
    }

    /// The last date the calendar answers at all: past [`Calendar::covered_dates`] a dated calendar
    /// counts provisionally up to here.
    pub fn counts_to(&self) -> NaiveDate {
        self.counts_to
    }

    /// The last date whose holidays and make-up days are published, for a calendar that follows
    /// dated arrangements; `None` for one whose weekly schedule is the whole truth (`24x7`).
    pub fn published_to(&self) -> Option<NaiveDate> {
        self.spec.dated.then_some(self.spec.covers_to)
    }

    /// The instant after which answers of a dated calendar are provisional (24:00 of its last
    /// published date); `None` if nothing it says is ever provisional.
    pub fn provisional_after(&self) -> Option<DateTime<Utc>> {
        self.published_end.and_then(DateTime::from_timestamp_millis)
    }

    /// Whether a deadline (or any instant reached by counting) at `at`, counted in `unit`, rests on
    /// days whose arrangement is not published yet, so that publishing it may move the answer.
    ///
    /// Counting reaches `at` through every day before it, so an answer is provisional exactly when
    /// it lies past the published days — except minutes and hours on an `all_hours` calendar,
    /// which are wall-clock time whatever the holidays.
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use sla_clock::{DurationUnit, builtin};
    /// let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    /// let cn = builtin::calendar("cn-7x24").unwrap();
    /// let (_, last) = cn.covered_dates();
    /// let past = at(&format!("{}T01:00:00+08:00", last.succ_opt().unwrap()));
    /// // 1 h across midnight into an unpublished year is still exactly 1 h on a 7×24 calendar…
    /// assert!(!cn.is_provisional(past, DurationUnit::Hours));
    /// // …but which days are working days is not known yet.
    /// assert!(cn.is_provisional(past, DurationUnit::WorkingDays));
    /// ```
    pub fn is_provisional(&self, at: DateTime<Utc>, unit: DurationUnit) -> bool {
        self.provisional_ms(at.timestamp_millis(), unit.is_days())
    }

    pub(crate) fn provisional_ms(&self, t: i64, by_days: bool) -> bool {
        match self.published_end {
            Some(end) => t > end && (by_days || !self.spec.all_hours),
            None => false,
        }
    }

    /// Whether `date`'s holidays and make-up days are published (always, for an undated calendar).
    pub fn is_published(&self, date: NaiveDate) -> bool {
        date >= self.spec.covers_from && date <= self.spec.covers_to
    }

    /// An instant shown in the calendar's zone.
    pub fn local(&self, t: DateTime<Utc>) -> DateTime<Tz> {
        t.with_timezone(&self.spec.zone)
    }

    pub(crate) fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    pub(crate) fn not_covered(&self, year: i32) -> CalendarError {
        CalendarError::NotCovered {
            calendar: self.spec.name.clone(),
            year,
            first: self.spec.covers_from,
            last: self.spec.covers_to,
            counts_to: self.counts_to,
        }
    }

    /// The error for a question about instant `t` that fell `side` of the covered range.
    pub(crate) fn outside_at(&self, side: Outside, t: i64) -> CalendarError {
        let year = DateTime::from_timestamp_millis(t)
            .map(|t| self.local(t).year())
            .unwrap_or(match side {
                Outside::Before => self.spec.covers_from.year() - 1,
                Outside::After => self.counts_to.year() + 1,
            });
        let year = match side {
            Outside::Before => year.min(self.spec.covers_from.year() - 1),
            Outside::After => year.max(self.counts_to.year() + 1),
        };
        self.not_covered(year)
    }

    /// The error for a computation that ran past the covered range.
    pub(crate) fn ran_out(&self) -> CalendarError {
        self.not_covered(self.counts_to.year() + 1)
    }

    pub(crate) fn instant(&self, t: i64) -> Result<DateTime<Utc>, CalendarError> {
        DateTime::from_timestamp_millis(t).ok_or(CalendarError::InstantOutOfRange)
    }

    fn date_index(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        if date < self.spec.covers_from || date > self.counts_to {
            return Err(self.not_covered(date.year()));
        }
        Ok((date - self.spec.covers_from).num_days() as usize)
    }

    /// What kind of day `date` is, with its working intervals.
    ///
    /// ```
    /// # use sla_clock::{Calendar, calendar::DayKind};
    /// # use chrono::NaiveDate;
    /// let cal = Calendar::from_toml(r#"
    ///     name = "c"
    ///     covers = { from = 2026-01-01, to = 2026-12-31 }
    ///     makeup_hours = ["09:00-17:00"]
    ///     [week]
    ///     thu = ["09:00-17:00"]
    ///     [[holidays]]
    ///     name = "国庆节"
    ///     from = 2026-10-01
    ///     to = 2026-10-07
    ///     [[makeup_days]]
    ///     name = "国庆节调休"
    ///     date = 2026-10-10
    /// "#).unwrap();
    /// let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    /// assert_eq!(cal.day(d("2026-10-01")).unwrap(), DayKind::Holiday { name: "国庆节" });
    /// assert!(cal.is_working_day(d("2026-10-10")).unwrap());
    /// assert!(!cal.is_working_day(d("2026-10-11")).unwrap());
    /// // Past the covered range the weekly schedule answers, provisionally, for five years.
    /// assert!(!cal.is_published(d("2027-01-01")));
    /// assert_eq!(cal.day(d("2027-01-07")).unwrap(), DayKind::Regular { hours: &cal.spec().week[3] });
    /// assert!(cal.day(d("2032-01-01")).is_err());
    /// // Before it, nothing.
    /// assert!(cal.day(d("2025-12-31")).is_err());
    /// ```
    pub fn day(&self, date: NaiveDate) -> Result<DayKind<'_>, CalendarError> {
        self.date_index(date)?;
        Ok(self.spec.intervals_on(date))
    }

    /// Whether `date` has working hours.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        let i = self.date_index(date)?;
        Ok(self.timeline.close_of(i).is_some())
    }

    /// Close of business on `date` (the end of its last working interval), if it is a working day.
    pub fn close_of_business(&self, date: NaiveDate) -> Result<Option<DateTime<Utc>>, CalendarError> {
        let i = self.date_index(date)?;
        self.timeline.close_of(i).map(|t| self.instant(t)).transpose()
    }

    /// The calendar date of instant `t` in the calendar's zone, checked against the coverage.
    pub fn date_of(&self, t: DateTime<Utc>) -> Result<NaiveDate, CalendarError> {
        let ms = t.timestamp_millis();
        let i = self.timeline.day_index(ms).map_err(|side| self.outside_at(side, ms))?;
        Ok(self.timeline.date_of_index(i))
    }

    /// Working time between two instants: how much of `[from, to)` falls in working intervals.
    /// Negative when `to` is before `from`.
    pub fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<TimeDelta, CalendarError> {
        Ok(TimeDelta::milliseconds(
            self.elapsed_millis(from.timestamp_millis(), to.timestamp_millis())?,
        ))
    }

    pub(crate) fn elapsed_millis(&self, from: i64, to: i64) -> Result<i64, CalendarError> {
        if self.spec.all_hours {
            // Every minute is service time: wall-clock time, whatever the year.
            self.instant(from)?;
            self.instant(to)?;
            return Ok(to - from);
        }
        let a = self.timeline.cumulative(from).map_err(|s| self.outside_at(s, from))?;
        let b = self.timeline.cumulative(to).map_err(|s| self.outside_at(s, to))?;
        Ok(b - a)
    }

    /// The earliest instant at which `amount` of working time has elapsed since `from`.
    /// Starting outside working hours, counting begins at the next working instant; landing exactly
    /// on the end of an interval gives that end, not the next morning. Zero gives `from`.
    pub fn add_working_time(&self, from: DateTime<Utc>, amount: TimeDelta) -> Result<DateTime<Utc>, CalendarError> {
        let t = self.add_working_millis(from.timestamp_millis(), amount.num_milliseconds())?;
        self.instant(t)
    }

    pub(crate) fn add_working_millis(&self, from: i64, amount: i64) -> Result<i64, CalendarError> {
        if self.spec.all_hours {
            let to = from
                .checked_add(amount.max(0))
                .ok_or(CalendarError::InstantOutOfRange)?;
            return self.instant(to).map(|_| to);
        }
        self.timeline.add_working(from, amount).map_err(|side| match side {
            Outside::Before => self.outside_at(side, from),
            Outside::After if self.timeline.cumulative(from).is_err() => self.outside_at(side, from),
            Outside::After => self.ran_out(),
        })
    }

    /// The first working instant at or after `t`.
    pub fn next_working_instant(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        if self.spec.all_hours {
            return Ok(t);
        }
        let ms = t.timestamp_millis();
        let next = self.timeline.next_working_instant(ms).map_err(|side| match side {
            Outside::After if self.timeline.day_index(ms).is_ok() => self.ran_out(),
            side => self.outside_at(side, ms),
        })?;
        self.instant(next)
    }

    /// Local midnight at the start of `date`, as an instant.
    pub fn start_of_day(&self, date: NaiveDate) -> Result<DateTime<Utc>, CalendarError> {
        self.date_index(date)?;
        self.instant(timeline::local_to_utc_millis(self.spec.zone, date, 0))
    }

    /// Converts a local wall-clock time on `date` to an instant (a time skipped by a DST change means the first instant after the gap; a repeated one, the earlier).
    pub fn at_local(&self, date: NaiveDate, hour: u32, minute: u32) -> Option<DateTime<Utc>> {
        self.spec
            .zone
            .with_ymd_and_hms(date.year(), date.month(), date.day(), hour, minute, 0)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DurationUnit;

    fn cal(week: &str) -> Calendar {
        Calendar::from_toml(&format!(
            "name = \"t\"\ncovers = {{ from = 2026-03-01, to = 2026-03-31 }}\n[week]\n{week}"
        ))
        .unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn elapsed_counts_only_working_intervals() {
        let c = cal("mon = [\"09:00-12:00\", \"13:30-17:30\"]");
        // Monday 2026-03-02 08:00 to Tuesday 08:00: 3 h + 4 h.
        let e = c
            .elapsed(at("2026-03-02T08:00:00+08:00"), at("2026-03-03T08:00:00+08:00"))
            .unwrap();
        assert_eq!(e, TimeDelta::hours(7));
        // Inside the lunch break nothing accrues.
        let e = c
            .elapsed(at("2026-03-02T12:10:00+08:00"), at("2026-03-02T13:20:00+08:00"))
            .unwrap();
        assert_eq!(e, TimeDelta::zero());
        // Reversed arguments give the negative.
        let e = c
            .elapsed(at("2026-03-02T10:00:00+08:00"), at("2026-03-02T09:00:00+08:00"))
            .unwrap();
        assert_eq!(e, TimeDelta::hours(-1));
    }

    #[test]
    fn add_working_time_lands_on_interval_ends_not_next_morning() {
        let c = cal("mon = [\"09:00-12:00\", \"13:30-17:30\"]\ntue = [\"09:00-17:00\"]");
        let t = c
            .add_working_time(at("2026-03-02T11:00:00+08:00"), TimeDelta::hours(1))
            .unwrap();
        assert_eq!(t, at("2026-03-02T12:00:00+08:00"));
        let t = c
            .add_working_time(at("2026-03-02T11:00:00+08:00"), TimeDelta::hours(2))
            .unwrap();
        assert_eq!(t, at("2026-03-02T14:30:00+08:00"), "skips the lunch break");
        let t = c
            .add_working_time(at("2026-03-02T13:30:00+08:00"), TimeDelta::hours(4))
            .unwrap();
        assert_eq!(t, at("2026-03-02T17:30:00+08:00"));
        let t = c
            .add_working_time(at("2026-03-02T13:30:00+08:00"), TimeDelta::minutes(241))
            .unwrap();
        assert_eq!(t, at("2026-03-03T09:01:00+08:00"));
        // Starting on Sunday night, counting begins Monday 09:00.
        let t = c
            .add_working_time(at("2026-03-01T22:00:00+08:00"), TimeDelta::minutes(30))
            .unwrap();
        assert_eq!(t, at("2026-03-02T09:30:00+08:00"));
    }

    #[test]
    fn past_the_covered_range_counts_provisionally_then_names_the_year() {
        let c = cal("mon = [\"09:00-17:00\"]");
        // Monday 30 March 10:00 + 8 h: 7 h that day, 1 h the next Monday, 6 April, past `covers`.
        let t = c
            .add_working_time(at("2026-03-30T10:00:00+08:00"), TimeDelta::hours(8))
            .unwrap();
        assert_eq!(t, at("2026-04-06T10:00:00+08:00"));
        assert!(c.is_provisional(t, DurationUnit::Hours));
        assert!(c.day("2026-04-06".parse().unwrap()).is_ok());
        assert!(!c.is_published("2026-04-06".parse().unwrap()));
        // Provisional counting stops at the end of the fifth year after the covered one.
        assert_eq!(c.counts_to().to_string(), "2031-12-31");
        let e = c
            .add_working_time(at("2031-12-29T10:00:00+08:00"), TimeDelta::hours(8))
            .unwrap_err();
        assert!(matches!(e, CalendarError::NotCovered { year: 2032, .. }), "{e}");
        let e = c
            .elapsed(at("2025-12-31T10:00:00+08:00"), at("2026-03-03T10:00:00+08:00"))
            .unwrap_err();
        assert!(matches!(e, CalendarError::NotCovered { year: 2025, .. }), "{e}");
    }

    #[test]
    fn an_undated_calendar_is_exact_on_every_date() {
        let c =
            Calendar::from_toml("name = \"always\"\n[week]\nmon = [\"00:00-24:00\"]\nsun = [\"00:00-24:00\"]").unwrap();
        assert_eq!(c.published_to(), None);
        assert_eq!(c.provisional_after(), None);
        let t = c
            .add_working_time(at("2150-01-04T10:00:00+08:00"), TimeDelta::hours(20))
            .unwrap();
        assert_eq!(
            t,
            at("2150-01-05T06:00:00+08:00"),
            "Sunday 10:00 + 14 h, Monday 00:00 + 6 h"
        );
        assert!(!c.is_provisional(t, DurationUnit::WorkingDays));
        // Holidays need the years they belong to.
        let err = Calendar::from_toml(
            "name = \"x\"\n[week]\nmon = [\"09:00-17:00\"]\n[[holidays]]\nname = \"h\"\nfrom = 2026-01-05\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("covers: missing"), "{err}");
    }

    #[test]
    fn new_york_dst_gap_and_overlap() {
        let c = Calendar::from_toml(
            "name = \"ny\"\nzone = \"America/New_York\"\ncovers = { from = 2026-03-01, to = 2026-11-30 }\n\
             [week]\nsun = [\"00:00-24:00\"]",
        )
        .unwrap();
        // 2026-03-08 (Sunday) is 23 hours long in New York; 2026-11-01 is 25 hours long.
        let spring = c
            .elapsed(at("2026-03-08T00:00:00-05:00"), at("2026-03-09T00:00:00-04:00"))
            .unwrap();
        assert_eq!(spring, TimeDelta::hours(23));
        let fall = c
            .elapsed(at("2026-11-01T00:00:00-04:00"), at("2026-11-02T00:00:00-05:00"))
            .unwrap();
        assert_eq!(fall, TimeDelta::hours(25));
    }
}

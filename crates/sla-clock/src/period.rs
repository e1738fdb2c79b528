//! Period arithmetic: when a duration that starts at an instant runs out, per the PRC Civil Code,
//! arts. 200–204.
//!
//! Each unit has its own rule, each a named function here:
//!
//! - [`working_time_deadline`] (minutes, hours; art. 201 ¶2): the period starts at the moment of
//!   the event. The deadline is the earliest instant at which the working time elapsed since the
//!   start equals the duration. Starting outside working hours, counting begins at the next working
//!   instant; a deadline that lands exactly on the end of an interval is that end, not the next
//!   morning. In a 24×7 calendar this is plain wall-clock time.
//! - [`natural_days_deadline`] (days; arts. 201 ¶1, 203): the day of the event is not counted; the
//!   last day is start date + N; if it is not a working day of the calendar, the next working day is
//!   the last day; the deadline is the close of business of the last day (24:00 in a calendar that
//!   works all day).
//! - [`working_days_deadline`] (working days): the day of the event is not counted; count N working
//!   days; the deadline is the close of business of the N-th.
//!
//! The worked example of the design, "7 个工作日内修复" for a fault reported Thursday
//! 2026-09-24 15:00 in `cn-5x8`: the 24th is not counted; 25–27 are the Mid-Autumn holiday;
//! 1–7 October the National Day holiday; the working days are 28, 29, 30 September, 8, 9, 10
//! (a Saturday made a working day) and 12 October, so the deadline is 17:00 on Monday 2026-10-12.
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use sla_clock::{Calendar, SlaDuration};
//! # let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/calendars/cn-5x8.toml")).unwrap();
//! let cn = Calendar::from_toml(&text).unwrap();
//! let start: DateTime<Utc> = "2026-09-24T15:00:00+08:00".parse().unwrap();
//! let d = cn.explain_deadline(start, "7wd".parse().unwrap()).unwrap();
//! assert_eq!(cn.local(d.at).to_rfc3339(), "2026-10-12T17:00:00+08:00");
//! ```

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::{Calendar, CalendarError};
use crate::duration::{DurationUnit, SlaDuration};

/// A deadline with the rule that produced it, for people who ask "why then?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// When the period runs out.
    pub at: DateTime<Utc>,
    /// How it was counted.
    pub rule: Rule,
    /// Whether counting went past the calendar's published days, so that the deadline rests on
    /// the weekly schedule alone there and may move when that year's arrangement is published
    /// (see [`Calendar::is_provisional`]).
    pub provisional: bool,
}

/// How a deadline was counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Working time from the instant of the event.
    WorkingTime {
        /// The duration.
        duration: SlaDuration,
        /// The first working instant at or after the start, where counting began.
        counting_from: DateTime<Utc>,
    },
    /// Natural days, day of the event not counted.
    NaturalDays {
        /// N.
        days: u32,
        /// The day of the event (not counted).
        start_date: NaiveDate,
        /// Start date + N.
        nominal_last_day: NaiveDate,
        /// The last day after moving off non-working days.
        last_day: NaiveDate,
    },
    /// Working days, day of the event not counted.
    WorkingDays {
        /// N.
        days: u32,
        /// The day of the event (not counted).
        start_date: NaiveDate,
        /// The N-th working day after it.
        last_day: NaiveDate,
    },
}

impl Rule {
    /// Writes the explanation with local times from `calendar`.
    pub fn explain(&self, calendar: &Calendar, at: DateTime<Utc>) -> String {
        let local = calendar.local(at);
        // A day that works until midnight closes at 24:00, which is the next day's 00:00.
        let close = if local.time() == chrono::NaiveTime::MIN {
            "24:00".to_owned()
        } else {
            local.format("%H:%M").to_string()
        };
        let plural = |n: &u32, one: &str, many: &str| {
            if *n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        match self {
            Rule::WorkingTime {
                duration,
                counting_from,
            } => {
                if duration.is_zero() {
                    return "immediate: the deadline is the start itself".to_owned();
                }
                format!(
                    "{duration} of working time in {} counted from {} (art. 201 ¶2: from the moment of the event); \
                     the deadline is the earliest instant at which it has elapsed",
                    calendar.name(),
                    calendar.local(*counting_from).format("%Y-%m-%d %H:%M %:z"),
                )
            }
            Rule::NaturalDays {
                days,
                start_date,
                nominal_last_day,
                last_day,
            } => {
                let moved = if nominal_last_day == last_day {
                    String::new()
                } else {
                    format!(
                        "; {nominal_last_day} is not a working day in {}, so the last day moves to {last_day} (art. 203 ¶1)",
                        calendar.name()
                    )
                };
                format!(
                    "{}: the start day {start_date} is not counted (art. 201 ¶1); \
                     start date + {days} = {nominal_last_day}{moved}; the deadline is the close of business of \
                     {last_day} at {close} (art. 203 ¶2)",
                    plural(days, "natural day", "natural days")
                )
            }
            Rule::WorkingDays {
                days: 0,
                start_date,
                last_day,
            } => format!(
                "0 working days in {}: the deadline is the first close of business at or after the start \
                 ({start_date}), which is {last_day} at {close}",
                calendar.name()
            ),
            Rule::WorkingDays {
                days,
                start_date,
                last_day,
            } => format!(
                "{} in {}: the start day {start_date} is not counted (art. 201 ¶1); \
                 working day no. {days} is {last_day}; the deadline is its close of business at {close} \
                 (art. 203 ¶2)",
                plural(days, "working day", "working days"),
                calendar.name()
            ),
        }
    }
}

/// The summary of a [`Deadline`] as one line, with the calendar.
pub struct Explained<'a> {
    calendar: &'a Calendar,
    deadline: &'a Deadline,
}

impl fmt::Display for Explained<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.deadline.rule.explain(self.calendar, self.deadline.at))?;
        if self.deadline.provisional {
            write!(f, "; {}", provisional_note(self.calendar))?;
        }
        Ok(())
    }
}

/// Why a deadline of `calendar` is provisional, as one clause.
///
/// ```
/// let cn = sla_clock::builtin::calendar("cn-5x8").unwrap();
/// let (_, last) = cn.covered_dates();
/// assert_eq!(
///     sla_clock::period::provisional_note(&cn),
///     format!("provisional: cn-5x8 has no published holidays after {last}, so the days after it \
///              were counted with the weekly schedule alone; the deadline is measured again when \
///              that year is added")
/// );
/// ```
pub fn provisional_note(calendar: &Calendar) -> String {
    let last = calendar.covered_dates().1;
    format!(
        "provisional: {} has no published holidays after {last}, so the days after it were counted \
         with the weekly schedule alone; the deadline is measured again when that year is added",
        calendar.name()
    )
}

impl Deadline {
    /// The rule as a sentence, with local times of `calendar`.
    pub fn explained<'a>(&'a self, calendar: &'a Calendar) -> Explained<'a> {
        Explained {
            calendar,
            deadline: self,
        }
    }
}

/// Minutes and hours: the earliest instant at which `duration` of working time has elapsed since
/// `start` (art. 201 ¶2). Returns milliseconds since the epoch.
pub(crate) fn working_time_deadline(
    calendar: &Calendar,
    start: i64,
    working_millis: i64,
) -> Result<i64, CalendarError> {
    calendar.add_working_millis(start, working_millis)
}

/// Natural days: the start day is not counted, the last day is start date + `days`, moved to the
/// next working day if it does not work, and the deadline is its close of business (arts. 201 ¶1,
/// 203). Returns the deadline and the day indices (nominal, actual) within the calendar.
pub(crate) fn natural_days_deadline(
    calendar: &Calendar,
    start: i64,
    days: u32,
) -> Result<(i64, usize, usize), CalendarError> {
    let tl = calendar.timeline();
    let start_day = tl.day_index(start).map_err(|side| calendar.outside_at(side, start))?;
    let nominal = start_day + days as usize;
    if nominal >= tl.days() {
        let year = chrono::Datelike::year(&tl.date_of_index(nominal));
        return Err(calendar.not_covered(year));
    }
    let (close, last) = close_at_or_after(calendar, nominal, start)?;
    Ok((close, nominal, last))
}

/// The close of business of the first working day at or after day `day` that closes at or after
/// `start`, with that day's index. Only a zero-day period can meet a day that closed before its
/// start (a fault logged at 18:00 "within 0 working days" is due at the next close, not at the
/// 17:00 already past); for N ≥ 1 the last day is after the start day.
fn close_at_or_after(calendar: &Calendar, day: usize, start: i64) -> Result<(i64, usize), CalendarError> {
    let tl = calendar.timeline();
    let mut last = tl.next_working_day(day).map_err(|_| calendar.ran_out())?;
    let mut close = tl.close_of(last).ok_or_else(|| calendar.ran_out())?;
    if close < start {
        last = tl.next_working_day(last + 1).map_err(|_| calendar.ran_out())?;
        close = tl.close_of(last).ok_or_else(|| calendar.ran_out())?;
    }
    Ok((close, last))
}

/// Working days: the start day is not counted; the deadline is the close of business of the
/// `days`-th working day after it (art. 201 ¶1, 203 ¶2). Zero working days means the close of
/// business of the start day, or of the next working day if the start day does not work or has
/// already closed.
/// Returns the deadline and the day index of the last day.
pub(crate) fn working_days_deadline(calendar: &Calendar, start: i64, days: u32) -> Result<(i64, usize), CalendarError> {
    let tl = calendar.timeline();
    let start_day = tl.day_index(start).map_err(|side| calendar.outside_at(side, start))?;
    if days == 0 {
        return close_at_or_after(calendar, start_day, start);
    }
    let last = tl
        .nth_working_day_after(start_day, days)
        .map_err(|_| calendar.ran_out())?;
    let close = tl.close_of(last).ok_or_else(|| calendar.ran_out())?;
    Ok((close, last))
}

impl Calendar {
    /// The deadline of `duration` starting at `start`, by the rule of its unit (see [`crate::period`]).
    pub fn deadline(&self, start: DateTime<Utc>, duration: SlaDuration) -> Result<DateTime<Utc>, CalendarError> {
        let t = self.deadline_millis(start.timestamp_millis(), duration)?;
        self.instant(t)
    }

    pub(crate) fn deadline_millis(&self, start: i64, duration: SlaDuration) -> Result<i64, CalendarError> {
        match duration.unit() {
            DurationUnit::Minutes | DurationUnit::Hours => {
                working_time_deadline(self, start, duration.working_millis().unwrap_or(0))
            }
            DurationUnit::Days => natural_days_deadline(self, start, duration.amount()).map(|r| r.0),
            DurationUnit::WorkingDays => working_days_deadline(self, start, duration.amount()).map(|r| r.0),
        }
    }

    /// Like [`Calendar::deadline`], with the rule that produced it.
    pub fn explain_deadline(&self, start: DateTime<Utc>, duration: SlaDuration) -> Result<Deadline, CalendarError> {
        let s = start.timestamp_millis();
        let tl = self.timeline();
        let (at, rule) = match duration.unit() {
            DurationUnit::Minutes | DurationUnit::Hours => {
                let at = working_time_deadline(self, s, duration.working_millis().unwrap_or(0))?;
                let counting_from = if duration.is_zero() {
                    start
                } else {
                    self.next_working_instant(start)?
                };
                (
                    at,
                    Rule::WorkingTime {
                        duration,
                        counting_from,
                    },
                )
            }
            DurationUnit::Days => {
                let (at, nominal, last) = natural_days_deadline(self, s, duration.amount())?;
                (
                    at,
                    Rule::NaturalDays {
                        days: duration.amount(),
                        start_date: self.date_of(start)?,
                        nominal_last_day: tl.date_of_index(nominal),
                        last_day: tl.date_of_index(last),
                    },
                )
            }
            DurationUnit::WorkingDays => {
                let (at, last) = working_days_deadline(self, s, duration.amount())?;
                (
                    at,
                    Rule::WorkingDays {
                        days: duration.amount(),
                        start_date: self.date_of(start)?,
                        last_day: tl.date_of_index(last),
                    },
                )
            }
        };
        Ok(Deadline {
            at: self.instant(at)?,
            rule,
            provisional: self.provisional_ms(at, duration.unit().is_days()),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{at, calendar};
    use crate::{Calendar, CalendarError};

    fn deadline(cal: &Calendar, start: &str, d: &str) -> String {
        let due = cal.deadline(at(start), d.parse().unwrap()).unwrap();
        cal.local(due).to_rfc3339()
    }

    #[test]
    fn the_worked_example_of_the_design() {
        let cn = calendar("cn-5x8");
        assert_eq!(
            deadline(&cn, "2026-09-24T15:00:00+08:00", "7wd"),
            "2026-10-12T17:00:00+08:00"
        );
        let d = cn
            .explain_deadline(at("2026-09-24T15:00:00+08:00"), "7wd".parse().unwrap())
            .unwrap();
        let why = d.explained(&cn).to_string();
        assert!(
            why.contains("2026-09-24 is not counted") && why.contains("2026-10-12"),
            "{why}"
        );
    }

    #[test]
    fn an_all_hours_calendar_counts_wall_time_for_hours_and_official_working_days_for_days() {
        let cn = calendar("cn-7x24");
        // Hours run through the National Day holiday: 30 minutes on 1 October is wall time.
        assert_eq!(
            deadline(&cn, "2026-10-01T03:10:00+08:00", "30m"),
            "2026-10-01T03:40:00+08:00"
        );
        assert_eq!(
            deadline(&cn, "2026-10-03T22:00:00+08:00", "8h"),
            "2026-10-04T06:00:00+08:00"
        );
        // The design's worked example, on a 7×24 system: the same working days, ending at 24:00.
        assert_eq!(
            deadline(&cn, "2026-09-24T15:00:00+08:00", "7wd"),
            "2026-10-13T00:00:00+08:00"
        );
        // A Saturday made a working day (2026-10-10) is counted; the Sunday after is not.
        assert_eq!(
            deadline(&cn, "2026-10-09T10:00:00+08:00", "1wd"),
            "2026-10-11T00:00:00+08:00"
        );
        assert_eq!(
            deadline(&cn, "2026-10-10T10:00:00+08:00", "1wd"),
            "2026-10-13T00:00:00+08:00"
        );
        // Calendar days whose last day is a holiday move to the day after it (art. 203 ¶1).
        assert_eq!(
            deadline(&cn, "2026-09-29T10:00:00+08:00", "3d"),
            "2026-10-09T00:00:00+08:00"
        );
        // Whereas plain 24x7 has no holidays at all.
        assert_eq!(
            deadline(&calendar("24x7"), "2026-09-24T15:00:00+08:00", "7wd"),
            "2026-10-02T00:00:00+08:00"
        );
    }

    #[test]
    fn working_days_skip_holidays_and_count_make_up_days() {
        let cn = calendar("cn-5x8");
        // Friday 2025-09-26: Sunday 28 (make-up), 29, 30, then 1–8 October off, Thursday 9, Friday 10.
        assert_eq!(
            deadline(&cn, "2025-09-26T10:00:00+08:00", "5wd"),
            "2025-10-10T17:00:00+08:00"
        );
        // Friday 2026-10-09 → Saturday 10 October is a make-up working day.
        assert_eq!(
            deadline(&cn, "2026-10-09T16:00:00+08:00", "1wd"),
            "2026-10-10T17:00:00+08:00"
        );
        // Zero working days: the close of the start day, or of the next working day.
        assert_eq!(
            deadline(&cn, "2026-10-09T16:00:00+08:00", "0wd"),
            "2026-10-09T17:00:00+08:00"
        );
        assert_eq!(
            deadline(&cn, "2026-10-03T11:00:00+08:00", "0wd"),
            "2026-10-08T17:00:00+08:00"
        );
        // Started on a holiday: the start day is still not counted, the first working day is day 1.
        assert_eq!(
            deadline(&cn, "2026-10-03T11:00:00+08:00", "1wd"),
            "2026-10-08T17:00:00+08:00"
        );
    }

    #[test]
    fn natural_days_move_off_non_working_last_days() {
        let cn = calendar("cn-5x8");
        // Thursday 2026-09-24 + 3 = Sunday 27 (Mid-Autumn) → Monday 28.
        assert_eq!(
            deadline(&cn, "2026-09-24T10:00:00+08:00", "3d"),
            "2026-09-28T17:00:00+08:00"
        );
        let d = cn
            .explain_deadline(at("2026-09-24T10:00:00+08:00"), "3d".parse().unwrap())
            .unwrap();
        assert!(d.explained(&cn).to_string().contains("2026-09-27 is not a working day"));
        // Thursday 2025-01-23 + 3 = Sunday 26, a make-up working day: it stays.
        assert_eq!(
            deadline(&cn, "2025-01-23T10:00:00+08:00", "3d"),
            "2025-01-26T17:00:00+08:00"
        );
        // A plain weekday needs no move, even late in the evening of the start day.
        assert_eq!(
            deadline(&cn, "2026-11-23T23:30:00+08:00", "2d"),
            "2026-11-25T17:00:00+08:00"
        );
        // With no business hours the last day ends at 24:00, i.e. the next day's 00:00.
        let all = calendar("24x7");
        assert_eq!(
            deadline(&all, "2026-11-23T10:00:00+08:00", "3d"),
            "2026-11-27T00:00:00+08:00"
        );
    }

    #[test]
    fn hours_count_working_time_across_holidays() {
        let cn = calendar("cn-5x8");
        // Wednesday 2026-09-30 15:00, 4 h: 2 h that day, National Day 1–7 October, 2 h on the 8th.
        assert_eq!(
            deadline(&cn, "2026-09-30T15:00:00+08:00", "4h"),
            "2026-10-08T11:00:00+08:00"
        );
        // Landing exactly on the close is the close, not the next morning.
        assert_eq!(
            deadline(&cn, "2026-09-30T15:00:00+08:00", "2h"),
            "2026-09-30T17:00:00+08:00"
        );
        // Starting before hours on a make-up Saturday: counting begins at 09:00.
        assert_eq!(
            deadline(&cn, "2026-02-14T08:00:00+08:00", "60m"),
            "2026-02-14T10:00:00+08:00"
        );
        // Starting on the first day of the Spring Festival: counting begins on 24 February.
        assert_eq!(
            deadline(&cn, "2026-02-15T10:00:00+08:00", "30m"),
            "2026-02-24T09:30:00+08:00"
        );
        // 立即: the start itself, whatever the hour.
        assert_eq!(
            deadline(&cn, "2026-02-15T10:00:00+08:00", "立即"),
            "2026-02-15T10:00:00+08:00"
        );
        // In 24x7 hours are wall-clock hours.
        assert_eq!(
            deadline(&calendar("24x7"), "2026-09-30T15:00:00+08:00", "30h"),
            "2026-10-01T21:00:00+08:00"
        );
    }

    /// A 5×8 calendar whose only published year is 2026, with National Day off.
    fn published_2026(all_hours: bool) -> Calendar {
        Calendar::from_toml(&format!(
            r#"
            name = "t"
            covers = {{ from = 2026-01-01, to = 2026-12-31 }}
            all_hours = {all_hours}
            [week]
            mon = ["09:00-17:00"]
            tue = ["09:00-17:00"]
            wed = ["09:00-17:00"]
            thu = ["09:00-17:00"]
            fri = ["09:00-17:00"]
            [[holidays]]
            name = "国庆节"
            from = 2026-10-01
            to = 2026-10-07
            "#
        ))
        .unwrap()
    }

    #[test]
    fn past_the_published_years_counting_goes_on_with_the_week_and_says_so() {
        let cal = published_2026(false);
        for (start, d, due, provisional) in [
            // Thursday 31 December 16:00: 1 h ends that day, exactly at the close; final.
            ("2026-12-31T16:00:00+08:00", "1h", "2026-12-31T17:00:00+08:00", false),
            // 2 h runs into 2027, whose New Year holiday is not published: Friday 1 January counts.
            ("2026-12-31T16:00:00+08:00", "2h", "2027-01-01T10:00:00+08:00", true),
            // 3 working days: Friday 1, Monday 4, Tuesday 5 January by the weekly schedule.
            ("2026-12-31T16:00:00+08:00", "3wd", "2027-01-05T17:00:00+08:00", true),
            // 3 natural days: Saturday 2 January does not work, so Monday 4 January.
            ("2026-12-30T10:00:00+08:00", "3d", "2027-01-04T17:00:00+08:00", true),
            // Counting inside the published year is final, holidays and all.
            ("2026-09-30T15:00:00+08:00", "4h", "2026-10-08T11:00:00+08:00", false),
        ] {
            let d = cal.explain_deadline(at(start), d.parse().unwrap()).unwrap();
            assert_eq!(cal.local(d.at).to_rfc3339(), due, "{start} {d:?}");
            assert_eq!(d.provisional, provisional, "{start} {d:?}");
            let text = d.explained(&cal).to_string();
            assert_eq!(
                text.contains("provisional: t has no published holidays after 2026-12-31"),
                provisional,
                "{text}"
            );
        }
    }

    #[test]
    fn on_an_all_hours_calendar_only_day_counts_need_a_published_year() {
        let cal = published_2026(true);
        // 1 h across midnight into 2027 is 1 h of wall time: final.
        let d = cal
            .explain_deadline(at("2026-12-31T23:30:00+08:00"), "1h".parse().unwrap())
            .unwrap();
        assert_eq!(
            (cal.local(d.at).to_rfc3339().as_str(), d.provisional),
            ("2027-01-01T00:30:00+08:00", false)
        );
        // Wall time needs no year at all, before or long after the published ones.
        for start in ["2019-05-01T10:00:00+08:00", "2045-05-01T10:00:00+08:00"] {
            let due = cal.deadline(at(start), "30m".parse().unwrap()).unwrap();
            assert_eq!(due - at(start), chrono::TimeDelta::minutes(30));
        }
        // A working day in 2027 rests on the unpublished arrangement: Friday 1 January, 24:00.
        let d = cal
            .explain_deadline(at("2026-12-31T16:00:00+08:00"), "1wd".parse().unwrap())
            .unwrap();
        assert_eq!(
            (cal.local(d.at).to_rfc3339().as_str(), d.provisional),
            ("2027-01-02T00:00:00+08:00", true)
        );
    }

    #[test]
    fn before_the_published_years_and_past_the_provisional_ones_is_an_error_naming_the_year() {
        let cal = published_2026(false);
        assert_eq!(cal.counts_to().to_string(), "2031-12-31");
        for (start, d, year) in [
            ("2025-12-31T10:00:00+08:00", "1h", 2025),
            ("2025-12-31T10:00:00+08:00", "3wd", 2025),
            ("2031-12-31T16:00:00+08:00", "2h", 2032),
            ("2031-12-30T10:00:00+08:00", "3wd", 2032),
            ("2031-12-30T10:00:00+08:00", "3d", 2032),
            ("2040-06-01T10:00:00+08:00", "1h", 2040),
        ] {
            match cal.deadline(at(start), d.parse().unwrap()) {
                Err(CalendarError::NotCovered { calendar, year: y, .. }) => {
                    assert_eq!((calendar.as_str(), y), ("t", year), "{start} {d}");
                }
                other => panic!("{start} {d}: expected NotCovered, got {other:?}"),
            }
        }
    }
}

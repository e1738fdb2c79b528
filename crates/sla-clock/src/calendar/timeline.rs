//! The calendar's covered range laid out once as UTC instants, so that every question is a
//! binary search or an array lookup instead of a walk over days.
//!
//! All instants are milliseconds since the Unix epoch (UTC).

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

use super::spec::{CalendarSpec, DayInterval};

/// Marks "no such day" in the per-day lookup tables.
const NONE: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    pub(crate) first_date: NaiveDate,
    /// UTC instant of local midnight of each covered date, plus the end of the last one.
    day_start: Vec<i64>,
    /// Per day: close of business (end of its last working interval), or `i64::MIN` if it does
    /// not work.
    day_close: Vec<i64>,
    /// Per day: index of the first working day on or after it, or `NONE`.
    next_working: Vec<u32>,
    /// Per day: how many working days there are up to and including it.
    working_rank: Vec<u32>,
    /// Indices of the working days, ascending.
    working_days: Vec<u32>,
    /// Working intervals, ascending, adjacent ones merged (24x7 is one interval).
    iv_start: Vec<i64>,
    iv_end: Vec<i64>,
    /// Working time from the start of the covered range to the end of each interval.
    cum_end: Vec<i64>,
}

/// Where a question fell outside the covered range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outside {
    /// Before the first covered day.
    Before,
    /// After the last covered day.
    After,
}

/// The UTC instant of a local wall-clock time. In a DST gap the later instant is used
/// (02:30 that does not exist reads as 03:30); in a DST overlap the earlier one.
pub(crate) fn local_to_utc_millis(zone: Tz, date: NaiveDate, minute_of_day: u16) -> i64 {
    let (date, minute) = if minute_of_day >= 1440 {
        (date.succ_opt().unwrap_or(date), minute_of_day - 1440)
    } else {
        (date, minute_of_day)
    };
    let time = NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0).unwrap_or(NaiveTime::MIN);
    let naive = NaiveDateTime::new(date, time);
    match zone.from_local_datetime(&naive).earliest() {
        Some(t) => t.timestamp_millis(),
        None => {
            // A gap: read the wall time with the offset in force just before the gap.
            let before = naive - Duration::hours(3);
            let offset = zone.from_local_datetime(&before).earliest().map_or(0, |t| {
                t.naive_local().signed_duration_since(t.naive_utc()).num_milliseconds()
            });
            naive.and_utc().timestamp_millis() - offset
        }
    }
}

/// The whole day, as the service hours of an `all_hours` calendar.
const ALL_DAY: [DayInterval; 1] = [DayInterval { start: 0, end: 1440 }];

impl Timeline {
    /// Lays out the days from `spec.covers_from` to `last` (at or after `spec.covers_to`; the days
    /// past `covers_to` have no dated overrides, so they follow the weekly schedule alone).
    pub(crate) fn build(spec: &CalendarSpec, last: NaiveDate) -> Timeline {
        let days: Vec<NaiveDate> = spec.covers_from.iter_days().take_while(|d| *d <= last).collect();
        let n = days.len();
        let mut t = Timeline {
            first_date: spec.covers_from,
            day_start: Vec::with_capacity(n + 1),
            day_close: Vec::with_capacity(n),
            next_working: vec![NONE; n],
            working_rank: Vec::with_capacity(n),
            working_days: Vec::new(),
            iv_start: Vec::new(),
            iv_end: Vec::new(),
            cum_end: Vec::new(),
        };
        let mut cum = 0i64;
        for (i, &date) in days.iter().enumerate() {
            t.day_start.push(local_to_utc_millis(spec.zone, date, 0));
            let hours: &[DayInterval] = spec.intervals_on(date).hours();
            let service: &[DayInterval] = if spec.all_hours { &ALL_DAY } else { hours };
            let mut close = i64::MIN;
            for iv in service {
                let s = local_to_utc_millis(spec.zone, date, iv.start);
                let e = local_to_utc_millis(spec.zone, date, iv.end);
                if e <= s {
                    continue; // swallowed by a DST change
                }
                if !spec.all_hours {
                    close = e;
                }
                cum += e - s;
                match t.iv_end.last_mut() {
                    Some(last) if *last == s => {
                        *last = e;
                        if let Some(c) = t.cum_end.last_mut() {
                            *c = cum;
                        }
                    }
                    _ => {
                        t.iv_start.push(s);
                        t.iv_end.push(e);
                        t.cum_end.push(cum);
                    }
                }
            }
            if spec.all_hours && !hours.is_empty() {
                // A working day of an all-hours calendar ends at 24:00.
                close = local_to_utc_millis(spec.zone, date, 1440);
            }
            t.day_close.push(close);
            if close != i64::MIN {
                t.working_days.push(i as u32);
            }
            t.working_rank.push(t.working_days.len() as u32);
        }
        if let Some(&last) = days.last() {
            t.day_start.push(local_to_utc_millis(spec.zone, last, 1440));
        }
        let mut next = NONE;
        for i in (0..n).rev() {
            if t.day_close[i] != i64::MIN {
                next = i as u32;
            }
            t.next_working[i] = next;
        }
        t
    }

    pub(crate) fn days(&self) -> usize {
        self.day_close.len()
    }

    pub(crate) fn date_of_index(&self, index: usize) -> NaiveDate {
        self.first_date + Duration::days(index as i64)
    }

    /// First and one-past-last covered instants.
    pub(crate) fn range(&self) -> (i64, i64) {
        (
            self.day_start.first().copied().unwrap_or(0),
            self.day_start.last().copied().unwrap_or(0),
        )
    }

    fn check(&self, t: i64) -> Result<(), Outside> {
        let (lo, hi) = self.range();
        if t < lo {
            Err(Outside::Before)
        } else if t > hi {
            Err(Outside::After)
        } else {
            Ok(())
        }
    }

    /// Index of the covered day containing instant `t` (the last instant belongs to the last day).
    pub(crate) fn day_index(&self, t: i64) -> Result<usize, Outside> {
        self.check(t)?;
        let after = self.day_start.partition_point(|&s| s <= t);
        Ok(after.saturating_sub(1).min(self.days().saturating_sub(1)))
    }

    /// Close of business of day `index`, if it is a working day.
    pub(crate) fn close_of(&self, index: usize) -> Option<i64> {
        self.day_close.get(index).copied().filter(|&c| c != i64::MIN)
    }

    /// The first working day on or after day `index`.
    pub(crate) fn next_working_day(&self, index: usize) -> Result<usize, Outside> {
        match self.next_working.get(index) {
            Some(&i) if i != NONE => Ok(i as usize),
            _ => Err(Outside::After),
        }
    }

    /// The `n`-th working day strictly after day `index` (`n` ≥ 1).
    pub(crate) fn nth_working_day_after(&self, index: usize, n: u32) -> Result<usize, Outside> {
        let rank = self.working_rank.get(index).copied().ok_or(Outside::After)?;
        let target = rank as usize + n as usize;
        self.working_days
            .get(target.wrapping_sub(1))
            .map(|&i| i as usize)
            .ok_or(Outside::After)
    }

    /// Working time from the start of the covered range up to instant `t`.
    pub(crate) fn cumulative(&self, t: i64) -> Result<i64, Outside> {
        self.check(t)?;
        let k = self.iv_start.partition_point(|&s| s <= t);
        if k == 0 {
            return Ok(0);
        }
        let j = k - 1;
        let (e, c) = (self.iv_end[j], self.cum_end[j]);
        // `iv_start[j] <= t`, so inside the interval only the part after `t` is missing.
        Ok(if t < e { c - (e - t) } else { c })
    }

    /// The earliest instant at which the working time since the start of the range equals
    /// `target` (so a target reached exactly at the end of an interval is that end).
    pub(crate) fn instant_at_cumulative(&self, target: i64) -> Result<i64, Outside> {
        if target <= 0 {
            return Ok(self.iv_start.first().copied().unwrap_or(self.range().0));
        }
        let k = self.cum_end.partition_point(|&c| c < target);
        if k == self.cum_end.len() {
            return Err(Outside::After);
        }
        Ok(self.iv_end[k] - (self.cum_end[k] - target))
    }

    /// The first working instant at or after `t` (the end of the range if none).
    pub(crate) fn next_working_instant(&self, t: i64) -> Result<i64, Outside> {
        self.check(t)?;
        let k = self.iv_end.partition_point(|&e| e <= t);
        match self.iv_start.get(k) {
            Some(&s) => Ok(s.max(t)),
            None => Err(Outside::After),
        }
    }

    /// Adds `amount` ms of working time to instant `t`: the earliest instant at which the working
    /// time elapsed since `t` equals `amount`. Zero gives `t` itself.
    pub(crate) fn add_working(&self, t: i64, amount: i64) -> Result<i64, Outside> {
        let base = self.cumulative(t)?;
        if amount <= 0 {
            return Ok(t);
        }
        self.instant_at_cumulative(base + amount)
    }
}

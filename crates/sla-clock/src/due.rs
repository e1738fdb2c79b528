//! When a report about a period is due: "the 30th of the quarter's last month", "the first
//! working day after the month", "the next day by 09:00".
//!
//! Contracts set a date for their periodic reports (月报, 季度报告, 年度报告) in one of two ways:
//! counted from the end of the period the report covers, or within the period's last month. Seed
//! 004 L4933–4935 has both in one sentence: "季度报告在每季度最后一个月的 30 日前提交，年度报告在每年运维
//! 期结束后第一个月的 30 日前提交" — the quarterly report by the 30th of the quarter's last month
//! (`{ in = "last_month", day = 30 }`), the annual one by the 30th of the month after the year
//! (`{ day = 30 }`, counted after the period).
//!
//! A [`DueRule`] names one day, and the time of that day by which the report is due:
//!
//! - **`day = N`**: the N-th calendar day. Counted after the period (`in = "after"`, the default),
//!   day 1 is the first day after the period's last day; in the period's last month
//!   (`in = "last_month"`), day N is that month's N-th, or its last day when it has fewer (day 30
//!   of a February is the 28th or 29th). Holidays do not move it: a report due on the 30th is due
//!   then, Sunday or not. Calendar days need no calendar data, so such a rule never runs out.
//! - **`working_day = N`**: the N-th working day of the calendar, counted from the same first day
//!   (the first day counts when it is a working day). In the last month, a month with fewer than N
//!   working days gives its last working day. Working days need the calendar's data for those
//!   dates. Past the published days a dated calendar counts provisionally (weekends only, see
//!   [`Calendar::counts_to`]): [`DueRule::is_provisional`] says when a due date rests on such
//!   days, and publishing the year may move it. Past even that, it is a [`CalendarError`], never a
//!   guess.
//! - **`in = "before"`**: the days before the period, counted back: day 1 is the day before its
//!   first day, working day 1 the last working day before it. A 重保 window's preparation due
//!   "before the 重保" (000 L815 "在每次重保前执行平台应急演练") is `{ in = "before", day = 1 }`: by the
//!   end of the day before the window opens.
//! - **`by = "HH:MM"`**: the report is due at that local time on the day; without it, by the end
//!   of the day (24:00, the next day's midnight). "30 日前提交" reads as "by the 30th", so the
//!   whole 30th is allowed; the stricter "before the 30th" is `by = "00:00"`.
//!
//! ```
//! use chrono::NaiveDate;
//! use sla_clock::DueRule;
//! let cn = sla_clock::builtin::calendar("cn-5x8").unwrap();
//! let d = |s: &str| s.parse::<NaiveDate>().unwrap();
//! // Q4 2026 (October to December): due by the end of 30 December.
//! let quarterly: DueRule = toml::from_str(r#"in = "last_month"
//! day = 30"#).unwrap();
//! let due = quarterly.due(&cn, d("2026-10-01"), d("2027-01-01")).unwrap();
//! assert_eq!(cn.local(due).to_rfc3339(), "2026-12-31T00:00:00+08:00");
//! // The November report, due the first working day after the month: Tuesday 1 December.
//! let monthly: DueRule = toml::from_str("working_day = 1").unwrap();
//! let due = monthly.due(&cn, d("2026-11-01"), d("2026-12-01")).unwrap();
//! assert_eq!(cn.local(due).to_rfc3339(), "2026-12-02T00:00:00+08:00");
//! // The September report: 1–7 October are the National Day holiday, so Thursday 8 October.
//! let due = monthly.due(&cn, d("2026-09-01"), d("2026-10-01")).unwrap();
//! assert_eq!(cn.local(due).to_rfc3339(), "2026-10-09T00:00:00+08:00");
//! ```

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError};

/// Which days a [`DueRule`] counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueIn {
    /// The days after the period: day 1 is the first day after its last.
    #[default]
    After,
    /// The days of the period's last month: day N is that month's N-th.
    LastMonth,
    /// The days before the period: day 1 is the day before its first day (a 重保 window's
    /// preparation, due before the window opens).
    Before,
}

/// When a report about a period is due; see the [module](self) for the rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueRule {
    /// Which days are counted.
    #[serde(default, rename = "in")]
    pub counted_in: DueIn,
    /// The N-th calendar day (exactly one of `day` and `working_day`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u32>,
    /// The N-th working day of the calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_day: Option<u32>,
    /// The local time of day by which, `"HH:MM"`; absent, the end of the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// Why a due instant could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DueError {
    /// The rule itself is wrong (see [`DueRule::check`]).
    #[error("{0}")]
    Invalid(String),
    /// Working days were asked of dates the calendar does not cover.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl DueRule {
    /// The rule's problems, or `Ok`: exactly one of `day` and `working_day`, at least 1 and at
    /// most 366; `by` a time `HH:MM`.
    pub fn check(&self) -> Result<(), String> {
        match (self.day, self.working_day) {
            (Some(_), Some(_)) => return Err("give either day or working_day, not both".to_owned()),
            (None, None) => return Err("give day (a calendar day) or working_day".to_owned()),
            (Some(n), None) | (None, Some(n)) if !(1..=366).contains(&n) => {
                return Err(format!("{n} is not a day from 1 to 366"));
            }
            _ => {}
        }
        self.time().map(|_| ())
    }

    /// `by` as (hour, minute), or `None` for the end of the day.
    fn time(&self) -> Result<Option<(u32, u32)>, String> {
        let Some(by) = self.by.as_deref() else {
            return Ok(None);
        };
        chrono::NaiveTime::parse_from_str(by, "%H:%M")
            .map(|t| Some((chrono::Timelike::hour(&t), chrono::Timelike::minute(&t))))
            .map_err(|_| format!("by: {by:?} is not a time of day HH:MM"))
    }

    /// The day the report about the period `[first, next)` is due on (`next` is the first day
    /// after the period).
    pub fn due_date(&self, calendar: &Calendar, first: NaiveDate, next: NaiveDate) -> Result<NaiveDate, DueError> {
        self.check().map_err(DueError::Invalid)?;
        let last = next.pred_opt().unwrap_or(first).max(first);
        let (from, month_end) = match self.counted_in {
            DueIn::Before => return self.before(calendar, first),
            DueIn::After => (next, None),
            DueIn::LastMonth => {
                let start = last.with_day(1).unwrap_or(last);
                let end = (start + Months::new(1)).pred_opt().unwrap_or(start);
                (start, Some(end))
            }
        };
        if let Some(n) = self.day {
            let date = from + Days::new(u64::from(n - 1));
            return Ok(month_end.map_or(date, |end| date.min(end)));
        }
        let n = self.working_day.unwrap_or(1);
        let mut seen = 0;
        let mut last_working = None;
        let mut date = from;
        loop {
            if month_end.is_some_and(|end| date > end) {
                return Ok(last_working.or(month_end).unwrap_or(date));
            }
            if calendar.is_working_day(date)? {
                seen += 1;
                last_working = Some(date);
                if seen == n {
                    return Ok(date);
                }
            }
            date = date
                .succ_opt()
                .ok_or(DueError::Invalid("past the last date".to_owned()))?;
        }
    }

    /// The N-th (working) day before `first`, counting back from the day before it.
    fn before(&self, calendar: &Calendar, first: NaiveDate) -> Result<NaiveDate, DueError> {
        let past = || DueError::Invalid("before the first date".to_owned());
        if let Some(n) = self.day {
            return first.checked_sub_days(Days::new(u64::from(n))).ok_or_else(past);
        }
        let n = self.working_day.unwrap_or(1);
        let mut seen = 0;
        let mut date = first;
        loop {
            date = date.pred_opt().ok_or_else(past)?;
            if calendar.is_working_day(date)? {
                seen += 1;
                if seen == n {
                    return Ok(date);
                }
            }
        }
    }

    /// The instant the report about the period `[first, next)` is due, in `calendar`'s zone.
    pub fn due(&self, calendar: &Calendar, first: NaiveDate, next: NaiveDate) -> Result<DateTime<Utc>, DueError> {
        let date = self.due_date(calendar, first, next)?;
        let at = match self.time().map_err(DueError::Invalid)? {
            Some((h, m)) => calendar.at_local(date, h, m),
            None => date.succ_opt().and_then(|d| calendar.at_local(d, 0, 0)),
        };
        at.ok_or(DueError::Invalid(format!("{date} has no such local time")))
    }

    /// Whether the due date `date` (from [`DueRule::due_date`]) rests on days whose holidays are
    /// not published yet: a working-day rule reaching past the calendar's published days.
    pub fn is_provisional(&self, calendar: &Calendar, date: NaiveDate) -> bool {
        self.working_day.is_some() && !calendar.is_published(date)
    }

    /// The rule in Chinese, as a contract would say it about a period of `every` (`月`, `季度`…):
    /// 「次月第 1 个工作日」, 「本季度最后一个月 30 日」, with 「09:00 前」 when `by` is set.
    pub fn describe_zh(&self, every: &str) -> String {
        let when = match (self.counted_in, self.day, self.working_day) {
            (DueIn::After, Some(n), _) => format!("{every}结束后第 {n} 日"),
            (DueIn::After, _, n) => format!("{every}结束后第 {} 个工作日", n.unwrap_or(1)),
            (DueIn::LastMonth, Some(n), _) => format!("本{every}最后一个月 {n} 日"),
            (DueIn::LastMonth, _, n) => format!("本{every}最后一个月第 {} 个工作日", n.unwrap_or(1)),
            (DueIn::Before, Some(n), _) => format!("{every}开始前第 {n} 日"),
            (DueIn::Before, _, n) => format!("{every}开始前第 {} 个工作日", n.unwrap_or(1)),
        };
        match &self.by {
            Some(by) => format!("{when} {by} 前"),
            None => format!("{when}（含当日）"),
        }
    }

    /// The rule in English: "working day 1 after the period", "day 30 of the period's last month".
    pub fn describe_en(&self) -> String {
        let when = match (self.counted_in, self.day, self.working_day) {
            (DueIn::After, Some(n), _) => format!("day {n} after the period"),
            (DueIn::After, _, n) => format!("working day {} after the period", n.unwrap_or(1)),
            (DueIn::LastMonth, Some(n), _) => format!("day {n} of the period's last month"),
            (DueIn::LastMonth, _, n) => format!("working day {} of the period's last month", n.unwrap_or(1)),
            (DueIn::Before, Some(n), _) => format!("day {n} before the period"),
            (DueIn::Before, _, n) => format!("working day {} before the period", n.unwrap_or(1)),
        };
        match &self.by {
            Some(by) => format!("{when}, by {by}"),
            None => format!("{when}, by the end of the day"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn rule(text: &str) -> DueRule {
        toml::from_str(text).unwrap()
    }

    /// `cn-5x8`, read once for every test (property tests ask for it hundreds of times).
    fn cn() -> Calendar {
        static CN: std::sync::LazyLock<Calendar> =
            std::sync::LazyLock::new(|| crate::builtin::calendar("cn-5x8").unwrap());
        CN.clone()
    }

    #[test]
    fn a_day_after_the_period_is_counted_from_the_next_day() {
        let r = rule("day = 5");
        assert_eq!(
            r.due_date(&cn(), d("2026-11-01"), d("2026-12-01")).unwrap(),
            d("2026-12-05")
        );
        // A calendar day is due whatever the calendar says: 5 October is in the holiday.
        assert_eq!(
            r.due_date(&cn(), d("2026-09-01"), d("2026-10-01")).unwrap(),
            d("2026-10-05")
        );
    }

    #[test]
    fn the_last_month_clamps_to_its_last_day() {
        let r = rule("in = \"last_month\"\nday = 30");
        // Q1 ends in March (31 days): the 30th.
        assert_eq!(
            r.due_date(&cn(), d("2027-01-01"), d("2027-04-01")).unwrap(),
            d("2027-03-30")
        );
        // A month period whose month is February: the 28th.
        assert_eq!(
            r.due_date(&cn(), d("2027-02-01"), d("2027-03-01")).unwrap(),
            d("2027-02-28")
        );
    }

    #[test]
    fn working_days_skip_holidays_and_count_make_up_days() {
        let r = rule("working_day = 1");
        // September 2026: 1 October begins the National Day holiday (1–7 October): the 8th.
        assert_eq!(
            r.due_date(&cn(), d("2026-09-01"), d("2026-10-01")).unwrap(),
            d("2026-10-08")
        );
        // Week 41 of 2026 ends Sunday 11 October... the Saturday 10th is a make-up working day,
        // but it is in the period; the first working day after is Monday 12 October.
        assert_eq!(
            r.due_date(&cn(), d("2026-10-05"), d("2026-10-12")).unwrap(),
            d("2026-10-12")
        );
    }

    #[test]
    fn before_counts_back_from_the_day_before_the_period() {
        let r = rule("in = \"before\"\nday = 1");
        assert_eq!(
            r.due_date(&cn(), d("2026-10-01"), d("2026-10-08")).unwrap(),
            d("2026-09-30")
        );
        // The last working day before National Day 2026: Wednesday 30 September; the 2nd is the
        // 29th (the 25th–27th are the Mid-Autumn holiday, the 28th a Monday).
        let r = rule("in = \"before\"\nworking_day = 2");
        assert_eq!(
            r.due_date(&cn(), d("2026-10-01"), d("2026-10-08")).unwrap(),
            d("2026-09-29")
        );
        assert_eq!(r.describe_zh("重保"), "重保开始前第 2 个工作日（含当日）");
    }

    #[test]
    fn by_sets_the_hour_and_its_absence_the_end_of_the_day() {
        let cal = cn();
        let r = rule("day = 1\nby = \"09:00\"");
        let due = r.due(&cal, d("2026-12-06"), d("2026-12-07")).unwrap();
        assert_eq!(cal.local(due).to_rfc3339(), "2026-12-07T09:00:00+08:00");
        let r = rule("day = 1");
        let due = r.due(&cal, d("2026-12-06"), d("2026-12-07")).unwrap();
        assert_eq!(cal.local(due).to_rfc3339(), "2026-12-08T00:00:00+08:00");
    }

    #[test]
    fn past_the_published_days_working_days_are_provisional_and_then_an_error() {
        let cal = cn();
        let (_, published) = cal.covered_dates();
        let next = published.succ_opt().unwrap();
        let r = rule("working_day = 1");
        let date = r.due_date(&cal, published.with_day(1).unwrap(), next).unwrap();
        assert!(r.is_provisional(&cal, date));
        assert!(!rule("day = 1").is_provisional(&cal, date));
        let before = r.due_date(&cal, d("2026-09-01"), d("2026-10-01")).unwrap();
        assert!(!r.is_provisional(&cal, before));
    }

    #[test]
    fn a_working_day_past_the_calendar_is_an_error_a_calendar_day_is_not() {
        let cal = cn();
        let last = cal.counts_to();
        let first = last.with_day(1).unwrap();
        let next = last.succ_opt().unwrap();
        assert!(matches!(
            rule("working_day = 1").due(&cal, first, next),
            Err(DueError::Calendar(_))
        ));
        assert!(rule("day = 1").due(&cal, first, next).is_ok());
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        assert!(
            rule("day = 1\nworking_day = 1")
                .check()
                .unwrap_err()
                .contains("not both")
        );
        assert!(DueRule::default().check().unwrap_err().contains("give day"));
        assert!(rule("day = 0").check().unwrap_err().contains("not a day"));
        assert!(rule("day = 1\nby = \"9h\"").check().unwrap_err().contains("HH:MM"));
        assert!(toml::from_str::<DueRule>("days = 1").is_err());
    }

    #[test]
    fn descriptions() {
        assert_eq!(
            rule("working_day = 1").describe_zh("月"),
            "月结束后第 1 个工作日（含当日）"
        );
        assert_eq!(
            rule("in = \"last_month\"\nday = 30").describe_en(),
            "day 30 of the period's last month, by the end of the day"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn month(i: u32) -> (NaiveDate, NaiveDate) {
            let first = d("2024-01-01") + Months::new(i);
            (first, first + Months::new(1))
        }

        proptest! {
            /// A working-day rule lands on a working day with exactly N working days counted from
            /// the first day after the period, that day included.
            #[test]
            fn the_nth_working_day_is_the_nth(i in 0u32..35, n in 1u32..25) {
                let cal = cn();
                let (first, next) = month(i);
                let r = DueRule { working_day: Some(n), ..DueRule::default() };
                let date = r.due_date(&cal, first, next).unwrap();
                prop_assert!(cal.is_working_day(date).unwrap());
                let counted = next.iter_days().take_while(|x| *x <= date)
                    .filter(|x| cal.is_working_day(*x).unwrap()).count();
                prop_assert_eq!(counted, n as usize);
            }

            /// Counted after the period, every rule is due after the period's last day; counted in
            /// its last month, within that month; and the instant is never before the date.
            /// (From March 2024: 24 working days before February 2024 reach back into 2023, which
            /// the shipped calendar does not cover, and the rule rightly refuses to guess.)
            #[test]
            fn due_dates_fall_where_the_rule_counts(i in 2u32..35, n in 1u32..25, working in any::<bool>(),
                                                    counted in 0u8..3) {
                let cal = cn();
                let (first, next) = month(i);
                let counted_in = [DueIn::After, DueIn::LastMonth, DueIn::Before][usize::from(counted)];
                let r = DueRule {
                    counted_in,
                    day: (!working).then_some(n),
                    working_day: working.then_some(n),
                    by: None,
                };
                let date = r.due_date(&cal, first, next).unwrap();
                match counted_in {
                    DueIn::LastMonth => prop_assert!(date >= first && date < next),
                    DueIn::After => prop_assert!(date >= next),
                    DueIn::Before => {
                        prop_assert!(date < first);
                        if working {
                            let counted = date.iter_days().take_while(|x| *x < first)
                                .filter(|x| cal.is_working_day(*x).unwrap()).count();
                            prop_assert_eq!(counted, n as usize);
                        } else {
                            prop_assert_eq!((first - date).num_days(), i64::from(n));
                        }
                    }
                }
                let at = r.due(&cal, first, next).unwrap();
                prop_assert_eq!(cal.local(at).date_naive(), date.succ_opt().unwrap());
            }
        }
    }
}

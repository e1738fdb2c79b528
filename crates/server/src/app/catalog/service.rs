//! A system's service dates and fee (`[systems.contract]` `service_start`, `service_end`,
//! `fee_fen`): when the contract serves it, and what it pays for it.
//!
//! Dates are the buyer's calendar days in China (Asia/Shanghai). `service_start` is the first day
//! served, `service_end` the last day served (inclusive); a month (`"2026-09"`) means its first
//! day as a start and its last day as an end. Without a start the system is served from the
//! beginning; without an end, to the end.
//!
//! - A ticket whose problem began (`occurred_at`) outside these days is accepted with no contract
//!   clocks, and its timeline says why ([`ServiceDates::outside`]).
//! - Availability counts a system only over its days of service ([`ServiceDates::clip`]).
//! - `fee_fen` is the system's fee for one year of service, in fen. The report reduces
//!   (核减, seed 004 L28733–28735 "对于因项目升级、关停或运维主体调整导致不再产生运维需求的项目，
//!   乙方对应服务费用应按实际情况予以核减") the fee of a system not served on some days of the period
//!   by `fee_fen × days not served / days of the year` ([`ServiceDates::reduction`]). Pro rata by
//!   days is a reading of "按实际情况", not the text: a person should confirm it.
//!
//! Example: sy-x has `service_end = "2026-03-20"` and `fee_fen = 36_500_000` (365 000 元 a year).
//! In the report for March 2026 (31 days) it is served 20 days; the 11 days after its end reduce
//! the fee by 36 500 000 × 11 / 365 = 1 100 000 fen (11 000 元), and its availability is measured
//! over 20 days (28 800 minutes).

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use serde_json::Value;

/// The zone the service dates are days of.
pub const ZONE: Tz = chrono_tz::Asia::Shanghai;

/// Parses a service date: `"YYYY-MM-DD"`, or `"YYYY-MM"` (its first day, or its last with
/// `last`).
pub fn parse_date(text: &str, last: bool) -> Option<NaiveDate> {
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(d);
    }
    let first = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok()?;
    if !last {
        return Some(first);
    }
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
    };
    next.pred_opt()
}

/// What is wrong with the service dates and fee of `f`: (field, message), each field once.
pub fn problems(f: &super::file::ContractFacts) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut date = |field: &'static str, text: &Option<String>, last: bool| {
        let t = text.as_deref()?;
        let d = parse_date(t, last);
        if d.is_none() {
            out.push((
                field,
                format!("{t:?} is not a date like \"2026-01-01\" or a month like \"2026-03\""),
            ));
        }
        d
    };
    let start = date("service_start", &f.service_start, false);
    let end = date("service_end", &f.service_end, true);
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        out.push((
            "service_end",
            format!("{e} is before service_start {s}; the end is the last day served"),
        ));
    }
    if let Some(fee) = f.fee_fen
        && fee < 0
    {
        out.push(("fee_fen", format!("{fee} is negative; give the yearly fee in fen")));
    }
    out
}

/// A system's service dates and yearly fee.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServiceDates {
    /// The first day served.
    pub start: Option<NaiveDate>,
    /// The last day served.
    pub end: Option<NaiveDate>,
    /// The fee for a year of service, fen.
    pub fee_fen: Option<i64>,
}

fn midnight(d: NaiveDate) -> Option<DateTime<Utc>> {
    d.and_hms_opt(0, 0, 0)?
        .and_local_timezone(ZONE)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

impl ServiceDates {
    /// Reads them from a system's stored contract facts (its `profile`).
    pub fn of(profile: Option<&Value>) -> ServiceDates {
        let text = |key: &str| profile.and_then(|p| p.get(key)).and_then(Value::as_str);
        ServiceDates {
            start: text("service_start").and_then(|s| parse_date(s, false)),
            end: text("service_end").and_then(|s| parse_date(s, true)),
            fee_fen: profile.and_then(|p| p.get("fee_fen")).and_then(Value::as_i64),
        }
    }

    /// The first instant served, if there is a start.
    pub fn from(&self) -> Option<DateTime<Utc>> {
        self.start.and_then(midnight)
    }

    /// The first instant no longer served, if there is an end.
    pub fn until(&self) -> Option<DateTime<Utc>> {
        self.end.and_then(|d| d.succ_opt()).and_then(midnight)
    }

    /// `[from, to)` cut to the days of service; `None` when none of it is served.
    pub fn clip(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let a = self.from().map_or(from, |s| s.max(from));
        let b = self.until().map_or(to, |e| e.min(to));
        (a < b).then_some((a, b))
    }

    /// Why a problem that began at `at` gets no contract clocks, in Chinese with the English
    /// after it; `None` when `at` is a day of service.
    pub fn outside(&self, at: DateTime<Utc>) -> Option<String> {
        self.outside_as(at, ("故障发生于", "the problem began on"))
    }

    /// [`ServiceDates::outside`] for clocks that start at `at`, said as `what` (`("报告于", "it was
    /// reported on")` under a policy counting from the report).
    pub fn outside_as(&self, at: DateTime<Utc>, what: (&str, &str)) -> Option<String> {
        let day = at.with_timezone(&ZONE).date_naive();
        let (zh, en) = what;
        if let Some(s) = self.start.filter(|s| day < *s) {
            return Some(format!(
                "{zh} {day}，早于本系统运维服务开始日期 {s}，不计合同时限 / {en} {day}, \
                 before the system's service starts ({s}): no contract clocks"
            ));
        }
        if let Some(e) = self.end.filter(|e| day > *e) {
            return Some(format!(
                "{zh} {day}，晚于本系统运维服务结束日期 {e}，不计合同时限 / {en} {day}, \
                 after the system's service ended ({e}): no contract clocks"
            ));
        }
        None
    }

    /// The whole days of `[from, to)` (local midnights) not served.
    pub fn days_outside(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let days = |a: DateTime<Utc>, b: DateTime<Utc>| {
            (b.with_timezone(&ZONE).date_naive() - a.with_timezone(&ZONE).date_naive())
                .num_days()
                .max(0)
        };
        let total = days(from, to);
        let served = self.clip(from, to).map_or(0, |(a, b)| days(a, b));
        total - served
    }

    /// The fee reduction (核减) over `[from, to)`: `fee_fen × days not served / days of the
    /// year` for each year the days fall in (365 or 366), rounded to the fen; `None` without a fee.
    pub fn reduction(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<(i64, i64)> {
        let fee = self.fee_fen?;
        let (first, last) = (
            from.with_timezone(&ZONE).date_naive(),
            to.with_timezone(&ZONE).date_naive(),
        );
        let served = self
            .clip(from, to)
            .map(|(a, b)| (a.with_timezone(&ZONE).date_naive(), b.with_timezone(&ZONE).date_naive()));
        let mut outside = 0i64;
        let mut share = 0f64;
        let mut day = first;
        while day < last {
            let is_served = served.is_some_and(|(a, b)| day >= a && day < b);
            if !is_served {
                outside += 1;
                let year_days = if NaiveDate::from_ymd_opt(day.year(), 2, 29).is_some() {
                    366.0
                } else {
                    365.0
                };
                share += 1.0 / year_days;
            }
            day += TimeDelta::days(1);
        }
        Some((outside, (fee as f64 * share).round() as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: &str) -> DateTime<Utc> {
        midnight(NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()).unwrap()
    }

    #[test]
    fn a_month_is_its_first_day_as_a_start_and_its_last_as_an_end() {
        assert_eq!(parse_date("2026-09", false), NaiveDate::from_ymd_opt(2026, 9, 1));
        assert_eq!(parse_date("2026-02", true), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(parse_date("2026-12", true), NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(parse_date("2026-09-15", true), NaiveDate::from_ymd_opt(2026, 9, 15));
        assert_eq!(parse_date("2026年9月", false), None);
    }

    #[test]
    fn the_example_in_the_module_docs() {
        let s = ServiceDates {
            start: None,
            end: NaiveDate::from_ymd_opt(2026, 3, 20),
            fee_fen: Some(36_500_000),
        };
        let (from, to) = (at("2026-03-01"), at("2026-04-01"));
        assert_eq!(s.clip(from, to), Some((from, at("2026-03-21"))));
        assert_eq!(s.days_outside(from, to), 11);
        assert_eq!(s.reduction(from, to), Some((11, 1_100_000)));
        assert!(s.outside(at("2026-03-20")).is_none());
        assert!(
            s.outside(at("2026-03-21"))
                .unwrap()
                .contains("晚于本系统运维服务结束日期 2026-03-20")
        );
    }

    #[test]
    fn a_start_after_the_period_leaves_nothing_served() {
        let s = ServiceDates {
            start: NaiveDate::from_ymd_opt(2026, 9, 15),
            ..ServiceDates::default()
        };
        assert_eq!(s.clip(at("2026-03-01"), at("2026-04-01")), None);
        assert_eq!(s.days_outside(at("2026-03-01"), at("2026-04-01")), 31);
        assert_eq!(s.reduction(at("2026-03-01"), at("2026-04-01")), None);
        assert!(
            s.outside(at("2026-03-10"))
                .unwrap()
                .contains("早于本系统运维服务开始日期 2026-09-15")
        );
        assert!(s.outside(at("2026-09-15")).is_none());
    }
}

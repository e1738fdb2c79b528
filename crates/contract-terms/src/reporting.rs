//! The reports a contract asks the vendor to hand in at fixed times (定期报告): which, about what
//! period, due when.
//!
//! Every seed lists documents the vendor owes: 月报 (000 L107 "过程类成果物应包括月报"), weekly and
//! monthly reports (002 L1185–1186, L1193–1194), quarterly and annual ones with their dates (004
//! L4933–4935 "季度报告在每季度最后一个月的 30 日前提交，年度报告在每年运维期结束后第一个月的 30 日前
//! 提交"). A contract lists them as `[[contracts.reports]]`:
//!
//! ```toml
//! [[contracts.reports]]
//! code = "quarterly"
//! name = "运维季度报告"
//! every = "quarter"
//! due = { in = "last_month", day = 30 }
//! source = "004 L4933–4935"
//! ```
//!
//! 重保 windows are periods too: `every = "major_event"` owes one report per window covering the
//! report's systems (its preparation, due before it opens, or its summary, due after it closes),
//! `every = "major_event_day"` one per day of such a window (the 重保 daily report).
//!
//! Each period of `every` owes one report, due by [`sla_clock::DueRule`] on the contract's
//! calendar. Which sections a report has, and which systems it covers, are the server's to fill
//! from its data ([`ReportDuty::sections`], [`ReportDuty::systems`]); the parts the vendor writes
//! are [`ReportDuty::narrative`].
//!
//! ```
//! let c: contract_terms::ReportDuty = toml::from_str(r#"
//! code = "monthly"
//! name = "运维月报"
//! every = "month"
//! due = { working_day = 1 }
//! "#).unwrap();
//! assert_eq!(c.calendar, "cn-5x8");
//! assert_eq!(c.remind_hours, 24);
//! ```

use serde::{Deserialize, Serialize};
use sla_clock::DueRule;

/// The period a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportEvery {
    /// A day (日报).
    Day,
    /// A week from Monday (周报).
    Week,
    /// A calendar month (月报).
    Month,
    /// A calendar quarter (季度报告).
    Quarter,
    /// January to June, July to December.
    HalfYear,
    /// A calendar year (年度报告).
    Year,
    /// Each 重保 window (major-event protection) covering the report's systems: a report
    /// before it (`due = { in = "before", … }`, the preparation) or after it (its summary,
    /// 000 L849 "每次重保完成后，需输出一份重保总结报告").
    MajorEvent,
    /// Each day of a 重保 window covering the report's systems (001 L507 "每日提供详尽的工作日报").
    MajorEventDay,
}

impl ReportEvery {
    /// The key as stored and written: `day`, `week`, `month`, `quarter`, `half_year`, `year`.
    pub fn key(self) -> &'static str {
        match self {
            ReportEvery::Day => "day",
            ReportEvery::Week => "week",
            ReportEvery::Month => "month",
            ReportEvery::Quarter => "quarter",
            ReportEvery::HalfYear => "half_year",
            ReportEvery::Year => "year",
            ReportEvery::MajorEvent => "major_event",
            ReportEvery::MajorEventDay => "major_event_day",
        }
    }

    /// Whether the periods are a 重保 window's (or its days) rather than the calendar's.
    pub fn is_major_event(self) -> bool {
        matches!(self, ReportEvery::MajorEvent | ReportEvery::MajorEventDay)
    }

    /// The period in Chinese: 日, 周, 月, 季度, 半年, 年.
    pub fn zh(self) -> &'static str {
        match self {
            ReportEvery::Day => "日",
            ReportEvery::Week => "周",
            ReportEvery::Month => "月",
            ReportEvery::Quarter => "季度",
            ReportEvery::HalfYear => "半年",
            ReportEvery::Year => "年",
            ReportEvery::MajorEvent => "重保",
            ReportEvery::MajorEventDay => "重保日",
        }
    }
}

fn default_calendar() -> String {
    "cn-5x8".to_owned()
}

fn default_remind() -> u32 {
    24
}

fn is_default_calendar(c: &str) -> bool {
    c == "cn-5x8"
}

fn is_default_remind(h: &u32) -> bool {
    *h == 24
}

/// One report the contract asks for at fixed times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportDuty {
    /// A stable code, unique within the contract (`"monthly"`).
    pub code: String,
    /// The report's name as the contract says it (`"运维月报"`).
    pub name: String,
    /// The period each report covers.
    pub every: ReportEvery,
    /// When the report about a period is due.
    pub due: DueRule,
    /// The calendar whose working days and zone the due rule counts in: `cn-5x8` (China's official
    /// working days) unless set.
    #[serde(default = "default_calendar", skip_serializing_if = "is_default_calendar")]
    pub calendar: String,
    /// The systems the report covers, by code; empty means the contract's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<String>,
    /// The sections the server fills from its data, by key; empty means all it has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<String>,
    /// The headings of the parts the vendor writes (工作总结, 下月工作计划…), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub narrative: Vec<String>,
    /// How many hours before the due instant the vendor is reminded (0: no reminder).
    #[serde(default = "default_remind", skip_serializing_if = "is_default_remind")]
    pub remind_hours: u32,
    /// Where in the contract the report is asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What a reader should know about the reading (a due date that is opsclock's default, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ReportDuty {
    /// The duty's problems, each naming its field under `at` (`reports[0]`).
    pub(crate) fn problems(&self, at: &str, out: &mut Vec<String>) {
        if self.code.trim().is_empty() {
            out.push(format!("{at}.code: must not be empty"));
        }
        if self.name.trim().is_empty() {
            out.push(format!("{at}.name: must not be empty"));
        }
        if let Err(e) = self.due.check() {
            out.push(format!("{at}.due: {e}"));
        }
        // A rule that could only make the report late the day it is owed is refused.
        match self.due.counted_in {
            sla_clock::DueIn::Before if self.every != ReportEvery::MajorEvent => out.push(format!(
                "{at}.due: in = \"before\" is for a 重保 window's preparation (every = \"major_event\"); a \
                 report about a {} is owed once its period has begun",
                self.every.key()
            )),
            sla_clock::DueIn::LastMonth
                if matches!(
                    self.every,
                    ReportEvery::Day | ReportEvery::Week | ReportEvery::MajorEvent | ReportEvery::MajorEventDay
                ) =>
            {
                out.push(format!(
                    "{at}.due: in = \"last_month\" counts in the period's last month, which a {} does not have",
                    self.every.key()
                ))
            }
            _ => {}
        }
        if self.calendar.trim().is_empty() {
            out.push(format!("{at}.calendar: must not be empty"));
        }
        for (i, n) in self.narrative.iter().enumerate() {
            if n.trim().is_empty() {
                out.push(format!("{at}.narrative[{i}]: must not be empty"));
            } else if self.narrative[..i].contains(n) {
                out.push(format!("{at}.narrative[{i}]: {n:?} is there twice"));
            }
        }
        if self.remind_hours > 24 * 31 {
            out.push(format!("{at}.remind_hours: {} is more than a month", self.remind_hours));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duty_reads_with_its_defaults_and_writes_back_the_same() {
        let d: ReportDuty = toml::from_str(
            "code = \"q\"\nname = \"运维季度报告\"\nevery = \"quarter\"\ndue = { in = \"last_month\", day = 30 }\n",
        )
        .unwrap();
        assert_eq!(d.every, ReportEvery::Quarter);
        assert_eq!(d.calendar, "cn-5x8");
        let back: ReportDuty = serde_json::from_value(serde_json::to_value(&d).unwrap()).unwrap();
        assert_eq!(back, d);
        assert!(
            toml::from_str::<ReportDuty>("code = \"q\"\nname = \"x\"\nevery = \"fortnight\"\ndue = { day = 1 }")
                .is_err()
        );
    }

    #[test]
    fn a_rule_that_cannot_be_met_for_the_period_is_refused() {
        let problems = |text: &str| {
            let d: ReportDuty = toml::from_str(text).unwrap();
            let mut out = Vec::new();
            d.problems("r", &mut out);
            out
        };
        let before = problems("code = \"m\"\nname = \"x\"\nevery = \"month\"\ndue = { in = \"before\", day = 1 }");
        assert!(before[0].contains("major_event"), "{before:?}");
        let week = problems("code = \"w\"\nname = \"x\"\nevery = \"week\"\ndue = { in = \"last_month\", day = 1 }");
        assert!(week[0].contains("last month"), "{week:?}");
        let prep = "code = \"p\"\nname = \"x\"\nevery = \"major_event\"\ndue = { in = \"before\", day = 1 }";
        assert!(problems(prep).is_empty());
    }

    #[test]
    fn problems_name_their_field() {
        let d: ReportDuty = toml::from_str(
            "code = \"\"\nname = \"x\"\nevery = \"month\"\ndue = { day = 1, working_day = 2 }\nnarrative = [\"a\", \"a\"]\n",
        )
        .unwrap();
        let mut out = Vec::new();
        d.problems("reports[0]", &mut out);
        assert_eq!(out.len(), 3, "{out:?}");
        assert!(out[0].starts_with("reports[0].code"));
        assert!(out[1].starts_with("reports[0].due: give either"));
        assert!(out[2].starts_with("reports[0].narrative[1]"));
    }
}

//! SLA durations: an amount with the unit the contract wrote it in.
//!
//! The unit matters because each one is counted by a different rule (see [`crate::period`]):
//!
//! | unit | written | counted as |
//! |---|---|---|
//! | minutes | `30m`, `30 分钟` | working time in the clock's calendar, from the instant of the event |
//! | hours | `4h`, `4 小时`, `2 个小时` | working time in the clock's calendar, from the instant of the event |
//! | natural days | `3d`, `3 天`, `3 日` | calendar days; the day of the event is not counted |
//! | working days | `7wd`, `7 个工作日` | working days of the calendar; the day of the event is not counted |
//!
//! `立即` ("immediately") is zero minutes.
//!
//! ```
//! use sla_clock::{SlaDuration, DurationUnit};
//! let d: SlaDuration = "7 个工作日".parse().unwrap();
//! assert_eq!(d, SlaDuration::new(7, DurationUnit::WorkingDays));
//! assert_eq!(d.to_string(), "7wd");
//! assert_eq!("立即".parse::<SlaDuration>().unwrap().to_string(), "0m");
//! assert!("7 weeks".parse::<SlaDuration>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The unit an SLA duration is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DurationUnit {
    /// Minutes of working time (`m`).
    Minutes,
    /// Hours of working time (`h`).
    Hours,
    /// Natural (calendar) days (`d`), counted per PRC Civil Code art. 201 ¶1 and 203.
    Days,
    /// Working days of the calendar (`wd`).
    WorkingDays,
}

impl DurationUnit {
    /// Whether the unit counts days (natural or working), whose ends depend on which days work.
    pub fn is_days(self) -> bool {
        matches!(self, DurationUnit::Days | DurationUnit::WorkingDays)
    }

    /// The ASCII suffix used in the canonical form (`m`, `h`, `d`, `wd`).
    pub fn suffix(self) -> &'static str {
        match self {
            DurationUnit::Minutes => "m",
            DurationUnit::Hours => "h",
            DurationUnit::Days => "d",
            DurationUnit::WorkingDays => "wd",
        }
    }

    /// Whether the unit measures elapsed working time (minutes, hours) rather than whole days.
    pub fn is_working_time(self) -> bool {
        matches!(self, DurationUnit::Minutes | DurationUnit::Hours)
    }
}

/// A contract duration such as "4 小时" or "7 个工作日": an amount and its [`DurationUnit`].
///
/// Parse with [`str::parse`]; the canonical text form (`Display`, serde) is `<n><suffix>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SlaDuration {
    amount: u32,
    unit: DurationUnit,
}

/// Longest duration accepted in any unit, so that arithmetic never overflows: ten years.
const MAX_MINUTES: u64 = 10 * 366 * 24 * 60;

impl SlaDuration {
    /// A duration of `amount` `unit`s.
    pub const fn new(amount: u32, unit: DurationUnit) -> Self {
        SlaDuration { amount, unit }
    }

    /// Zero minutes: "立即" (immediately).
    pub const IMMEDIATE: SlaDuration = SlaDuration::new(0, DurationUnit::Minutes);

    /// The amount, in [`Self::unit`]s.
    pub fn amount(self) -> u32 {
        self.amount
    }

    /// The unit.
    pub fn unit(self) -> DurationUnit {
        self.unit
    }

    /// For minutes and hours, the amount of working time in milliseconds; `None` for day units.
    pub fn working_millis(self) -> Option<i64> {
        match self.unit {
            DurationUnit::Minutes => Some(i64::from(self.amount) * 60_000),
            DurationUnit::Hours => Some(i64::from(self.amount) * 3_600_000),
            DurationUnit::Days | DurationUnit::WorkingDays => None,
        }
    }

    /// Whether this is zero of any unit.
    pub fn is_zero(self) -> bool {
        self.amount == 0
    }
}

impl fmt::Display for SlaDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.suffix())
    }
}

/// The input could not be read as an SLA duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot read {input:?} as a duration ({problem}); accepted forms: 30m, 4h, 3d, 7wd, \
     30 分钟, 4 小时, 2 个小时, 3 天, 7 个工作日, 立即"
)]
pub struct DurationParseError {
    /// The text that was given.
    pub input: String,
    /// What was wrong with it.
    pub problem: &'static str,
}

impl FromStr for SlaDuration {
    type Err = DurationParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |problem| DurationParseError {
            input: input.to_owned(),
            problem,
        };
        // Contracts write "30 分钟内", "立即响应": tolerate the trailing 内 and spaces.
        let text: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        let text = text.strip_suffix('内').unwrap_or(&text);
        if text.is_empty() {
            return Err(err("it is empty"));
        }
        if matches!(text, "立即" | "立刻" | "immediate" | "immediately") {
            return Ok(SlaDuration::IMMEDIATE);
        }
        if text == "半小时" || text == "半个小时" {
            return Ok(SlaDuration::new(30, DurationUnit::Minutes));
        }
        let digits_end = text
            .char_indices()
            .find(|(_, c)| !c.is_ascii_digit())
            .map_or(text.len(), |(i, _)| i);
        let (number, unit_text) = text.split_at(digits_end);
        let (amount, unit_text) = if number.is_empty() {
            match chinese_number_prefix(unit_text) {
                Some((n, rest)) => (n, rest),
                None => return Err(err("it does not start with a number")),
            }
        } else {
            let n: u32 = number.parse().map_err(|_| err("the number is too large"))?;
            (n, unit_text)
        };
        let unit_text = unit_text.strip_prefix('个').unwrap_or(unit_text);
        let unit = match unit_text.to_ascii_lowercase().as_str() {
            "m" | "min" | "mins" | "minute" | "minutes" | "分钟" | "分" => DurationUnit::Minutes,
            "h" | "hr" | "hrs" | "hour" | "hours" | "小时" | "钟头" => DurationUnit::Hours,
            "d" | "day" | "days" | "天" | "日" | "自然日" => DurationUnit::Days,
            "wd" | "workday" | "workdays" | "工作日" | "工作天" => DurationUnit::WorkingDays,
            "" => return Err(err("it has no unit")),
            _ => return Err(err("the unit is not one of m, h, d, wd or their Chinese forms")),
        };
        let minutes = u64::from(amount)
            * match unit {
                DurationUnit::Minutes => 1,
                DurationUnit::Hours => 60,
                DurationUnit::Days | DurationUnit::WorkingDays => 24 * 60,
            };
        if minutes > MAX_MINUTES {
            return Err(err("it is longer than ten years"));
        }
        Ok(SlaDuration::new(amount, unit))
    }
}

/// Reads a small Chinese numeral (一 … 九十九, 两) at the start of `text`.
fn chinese_number_prefix(text: &str) -> Option<(u32, &str)> {
    let digit = |c: char| -> Option<u32> {
        Some(match c {
            '零' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    let mut value: Option<u32> = None;
    let mut tens: Option<u32> = None;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if c == '十' {
            if tens.is_some() {
                return None;
            }
            tens = Some(value.take().unwrap_or(1));
        } else if let Some(d) = digit(c) {
            if value.is_some() {
                return None;
            }
            value = Some(d);
        } else {
            break;
        }
        end = i + c.len_utf8();
    }
    if end == 0 {
        return None;
    }
    let n = tens.map_or(0, |t| t * 10) + value.unwrap_or(0);
    Some((n, &text[end..]))
}

impl Serialize for SlaDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SlaDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> SlaDuration {
        s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    #[test]
    fn ascii_forms() {
        assert_eq!(parse("30m"), SlaDuration::new(30, DurationUnit::Minutes));
        assert_eq!(parse("4h"), SlaDuration::new(4, DurationUnit::Hours));
        assert_eq!(parse("3d"), SlaDuration::new(3, DurationUnit::Days));
        assert_eq!(parse("7wd"), SlaDuration::new(7, DurationUnit::WorkingDays));
        assert_eq!(parse(" 15 min "), SlaDuration::new(15, DurationUnit::Minutes));
        assert_eq!(parse("2 Hours"), SlaDuration::new(2, DurationUnit::Hours));
    }

    #[test]
    fn chinese_forms_from_the_contracts() {
        assert_eq!(parse("30 分钟"), SlaDuration::new(30, DurationUnit::Minutes));
        assert_eq!(parse("30分钟内"), SlaDuration::new(30, DurationUnit::Minutes));
        assert_eq!(parse("4 小时"), SlaDuration::new(4, DurationUnit::Hours));
        assert_eq!(parse("2 个小时"), SlaDuration::new(2, DurationUnit::Hours));
        assert_eq!(parse("3 天"), SlaDuration::new(3, DurationUnit::Days));
        assert_eq!(parse("7 个工作日"), SlaDuration::new(7, DurationUnit::WorkingDays));
        assert_eq!(parse("5个工作日内"), SlaDuration::new(5, DurationUnit::WorkingDays));
        assert_eq!(parse("立即"), SlaDuration::IMMEDIATE);
        assert_eq!(parse("半小时"), SlaDuration::new(30, DurationUnit::Minutes));
        assert_eq!(parse("两小时"), SlaDuration::new(2, DurationUnit::Hours));
        assert_eq!(parse("十五分钟"), SlaDuration::new(15, DurationUnit::Minutes));
        assert_eq!(parse("二十四小时"), SlaDuration::new(24, DurationUnit::Hours));
        assert_eq!(parse("七个工作日"), SlaDuration::new(7, DurationUnit::WorkingDays));
    }

    #[test]
    fn display_round_trips() {
        for s in ["0m", "30m", "4h", "3d", "7wd"] {
            assert_eq!(parse(s).to_string(), s);
        }
    }

    #[test]
    fn bad_input_quotes_the_input_and_lists_forms() {
        for (input, problem) in [
            ("", "it is empty"),
            ("7 weeks", "the unit is not one of m, h, d, wd or their Chinese forms"),
            ("30", "it has no unit"),
            ("h", "it does not start with a number"),
            ("99999999999h", "the number is too large"),
            ("100000d", "it is longer than ten years"),
        ] {
            let e = input.parse::<SlaDuration>().unwrap_err();
            assert_eq!(e.problem, problem, "{input:?}");
            let msg = e.to_string();
            assert!(msg.contains(&format!("{input:?}")), "{msg}");
            assert!(msg.contains("7 个工作日"), "{msg}");
        }
    }

    #[test]
    fn serde_uses_the_canonical_form() {
        let d: SlaDuration = serde_json::from_str("\"4 小时\"").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"4h\"");
        assert!(serde_json::from_str::<SlaDuration>("\"4 weeks\"").is_err());
    }
}

//! How a deadline was counted ([`sla_clock::Rule`]), in Chinese: the preview's 计算方式 column.
//!
//! `sla_clock` writes the rule in English ([`sla_clock::Rule::explain`]), which the API keeps;
//! this says the same facts in the contracts' words, citing the Civil Code as 民法典 does (第二百零一
//! 条 for where counting starts, 第二百零三条 for the last day). Durations are said by
//! [`super::duration::sla`], times in the calendar's zone without the offset (every calendar
//! opsclock ships is Beijing time; the English keeps the offset).
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use opsclock::app::vocab::rules::explain_zh;
//! let cn = sla_clock::builtin::calendar("cn-7x24").unwrap();
//! let start: DateTime<Utc> = "2026-12-03T03:37:00+08:00".parse().unwrap();
//! let d = cn.explain_deadline(start, "30m".parse().unwrap()).unwrap();
//! assert_eq!(
//!     explain_zh(&d.rule, &cn, d.at),
//!     "自 2026-12-03 03:37 起按 cn-7x24 日历累计工作时间 30 分钟（民法典第二百零一条第二款：自事件发生时起算），累计满时即截止"
//! );
//! ```

use chrono::{DateTime, Utc};
use sla_clock::{Calendar, Rule};

use super::{Lang, duration};

/// The rule that gave a deadline at `at`, in Chinese.
///
/// ```
/// use chrono::{DateTime, Utc};
/// use opsclock::app::vocab::rules::explain_zh;
/// let cn = sla_clock::builtin::calendar("cn-5x8").unwrap();
/// let start: DateTime<Utc> = "2026-09-24T15:00:00+08:00".parse().unwrap();
/// let d = cn.explain_deadline(start, "7wd".parse().unwrap()).unwrap();
/// assert_eq!(
///     explain_zh(&d.rule, &cn, d.at),
///     "按 cn-5x8 日历计 7 个工作日：事件当日 2026-09-24 不计入（民法典第二百零一条第一款），\
///      第 7 个工作日为 2026-10-12，截止于当日下班时 17:00（第二百零三条第二款）"
/// );
/// ```
pub fn explain_zh(rule: &Rule, calendar: &Calendar, at: DateTime<Utc>) -> String {
    let local = calendar.local(at);
    // A day that works until midnight closes at 24:00, which is the next day's 00:00.
    let close = if local.time() == chrono::NaiveTime::MIN {
        "24:00".to_owned()
    } else {
        local.format("%H:%M").to_string()
    };
    let cal = calendar.name();
    match rule {
        Rule::WorkingTime { duration, .. } if duration.is_zero() => "立即：截止时间即起算时间".to_owned(),
        Rule::WorkingTime {
            duration,
            counting_from,
        } => format!(
            "自 {} 起按 {cal} 日历累计工作时间 {}（民法典第二百零一条第二款：自事件发生时起算），累计满时即截止",
            calendar.local(*counting_from).format("%Y-%m-%d %H:%M"),
            duration::sla(*duration, Lang::Zh),
        ),
        Rule::NaturalDays {
            days,
            start_date,
            nominal_last_day,
            last_day,
        } => {
            let moved = if nominal_last_day == last_day {
                String::new()
            } else {
                format!("；{nominal_last_day} 在 {cal} 日历中不是工作日，顺延至 {last_day}（第二百零三条第一款）")
            };
            format!(
                "{days} 天：事件当日 {start_date} 不计入（民法典第二百零一条第一款），起算日加 {days} 天为 \
                 {nominal_last_day}{moved}；截止于 {last_day} 下班时 {close}（第二百零三条第二款）"
            )
        }
        Rule::WorkingDays {
            days: 0,
            start_date,
            last_day,
        } => {
            format!("按 {cal} 日历计 0 个工作日：截止于起算时（{start_date}）或其后第一个下班时，即 {last_day} {close}")
        }
        Rule::WorkingDays {
            days,
            start_date,
            last_day,
        } => format!(
            "按 {cal} 日历计 {days} 个工作日：事件当日 {start_date} 不计入（民法典第二百零一条第一款），\
             第 {days} 个工作日为 {last_day}，截止于当日下班时 {close}（第二百零三条第二款）"
        ),
    }
}

/// Why a deadline of `calendar` is provisional, in Chinese
/// ([`sla_clock::period::provisional_note`] in English).
pub fn provisional_zh(calendar: &Calendar) -> String {
    let last = calendar.covered_dates().1;
    format!(
        "暂定：{} 日历 {last} 之后的节假日尚未公布，之后的日子只按每周作息计算；该年公布后将重新计算",
        calendar.name()
    )
}

/// The clause added when an approved exclusion window moved a deadline later.
pub const MOVED_BY_WINDOW_ZH: &str = "因已批准的排除时段顺延";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_days_say_where_the_last_day_moved() {
        let cn = sla_clock::builtin::calendar("cn-5x8").unwrap();
        // Friday 2026-09-25 + 3 natural days = Monday 2026-09-28... pick a start whose nominal
        // last day is a rest day: Wednesday 2026-09-23 + 3 = Saturday 2026-09-26.
        let start: DateTime<Utc> = "2026-09-23T10:00:00+08:00".parse().unwrap();
        let d = cn.explain_deadline(start, "3d".parse().unwrap()).unwrap();
        let text = explain_zh(&d.rule, &cn, d.at);
        assert!(text.starts_with("3 天：事件当日 2026-09-23 不计入"), "{text}");
        assert!(text.contains("2026-09-26 在 cn-5x8 日历中不是工作日，顺延至"), "{text}");
        assert!(
            !text.chars().any(|c| c.is_ascii_alphabetic() && !"cnx".contains(c)),
            "{text}"
        );
    }
}

//! Durations as a reader says them.
//!
//! **A contract's duration** ([`sla`]) is written in the contract's own unit, never converted:
//! `7wd` is `7 个工作日`, not `56 小时`, because the unit decides how it is counted
//! (`sla_clock::period`). Zero is `立即`, as contracts write "立即响应".
//!
//! | canonical | 中文 | English |
//! |---|---|---|
//! | `30m` | `30 分钟` | `30m` |
//! | `4h` | `4 小时` | `4h` |
//! | `3d` | `3 天` | `3d` |
//! | `7wd` | `7 个工作日` | `7wd` |
//! | `0m` | `立即` | `0m` |
//!
//! **A span of time** ([`span`]) — time left, overdue, elapsed, an average — is shown to the
//! minute once it passes an hour, and to the second below it, where a countdown visibly ticks.
//! Parts that are zero are left out, except the last one when the span is zero. The page script
//! (`assets/app.js`, `span()`) writes countdowns by the same rule, so the text the server sends
//! and the text the script ticks on are one form:
//!
//! | seconds | 中文 | English |
//! |---|---|---|
//! | 111 600 | `1 天 7 小时` | `1d 07h 00m` |
//! | 1 023 078 | `11 天 20 小时 11 分` | `11d 20h 11m` |
//! | 5 755 | `1 小时 35 分` | `1h 35m` |
//! | 310 | `5 分 10 秒` | `5m 10s` |
//! | 0 | `0 秒` | `0m 00s` |
//!
//! ```
//! use opsclock::app::vocab::{Lang, duration::{sla, span}};
//! assert_eq!(sla("30m".parse().unwrap(), Lang::Zh), "30 分钟");
//! assert_eq!(sla("30m".parse().unwrap(), Lang::En), "30m");
//! assert_eq!(span(11 * 86_400 + 20 * 3600 + 11 * 60 + 18, Lang::Zh), "11 天 20 小时 11 分");
//! assert_eq!(span(3600 + 35 * 60 + 55, Lang::Zh), "1 小时 35 分");
//! assert_eq!(span(3600 + 35 * 60 + 55, Lang::En), "1h 35m");
//! ```

use sla_clock::{DurationUnit, SlaDuration};

use super::Lang;

/// A contract's duration in its own unit: `30 分钟`, `4 小时`, `3 天`, `7 个工作日`, `立即`
/// (English: the canonical `30m`, `4h`, `3d`, `7wd`).
///
/// ```
/// use opsclock::app::vocab::{Lang, duration::sla};
/// assert_eq!(sla("4h".parse().unwrap(), Lang::Zh), "4 小时");
/// assert_eq!(sla("7 个工作日".parse().unwrap(), Lang::Zh), "7 个工作日");
/// assert_eq!(sla("立即".parse().unwrap(), Lang::Zh), "立即");
/// assert_eq!(sla("7wd".parse().unwrap(), Lang::En), "7wd");
/// ```
pub fn sla(d: SlaDuration, lang: Lang) -> String {
    if lang == Lang::En {
        return d.to_string();
    }
    if d.is_zero() {
        return "立即".to_owned();
    }
    let unit = match d.unit() {
        DurationUnit::Minutes => "分钟",
        DurationUnit::Hours => "小时",
        DurationUnit::Days => "天",
        DurationUnit::WorkingDays => "个工作日",
    };
    format!("{} {unit}", d.amount())
}

/// A canonical duration text (`30m`, `7wd`, as the API and the database hold it) in the
/// reader's words; text that is not a duration is returned as it is.
///
/// ```
/// use opsclock::app::vocab::{Lang, duration::sla_text};
/// assert_eq!(sla_text("8h", Lang::Zh), "8 小时");
/// assert_eq!(sla_text("—", Lang::Zh), "—");
/// ```
pub fn sla_text(canonical: &str, lang: Lang) -> String {
    canonical
        .parse::<SlaDuration>()
        .map_or_else(|_| canonical.to_owned(), |d| sla(d, lang))
}

/// A span of `seconds` (its sign ignored: "overdue by" and "left" say the sign in words):
/// days, hours and minutes from an hour up, minutes and seconds below; zero parts left out.
///
/// ```
/// use opsclock::app::vocab::{Lang, duration::span};
/// assert_eq!(span(86_400 + 7 * 3600, Lang::Zh), "1 天 7 小时");
/// assert_eq!(span(86_400 + 7 * 3600, Lang::En), "1d 07h 00m");
/// assert_eq!(span(2 * 3600, Lang::Zh), "2 小时");
/// assert_eq!(span(30 * 60, Lang::Zh), "30 分");
/// assert_eq!(span(-75, Lang::Zh), "1 分 15 秒");
/// assert_eq!(span(0, Lang::Zh), "0 秒");
/// ```
pub fn span(seconds: i64, lang: Lang) -> String {
    let s = seconds.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    match lang {
        Lang::En if d > 0 => format!("{d}d {h:02}h {m:02}m"),
        Lang::En if h > 0 => format!("{h}h {m:02}m"),
        Lang::En => format!("{m}m {sec:02}s"),
        Lang::Zh => {
            let parts: [(u64, &str); 4] = if s >= 3600 {
                [(d, "天"), (h, "小时"), (m, "分"), (0, "")]
            } else {
                [(m, "分"), (sec, "秒"), (0, ""), (0, "")]
            };
            let words: Vec<String> = parts
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, unit)| format!("{n} {unit}"))
                .collect();
            if words.is_empty() {
                "0 秒".to_owned()
            } else {
                words.join(" ")
            }
        }
    }
}

/// Minutes (an average, say) as a [`span`], rounded to the second.
///
/// ```
/// use opsclock::app::vocab::{Lang, duration::minutes};
/// assert_eq!(minutes(95.5, Lang::Zh), "1 小时 35 分");
/// assert_eq!(minutes(12.25, Lang::Zh), "12 分 15 秒");
/// ```
pub fn minutes(m: f64, lang: Lang) -> String {
    span((m * 60.0).round() as i64, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_reads_as_the_contracts_write_it() {
        let zh = |s: &str| sla(s.parse().unwrap(), Lang::Zh);
        assert_eq!(zh("30m"), "30 分钟");
        assert_eq!(zh("4h"), "4 小时");
        assert_eq!(zh("3d"), "3 天");
        assert_eq!(zh("7wd"), "7 个工作日");
        assert_eq!(zh("0m"), "立即");
        // What the Chinese says parses back to the same duration.
        for s in ["30m", "4h", "3d", "7wd", "0m"] {
            let d: SlaDuration = s.parse().unwrap();
            assert_eq!(zh(s).parse::<SlaDuration>().unwrap(), d, "{s}");
        }
    }

    #[test]
    fn spans_drop_zero_parts_and_seconds_past_an_hour() {
        assert_eq!(span(86_400 + 7 * 3600, Lang::Zh), "1 天 7 小时");
        assert_eq!(
            span(11 * 86_400 + 20 * 3600 + 11 * 60 + 18, Lang::Zh),
            "11 天 20 小时 11 分"
        );
        assert_eq!(span(86_400 + 60, Lang::Zh), "1 天 1 分");
        assert_eq!(span(3600 + 35 * 60 + 55, Lang::Zh), "1 小时 35 分");
        assert_eq!(span(3599, Lang::Zh), "59 分 59 秒");
        assert_eq!(span(59, Lang::Zh), "59 秒");
        assert_eq!(span(0, Lang::Zh), "0 秒");
        assert_eq!(span(86_400 + 2 * 3600 + 60, Lang::En), "1d 02h 01m");
        assert_eq!(span(2 * 3600 + 5 * 60, Lang::En), "2h 05m");
        assert_eq!(span(-90, Lang::En), "1m 30s");
        assert_eq!(span(0, Lang::En), "0m 00s");
    }
}

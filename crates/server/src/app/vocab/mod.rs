//! One vocabulary for everything a person reads — pages, mails, exports, reports, error texts:
//! durations in the contracts' own words ([`duration`]) and the names of the product's closed
//! sets — escalation steps, roles, service modes, ticket kinds, clocks ([`labels`]).
//!
//! Chinese is the default and says what the contracts say (`30 分钟`, `7 个工作日`, `远程`); the
//! English forms are kept for readers who chose English (`lang=en`) and for the API, whose
//! canonical values (`30m`, `7wd`, `remote`) never change.
//!
//! ```
//! use opsclock::app::vocab::{Lang, duration, labels};
//! let d: sla_clock::SlaDuration = "7wd".parse().unwrap();
//! assert_eq!(duration::sla(d, Lang::Zh), "7 个工作日");
//! assert_eq!(duration::span(86_400 + 7 * 3600, Lang::Zh), "1 天 7 小时");
//! assert_eq!(labels::step("breach", Lang::Zh), "已超时");
//! ```

pub mod duration;
pub mod labels;
pub mod reasons;
pub mod rules;

/// The language a text is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 中文, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// `zh` or `en`.
    pub fn key(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// `en` is English; anything else (`zh`, nothing, a typo) is Chinese.
    pub fn from_key(key: &str) -> Lang {
        if key == "en" { Lang::En } else { Lang::Zh }
    }

    /// The text of `zh` or `en`, whichever this language is.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

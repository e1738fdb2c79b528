//! The four severities of the contracts and a classifier that proposes one from stated facts.
//!
//! | level | 中文 | the contracts' definition |
//! |---|---|---|
//! | [`Severity::Urgent`] | 紧急 | core business function completely unavailable, many users seriously affected |
//! | [`Severity::Serious`] | 严重 | core function badly damaged, system partly usable |
//! | [`Severity::General`] | 一般 | business affected, a workaround exists, main functions unaffected |
//! | [`Severity::Minor`] | 轻微 | little or no impact |
//!
//! ```
//! use sla_clock::severity::{classify, CoreFunction, Facts, Severity, UsersAffected};
//! let facts = Facts {
//!     core_function: CoreFunction::Down,
//!     users_affected: UsersAffected::Many,
//!     ..Facts::default()
//! };
//! let c = classify(&facts);
//! assert_eq!(c.severity, Severity::Urgent);
//! assert_eq!(c.reason_zh, "核心业务功能完全不可用，大量用户受到严重影响");
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A fault's severity, most severe first (so `Urgent < Minor` in `Ord`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// 紧急.
    Urgent,
    /// 严重.
    Serious,
    /// 一般.
    General,
    /// 轻微.
    Minor,
}

impl Severity {
    /// All four, most severe first.
    pub const ALL: [Severity; 4] = [Severity::Urgent, Severity::Serious, Severity::General, Severity::Minor];

    /// The Chinese name the contracts use.
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Urgent => "紧急",
            Severity::Serious => "严重",
            Severity::General => "一般",
            Severity::Minor => "轻微",
        }
    }

    /// The English key (`urgent`, `serious`, `general`, `minor`).
    pub fn key(self) -> &'static str {
        match self {
            Severity::Urgent => "urgent",
            Severity::Serious => "serious",
            Severity::General => "general",
            Severity::Minor => "minor",
        }
    }

    /// One level more severe (urgent stays urgent).
    pub fn raised(self) -> Severity {
        match self {
            Severity::Urgent | Severity::Serious => Severity::Urgent,
            Severity::General => Severity::Serious,
            Severity::Minor => Severity::General,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The text is not a severity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a severity; expected urgent/紧急, serious/严重, general/一般 or minor/轻微")]
pub struct SeverityParseError(pub String);

impl FromStr for Severity {
    type Err = SeverityParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "urgent" | "紧急" | "p1" => Severity::Urgent,
            "serious" | "严重" | "p2" => Severity::Serious,
            "general" | "一般" | "p3" => Severity::General,
            "minor" | "轻微" | "p4" => Severity::Minor,
            _ => return Err(SeverityParseError(s.to_owned())),
        })
    }
}

/// The state of the system's core business function, as the engineer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoreFunction {
    /// Completely unavailable.
    Down,
    /// Badly damaged; the system is partly usable.
    Degraded,
    /// Working.
    #[default]
    Fine,
}

/// How many users are affected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UsersAffected {
    /// Nobody noticed.
    #[default]
    None,
    /// Some users.
    Some,
    /// Many users.
    Many,
}

/// The facts an engineer can state when logging a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Facts {
    /// State of the core business function.
    pub core_function: CoreFunction,
    /// Whether users can work around the fault.
    pub workaround: bool,
    /// How many users are affected.
    pub users_affected: UsersAffected,
    /// Whether it is a security incident (intrusion, leak, defacement, malware).
    pub security_incident: bool,
    /// Whether a major-event protection window (重保) is in force for the system.
    pub major_event_window: bool,
}

/// A proposed severity and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// The proposed level.
    pub severity: Severity,
    /// One line in Chinese.
    pub reason_zh: String,
    /// The same line in English.
    pub reason_en: String,
}

/// Proposes a severity from the facts. The rules, in order:
///
/// 1. Core function down: 紧急 if many users are affected or there is no workaround, else 严重.
/// 2. Core function degraded: 严重 without a workaround, 一般 with one.
/// 3. Core function fine: 一般 if users are affected and have no workaround, else 轻微.
/// 4. A security incident is at least 严重.
/// 5. During a major-event window (重保) the level is raised one step.
pub fn classify(facts: &Facts) -> Classification {
    use CoreFunction::*;
    let (mut severity, mut zh, mut en): (Severity, String, String) = match facts.core_function {
        Down if facts.users_affected == UsersAffected::Many => (
            Severity::Urgent,
            "核心业务功能完全不可用，大量用户受到严重影响".into(),
            "core business function completely unavailable, many users seriously affected".into(),
        ),
        Down if !facts.workaround => (
            Severity::Urgent,
            "核心业务功能完全不可用，且无临时替代方案".into(),
            "core business function completely unavailable with no workaround".into(),
        ),
        Down => (
            Severity::Serious,
            "核心业务功能不可用，但有临时替代方案且受影响用户不多".into(),
            "core business function unavailable, but a workaround exists and few users are affected".into(),
        ),
        Degraded if !facts.workaround => (
            Severity::Serious,
            "核心功能受到严重损害，系统部分可用，无临时替代方案".into(),
            "core function badly damaged, system partly usable, no workaround".into(),
        ),
        Degraded => (
            Severity::General,
            "业务受到影响，但有临时替代方案，主要功能未受影响".into(),
            "business affected, but a workaround exists and main functions are unaffected".into(),
        ),
        Fine if facts.users_affected != UsersAffected::None && !facts.workaround => (
            Severity::General,
            "核心功能正常，部分业务受影响且无临时替代方案".into(),
            "core function works; some business is affected with no workaround".into(),
        ),
        Fine => (
            Severity::Minor,
            "对业务基本无影响".into(),
            "little or no impact on the business".into(),
        ),
    };
    if facts.security_incident && severity > Severity::Serious {
        severity = Severity::Serious;
        zh = format!("安全事件至少定为严重；{zh}");
        en = format!("a security incident is at least serious; {en}");
    }
    if facts.major_event_window {
        let raised = severity.raised();
        if raised != severity {
            zh = format!("{zh}；重保期间提高一级");
            en = format!("{en}; raised one level during a major-event window");
            severity = raised;
        }
    }
    Classification {
        severity,
        reason_zh: zh,
        reason_en: en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sev(core: CoreFunction, workaround: bool, users: UsersAffected) -> Severity {
        classify(&Facts {
            core_function: core,
            workaround,
            users_affected: users,
            ..Facts::default()
        })
        .severity
    }

    #[test]
    fn rules_by_core_function() {
        use CoreFunction::*;
        use UsersAffected as U;
        assert_eq!(sev(Down, true, U::Many), Severity::Urgent);
        assert_eq!(sev(Down, false, U::Some), Severity::Urgent);
        assert_eq!(sev(Down, true, U::Some), Severity::Serious);
        assert_eq!(sev(Degraded, false, U::Many), Severity::Serious);
        assert_eq!(sev(Degraded, true, U::Many), Severity::General);
        assert_eq!(sev(Fine, false, U::Some), Severity::General);
        assert_eq!(sev(Fine, true, U::Some), Severity::Minor);
        assert_eq!(sev(Fine, false, U::None), Severity::Minor);
    }

    #[test]
    fn security_incidents_are_at_least_serious() {
        let c = classify(&Facts {
            security_incident: true,
            ..Facts::default()
        });
        assert_eq!(c.severity, Severity::Serious);
        assert!(c.reason_zh.starts_with("安全事件"), "{}", c.reason_zh);
        let c = classify(&Facts {
            security_incident: true,
            core_function: CoreFunction::Down,
            users_affected: UsersAffected::Many,
            ..Facts::default()
        });
        assert_eq!(c.severity, Severity::Urgent);
    }

    #[test]
    fn major_event_window_raises_one_level_and_says_so() {
        let c = classify(&Facts {
            core_function: CoreFunction::Degraded,
            workaround: true,
            major_event_window: true,
            ..Facts::default()
        });
        assert_eq!(c.severity, Severity::Serious);
        assert!(c.reason_en.ends_with("raised one level during a major-event window"));
        let c = classify(&Facts {
            core_function: CoreFunction::Down,
            users_affected: UsersAffected::Many,
            major_event_window: true,
            ..Facts::default()
        });
        assert_eq!(c.severity, Severity::Urgent);
        assert!(
            !c.reason_en.contains("raised"),
            "urgent cannot be raised: {}",
            c.reason_en
        );
    }

    #[test]
    fn parses_both_languages() {
        for s in Severity::ALL {
            assert_eq!(s.label_zh().parse::<Severity>().unwrap(), s);
            assert_eq!(s.key().parse::<Severity>().unwrap(), s);
        }
        assert!("critical".parse::<Severity>().unwrap_err().to_string().contains("紧急"));
    }
}

//! The names of the product's closed sets, in both languages: escalation steps, user roles,
//! notification roles, service modes, ticket kinds and clocks.
//!
//! Keys are the canonical values the API and the database hold (`remote`, `half`, `engineer`);
//! [`TABLE`] files them under a prefix (`mode_remote`), which is also how the pages' word list
//! (`web::i18n`) takes them, so a page, a mail and an export say the same word. The Chinese of a
//! kind, a clock and a service mode is `ticket_domain`'s own label (checked by a test).
//!
//! **Escalation steps** are named by what happened, not by their id: the built-in ladder's
//! `half` (50 % of the working-time budget used) is 已过半, `warning` (80 %) is 预警, `breach`
//! (the first instant after the deadline) is 已超时 and `overdue` (the reminders while it stays
//! breached) is 超时提醒 — see `docs/escalation.md`. A step an admin named otherwise is said by
//! its trigger ([`step_by`]): `已用 60%`, 已超时, 超时提醒.
//!
//! ```
//! use opsclock::app::vocab::{Lang, labels};
//! assert_eq!(labels::step("half", Lang::Zh), "已过半");
//! assert_eq!(labels::word("mode_remote", Lang::Zh), Some("远程"));
//! assert_eq!(labels::word("role_engineer", Lang::Zh), Some("工程师"));
//! assert_eq!(labels::word("role_engineer", Lang::En), Some("engineer"));
//! ```

use sla_clock::ladder::Trigger;

use super::Lang;

/// `(prefixed key, 中文, English)`.
pub const TABLE: &[(&str, &str, &str)] = &[
    // Escalation steps of the built-in ladder (config/ladders/default.toml).
    ("step_half", "已过半", "half-way"),
    ("step_warning", "预警", "warning"),
    ("step_breach", "已超时", "breached"),
    ("step_overdue", "超时提醒", "overdue reminder"),
    // Event notices (docs/notifications.md): the outbox's `step` of a notice is its event.
    ("step_opened", "新建通知", "opened notice"),
    ("step_regraded", "重新定级通知", "re-grade notice"),
    ("step_resolved", "解决通知", "resolution notice"),
    ("step_reopened", "重新打开通知", "reopen notice"),
    // Users' roles (who may do what, docs/permissions.md).
    ("role_admin", "管理员", "admin"),
    ("role_manager", "经理", "manager"),
    ("role_engineer", "工程师", "engineer"),
    ("role_viewer", "只读用户", "viewer"),
    // Roles a ladder notifies (docs/escalation.md).
    ("notify_assignee", "处理人", "assignee"),
    ("notify_on_duty", "值班负责人", "on duty"),
    ("notify_vendor_manager", "服务商项目经理", "vendor manager"),
    ("notify_unit_head", "用户单位负责人", "unit head"),
    ("notify_buyer_ops_lead", "采购人运维负责人", "buyer's O&M lead"),
    // How a system is served (ticket_domain::ServiceMode).
    ("mode_remote", "远程", "remote"),
    ("mode_on_site", "现场", "on site"),
    ("mode_remote_and_on_site", "远程+现场", "remote and on site"),
    // Ticket kinds (ticket_domain::TicketKind).
    ("kind_fault", "故障", "Fault"),
    ("kind_request", "服务请求", "Request"),
    ("kind_security", "安全事件", "Security event"),
    ("kind_alarm", "监控告警", "Alarm"),
    // Clocks (ticket_domain::ClockName).
    ("clock_response", "响应", "Response"),
    ("clock_arrival", "到场", "Arrival"),
    ("clock_repair", "修复", "Repair"),
];

/// The word filed under `key` (`mode_remote`), if there is one.
pub fn word(key: &str, lang: Lang) -> Option<&'static str> {
    TABLE
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| lang.pick(zh, en))
}

/// The word for `value` under `prefix` (`("mode_", "remote")`), else `value` itself: a value this
/// table does not know is shown as it is rather than hidden.
fn or_value(prefix: &str, value: &str, lang: Lang) -> String {
    word(&format!("{prefix}{value}"), lang).map_or_else(|| value.to_owned(), str::to_owned)
}

/// An escalation step by its id: `half` → 已过半; an id of another ladder as it is.
///
/// ```
/// use opsclock::app::vocab::{Lang, labels::step};
/// assert_eq!(step("warning", Lang::Zh), "预警");
/// assert_eq!(step("overdue", Lang::En), "overdue reminder");
/// assert_eq!(step("60pct", Lang::Zh), "60pct");
/// ```
pub fn step(id: &str, lang: Lang) -> String {
    or_value("step_", id, lang)
}

/// An escalation step by its id, or by its trigger when the id is not one of the built-in
/// ladder's: `已用 60%`, 已超时, 超时提醒.
///
/// ```
/// use opsclock::app::vocab::{Lang, labels::step_by};
/// use sla_clock::ladder::Trigger;
/// assert_eq!(step_by("half", None, Lang::Zh), "已过半");
/// assert_eq!(step_by("sixty", Some(&Trigger::Share { percent: 60 }), Lang::Zh), "已用 60%");
/// assert_eq!(step_by("late", Some(&Trigger::Breach), Lang::Zh), "已超时");
/// assert_eq!(step_by("sixty", None, Lang::Zh), "sixty");
/// ```
pub fn step_by(id: &str, trigger: Option<&Trigger>, lang: Lang) -> String {
    if let Some(w) = word(&format!("step_{id}"), lang) {
        return w.to_owned();
    }
    match trigger {
        Some(Trigger::Share { percent }) => match lang {
            Lang::Zh => format!("已用 {percent}%"),
            Lang::En => format!("{percent} % used"),
        },
        Some(Trigger::Breach) => lang.pick("已超时", "breached").to_owned(),
        Some(Trigger::AfterBreach { .. }) => lang.pick("超时提醒", "overdue reminder").to_owned(),
        None => id.to_owned(),
    }
}

/// When a step fires, as a reader says it: `50%` → 时限已用 50%, `breach` → 超时时,
/// `every 1h after breach, 8 times` → 超时后每 1 小时一次，最多 8 次.
///
/// ```
/// use opsclock::app::vocab::{Lang, labels::trigger};
/// let t = "every 1h after breach, 8 times".parse().unwrap();
/// assert_eq!(trigger(&t, Lang::Zh), "超时后每 1 小时一次，最多 8 次");
/// assert_eq!(trigger(&t, Lang::En), "every 1h after breach, 8 times");
/// assert_eq!(trigger(&"80%".parse().unwrap(), Lang::Zh), "时限已用 80%");
/// ```
pub fn trigger(t: &Trigger, lang: Lang) -> String {
    match (t, lang) {
        (_, Lang::En) => t.to_string(),
        (Trigger::Share { percent }, Lang::Zh) => format!("时限已用 {percent}%"),
        (Trigger::Breach, Lang::Zh) => "超时时".to_owned(),
        (Trigger::AfterBreach { every, limit }, Lang::Zh) => {
            format!(
                "超时后每 {}一次，最多 {limit} 次",
                super::duration::sla(*every, Lang::Zh)
            )
        }
    }
}

/// A user's role (`engineer` → 工程师).
pub fn role(key: &str, lang: Lang) -> String {
    or_value("role_", key, lang)
}

/// A role a ladder notifies (`unit_head` → 用户单位负责人); an address as it is.
pub fn notify(key: &str, lang: Lang) -> String {
    or_value("notify_", key, lang)
}

/// A service mode (`remote` → 远程).
pub fn mode(key: &str, lang: Lang) -> String {
    or_value("mode_", key, lang)
}

/// A ticket kind (`fault` → 故障).
pub fn kind(key: &str, lang: Lang) -> String {
    or_value("kind_", key, lang)
}

/// A clock (`response` → 响应).
pub fn clock(key: &str, lang: Lang) -> String {
    or_value("clock_", key, lang)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ticket_domain::{ClockName, Kind as TicketKind, ServiceMode};

    /// The Chinese of a kind, a clock and a mode is the domain's own label, so a page and a
    /// contract file never disagree; every value of those sets, and every role, has a word.
    #[test]
    fn the_domain_and_the_pages_say_the_same_word() {
        for k in TicketKind::ALL {
            assert_eq!(kind(k.key(), Lang::Zh), k.label_zh());
        }
        for c in ClockName::ALL {
            assert_eq!(clock(c.key(), Lang::Zh), c.label_zh());
        }
        for m in ServiceMode::ALL {
            assert_eq!(mode(m.key(), Lang::Zh), m.label_zh());
        }
        for r in crate::app::auth::Role::ALL {
            assert_ne!(role(r.key(), Lang::Zh), r.key(), "no word for role {}", r.key());
        }
        for r in sla_clock::ladder::Role::ALL {
            assert_ne!(notify(r.key(), Lang::Zh), r.key(), "no word for {}", r.key());
        }
    }

    #[test]
    fn keys_are_unique_and_chinese_has_no_latin_letter() {
        let mut seen = std::collections::BTreeSet::new();
        for (k, zh, _) in TABLE {
            assert!(seen.insert(k), "{k} twice");
            assert!(!zh.chars().any(|c| c.is_ascii_alphabetic()), "{k}: {zh}");
        }
    }
}

//! Alert intake: an Alertmanager notification or a generic batch, and the mapping rules that
//! send its alerts to systems. Whatever the bytes, reading the body and the rules never panics;
//! an alert that reads holds no NUL byte (PostgreSQL stores none: it is replaced and the alert
//! parked with its reason), a fingerprint is 16 hex digits when the sender gives none, and
//! mapping the same labels twice gives the same answer.
//!
//! The input is the rules (TOML) and the body (JSON) separated by a line `---`; without one,
//! the whole input is the body and the rules are a fixed set that reads labels.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsclock::app::intake::alertmanager::Notification;
use opsclock::app::intake::generic::Batch;
use opsclock::app::intake::rules::{Mapped, RuleSet};
use opsclock::app::intake::Alert;

const FIXED_RULES: &str = r#"
[[rules]]
name = "by-label"
matchers = ['opsclock_system=~"sy-[0-9]+"', 'env!="test"']
system_label = "opsclock_system"
severity_map = { critical = "urgent", warning = "serious" }

[[rules]]
name = "jingban"
matchers = ['system="jingban"']
system = "sy-012"
"#;

fn check(alerts: &[Alert], rules: Option<&opsclock::app::intake::rules::Rules>) {
    for a in alerts {
        for (k, v) in a.labels.iter().chain(a.annotations.iter()) {
            assert!(!k.contains('\0') && !v.contains('\0'), "a NUL byte survived: {a:?}");
        }
        assert!(!a.fingerprint.contains('\0'));
        if a.defect.is_none() {
            assert!(!a.fingerprint.is_empty());
        }
        if let Some(rules) = rules {
            let once = rules.map("fuzz", &a.labels);
            assert_eq!(once, rules.map("fuzz", &a.labels));
            if let Mapped::To(m) = &once {
                assert!(!m.system.is_empty(), "{once:?}");
            }
        }
    }
}

fuzz_target!(|text: &str| {
    let (rules_text, body) = match text.split_once("\n---\n") {
        Some((r, b)) => (r, b),
        None => (FIXED_RULES, text),
    };
    let rules = toml::from_str::<RuleSet>(rules_text).ok().and_then(|r| r.compile().ok());
    if let Ok(n) = serde_json::from_str::<Notification>(body)
        && let Ok(alerts) = n.into_alerts()
    {
        check(&alerts, rules.as_ref());
    }
    if let Ok(b) = serde_json::from_str::<Batch>(body)
        && let Ok(alerts) = b.into_alerts()
    {
        check(&alerts, rules.as_ref());
    }
});

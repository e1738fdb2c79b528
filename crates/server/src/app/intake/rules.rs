//! Mapping rules: which system and severity an alert's labels mean.
//!
//! Rules are tried in order; the first whose matchers all hold decides. A rule names the system
//! outright (`system`) or takes it from a label (`system_label`, optionally translated through
//! `system_map`), and the severity likewise (`severity`, or `severity_label` [default `severity`]
//! through `severity_map`, then the severity names themselves, then the usual monitoring words:
//! `critical` → urgent, `error`/`major`/`high` → serious, `warning`/`medium` → general,
//! `info`/`low` → minor). An alert no rule maps, or whose rule cannot find its system or severity,
//! goes to the triage queue with the reason.
//!
//! Matchers use Alertmanager's syntax: `label="value"`, `label!="value"`, `label=~"regex"`,
//! `label!~"regex"`; a regex must match the whole value, and a missing label is the empty string.
//!
//! ```toml
//! [[rules]]
//! name = "jingban"
//! matchers = ['system="jingban"']
//! system = "sy-012"
//! severity_map = { critical = "urgent", warning = "serious" }
//!
//! [[rules]]
//! name = "by-label"          # any alert carrying opsclock_system="sy-…"
//! matchers = ['opsclock_system=~"sy-[0-9]+"']
//! system_label = "opsclock_system"
//! auto_resolve = true        # resolve the ticket when the alert resolves (default: a person does)
//! ```
//!
//! ```
//! use std::collections::BTreeMap;
//! use opsclock::app::intake::rules::{RuleSet, Mapped};
//! let rules: RuleSet = toml::from_str(r#"
//!     [[rules]]
//!     name = "jingban"
//!     matchers = ['system="jingban"']
//!     system = "sy-012"
//! "#).unwrap();
//! let rules = rules.compile().unwrap();
//! let labels = BTreeMap::from([("system".to_owned(), "jingban".to_owned()), ("severity".to_owned(), "critical".to_owned())]);
//! let Mapped::To(m) = rules.map("prometheus", &labels) else { panic!() };
//! assert_eq!((m.system.as_str(), m.severity.key()), ("sy-012", "urgent"));
//! ```

use std::collections::BTreeMap;

use regex::Regex;
use serde::{Deserialize, Serialize};
use sla_clock::Severity;
use utoipa::ToSchema;

/// The rules, as written (TOML `[[rules]]` or JSON `{"rules": […]}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// The rules, tried in order.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// One rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Its name, unique; recorded on the alerts it maps.
    pub name: String,
    /// Only for these intake sources (by code); empty: any source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Alertmanager-style matchers, all of which must hold; empty: every alert.
    #[serde(default)]
    pub matchers: Vec<String>,
    /// The system's code, if the rule names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The label that holds the system (a code, or a key of `system_map`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_label: Option<String>,
    /// Label values → system codes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub system_map: BTreeMap<String, String>,
    /// The severity, if the rule names it (urgent, serious, general, minor or 紧急…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// The label that holds the severity [default `severity`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_label: Option<String>,
    /// Label values → severities, tried before the usual words.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub severity_map: BTreeMap<String, String>,
    /// Resolve the ticket when the alert resolves [default false: a person confirms the repair].
    #[serde(default)]
    pub auto_resolve: bool,
}

/// Rules checked and ready to match.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    rules: Vec<Compiled>,
}

#[derive(Debug, Clone)]
struct Compiled {
    rule: Rule,
    matchers: Vec<Matcher>,
    severity: Option<Severity>,
    severity_map: BTreeMap<String, Severity>,
}

#[derive(Debug, Clone)]
struct Matcher {
    label: String,
    op: Op,
}

#[derive(Debug, Clone)]
enum Op {
    Eq(String),
    Ne(String),
    Re(Regex),
    NotRe(Regex),
}

/// What a rule made of an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The rule's name.
    pub rule: String,
    /// The system's code.
    pub system: String,
    /// The severity.
    pub severity: Severity,
    /// Whether the ticket resolves with the alert.
    pub auto_resolve: bool,
}

/// The outcome of mapping an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapped {
    /// A rule mapped it.
    To(Mapping),
    /// It goes to triage, for this reason.
    Triage(String),
}

impl RuleSet {
    /// Checks every rule; all the problems at once, each naming its rule.
    pub fn compile(&self) -> Result<Rules, Vec<String>> {
        let mut problems = Vec::new();
        let mut names = std::collections::BTreeSet::new();
        let mut rules = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            let at = if r.name.trim().is_empty() {
                problems.push(format!("rules[{i}]: name is empty"));
                format!("rules[{i}]")
            } else {
                if !names.insert(r.name.as_str()) {
                    problems.push(format!("rule {:?}: the name is used twice", r.name));
                }
                format!("rule {:?}", r.name)
            };
            match (&r.system, &r.system_label) {
                (Some(_), Some(_)) => problems.push(format!("{at}: give system or system_label, not both")),
                (None, None) => problems.push(format!("{at}: give system or system_label")),
                _ => {}
            }
            if r.severity.is_some() && (r.severity_label.is_some() || !r.severity_map.is_empty()) {
                problems.push(format!("{at}: give severity or severity_label/severity_map, not both"));
            }
            let mut severity_of = |field: &str, v: &str| match v.parse::<Severity>() {
                Ok(s) => Some(s),
                Err(_) => {
                    problems.push(format!(
                        "{at}: {field} {v:?} is not a severity (urgent, serious, general, minor)"
                    ));
                    None
                }
            };
            let severity = r.severity.as_deref().and_then(|v| severity_of("severity", v));
            let severity_map = r
                .severity_map
                .iter()
                .filter_map(|(k, v)| severity_of(&format!("severity_map.{k}"), v).map(|s| (k.clone(), s)))
                .collect();
            let mut matchers = Vec::new();
            for m in &r.matchers {
                match parse_matcher(m) {
                    Ok(m) => matchers.push(m),
                    Err(e) => problems.push(format!("{at}: matcher {m:?}: {e}")),
                }
            }
            rules.push(Compiled {
                rule: r.clone(),
                matchers,
                severity,
                severity_map,
            });
        }
        if problems.is_empty() {
            Ok(Rules { rules })
        } else {
            Err(problems)
        }
    }
}

impl Rules {
    /// Whether `rule` resolves its tickets with their alerts (false for a rule no longer there).
    pub fn auto_resolves(&self, rule: &str) -> bool {
        self.rules.iter().any(|c| c.rule.name == rule && c.rule.auto_resolve)
    }

    /// What the first rule that applies to an alert from `source` with `labels` makes of it.
    pub fn map(&self, source: &str, labels: &BTreeMap<String, String>) -> Mapped {
        let Some(c) = self.rules.iter().find(|c| {
            (c.rule.sources.is_empty() || c.rule.sources.iter().any(|s| s == source))
                && c.matchers.iter().all(|m| m.holds(labels))
        }) else {
            return Mapped::Triage(if self.rules.is_empty() {
                "no mapping rules are defined".to_owned()
            } else {
                "no rule matches its labels".to_owned()
            });
        };
        let name = &c.rule.name;
        let system = match (&c.rule.system, &c.rule.system_label) {
            (Some(s), _) => s.clone(),
            (None, Some(label)) => match labels.get(label).filter(|v| !v.is_empty()) {
                Some(v) => c.rule.system_map.get(v).unwrap_or(v).clone(),
                None => return Mapped::Triage(format!("rule {name:?}: the alert has no label {label:?}")),
            },
            (None, None) => return Mapped::Triage(format!("rule {name:?} names no system")),
        };
        let severity = match c.severity {
            Some(s) => s,
            None => {
                let label = c.rule.severity_label.as_deref().unwrap_or("severity");
                let Some(v) = labels.get(label).filter(|v| !v.is_empty()) else {
                    return Mapped::Triage(format!("rule {name:?}: the alert has no label {label:?}"));
                };
                match c.severity_map.get(v).copied().or_else(|| usual_severity(v)) {
                    Some(s) => s,
                    None => {
                        return Mapped::Triage(format!("rule {name:?}: {label}={v:?} is not a severity it knows"));
                    }
                }
            }
        };
        Mapped::To(Mapping {
            rule: name.clone(),
            system,
            severity,
            auto_resolve: c.rule.auto_resolve,
        })
    }
}

/// The severity names, then the words monitors commonly use.
fn usual_severity(v: &str) -> Option<Severity> {
    if let Ok(s) = v.parse::<Severity>() {
        return Some(s);
    }
    Some(match v.to_ascii_lowercase().as_str() {
        "critical" | "crit" | "emergency" | "disaster" | "page" | "p1" => Severity::Urgent,
        "error" | "major" | "high" | "p2" => Severity::Serious,
        "warning" | "warn" | "medium" | "average" | "p3" => Severity::General,
        "info" | "information" | "low" | "p4" => Severity::Minor,
        _ => return None,
    })
}

fn parse_matcher(s: &str) -> Result<Matcher, String> {
    let s = s.trim();
    let name_end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .ok_or("expected label, operator and \"value\"")?;
    let (label, rest) = s.split_at(name_end);
    if label.is_empty() {
        return Err("the label name is missing".into());
    }
    let rest = rest.trim_start();
    let (op, value) = ["=~", "!~", "!=", "="]
        .iter()
        .find_map(|op| rest.strip_prefix(op).map(|v| (*op, v.trim())))
        .ok_or("expected one of =, !=, =~, !~ after the label")?;
    let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(v) => v.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => value.to_owned(),
    };
    let regex = |v: &str| Regex::new(&format!("^(?:{v})$")).map_err(|e| e.to_string());
    Ok(Matcher {
        label: label.to_owned(),
        op: match op {
            "=" => Op::Eq(value),
            "!=" => Op::Ne(value),
            "=~" => Op::Re(regex(&value)?),
            _ => Op::NotRe(regex(&value)?),
        },
    })
}

impl Matcher {
    fn holds(&self, labels: &BTreeMap<String, String>) -> bool {
        let v = labels.get(&self.label).map_or("", String::as_str);
        match &self.op {
            Op::Eq(x) => v == x,
            Op::Ne(x) => v != x,
            Op::Re(r) => r.is_match(v),
            Op::NotRe(r) => !r.is_match(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn rules(toml_text: &str) -> Rules {
        toml::from_str::<RuleSet>(toml_text).unwrap().compile().unwrap()
    }

    #[test]
    fn the_first_matching_rule_decides_system_and_severity() {
        let r = rules(
            r#"
            [[rules]]
            name = "jingban"
            matchers = ['system="jingban"', 'env!="test"']
            system = "sy-012"
            severity_map = { warning = "serious" }

            [[rules]]
            name = "by-label"
            matchers = ['opsclock_system=~"sy-[0-9]+"']
            system_label = "opsclock_system"
            severity = "minor"
            auto_resolve = true
            "#,
        );
        let m = r.map("am", &labels(&[("system", "jingban"), ("severity", "warning")]));
        let Mapped::To(m) = m else { panic!("{m:?}") };
        assert_eq!(
            (m.rule.as_str(), m.system.as_str(), m.severity),
            ("jingban", "sy-012", Severity::Serious)
        );
        assert!(!m.auto_resolve);
        // The usual words when the map says nothing; Chinese names too.
        let Mapped::To(m) = r.map("am", &labels(&[("system", "jingban"), ("severity", "critical")])) else {
            panic!()
        };
        assert_eq!(m.severity, Severity::Urgent);
        let Mapped::To(m) = r.map("am", &labels(&[("system", "jingban"), ("severity", "一般")])) else {
            panic!()
        };
        assert_eq!(m.severity, Severity::General);
        // env="test" fails the first rule; the second needs a whole-value regex match.
        let m = r.map(
            "am",
            &labels(&[("system", "jingban"), ("env", "test"), ("severity", "critical")]),
        );
        assert_eq!(m, Mapped::Triage("no rule matches its labels".into()));
        let Mapped::To(m) = r.map("am", &labels(&[("opsclock_system", "sy-101")])) else {
            panic!()
        };
        assert_eq!(
            (m.system.as_str(), m.severity, m.auto_resolve),
            ("sy-101", Severity::Minor, true)
        );
        assert!(matches!(
            r.map("am", &labels(&[("opsclock_system", "xsy-101")])),
            Mapped::Triage(_)
        ));
        assert!(r.auto_resolves("by-label") && !r.auto_resolves("jingban") && !r.auto_resolves("gone"));
    }

    #[test]
    fn missing_labels_and_unknown_severities_go_to_triage_with_the_reason() {
        let r = rules(
            r#"
            [[rules]]
            name = "any"
            system_label = "system"
            system_map = { jingban = "sy-012" }
            "#,
        );
        let Mapped::To(m) = r.map("am", &labels(&[("system", "jingban"), ("severity", "p1")])) else {
            panic!()
        };
        assert_eq!(m.system, "sy-012");
        assert_eq!(
            r.map("am", &labels(&[("severity", "critical")])),
            Mapped::Triage("rule \"any\": the alert has no label \"system\"".into())
        );
        assert_eq!(
            r.map("am", &labels(&[("system", "x")])),
            Mapped::Triage("rule \"any\": the alert has no label \"severity\"".into())
        );
        assert_eq!(
            r.map("am", &labels(&[("system", "x"), ("severity", "bad")])),
            Mapped::Triage("rule \"any\": severity=\"bad\" is not a severity it knows".into())
        );
        assert_eq!(
            Rules::default().map("am", &labels(&[])),
            Mapped::Triage("no mapping rules are defined".into())
        );
    }

    #[test]
    fn rules_can_be_limited_to_sources() {
        let r = rules("[[rules]]\nname = \"a\"\nsources = [\"zabbix\"]\nsystem = \"sy-001\"\nseverity = \"urgent\"\n");
        assert!(matches!(r.map("zabbix", &labels(&[])), Mapped::To(_)));
        assert!(matches!(r.map("prometheus", &labels(&[])), Mapped::Triage(_)));
    }

    #[test]
    fn every_problem_is_reported_with_its_rule() {
        let set: RuleSet = toml::from_str(
            r#"
            [[rules]]
            name = "a"
            matchers = ['x=~"("', "nolabel", '="v"']
            system = "s"
            system_label = "l"
            severity = "huge"

            [[rules]]
            name = "a"
            severity_map = { w = "bad" }
            "#,
        )
        .unwrap();
        let problems = set.compile().unwrap_err();
        let text = problems.join("\n");
        for expected in [
            "rule \"a\": give system or system_label, not both",
            "rule \"a\": severity \"huge\" is not a severity",
            "rule \"a\": matcher \"x=~\\\"(\\\"\"",
            "rule \"a\": matcher \"nolabel\"",
            "rule \"a\": matcher \"=\\\"v\\\"\": the label name is missing",
            "rule \"a\": the name is used twice",
            "rule \"a\": give system or system_label",
            "rule \"a\": severity_map.w \"bad\" is not a severity",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
    }

    #[test]
    fn matchers_follow_alertmanager_syntax() {
        let m = parse_matcher(r#"job = "node\"x""#).unwrap();
        assert!(m.holds(&labels(&[("job", "node\"x")])));
        let m = parse_matcher(r#"instance!~"10\..*""#).unwrap();
        assert!(m.holds(&labels(&[("instance", "192.168.0.1")])));
        assert!(!m.holds(&labels(&[("instance", "10.0.0.1")])));
        // A missing label is the empty string.
        assert!(parse_matcher(r#"team="""#).unwrap().holds(&labels(&[])));
        assert!(parse_matcher(r#"team!="""#).unwrap().holds(&labels(&[("team", "a")])));
    }
}

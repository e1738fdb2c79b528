//! A policy's parts as the database stores them (JSON columns), and a JSON document flattened
//! for the import's plan, which compares stored and filed values field by field.

use std::collections::BTreeMap;

use serde_json::Value;
use ticket_domain::Policy;

/// A policy's targets as stored.
pub(super) fn targets_json(p: &Policy) -> Value {
    serde_json::to_value(p).unwrap_or(Value::Null)
}

/// A policy's categories as stored: none when it has none (as a policy saved before the column).
pub(crate) fn categories_json(c: &ticket_domain::Categories) -> Option<Value> {
    (!c.is_empty()).then(|| serde_json::to_value(c).unwrap_or(Value::Null))
}

/// A policy's rule for recurring faults as stored: none when the file sets none (the default
/// holds).
pub(crate) fn recurrence_json(r: Option<&ticket_domain::Recurrence>) -> Option<Value> {
    r.map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
}

/// A JSON document as `path -> scalar`, e.g. `fault.urgent.repair -> "8h"`, `tiers[3].label -> …`.
pub(super) fn leaves(v: &Value) -> BTreeMap<String, Value> {
    fn walk(prefix: String, v: &Value, out: &mut BTreeMap<String, Value>) {
        let join = |k: &str| {
            if prefix.is_empty() {
                k.to_owned()
            } else {
                format!("{prefix}.{k}")
            }
        };
        match v {
            Value::Object(m) => m.iter().for_each(|(k, v)| walk(join(k), v, out)),
            Value::Array(a) if a.iter().any(|x| x.is_object()) => {
                a.iter()
                    .enumerate()
                    .for_each(|(i, v)| walk(format!("{prefix}[{i}]"), v, out));
            }
            other => {
                out.insert(prefix, other.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(String::new(), v, &mut out);
    out
}

pub(super) fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > 100 {
        format!("{}…", s.chars().take(100).collect::<String>())
    } else {
        s
    }
}

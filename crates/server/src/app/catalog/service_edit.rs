//! Setting or clearing a system's service dates and fee by hand (`PATCH /api/v1/systems/{id}`
//! with `service_start`, `service_end`, `fee_fen`; the system's page), not only through a
//! catalogue import.
//!
//! The three values live in the system's contract facts (`systems.profile`, the file's
//! `[systems.contract]`) beside the facts no clock reads, which a change leaves as they are. They
//! are checked by the import's own rules ([`super::service::problems`]: a date or a month, the end
//! not before the start, a fee not negative), on the values the system will have after the change,
//! and a problem is a 422 naming the field. The change takes effect at once: a ticket opened after
//! it on a day outside the new dates gets no contract clocks, and the next report counts the new
//! days and fee. Each field changed is in the audit entry as `{field, from, to}`.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};

use super::file::ContractFacts;
use crate::app::{AppError, AppResult};

/// Reads a field that may be absent (leave it), `null` (clear it) or a value (set it): serde
/// gives an absent field `None` by `default`, and this turns `null` into `Some(None)`.
pub fn set_or_clear<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A change to a system's service dates and fee: `None` leaves a field, `Some(None)` clears it,
/// `Some(Some(v))` sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceChange {
    /// The first day served, `"YYYY-MM-DD"` or `"YYYY-MM"`.
    pub service_start: Option<Option<String>>,
    /// The last day served, `"YYYY-MM-DD"` or `"YYYY-MM"` (its last day).
    pub service_end: Option<Option<String>>,
    /// The fee for one year of service, fen.
    pub fee_fen: Option<Option<i64>>,
}

impl ServiceChange {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.service_start.is_none() && self.service_end.is_none() && self.fee_fen.is_none()
    }
}

/// One field changed, as the audit entry and the import's plan write it.
pub fn changed(field: &str, from: Value, to: Value) -> Option<Value> {
    (from != to).then(|| json!({"field": field, "from": from, "to": to}))
}

/// The profile `profile` becomes under `change`, and the fields it changes (`{field, from, to}`);
/// a 422 naming the field when the dates or fee after the change break the import's rules.
/// Blank dates are read as clearing them; dates are kept as written (trimmed).
pub fn apply(profile: Option<&Value>, change: &ServiceChange) -> AppResult<(Option<Value>, Vec<Value>)> {
    let mut map: Map<String, Value> = match profile {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let text = |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
    let date = |new: &Option<Option<String>>, old: Option<String>| match new {
        None => old,
        Some(v) => v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
    };
    let start = date(&change.service_start, text(&map, "service_start"));
    let end = date(&change.service_end, text(&map, "service_end"));
    let fee = match change.fee_fen {
        None => map.get("fee_fen").and_then(Value::as_i64),
        Some(v) => v,
    };
    let facts = ContractFacts {
        service_start: start.clone(),
        service_end: end.clone(),
        fee_fen: fee,
        ..ContractFacts::default()
    };
    if let Some((field, message)) = super::service::problems(&facts).into_iter().next() {
        return Err(AppError::invalid(field, message));
    }
    let mut changes = Vec::new();
    for (key, new) in [
        ("service_start", start.map(Value::from)),
        ("service_end", end.map(Value::from)),
        ("fee_fen", fee.map(Value::from)),
    ] {
        let old = map.get(key).cloned().unwrap_or(Value::Null);
        changes.extend(changed(key, old, new.clone().unwrap_or(Value::Null)));
        match new {
            Some(v) => map.insert(key.to_owned(), v),
            None => map.remove(key),
        };
    }
    let profile = (!map.is_empty()).then_some(Value::Object(map));
    Ok((profile, changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> Option<Option<String>> {
        Some(Some(s.to_owned()))
    }

    #[test]
    fn a_change_keeps_the_other_facts_and_lists_what_it_changed() {
        let before = json!({"source": "004:1-2", "service_start": "2026-09-15", "availability_target": 99.9});
        let change = ServiceChange {
            service_start: Some(None),
            service_end: set("2027-03"),
            fee_fen: Some(Some(36_500_000)),
        };
        let (after, changes) = apply(Some(&before), &change).unwrap();
        assert_eq!(
            after,
            Some(
                json!({"source": "004:1-2", "service_end": "2027-03", "fee_fen": 36_500_000,
                        "availability_target": 99.9})
            )
        );
        assert_eq!(
            changes,
            [
                json!({"field": "service_start", "from": "2026-09-15", "to": null}),
                json!({"field": "service_end", "from": null, "to": "2027-03"}),
                json!({"field": "fee_fen", "from": null, "to": 36_500_000}),
            ]
        );
    }

    #[test]
    fn the_import_rules_apply_to_the_values_after_the_change() {
        let before = json!({"service_start": "2026-09-15"});
        let end_first = ServiceChange {
            service_end: set("2026-09-14"),
            ..ServiceChange::default()
        };
        let e = apply(Some(&before), &end_first).unwrap_err().detail();
        assert!(
            e.contains("service_end") && e.contains("before service_start 2026-09-15"),
            "{e}"
        );
        let bad = ServiceChange {
            service_start: set("2026年9月"),
            ..ServiceChange::default()
        };
        assert!(apply(None, &bad).unwrap_err().detail().starts_with("service_start"));
        let negative = ServiceChange {
            fee_fen: Some(Some(-1)),
            ..ServiceChange::default()
        };
        assert!(apply(None, &negative).unwrap_err().detail().contains("negative"));
    }

    #[test]
    fn clearing_the_last_fact_leaves_no_profile_and_blank_is_clear() {
        let before = json!({"fee_fen": 100});
        let change = ServiceChange {
            service_start: set("  "),
            fee_fen: Some(None),
            ..ServiceChange::default()
        };
        let (after, changes) = apply(Some(&before), &change).unwrap();
        assert_eq!(after, None);
        assert_eq!(changes, [json!({"field": "fee_fen", "from": 100, "to": null})]);
    }
}

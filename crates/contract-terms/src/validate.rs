//! Checking a contract: [`Contract::problems`] names each problem by its field, and
//! [`Contract::validate`] turns them into a [`DeductionError`].

use std::collections::HashMap;

use crate::clauses::{Condition, Contract};
use crate::text::num;

/// A contract is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeductionError {
    /// The contract breaks a rule; each problem names its field (`rules[2].when.below_minutes: …`).
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
}

impl Contract {
    /// Every problem with the contract, each naming its field; empty if it is valid.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.code.trim().is_empty() {
            out.push("code: must not be empty".to_owned());
        }
        if self.rules.is_empty() {
            out.push("rules: give at least one rule".to_owned());
        }
        if self.months == 0 {
            out.push("months: must be at least 1".to_owned());
        }
        if self.price_fen < 0 {
            out.push(format!("price_fen: {} is negative", self.price_fen));
        }
        check_non_negative(&mut out, "cap_pct_of_price", self.cap_pct_of_price);
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            if rule.id.trim().is_empty() {
                out.push(format!("{at}.id: must not be empty"));
            } else {
                let first = *ids.entry(&rule.id).or_insert(i);
                if first != i {
                    out.push(format!("{at}.id: {:?} is also the id of rules[{first}]", rule.id));
                }
            }
            check_non_negative(&mut out, &format!("{at}.cap_pct_of_price"), rule.cap_pct_of_price);
            check_non_negative(&mut out, &format!("{at}.amount.pct"), Some(rule.amount.pct()));
            let when = format!("{at}.when");
            match rule.when {
                Condition::AverageTime {
                    above_minutes,
                    below_minutes,
                    ..
                } => {
                    check_non_negative(&mut out, &format!("{when}.above_minutes"), Some(above_minutes));
                    check_non_negative(&mut out, &format!("{when}.below_minutes"), below_minutes);
                    if let Some(below) = below_minutes {
                        if below <= above_minutes {
                            out.push(format!(
                                "{when}.below_minutes: {} must be greater than above_minutes ({})",
                                num(below, 3),
                                num(above_minutes, 3)
                            ));
                        }
                    }
                }
                Condition::Availability { below_pct, .. } => {
                    if !(below_pct.is_finite() && (0.0..=100.0).contains(&below_pct)) {
                        out.push(format!("{when}.below_pct: {below_pct} is not between 0 and 100"));
                    }
                }
                Condition::Late {
                    from_count,
                    serious_from,
                    ..
                } => {
                    if from_count == 0 {
                        out.push(format!("{when}.from_count: must be at least 1"));
                    }
                    if serious_from == Some(0) {
                        out.push(format!("{when}.serious_from: must be at least 1"));
                    }
                }
                Condition::OutageLonger { minutes } => {
                    check_non_negative(&mut out, &format!("{when}.minutes"), Some(minutes));
                }
                Condition::OutageTotal {
                    count_over,
                    total_minutes_over,
                } => {
                    if count_over.is_none() && total_minutes_over.is_none() {
                        out.push(format!("{when}: give count_over, total_minutes_over or both"));
                    }
                    check_non_negative(&mut out, &format!("{when}.total_minutes_over"), total_minutes_over);
                }
                Condition::Delay { .. } | Condition::Manual => {}
            }
        }
        out
    }

    /// Checks the contract; the error lists every problem, each naming its field.
    pub fn validate(&self) -> Result<(), DeductionError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(DeductionError::Invalid(problems))
        }
    }
}

fn check_non_negative(out: &mut Vec<String>, field: &str, value: Option<f64>) {
    if let Some(v) = value {
        if !v.is_finite() || v < 0.0 {
            out.push(format!("{field}: {v} is not a finite, non-negative number"));
        }
    }
}

//! Checking a contract: [`Contract::problems`] names each problem by its field, and
//! [`Contract::validate`] turns them into a [`DeductionError`].

use std::collections::HashMap;

use crate::clauses::{Condition, Contract};
use crate::findings::FindingKind;
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
        if self.scheme.as_deref().is_some_and(|s| s.trim().is_empty()) {
            out.push("scheme: must not be empty (leave it out for a contract without a scheme)".to_owned());
        }
        if let Some(s) = &self.satisfaction {
            s.problems("satisfaction", &mut out);
        }
        for (i, m) in self.members.iter().enumerate() {
            if m.trim().is_empty() {
                out.push(format!("members[{i}]: must not be empty"));
            } else if *m == self.vendor {
                out.push(format!("members[{i}]: {m:?} is the vendor itself"));
            } else if let Some(j) = self.members[..i].iter().position(|x| x == m) {
                out.push(format!("members[{i}]: {m:?} is also members[{j}]"));
            }
        }
        for (i, duty) in self.reports.iter().enumerate() {
            let at = format!("reports[{i}]");
            duty.problems(&at, &mut out);
            if let Some(j) = self.reports[..i].iter().position(|d| d.code == duty.code) {
                out.push(format!("{at}.code: {:?} is also the code of reports[{j}]", duty.code));
            }
        }
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
            check_condition(&mut out, &when, &rule.when);
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
    if let Some(v) = value
        && (!v.is_finite() || v < 0.0)
    {
        out.push(format!("{field}: {v} is not a finite, non-negative number"));
    }
}

fn check_condition(out: &mut Vec<String>, when: &str, condition: &Condition) {
    match *condition {
        Condition::AverageTime {
            above_minutes,
            below_minutes,
            impact,
            needs,
            ..
        } => {
            check_non_negative(out, &format!("{when}.above_minutes"), Some(above_minutes));
            check_non_negative(out, &format!("{when}.below_minutes"), below_minutes);
            if let Some(below) = below_minutes
                && below <= above_minutes
            {
                out.push(format!(
                    "{when}.below_minutes: {} must be greater than above_minutes ({})",
                    num(below, 3),
                    num(above_minutes, 3)
                ));
            }
            check_impact(out, when, impact.needs(), needs);
        }
        Condition::Availability {
            below_pct,
            impact,
            needs,
        } => {
            if !(below_pct.is_finite() && (0.0..=100.0).contains(&below_pct)) {
                out.push(format!("{when}.below_pct: {below_pct} is not between 0 and 100"));
            }
            check_impact(out, when, impact.needs(), needs);
        }
        Condition::Late {
            from_count,
            serious_from,
            ref serious_clocks,
            serious_needs,
            ..
        } => {
            if from_count == 0 {
                out.push(format!("{when}.from_count: must be at least 1"));
            }
            if serious_from == Some(0) {
                out.push(format!("{when}.serious_from: must be at least 1"));
            }
            if serious_from.is_none() && (!serious_clocks.is_empty() || serious_needs.is_some()) {
                out.push(format!(
                    "{when}.serious_from: give it, or drop serious_clocks and serious_needs (they qualify it)"
                ));
            }
            for (i, c) in serious_clocks.iter().enumerate() {
                if serious_clocks[..i].contains(c) {
                    out.push(format!("{when}.serious_clocks[{i}]: {c} is listed twice"));
                }
            }
        }
        Condition::OutageLonger {
            at_least_minutes,
            over_minutes,
            ..
        } => {
            match (at_least_minutes, over_minutes) {
                (None, None) => out.push(format!(
                    "{when}: give at_least_minutes (以上, the number included) or over_minutes (超过, excluded)"
                )),
                (Some(_), Some(_)) => out.push(format!(
                    "{when}.over_minutes: give at_least_minutes (以上) or over_minutes (超过), not both"
                )),
                _ => {}
            }
            check_non_negative(out, &format!("{when}.at_least_minutes"), at_least_minutes);
            check_non_negative(out, &format!("{when}.over_minutes"), over_minutes);
        }
        Condition::OutageTotal {
            count_over,
            total_minutes_over,
            count_at_least,
            total_minutes_at_least,
            ..
        } => {
            if count_over.is_none()
                && total_minutes_over.is_none()
                && count_at_least.is_none()
                && total_minutes_at_least.is_none()
            {
                out.push(format!(
                    "{when}: give count_over, total_minutes_over, count_at_least or total_minutes_at_least"
                ));
            }
            if count_over.is_some() && count_at_least.is_some() {
                out.push(format!(
                    "{when}.count_at_least: give count_at_least (以上) or count_over (超过), not both"
                ));
            }
            if total_minutes_over.is_some() && total_minutes_at_least.is_some() {
                out.push(format!(
                    "{when}.total_minutes_at_least: give total_minutes_at_least (以上) or total_minutes_over (超过), not both"
                ));
            }
            if count_at_least == Some(0) {
                out.push(format!("{when}.count_at_least: must be at least 1"));
            }
            check_non_negative(out, &format!("{when}.total_minutes_over"), total_minutes_over);
            check_non_negative(out, &format!("{when}.total_minutes_at_least"), total_minutes_at_least);
        }
        Condition::Finding {
            kind,
            above_minutes,
            below_minutes,
            needs,
            ..
        } => {
            if needs == Some(kind) {
                out.push(format!("{when}.needs: a {kind} finding cannot need itself"));
            }
            if kind != FindingKind::UnattendedSite && (above_minutes.is_some() || below_minutes.is_some()) {
                out.push(format!(
                    "{when}.above_minutes: minutes bound only unattended_site findings, not {kind}"
                ));
            }
            check_non_negative(out, &format!("{when}.above_minutes"), above_minutes);
            check_non_negative(out, &format!("{when}.below_minutes"), below_minutes);
            if let (Some(a), Some(b)) = (above_minutes, below_minutes)
                && b <= a
            {
                out.push(format!(
                    "{when}.below_minutes: {} must be greater than above_minutes ({})",
                    num(b, 3),
                    num(a, 3)
                ));
            }
        }
        Condition::MissedInspection { from_count, .. } => {
            if from_count == 0 {
                out.push(format!("{when}.from_count: must be at least 1"));
            }
        }
        Condition::Delay { .. } | Condition::Manual => {}
    }
}

/// `impact` (kept for stored contracts) and `needs` must not say different things.
fn check_impact(out: &mut Vec<String>, when: &str, from_impact: Option<FindingKind>, needs: Option<FindingKind>) {
    if let (Some(a), Some(b)) = (from_impact, needs)
        && a != b
    {
        out.push(format!(
            "{when}.needs: {b} contradicts impact (which means {a}); drop impact"
        ));
    }
}

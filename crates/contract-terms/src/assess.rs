//! Assessing a contract: one [`Outcome`] per rule (fired, exposure, not fired, not measured), the
//! rule and contract caps, and the [`Assessment`] that adds them up.

use serde::{Deserialize, Serialize};

use crate::clauses::{Condition, Contract, Impact, Rule};
use crate::evaluate::{Eval, Scoped, evaluate};
use crate::metrics::Metrics;
use crate::money::format_yuan;
use crate::text::num;

/// What became of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The condition holds: the amount is owed.
    Fired,
    /// The condition holds but the deduction depends on a finding or memo opsclock cannot make.
    Exposure,
    /// The condition does not hold.
    NotFired,
    /// opsclock does not measure the condition.
    NotMeasured,
}

/// One rule's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The rule's id.
    pub rule: String,
    /// The rule's label.
    pub label: String,
    /// The rule's source.
    pub source: Option<String>,
    /// Whether it fired.
    pub status: Status,
    /// The multiplier: occurrences ([`Condition::Late`]), days ([`Condition::Delay`]) or 1; 0 if
    /// the rule neither fired nor is an exposure.
    pub occurrences: u64,
    /// Ticket numbers, system codes or the measured mean.
    pub evidence: Vec<String>,
    /// The amount after the rule's cap, in fen; 0 unless fired or an exposure.
    pub amount_fen: i64,
    /// Whether the rule's cap lowered the amount.
    pub capped: bool,
    /// Explanations: findings needed, seriousness, termination rights, measured values.
    pub notes: Vec<String>,
}

/// A contract's deductions for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The contract's code.
    pub contract: String,
    /// One outcome per rule, in the contract's order.
    pub outcomes: Vec<Outcome>,
    /// The sum of fired amounts after the contract's cap, in fen.
    pub total_fen: i64,
    /// The sum of exposure amounts, in fen (not capped by the contract's cap).
    pub exposure_fen: i64,
    /// Whether the contract's cap lowered the total.
    pub capped: bool,
    /// Explanations: the cap, termination rights, unmeasured rules, alternative findings.
    pub notes: Vec<String>,
}

fn impact_of(when: &Condition) -> Impact {
    match *when {
        Condition::AverageTime { impact, .. } | Condition::Availability { impact, .. } => impact,
        _ => Impact::Any,
    }
}

/// One rule's outcome and whether it lets the buyer terminate.
fn assess_rule(contract: &Contract, rule: &Rule, metrics: &Scoped<'_>) -> (Outcome, bool) {
    let mut outcome = Outcome {
        rule: rule.id.clone(),
        label: rule.label.clone(),
        source: rule.source.clone(),
        status: Status::NotFired,
        occurrences: 0,
        evidence: Vec::new(),
        amount_fen: 0,
        capped: false,
        notes: Vec::new(),
    };
    let hit = match evaluate(&rule.when, metrics) {
        Eval::NotMeasured => {
            outcome.status = Status::NotMeasured;
            outcome
                .notes
                .push("opsclock does not measure this; assess it by hand".to_owned());
            return (outcome, false);
        }
        Eval::Fails(notes) => {
            outcome.notes = notes;
            return (outcome, false);
        }
        Eval::Holds(hit) => hit,
    };
    let mut amount = contract.amount_fen(rule.amount, hit.multiplier);
    if let Some(cap_pct) = rule.cap_pct_of_price {
        let cap = contract.pct_of_price_fen(cap_pct);
        if amount > cap {
            outcome.notes.push(format!(
                "capped at {} ({}% of the price) from {}",
                format_yuan(cap),
                num(cap_pct, 3),
                format_yuan(amount)
            ));
            amount = cap;
            outcome.capped = true;
        }
    }
    let mut notes = hit.notes;
    let mut exposure = false;
    match impact_of(&rule.when) {
        Impact::Any => {}
        Impact::Major => {
            exposure = true;
            notes.push(
                "depends on a finding that it caused a major accident or impact (造成重大事故/重大影响)".to_owned(),
            );
        }
        Impact::NoMajor => {
            exposure = true;
            notes.push("depends on a finding that it caused a problem but no major impact (未造成重大影响)".to_owned());
        }
    }
    if rule.memo {
        exposure = true;
        notes.push("the contract leaves this deduction to a memo (管理备忘录)".to_owned());
    }
    notes.append(&mut outcome.notes);
    outcome.notes = notes;
    outcome.status = if exposure { Status::Exposure } else { Status::Fired };
    outcome.occurrences = hit.multiplier;
    outcome.evidence = hit.evidence;
    outcome.amount_fen = amount;
    (outcome, hit.terminate)
}

/// Assesses a contract's rules against a period's metrics.
///
/// Every rule gives one [`Outcome`], in the contract's order. [`Assessment::total_fen`] sums the
/// [`Status::Fired`] amounts, capped by [`Contract::cap_pct_of_price`];
/// [`Assessment::exposure_fen`] sums the [`Status::Exposure`] amounts, which depend on a finding
/// or memo. Average bands are strict: a mean of exactly 30.0 minutes is in neither
/// "大于 15 分钟且小于 30 分钟" nor "大于 30 分钟且小于 60 分钟".
///
/// The contract should pass [`Contract::validate`]; an invalid one gives meaningless amounts but
/// never panics, and amounts are never negative.
///
/// ```
/// use contract_terms::{Contract, Metrics, Status, assess, format_yuan};
///
/// // 003 附件6: outages of 2 hours and more, per cent of the monthly fee.
/// let contract: Contract = serde_json::from_value(serde_json::json!({
///     "code": "003", "name": "中小企业公共服务平台 系统运维", "vendor": "v-003",
///     "price_fen": 327_800_000, "months": 12, "source": "003 附件6",
///     "rules": [
///         {"id": "a6-2", "label": "造成某服务中断 2 小时以上", "source": "附件6 第2项",
///          "when": {"metric": "outage_longer", "minutes": 120},
///          "amount": {"of": "monthly_fee", "pct": 30}},
///         {"id": "a6-5", "label": "运维需求平均响应时间大于 30 分钟且小于 60 分钟，出现问题但未造成重大影响",
///          "when": {"metric": "average_time", "clock": "response",
///                   "above_minutes": 30, "below_minutes": 60, "impact": "no_major"},
///          "amount": {"of": "monthly_fee", "pct": 30}}
///     ]
/// })).unwrap();
/// contract.validate().unwrap();
///
/// let metrics: Metrics = serde_json::from_value(serde_json::json!({
///     "averages": [{"clock": "response", "count": 8, "mean_minutes": 42.5}],
///     "outages": [
///         {"system": "sy-003", "tickets": ["INC-2026-000017"], "minutes": 150},
///         {"system": "sy-003", "tickets": ["INC-2026-000021"], "minutes": 45}
///     ]
/// })).unwrap();
///
/// let a = assess(&contract, &metrics);
/// assert_eq!(a.outcomes[0].status, Status::Fired);
/// assert_eq!(a.outcomes[0].evidence, ["INC-2026-000017"]);
/// // 30 % of 3,278,000.00 / 12.
/// assert_eq!(format_yuan(a.total_fen), "¥81,950.00");
/// // The average band holds, but the contract also needs a finding: an exposure.
/// assert_eq!(a.outcomes[1].status, Status::Exposure);
/// assert_eq!(a.outcomes[1].evidence, ["mean 42.5 min over 8 clocks"]);
/// assert_eq!(a.exposure_fen, 8_195_000);
/// ```
pub fn assess(contract: &Contract, metrics: &Metrics) -> Assessment {
    let scoped = Scoped::new(contract, metrics);
    let mut outcomes = Vec::with_capacity(contract.rules.len());
    let mut terminate = Vec::new();
    for rule in &contract.rules {
        let (outcome, may_terminate) = assess_rule(contract, rule, &scoped);
        if may_terminate {
            terminate.push(rule.id.as_str());
        }
        outcomes.push(outcome);
    }
    let sum = |status: Status| {
        outcomes
            .iter()
            .filter(|o| o.status == status)
            .fold(0i64, |acc, o| acc.saturating_add(o.amount_fen))
    };
    let fired = sum(Status::Fired);
    let exposure_fen = sum(Status::Exposure);
    let mut notes = Vec::new();
    let mut total_fen = fired;
    let mut capped = false;
    if let Some(cap_pct) = contract.cap_pct_of_price {
        let cap = contract.pct_of_price_fen(cap_pct);
        if fired > cap {
            notes.push(format!(
                "the fired total {} is capped at {} ({}% of the price)",
                format_yuan(fired),
                format_yuan(cap),
                num(cap_pct, 3)
            ));
            total_fen = cap;
            capped = true;
        } else if fired.saturating_add(exposure_fen) > cap {
            notes.push(format!(
                "if the exposures were confirmed, the cap of {} ({}% of the price) would limit the total",
                format_yuan(cap),
                num(cap_pct, 3)
            ));
        }
    }
    if !terminate.is_empty() {
        notes.push(format!(
            "the buyer may terminate the contract: {}",
            terminate.join(", ")
        ));
    }
    let exposures_with = |impact: Impact| {
        contract
            .rules
            .iter()
            .zip(&outcomes)
            .any(|(r, o)| o.status == Status::Exposure && impact_of(&r.when) == impact)
    };
    if exposures_with(Impact::Major) && exposures_with(Impact::NoMajor) {
        notes.push(
            "exposures needing a major-impact finding and a no-major-impact finding are alternatives: \
             the exposure total counts both"
                .to_owned(),
        );
    }
    let unmeasured: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.status == Status::NotMeasured)
        .map(|o| o.rule.as_str())
        .collect();
    if !unmeasured.is_empty() {
        notes.push(format!("not measured, assess by hand: {}", unmeasured.join(", ")));
    }
    Assessment {
        contract: contract.code.clone(),
        outcomes,
        total_fen,
        exposure_fen,
        capped,
        notes,
    }
}

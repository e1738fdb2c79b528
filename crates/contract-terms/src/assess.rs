//! Assessing a contract for one month: one [`Outcome`] per rule (fired, exposure, not fired, not
//! measured), decided by the findings the rule needs, the rule and contract caps, and the
//! [`Assessment`] that adds them up. `months` assesses several months and sums them.

use serde::{Deserialize, Serialize};

use crate::clauses::{Condition, Contract, Counts, Rule};
use crate::decide::decide;
use crate::evaluate::{Eval, Occurrence, Scoped, evaluate, push_unique, serious};
use crate::findings::FindingKind;
use crate::metrics::Metrics;
use crate::money::format_yuan;
use crate::text::{Note, num, split};

/// What became of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The condition holds: the amount is owed.
    Fired,
    /// The condition holds on the metric but the deduction waits on a finding not yet made, or on
    /// a memo.
    Exposure,
    /// The condition does not hold.
    NotFired,
    /// opsclock does not measure the condition.
    NotMeasured,
}

/// The part of a fired outcome still waiting on a finding: occurrences that hold on the metric
/// but whose tickets have no finding of the kind the rule needs yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// Their multiplier (occurrences or days).
    pub occurrences: u64,
    /// Their tickets or systems.
    pub evidence: Vec<String>,
    /// The same as Chinese pages show it (see [`Outcome::evidence_zh`]).
    #[serde(default)]
    pub evidence_zh: Vec<String>,
    /// What they would cost if the finding were made, in fen; summed into
    /// [`Assessment::exposure_fen`].
    pub amount_fen: i64,
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
    /// How it counts ([`Counts::label`] says it to people).
    pub counts: Counts,
    /// The months ("2026-11") in which it fired or is an exposure; empty from [`assess`].
    pub months: Vec<String>,
    /// The multiplier: occurrences (or days, for [`Condition::Delay`]) under
    /// [`Counts::PerOccurrence`], months under [`Counts::PerMonth`]; 0 if the rule neither fired
    /// nor is an exposure.
    pub occurrences: u64,
    /// Ticket numbers, system codes, the measured mean, and the findings that decided it.
    pub evidence: Vec<String>,
    /// The same evidence as Chinese pages show it, in the same order: ticket numbers and system
    /// codes as they are, the mean as `8 个计时平均 42.5 分钟`, a finding about the month as
    /// `F-3（本月）`.
    #[serde(default)]
    pub evidence_zh: Vec<String>,
    /// The amount after the rule's cap, in fen: the fired amount, or the exposure's; 0 unless
    /// fired or an exposure.
    pub amount_fen: i64,
    /// Whether the rule's cap lowered the amount.
    pub capped: bool,
    /// For a fired outcome, the occurrences still waiting on a finding.
    pub pending: Option<Pending>,
    /// The finding that would decide the exposure or the pending part.
    pub needs: Option<FindingKind>,
    /// The ids of the findings behind it.
    pub findings: Vec<String>,
    /// Explanations: findings needed, seriousness, termination rights, measured values, in
    /// English.
    pub notes: Vec<String>,
    /// The same explanations in Chinese, in the contracts' words: as many as [`Outcome::notes`],
    /// in the same order (`notes_zh[i]` says what `notes[i]` says).
    #[serde(default)]
    pub notes_zh: Vec<String>,
}

/// One month's totals in an [`Assessment`] over several months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthTotal {
    /// The month, "2026-11".
    pub month: String,
    /// The month's fired amounts after the contract's cap, in fen.
    pub total_fen: i64,
    /// The month's exposure amounts, in fen.
    pub exposure_fen: i64,
    /// Whether the contract's cap lowered the month's total.
    pub capped: bool,
}

/// A contract's deductions for a month, or for several months summed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The contract's code.
    pub contract: String,
    /// One outcome per rule, in the contract's order.
    pub outcomes: Vec<Outcome>,
    /// The sum of fired amounts after the contract's cap (applied per month), in fen.
    pub total_fen: i64,
    /// The sum of exposure amounts, pending parts included, in fen (not capped by the contract's
    /// cap).
    pub exposure_fen: i64,
    /// Whether the contract's cap lowered the total (of some month).
    pub capped: bool,
    /// Each month's totals; empty from [`assess`].
    pub months: Vec<MonthTotal>,
    /// Explanations: the cap, termination rights, unmeasured rules, alternative findings, in
    /// English.
    pub notes: Vec<String>,
    /// The same explanations in Chinese: as many as [`Assessment::notes`], in the same order.
    #[serde(default)]
    pub notes_zh: Vec<String>,
}

fn collect_evidence<'a>(occurrences: impl IntoIterator<Item = &'a Occurrence>) -> Vec<String> {
    let mut out = Vec::new();
    for o in occurrences {
        for e in &o.evidence {
            push_unique(&mut out, e);
        }
    }
    out
}

/// The occurrences' evidence as Chinese pages say it.
fn collect_evidence_zh<'a>(occurrences: impl IntoIterator<Item = &'a Occurrence>) -> Vec<String> {
    let mut out = Vec::new();
    for o in occurrences {
        for e in &o.evidence_zh {
            push_unique(&mut out, e);
        }
    }
    out
}

fn multiplier<'a>(counts: Counts, occurrences: impl IntoIterator<Item = &'a Occurrence>) -> u64 {
    let mut any = false;
    let mut sum = 0u64;
    for o in occurrences {
        any = true;
        sum = sum.saturating_add(o.weight);
    }
    match counts {
        Counts::PerOccurrence => sum,
        Counts::PerMonth => u64::from(any),
    }
}

/// One rule's outcome and whether it lets the buyer terminate.
fn assess_rule(contract: &Contract, rule: &Rule, metrics: &Scoped<'_>, all: &Metrics) -> (Outcome, bool) {
    let counts = rule.counts();
    let mut outcome = Outcome {
        rule: rule.id.clone(),
        label: rule.label.clone(),
        source: rule.source.clone(),
        status: Status::NotFired,
        counts,
        months: Vec::new(),
        occurrences: 0,
        evidence: Vec::new(),
        evidence_zh: Vec::new(),
        amount_fen: 0,
        capped: false,
        pending: None,
        needs: None,
        findings: Vec::new(),
        notes: Vec::new(),
        notes_zh: Vec::new(),
    };
    let (notes, terminate) = rule_notes(&mut outcome, contract, rule, metrics, all);
    (outcome.notes_zh, outcome.notes) = split(notes);
    (outcome, terminate)
}

/// Fills in one rule's `outcome` but for its notes, which it returns, with whether the rule lets
/// the buyer terminate.
fn rule_notes(
    outcome: &mut Outcome,
    contract: &Contract,
    rule: &Rule,
    metrics: &Scoped<'_>,
    all: &Metrics,
) -> (Vec<Note>, bool) {
    let findings = &all.findings;
    let counts = outcome.counts;
    let mut terminate = false;
    let serious_note = serious(&rule.when, metrics);
    let measured = match evaluate(&rule.when, metrics) {
        Eval::NotMeasured => {
            outcome.status = Status::NotMeasured;
            return (
                vec![Note::new(
                    "本系统不计量此项，需人工评定",
                    "opsclock does not measure this; assess it by hand",
                )],
                false,
            );
        }
        Eval::Fails(mut notes) => {
            if let Some((note, t)) = serious_note {
                notes.push(note);
                terminate = t;
            }
            return (notes, terminate);
        }
        Eval::Holds(measured) => measured,
    };
    let needs = rule.when.needs();
    let decision = decide(needs, &measured.occurrences, findings);
    let mut notes = measured.notes;
    notes.extend(decision.excluded.iter().cloned());
    let decided: Vec<&Occurrence> = decision.decided.iter().map(|(o, _)| *o).collect();
    let eligible = decided.len() + decision.undecided.len();
    let gate = measured.gate.max(1);
    let fires = !rule.memo && decided.len() as u64 >= gate;
    let exposed = !fires && eligible as u64 >= gate;
    if !fires && !exposed {
        if eligible > 0 {
            notes.push(Note::new(
                format!("计入 {eligible} 次；本条满 {gate} 次起扣款"),
                format!("{eligible} counted; the rule fires from {gate}"),
            ));
        }
        if let Some((note, t)) = serious_note {
            notes.push(note);
            terminate = t;
        }
        return (notes, terminate);
    }
    // The occurrences the amount is for, and those still waiting on a finding.
    let (charged, waiting): (Vec<&Occurrence>, Vec<&Occurrence>) = if fires {
        let waiting = if counts == Counts::PerOccurrence {
            decision.undecided.clone()
        } else {
            Vec::new()
        };
        (decided.clone(), waiting)
    } else {
        (
            decided
                .iter()
                .copied()
                .chain(decision.undecided.iter().copied())
                .collect(),
            Vec::new(),
        )
    };
    let mult = multiplier(counts, charged.iter().copied());
    // A share of the systems' fees: a system without one leaves the rule unmeasured.
    let on_fees = crate::fees::amount(rule.amount, counts, &charged, all)
        .and_then(|c| Ok((c, crate::fees::amount(rule.amount, counts, &waiting, all)?)));
    let (fee_charged, fee_waiting) = match on_fees {
        Ok(amounts) => amounts,
        Err(note) => {
            notes.push(note);
            outcome.status = Status::NotMeasured;
            outcome.evidence = collect_evidence(charged.iter().chain(waiting.iter()).copied());
            outcome.evidence_zh = collect_evidence_zh(charged.iter().chain(waiting.iter()).copied());
            return (notes, false);
        }
    };
    if let crate::clauses::Amount::Fee { pct } = rule.amount {
        notes.push(crate::fees::basis_note(pct, &charged, all));
    }
    let mut amount = fee_charged.unwrap_or_else(|| contract.amount_fen(rule.amount, mult));
    let mut pending = (!waiting.is_empty()).then(|| {
        let occurrences = multiplier(counts, waiting.iter().copied());
        Pending {
            occurrences,
            evidence: collect_evidence(waiting.iter().copied()),
            evidence_zh: collect_evidence_zh(waiting.iter().copied()),
            amount_fen: fee_waiting.unwrap_or_else(|| contract.amount_fen(rule.amount, occurrences)),
        }
    });
    if let Some(cap_pct) = rule.cap_pct_of_price {
        let cap = contract.pct_of_price_fen(cap_pct);
        if amount > cap {
            notes.push(Note::new(
                format!(
                    "由 {} 封顶为 {}（合同总价的 {}%）",
                    format_yuan(amount),
                    format_yuan(cap),
                    num(cap_pct, 3)
                ),
                format!(
                    "capped at {} ({}% of the price) from {}",
                    format_yuan(cap),
                    num(cap_pct, 3),
                    format_yuan(amount)
                ),
            ));
            amount = cap;
            outcome.capped = true;
        }
        if let Some(p) = pending.as_mut() {
            p.amount_fen = p.amount_fen.min(cap.saturating_sub(amount).max(0));
        }
    }
    let mut evidence = collect_evidence(charged.iter().copied());
    let mut evidence_zh = collect_evidence_zh(charged.iter().copied());
    let used: Vec<&crate::Finding> = decision
        .decided
        .iter()
        .filter(|(o, _)| charged.iter().any(|c| std::ptr::eq(*c, *o)))
        .flat_map(|(_, f)| f.iter().copied())
        .collect();
    for f in &used {
        push_unique(&mut evidence, &f.evidence());
        push_unique(&mut evidence_zh, &f.evidence_zh());
        push_unique(&mut outcome.findings, &f.id);
    }
    for o in &charged {
        for id in &o.findings {
            push_unique(&mut outcome.findings, id);
        }
    }
    if let Some(kind) = needs {
        if exposed && !decision.undecided.is_empty() {
            outcome.needs = Some(kind);
            notes.push(Note::new(kind.needed_note_zh(), kind.needed_note()));
        }
        if let Some(p) = &pending {
            outcome.needs = Some(kind);
            notes.push(Note::new(
                format!("{}：{}", p.evidence_zh.join("、"), kind.needed_note_zh()),
                format!("{} for {}", kind.needed_note(), p.evidence.join(", ")),
            ));
        }
    }
    if rule.memo {
        notes.push(Note::new(
            "合同规定此项扣款按管理备忘录处理",
            "the contract leaves this deduction to a memo (管理备忘录)",
        ));
    }
    if let Condition::Delay {
        terminate_after_days: Some(t),
        ..
    } = rule.when
    {
        let days: u64 = charged.iter().map(|o| o.weight).fold(0, u64::saturating_add);
        if days > u64::from(t) {
            if fires {
                terminate = true;
                notes.push(Note::new(
                    format!("累计延迟超过 {t} 日：甲方有权解除合同"),
                    format!("more than {t} days: the buyer may terminate (累计延迟超过 {t} 日)"),
                ));
            } else {
                notes.push(Note::new(
                    format!("如经认定，累计延迟超过 {t} 日：甲方将有权解除合同"),
                    format!("more than {t} days if confirmed: the buyer could terminate (累计延迟超过 {t} 日)"),
                ));
            }
        }
    }
    if let Some((note, t)) = serious_note {
        notes.push(note);
        terminate |= t;
    }
    outcome.status = if fires { Status::Fired } else { Status::Exposure };
    outcome.occurrences = mult;
    outcome.evidence = evidence;
    outcome.evidence_zh = evidence_zh;
    outcome.amount_fen = amount;
    outcome.pending = pending;
    (notes, terminate)
}

/// Assesses a contract's rules against one month's metrics (use [`crate::assess_months`] for a
/// quarter or a year).
///
/// Every rule gives one [`Outcome`], in the contract's order. [`Assessment::total_fen`] sums the
/// [`Status::Fired`] amounts, capped by [`Contract::cap_pct_of_price`];
/// [`Assessment::exposure_fen`] sums the [`Status::Exposure`] amounts and the [`Pending`] parts,
/// which wait on a finding or memo. Average bands are strict: a mean of exactly 30.0 minutes is in neither
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
/// assert_eq!(a.outcomes[1].evidence_zh, ["8 个计时平均 42.5 分钟"]);
/// assert_eq!(a.exposure_fen, 8_195_000);
/// ```
pub fn assess(contract: &Contract, metrics: &Metrics) -> Assessment {
    let scoped = Scoped::new(contract, metrics);
    let mut outcomes = Vec::with_capacity(contract.rules.len());
    let mut terminate = Vec::new();
    for rule in &contract.rules {
        let (outcome, may_terminate) = assess_rule(contract, rule, &scoped, metrics);
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
    let exposure_fen = outcomes
        .iter()
        .filter_map(|o| o.pending.as_ref())
        .fold(sum(Status::Exposure), |acc, p| acc.saturating_add(p.amount_fen));
    let mut notes = Vec::new();
    let mut total_fen = fired;
    let mut capped = false;
    if let Some(cap_pct) = contract.cap_pct_of_price {
        let cap = contract.pct_of_price_fen(cap_pct);
        if fired > cap {
            notes.push(Note::new(
                format!(
                    "已扣款合计 {} 封顶为 {}（合同总价的 {}%）",
                    format_yuan(fired),
                    format_yuan(cap),
                    num(cap_pct, 3)
                ),
                format!(
                    "the fired total {} is capped at {} ({}% of the price)",
                    format_yuan(fired),
                    format_yuan(cap),
                    num(cap_pct, 3)
                ),
            ));
            total_fen = cap;
            capped = true;
        } else if fired.saturating_add(exposure_fen) > cap {
            notes.push(Note::new(
                format!(
                    "如待认定项均经认定，合计将受封顶额 {}（合同总价的 {}%）限制",
                    format_yuan(cap),
                    num(cap_pct, 3)
                ),
                format!(
                    "if the exposures were confirmed, the cap of {} ({}% of the price) would limit the total",
                    format_yuan(cap),
                    num(cap_pct, 3)
                ),
            ));
        }
    }
    if !terminate.is_empty() {
        notes.push(Note::new(
            format!("甲方有权解除（终止）合同：{}", terminate.join("、")),
            format!("the buyer may terminate the contract: {}", terminate.join(", ")),
        ));
    }
    let exposures_with = |kind: FindingKind| outcomes.iter().any(|o| o.needs == Some(kind));
    if exposures_with(FindingKind::MajorImpact) && exposures_with(FindingKind::NoMajorImpact) {
        notes.push(Note::new(
            "需认定“造成重大影响”与需认定“未造成重大影响”的待认定项互为替代：待认定合计两者都计入",
            "exposures needing a major-impact finding and a no-major-impact finding are alternatives: \
             the exposure total counts both",
        ));
    }
    notes.extend(unmeasured_note(&outcomes));
    let (notes_zh, notes) = split(notes);
    Assessment {
        contract: contract.code.clone(),
        outcomes,
        total_fen,
        exposure_fen,
        capped,
        months: Vec::new(),
        notes,
        notes_zh,
    }
}

/// How the note listing the rules opsclock does not measure begins, in English and Chinese.
pub(crate) const UNMEASURED: &str = "not measured, assess by hand: ";
const UNMEASURED_ZH: &str = "未计量，需人工评定：";

/// The note listing the rules opsclock does not measure, if any: one per assessment, whether of
/// one month ([`assess`]) or of several summed (`assess_months`).
pub(crate) fn unmeasured_note(outcomes: &[Outcome]) -> Option<Note> {
    let rules: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.status == Status::NotMeasured)
        .map(|o| o.rule.as_str())
        .collect();
    (!rules.is_empty()).then(|| {
        Note::new(
            format!("{UNMEASURED_ZH}{}", rules.join("、")),
            format!("{UNMEASURED}{}", rules.join(", ")),
        )
    })
}

//! Assessing several months: each calendar month on its own, then summed, so that a rule charged
//! once per month charges up to three times in a quarter, and the caps (per assessment in the
//! contracts) hold per month.

use crate::assess::{Assessment, MonthTotal, Outcome, Pending, Status, assess};
use crate::clauses::Contract;
use crate::evaluate::push_unique;
use crate::metrics::Metrics;
use crate::text::{Note, split};

/// Adds a multiplier, evidence (English, Chinese) and amount to a pending part.
fn add_pending(
    into: &mut Option<Pending>,
    occurrences: u64,
    (evidence, evidence_zh): (&[String], &[String]),
    amount_fen: i64,
) {
    let p = into.get_or_insert(Pending {
        occurrences: 0,
        evidence: Vec::new(),
        evidence_zh: Vec::new(),
        amount_fen: 0,
    });
    p.occurrences = p.occurrences.saturating_add(occurrences);
    p.amount_fen = p.amount_fen.saturating_add(amount_fen);
    for e in evidence {
        push_unique(&mut p.evidence, e);
    }
    for e in evidence_zh {
        push_unique(&mut p.evidence_zh, e);
    }
}

/// Adds `from`'s evidence, in both languages, to `into`'s.
fn add_evidence(into: &mut Outcome, from: &Outcome) {
    for e in &from.evidence {
        push_unique(&mut into.evidence, e);
    }
    for e in &from.evidence_zh {
        push_unique(&mut into.evidence_zh, e);
    }
}

/// One rule's outcomes over the months, as one.
fn merge(months: &[(&str, &Outcome)], many: bool) -> Outcome {
    let (_, first) = months[0];
    let mut out = Outcome {
        status: Status::NotFired,
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
        ..first.clone()
    };
    let any = |s: Status| months.iter().any(|(_, o)| o.status == s);
    out.status = if any(Status::Fired) {
        Status::Fired
    } else if any(Status::Exposure) {
        Status::Exposure
    } else if any(Status::NotMeasured) {
        Status::NotMeasured
    } else {
        Status::NotFired
    };
    for &(month, o) in months {
        let counted = o.status == out.status && matches!(o.status, Status::Fired | Status::Exposure);
        if counted {
            out.occurrences = out.occurrences.saturating_add(o.occurrences);
            out.amount_fen = out.amount_fen.saturating_add(o.amount_fen);
            add_evidence(&mut out, o);
        } else if o.status == Status::NotMeasured && out.status == Status::NotMeasured {
            // A rule that held but could not be charged (a system without a fee) keeps its
            // evidence.
            add_evidence(&mut out, o);
        } else if o.status == Status::Exposure {
            // An exposure month under a rule that fired in another month.
            add_pending(
                &mut out.pending,
                o.occurrences,
                (&o.evidence, &o.evidence_zh),
                o.amount_fen,
            );
        }
        if let Some(p) = &o.pending {
            add_pending(
                &mut out.pending,
                p.occurrences,
                (&p.evidence, &p.evidence_zh),
                p.amount_fen,
            );
        }
        if counted || o.status == Status::Exposure || o.pending.is_some() {
            out.months.push(month.to_owned());
            for f in &o.findings {
                push_unique(&mut out.findings, f);
            }
        }
        out.capped |= o.capped;
        out.needs = out.needs.or(o.needs);
        for (zh, en) in o.notes_zh.iter().zip(&o.notes) {
            let note = Note::new(zh.as_str(), en.as_str());
            let note = if many { note.in_month(month) } else { note };
            out.notes_zh.push(note.zh);
            out.notes.push(note.en);
        }
    }
    out
}

/// Assesses a contract month by month and sums the months.
///
/// Each `(month, metrics)` pair is one calendar month ("2026-11") with that month's metrics and
/// findings; each is assessed with [`assess`] on its own, then every rule's outcomes are added up:
/// a [`crate::Counts::PerMonth`] rule that holds in each month of a quarter charges three times;
/// a [`crate::Counts::PerOccurrence`] rule charges each occurrence in the month it happened.
/// The rule's and the contract's caps apply to each month (the contracts cap what one
/// assessment, 考核, charges, and they assess monthly: 003 附件7 "每类工作每月考核一次").
///
/// A rule that fired in some month is [`Status::Fired`]; its exposure months become its
/// [`Pending`] part. [`Outcome::months`] names the months in which it fired or is an exposure,
/// and with more than one month each note starts with its month.
///
/// ```
/// use contract_terms::{Contract, Metrics, Status, assess_months, format_yuan};
///
/// // 003 附件6 第2项: an outage of 2 hours or more, 30 % of the monthly fee, once per month.
/// let contract: Contract = serde_json::from_value(serde_json::json!({
///     "code": "003", "name": "中小企业公共服务平台 系统运维", "vendor": "v-003",
///     "price_fen": 327_800_000, "months": 12,
///     "rules": [{"id": "a6-2", "label": "造成某服务中断 2 小时以上", "counts": "per_month",
///                "when": {"metric": "outage_longer", "at_least_minutes": 120},
///                "amount": {"of": "monthly_fee", "pct": 30}}]
/// })).unwrap();
/// let month = |ticket: &str| -> Metrics {
///     serde_json::from_value(serde_json::json!({
///         "outages": [{"system": "sy-003", "tickets": [ticket], "minutes": 120}]
///     })).unwrap()
/// };
/// let quarter = [
///     ("2026-10".to_owned(), month("INC-1")),
///     ("2026-11".to_owned(), Metrics::default()),
///     ("2026-12".to_owned(), month("INC-7")),
/// ];
/// let a = assess_months(&contract, &quarter);
/// assert_eq!(a.outcomes[0].status, Status::Fired);
/// assert_eq!(a.outcomes[0].months, ["2026-10", "2026-12"]);
/// assert_eq!(a.outcomes[0].occurrences, 2);
/// // Twice 30 % of 3,278,000.00 / 12.
/// assert_eq!(format_yuan(a.total_fen), "¥163,900.00");
/// ```
pub fn assess_months(contract: &Contract, months: &[(String, Metrics)]) -> Assessment {
    if months.is_empty() {
        return assess(contract, &Metrics::default());
    }
    let many = months.len() > 1;
    let monthly: Vec<(&str, Assessment)> = months
        .iter()
        .map(|(m, metrics)| (m.as_str(), assess(contract, metrics)))
        .collect();
    let outcomes: Vec<Outcome> = (0..contract.rules.len())
        .map(|i| {
            let per_month: Vec<(&str, &Outcome)> = monthly.iter().map(|(m, a)| (*m, &a.outcomes[i])).collect();
            merge(&per_month, many)
        })
        .collect();
    let mut notes = Vec::new();
    if many {
        let names: Vec<&str> = monthly.iter().map(|(m, _)| *m).collect();
        notes.push(Note::new(
            format!("按月评定（{}）后合计；封顶额按月适用", names.join("、")),
            format!(
                "assessed month by month ({}) and summed; caps apply to each month",
                names.join(", ")
            ),
        ));
    }
    let mut totals = Vec::with_capacity(monthly.len());
    let (mut total_fen, mut exposure_fen, mut capped) = (0i64, 0i64, false);
    for (month, a) in &monthly {
        total_fen = total_fen.saturating_add(a.total_fen);
        exposure_fen = exposure_fen.saturating_add(a.exposure_fen);
        capped |= a.capped;
        for (zh, en) in a.notes_zh.iter().zip(&a.notes) {
            if en.starts_with(crate::assess::UNMEASURED) {
                continue;
            }
            let note = Note::new(zh.as_str(), en.as_str());
            notes.push(if many { note.in_month(month) } else { note });
        }
        totals.push(MonthTotal {
            month: (*month).to_owned(),
            total_fen: a.total_fen,
            exposure_fen: a.exposure_fen,
            capped: a.capped,
        });
    }
    notes.extend(crate::assess::unmeasured_note(&outcomes));
    let (notes_zh, notes) = split(notes);
    Assessment {
        contract: contract.code.clone(),
        outcomes,
        total_fen,
        exposure_fen,
        capped,
        months: totals,
        notes,
        notes_zh,
    }
}

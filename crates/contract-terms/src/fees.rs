//! Amounts charged on the systems' yearly fees ([`Amount::Fee`]): which systems each occurrence
//! concerns, and the share of their fees, or the systems whose fee is missing.

use std::collections::BTreeSet;

use crate::clauses::{Amount, Counts};
use crate::evaluate::Occurrence;
use crate::metrics::Metrics;
use crate::money::{format_yuan, to_fen};
use crate::text::{Note, num};

/// The systems `o` concerns: those its metric names, else its tickets' systems, else (a figure
/// of the whole month, a ticket whose system is not known) every system covered.
fn systems_of<'a>(o: &'a Occurrence, m: &'a Metrics) -> BTreeSet<&'a str> {
    let mut out: BTreeSet<&str> = o.systems.iter().map(String::as_str).collect();
    if out.is_empty() {
        out.extend(
            o.tickets
                .iter()
                .filter_map(|t| m.ticket_systems.get(t))
                .map(String::as_str),
        );
    }
    if out.is_empty() {
        out.extend(m.fees.iter().map(|f| f.system.as_str()));
    }
    out
}

/// The fee of `system`, if the caller gave one.
fn fee_of(m: &Metrics, system: &str) -> Option<i64> {
    m.fees.iter().find(|f| f.system == system).and_then(|f| f.fee_fen)
}

/// The amount in fen of `occurrences` under an [`Amount::Fee`] rule counted `counts`: `pct` per
/// cent of each occurrence's systems' fees times its weight (per occurrence), or of the fees of
/// the systems concerned, each once (per month); rounded once. `Ok(None)` for another base;
/// `Err(note)` when a system concerned has no fee, or no system is known at all.
pub(crate) fn amount(
    amount: Amount,
    counts: Counts,
    occurrences: &[&Occurrence],
    m: &Metrics,
) -> Result<Option<i64>, Note> {
    let Amount::Fee { pct } = amount else {
        return Ok(None);
    };
    let mut missing: BTreeSet<&str> = BTreeSet::new();
    let mut base = 0f64;
    let mut once: BTreeSet<&str> = BTreeSet::new();
    for o in occurrences {
        let systems = systems_of(o, m);
        if systems.is_empty() {
            return Err(Note::new(
                "按系统年度服务费扣款，但未给出任何系统的服务费：不予计量，不虚构金额",
                "charged on the systems' yearly fees (of = \"fee\"), but no system's fee was given: \
                 not measured, no amount is invented",
            ));
        }
        for s in systems {
            match fee_of(m, s) {
                None => {
                    missing.insert(s);
                }
                Some(fee) => match counts {
                    Counts::PerOccurrence => base += fee as f64 * o.weight as f64,
                    Counts::PerMonth => {
                        if once.insert(s) {
                            base += fee as f64;
                        }
                    }
                },
            }
        }
    }
    if !missing.is_empty() {
        let missing: Vec<&str> = missing.into_iter().collect();
        return Err(Note::new(
            format!(
                "按系统年度服务费扣款，但 {} 未给出服务费：不予计量，不虚构金额",
                missing.join("、")
            ),
            format!(
                "charged on the systems' yearly fees (of = \"fee\"), and {} {} no fee (fee_fen): not \
                 measured, no amount is invented",
                missing.join(", "),
                if missing.len() == 1 { "has" } else { "have" }
            ),
        ));
    }
    Ok(Some(to_fen(base * pct / 100.0)))
}

/// The note saying what a fee-based amount was a share of.
pub(crate) fn basis_note(pct: f64, occurrences: &[&Occurrence], m: &Metrics) -> Note {
    let mut systems: BTreeSet<String> = BTreeSet::new();
    for o in occurrences {
        for s in systems_of(o, m) {
            if let Some(fee) = fee_of(m, s) {
                systems.insert(format!("{s} {}", format_yuan(fee)));
            }
        }
    }
    let systems: Vec<String> = systems.into_iter().collect();
    Note::new(
        format!("按 {} 年度服务费的 {}% 计", systems.join("、"), num(pct, 3)),
        format!("{}% of the yearly fee of {}", num(pct, 3), systems.join(", ")),
    )
}

//! Deciding occurrences by the findings a rule needs: an occurrence whose ticket (or month) has a
//! finding of the kind is decided; one without is undecided (an exposure); one covered by the
//! excluding finding (造成重大影响 against 未造成重大影响) is ruled out.

use crate::evaluate::Occurrence;
use crate::findings::{Finding, FindingKind};
use crate::text::Note;

/// The occurrences of a condition that holds, sorted by the findings.
pub(crate) struct Decision<'a> {
    /// Decided: no finding needed, or one made; with the findings that decided it.
    pub(crate) decided: Vec<(&'a Occurrence, Vec<&'a Finding>)>,
    /// Waiting on a finding.
    pub(crate) undecided: Vec<&'a Occurrence>,
    /// Why occurrences were ruled out.
    pub(crate) excluded: Vec<Note>,
}

fn ids(findings: &[&Finding], sep: &str) -> String {
    findings.iter().map(|f| f.id.as_str()).collect::<Vec<_>>().join(sep)
}

pub(crate) fn decide<'a>(
    needs: Option<FindingKind>,
    occurrences: &'a [Occurrence],
    findings: &'a [Finding],
) -> Decision<'a> {
    let mut out = Decision {
        decided: Vec::new(),
        undecided: Vec::new(),
        excluded: Vec::new(),
    };
    let Some(needs) = needs else {
        out.decided = occurrences.iter().map(|o| (o, Vec::new())).collect();
        return out;
    };
    let covering = |kind: FindingKind, o: &Occurrence| -> Vec<&'a Finding> {
        findings
            .iter()
            .filter(|f| f.kind == kind && f.covers(&o.tickets))
            .collect()
    };
    for o in occurrences {
        let own = covering(needs, o);
        let against = needs.excludes().map(|k| covering(k, o)).unwrap_or_default();
        if let Some(first) = against.first() {
            let mut en = format!(
                "{}: not counted, {} found {} ({}), which rules out {} ({})",
                o.evidence.join(", "),
                ids(&against, ", "),
                first.kind.label_zh(),
                first.kind.key(),
                needs.label_zh(),
                needs.key()
            );
            let mut zh = format!(
                "{}：不计入，{} 认定“{}”，排除了“{}”",
                o.evidence_zh.join("、"),
                ids(&against, "、"),
                first.kind.label_zh(),
                needs.label_zh()
            );
            if !own.is_empty() {
                en.push_str(&format!(
                    "; {} found the opposite: the findings contradict each other, withdraw one",
                    ids(&own, ", ")
                ));
                zh.push_str(&format!(
                    "；{} 的认定与之相反：两项认定互相矛盾，请撤回其一",
                    ids(&own, "、")
                ));
            }
            out.excluded.push(Note::new(zh, en));
        } else if own.is_empty() {
            out.undecided.push(o);
        } else {
            out.decided.push((o, own));
        }
    }
    out
}

//! A system's contract facts (`[systems.contract]`) checked: service dates and fee, the
//! availability and device KPI targets and the filing fields, inspection cadence, and the
//! inspection checklist it names, which must be one the server has loaded (`config/checklists`,
//! docs/inspections.md "Which checklist").

use std::collections::BTreeSet;

use super::check::Checker;
use super::file::ContractFacts;

/// Adds the problems of system `system`'s facts `f`, read at `path` (`systems[3].contract`).
/// `checklists` are the codes of the server's loaded checklists; none: the check is of the file's
/// form alone, and only a checklist code's form is checked.
///
/// With `generic`, `software` and `video` loaded, `checklist = "vidoe"` on sy-054 is
/// `systems[3].contract.checklist: system "sy-054" names checklist "vidoe", which the server has
/// not loaded (config/checklists); known: generic, software, video`.
pub(super) fn check(
    c: &mut Checker<'_>,
    line: Option<usize>,
    path: &str,
    system: &str,
    f: &ContractFacts,
    checklists: Option<&BTreeSet<String>>,
) {
    for (field, message) in super::service::problems(f) {
        c.problem(line, format!("{path}.{field}"), message);
    }
    for (field, target) in [
        ("availability_target", f.availability_target),
        ("main_device_availability_target", f.main_device_availability_target),
        ("online_rate_target", f.online_rate_target),
        ("filing_rate_target", f.filing_rate_target),
    ] {
        if let Some(t) = target
            && !(t > 0.0 && t <= 100.0)
        {
            c.problem(
                line,
                format!("{path}.{field}"),
                format!("{t} is not a percentage in (0, 100]"),
            );
        }
    }
    let known = crate::app::devices::kpis::FILING_FIELDS;
    for (i, name) in f.filing_fields.iter().enumerate() {
        if !known.contains(&name.as_str()) {
            c.problem(
                line,
                format!("{path}.filing_fields[{i}]"),
                format!("{name:?} is not a device field; known: {}", known.join(", ")),
            );
        } else if f.filing_fields[..i].contains(name) {
            c.problem(
                line,
                format!("{path}.filing_fields[{i}]"),
                format!("{name:?} is named twice"),
            );
        }
    }
    for (i, ins) in f.inspection.iter().enumerate() {
        if ins.times == 0 {
            c.problem(line, format!("{path}.inspection[{i}].times"), "must be at least 1");
        }
    }
    let Some(code) = &f.checklist else { return };
    if !super::is_valid_code(code) {
        c.problem(
            line,
            format!("{path}.checklist"),
            format!("{code:?} is not a checklist code (letters, digits, '-' and '_')"),
        );
    } else if let Some(loaded) = checklists
        && !loaded.contains(code)
    {
        let known = loaded.iter().map(String::as_str).collect::<Vec<_>>().join(", ");
        c.problem(
            line,
            format!("{path}.checklist"),
            format!(
                "system {system:?} names checklist {code:?}, which the server has not loaded \
                 (config/checklists); known: {known}"
            ),
        );
    }
}

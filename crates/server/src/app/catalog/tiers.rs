//! A policy entry of a catalogue file checked and compiled: its tiers (the contract's words,
//! "紧急故障：30 分钟内响应，8 小时内修复") into the targets the clocks use, each deadline read and,
//! when the check knows the calendars ([`super::check::Counting`]), counted in every loaded
//! calendar from now, as a policy saved through the API is ([`crate::app::countable::policy`]):
//! a target no calendar can count (`repair = "3000d"`) would make every ticket on the policy's
//! systems fail to open.

use std::collections::BTreeMap;

use sla_clock::Severity;
use ticket_domain::{Kind, Policy, Targets};

use super::PolicyDef;
use super::check::{Checker, DEFAULT_KINDS};
use super::file::{ArrivalFrom, MajorEventEntry, PolicyEntry, RepairFrom, TierEntry};

pub(super) fn policy(c: &mut Checker<'_>, line: Option<usize>, path: &str, p: &PolicyEntry) -> Option<PolicyDef> {
    c.code(line, path, &p.code);
    c.name(line, path, &p.name);
    let categories = ticket_domain::Categories(p.categories.clone());
    for (sub, why) in categories.check() {
        c.problem(line, format!("{path}.{sub}"), why);
    }
    for (field, why) in p.recurrence.iter().flat_map(|r| r.check()) {
        c.problem(line, format!("{path}.recurrence.{field}"), why);
    }
    let recurrence = p.recurrence.clone();
    if let Some(raw) = &p.targets {
        if !p.tiers.is_empty() || p.applies_to.is_some() || p.major_event.is_some() {
            c.problem(
                line,
                format!("{path}.targets"),
                "give either tiers (with applies_to, major_event) or raw targets, not both",
            );
        }
        if let Some(counting) = c.counting
            && let Some((sub, why)) = crate::app::countable::policy(raw, &counting.calendars, counting.now)
        {
            c.problem(
                line,
                format!("{path}.targets.{sub}"),
                format!("policy {:?}: {why}", p.code),
            );
        }
        if p.clock_start.is_some() {
            c.problem(
                line,
                format!("{path}.clock_start"),
                "raw targets say where their clocks start themselves (\"start\": \"reported\" in each); \
                 clock_start goes with tiers",
            );
        }
        return Some(PolicyDef {
            code: p.code.clone(),
            name: p.name.clone(),
            targets: raw.clone(),
            document: None,
            categories,
            recurrence,
        });
    }
    let kinds: Vec<Kind> = p.applies_to.clone().unwrap_or_else(|| DEFAULT_KINDS.to_vec());
    if kinds.is_empty() {
        c.problem(
            line,
            format!("{path}.applies_to"),
            "must name at least one kind (fault, alarm, security, request)",
        );
    }
    let mut compiled = Policy::default();
    let mut claimed: BTreeMap<Severity, usize> = BTreeMap::new();
    for (j, tier) in p.tiers.iter().enumerate() {
        let tpath = format!("{path}.tiers[{j}]");
        let targets = Targets {
            start: p.clock_start.unwrap_or_default(),
            ..tier_targets(c, line, &tpath, &p.code, tier)
        };
        for sev in tier.severity.iter().flat_map(|s| s.0.iter()) {
            if let Some(&k) = claimed.get(sev) {
                c.problem(
                    line,
                    format!("{tpath}.severity"),
                    format!(
                        "{} is already set by tiers[{k}] ({:?}); each severity may come from one tier — \
                         leave the other tier's severity out to keep it as documentation",
                        sev.key(),
                        p.tiers[k].label
                    ),
                );
                continue;
            }
            claimed.insert(*sev, j);
            for kind in &kinds {
                compiled.set(*kind, *sev, targets);
            }
        }
    }
    if let Some(me) = &p.major_event {
        major_event(c, line, &format!("{path}.major_event"), &p.code, me);
    }
    let document = serde_json::to_value(PolicyDocument::from(p)).ok();
    Some(PolicyDef {
        code: p.code.clone(),
        name: p.name.clone(),
        targets: compiled,
        document,
        categories,
        recurrence,
    })
}

fn tier_targets(c: &mut Checker<'_>, line: Option<usize>, path: &str, code: &str, t: &TierEntry) -> Targets {
    if t.label.trim().is_empty() {
        c.problem(
            line,
            format!("{path}.label"),
            "must not be empty: the contract's name of the tier",
        );
    }
    if t.severity.as_ref().is_some_and(|s| s.0.is_empty()) {
        c.problem(
            line,
            format!("{path}.severity"),
            "an empty list; leave severity out to keep the tier as documentation only",
        );
    }
    let response = c.deadline(line, format!("{path}.response"), &t.response, true);
    let arrival = c.deadline(line, format!("{path}.arrival"), &t.arrival, true);
    let repair = c.deadline(line, format!("{path}.repair"), &t.repair, false);
    let what = format!("policy {code:?}, tier {:?}", t.label);
    for (clock, d) in [("response", &response), ("arrival", &arrival), ("repair", &repair)] {
        c.countable(line, format!("{path}.{clock}"), &what, d);
    }
    let from_arrival = t.repair_from == Some(RepairFrom::Arrival);
    if from_arrival && (arrival.target().is_none() || repair.target().is_none()) {
        c.problem(
            line,
            format!("{path}.repair_from"),
            "\"arrival\" needs both an arrival and a repair duration in the same tier",
        );
    }
    let on_request = t.arrival_from == Some(ArrivalFrom::VisitRequest);
    if on_request && arrival.target().is_none() {
        c.problem(
            line,
            format!("{path}.arrival_from"),
            "\"visit_request\" needs an arrival duration in the same tier",
        );
    }
    Targets {
        response: response.target(),
        arrival: arrival.target(),
        repair: repair.target(),
        repair_from_arrival: from_arrival,
        arrival_from_visit_request: on_request,
        start: Default::default(),
    }
}

fn major_event(c: &mut Checker<'_>, line: Option<usize>, path: &str, code: &str, m: &MajorEventEntry) {
    let what = format!("policy {code:?}, major_event");
    for (clock, text, immediate_ok) in [
        ("response", &m.response, true),
        ("arrival", &m.arrival, true),
        ("repair", &m.repair, false),
    ] {
        let d = c.deadline(line, format!("{path}.{clock}"), text, immediate_ok);
        c.countable(line, format!("{path}.{clock}"), &what, &d);
    }
    if m.response.is_none() && m.arrival.is_none() && m.repair.is_none() {
        c.problem(
            line,
            path.to_owned(),
            "gives no deadline; set response, arrival or repair, or remove it",
        );
    }
}

/// What a tiered policy stores besides its compiled targets, so an export can write it back.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PolicyDocument {
    /// As in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<Vec<Kind>>,
    /// As in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// As in the file.
    #[serde(default)]
    pub tiers: Vec<TierEntry>,
    /// As in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major_event: Option<MajorEventEntry>,
    /// As in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_start: Option<ticket_domain::ClockStart>,
}

impl From<&PolicyEntry> for PolicyDocument {
    fn from(p: &PolicyEntry) -> Self {
        PolicyDocument {
            applies_to: p.applies_to.clone(),
            note: p.note.clone(),
            tiers: p.tiers.clone(),
            major_event: p.major_event.clone(),
            clock_start: p.clock_start,
        }
    }
}

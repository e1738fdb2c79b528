//! SLA policies: the targets of each clock for each kind and severity.
//!
//! A policy is written as nested maps, kind → severity → clock → duration; a missing entry means
//! "no such clock" for that kind and severity:
//!
//! ```
//! use ticket_domain::{Kind, Policy};
//! use sla_clock::Severity;
//! let p: Policy = serde_json::from_str(r#"{
//!     "fault": {
//!         "urgent":  { "response": "15m", "arrival": "2h", "repair": "4h" },
//!         "general": { "response": "30 分钟", "repair": "3 个工作日" }
//!     }
//! }"#).unwrap();
//! let t = p.targets(Kind::Fault, Severity::Urgent);
//! assert_eq!(t.repair.unwrap().to_string(), "4h");
//! assert!(p.targets(Kind::Request, Severity::Urgent).is_empty());
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sla_clock::{Severity, SlaDuration};

use crate::kind::{ClockName, Kind};

/// The targets of a ticket's clocks; `None` means the clock does not run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Until first acknowledgement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<SlaDuration>,
    /// Until an engineer is on site (on-site service modes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival: Option<SlaDuration>,
    /// Until service is restored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair: Option<SlaDuration>,
    /// The repair period starts when an engineer arrives on site ("到达现场后 1 小时内修复"), not
    /// with the other clocks. Only on-site service modes with an arrival target have an arrival;
    /// elsewhere the repair clock starts with the others.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repair_from_arrival: bool,
}

impl Targets {
    /// The target of one clock.
    pub fn get(&self, clock: ClockName) -> Option<SlaDuration> {
        match clock {
            ClockName::Response => self.response,
            ClockName::Arrival => self.arrival,
            ClockName::Repair => self.repair,
        }
    }

    /// Whether no clock runs.
    pub fn is_empty(&self) -> bool {
        self.response.is_none() && self.arrival.is_none() && self.repair.is_none()
    }
}

/// Targets per kind and severity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Policy {
    targets: BTreeMap<Kind, BTreeMap<Severity, Targets>>,
}

impl Policy {
    /// The targets for `kind` at `severity` (empty if the policy says nothing).
    pub fn targets(&self, kind: Kind, severity: Severity) -> Targets {
        self.targets
            .get(&kind)
            .and_then(|m| m.get(&severity))
            .copied()
            .unwrap_or_default()
    }

    /// Sets the targets for `kind` at `severity`.
    pub fn set(&mut self, kind: Kind, severity: Severity, targets: Targets) {
        self.targets.entry(kind).or_default().insert(severity, targets);
    }
}

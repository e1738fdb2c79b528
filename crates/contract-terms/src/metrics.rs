//! What the server measured in one month, for one contract: average working times, breached
//! clocks, availability, outages, and the findings the buyer made. Building them from tickets is
//! the caller's job.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ticket_domain::{ClockName, Kind};

use crate::findings::Finding;

/// The period's measured metrics for one contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// Mean working time per clock over the period's stopped clocks.
    #[serde(default)]
    pub averages: Vec<Average>,
    /// One entry per breached clock.
    #[serde(default)]
    pub late: Vec<Late>,
    /// Availability per system.
    #[serde(default)]
    pub availability: Vec<Availability>,
    /// One entry per merged outage interval.
    #[serde(default)]
    pub outages: Vec<Outage>,
    /// The findings of the month that are not withdrawn.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// One entry per missed inspection (巡检) due in the period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missed_inspections: Vec<MissedInspection>,
    /// The yearly fee of every system the contract covers, for rules charged on the fees
    /// ([`crate::Amount::Fee`]); only those rules read it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fees: Vec<SystemFee>,
    /// The system of each ticket the late clocks and findings name (ticket number → system code),
    /// for [`crate::Amount::Fee`]; a ticket not listed concerns every system covered.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ticket_systems: BTreeMap<String, String>,
}

/// A system's yearly fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemFee {
    /// The system's code.
    pub system: String,
    /// Its fee for one year of service, in fen; `None` when the catalogue gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_fen: Option<i64>,
}

/// The mean working time of one clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Average {
    /// The clock.
    pub clock: ClockName,
    /// How many stopped clocks the mean is over.
    pub count: u64,
    /// The mean working time, in minutes.
    pub mean_minutes: f64,
    /// The ticket kind the mean is over; `None` for tickets of every kind pooled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// Whether the mean is over tickets opened by scheduled duties (inspections, backups).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scheduled: bool,
    /// Whether the mean is over tickets that ran no target for the clock: times measured from the
    /// clocks' start to the acknowledgement or the resolution all the same (seed 003 sets one
    /// per-ticket deadline but averages every need's times, L133–135 and L811–834).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub untargeted: bool,
}

/// A breached clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Late {
    /// The clock.
    pub clock: ClockName,
    /// The ticket's number.
    pub ticket: String,
    /// How long past its deadline it stopped (or the period ended), in wall-clock milliseconds.
    /// An entry with 0 or less is not a breach and is ignored.
    pub overdue_wall_ms: i64,
}

/// A system's availability over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    /// The system's code.
    pub system: String,
    /// The availability, in per cent.
    pub pct: f64,
}

/// An outage: an urgent or serious fault's impact window, overlapping windows of one system
/// merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outage {
    /// The system's code.
    pub system: String,
    /// The tickets whose windows make up the outage.
    pub tickets: Vec<String>,
    /// Its length, in minutes.
    pub minutes: f64,
}

/// An inspection (巡检) the period owed and nobody recorded by its due instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissedInspection {
    /// The system's code.
    pub system: String,
    /// The period that owed it (`2026-11`, `2026-W48`).
    pub period: String,
    /// Which of the period's inspections it was (from 1).
    pub seq: u32,
    /// How many the period owed.
    pub times: u32,
}

impl MissedInspection {
    /// How evidence names it: `sy-054 2026-11 1/2`.
    pub fn evidence(&self) -> String {
        format!("{} {} {}/{}", self.system, self.period, self.seq, self.times)
    }
}

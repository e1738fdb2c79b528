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

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sla_clock::{Severity, SlaDuration};

use crate::event::NewTicket;
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
    /// The arrival period starts when the buyer asks for a visit (`request_visit`: "接到用户
    /// 现场服务要求后 4 小时内到达现场"), not with the other clocks. Until asked, no arrival clock
    /// runs; an engineer who goes without being asked meets no deadline and misses none. Only
    /// on-site service modes with an arrival target have an arrival.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub arrival_from_visit_request: bool,
    /// When the clocks start [default: `occurred`].
    #[serde(default, skip_serializing_if = "ClockStart::is_occurred")]
    pub start: ClockStart,
}

/// When a ticket's clocks start, as the contract words it.
///
/// ```
/// use ticket_domain::{ClockStart, Kind};
/// // "在接到故障通知或发现故障问题后，1小时内响应" (seed 004 L27561): from the report.
/// assert!(!ClockStart::Reported.at_occurrence(Kind::Fault));
/// // "…或发现故障问题后": an alarm is the discovery, so it still counts from when it fired.
/// assert!(ClockStart::Reported.at_occurrence(Kind::Alarm));
/// // Unless a policy says so, a fault's clocks start when the problem began, a request's when
/// // it was received.
/// assert!(ClockStart::Occurred.at_occurrence(Kind::Fault));
/// assert!(!ClockStart::Occurred.at_occurrence(Kind::Request));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStart {
    /// When the problem began (`occurred_at`: the fault, the alert firing) for faults, alarms
    /// and security events; when it was received for requests.
    #[default]
    Occurred,
    /// When the report was received (`received_at`) for faults, security events and requests: a
    /// reporter's early `occurred_at` is kept as a fact but starts no deadline. An alarm still
    /// starts when it fired: the monitor's alert is the discovery itself.
    Reported,
}

impl ClockStart {
    /// Whether a ticket of `kind` starts its clocks at `occurred_at` (else at `received_at`).
    pub fn at_occurrence(self, kind: Kind) -> bool {
        match self {
            ClockStart::Occurred => kind.clocks_start_at_occurrence(),
            // An alarm is the monitor's own discovery ("发现故障问题"): it counts from the firing.
            ClockStart::Reported => kind == Kind::Alarm,
        }
    }

    /// The catalogue's and the API's word for it.
    pub fn key(self) -> &'static str {
        match self {
            ClockStart::Occurred => "occurred",
            ClockStart::Reported => "reported",
        }
    }

    fn is_occurred(&self) -> bool {
        *self == ClockStart::Occurred
    }
}

impl NewTicket {
    /// When clock `clock` of the new ticket starts: where the clocks start (the recording, while
    /// an earlier stated start waits for the other party; else [`NewTicket::stated_start`]) —
    /// except that a zero target ("立即", 0m) never starts before the report.
    ///
    /// Nobody can respond before being told: under `clock_start = "occurred"` a fault that began
    /// at 08:00 and was reported at 08:30 would have a "立即响应" already 30 minutes late when it
    /// was logged, breached by construction. A zero target therefore counts from `received_at`
    /// (or the recording, if later) whatever the policy's clock start; the other clocks keep it.
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use sla_clock::Severity;
    /// use ticket_domain::{ClockName, Kind, NewTicket, ServiceMode, Targets};
    /// let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    /// let new = NewTicket {
    ///     category: None,
    ///     kind: Kind::Fault, severity: Severity::Urgent, severity_reason: None,
    ///     title: "业务停止".into(), description: String::new(),
    ///     occurred_at: at("2026-11-23T08:00:00+08:00"),
    ///     received_at: at("2026-11-23T08:30:00+08:00"),
    ///     service_mode: ServiceMode::Remote,
    ///     // seed 004 sy-126 (L22948–22951): "工程师立即响应；业务应在 4 小时内恢复正常".
    ///     targets: Targets { response: Some("0m".parse().unwrap()), repair: Some("4h".parse().unwrap()), ..Default::default() },
    ///     reporter: None, assignee: None, major_event: None, clocks_from: None, immediate_from_report: true, outside_service: false, calendars: None,
    /// };
    /// assert_eq!(new.clock_start(ClockName::Response), at("2026-11-23T08:30:00+08:00"));
    /// assert_eq!(new.clock_start(ClockName::Repair), at("2026-11-23T08:00:00+08:00"));
    /// ```
    pub fn clock_start(&self, clock: ClockName) -> DateTime<Utc> {
        let start = self.clocks_from.unwrap_or(self.stated_start());
        match self.targets.get(clock) {
            Some(t) if t.is_zero() && self.immediate_from_report => start.max(self.received_at),
            _ => start,
        }
    }
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

    /// When the clocks of a ticket of `kind` start: `reported` if any severity of the kind says
    /// so. A policy says it for all its targets at once (the catalogue's `clock_start`), and
    /// the server needs it before the severity is known (to find the major-event window in
    /// force at the start).
    pub fn start(&self, kind: Kind) -> ClockStart {
        let reported = self
            .targets
            .get(&kind)
            .is_some_and(|m| m.values().any(|t| t.start == ClockStart::Reported));
        if reported {
            ClockStart::Reported
        } else {
            ClockStart::Occurred
        }
    }

    /// Sets the targets for `kind` at `severity`.
    pub fn set(&mut self, kind: Kind, severity: Severity, targets: Targets) {
        self.targets.entry(kind).or_default().insert(severity, targets);
    }
}

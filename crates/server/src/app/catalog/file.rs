//! The catalogue file as TOML: the types serde reads and writes. `docs/catalog.md` explains every key.
//!
//! Reading rejects unknown keys everywhere, so a typo (`calender = …`) is an error with its line,
//! never a silently ignored setting. The same types write the export, so an exported file reads
//! back into exactly what was exported.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use sla_clock::Severity;
use ticket_domain::{Kind, Policy};
use toml::Spanned;

/// The version of the format this build reads and writes.
pub const FORMAT: u32 = 1;

/// A whole catalogue file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    /// Format version; must be [`FORMAT`].
    pub format: u32,
    /// Owning units (用户单位).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<Spanned<OrgEntry>>,
    /// Vendors (运维服务商).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vendors: Vec<Spanned<OrgEntry>>,
    /// SLA policies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Spanned<PolicyEntry>>,
    /// Systems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<Spanned<SystemEntry>>,
}

/// A unit or a vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgEntry {
    /// Stable code, the key an import matches on.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// A policy, either as named tiers (the contract's words) or as raw `targets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyEntry {
    /// Stable code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// The ticket kinds the tiers apply to [default: fault, alarm, security].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<Vec<Kind>>,
    /// Free text for the reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The contract's tiers, in its order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<TierEntry>,
    /// Stricter targets while a major-event window (重保) covers the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major_event: Option<MajorEventEntry>,
    /// When the clocks start: `occurred` (when the problem began; requests when received) or
    /// `reported` (when the report was received, every kind) [default: occurred].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_start: Option<ticket_domain::ClockStart>,
    /// Raw targets, kind → severity → clock (the API's form); not together with `tiers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Policy>,
    /// The contract's categories (分类) of work, in its order: tickets on the policy's systems
    /// may be sorted into them (docs/catalog.md, "Categories").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<ticket_domain::CategoryDef>,
    /// When tickets of one class on one system are one problem (问题单) [default: two faults of
    /// one category within 30 days] (docs/catalog.md, "Recurring faults").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<ticket_domain::Recurrence>,
}

/// One tier of a contract ("紧急故障：30 分钟内响应，8 小时内修复").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierEntry {
    /// The contract's name for the tier.
    pub label: String,
    /// The canonical severity (or severities) whose clocks the tier sets; none: documented only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<OneOrMany<Severity>>,
    /// The contract's definition of the tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// Response deadline: a duration, or "immediate".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// On-site arrival deadline: a duration, or "immediate".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival: Option<String>,
    /// Repair deadline: a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair: Option<String>,
    /// Where the repair period starts [default: start, the clocks' common start].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair_from: Option<RepairFrom>,
    /// Where the arrival period starts [default: start, the clocks' common start].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival_from: Option<ArrivalFrom>,
    /// Free text for the reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where a repair period starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairFrom {
    /// When the clocks start (occurrence or receipt).
    Start,
    /// When an engineer checks in on site ("到达现场后 1 小时内修复").
    Arrival,
}

/// Where an arrival period starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalFrom {
    /// When the clocks start (occurrence or receipt).
    Start,
    /// When the buyer asks for a visit (`request_visit`: "接到用户现场服务要求后 4 小时内到达").
    VisitRequest,
}

/// Major-event (重保) targets of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MajorEventEntry {
    /// Response deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// On-site arrival deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival: Option<String>,
    /// Repair deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair: Option<String>,
    /// Where these clocks start inside a window, `occurred` or `reported` [default: `reported`,
    /// "在接到故障通知或发现故障问题后" (seed 004 L27561)]; a window's own `clock_start` wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_start: Option<ticket_domain::ClockStart>,
    /// Where the words come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemEntry {
    /// Stable code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Code of the owning unit.
    pub unit: String,
    /// Codes of the vendors serving it.
    #[serde(default)]
    pub vendors: Vec<String>,
    /// Code of its policy.
    pub policy: String,
    /// Name of its calendar.
    pub calendar: String,
    /// Clocks that count in another calendar than `calendar`: clock (response, arrival, repair)
    /// → calendar name.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub clock_calendars: std::collections::BTreeMap<String, String>,
    /// remote, on_site or remote_and_on_site.
    pub service_mode: String,
    /// What the contract says that no clock reads (yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<ContractFacts>,
}

/// The contract's facts about a system, kept with it and written back by the export.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractFacts {
    /// Where the row is: "FILE:START-END" (line numbers of the source document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Service start, YYYY-MM-DD or YYYY-MM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_start: Option<String>,
    /// Service end, the last day served: YYYY-MM-DD or YYYY-MM (its last day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_end: Option<String>,
    /// The system's fee for one year of service, fen (see [`super::service`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_fen: Option<i64>,
    /// The service mode as the contract words it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_mode_text: Option<String>,
    /// Resident (驻场) engineers required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onsite_staff: Option<u32>,
    /// Duty (值班) requirement as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duty: Option<String>,
    /// Major-event (重保) requirement as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major_event: Option<String>,
    /// Inspection cadence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inspection: Vec<Inspection>,
    /// The inspection checklist the system uses (`config/checklists`); none: `generic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checklist: Option<String>,
    /// Availability or online-rate requirement as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<String>,
    /// The availability target in percent, for reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_target: Option<f64>,
    /// The main-device availability target in percent (seed 004 L27655: "系统主要设备考核指标，
    /// 按照运行期间设备正常运行时间比例进行计算"), against the system's figure over its main devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_device_availability_target: Option<f64>,
    /// The device online-rate target in percent (设备在线率, e.g. "视频监控设备在线率：确保≥98%",
    /// L23416), against the system's figure over all its devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_rate_target: Option<f64>,
    /// The filing-rate target in percent (一机一档备案率, "确保 100% 备案达标", L23410): the share of
    /// the system's devices whose record is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filing_rate_target: Option<f64>,
    /// The fields a device's record needs to count as filed (complete), beyond its code and type,
    /// which every device has: `model`, `serial`, `location`, `coordinates`, `installed_on`,
    /// `warranty_by`, `warranty_until`. Empty: the default, `model`, `serial`, `location`,
    /// `installed_on` (docs/devices.md "Filing rate").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filing_fields: Vec<String>,
    /// Anything else a reader must know: choices made where the source is unclear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// One inspection duty: `times` per `every`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inspection {
    /// The period.
    pub every: Period,
    /// How many per period [default: 1].
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub times: u32,
    /// remote or on_site, when the contract says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<InspectionMode>,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// A recurring period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Daily.
    Day,
    /// Weekly.
    Week,
    /// Monthly.
    Month,
    /// Quarterly.
    Quarter,
    /// Twice a year.
    HalfYear,
    /// Yearly.
    Year,
}

/// How an inspection is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionMode {
    /// Remotely.
    Remote,
    /// On site.
    OnSite,
}

/// One value or a list of them: `severity = "urgent"` or `severity = ["minor", "general"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T: Serialize> Serialize for OneOrMany<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(s),
            many => many.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a severity (urgent, serious, general, minor) or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(de::value::StrDeserializer::new(v)).map(|t| OneOrMany(vec![t]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(t) = seq.next_element()? {
                    out.push(t);
                }
                Ok(OneOrMany(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

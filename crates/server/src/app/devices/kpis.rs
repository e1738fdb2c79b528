//! A system's device KPIs against its targets, the arithmetic alone (no I/O): main-device
//! availability, online rate and filing rate (一机一档备案率), and their pooling over a contract's
//! systems. The readings and their seed lines are in `docs/devices.md` ("KPIs and targets").
//!
//! - **Main-device availability** (主要设备考核指标, seed 004 L27655): `1 − Σ outage / Σ measured`
//!   over the system's main devices ([`super::uptime`]).
//! - **Online rate** (设备在线率, e.g. "视频监控设备在线率：确保≥98%", L23416; "设备在线率≥95%",
//!   L25033): the same arithmetic over **all** the system's devices, main or not — the share of
//!   device time online. The seed defines no other measure of "online" than a device being able to
//!   do its function, and a device's outage is exactly when it cannot, so per device the two
//!   figures are one; they differ per system by which devices count.
//! - **Filing rate** (一机一档备案率, "确保 100% 备案达标", L23410): the share of the system's devices
//!   (those in service in the period) whose record is complete: the code and type every device has,
//!   and the catalogue's `filing_fields` (default [`DEFAULT_FILING_FIELDS`]; L15042–15044 asks for
//!   "唯一的编码…及设备的详细信息", L23481 "台账数据确保准确、完整").
//!
//! Each figure is met when it is at least its target (both rounded to four decimals, as the
//! figures are shown). A contract's figure pools its systems (Σ over all their devices); it meets a
//! KPI when each of its systems with a target and a figure meets its own (the seed sets targets
//! per system row, not per contract).

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::record::Record;
use super::uptime::{self, Uptime};

/// The fields a record may be asked to have to count as filed.
pub const FILING_FIELDS: [&str; 7] = [
    "model",
    "serial",
    "location",
    "coordinates",
    "installed_on",
    "warranty_by",
    "warranty_until",
];

/// The fields asked when the catalogue names none: what identifies the device (model and serial),
/// where it is, and since when it runs (its measured time starts there).
pub const DEFAULT_FILING_FIELDS: [&str; 4] = ["model", "serial", "location", "installed_on"];

/// The KPI keys, in the order they are shown.
pub const KEYS: [&str; 3] = ["main_device_availability", "online_rate", "filing_rate"];

/// One KPI of a system or a contract against its target.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = DeviceKpi)]
pub struct Kpi {
    /// `main_device_availability`, `online_rate` or `filing_rate`.
    pub kpi: String,
    /// The figure, per cent, four decimals; none when nothing is measured.
    pub value_pct: Option<f64>,
    /// The target, per cent; none when the catalogue gives none (for a contract: the one its
    /// systems share, none when they differ).
    pub target_pct: Option<f64>,
    /// Whether it is met; none without a target or a figure.
    pub met: Option<bool>,
}

/// A system's device targets, as its catalogue facts (`systems.profile`) give them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Targets {
    /// `main_device_availability_target`.
    pub main_device_availability: Option<f64>,
    /// `online_rate_target`.
    pub online_rate: Option<f64>,
    /// `filing_rate_target`.
    pub filing_rate: Option<f64>,
    /// `filing_fields`, or the default.
    pub filing_fields: Vec<String>,
}

impl Targets {
    /// Reads them from a system's stored contract facts.
    pub fn of(profile: Option<&Value>) -> Targets {
        let num = |k: &str| profile.and_then(|p| p.get(k)).and_then(Value::as_f64);
        let fields: Vec<String> = profile
            .and_then(|p| p.get("filing_fields"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        Targets {
            main_device_availability: num("main_device_availability_target"),
            online_rate: num("online_rate_target"),
            filing_rate: num("filing_rate_target"),
            filing_fields: if fields.is_empty() {
                DEFAULT_FILING_FIELDS.iter().map(|f| (*f).to_owned()).collect()
            } else {
                fields
            },
        }
    }

    /// Whether any device KPI has a target.
    pub fn any(&self) -> bool {
        self.main_device_availability.is_some() || self.online_rate.is_some() || self.filing_rate.is_some()
    }

    fn of_key(&self, key: &str) -> Option<f64> {
        match key {
            "main_device_availability" => self.main_device_availability,
            "online_rate" => self.online_rate,
            _ => self.filing_rate,
        }
    }
}

/// The fields of `fields` that record `r` lacks (empty: it is filed).
pub fn missing<'a>(r: &Record, fields: &'a [String]) -> Vec<&'a str> {
    let has = |f: &str| match f {
        "model" => r.model.is_some(),
        "serial" => r.serial.is_some(),
        "location" => r.location.is_some(),
        "coordinates" => r.latitude.is_some() && r.longitude.is_some(),
        "installed_on" => r.installed_on.is_some(),
        "warranty_by" => r.warranty_by.is_some(),
        "warranty_until" => r.warranty_until.is_some(),
        _ => true,
    };
    fields.iter().map(String::as_str).filter(|f| !has(f)).collect()
}

/// A system's (or a contract's) devices summed: main devices, all devices, and the filed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Σ over the main devices.
    pub main: Uptime,
    /// Σ over every device.
    pub all: Uptime,
    /// Main devices measured.
    pub main_devices: usize,
    /// Devices measured.
    pub devices: usize,
    /// Of them, with a complete record.
    pub filed: usize,
}

impl Tally {
    /// Adds one device: its figures, whether it is a main device and whether it is filed.
    pub fn add(&mut self, u: Uptime, main: bool, filed: bool) {
        if main {
            self.main = self.main.plus(u);
            self.main_devices += 1;
        }
        self.all = self.all.plus(u);
        self.devices += 1;
        self.filed += usize::from(filed);
    }

    /// Two tallies together (a contract's systems).
    pub fn plus(self, o: Tally) -> Tally {
        Tally {
            main: self.main.plus(o.main),
            all: self.all.plus(o.all),
            main_devices: self.main_devices + o.main_devices,
            devices: self.devices + o.devices,
            filed: self.filed + o.filed,
        }
    }

    /// The figure of KPI `key`, per cent, four decimals.
    pub fn value(&self, key: &str) -> Option<f64> {
        match key {
            "main_device_availability" => self.main.share().map(uptime::pct),
            "online_rate" => self.all.share().map(uptime::pct),
            _ => (self.devices > 0).then(|| uptime::pct(self.filed as f64 / self.devices as f64)),
        }
    }

    /// The three KPIs against `targets`, in the order of [`KEYS`].
    pub fn kpis(&self, targets: &Targets) -> Vec<Kpi> {
        KEYS.iter().map(|k| kpi(k, self.value(k), targets.of_key(k))).collect()
    }
}

/// A KPI: met when the figure is at least the target.
pub fn kpi(key: &str, value_pct: Option<f64>, target_pct: Option<f64>) -> Kpi {
    Kpi {
        kpi: key.to_owned(),
        value_pct,
        target_pct,
        met: value_pct.zip(target_pct).map(|(v, t)| v >= t),
    }
}

/// A contract's KPIs: the pooled `tally` of its systems, each KPI judged against each system's
/// own target (the seed sets targets per row):
///
/// - **not met** when one of `systems` (their KPIs, as [`Tally::kpis`] gives them) missed its own;
/// - **none** when a system with a target has no figure (no device yet, none main): an empty
///   inventory against a 100 % 一机一档 target is not a pass, and is not a miss measured either;
/// - **met** when every system with a target met it; none when no system has one.
///
/// The target shown is the one **every** system of the contract has; when they differ, or one
/// has none, none is shown, so that a pooled figure below a target never sits beside 达标.
/// Example: SA 98 % online (met), SB no target at 90 % → pooled 90.89 %, target none, met.
pub fn contract(tally: &Tally, systems: &[Vec<Kpi>]) -> Vec<Kpi> {
    KEYS.iter()
        .enumerate()
        .map(|(i, k)| {
            let of_key: Vec<&Kpi> = systems.iter().filter_map(|s| s.get(i)).collect();
            let first = of_key.first().and_then(|s| s.target_pct);
            let shared = first.filter(|t| of_key.iter().all(|s| s.target_pct == Some(*t)));
            let missed = of_key.iter().any(|s| s.met == Some(false));
            let unmeasured = of_key.iter().any(|s| s.target_pct.is_some() && s.met.is_none());
            let judged = of_key.iter().any(|s| s.met.is_some());
            Kpi {
                kpi: (*k).to_owned(),
                value_pct: tally.value(k),
                target_pct: shared,
                met: if missed {
                    Some(false)
                } else if unmeasured || !judged {
                    None
                } else {
                    Some(true)
                },
            }
        })
        .collect()
}

/// KPIs with a miss first, then the unjudged, then the met (a stable sort: a dashboard's order).
pub fn misses_first(kpis: &[Kpi]) -> u8 {
    if kpis.iter().any(|k| k.met == Some(false)) {
        0
    } else if kpis.iter().any(|k| k.met.is_none() && k.target_pct.is_some()) {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;
    use proptest::prelude::*;

    fn up(measured_h: i64, outage_h: i64) -> Uptime {
        Uptime {
            measured: TimeDelta::hours(measured_h),
            outage: TimeDelta::hours(outage_h),
            excluded: TimeDelta::zero(),
        }
    }

    fn targets(main: Option<f64>, online: Option<f64>, filing: Option<f64>) -> Targets {
        Targets {
            main_device_availability: main,
            online_rate: online,
            filing_rate: filing,
            filing_fields: Vec::new(),
        }
    }

    #[test]
    fn the_march_month_by_hand() {
        // The month of `uptime::a_month_by_hand` with SW-1 (not main, 744 h, 4 h down): main
        // devices 1 − 48/1 872 = 97.4359 %; all devices 1 − 52/2 616 = 98.0122 %. Two of the four
        // records complete: 50 %.
        let mut t = Tally::default();
        t.add(up(744, 30), true, true);
        t.add(up(744, 6), true, true);
        t.add(up(384, 12), true, false);
        t.add(up(744, 4), false, false);
        let k = t.kpis(&targets(None, Some(98.0), Some(100.0)));
        assert_eq!(k[0], kpi("main_device_availability", Some(97.4359), None));
        assert_eq!(k[1].value_pct, Some(98.0122));
        assert_eq!(k[1].met, Some(true));
        assert_eq!(k[2].value_pct, Some(50.0));
        assert_eq!(k[2].met, Some(false));
        assert_eq!(misses_first(&k), 0);
    }

    #[test]
    fn a_contract_meets_a_kpi_when_each_system_meets_its_own() {
        // SA: online 98.0122 % against 98 (met); SB: one device 744 h, 30 h down, 95.9677 %
        // against 95 (met). Pooled: 1 − 82/3 360 = 97.5595 %, below SA's 98 but each met its own.
        let mut a = Tally::default();
        a.add(up(744, 30), true, true);
        a.add(up(744, 6), true, true);
        a.add(up(384, 12), true, false);
        a.add(up(744, 4), false, false);
        let mut b = Tally::default();
        b.add(up(744, 30), true, true);
        let ka = a.kpis(&targets(None, Some(98.0), None));
        let kb = b.kpis(&targets(None, Some(95.0), None));
        let c = contract(&a.plus(b), &[ka, kb]);
        assert_eq!(c[1].value_pct, Some(97.5595));
        assert_eq!(c[1].target_pct, None);
        assert_eq!(c[1].met, Some(true));
        // Filing: 3 of 5, no target anywhere: nothing judged.
        assert_eq!(c[2].value_pct, Some(60.0));
        assert_eq!(c[2].met, None);
    }

    #[test]
    fn the_default_filing_fields_and_the_catalogues() {
        let t = Targets::of(Some(
            &serde_json::json!({"filing_fields": ["coordinates"], "filing_rate_target": 100.0}),
        ));
        assert_eq!(t.filing_fields, ["coordinates"]);
        assert_eq!(t.filing_rate, Some(100.0));
        let t = Targets::of(None);
        assert_eq!(t.filing_fields, DEFAULT_FILING_FIELDS);
        assert!(!t.any());
    }

    #[test]
    fn a_system_with_a_target_and_no_figure_leaves_its_contract_unjudged() {
        // SA files 2 of 2 against 100 % (met); SB has a 100 % target and no device yet.
        let mut a = Tally::default();
        a.add(up(744, 0), true, true);
        a.add(up(744, 0), true, true);
        let b = Tally::default();
        let t = targets(None, None, Some(100.0));
        let c = contract(&a.plus(b), &[a.kpis(&t), b.kpis(&t)]);
        assert_eq!(
            (c[2].value_pct, c[2].target_pct, c[2].met),
            (Some(100.0), Some(100.0), None)
        );
        // Once SB files one of two, the contract misses: a known miss is a miss.
        let mut b = Tally::default();
        b.add(up(744, 0), true, true);
        b.add(up(744, 0), true, false);
        let c = contract(&a.plus(b), &[a.kpis(&t), b.kpis(&t)]);
        assert_eq!((c[2].value_pct, c[2].met), (Some(75.0), Some(false)));
    }

    proptest! {
        #[test]
        fn a_contracts_figures_lie_between_its_systems_and_judge_as_they_do(
            devices in proptest::collection::vec((1i64..800, 0i64..800, any::<bool>(), any::<bool>(), 0usize..3), 1..12),
            ta in proptest::option::of(90.0f64..100.0),
        ) {
            let mut systems = [Tally::default(); 3];
            for (m, o, main, filed, s) in &devices {
                systems[*s].add(up(*m, (*o).min(*m)), *main, *filed);
            }
            let all = systems.iter().fold(Tally::default(), |a, b| a.plus(*b));
            for k in KEYS {
                let values: Vec<f64> = systems.iter().filter_map(|s| s.value(k)).collect();
                if let Some(v) = all.value(k) {
                    prop_assert!((0.0..=100.0).contains(&v));
                    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    prop_assert!(v >= lo - 1e-4 && v <= hi + 1e-4, "{k}: {v} not in [{lo}, {hi}]");
                }
            }
            let kpis: Vec<Vec<Kpi>> = systems.iter().map(|s| s.kpis(&targets(ta, ta, ta))).collect();
            let c = contract(&all, &kpis);
            for (i, k) in c.iter().enumerate() {
                let judged: Vec<bool> = kpis.iter().filter_map(|s| s[i].met).collect();
                let unmeasured = kpis.iter().any(|s| s[i].target_pct.is_some() && s[i].met.is_none());
                prop_assert_eq!(k.met == Some(false), judged.contains(&false));
                prop_assert_eq!(k.met == Some(true), !judged.is_empty() && !judged.contains(&false) && !unmeasured);
                // Every system has the same target here: it is shown.
                prop_assert_eq!(k.target_pct, ta);
            }
        }
    }
}

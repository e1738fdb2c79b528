//! The device KPIs in the report (issue 30): per system, its main-device availability, online
//! rate and filing rate (一机一档备案率) against the catalogue's targets, and per contract the same
//! pooled over its systems in the report's scope. The arithmetic is [`crate::app::devices::kpis`],
//! the measurement [`crate::app::devices::availability::measure`]; the readings and their seed
//! lines are in `docs/devices.md` ("KPIs and targets").
//!
//! Every fault and alarm ticket naming a device counts as its outage, whatever its severity
//! ([`OUTAGE_SEVERITIES`], seed 004 L27657), and whatever the report's kind or severity filter:
//! like the system availability, these figures are about the devices. A system is listed when it
//! has a device in service in the period or a device KPI target (then without figures: the
//! target is there and nothing measures it); a contract when one of its systems is listed.

use std::collections::BTreeMap;

use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa::ToSchema;

use super::sql::Scope;
use crate::app::AppResult;
use crate::app::catalog::service::ServiceDates;
use crate::app::devices::availability::{OUTAGE_SEVERITIES, measure};
use crate::app::devices::kpis::{self, Kpi, Tally, Targets};

/// One system's device KPIs.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = SystemDeviceKpis)]
pub struct SystemKpis {
    /// System code.
    pub system: String,
    /// System name.
    pub name: String,
    /// Owning unit's name.
    pub unit: String,
    /// Main devices measured.
    pub main_devices: usize,
    /// Devices measured (in service in the period).
    pub devices: usize,
    /// Of them, with a complete record (一机一档).
    pub filed: usize,
    /// Main-device availability, online rate and filing rate against the targets.
    pub kpis: Vec<Kpi>,
}

/// One contract's device KPIs, over its systems in the report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = ContractDeviceKpis)]
pub struct ContractKpis {
    /// Contract code.
    pub contract: String,
    /// Contract name.
    pub name: String,
    /// The systems pooled (those of the report's scope), by code.
    pub systems: Vec<String>,
    /// Main devices measured.
    pub main_devices: usize,
    /// Devices measured.
    pub devices: usize,
    /// Of them, filed.
    pub filed: usize,
    /// The pooled figures; met when each system with a target met its own.
    pub kpis: Vec<Kpi>,
}

/// The report's device KPIs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
#[schema(as = DeviceKpisSection)]
pub struct DeviceKpis {
    /// Per system, by code.
    pub systems: Vec<SystemKpis>,
    /// Per contract, by code.
    pub contracts: Vec<ContractKpis>,
}

/// The device KPIs of the scope's systems and of the contracts over them.
pub async fn of(db: &impl ConnectionTrait, scope: &Scope) -> AppResult<DeviceKpis> {
    let end = scope.to.min(scope.as_of);
    let list = super::availability::in_scope(db, scope).await?;
    if list.is_empty() {
        return Ok(DeviceKpis::default());
    }
    let periods: BTreeMap<i64, (_, _)> = list
        .iter()
        .map(|s| {
            let dates = ServiceDates::of(s.profile.as_ref());
            (s.id, dates.clip(scope.from, end).unwrap_or((scope.from, scope.from)))
        })
        .collect();
    let mut measured = measure(db, &periods, &OUTAGE_SEVERITIES, scope.as_of).await?;
    let unit_names = crate::app::catalog::export::unit_names(db).await?;
    let mut systems = Vec::new();
    let mut by_id: BTreeMap<i64, (Tally, Vec<Kpi>, String)> = BTreeMap::new();
    for s in list {
        let targets = Targets::of(s.profile.as_ref());
        let devices = measured.remove(&s.id).unwrap_or_default();
        if devices.is_empty() && !targets.any() {
            continue;
        }
        let mut tally = Tally::default();
        for m in &devices {
            let filed = kpis::missing(&crate::app::devices::record_of(&m.device), &targets.filing_fields).is_empty();
            tally.add(m.uptime, m.device.main, filed);
        }
        let k = tally.kpis(&targets);
        by_id.insert(s.id, (tally, k.clone(), s.code.clone()));
        systems.push(SystemKpis {
            unit: unit_names.get(&s.unit_id).cloned().unwrap_or_default(),
            system: s.code,
            name: s.name,
            main_devices: tally.main_devices,
            devices: tally.devices,
            filed: tally.filed,
            kpis: k,
        });
    }
    systems.sort_by(|a, b| a.system.cmp(&b.system));
    let mut contracts = Vec::new();
    for c in super::deductions::list(db).await? {
        if scope.contract.as_ref().is_some_and(|code| *code != c.contract.code)
            || scope.vendor.is_some_and(|v| !c.binds(v))
        {
            continue;
        }
        let mine: Vec<&(Tally, Vec<Kpi>, String)> = c.system_ids.iter().filter_map(|id| by_id.get(id)).collect();
        if mine.is_empty() {
            continue;
        }
        let tally = mine.iter().fold(Tally::default(), |a, s| a.plus(s.0));
        let each: Vec<Vec<Kpi>> = mine.iter().map(|s| s.1.clone()).collect();
        let mut codes: Vec<String> = mine.iter().map(|s| s.2.clone()).collect();
        codes.sort();
        contracts.push(ContractKpis {
            contract: c.contract.code,
            name: c.contract.name,
            systems: codes,
            main_devices: tally.main_devices,
            devices: tally.devices,
            filed: tally.filed,
            kpis: kpis::contract(&tally, &each),
        });
    }
    Ok(DeviceKpis { systems, contracts })
}

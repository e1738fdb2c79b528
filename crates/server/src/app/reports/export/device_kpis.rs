//! The report's device KPIs (设备指标; [`crate::app::reports::device_kpis`]): a row per system and
//! KPI, then per contract and KPI, each against its target.

use super::{Cell, Section};
use crate::app::devices::kpis::Kpi;
use crate::app::reports::Report;

/// A KPI's Chinese name.
pub(crate) fn kpi_zh(key: &str) -> &'static str {
    match key {
        "main_device_availability" => "主要设备可用率",
        "online_rate" => "设备在线率",
        _ => "一机一档备案率",
    }
}

fn row(scope: &str, code: &str, name: &str, counts: [usize; 3], k: &Kpi) -> Vec<Cell> {
    let [main, devices, filed] = counts.map(|n| Cell::Int(n as i64));
    vec![
        Cell::Text(scope.to_owned()),
        Cell::Code(code.to_owned()),
        Cell::Text(name.to_owned()),
        Cell::Text(kpi_zh(&k.kpi).to_owned()),
        main,
        devices,
        filed,
        Cell::opt(k.target_pct, Cell::Pct),
        Cell::opt(k.value_pct, Cell::Pct),
        Cell::opt(k.met, |m| Cell::Text(if m { "达标" } else { "未达标" }.to_owned())),
    ]
}

/// The section.
pub fn section(r: &Report) -> Section {
    let d = &r.device_kpis;
    let systems = d.systems.iter().flat_map(|s| {
        s.kpis
            .iter()
            .map(|k| row("系统", &s.system, &s.name, [s.main_devices, s.devices, s.filed], k))
    });
    let contracts = d.contracts.iter().flat_map(|c| {
        c.kpis
            .iter()
            .map(|k| row("合同", &c.contract, &c.name, [c.main_devices, c.devices, c.filed], k))
    });
    Section {
        key: "device_kpis",
        title: "设备指标",
        english: "Device KPIs",
        headers: vec![
            "范围",
            "编码",
            "名称",
            "指标",
            "主要设备数",
            "设备数",
            "已建档设备数",
            "目标",
            "实际",
            "是否达标",
        ],
        rows: systems.chain(contracts).collect(),
    }
}

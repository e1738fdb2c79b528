//! The report's inspections (巡检): one row per missed inspection of the period, then per system
//! that missed one a row with how many it owed, did and missed
//! ([`crate::app::reports::inspections`]).

use super::{Cell, Section};
use crate::app::inspections::{every_zh, mode_zh};
use crate::app::reports::Report;

/// The section.
pub fn section(r: &Report) -> Section {
    let mut rows: Vec<Vec<Cell>> = r
        .inspections
        .missed
        .iter()
        .map(|m| {
            vec![
                Cell::Text(m.system.clone()),
                Cell::Text(m.system_name.clone()),
                Cell::Text(m.unit.clone()),
                Cell::Text(format!("{}{}", every_zh(&m.every), mode_zh(&m.mode))),
                Cell::Text(m.period.clone()),
                Cell::Text(format!("{}/{}", m.seq, m.times)),
                Cell::When(m.due_at),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ]
        })
        .collect();
    rows.extend(r.inspections.per_system.iter().map(|s| {
        vec![
            Cell::Text(s.system.clone()),
            Cell::Text(s.system_name.clone()),
            Cell::Text(s.unit.clone()),
            Cell::Text("漏检合计".into()),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Int(i64::from(s.owed)),
            Cell::Int(i64::from(s.done)),
            Cell::Int(i64::from(s.missed)),
        ]
    }));
    Section {
        key: "inspections",
        title: "巡检",
        english: "Missed inspections",
        headers: vec![
            "系统编码",
            "系统名称",
            "用户单位",
            "巡检频次",
            "期间",
            "第几次/共几次",
            "截止时间",
            "应巡检",
            "已完成",
            "漏检",
        ],
        rows,
    }
}

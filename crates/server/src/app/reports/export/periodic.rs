//! The report's periodic reports (定期报告): one row per late report of the period, then per
//! contract how many fell due, were on time and were late ([`crate::app::reports::periodic`]).

use super::{Cell, Section};
use crate::app::periodic_reports::state_zh;
use crate::app::reports::Report;

/// The section.
pub fn section(r: &Report) -> Section {
    let mut rows: Vec<Vec<Cell>> = r
        .periodic_reports
        .late
        .iter()
        .map(|l| {
            vec![
                Cell::Text(l.contract.clone()),
                Cell::Text(l.number.clone()),
                Cell::Text(l.name.clone()),
                Cell::Text(l.period.clone()),
                Cell::When(l.due_at),
                Cell::Text(state_zh(&l.state).to_owned()),
                l.submitted_at.map_or(Cell::Empty, Cell::When),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ]
        })
        .collect();
    rows.extend(r.periodic_reports.per_contract.iter().map(|c| {
        vec![
            Cell::Text(c.contract.clone()),
            Cell::Empty,
            Cell::Text("合计".into()),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Int(i64::from(c.due)),
            Cell::Int(i64::from(c.on_time)),
            Cell::Int(i64::from(c.late)),
            Cell::Int(i64::from(c.not_submitted)),
        ]
    }));
    Section {
        key: "periodic_reports",
        title: "定期报告",
        english: "Late periodic reports",
        headers: vec![
            "合同",
            "编号",
            "报告",
            "报告期",
            "提交期限",
            "状态",
            "提交时间",
            "应提交",
            "按时",
            "逾期",
            "未提交（未逾期）",
        ],
        rows,
    }
}

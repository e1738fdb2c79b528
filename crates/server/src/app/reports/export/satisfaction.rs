//! The report's satisfaction section (满意度): per unit and contract, the ticket ratings and the
//! surveys apart, combined by the contract's rule, against its target; the whole report last.

use super::{Cell, Section};
use crate::app::reports::Report;
use crate::app::reports::satisfaction::Satisfaction;
use crate::app::reports::satisfaction_rate::Target;

/// "达标", "未达标", or empty without a verdict.
fn verdict(met: Option<bool>) -> Cell {
    match met {
        Some(true) => Cell::Text("达标".into()),
        Some(false) => Cell::Text("未达标".into()),
        None => Cell::Empty,
    }
}

fn figures(s: &Satisfaction) -> [Cell; 3] {
    [
        Cell::Int(s.rated),
        Cell::Int(s.satisfied),
        Cell::opt(s.rate_pct, Cell::Pct),
    ]
}

fn target(t: Option<&Target>) -> Cell {
    Cell::opt(t.map(|t| t.text.clone()), Cell::Text)
}

fn rule(key: &str) -> String {
    match key {
        "surveys_first" => "有调查以调查为准".into(),
        "pooled" => "合并计".into(),
        other => other.into(),
    }
}

/// The section.
pub fn section(r: &Report) -> Section {
    let s = &r.satisfaction_rate;
    let mut rows: Vec<Vec<Cell>> = s
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                Cell::Text(row.unit_name.clone()),
                Cell::Text(row.contract_name.clone().unwrap_or_else(|| "（无合同）".into())),
            ];
            cells.extend(figures(&row.tickets));
            cells.extend(figures(&row.surveys));
            cells.push(Cell::Text(rule(&row.combine)));
            cells.extend(figures(&row.combined));
            cells.push(target(row.target.as_ref()));
            cells.push(verdict(row.met));
            cells.push(Cell::Text(row.survey_ids.join(" ")));
            cells
        })
        .collect();
    let mut total = vec![Cell::Text("合计".into()), Cell::Empty];
    total.extend(figures(&s.tickets));
    total.extend(figures(&s.surveys));
    total.push(Cell::Empty);
    total.extend(figures(&s.combined));
    total.push(target(s.target.as_ref()));
    total.push(verdict(s.met));
    total.push(Cell::Empty);
    rows.push(total);
    Section {
        key: "satisfaction",
        title: "满意度",
        english: "Satisfaction against the target",
        headers: vec![
            "用户单位",
            "合同",
            "工单评价数",
            "工单满意数",
            "工单满意率",
            "调查份数",
            "调查满意数",
            "调查满意率",
            "综合口径",
            "综合评价数",
            "综合满意数",
            "综合满意率",
            "目标",
            "是否达标",
            "调查编号",
        ],
        rows,
    }
}

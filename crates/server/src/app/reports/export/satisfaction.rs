//! The report's satisfaction section (满意度): per unit and contract, the ticket ratings and the
//! surveys apart, combined by the contract's rule, against its target; the sums (合计), then the
//! verdict on the rows under the shared target, when they share one.

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
        "surveys_first" => "调查期内以调查为准".into(),
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
            cells.push(Cell::Int(row.replaced));
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
    total.push(Cell::Int(s.rows.iter().map(|r| r.replaced).sum()));
    total.extend(figures(&s.combined));
    // The verdict is on the rows under the shared target (a row no contract covers has no say):
    // a row of its own, with the figure judged, so that the verdict sits beside its number.
    let judged = s.target.as_ref().map(|t| {
        let mut row = vec![Cell::Text("达标判定（有目标的行）".into()), Cell::Empty];
        row.extend([
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
        ]);
        row.extend([Cell::Empty, Cell::Empty]);
        row.extend(figures(&s.judged));
        row.push(target(Some(t)));
        row.push(verdict(s.met));
        row.push(Cell::Empty);
        row
    });
    total.extend([Cell::Empty, Cell::Empty, Cell::Empty]);
    rows.push(total);
    rows.extend(judged);
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
            "调查替代的工单评价数",
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

//! The report's incident register (故障记录): one row per incident of the period with its cause,
//! what was done, its impact and how long it lasted ([`crate::app::reports::incidents`]).

use super::{Cell, Section, zh};
use crate::app::reports::Report;

/// The section.
pub fn section(r: &Report) -> Section {
    let text = |s: &Option<String>| Cell::opt(s.clone(), Cell::Text);
    Section {
        key: "incidents",
        title: "故障记录",
        english: "Incident register",
        headers: vec![
            "工单号",
            "标题",
            "类型",
            "级别",
            "事后定级",
            "分类",
            "系统编码",
            "系统名称",
            "用户单位",
            "发生时间",
            "恢复时间",
            "故障原因",
            "处理措施",
            "影响开始",
            "影响结束",
            "持续(分钟)",
            "超时",
        ],
        rows: r
            .incidents
            .iter()
            .map(|i| {
                vec![
                    Cell::Text(i.ticket.clone()),
                    Cell::Text(i.title.clone()),
                    Cell::Text(zh(&i.kind)),
                    Cell::Text(zh(&i.severity)),
                    Cell::opt(i.impact_grade.as_deref().map(zh), Cell::Text),
                    Cell::opt(i.category_name.clone(), Cell::Text),
                    Cell::Text(i.system.clone()),
                    Cell::Text(i.system_name.clone()),
                    Cell::Text(i.unit.clone()),
                    Cell::When(i.occurred_at),
                    i.resolved_at.map_or_else(|| Cell::Text("未恢复".into()), Cell::When),
                    text(&i.root_cause),
                    text(&i.fix),
                    Cell::opt(i.impact_from, Cell::When),
                    Cell::opt(i.impact_to, Cell::When),
                    Cell::Num(i.duration_min),
                    Cell::Text(if i.breached { "是" } else { "否" }.into()),
                ]
            })
            .collect(),
    }
}

//! The report's tickets by kind and category (分类统计; [`crate::app::reports::categories`]).

use super::{Cell, Section, zh};
use crate::app::reports::Report;

/// The section.
pub fn section(r: &Report) -> Section {
    Section {
        key: "categories",
        title: "分类统计",
        english: "Tickets by category",
        headers: vec!["类型", "分类编码", "分类", "受理", "已解决", "未完成", "已作废", "超时"],
        rows: r
            .categories
            .iter()
            .map(|c| {
                vec![
                    Cell::Text(zh(&c.kind)),
                    Cell::Code(c.category.clone().unwrap_or_default()),
                    Cell::Text(match (&c.category, &c.name) {
                        (None, _) => "未分类".to_owned(),
                        (Some(_), Some(n)) => n.clone(),
                        (Some(code), None) => code.clone(),
                    }),
                    Cell::Int(c.received),
                    Cell::Int(c.resolved),
                    Cell::Int(c.open),
                    Cell::Int(c.cancelled),
                    Cell::Int(c.breached),
                ]
            })
            .collect(),
    }
}

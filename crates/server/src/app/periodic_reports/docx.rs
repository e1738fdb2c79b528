//! A periodic report as a Word file: the title and period, a facts table (contract, period, due,
//! state, who submitted and acknowledged), each section's table, the vendor's narrative parts,
//! and a signature table for the vendor and the buyer.

use docx_rs::{Table, TableLayoutType, TableRow, WidthType};

use super::content::local;
use super::{PeriodicReportView, Section, state_zh};
use crate::app::AppResult;
use crate::app::docx_parts::{WIDTH, cell, document, facts, heading, pack, para, table};

/// The Chinese number of section `n` (1-based): 一, 二, … 二十.
fn ordinal(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        _ => n.to_string(),
    }
}

/// Writes the file of report `v` with `sections`.
pub fn render(v: &PeriodicReportView, sections: &[Section]) -> AppResult<Vec<u8>> {
    let mut doc = document(&v.name, &format!("{} · {} · {}", v.contract_name, v.period, v.number));
    let due = match v.due_at {
        Some(t) if v.due_provisional => format!("{}（暂定：节假日安排未公布）", local(t)),
        Some(t) => local(t),
        None => "—（日历未覆盖）".to_owned(),
    };
    let pairs = vec![
        ("合同".to_owned(), format!("{}（{}）", v.contract_name, v.contract)),
        (
            "报告期".to_owned(),
            format!("{}（{} 至 {}）", v.period, local(v.period_start), local(v.period_end)),
        ),
        (
            "提交期限".to_owned(),
            format!("{due}；{}", v.due_rule.clone().unwrap_or_default()),
        ),
        (
            "状态".to_owned(),
            format!("{}{}", state_zh(&v.state), if v.late { "（逾期）" } else { "" }),
        ),
        (
            "提交".to_owned(),
            match (&v.submitted_by, v.submitted_at) {
                (Some(who), Some(at)) => format!("{who} {}", local(at)),
                _ => "—".to_owned(),
            },
        ),
        (
            "确认".to_owned(),
            match (&v.acknowledged_by, v.acknowledged_at) {
                (Some(who), Some(at)) => format!("{who} {}", local(at)),
                _ => "—".to_owned(),
            },
        ),
    ];
    doc = doc.add_table(facts(&pairs));
    let mut n = 0;
    for s in sections {
        n += 1;
        let headers: Vec<String> = s.columns.iter().map(|c| c[0].clone()).collect();
        let shares = vec![1; headers.len().max(1)];
        doc = doc
            .add_paragraph(heading(&format!("{}、{}", ordinal(n), s.title)))
            .add_table(table(&headers, &shares, &s.rows, "本期无"));
        if let Some(note) = &s.note {
            doc = doc.add_paragraph(para(note));
        }
    }
    for part in &v.narrative {
        n += 1;
        doc = doc.add_paragraph(heading(&format!("{}、{}", ordinal(n), part.heading)));
        let text = if part.text.is_empty() {
            "（未填写）"
        } else {
            part.text.as_str()
        };
        doc = doc.add_paragraph(para(text));
    }
    n += 1;
    let half = WIDTH / 2;
    let signers = ["乙方（服务商）", "甲方（采购人）"];
    let rows = vec![
        TableRow::new(signers.iter().map(|p| cell(p, half, true)).collect()).cant_split(),
        TableRow::new(
            signers
                .iter()
                .map(|_| cell("签字：\n\n日期：\n\n盖章：", half, false))
                .collect(),
        )
        .cant_split(),
    ];
    doc = doc.add_paragraph(heading(&format!("{}、签字", ordinal(n)))).add_table(
        Table::new(rows)
            .set_grid(vec![half, half])
            .width(WIDTH, WidthType::Dxa)
            .layout(TableLayoutType::Fixed),
    );
    pack(doc)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ordinals() {
        assert_eq!(super::ordinal(1), "一");
        assert_eq!(super::ordinal(10), "十");
        assert_eq!(super::ordinal(14), "十四");
    }
}

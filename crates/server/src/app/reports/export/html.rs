//! The report as one printable HTML page: every section as a table under its Chinese heading (the
//! page is the signable record, in one language: docs/web.md, one vocabulary), a print stylesheet (A4 landscape, headers repeated on each page, no page break inside
//! a row), the report's footnotes under the tables and a signature block for the monthly
//! assessment record.

use std::fmt::Write as _;

use super::{Cell, zone};
use crate::app::escalation::message::escape;
use crate::app::reports::Report;

const STYLE: &str = "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:24px;color:#222}\
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 6px;border-bottom:2px solid #4a78b0}\
h2 small{color:#666;font-weight:normal;margin-left:8px}.meta{color:#555;margin-bottom:12px}\
table{border-collapse:collapse;width:100%;font-size:12px}th,td{border:1px solid #bbb;padding:3px 6px;text-align:left}\
th{background:#ddebf7}td.n{text-align:right;white-space:nowrap}tr.total td{font-weight:bold;background:#f4f4f4}\
.notes{margin-top:16px;font-size:12px;color:#333}.notes p{margin:2px 0}.sign{margin-top:36px;display:flex;gap:64px}.sign div{border-top:1px solid #333;padding-top:4px;min-width:200px}\
@media print{body{margin:0}@page{size:A4 landscape;margin:12mm}thead{display:table-header-group}tr{page-break-inside:avoid}}";

/// What the deductions section says to a reader who may not see deductions (docs/reports.md):
/// never 「无」, which would read as "nothing was deducted" above the signature lines.
pub const WITHHELD: &str = "扣款由采购方（区局）管理人员查看，本角色不显示";

/// Writes the page.
pub fn write(r: &Report) -> String {
    let z = zone(r);
    let mut out = String::new();
    let title = format!("运维服务违约报告 {}", r.period.label);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head><body>\
         <h1>{t}</h1><p class=\"meta\">统计期间 {from} 至 {to}（{zone}），统计截至 {as_of}</p>",
        t = escape(&title),
        from = Cell::When(r.period.from).text(z),
        to = Cell::When(r.period.to).text(z),
        zone = escape(&r.period.timezone),
        as_of = Cell::When(r.as_of).text(z),
    );
    for section in super::sections(r) {
        let _ = write!(
            out,
            "<h2 id=\"{k}\">{t}</h2><table><thead><tr>",
            k = section.key,
            t = escape(section.title),
        );
        for h in &section.headers {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        out.push_str("</tr></thead><tbody>");
        if section.rows.is_empty() {
            // Withheld is not none: a unit's manager must not sign a page saying nothing was
            // deducted when the deductions are merely not shown to that role.
            let empty = if section.key == "deductions" && r.deductions_withheld {
                WITHHELD
            } else {
                "无"
            };
            let _ = write!(
                out,
                "<tr><td colspan=\"{}\" class=\"{}\">{empty}</td></tr>",
                section.headers.len(),
                if empty == WITHHELD { "withheld" } else { "none" },
            );
        }
        for row in &section.rows {
            let total = matches!(row.get(2), Some(Cell::Text(s)) if s.ends_with("合计") || s.starts_with("合计"));
            out.push_str(if total { "<tr class=\"total\">" } else { "<tr>" });
            for cell in row {
                let numeric = matches!(cell, Cell::Int(_) | Cell::Num(_) | Cell::Pct(_) | Cell::Yuan(_));
                let text = escape(&cell.text(z));
                let _ = write!(
                    out,
                    "<td{}>{}</td>",
                    if numeric { " class=\"n\"" } else { "" },
                    if matches!(cell, Cell::Code(_)) && !text.is_empty() {
                        format!("<code>{text}</code>")
                    } else {
                        text
                    }
                );
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
    }
    if !r.notes.is_empty() {
        out.push_str("<div class=\"notes\" id=\"notes\">");
        for note in &r.notes {
            let _ = write!(out, "<p>{}</p>", escape(&note.zh));
        }
        out.push_str("</div>");
    }
    out.push_str(
        "<div class=\"sign\"><div>采购人（用户单位）签字 / 日期</div><div>服务商签字 / 日期</div></div></body></html>",
    );
    out
}

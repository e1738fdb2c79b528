//! The incident report as a Word file (DOCX, written by `docx-rs`): the same sections as the
//! printable page, on A4 portrait — the title, a facts table, the clocks, cause and remedy, the
//! timeline, the notifications, the comments, the claims (when there are any) and a signature
//! table with a column per party.
//!
//! Chinese must render wherever the file is opened: every run names an East Asian font, 宋体
//! (SimSun, on every Chinese Windows and Office), and a Latin one, Times New Roman, with the
//! East Asian hint, so that Word takes 宋体 for the Chinese and LibreOffice substitutes the
//! machine's CJK serif (e.g. Noto Serif CJK) when 宋体 is not installed.

use docx_rs::{
    AlignmentType, BreakType, Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, Shading, Style, StyleType,
    Table, TableCell, TableLayoutType, TableRow, WidthType,
};

use super::IncidentReport;
use super::words::{self, of, w, when};
use crate::app::vocab::Lang;
use crate::app::vocab::duration::span;
use crate::app::vocab::labels;
use crate::app::{AppError, AppResult};

/// A4 in twentieths of a point, with 2 cm margins: the width a table may take.
const PAGE: (u32, u32) = (11_906, 16_838);
const MARGIN: i32 = 1_134;
const WIDTH: usize = 11_906 - 2 * 1_134;

/// The fonts of every run: 宋体 for Chinese, Times New Roman for Latin letters.
fn fonts() -> RunFonts {
    RunFonts::new()
        .east_asia("宋体")
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
        .cs("Times New Roman")
        .hint("eastAsia")
}

/// A run of `text` (10.5 pt, 五号), its lines broken where the text breaks them.
fn run(text: &str) -> Run {
    sized(text, 21)
}

/// `text` as XML 1.0 may carry it: a tab becomes a space, a carriage return (of a CRLF) goes,
/// and the control characters it forbids
/// (a terminal's colour codes in a monitor's alert, a vertical tab pasted from Word) and the
/// non-characters U+FFFE and U+FFFF are left out, or the file would not open.
///
/// ```text
/// "CPU\u{1b}[31m 告警\u{b}" → "CPU[31m 告警"
/// ```
fn xml_safe(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            '\n' => Some(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => None,
            _ => Some(c),
        })
        .collect()
}

/// A run of `text` in `half_points`, its lines broken where the text breaks them.
fn sized(text: &str, half_points: usize) -> Run {
    let mut r = Run::new().fonts(fonts()).size(half_points);
    let text = xml_safe(text);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            r = r.add_break(BreakType::TextWrapping);
        }
        r = r.add_text(line);
    }
    r
}

fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(run(text))
}

fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .style("Heading2")
        .keep_next(true)
        .line_spacing(LineSpacing::new().before(240).after(80))
        .add_run(run(text).bold().size(28))
}

/// A cell of `width` twips (9 pt, 小五, so that an instant fits on one line); a header cell is
/// bold on the pages' blue.
fn cell(text: &str, width: usize, header: bool) -> TableCell {
    let mut r = sized(text, 18);
    if header {
        r = r.bold();
    }
    let c = TableCell::new()
        .width(width, WidthType::Dxa)
        .add_paragraph(Paragraph::new().add_run(r));
    if header {
        c.shading(Shading::new().fill("DDEBF7"))
    } else {
        c
    }
}

/// A table of `headers` over `rows`, its columns `shares` of the page's width; one row saying
/// `none` when there are no rows.
fn table(headers: &[String], shares: &[usize], rows: &[Vec<String>], none: &str) -> Table {
    let total: usize = shares.iter().sum();
    let widths: Vec<usize> = shares.iter().map(|s| WIDTH * s / total).collect();
    let mut out =
        vec![TableRow::new(headers.iter().zip(&widths).map(|(h, w)| cell(h, *w, true)).collect()).cant_split()];
    if rows.is_empty() {
        out.push(TableRow::new(vec![cell(none, WIDTH, false).grid_span(headers.len())]));
    }
    for row in rows {
        out.push(TableRow::new(row.iter().zip(&widths).map(|(t, w)| cell(t, *w, false)).collect()).cant_split());
    }
    Table::new(out)
        .set_grid(widths)
        .width(WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// A two-column table of label and value.
fn facts(pairs: &[(String, String)]) -> Table {
    let rows: Vec<Vec<String>> = pairs.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
    let widths = [WIDTH / 5, WIDTH - WIDTH / 5];
    let out = rows
        .iter()
        .map(|r| TableRow::new(vec![cell(&r[0], widths[0], true), cell(&r[1], widths[1], false)]).cant_split())
        .collect();
    Table::new(out)
        .set_grid(widths.to_vec())
        .width(WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// Writes the file.
pub fn write(r: &IncidentReport, lang: Lang) -> AppResult<Vec<u8>> {
    let h = |k: &str| w(k, lang);
    let person = |p: &Option<super::Person>| {
        words::person(
            p.as_ref().map(|p| p.name.as_str()),
            p.as_ref().map(|p| p.username.as_str()),
            lang,
        )
    };
    let named = |n: &super::Named| format!("{}（{}）", n.name, n.code);
    let mut doc = Docx::new()
        .page_size(PAGE.0, PAGE.1)
        .page_margin(PageMargin {
            top: MARGIN,
            left: MARGIN,
            bottom: MARGIN,
            right: MARGIN,
            header: 567,
            footer: 567,
            gutter: 0,
        })
        .default_fonts(fonts())
        .default_size(21)
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("heading 2")
                .bold()
                .size(28)
                .fonts(fonts()),
        )
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .bold()
                .size(36)
                .fonts(fonts())
                .align(AlignmentType::Center),
        )
        .add_paragraph(
            Paragraph::new()
                .style("Title")
                .align(AlignmentType::Center)
                .add_run(run(&h("doc_title")).bold().size(36)),
        )
        .add_paragraph(Paragraph::new().align(AlignmentType::Center).add_run(run(&format!(
            "{} · {}",
            h("doc_subtitle"),
            r.number
        ))));
    // 一、基本情况
    let mut pairs: Vec<(String, String)> = vec![
        (h("number"), r.number.clone()),
        (h("title"), r.title.clone()),
        (h("kind"), labels::kind(&r.kind, lang)),
        (
            h("category"),
            r.category.as_ref().map_or_else(|| h("uncategorised"), named),
        ),
        (h("severity"), words::severity_line(r, lang)),
        (h("status"), of("status_", &r.status, lang)),
        (h("system"), named(&r.system)),
        (h("unit"), named(&r.unit)),
        (h("vendor"), r.vendor.as_ref().map_or_else(|| "—".to_owned(), named)),
        (h("reporter"), person(&r.reporter)),
        (h("assignee"), person(&r.assignee)),
        (h("occurred_at"), when(Some(r.occurred_at))),
        (h("received_at"), when(Some(r.received_at))),
        (h("acknowledged_at"), when(r.acknowledged_at)),
        (h("on_site_at"), when(r.on_site_at)),
        (h("resolved_at"), when(r.resolved_at)),
        (h("closed_at"), when(r.closed_at)),
    ];
    let reason = words::severity_reason(r, lang);
    if !reason.is_empty() {
        pairs.insert(4, (h("severity_reason"), reason));
    }
    if !r.description.is_empty() {
        pairs.insert(2, (h("description"), r.description.clone()));
    }
    if let Some(m) = &r.major_event {
        pairs.push((h("major_event"), format!("{} — {}", m.name, m.reason)));
    }
    if let Some(s) = r.satisfaction {
        pairs.push((h("satisfaction"), format!("{s} / 5")));
    }
    doc = doc.add_paragraph(heading(&h("facts"))).add_table(facts(&pairs));
    // 二、服务时限
    let headers: Vec<String> = [
        "clock",
        "target",
        "started_at",
        "deadline",
        "ended_at",
        "outcome",
        "paused",
    ]
    .iter()
    .map(|k| h(k))
    .collect();
    let rows: Vec<Vec<String>> = r
        .clocks
        .iter()
        .map(|c| {
            vec![
                format!("{}\n{}", labels::clock(&c.name, lang), c.calendar),
                words::target(c, lang),
                when(c.started_at),
                format!(
                    "{}{}",
                    when(Some(c.deadline)),
                    if c.provisional { h("provisional") } else { String::new() }
                ),
                when(c.ended_at),
                words::outcome(c, lang),
                span(c.paused_seconds, lang),
            ]
        })
        .collect();
    doc = doc.add_paragraph(heading(&h("clocks"))).add_table(table(
        &headers,
        &[8, 8, 15, 15, 15, 21, 7],
        &rows,
        &h("no_clocks"),
    ));
    // 三、原因分析与处置
    let cause: Vec<(String, String)> = match &r.resolution {
        Some(res) => vec![
            (h("root_cause"), res.root_cause.clone()),
            (h("fix"), res.fix.clone()),
            (
                h("impact"),
                words::impact(res.impact_from, res.impact_to, res.impact_seconds, lang),
            ),
            (h("follow_up"), res.follow_up.clone().unwrap_or_else(|| "—".into())),
        ],
        None => vec![(h("root_cause"), h("not_resolved"))],
    };
    let mut cause = cause;
    if r.resolution.as_ref().is_some_and(|res| res.superseded) {
        cause.insert(0, (h("note"), h("superseded").trim().to_owned()));
    }
    if let Some(g) = &r.impact_grade {
        cause.push((
            h("impact_grade"),
            format!("{} · {}", of("sev_", &g.grade, lang), g.reason),
        ));
    }
    doc = doc.add_paragraph(heading(&h("cause"))).add_table(facts(&cause));
    // 四、处置过程
    let headers: Vec<String> = ["when", "event", "who", "detail"].iter().map(|k| h(k)).collect();
    let rows: Vec<Vec<String>> = r
        .timeline
        .iter()
        .map(|e| {
            let mut at = when(Some(e.at));
            if let Some(rec) = e.recorded_at.filter(|t| (*t - e.at).num_seconds().abs() > 60) {
                at.push_str(&format!("\n{} {}", h("recorded_at"), when(Some(rec))));
            }
            if let Some(c) = e.claimed_at {
                at.push_str(&format!(
                    "\n{} {}{}{}{}",
                    h("claimed_at"),
                    when(Some(c)),
                    lang.pick("（", " ("),
                    of("claim_", e.claim_status.as_deref().unwrap_or(""), lang),
                    lang.pick("）", ")")
                ));
            }
            vec![
                at,
                of("ev_", &e.kind, lang),
                words::person(e.actor_name.as_deref(), e.actor.as_deref(), lang),
                words::detail(e, r, lang),
            ]
        })
        .collect();
    doc = doc
        .add_paragraph(heading(&h("timeline")))
        .add_table(table(&headers, &[17, 10, 13, 40], &rows, &h("none")));
    // 五、通知记录
    let headers: Vec<String> = ["due_at", "channel", "step", "recipients", "send_status", "sent_at"]
        .iter()
        .map(|k| h(k))
        .collect();
    let rows: Vec<Vec<String>> = r
        .notifications
        .iter()
        .map(|n| {
            vec![
                when(Some(n.due_at)),
                of("ch_", &n.channel, lang),
                words::step(n, lang),
                words::recipients(n, lang),
                of("mail_", &n.status, lang),
                when(n.sent_at),
            ]
        })
        .collect();
    doc = doc.add_paragraph(heading(&h("notifications"))).add_table(table(
        &headers,
        &[15, 6, 14, 28, 6, 15],
        &rows,
        &h("none"),
    ));
    // 六、备注
    let headers: Vec<String> = ["when", "who", "detail"].iter().map(|k| h(k)).collect();
    let rows: Vec<Vec<String>> = r
        .comments
        .iter()
        .map(|c| {
            vec![
                when(Some(c.at)),
                words::person(c.actor_name.as_deref(), c.actor.as_deref(), lang),
                c.text.clone(),
            ]
        })
        .collect();
    doc = doc
        .add_paragraph(heading(&h("comments")))
        .add_table(table(&headers, &[16, 16, 48], &rows, &h("none")));
    // 七、申报与确认
    if !r.claims.is_empty() {
        let headers: Vec<String> = ["claim", "by", "recorded_at", "decision"]
            .iter()
            .map(|k| h(k))
            .collect();
        let rows: Vec<Vec<String>> = r
            .claims
            .iter()
            .map(|c| {
                vec![
                    c.summary.clone(),
                    of("party_", &c.by, lang),
                    when(Some(c.recorded_at)),
                    format!("{} {}", of("claim_", &c.status, lang), c.note.as_deref().unwrap_or(""))
                        .trim()
                        .to_owned(),
                ]
            })
            .collect();
        doc = doc
            .add_paragraph(heading(&h("claims")))
            .add_table(table(&headers, &[36, 8, 16, 20], &rows, &h("none")));
    }
    // 八、签字确认: a column per party; its name, then lines to sign, date and seal.
    let parties = r.signatures.len().max(1);
    let width = WIDTH / parties;
    let blank = "\n\n";
    let sign_rows: Vec<TableRow> = vec![
        TableRow::new(
            r.signatures
                .iter()
                .map(|s| cell(&of("sig_", &s.party, lang), width, true))
                .collect(),
        ),
        TableRow::new(
            r.signatures
                .iter()
                .map(|s| {
                    let text = format!(
                        "{}{colon}{}\n\n{}{colon}{blank}{}{colon}{blank}{}{colon}{blank}",
                        h("name"),
                        s.name.as_deref().unwrap_or(""),
                        h("signer"),
                        h("date"),
                        h("seal"),
                        colon = lang.pick("：", ": "),
                    );
                    cell(&text, width, false)
                })
                .collect(),
        )
        .cant_split(),
    ];
    doc = doc.add_paragraph(heading(&h("signatures"))).add_table(
        Table::new(sign_rows)
            .set_grid(vec![width; parties])
            .width(WIDTH, WidthType::Dxa)
            .layout(TableLayoutType::Fixed),
    );
    doc = doc.add_paragraph(para(&format!("{} {}", h("generated_at"), when(Some(r.generated_at)))));
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("DOCX: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_do_not_reach_the_file() {
        assert_eq!(
            super::xml_safe("CPU\u{1b}[31m 告警\u{b}\t完\n毕\u{ffff}"),
            "CPU[31m 告警 完\n毕"
        );
    }
}

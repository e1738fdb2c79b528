//! The incident report as a Word file (DOCX, written by `docx-rs`): the same sections as the
//! printable page, on A4 portrait — the title, a facts table, the clocks, cause and remedy, the
//! timeline, the notifications, the comments, the claims (when there are any) and a signature
//! table with a column per party.
//! The fonts and the parts are [`crate::app::docx_parts`]'s.

use docx_rs::{Table, TableLayoutType, TableRow, WidthType};

use super::IncidentReport;
use super::words::{self, of, w, when};
use crate::app::AppResult;
use crate::app::docx_parts::{WIDTH, cell, document, facts, heading, pack, para, table};
use crate::app::vocab::Lang;
use crate::app::vocab::duration::span;
use crate::app::vocab::labels;

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
    let mut doc = document(&h("doc_title"), &format!("{} · {}", h("doc_subtitle"), r.number));
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
    // 附件, under 六
    let headers: Vec<String> = ["file_name", "file_size", "SHA-256", "who", "when"]
        .iter()
        .map(|k| if *k == "SHA-256" { (*k).to_owned() } else { h(k) })
        .collect();
    let rows: Vec<Vec<String>> = r
        .attachments
        .iter()
        .map(|a| {
            vec![
                a.name.clone(),
                a.size.to_string(),
                a.sha256.clone(),
                a.uploaded_by.clone().unwrap_or_else(|| h("by_mail")),
                when(Some(a.created_at)),
            ]
        })
        .collect();
    doc =
        doc.add_paragraph(para(&h("attachments")))
            .add_table(table(&headers, &[18, 8, 30, 10, 14], &rows, &h("none")));
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
    pack(doc)
}

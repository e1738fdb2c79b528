//! The incident report as one printable page: the sections as tables under numbered headings,
//! a print stylesheet (A4 portrait, table headers repeated on every page, no break inside a row
//! or a signature block) and a signature block per party, in the reader's language.

use std::fmt::Write as _;

use super::IncidentReport;
use super::words::{self, of, w, when};
use crate::app::escalation::message::escape;
use crate::app::vocab::Lang;
use crate::app::vocab::duration::span;

const STYLE: &str = "body{font-family:'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','SimSun',sans-serif;margin:24px auto;max-width:1000px;color:#222}\
h1{font-size:22px;text-align:center;margin:0 0 2px}.sub{text-align:center;color:#555;margin:0 0 14px}\
h2{font-size:16px;margin:20px 0 6px;border-bottom:2px solid #4a78b0}\
table{border-collapse:collapse;width:100%;font-size:12px}th,td{border:1px solid #999;padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#ddebf7;white-space:nowrap}table.facts th{width:7em}.pre{white-space:pre-wrap}td.n{white-space:nowrap}\
.late{color:#b00020;font-weight:bold}.muted{color:#555;font-size:12px}\
.signs{display:flex;gap:12px;margin-top:12px;page-break-inside:avoid}.sign{flex:1 1 0;min-width:0;box-sizing:border-box;border:1px solid #999;padding:8px 12px;min-height:120px}\
.sign h3{margin:0 0 8px;font-size:14px}.sign p{margin:10px 0;font-size:13px}.line{display:inline-block;width:60%;border-bottom:1px solid #222}\
@media print{.noprint{display:none}body{margin:0;max-width:none}@page{size:A4 portrait;margin:15mm}thead{display:table-header-group}tr{page-break-inside:avoid}}";

/// A table: header cells, then rows of cells already escaped; `none` when there are no rows.
fn table(out: &mut String, id: &str, headers: &[String], rows: &[Vec<String>], none: &str) {
    let _ = write!(out, "<table id=\"{id}\"><thead><tr>");
    for h in headers {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    if rows.is_empty() {
        let _ = write!(out, "<tr><td colspan=\"{}\">{}</td></tr>", headers.len(), escape(none));
    }
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td class=\"pre\">{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// Writes the page.
pub fn write(r: &IncidentReport, lang: Lang) -> String {
    let e = |s: &str| escape(s);
    let h = |k: &str| w(k, lang);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"{html_lang}\"><head><meta charset=\"utf-8\"><title>{title} {number}</title><style>{STYLE}</style></head><body><main>\
         <p class=\"noprint muted\"><a href=\"/tickets/{number}\">{number}</a> · <a id=\"docx\" href=\"/api/v1/tickets/{number}/incident-report?format=docx&amp;lang={lang_key}\">DOCX</a></p>\
         <h1>{title}</h1><p class=\"sub\">{sub} · {number}</p>",
        html_lang = lang.pick("zh-CN", "en"),
        title = e(&h("doc_title")),
        sub = e(&h("doc_subtitle")),
        number = e(&r.number),
        lang_key = lang.key(),
    );
    // 一、基本情况
    let _ = write!(
        out,
        "<h2 id=\"facts\">{}</h2><table class=\"facts\"><tbody>",
        e(&h("facts"))
    );
    // Values as HTML: a code is set as code (ids, not words of the page's language).
    let named = |n: &super::Named| format!("{}（<code>{}</code>）", e(&n.name), e(&n.code));
    let pairs: Vec<(&str, String)> = vec![
        ("number", e(&r.number)),
        ("status", e(&of("status_", &r.status, lang))),
        ("kind", e(&crate::app::vocab::labels::kind(&r.kind, lang))),
        (
            "category",
            r.category.as_ref().map_or_else(|| e(&h("uncategorised")), named),
        ),
        ("severity", e(&words::severity_line(r, lang))),
        ("system", named(&r.system)),
        ("unit", named(&r.unit)),
        ("vendor", r.vendor.as_ref().map_or_else(|| "—".to_owned(), named)),
        (
            "reporter",
            e(&words::person(
                r.reporter.as_ref().map(|p| p.name.as_str()),
                r.reporter.as_ref().map(|p| p.username.as_str()),
                lang,
            )),
        ),
        ("occurred_at", e(&when(Some(r.occurred_at)))),
        ("received_at", e(&when(Some(r.received_at)))),
        ("acknowledged_at", e(&when(r.acknowledged_at))),
        ("on_site_at", e(&when(r.on_site_at))),
        ("resolved_at", e(&when(r.resolved_at))),
        ("closed_at", e(&when(r.closed_at))),
        (
            "assignee",
            e(&words::person(
                r.assignee.as_ref().map(|p| p.name.as_str()),
                r.assignee.as_ref().map(|p| p.username.as_str()),
                lang,
            )),
        ),
        (
            "satisfaction",
            e(&r.satisfaction.map_or_else(|| "—".to_owned(), |s| format!("{s} / 5"))),
        ),
    ];
    for pair in pairs.chunks(2) {
        out.push_str("<tr>");
        for (k, v) in pair {
            let _ = write!(out, "<th>{}</th><td id=\"f-{k}\">{v}</td>", e(&h(k)));
        }
        out.push_str("</tr>");
    }
    let wide = |out: &mut String, k: &str, v: &str| {
        let _ = write!(
            out,
            "<tr><th>{}</th><td colspan=\"3\" class=\"pre\" id=\"f-{k}\">{}</td></tr>",
            escape(&w(k, lang)),
            escape(v)
        );
    };
    wide(&mut out, "title", &r.title);
    if !r.description.is_empty() {
        wide(&mut out, "description", &r.description);
    }
    let reason = words::severity_reason(r, lang);
    if !reason.is_empty() {
        wide(&mut out, "severity_reason", &reason);
    }
    if let Some(m) = &r.major_event {
        wide(&mut out, "major_event", &format!("{} — {}", m.name, m.reason));
    }
    out.push_str("</tbody></table>");
    // 二、服务时限
    let _ = write!(out, "<h2 id=\"clocks-h\">{}</h2>", e(&h("clocks")));
    let headers: Vec<String> = [
        "clock",
        "calendar",
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
            let late = c.outcome.starts_with("breached");
            let deadline = format!(
                "{}{}",
                when(Some(c.deadline)),
                if c.provisional { h("provisional") } else { String::new() }
            );
            vec![
                format!(
                    "<span data-clock=\"{}\">{}</span>",
                    e(&c.name),
                    e(&crate::app::vocab::labels::clock(&c.name, lang))
                ),
                e(&c.calendar),
                e(&words::target(c, lang)),
                e(&when(c.started_at)),
                e(&deadline),
                e(&when(c.ended_at)),
                format!(
                    "<span class=\"{}\" data-outcome=\"{}\">{}</span>",
                    if late { "late" } else { "" },
                    e(&c.outcome),
                    e(&words::outcome(c, lang))
                ),
                e(&span(c.paused_seconds, lang)),
            ]
        })
        .collect();
    table(&mut out, "clocks", &headers, &rows, &h("no_clocks"));
    // 三、原因分析与处置
    let _ = write!(
        out,
        "<h2 id=\"cause-h\">{}</h2><table class=\"facts\" id=\"cause\"><tbody>",
        e(&h("cause"))
    );
    match &r.resolution {
        Some(res) => {
            if res.superseded {
                wide(&mut out, "note", w("superseded", lang).trim());
            }
            wide(&mut out, "root_cause", &res.root_cause);
            wide(&mut out, "fix", &res.fix);
            wide(
                &mut out,
                "impact",
                &words::impact(res.impact_from, res.impact_to, res.impact_seconds, lang),
            );
            wide(&mut out, "follow_up", res.follow_up.as_deref().unwrap_or("—"));
        }
        None => wide(&mut out, "root_cause", &h("not_resolved")),
    }
    if let Some(g) = &r.impact_grade {
        wide(
            &mut out,
            "impact_grade",
            &format!("{} · {}", of("sev_", &g.grade, lang), g.reason),
        );
    }
    out.push_str("</tbody></table>");
    // 四、处置过程
    let _ = write!(out, "<h2 id=\"timeline-h\">{}</h2>", e(&h("timeline")));
    let headers: Vec<String> = ["when", "recorded_at", "event", "who", "detail"]
        .iter()
        .map(|k| h(k))
        .collect();
    let rows: Vec<Vec<String>> = r
        .timeline
        .iter()
        .map(|ev| {
            // The recorded time is shown where it differs from when the event counts, and a
            // claimed earlier instant with its decision.
            let recorded = ev
                .recorded_at
                .filter(|t| (*t - ev.at).num_seconds().abs() > 60)
                .map(|t| when(Some(t)))
                .unwrap_or_default();
            let claimed = ev
                .claimed_at
                .map(|c| {
                    format!(
                        "\n{} {}{}{}{}",
                        h("claimed_at"),
                        when(Some(c)),
                        lang.pick("（", " ("),
                        of("claim_", ev.claim_status.as_deref().unwrap_or(""), lang),
                        lang.pick("）", ")")
                    )
                })
                .unwrap_or_default();
            vec![
                e(&when(Some(ev.at))),
                e(format!("{recorded}{claimed}").trim()),
                e(&of("ev_", &ev.kind, lang)),
                e(&words::person(ev.actor_name.as_deref(), ev.actor.as_deref(), lang)),
                e(&words::detail(ev, r, lang)),
            ]
        })
        .collect();
    table(&mut out, "timeline", &headers, &rows, &h("none"));
    // 五、通知记录
    let _ = write!(out, "<h2 id=\"notifications-h\">{}</h2>", e(&h("notifications")));
    let headers: Vec<String> = ["due_at", "channel", "step", "recipients", "send_status", "sent_at"]
        .iter()
        .map(|k| h(k))
        .collect();
    let rows: Vec<Vec<String>> = r
        .notifications
        .iter()
        .map(|n| {
            vec![
                e(&when(Some(n.due_at))),
                e(&of("ch_", &n.channel, lang)),
                e(&words::step(n, lang)),
                e(&words::recipients(n, lang)),
                e(&of("mail_", &n.status, lang)),
                e(&when(n.sent_at)),
            ]
        })
        .collect();
    table(&mut out, "notifications", &headers, &rows, &h("none"));
    // 六、备注
    let _ = write!(out, "<h2 id=\"comments-h\">{}</h2>", e(&h("comments")));
    let headers: Vec<String> = ["when", "who", "detail"].iter().map(|k| h(k)).collect();
    let rows: Vec<Vec<String>> = r
        .comments
        .iter()
        .map(|c| {
            vec![
                e(&when(Some(c.at))),
                e(&words::person(c.actor_name.as_deref(), c.actor.as_deref(), lang)),
                e(&c.text),
            ]
        })
        .collect();
    table(&mut out, "comments", &headers, &rows, &h("none"));
    // 附件, under 六: what each file is, by its hash, so that a copy can be checked against it.
    let _ = write!(out, "<h3 id=\"attachments-h\">{}</h3>", e(&h("attachments")));
    let headers: Vec<String> = ["file_name", "file_size", "SHA-256", "who", "when"]
        .iter()
        .map(|k| if *k == "SHA-256" { (*k).to_owned() } else { h(k) })
        .collect();
    let rows: Vec<Vec<String>> = r
        .attachments
        .iter()
        .map(|a| {
            vec![
                e(&a.name),
                a.size.to_string(),
                format!("<code>{}</code>", e(&a.sha256)),
                e(&a.uploaded_by.clone().unwrap_or_else(|| h("by_mail"))),
                e(&when(Some(a.created_at))),
            ]
        })
        .collect();
    table(&mut out, "attachments", &headers, &rows, &h("none"));
    // 七、申报与确认 (only when there are any)
    if !r.claims.is_empty() {
        let _ = write!(out, "<h2 id=\"claims-h\">{}</h2>", e(&h("claims")));
        let headers: Vec<String> = ["claim", "by", "recorded_at", "claimed_at", "decision"]
            .iter()
            .map(|k| h(k))
            .collect();
        let rows: Vec<Vec<String>> = r
            .claims
            .iter()
            .map(|c| {
                let decision = format!(
                    "{} {} {}",
                    of("claim_", &c.status, lang),
                    when(c.decided_at).replace('—', ""),
                    c.note.as_deref().unwrap_or("")
                );
                vec![
                    e(&c.summary),
                    e(&of("party_", &c.by, lang)),
                    e(&when(Some(c.recorded_at))),
                    e(&when(c.claimed_at)),
                    e(decision.trim()),
                ]
            })
            .collect();
        table(&mut out, "claims", &headers, &rows, &h("none"));
    }
    // 八、签字确认
    let _ = write!(
        out,
        "<h2 id=\"signatures-h\">{}</h2><div class=\"signs\" id=\"signatures\">",
        e(&h("signatures"))
    );
    for s in &r.signatures {
        let _ = write!(
            out,
            "<section class=\"sign\" data-party=\"{party}\"><h3>{label}</h3>\
             <p>{name_w}{c}{name}</p><p>{signer}{c}<span class=\"line\">&nbsp;</span></p>\
             <p>{date}{c}<span class=\"line\">&nbsp;</span></p><p>{seal}{c}<span class=\"line\">&nbsp;</span></p></section>",
            c = lang.pick("：", ": "),
            party = e(&s.party),
            label = e(&of("sig_", &s.party, lang)),
            name_w = e(&h("name")),
            name = e(s.name.as_deref().unwrap_or("")),
            signer = e(&h("signer")),
            date = e(&h("date")),
            seal = e(&h("seal")),
        );
    }
    let _ = write!(
        out,
        "</div><p class=\"muted\">{} {}</p></main></body></html>",
        e(&h("generated_at")),
        e(&when(Some(r.generated_at)))
    );
    out
}

//! What a notice says: an email (Chinese, with the English copy for who asked for it) and a
//! text message short enough for one segment.
//!
//! ```
//! use opsclock::app::notices::message::{Facts, render};
//! use opsclock::app::notices::NoticeEvent;
//! let at = "2026-12-03T02:05:00Z".parse().unwrap();
//! let f = Facts {
//!     event: NoticeEvent::Opened,
//!     number: "INC-2026-0007", title: "核心交换机宕机", severity: sla_clock::Severity::Urgent,
//!     system_code: "sy-001", system_name: "政务外网", at, detail: None,
//!     page: "https://ops.example.gov.cn/tickets/INC-2026-0007".into(),
//!     ack_link: Some("https://ops.example.gov.cn/a/abc".into()), link_hours: 24,
//! };
//! let m = render(&f);
//! assert_eq!(m.subject, "[紧急] 新工单 INC-2026-0007 sy-001 政务外网：核心交换机宕机");
//! assert!(m.text.contains("一键确认响应（24 小时内有效）：https://ops.example.gov.cn/a/abc"));
//! assert!(m.text.contains("受理时间：2026-12-03 10:05"));
//! ```

use chrono::{DateTime, Utc};
use sla_clock::Severity;

use super::NoticeEvent;
use crate::app::escalation::message::{EnglishCopy, Rendered, escape};

/// What a notice is about.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// Which event.
    pub event: NoticeEvent,
    /// The ticket's number.
    pub number: &'a str,
    /// Its title.
    pub title: &'a str,
    /// Its severity now.
    pub severity: Severity,
    /// Its system's code.
    pub system_code: &'a str,
    /// Its system's name.
    pub system_name: &'a str,
    /// When the event counts (for an opening, when the ticket was received).
    pub at: DateTime<Utc>,
    /// The event's own words: `一般 → 紧急：…` for a re-grade, the root cause and fix for a
    /// resolution, the reason for a reopening.
    pub detail: Option<(String, String)>,
    /// The ticket's page.
    pub page: String,
    /// The link that acknowledges as the reader, if they get one.
    pub ack_link: Option<String>,
    /// How long the link acts, in hours.
    pub link_hours: i64,
}

fn words(e: NoticeEvent) -> (&'static str, &'static str) {
    match e {
        NoticeEvent::Opened => ("新工单", "New ticket"),
        NoticeEvent::Regraded => ("工单已重新定级", "Ticket re-graded"),
        NoticeEvent::Resolved => ("工单已解决，请确认", "Ticket resolved: please confirm"),
        NoticeEvent::Reopened => ("工单已重新打开", "Ticket reopened"),
    }
}

fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&super::quiet::ZONE)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The email of a notice.
pub fn render(f: &Facts<'_>) -> Rendered {
    let (what_zh, what_en) = words(f.event);
    let subject = format!(
        "[{}] {what_zh} {} {} {}：{}",
        f.severity.label_zh(),
        f.number,
        f.system_code,
        f.system_name,
        f.title
    );
    let when = local(f.at);
    let mut zh = vec![
        format!("{what_zh}：{} {}", f.number, f.title),
        format!("系统：{} {}", f.system_code, f.system_name),
        format!("级别：{}", f.severity.label_zh()),
        format!(
            "{}：{when}（北京时间）",
            if f.event == NoticeEvent::Opened {
                "受理时间"
            } else {
                "时间"
            }
        ),
    ];
    let mut en = vec![
        format!("{what_en}: {} {}", f.number, f.title),
        format!("System: {} {}", f.system_code, f.system_name),
        format!("Severity: {}", f.severity.key()),
        format!("At: {when} (China time)"),
    ];
    if let Some((dz, de)) = &f.detail {
        zh.push(dz.clone());
        en.push(de.clone());
    }
    if f.event == NoticeEvent::Resolved {
        zh.push("请确认服务已恢复，并在工单页面评价本次服务。".into());
        en.push("Please confirm the service is back, and rate the service on the ticket's page.".into());
    }
    zh.push(format!("查看工单：{}", f.page));
    en.push(format!("The ticket: {}", f.page));
    if let Some(link) = &f.ack_link {
        zh.push(format!("一键确认响应（{} 小时内有效）：{link}", f.link_hours));
        en.push(format!(
            "Acknowledge with one tap (valid for {} hours): {link}",
            f.link_hours
        ));
    }
    let text = zh.join("\n") + "\n";
    let html_of = |lines: &[String]| {
        lines
            .iter()
            .map(|l| format!("<p>{}</p>", linkify(l)))
            .collect::<Vec<_>>()
            .join("")
    };
    let html = format!("<html><body>{}</body></html>", html_of(&zh));
    Rendered {
        subject,
        text,
        html,
        english: Some(EnglishCopy {
            text: en.join("\n") + "\n",
            html: html_of(&en),
        }),
    }
}

/// `line` escaped, with a trailing `http…` address made a link.
fn linkify(line: &str) -> String {
    match line.find("http://").or_else(|| line.find("https://")) {
        Some(i) => {
            let (head, url) = line.split_at(i);
            format!("{}<a href=\"{}\">{}</a>", escape(head), escape(url), escape(url))
        }
        None => escape(line),
    }
}

/// The pieces of a notice's text message ([`crate::app::sms::text::compose`] joins them in one
/// segment): a fixed head that names the severity, the event and the ticket, the title (which
/// may be shortened), and the acknowledge link if the reader gets one (never cut). The severity
/// is in square brackets, not 【】: carriers read 【…】 at the start or end of a text as its
/// signature (签名), which must be the one registered for the sender.
pub fn sms_parts(f: &Facts<'_>) -> (String, String, Option<String>) {
    let what = match f.event {
        NoticeEvent::Opened => "新工单",
        NoticeEvent::Regraded => "重新定级",
        NoticeEvent::Resolved => "已解决请确认",
        NoticeEvent::Reopened => "重新打开",
    };
    let head = format!("[{}]{what} {} ", f.severity.label_zh(), f.number);
    let link = f.ack_link.clone().map(|l| format!("确认:{l}"));
    (head.trim_end().to_owned(), f.title.to_owned(), link)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(event: NoticeEvent) -> Facts<'static> {
        Facts {
            event,
            number: "INC-2026-0007",
            title: "<b>核心交换机</b>",
            severity: Severity::Serious,
            system_code: "sy-001",
            system_name: "政务外网",
            at: "2026-12-03T02:05:00Z".parse().unwrap(),
            detail: Some(("级别：一般 → 严重".into(), "Severity: general → serious".into())),
            page: "https://x/tickets/INC-2026-0007".into(),
            ack_link: None,
            link_hours: 24,
        }
    }

    #[test]
    fn a_resolution_asks_the_reporter_to_confirm_and_rate() {
        let m = render(&facts(NoticeEvent::Resolved));
        assert!(m.subject.starts_with("[严重] 工单已解决，请确认 INC-2026-0007"));
        assert!(m.text.contains("请确认服务已恢复"));
        assert!(!m.text.contains("一键确认"));
        let (_, html) = m.for_reader(true);
        assert!(html.contains("&lt;b&gt;核心交换机&lt;/b&gt;"), "{html}");
        assert!(html.contains("<a href=\"https://x/tickets/INC-2026-0007\">"), "{html}");
        assert!(html.contains("rate the service"));
    }

    #[test]
    fn a_regrade_says_from_what_to_what() {
        let m = render(&facts(NoticeEvent::Regraded));
        assert!(m.text.contains("级别：一般 → 严重"), "{}", m.text);
        let (head, title, link) = sms_parts(&facts(NoticeEvent::Regraded));
        assert_eq!(head, "[严重]重新定级 INC-2026-0007");
        assert_eq!(title, "<b>核心交换机</b>");
        assert_eq!(link, None);
    }
}

//! The incident report's words, Chinese and English (the page and the Word file say the same), and
//! the one-line detail of each event of the timeline.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{IncidentReport, ReportClock, ReportEvent};
use crate::app::vocab::duration::{sla_text, span};
use crate::app::vocab::{Lang, labels, reasons};

/// `(key, 中文, English)`.
pub const WORDS: &[(&str, &str, &str)] = &[
    ("doc_title", "故障处理情况报告", "Incident report"),
    ("doc_subtitle", "故障处置记录", "Record of the incident's handling"),
    ("facts", "一、基本情况", "1. Facts"),
    ("clocks", "二、服务时限", "2. Service deadlines"),
    ("cause", "三、原因分析与处置", "3. Cause and remedy"),
    ("timeline", "四、处置过程", "4. How it was handled"),
    ("notifications", "五、通知记录", "5. Notifications"),
    ("comments", "六、备注", "6. Comments"),
    ("attachments", "附件", "Attachments"),
    ("file_name", "文件名", "File"),
    ("file_size", "大小（字节）", "Size (bytes)"),
    ("by_mail", "（邮件）", "(by mail)"),
    ("claims", "七、申报与确认", "7. Claims and their decisions"),
    ("signatures", "八、签字确认", "8. Signatures"),
    ("number", "工单编号", "Ticket"),
    ("title", "故障标题", "Title"),
    ("description", "故障描述", "Description"),
    ("kind", "类型", "Kind"),
    ("category", "分类", "Category"),
    ("uncategorised", "未分类", "Not categorised"),
    ("status", "当前状态", "Status"),
    ("severity", "故障等级", "Severity"),
    ("severity_reason", "定级理由", "Why this severity"),
    ("regraded", "重新定级", "Re-graded"),
    ("system", "系统", "System"),
    ("unit", "用户单位", "User unit"),
    ("vendor", "服务商", "Vendor"),
    ("reporter", "报告人", "Reported by"),
    ("assignee", "处理人", "Handled by"),
    ("occurred_at", "发生时间", "Began"),
    ("received_at", "受理时间", "Received"),
    ("acknowledged_at", "响应时间", "Acknowledged"),
    ("on_site_at", "到场时间", "On site"),
    ("resolved_at", "恢复时间", "Resolved"),
    ("closed_at", "关闭时间", "Closed"),
    ("major_event", "重保时段", "Major-event window"),
    ("satisfaction", "满意度评价", "Rating"),
    ("clock", "时限", "Clock"),
    ("calendar", "日历", "Calendar"),
    ("target", "目标", "Target"),
    ("started_at", "起算时间", "Started"),
    ("deadline", "截止时间", "Deadline"),
    ("ended_at", "完成时间", "Stopped"),
    ("outcome", "结果", "Outcome"),
    ("overdue", "超时", "Late by"),
    ("paused", "暂停", "Paused"),
    ("provisional", "（暂定）", " (provisional)"),
    ("working", "工作时间", "working time"),
    ("wall", "自然时间", "wall time"),
    ("no_clocks", "本工单无服务时限。", "No clock runs for this ticket."),
    ("root_cause", "故障原因", "Root cause"),
    ("fix", "处理措施", "What was done"),
    ("impact", "影响时段", "Impact"),
    ("impact_grade", "事后定级", "Impact grade"),
    ("follow_up", "后续措施", "Follow-up"),
    ("not_resolved", "尚未解决。", "Not resolved yet."),
    ("none", "无", "None"),
    ("when", "时间", "When"),
    ("recorded_at", "记录时间", "Recorded"),
    ("claimed_at", "申报时间", "Claimed"),
    ("event", "事项", "What"),
    ("who", "人员", "Who"),
    ("detail", "说明", "Detail"),
    ("channel", "方式", "Channel"),
    ("send_status", "状态", "Status"),
    ("no_recipients", "（无接收人）", "(nobody)"),
    ("step", "事由", "Why"),
    ("english_copy", "（英文副本）", " (English copy)"),
    ("note", "说明", "Note"),
    (
        "superseded",
        "（工单已重新打开，以下为上次解决时的记录）",
        " (the ticket was reopened: the last resolution's record)",
    ),
    ("recipients", "接收人", "To"),
    ("sent_at", "发送时间", "Sent"),
    ("due_at", "应发时间", "Due"),
    ("claim", "申报或申请", "Claim or request"),
    ("by", "提出方", "By"),
    ("decision", "决定", "Decision"),
    ("party", "签字方", "Party"),
    ("name", "单位名称", "Name"),
    ("signer", "签字", "Signature"),
    ("date", "日期", "Date"),
    ("seal", "盖章", "Seal"),
    ("generated_at", "生成时间", "Made"),
    ("sig_vendor", "服务商（乙方）", "Vendor"),
    ("sig_unit", "用户单位", "User unit"),
    ("sig_supervisor", "监理单位", "Supervisor"),
    ("out_met", "达标", "Met"),
    ("out_breached", "超时完成", "Met late"),
    ("out_breached_running", "超时未完成", "Breached, still running"),
    ("out_running", "计时中", "Running"),
    ("out_paused", "已暂停", "Paused"),
    ("out_cancelled", "已取消", "Cancelled"),
    ("ch_email", "邮件", "Email"),
    ("ch_webhook", "消息推送", "Webhook"),
    ("ch_sms", "短信", "SMS"),
    ("mail_pending", "待发", "pending"),
    ("mail_sending", "发送中", "sending"),
    ("mail_sent", "已发", "sent"),
    ("mail_failed", "失败", "failed"),
    ("claim_pending", "待确认", "pending"),
    ("claim_approved", "已同意", "approved"),
    ("claim_rejected", "已驳回", "rejected"),
    ("party_buyer", "甲方", "Buyer"),
    ("party_vendor", "乙方", "Vendor"),
    ("party_supervisor", "监理", "Supervisor"),
    ("sev_urgent", "紧急", "Urgent"),
    ("sev_serious", "严重", "Serious"),
    ("sev_general", "一般", "General"),
    ("sev_minor", "轻微", "Minor"),
    ("status_new", "新建", "New"),
    ("status_acknowledged", "已响应", "Acknowledged"),
    ("status_on_site", "已到场", "On site"),
    ("status_in_progress", "处理中", "In progress"),
    ("status_paused", "挂起", "Paused"),
    ("status_resolved", "已解决", "Resolved"),
    ("status_closed", "已关闭", "Closed"),
    ("status_cancelled", "已作废", "Voided"),
    ("pause_awaiting_reporter", "等待报告人", "Awaiting the reporter"),
    ("pause_third_party", "等待第三方", "Awaiting a third party"),
    ("pause_buyer_window", "等待用户窗口", "Awaiting the buyer's window"),
    ("cancel_duplicate", "重复", "Duplicate"),
    ("cancel_withdrawn", "撤回", "Withdrawn"),
    ("ev_opened", "创建", "Opened"),
    ("ev_acknowledged", "响应", "Acknowledged"),
    ("ev_arrived", "到场", "Arrived"),
    ("ev_visit_requested", "要求现场服务", "Visit requested"),
    ("ev_started", "开始处理", "Started"),
    ("ev_paused", "挂起", "Paused"),
    ("ev_resumed", "恢复", "Resumed"),
    ("ev_regraded", "调整等级", "Re-graded"),
    ("ev_resolved", "解决", "Resolved"),
    ("ev_closed", "关闭", "Closed"),
    ("ev_reopened", "重新打开", "Reopened"),
    ("ev_cancelled", "作废", "Voided"),
    ("ev_assigned", "分派", "Assigned"),
    ("ev_commented", "备注", "Comment"),
    ("ev_claimed", "申报", "Claim"),
    ("ev_requested", "申请", "Request"),
    ("ev_decided", "决定", "Decision"),
    ("ev_impact_graded", "事后定级", "Impact graded"),
    ("ev_categorised", "分类", "Categorised"),
    ("ev_corrected", "更正", "Corrected"),
    ("ev_contested", "对作废提出异议", "Cancellation contested"),
    ("ev_system_changed", "更正系统", "System corrected"),
];

/// The word filed under `key` in `lang`; the key itself when there is none (a value this table
/// does not know is shown as it is rather than hidden).
pub fn w(key: &str, lang: Lang) -> String {
    WORDS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or_else(|| key.to_owned(), |(_, zh, en)| lang.pick(zh, en).to_owned())
}

/// `value` under `prefix` (`("sev_", "urgent")` → 紧急).
pub fn of(prefix: &str, value: &str, lang: Lang) -> String {
    let key = format!("{prefix}{value}");
    let word = w(&key, lang);
    if word == key { value.to_owned() } else { word }
}

/// An instant as the report shows it: Beijing time, to the minute; `—` for none.
pub fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "—".to_owned(),
        |t| {
            t.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        },
    )
}

/// A person by name and user name: `王工（eng_a）`; `—` for nobody.
pub fn person(name: Option<&str>, username: Option<&str>, lang: Lang) -> String {
    match (name, username) {
        (Some(n), Some(u)) if n != u => format!("{n}{}{u}{}", lang.pick("（", " ("), lang.pick("）", ")")),
        (_, Some(u)) => u.to_owned(),
        (Some(n), None) => n.to_owned(),
        (None, None) => "—".to_owned(),
    }
}

/// The severity line: `紧急`, or `严重 → 紧急（重新定级）` after re-gradings.
pub fn severity_line(r: &IncidentReport, lang: Lang) -> String {
    if r.regradings.is_empty() {
        return of("sev_", &r.severity, lang);
    }
    let mut steps = vec![of("sev_", &r.opened_severity, lang)];
    steps.extend(r.regradings.iter().map(|g| of("sev_", &g.to, lang)));
    format!(
        "{}{}{}{}",
        steps.join(" → "),
        lang.pick("（", " ("),
        w("regraded", lang),
        lang.pick("）", ")")
    )
}

/// The severity's reason as a reader reads it.
pub fn severity_reason(r: &IncidentReport, lang: Lang) -> String {
    let opened = r
        .severity_reason
        .as_deref()
        .map(|s| reasons::severity_reason(s, lang))
        .unwrap_or_default();
    let mut lines = vec![opened];
    for g in &r.regradings {
        lines.push(format!(
            "{} {} → {}：{}",
            when(Some(g.at)),
            of("sev_", &g.from, lang),
            of("sev_", &g.to, lang),
            g.reason
        ));
    }
    lines.retain(|l| !l.is_empty());
    lines.join("\n")
}

/// A clock's outcome: 达标, 计时中, 已作废, or `超时 1 小时` — with the working and the wall time
/// apart where they differ (`超时 2 小时（工作时间），1 天 2 小时（自然时间）`).
pub fn outcome(c: &ReportClock, lang: Lang) -> String {
    let word = of("out_", &c.outcome, lang);
    if !c.outcome.starts_with("breached") {
        return word;
    }
    let working = span(c.overdue_seconds, lang);
    match c.overdue_wall_seconds {
        Some(wall) if wall != c.overdue_seconds => {
            let (open, close, and) = (lang.pick("（", " ("), lang.pick("）", ")"), lang.pick("，", "; "));
            format!(
                "{word} {working}{open}{}{close}{and}{}{open}{}{close}",
                w("working", lang),
                span(wall, lang),
                w("wall", lang)
            )
        }
        _ => format!("{word} {working}"),
    }
}

/// A clock's target in the contract's words (`4 小时`), with its earlier targets.
pub fn target(c: &ReportClock, lang: Lang) -> String {
    let now = sla_text(&c.target, lang);
    if c.targets.len() <= 1 {
        return now;
    }
    let all: Vec<String> = c.targets.iter().map(|t| sla_text(t, lang)).collect();
    all.join(" → ")
}

/// The impact window: `2026-03-02 10:00 – 12:30（2 小时 30 分）`.
pub fn impact(from: DateTime<Utc>, to: DateTime<Utc>, seconds: i64, lang: Lang) -> String {
    format!(
        "{} – {}{}{}{}",
        when(Some(from)),
        when(Some(to)),
        lang.pick("（", " ("),
        span(seconds, lang),
        lang.pick("）", ")")
    )
}

/// What the timeline says of one event, in a line or two.
pub fn detail(e: &ReportEvent, r: &IncidentReport, lang: Lang) -> String {
    let d = &e.data;
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let sep = lang.pick("：", ": ");
    let line = match e.kind.as_str() {
        "opened" => {
            let severity = of("sev_", d["ticket"]["severity"].as_str().unwrap_or(""), lang);
            match d["ticket"]["severity_reason"].as_str().filter(|r| !r.is_empty()) {
                Some(reason) => format!("{severity} · {}", reasons::severity_reason(reason, lang)),
                None => severity,
            }
        }
        "paused" => format!("{} {}", of("pause_", &s(&d["reason"]), lang), s(&d["note"])),
        "regraded" => format!(
            "{} → {} · {}",
            of("sev_", &s(&d["from"]), lang),
            of("sev_", &s(&d["to"]), lang),
            s(&d["reason"])
        ),
        "resolved" => format!(
            "{}{sep}{}\n{}{sep}{}",
            w("root_cause", lang),
            s(&d["resolution"]["root_cause"]),
            w("fix", lang),
            s(&d["resolution"]["fix"])
        ),
        "closed" => format!(
            "{}{}",
            d["satisfaction"].as_u64().map(|n| format!("★{n} ")).unwrap_or_default(),
            s(&d["note"])
        ),
        "reopened" | "contested" => s(&d["reason"]),
        "cancelled" => format!("{} {}", of("cancel_", &s(&d["reason"]), lang), s(&d["note"])),
        "commented" => s(&d["text"]),
        "impact_graded" => format!("{} · {}", of("sev_", &s(&d["to"]), lang), s(&d["reason"])),
        "categorised" => format!(
            "{} → {}{}",
            d["from"].as_str().unwrap_or("—"),
            d["to"].as_str().unwrap_or("—"),
            d["reason"].as_str().map(|r| format!(" · {r}")).unwrap_or_default()
        ),
        "corrected" => s(&d["reason"]),
        "system_changed" => format!("→ {} · {}", s(&d["system"]), s(&d["reason"])),
        "claimed" | "requested" => r
            .claims
            .iter()
            .find(|c| c.seq == e.seq)
            .map(|c| c.summary.clone())
            .unwrap_or_default(),
        "decided" => format!(
            "{} #{} {}",
            of(
                "claim_",
                if d["approved"].as_bool() == Some(true) {
                    "approved"
                } else {
                    "rejected"
                },
                lang
            ),
            d["on"].as_i64().map_or(0, |i| i + 1),
            s(&d["note"])
        ),
        _ => String::new(),
    };
    line.trim().to_owned()
}

/// A notification's recipients, or that it had none.
pub fn recipients(n: &super::Notification, lang: Lang) -> String {
    if n.recipients.is_empty() {
        return w("no_recipients", lang);
    }
    n.recipients.join(lang.pick("、", ", "))
}

/// A notification's reason: the clock and the step (`修复 已超时 第 2 次`).
pub fn step(n: &super::Notification, lang: Lang) -> String {
    let clock = n.clock.as_deref().map(|c| labels::clock(c, lang)).unwrap_or_default();
    let step = n.step.as_deref().map(|s| labels::step(s, lang)).unwrap_or_default();
    let repeat = match (n.repeat, lang) {
        (0, _) => String::new(),
        (k, Lang::Zh) => format!(" 第 {k} 次"),
        (k, Lang::En) => format!(" #{k}"),
    };
    let copy = if n.english_copy {
        w("english_copy", lang)
    } else {
        String::new()
    };
    format!("{clock} {step}{repeat}{copy}").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_once_in_both_languages() {
        let mut seen = std::collections::BTreeSet::new();
        for (k, zh, en) in WORDS {
            assert!(seen.insert(*k), "{k} twice");
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(of("sev_", "urgent", Lang::Zh), "紧急");
        assert_eq!(of("sev_", "unknown", Lang::Zh), "unknown");
        assert_eq!(w("doc_title", Lang::En), "Incident report");
        // Every channel a notice goes by is named in Chinese: an SMS notice read "sms".
        for (channel, zh) in [("email", "邮件"), ("sms", "短信"), ("webhook", "消息推送")] {
            assert_eq!(of("ch_", channel, Lang::Zh), zh);
        }
    }

    #[test]
    fn lateness_names_working_and_wall_time_only_where_they_differ() {
        let clock = |overdue: i64, wall: Option<i64>| ReportClock {
            name: "repair".into(),
            calendar: "cn-5x8".into(),
            target: "4h".into(),
            targets: vec!["4h".into()],
            started_at: None,
            deadline: chrono::DateTime::UNIX_EPOCH,
            ended_at: None,
            state: "breached-met".into(),
            outcome: "breached".into(),
            overdue_seconds: overdue,
            overdue_wall_seconds: wall,
            paused_seconds: 0,
            provisional: false,
        };
        assert_eq!(outcome(&clock(3600, Some(3600)), Lang::Zh), "超时完成 1 小时");
        assert_eq!(
            outcome(&clock(7200, Some(93_600)), Lang::Zh),
            "超时完成 2 小时（工作时间），1 天 2 小时（自然时间）"
        );
        assert_eq!(
            outcome(&clock(7200, Some(93_600)), Lang::En),
            "Met late 2h 00m (working time); 1d 02h 00m (wall time)"
        );
    }

    #[test]
    fn a_person_is_named_with_their_user_name() {
        assert_eq!(person(Some("王工"), Some("eng_a"), Lang::Zh), "王工（eng_a）");
        assert_eq!(person(Some("eng_a"), Some("eng_a"), Lang::En), "eng_a");
        assert_eq!(person(None, None, Lang::Zh), "—");
    }
}

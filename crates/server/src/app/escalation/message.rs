//! What an escalation email says: subject, plain text and HTML, Chinese first and English below.
//!
//! ```text
//! Subject: [紧急] T-2026-0001 sy-001 区政务网站：修复 12 分钟后超时 | urgent: repair breaches in 12 min
//! ```
//!
//! Time left and time overdue are wall-clock time to or from the deadline, in whole minutes
//! ("1 h 5 min", "2 d 3 h"): what a person reading the mail can plan with. The deadline itself is
//! written in the calendar's zone, with the calendar's name, so a business-hours deadline that
//! lies tomorrow morning reads as such.

use chrono::{DateTime, TimeDelta, Utc};
use sla_clock::{Calendar, Severity, SlaDuration, Trigger};
use ticket_domain::ClockName;

/// The facts an escalation email is written from.
#[derive(Debug, Clone)]
pub struct StepFacts<'a> {
    /// `T-2026-0001`.
    pub ticket: &'a str,
    /// The ticket's title.
    pub title: &'a str,
    /// Its severity now.
    pub severity: Severity,
    /// The system's code.
    pub system_code: &'a str,
    /// The system's name.
    pub system_name: &'a str,
    /// The owning unit's name.
    pub unit_name: &'a str,
    /// Which clock.
    pub clock: ClockName,
    /// The clock's target.
    pub target: SlaDuration,
    /// The clock's deadline.
    pub deadline: DateTime<Utc>,
    /// Whether the deadline rests on days whose holidays are not published yet (said in the mail).
    pub provisional: bool,
    /// The calendar the clock runs on.
    pub calendar: &'a Calendar,
    /// The ladder step's id.
    pub step: &'a str,
    /// The ladder step's trigger.
    pub trigger: Trigger,
    /// 0, or the repeat after breach.
    pub repeat: u32,
    /// When the email is written.
    pub now: DateTime<Utc>,
    /// Where the ticket can be opened.
    pub link: &'a str,
    /// Roles nobody holds, mentioned so that readers know who else did not hear.
    pub unfilled: &'a [&'a str],
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The plain-text alternative.
    pub text: String,
    /// The HTML alternative.
    pub html: String,
}

/// `1 h 5 min`, `12 min`, `2 d 3 h` (whole minutes, rounded down; the two largest units).
pub fn span_en(d: TimeDelta) -> String {
    let (days, hours, mins) = parts(d);
    match (days, hours, mins) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// `1 小时 5 分钟`, `12 分钟`, `2 天 3 小时`.
pub fn span_zh(d: TimeDelta) -> String {
    let (days, hours, mins) = parts(d);
    match (days, hours, mins) {
        (0, 0, m) => format!("{m} 分钟"),
        (0, h, 0) => format!("{h} 小时"),
        (0, h, m) => format!("{h} 小时 {m} 分钟"),
        (d, 0, _) => format!("{d} 天"),
        (d, h, _) => format!("{d} 天 {h} 小时"),
    }
}

fn parts(d: TimeDelta) -> (i64, i64, i64) {
    let m = d.num_minutes().max(0);
    (m / 1440, m % 1440 / 60, m % 60)
}

/// The state of the clock in a few words, in both languages.
fn state(f: &StepFacts<'_>) -> (String, String) {
    let clock_zh = f.clock.label_zh();
    let clock_en = f.clock.key();
    if f.now > f.deadline {
        let over = f.now - f.deadline;
        if over < TimeDelta::minutes(1) {
            (format!("{clock_zh}已超时"), format!("{clock_en} has just breached"))
        } else {
            (
                format!("{clock_zh}已超时 {}", span_zh(over)),
                format!("{clock_en} overdue by {}", span_en(over)),
            )
        }
    } else {
        let left = f.deadline - f.now;
        (
            format!("{clock_zh} {}后超时", span_zh(left)),
            format!("{clock_en} breaches in {}", span_en(left)),
        )
    }
}

fn step_words(f: &StepFacts<'_>) -> (String, String) {
    match f.trigger {
        Trigger::Share { percent } => (
            format!("{}（时限已用 {percent}%）", f.step),
            format!("{} ({percent}% of the time used)", f.step),
        ),
        Trigger::Breach => (format!("{}（超时）", f.step), format!("{} (breach)", f.step)),
        Trigger::AfterBreach { every, limit } => (
            format!("{}（超时后每 {every} 提醒，第 {}/{limit} 次）", f.step, f.repeat),
            format!(
                "{} (every {every} after breach, reminder {} of {limit})",
                f.step, f.repeat
            ),
        ),
    }
}

/// Writes the email for a due ladder step.
pub fn render(f: &StepFacts<'_>) -> Rendered {
    let (state_zh, state_en) = state(f);
    let (step_zh, step_en) = step_words(f);
    let deadline = f.calendar.local(f.deadline).format("%Y-%m-%d %H:%M");
    let (provisional_zh, provisional_en) = if f.provisional {
        (
            "；暂定：下一年节假日安排尚未发布，按每周工作安排暂算，发布后重新计算",
            "; provisional: next year's holidays are not published yet, counted with the weekly schedule, measured again once they are",
        )
    } else {
        ("", "")
    };
    // When the message was written: a message delayed by a mail outage still reads true.
    let written = f.calendar.local(f.now).format("%Y-%m-%d %H:%M");
    let zone = f.calendar.zone();
    let cal = f.calendar.name();
    let subject = format!(
        "[{sev_zh}] {t} {code} {sys}：{state_zh} | {sev_en}: {state_en}",
        sev_zh = f.severity.label_zh(),
        sev_en = f.severity.key(),
        t = f.ticket,
        code = f.system_code,
        sys = f.system_name,
    );
    let unfilled_zh = if f.unfilled.is_empty() {
        String::new()
    } else {
        format!("未找到以下角色的收件人：{}\n", f.unfilled.join("、"))
    };
    let unfilled_en = if f.unfilled.is_empty() {
        String::new()
    } else {
        format!("Nobody holds these roles for this ticket: {}\n", f.unfilled.join(", "))
    };
    let rows_zh = [
        ("工单", format!("{}「{}」", f.ticket, f.title)),
        (
            "系统",
            format!("{} {}（{}）", f.system_code, f.system_name, f.unit_name),
        ),
        ("严重程度", f.severity.label_zh().to_owned()),
        (
            "时限",
            format!(
                "{}目标 {}，截止 {deadline}（{zone}，日历 {cal}{provisional_zh}）",
                f.clock.label_zh(),
                f.target
            ),
        ),
        ("状态", format!("{state_zh}（截至 {written}）")),
        ("升级步骤", step_zh),
    ];
    let rows_en = [
        ("Ticket", format!("{} \"{}\"", f.ticket, f.title)),
        (
            "System",
            format!("{} {} ({})", f.system_code, f.system_name, f.unit_name),
        ),
        ("Severity", f.severity.key().to_owned()),
        (
            "Deadline",
            format!(
                "{} target {}, due {deadline} ({zone}, calendar {cal}{provisional_en})",
                f.clock.key(),
                f.target
            ),
        ),
        ("Status", format!("{state_en} (as of {written})")),
        ("Escalation step", step_en),
    ];
    let mut text = String::new();
    for (k, v) in &rows_zh {
        text.push_str(&format!("{k}：{v}\n"));
    }
    text.push_str(&format!("查看工单：{}\n{unfilled_zh}\n-- English --\n", f.link));
    for (k, v) in &rows_en {
        text.push_str(&format!("{k}: {v}\n"));
    }
    text.push_str(&format!("Open the ticket: {}\n{unfilled_en}", f.link));

    let table = |rows: &[(&str, String)]| {
        rows.iter()
            .map(|(k, v)| format!("<tr><th align=\"left\">{}</th><td>{}</td></tr>", escape(k), escape(v)))
            .collect::<String>()
    };
    let colour = if f.now > f.deadline { "#b91c1c" } else { "#b45309" };
    let html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif\">\
         <p style=\"font-size:1.2em;color:{colour}\"><strong>{szh}</strong></p>\
         <table cellpadding=\"4\">{tzh}</table>\
         <p><a href=\"{link}\">查看工单 {ticket}</a></p>{uzh}\
         <hr><div lang=\"en\"><p style=\"color:{colour}\"><strong>{sen}</strong></p>\
         <table cellpadding=\"4\">{ten}</table>\
         <p><a href=\"{link}\">Open ticket {ticket}</a></p>{uen}</div></body></html>",
        title = escape(&subject),
        szh = escape(&state_zh),
        sen = escape(&state_en),
        tzh = table(&rows_zh),
        ten = table(&rows_en),
        link = escape(f.link),
        ticket = escape(f.ticket),
        uzh = para(&unfilled_zh),
        uen = para(&unfilled_en),
    );
    Rendered { subject, text, html }
}

fn para(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>", escape(s.trim_end()))
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn facts<'a>(cal: &'a Calendar, now: &str, trigger: Trigger) -> StepFacts<'a> {
        StepFacts {
            ticket: "T-2026-0001",
            title: "门户 <首页> 打不开",
            severity: Severity::Urgent,
            system_code: "sy-001",
            system_name: "区政务网站",
            unit_name: "区经信局",
            clock: ClockName::Repair,
            target: "4h".parse().unwrap(),
            deadline: at("2026-11-23T14:00:00+08:00"),
            provisional: false,
            calendar: cal,
            step: "warning",
            trigger,
            repeat: 0,
            now: at(now),
            link: "http://127.0.0.1:8080/tickets/T-2026-0001",
            unfilled: &[],
        }
    }

    #[test]
    fn spans_read_in_both_languages() {
        assert_eq!(span_en(TimeDelta::minutes(12)), "12 min");
        assert_eq!(span_en(TimeDelta::minutes(65)), "1 h 5 min");
        assert_eq!(span_en(TimeDelta::minutes(120)), "2 h");
        assert_eq!(span_en(TimeDelta::minutes(3 * 1440 + 61)), "3 d 1 h");
        assert_eq!(span_en(TimeDelta::seconds(59)), "0 min");
        assert_eq!(span_zh(TimeDelta::minutes(65)), "1 小时 5 分钟");
        assert_eq!(span_zh(TimeDelta::minutes(2 * 1440)), "2 天");
    }

    #[test]
    fn subject_says_time_left_or_overdue() {
        let cal = sla_clock::builtin::calendar("24x7").unwrap();
        let warn = render(&facts(
            &cal,
            "2026-11-23T13:48:00+08:00",
            Trigger::Share { percent: 80 },
        ));
        assert_eq!(
            warn.subject,
            "[紧急] T-2026-0001 sy-001 区政务网站：修复 12 分钟后超时 | urgent: repair breaches in 12 min"
        );
        let late = render(&facts(&cal, "2026-11-23T15:05:30+08:00", Trigger::Breach));
        assert!(
            late.subject
                .ends_with("修复已超时 1 小时 5 分钟 | urgent: repair overdue by 1 h 5 min")
        );
        let just = render(&facts(&cal, "2026-11-23T14:00:00.001+08:00", Trigger::Breach));
        assert!(
            just.subject.ends_with("| urgent: repair has just breached"),
            "{}",
            just.subject
        );
    }

    #[test]
    fn bodies_put_chinese_first_and_escape_html() {
        let cal = sla_clock::builtin::calendar("24x7").unwrap();
        let r = render(&facts(
            &cal,
            "2026-11-23T13:48:00+08:00",
            Trigger::Share { percent: 80 },
        ));
        let zh = r.text.find("截止 2026-11-23 14:00").unwrap();
        let en = r.text.find("due 2026-11-23 14:00").unwrap();
        assert!(zh < r.text.find("-- English --").unwrap() && r.text.find("-- English --").unwrap() < en);
        assert!(r.text.contains("warning (80% of the time used)"));
        assert!(
            r.text.contains("状态：修复 12 分钟后超时（截至 2026-11-23 13:48）"),
            "{}",
            r.text
        );
        assert!(
            r.text
                .contains("Status: repair breaches in 12 min (as of 2026-11-23 13:48)")
        );
        assert!(r.html.contains("门户 &lt;首页&gt; 打不开"));
        assert!(!r.html.contains("<首页>"));
        assert!(r.html.contains("href=\"http://127.0.0.1:8080/tickets/T-2026-0001\""));
        assert!(!r.text.contains("暂定"), "a final deadline is not called provisional");
    }

    #[test]
    fn a_provisional_deadline_says_so_in_both_languages() {
        let cal = sla_clock::builtin::calendar("cn-5x8").unwrap();
        let mut f = facts(&cal, "2026-11-23T13:48:00+08:00", Trigger::Breach);
        f.provisional = true;
        let r = render(&f);
        assert!(
            r.text.contains("日历 cn-5x8；暂定：下一年节假日安排尚未发布"),
            "{}",
            r.text
        );
        assert!(
            r.text.contains("calendar cn-5x8; provisional: next year's holidays"),
            "{}",
            r.text
        );
        assert!(r.html.contains("暂定"));
    }
}

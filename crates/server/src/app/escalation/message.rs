//! What an escalation email says: what happened, what to do and who is on it, in Chinese, with an
//! English copy below for the readers who ask for it (`users.mail_english`, see
//! [`Rendered::for_reader`]), readable on a phone.
//!
//! ```text
//! Subject: [紧急] T-2026-0001 sy-001 区政务网站：修复 12 分钟后超时（时限已用 80%）
//! ```
//!
//! The subject carries the step, so that two steps that fall due together (a 50 % and an 80 %
//! step queued late, after an outage) arrive as two mails with two subjects. A step sent later
//! than it fell due says when it fell due ("本提醒应于 03:14 发出（时限已用 50%），补发").
//!
//! The body opens with what to do now — for a response clock 「请立即响应：打开工单，点击「响应」」,
//! once breached 「已超时，请立即响应，并在工单中说明超时原因」 — then the assignee (or 「未分派」,
//! asking the on-duty people to take it) and the on-duty contacts: the people the duty roster puts
//! on duty for the system now (until when), else the holders of the `on_duty` role.
//!
//! Targets are written in the contracts' words in the Chinese copy (`4 小时`, `7 个工作日`,
//! [`crate::app::vocab::duration`]) and as configured in the English one (`4h`, `7wd`).
//! Time left and time overdue are wall-clock time to or from the deadline, in whole minutes
//! ("1 h 5 min", "2 d 3 h"): what a person reading the mail can plan with. The deadline itself is
//! written in the calendar's zone, with the calendar's name, so a business-hours deadline that
//! lies tomorrow morning reads as such. The link opens the ticket's page (`/tickets/{number}`),
//! through the sign-in page and back when the reader is signed out.

use chrono::{DateTime, TimeDelta, Utc};
use sla_clock::{Calendar, Severity, SlaDuration, Trigger};
use ticket_domain::ClockName;

use crate::app::vocab;

/// A person an email names: the assignee or someone on duty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Their display name.
    pub name: String,
    /// Their address, if they have one.
    pub email: Option<String>,
    /// Until when they are on duty (a roster's shift end); `None` for the assignee or a holder
    /// of the `on_duty` role without a roster.
    pub until: Option<DateTime<Utc>>,
}

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
    /// When the step fell due (a mail written later says so).
    pub due_at: DateTime<Utc>,
    /// When the email is written.
    pub now: DateTime<Utc>,
    /// Where the ticket's page can be opened.
    pub link: &'a str,
    /// Roles nobody holds, mentioned so that readers know who else did not hear.
    pub unfilled: &'a [&'a str],
    /// Who the ticket is assigned to, if anyone.
    pub assignee: Option<&'a Contact>,
    /// Who is on duty for the system now.
    pub on_duty: &'a [Contact],
}

/// A rendered email: the Chinese message, and the English copy a reader may ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line (Chinese only: a subject is read in a list, where one language is enough).
    pub subject: String,
    /// The plain-text alternative, in Chinese.
    pub text: String,
    /// The HTML alternative, in Chinese: a whole document.
    pub html: String,
    /// The same in English, appended below the Chinese for readers who asked for it.
    pub english: Option<EnglishCopy>,
}

/// The English copy of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnglishCopy {
    /// The plain text.
    pub text: String,
    /// An HTML fragment (no document around it).
    pub html: String,
}

impl Rendered {
    /// The plain text and HTML sent to a reader who asked for the English copy (`english`) or
    /// not. The Chinese comes first either way; the English follows under a rule:
    ///
    /// ```
    /// use opsclock::app::escalation::message::{EnglishCopy, Rendered};
    /// let r = Rendered {
    ///     subject: "[紧急] 工单".into(),
    ///     text: "已超时。\n".into(),
    ///     html: "<html><body><p>已超时。</p></body></html>".into(),
    ///     english: Some(EnglishCopy { text: "Breached.\n".into(), html: "<p>Breached.</p>".into() }),
    /// };
    /// assert_eq!(r.for_reader(false), ("已超时。\n".to_owned(), "<html><body><p>已超时。</p></body></html>".to_owned()));
    /// let (text, html) = r.for_reader(true);
    /// assert_eq!(text, "已超时。\n\n-- English --\nBreached.\n");
    /// assert_eq!(html, "<html><body><p>已超时。</p><hr><div lang=\"en\"><p>Breached.</p></div></body></html>");
    /// ```
    pub fn for_reader(&self, english: bool) -> (String, String) {
        match (&self.english, english) {
            (Some(en), true) => {
                let text = format!("{}\n-- English --\n{}", self.text, en.text);
                let copy = format!("<hr><div lang=\"en\">{}</div>", en.html);
                let html = match self.html.rfind("</body>") {
                    Some(i) => format!("{}{copy}{}", &self.html[..i], &self.html[i..]),
                    None => format!("{}{copy}", self.html),
                };
                (text, html)
            }
            _ => (self.text.clone(), self.html.clone()),
        }
    }
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

/// The step in a few words: `时限已用 80%`, `超时`, `超时后第 2/3 次提醒` (the step's id only in
/// the English copy, where the ladder's own words are read).
fn step_words(f: &StepFacts<'_>) -> (String, String) {
    match f.trigger {
        Trigger::Share { percent } => (
            format!("时限已用 {percent}%"),
            format!("{} ({percent}% of the time used)", f.step),
        ),
        Trigger::Breach => ("超时".to_owned(), format!("{} (breach)", f.step)),
        Trigger::AfterBreach { every, limit } => (
            format!(
                "超时后第 {}/{limit} 次提醒（每 {}）",
                f.repeat,
                vocab::duration::sla(every, vocab::Lang::Zh)
            ),
            format!(
                "{} (every {every} after breach, reminder {} of {limit})",
                f.step, f.repeat
            ),
        ),
    }
}

/// The step as the subject tags it: `（时限已用 80%）`, nothing for the breach itself (the state
/// says it), the reminder's count after a breach (`（第 2/8 次提醒）`).
fn subject_tag(f: &StepFacts<'_>) -> String {
    match f.trigger {
        Trigger::Share { percent } => format!("（时限已用 {percent}%）"),
        Trigger::Breach => String::new(),
        Trigger::AfterBreach { limit, .. } => format!("（第 {}/{limit} 次提醒）", f.repeat),
    }
}

/// What the reader should do now, by clock and whether it has breached: the button to press on
/// the ticket's page is named as the page names it.
///
/// | clock | before the deadline | breached |
/// |---|---|---|
/// | response | 请立即响应：打开工单，点击「响应」 | 已超时，请立即响应，并在工单中说明超时原因 |
/// | arrival | 请尽快到场，到场后在工单上点击「到场」 | 已超时，请立即到场…… |
/// | repair | 请尽快恢复服务，恢复后在工单上点击「解决」 | 已超时，请立即恢复…… |
fn to_do(f: &StepFacts<'_>) -> (String, String) {
    let breached = f.now > f.deadline;
    let (zh, en) = match (f.clock, breached) {
        (ClockName::Response, false) => (
            "请立即响应：打开工单，点击「响应」。",
            "Please acknowledge now: open the ticket and press Acknowledge.",
        ),
        (ClockName::Response, true) => (
            "已超时，请立即响应（打开工单，点击「响应」），并在工单中说明超时原因。",
            "Overdue: acknowledge now (open the ticket, press Acknowledge) and note why it was late.",
        ),
        (ClockName::Arrival, false) => (
            "请尽快到场；到场后在工单上点击「到场」。",
            "Please get on site; once there, press Arrived on the ticket.",
        ),
        (ClockName::Arrival, true) => (
            "已超时，请立即到场（到场后在工单上点击「到场」），并在工单中说明超时原因。",
            "Overdue: get on site now (then press Arrived on the ticket) and note why it was late.",
        ),
        (ClockName::Repair, false) => (
            "请尽快恢复服务；恢复后在工单上点击「解决」，填写原因与处理。",
            "Please restore the service; then press Resolve on the ticket with the cause and fix.",
        ),
        (ClockName::Repair, true) => (
            "已超时，请立即恢复服务（恢复后在工单上点击「解决」），并在工单中说明超时原因。",
            "Overdue: restore the service now (then press Resolve on the ticket) and note why it was late.",
        ),
    };
    (zh.to_owned(), en.to_owned())
}

/// `张三（zhang@example.cn）`, with the shift's end for someone on duty by a roster.
fn person(c: &Contact, calendar: &Calendar, zh: bool) -> String {
    let mut out = c.name.clone();
    if let Some(e) = &c.email {
        out.push_str(&if zh { format!("（{e}）") } else { format!(" ({e})") });
    }
    if let Some(until) = c.until {
        let until = calendar.local(until).format("%m-%d %H:%M");
        out.push_str(&if zh {
            format!("，值班至 {until}")
        } else {
            format!(", on duty until {until}")
        });
    }
    out
}

/// Writes the email for a due ladder step.
pub fn render(f: &StepFacts<'_>) -> Rendered {
    let (state_zh, state_en) = state(f);
    let (step_zh, step_en) = step_words(f);
    let tag_zh = subject_tag(f);
    let (todo_zh, todo_en) = to_do(f);
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
    // The subject in Chinese only: the English copy, for who asked for it, is in the body.
    let subject = format!(
        "[{sev_zh}] {t} {code} {sys}：{state_zh}{tag_zh}",
        sev_zh = f.severity.label_zh(),
        t = f.ticket,
        code = f.system_code,
        sys = f.system_name,
    );
    let mut notes_zh = Vec::new();
    let mut notes_en = Vec::new();
    if f.now - f.due_at >= TimeDelta::minutes(1) {
        let due = f.calendar.local(f.due_at).format("%Y-%m-%d %H:%M");
        notes_zh.push(format!("本提醒应于 {due} 发出（{step_zh}），现补发。"));
        notes_en.push(format!("This reminder fell due at {due} ({step_en}) and is sent late."));
    }
    if !f.unfilled.is_empty() {
        notes_zh.push(format!("未找到以下角色的收件人：{}", f.unfilled.join("、")));
        notes_en.push(format!(
            "Nobody holds these roles for this ticket: {}",
            f.unfilled.join(", ")
        ));
    }
    let assignee_zh = f.assignee.map_or_else(
        || "未分派：请值班人员立即认领".to_owned(),
        |a| person(a, f.calendar, true),
    );
    let assignee_en = f.assignee.map_or_else(
        || "unassigned: whoever is on duty, please take it".to_owned(),
        |a| person(a, f.calendar, false),
    );
    let on_duty = |zh: bool| {
        if f.on_duty.is_empty() {
            return if zh {
                "未找到值班人员"
            } else {
                "nobody found on duty"
            }
            .to_owned();
        }
        let people: Vec<String> = f.on_duty.iter().map(|c| person(c, f.calendar, zh)).collect();
        people.join(if zh { "；" } else { "; " })
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
                vocab::duration::sla(f.target, vocab::Lang::Zh)
            ),
        ),
        ("状态", format!("{state_zh}（截至 {written}）")),
        ("处理人", assignee_zh),
        ("值班联系人", on_duty(true)),
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
        ("Assignee", assignee_en),
        ("On duty", on_duty(false)),
        ("Escalation step", step_en),
    ];
    let mut text = format!("{state_zh}。{todo_zh}\n查看并处理工单：{}\n\n", f.link);
    for (k, v) in &rows_zh {
        text.push_str(&format!("{k}：{v}\n"));
    }
    for n in &notes_zh {
        text.push_str(&format!("{n}\n"));
    }
    let mut text_en = format!("{state_en}. {todo_en}\nOpen the ticket: {}\n\n", f.link);
    for (k, v) in &rows_en {
        text_en.push_str(&format!("{k}: {v}\n"));
    }
    for n in &notes_en {
        text_en.push_str(&format!("{n}\n"));
    }

    let table = |rows: &[(&str, String)]| {
        rows.iter()
            .map(|(k, v)| {
                format!(
                    "<tr><th align=\"left\" valign=\"top\" style=\"white-space:nowrap\">{}</th><td>{}</td></tr>",
                    escape(k),
                    escape(v)
                )
            })
            .collect::<String>()
    };
    let paras = |notes: &[String]| notes.iter().map(|n| para(n)).collect::<String>();
    let colour = if f.now > f.deadline { "#b91c1c" } else { "#92400e" };
    let button = "display:inline-block;padding:10px 18px;background:#1d4ed8;color:#ffffff;\
                  text-decoration:none;border-radius:4px;font-weight:bold";
    let html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;margin:0;padding:12px;max-width:640px;line-height:1.5\">\
         <p style=\"font-size:1.2em;color:{colour};margin:0 0 8px\"><strong>{szh}</strong></p>\
         <p style=\"margin:0 0 12px\">{dzh}</p>\
         <p><a href=\"{link}\" style=\"{button}\">查看并处理工单 {ticket}</a></p>\
         <table cellpadding=\"4\" style=\"border-collapse:collapse;max-width:100%\">{tzh}</table>{nzh}\
         </body></html>",
        title = escape(&subject),
        szh = escape(&state_zh),
        dzh = escape(&todo_zh),
        tzh = table(&rows_zh),
        link = escape(f.link),
        ticket = escape(f.ticket),
        nzh = paras(&notes_zh),
    );
    let html_en = format!(
        "<p style=\"color:{colour}\"><strong>{sen}</strong></p><p>{den}</p>\
         <table cellpadding=\"4\" style=\"border-collapse:collapse;max-width:100%\">{ten}</table>\
         <p><a href=\"{link}\">Open ticket {ticket}</a></p>{nen}",
        sen = escape(&state_en),
        den = escape(&todo_en),
        ten = table(&rows_en),
        link = escape(f.link),
        ticket = escape(f.ticket),
        nen = paras(&notes_en),
    );
    Rendered {
        subject,
        text,
        html,
        english: Some(EnglishCopy {
            text: text_en,
            html: html_en,
        }),
    }
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
#[path = "message_tests.rs"]
mod tests;

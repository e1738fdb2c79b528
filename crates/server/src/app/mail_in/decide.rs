//! What to do with a message: a pure function of the message, the facts opsclock knows about it
//! and the mailbox's options. The order of the questions is the decision table of
//! `docs/mail-in.md`:
//!
//! 1. an automatic message (an auto-reply, a bounce, a list, one of opsclock's own) is ignored;
//! 2. a sender who is no enabled user is refused (and not answered: no backscatter);
//! 3. a reply to a ticket comments on it, or, its first line a keyword, acknowledges it;
//! 4. anything else opens a ticket on the system a rule or the unit names, or waits for triage.

use sla_clock::Severity;

use super::{Options, Parsed};

/// The longest title a ticket takes.
const TITLE_MAX: usize = 200;

/// What opsclock knows about a message besides the message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Its `Message-ID` is one opsclock gave a message it sent.
    pub own_message: bool,
    /// The enabled user whose address sent it (id, login name).
    pub sender: Option<(i64, String)>,
    /// Why the sender is refused though registered (a disabled account).
    pub sender_refused: Option<String>,
    /// The ticket it answers: named by a message it replies to, or by its number in the subject.
    pub thread: Option<String>,
    /// The systems of the mailbox's unit, else of the sender's unit (codes).
    pub unit_systems: Vec<String>,
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing, and why.
    Ignore(String),
    /// Nothing, and why: the sender may not write in.
    Refuse(String),
    /// Comment on the ticket as the sender.
    Comment {
        /// The ticket's number.
        ticket: String,
        /// The comment: the reply's text above the quoted message.
        text: String,
    },
    /// Acknowledge the ticket as the sender.
    Acknowledge {
        /// The ticket's number.
        ticket: String,
        /// The keyword found.
        keyword: String,
    },
    /// Open a ticket as the sender.
    Open {
        /// The system's code.
        system: String,
        /// The severity.
        severity: Severity,
        /// The title.
        title: String,
        /// The description.
        description: String,
        /// How the system was chosen.
        why: String,
    },
    /// Wait for someone to choose the system.
    Triage {
        /// The severity asked for.
        severity: Severity,
        /// The title.
        title: String,
        /// The description.
        description: String,
        /// Why no system was chosen.
        reason: String,
    },
}

/// Decides what to do with `m`.
pub fn decide(m: &Parsed, facts: &Facts, opts: &Options) -> Decision {
    if let Some(why) = automatic(m, facts) {
        return Decision::Ignore(why);
    }
    let Some(from) = m.from.as_deref() else {
        return Decision::Refuse("no From address".into());
    };
    if let Some(why) = &facts.sender_refused {
        return Decision::Refuse(why.clone());
    }
    if facts.sender.is_none() {
        return Decision::Refuse(format!("{from} is not the address of a user"));
    }
    let text = reply_text(&m.text);
    if let Some(ticket) = &facts.thread {
        // A keyword acts only for a sender the trusted mail server vouched for (DMARC); else
        // it is what anyone may write: a comment.
        let vouched = opts
            .trusted_authserv_id
            .as_deref()
            .is_some_and(|id| super::parse::vouched_by(&m.auth_results, id));
        if let Some(keyword) = ack_keyword(&text, &opts.ack_keywords).filter(|_| vouched) {
            return Decision::Acknowledge {
                ticket: ticket.clone(),
                keyword,
            };
        }
        if text.is_empty() {
            return Decision::Ignore(format!("a reply to {ticket} without text"));
        }
        return Decision::Comment {
            ticket: ticket.clone(),
            text,
        };
    }
    let severity = opts
        .severity_keywords
        .iter()
        .find(|(k, _)| m.subject.to_lowercase().contains(&k.to_lowercase()))
        .map_or(Severity::General, |(_, s)| *s);
    let title = title_of(&m.subject, &text);
    let description = m.text.clone();
    if let Some((i, rule)) = opts.rules.iter().enumerate().find(|(_, r)| r.holds(from, &m.subject)) {
        return Decision::Open {
            system: rule.system.clone(),
            severity,
            title,
            description,
            why: format!("rule {} ({})", i + 1, matcher_of(rule)),
        };
    }
    match facts.unit_systems.as_slice() {
        [only] => Decision::Open {
            system: only.clone(),
            severity,
            title,
            description,
            why: "the unit's only system".into(),
        },
        [] => Decision::Triage {
            severity,
            title,
            description,
            reason: "no rule matches and the sender has no unit with a system".into(),
        },
        many => Decision::Triage {
            severity,
            title,
            description,
            reason: format!("no rule matches and the unit has {} systems", many.len()),
        },
    }
}

/// Why `m` is automatic and must not be answered or acted on, if it is.
fn automatic(m: &Parsed, facts: &Facts) -> Option<String> {
    if !m.readable {
        return Some("not a readable message".into());
    }
    if let Some(a) = m.auto_submitted.as_deref().filter(|a| *a != "no") {
        return Some(format!("Auto-Submitted: {a}"));
    }
    if let Some(p) = m.precedence.as_deref().filter(|p| ["bulk", "junk", "list"].contains(p)) {
        return Some(format!("Precedence: {p}"));
    }
    if m.autoreply_header {
        return Some("an automatic reply (X-Autoreply)".into());
    }
    if m.null_return_path {
        return Some("a bounce (Return-Path: <>)".into());
    }
    if let Some(from) = m.from.as_deref() {
        let local = from.split('@').next().unwrap_or_default();
        if local == "mailer-daemon" || local == "postmaster" {
            return Some(format!("a bounce (from {from})"));
        }
    }
    if facts.own_message {
        return Some("one of opsclock's own messages".into());
    }
    None
}

/// The reply's own text: the lines above the quoted message (`> …`, `On … wrote:`, `-----Original
/// Message-----`, `------------------ 原始邮件 ------------------`, `发件人:` …), trimmed.
pub fn reply_text(text: &str) -> String {
    let mut own = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        let quote_starts = t.starts_with('>')
            || (t.starts_with("On ") && t.ends_with("wrote:"))
            || (t.starts_with('在') && (t.ends_with("写道：") || t.ends_with("写道:")))
            || t.contains("Original Message")
            || t.contains("原始邮件")
            || t.starts_with("发件人：")
            || t.starts_with("发件人:")
            || t.starts_with("From: ");
        if quote_starts {
            break;
        }
        own.push(line);
    }
    own.join("\n").trim().to_owned()
}

/// The keyword `text`'s first line is, punctuation aside, if it is one of `keywords`.
fn ack_keyword(text: &str, keywords: &[String]) -> Option<String> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let word = first.trim_end_matches(|c: char| c.is_ascii_punctuation() || "。！，、 ".contains(c));
    keywords
        .iter()
        .find(|k| k.to_lowercase() == word.to_lowercase())
        .cloned()
}

/// The title: the subject without `Re:`/`Fwd:`/`回复：`/`转发：` prefixes, else the text's first
/// line; at most 200 characters.
fn title_of(subject: &str, text: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_lowercase();
        let prefix = ["re:", "fw:", "fwd:", "回复:", "回复：", "转发:", "转发："]
            .iter()
            .find(|p| lower.starts_with(*p));
        match prefix {
            Some(p) => s = s[p.len()..].trim_start(),
            None => break,
        }
    }
    let title = if s.is_empty() {
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("(无主题)")
    } else {
        s
    };
    title.chars().take(TITLE_MAX).collect()
}

fn matcher_of(r: &super::Rule) -> String {
    match (&r.address, &r.subject) {
        (Some(a), Some(s)) => format!("address {a}, subject {s}"),
        (Some(a), None) => format!("address {a}"),
        (None, Some(s)) => format!("subject {s}"),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;

//! Mail in (issue 29): messages in the IMAP mailboxes of `[[mail_in]]` become tickets, comments
//! and acknowledgements, as the person who sent them.
//!
//! | file | what |
//! |---|---|
//! | [`parse`] | a message's bytes → [`Parsed`]: addresses, subject, text, loop headers, attachments |
//! | [`decide`] | what to do with it, from the message and the facts about it ([`Facts`]): pure |
//! | [`act`] | record it once, gather the facts, act as the sender, store the attachments, queue the reporter's answer |
//! | [`unread`] | a message too large to read, placed by its header; one the server keeps failing on, recorded for triage |
//! | [`triage`] | the messages no rule placed: list, open as a ticket on a system, dismiss; status |
//!
//! The IMAP side (connecting, IDLE, moving handled messages away) is `crate::mail::imap`.

pub mod act;
pub mod decide;
pub mod parse;
pub mod triage;
pub mod unread;

use serde::Deserialize;
use sla_clock::Severity;

pub use act::{Handled, handle};
pub use decide::{Decision, Facts, decide};
pub use parse::{MailFile, Parsed};
pub use unread::{give_up, handle_oversized};

/// A rule placing a new message on a system: by the sender's address, or by a keyword in the
/// subject. Rules are tried in order; the first that holds decides.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The sender's address, `*` standing for any run of characters (`*@jingban.gov.cn`),
    /// without regard to case.
    pub address: Option<String>,
    /// A word the subject contains, without regard to case (`门户`).
    pub subject: Option<String>,
    /// The system's code.
    pub system: String,
}

impl Rule {
    /// Whether the rule holds for a message from `from` about `subject`: each matcher it has.
    pub fn holds(&self, from: &str, subject: &str) -> bool {
        let address = self
            .address
            .as_deref()
            .is_none_or(|p| glob(&p.to_lowercase(), &from.to_lowercase()));
        let subject = self
            .subject
            .as_deref()
            .is_none_or(|k| subject.to_lowercase().contains(&k.to_lowercase()));
        address && subject && (self.address.is_some() || self.subject.is_some())
    }
}

/// Whether `text` matches `pattern`, in which `*` is any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// How one mailbox's messages are placed and read.
#[derive(Debug, Clone)]
pub struct Options {
    /// The mailbox's name (`[[mail_in]] name`): what its messages are recorded under.
    pub mailbox: String,
    /// The unit whose mailbox it is (its code), if it is one unit's.
    pub unit: Option<String>,
    /// The placing rules, in order.
    pub rules: Vec<Rule>,
    /// Words in the subject that set the severity, in order (the first found wins); without
    /// one, 一般 (general).
    pub severity_keywords: Vec<(String, Severity)>,
    /// Words that, alone on a reply's first line, acknowledge the ticket.
    pub ack_keywords: Vec<String>,
    /// The mail server whose `Authentication-Results` say the sender is who `From` says: a
    /// keyword acknowledges only with its `dmarc=pass` ([`parse::vouched_by`]).
    pub trusted_authserv_id: Option<String>,
}

impl Options {
    /// The default severity words: 紧急 urgent, 严重 serious, 轻微 minor.
    pub fn default_severity_keywords() -> Vec<(String, Severity)> {
        vec![
            ("紧急".to_owned(), Severity::Urgent),
            ("严重".to_owned(), Severity::Serious),
            ("轻微".to_owned(), Severity::Minor),
        ]
    }

    /// The default acknowledging words: 确认, 收到, ACK.
    pub fn default_ack_keywords() -> Vec<String> {
        ["确认", "收到", "ACK"].map(str::to_owned).to_vec()
    }

    /// A mailbox named `mailbox` with the default words and no rules.
    pub fn new(mailbox: impl Into<String>) -> Options {
        Options {
            mailbox: mailbox.into(),
            unit: None,
            rules: Vec::new(),
            severity_keywords: Options::default_severity_keywords(),
            ack_keywords: Options::default_ack_keywords(),
            trusted_authserv_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_addresses() {
        assert!(glob("*@jingban.gov.cn", "li@jingban.gov.cn"));
        assert!(!glob("*@jingban.gov.cn", "li@jingban.gov.cn.evil.example"));
        assert!(glob("ops-*@*.gov.cn", "ops-1@a.gov.cn"));
        assert!(glob("li@a.cn", "li@a.cn"));
        assert!(!glob("li@a.cn", "xli@a.cn"));
        assert!(!glob("a*a", "a"));
    }

    #[test]
    fn a_rule_holds_on_every_matcher_it_has() {
        let r = Rule {
            address: Some("*@UA.example".into()),
            subject: Some("门户".into()),
            system: "SA".into(),
        };
        assert!(r.holds("li@ua.example", "门户网站打不开"));
        assert!(!r.holds("li@ua.example", "邮件系统故障"));
        assert!(!r.holds("li@ub.example", "门户网站打不开"));
        let empty = Rule {
            address: None,
            subject: None,
            system: "SA".into(),
        };
        assert!(!empty.holds("li@ua.example", "x"));
    }
}

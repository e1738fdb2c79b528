//! Event notices: who hears of a ticket the moment something happens to it — not when a share
//! of its budget is gone (that is [`crate::app::escalation`]'s ladder), but when it is opened,
//! re-graded, resolved or reopened.
//!
//! The contracts ask for it: "通知相关责任人，上报事件至各关联方 … 对事件重新定级，重新报备"
//! (seed 000 L672: tell the responsible people, report to the parties, re-grade and re-file),
//! "用户反馈通知" (000 L438: tell the user), "通过短信、邮件进行报警通知" (000 L757: by SMS and
//! e-mail).
//!
//! # Rules
//!
//! A rule says on which event, for which severities and policies, whom to tell and by which
//! channels. Every matching rule applies; a person named by several is told once per channel.
//!
//! ```toml
//! [[notices.rules]]
//! on = "opened"                        # opened | regraded | resolved | reopened
//! severities = ["urgent", "serious"]   # default: every severity
//! policies = ["shunyi-a"]              # default: every policy
//! notify = ["on_duty", "assignee", "vendor_manager", "unit_head"]
//! channels = ["email", "sms"]          # default: ["email"]
//! ```
//!
//! `notify` takes the ladder's roles (`assignee`, `on_duty`, `vendor_manager`, `unit_head`,
//! `buyer_ops_lead`), `reporter` (who logged the ticket) and plain addresses. Without
//! `[[notices.rules]]` the built-in rules apply ([`Rules::builtin`], written out in
//! `config/opsclock.toml`).
//!
//! # The flow
//!
//! 1. A ticket write that records one of the four events also writes a row of `notice_queue`
//!    in its own transaction ([`queue_ticket_events`]): one cheap insert, nothing resolved yet.
//! 2. The sweep ([`sweep::run`], every `[escalation] sweep_every_secs`) takes each row, resolves
//!    the people with the ticket's severity and assignee as they are then, and in one
//!    transaction queues one outbox message per person and channel under the key
//!    `{ticket}/notice/{seq}/{channel}/{person}` and deletes the row. A message is queued once
//!    however many servers sweep, and the workers of each channel deliver it.
//! 3. A message to someone who may acknowledge an unacknowledged ticket carries a link that does
//!    it ([`crate::app::action_links`]).
//! 4. A non-urgent message to someone in their quiet hours for that channel ([`quiet`]) waits
//!    until they end; an urgent one goes at once.

pub mod message;
pub mod preferences;
pub mod quiet;
pub mod sweep;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use sla_clock::{Role, Severity};
use ticket_domain::Event;
use utoipa::ToSchema;

use crate::db::entities::{notice_queue, tickets};

/// The events that may owe notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeEvent {
    /// A ticket was opened.
    Opened,
    /// Its severity changed.
    Regraded,
    /// It was resolved.
    Resolved,
    /// It was reopened.
    Reopened,
}

impl NoticeEvent {
    /// All four.
    pub const ALL: [NoticeEvent; 4] = [
        NoticeEvent::Opened,
        NoticeEvent::Regraded,
        NoticeEvent::Resolved,
        NoticeEvent::Reopened,
    ];

    /// `opened`, `regraded`, `resolved` or `reopened`.
    pub fn key(self) -> &'static str {
        match self {
            NoticeEvent::Opened => "opened",
            NoticeEvent::Regraded => "regraded",
            NoticeEvent::Resolved => "resolved",
            NoticeEvent::Reopened => "reopened",
        }
    }

    /// The event of a key.
    pub fn of_key(key: &str) -> Option<NoticeEvent> {
        NoticeEvent::ALL.into_iter().find(|e| e.key() == key)
    }

    /// The notice event a ticket event is, if any.
    pub fn of(e: &Event) -> Option<NoticeEvent> {
        match e {
            Event::Opened { .. } => Some(NoticeEvent::Opened),
            Event::Regraded { .. } => Some(NoticeEvent::Regraded),
            Event::Resolved { .. } => Some(NoticeEvent::Resolved),
            Event::Reopened { .. } => Some(NoticeEvent::Reopened),
            _ => None,
        }
    }
}

/// A channel a notice goes by: the ladder steps' (`email`, `sms`), which is also the outbox's.
pub use sla_clock::Channel;

/// Whom a rule tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Who logged the ticket.
    Reporter,
    /// A ladder role.
    Role(Role),
    /// An address (email only).
    Address(String),
}

impl std::str::FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Target, String> {
        let s = s.trim();
        if s == "reporter" {
            return Ok(Target::Reporter);
        }
        if let Some(r) = Role::ALL.into_iter().find(|r| r.key() == s) {
            return Ok(Target::Role(r));
        }
        if s.contains('@') && !s.contains(char::is_whitespace) && !s.starts_with('@') && !s.ends_with('@') {
            return Ok(Target::Address(s.to_owned()));
        }
        let roles: Vec<&str> = Role::ALL.iter().map(|r| r.key()).collect();
        Err(format!(
            "{s:?} is neither reporter, a role ({}) nor an email address",
            roles.join(", ")
        ))
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Reporter => f.write_str("reporter"),
            Target::Role(r) => f.write_str(r.key()),
            Target::Address(a) => f.write_str(a),
        }
    }
}

/// One rule as written in the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    /// `opened`, `regraded`, `resolved` or `reopened`.
    pub on: NoticeEvent,
    /// The severities it applies to (`urgent`, `serious`, `general`, `minor`) [default: all].
    #[serde(default)]
    pub severities: Vec<String>,
    /// The policies (codes) it applies to [default: all].
    #[serde(default)]
    pub policies: Vec<String>,
    /// `reporter`, roles and addresses.
    pub notify: Vec<String>,
    /// `email` and/or `sms` [default: email].
    #[serde(default)]
    pub channels: Vec<Channel>,
}

/// A checked rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The event.
    pub on: NoticeEvent,
    /// The severities, empty for all.
    pub severities: Vec<Severity>,
    /// The policy codes, empty for all.
    pub policies: Vec<String>,
    /// Whom.
    pub notify: Vec<Target>,
    /// By what.
    pub channels: Vec<Channel>,
}

impl Rule {
    /// Whether the rule applies to `event` on a ticket of `policy` at `severity`.
    pub fn applies(&self, event: NoticeEvent, policy: &str, severity: Severity) -> bool {
        self.on == event
            && (self.severities.is_empty() || self.severities.contains(&severity))
            && (self.policies.is_empty() || self.policies.iter().any(|p| p == policy))
    }
}

/// The notice rules in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// The rules.
    pub rules: Vec<Rule>,
    /// How long a link in a message acts.
    pub link_valid: chrono::TimeDelta,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules::builtin()
    }
}

/// `[notices]` in `opsclock.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticesConfig {
    /// The rules; absent = the built-in ones.
    pub rules: Option<Vec<RuleDoc>>,
    /// Hours a link in a message acts [default: 24].
    pub link_hours: Option<u32>,
}

/// The built-in rules as documents (see [`Rules::builtin`]).
pub fn builtin_docs() -> Vec<RuleDoc> {
    let doc = |on, severities: &[&str], notify: &[&str], channels: &[Channel]| RuleDoc {
        on,
        severities: severities.iter().map(|s| (*s).to_owned()).collect(),
        policies: Vec::new(),
        notify: notify.iter().map(|s| (*s).to_owned()).collect(),
        channels: channels.to_vec(),
    };
    let responsible = ["assignee", "on_duty", "vendor_manager", "unit_head"];
    vec![
        doc(
            NoticeEvent::Opened,
            &["urgent", "serious"],
            &responsible,
            &[Channel::Email, Channel::Sms],
        ),
        doc(
            NoticeEvent::Opened,
            &["general", "minor"],
            &["assignee", "on_duty"],
            &[Channel::Email],
        ),
        doc(NoticeEvent::Regraded, &[], &responsible, &[Channel::Email]),
        doc(NoticeEvent::Resolved, &[], &["reporter"], &[Channel::Email]),
        doc(
            NoticeEvent::Reopened,
            &[],
            &["assignee", "vendor_manager"],
            &[Channel::Email],
        ),
    ]
}

impl Rules {
    /// The built-in rules: an urgent or serious ticket opened → the assignee, the people on duty,
    /// the vendor's managers and the unit's head, by email and SMS; a general or minor one → the
    /// assignee and the people on duty, by email; re-graded → the first four again (re-filing,
    /// 000 L672); resolved → the reporter, asking to confirm (000 L438); reopened → the assignee
    /// and the vendor's managers. Links act for 24 hours.
    pub fn builtin() -> Rules {
        Rules::from_config(&NoticesConfig::default()).expect("the built-in notice rules are valid")
    }

    /// No rules: nobody is told of events (only the ladders escalate).
    pub fn none() -> Rules {
        Rules {
            rules: Vec::new(),
            ..Rules::builtin()
        }
    }

    /// The rules of `[notices]`, or what is wrong with them, naming the field
    /// (`notices.rules[1].notify[0]: …`).
    ///
    /// ```
    /// use opsclock::app::notices::{NoticesConfig, Rules};
    /// let cfg: NoticesConfig = toml::from_str(r#"
    ///     [[rules]]
    ///     on = "opened"
    ///     severities = ["urgent"]
    ///     notify = ["vendor_manager", "noc@example.gov.cn"]
    ///     channels = ["email", "sms"]
    /// "#).unwrap();
    /// assert_eq!(Rules::from_config(&cfg).unwrap().rules.len(), 1);
    /// let bad: NoticesConfig = toml::from_str(r#"
    ///     [[rules]]
    ///     on = "opened"
    ///     severities = ["urgnet"]
    ///     notify = ["assignee"]
    /// "#).unwrap();
    /// let e = Rules::from_config(&bad).unwrap_err();
    /// assert!(e.starts_with("notices.rules[0].severities[0]"), "{e}");
    /// ```
    pub fn from_config(cfg: &NoticesConfig) -> Result<Rules, String> {
        let docs = cfg.rules.clone().unwrap_or_else(builtin_docs);
        let mut rules = Vec::with_capacity(docs.len());
        for (i, d) in docs.iter().enumerate() {
            let field = |f: &str| format!("notices.rules[{i}].{f}");
            let severities = d
                .severities
                .iter()
                .enumerate()
                .map(|(j, s)| {
                    Severity::ALL
                        .into_iter()
                        .find(|v| v.key() == s.as_str())
                        .ok_or_else(|| {
                            format!(
                                "{}: {s:?} is not a severity; expected one of: urgent, serious, general, minor",
                                field(&format!("severities[{j}]"))
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if d.notify.is_empty() {
                return Err(format!("{}: names nobody", field("notify")));
            }
            let notify = d
                .notify
                .iter()
                .enumerate()
                .map(|(j, t)| {
                    t.parse::<Target>()
                        .map_err(|e| format!("{}: {e}", field(&format!("notify[{j}]"))))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut channels = if d.channels.is_empty() {
                vec![Channel::Email]
            } else {
                d.channels.clone()
            };
            channels.sort();
            channels.dedup();
            rules.push(Rule {
                on: d.on,
                severities,
                policies: d.policies.clone(),
                notify,
                channels,
            });
        }
        let hours = cfg.link_hours.unwrap_or(24);
        if !(1..=24 * 14).contains(&hours) {
            return Err(format!(
                "notices.link_hours: {hours} is out of range; a link acts for 1 to 336 hours"
            ));
        }
        Ok(Rules {
            rules,
            link_valid: chrono::TimeDelta::hours(i64::from(hours)),
        })
    }

    /// The rules that apply to `event` on a ticket of `policy` at `severity`.
    pub fn matching(&self, event: NoticeEvent, policy: &str, severity: Severity) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.applies(event, policy, severity))
    }

    /// The rules as documents (as `[[notices.rules]]` writes them).
    pub fn docs(&self) -> Vec<RuleDoc> {
        self.rules
            .iter()
            .map(|r| RuleDoc {
                on: r.on,
                severities: r.severities.iter().map(|s| s.key().to_owned()).collect(),
                policies: r.policies.clone(),
                notify: r.notify.iter().map(ToString::to_string).collect(),
                channels: r.channels.clone(),
            })
            .collect()
    }
}

/// Records, in the ticket write's own transaction, the events of `row` that may owe notices, for
/// the sweep to resolve ([`sweep::run`]), each with the severity it left the ticket at. One
/// insert (`ON CONFLICT DO NOTHING`); an event that owes none under the rules is dropped by the
/// sweep. `severity_before` is the ticket's severity before `events` (`None` for a new ticket):
/// a re-grade the other party approved (a decision, not a `regraded` event) is a re-grade too.
pub async fn queue_ticket_events(
    db: &impl ConnectionTrait,
    row: &tickets::Model,
    events: &[(i32, &Event)],
    severity_before: Option<Severity>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    insert_queued(db, queued_rows(row, events, severity_before, now)).await
}

/// The rows [`queue_ticket_events`] inserts (for a write of many tickets, [`insert_queued`]
/// inserts theirs together).
pub fn queued_rows(
    row: &tickets::Model,
    events: &[(i32, &Event)],
    severity_before: Option<Severity>,
    now: DateTime<Utc>,
) -> Vec<notice_queue::ActiveModel> {
    let after: Severity = *row.severity;
    let mut rows: Vec<notice_queue::ActiveModel> = Vec::new();
    let mut push = |seq: i32, n: NoticeEvent, severity: Severity, at: DateTime<Utc>| {
        rows.push(notice_queue::ActiveModel {
            ticket_id: Set(row.id),
            seq: Set(seq),
            event: Set(n.key().to_owned()),
            severity: Set(severity.key().to_owned()),
            at: Set(at),
            created_at: Set(now),
            ..Default::default()
        })
    };
    let mut regraded = false;
    for (seq, e) in events {
        let severity = match e {
            Event::Opened { ticket, .. } => ticket.severity,
            Event::Regraded { to, .. } => {
                regraded = true;
                *to
            }
            _ => after,
        };
        if let Some(n) = NoticeEvent::of(e) {
            push(*seq, n, severity, e.at());
        }
    }
    if let (Some(before), Some((seq, last))) = (severity_before, events.last())
        && before != after
        && !regraded
    {
        push(*seq, NoticeEvent::Regraded, after, last.at());
    }
    rows
}

/// Inserts queued rows ([`queued_rows`]) in one statement; a row already queued is left as it is.
pub async fn insert_queued(db: &impl ConnectionTrait, rows: Vec<notice_queue::ActiveModel>) -> Result<(), DbErr> {
    if let Some(q) = queued_insert(rows) {
        q.exec_without_returning(db).await?;
    }
    Ok(())
}

/// The statement [`insert_queued`] runs (`None` for no rows), for a caller that sends it with
/// others ([`crate::db::together`]).
pub fn queued_insert(rows: Vec<notice_queue::ActiveModel>) -> Option<sea_orm::InsertMany<notice_queue::ActiveModel>> {
    if rows.is_empty() {
        return None;
    }
    Some(
        notice_queue::Entity::insert_many(rows).on_conflict(
            sea_orm::sea_query::OnConflict::columns([notice_queue::Column::TicketId, notice_queue::Column::Seq])
                .do_nothing()
                .to_owned(),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_rules_tell_the_responsible_people_of_an_urgent_ticket_by_sms_too() {
        let rules = Rules::builtin();
        let urgent: Vec<_> = rules.matching(NoticeEvent::Opened, "any", Severity::Urgent).collect();
        assert_eq!(urgent.len(), 1);
        assert_eq!(urgent[0].channels, vec![Channel::Email, Channel::Sms]);
        assert!(urgent[0].notify.contains(&Target::Role(Role::UnitHead)));
        let minor: Vec<_> = rules.matching(NoticeEvent::Opened, "any", Severity::Minor).collect();
        assert_eq!(minor[0].channels, vec![Channel::Email]);
        let resolved: Vec<_> = rules.matching(NoticeEvent::Resolved, "x", Severity::General).collect();
        assert_eq!(resolved[0].notify, vec![Target::Reporter]);
        assert_eq!(rules.link_valid, chrono::TimeDelta::hours(24));
    }

    #[test]
    fn a_rule_names_what_is_wrong_with_it() {
        let cfg = |notify: &str| NoticesConfig {
            rules: Some(vec![RuleDoc {
                on: NoticeEvent::Regraded,
                severities: vec![],
                policies: vec!["p".into()],
                notify: vec!["assignee".into(), notify.into()],
                channels: vec![],
            }]),
            link_hours: None,
        };
        let e = Rules::from_config(&cfg("boss")).unwrap_err();
        assert!(e.starts_with("notices.rules[0].notify[1]: \"boss\" is neither"), "{e}");
        let ok = Rules::from_config(&cfg("noc@example.gov.cn")).unwrap();
        assert_eq!(ok.rules[0].channels, vec![Channel::Email]);
        assert!(ok.rules[0].applies(NoticeEvent::Regraded, "p", Severity::Minor));
        assert!(!ok.rules[0].applies(NoticeEvent::Regraded, "q", Severity::Minor));
        let hours = NoticesConfig {
            rules: None,
            link_hours: Some(0),
        };
        assert!(
            Rules::from_config(&hours)
                .unwrap_err()
                .starts_with("notices.link_hours")
        );
    }
}

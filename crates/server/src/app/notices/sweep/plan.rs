//! Planning a page's notices: for each queued event, who is told, on which channel, in which
//! words, with which acknowledge link — decided from what the page read ([`super::Read`]), with
//! no statement run, so that the page can be written together ([`super::together`]) or, if that
//! fails, event by event ([`super::one`]).

use std::collections::BTreeMap;

use anyhow::anyhow;
use sea_orm::Set;
use sla_clock::Severity;
use ticket_domain::Event;

use super::super::message::{self, Facts};
use super::super::quiet::QuietHours;
use super::super::{Channel, NoticeEvent, Target};
use super::{Env, Read, may_be_acknowledged};
use crate::app::escalation::recipients::Directory;
use crate::db::entities::{action_links, notice_queue, outbox, ticket_events, users};

/// Who a message goes to.
#[derive(Debug, Clone)]
enum To<'a> {
    User(&'a users::Model),
    Address(String),
}

impl To<'_> {
    fn key(&self) -> String {
        match self {
            To::User(u) => format!("u{}", u.id),
            To::Address(a) => a.trim().to_lowercase(),
        }
    }
}

/// The messages of event `q`, decided from what its page read (`read`): no statement is run.
pub(super) fn plan(
    env: &Env<'_>,
    q: &notice_queue::Model,
    dir: &Directory,
    read: &Read<'_>,
) -> anyhow::Result<Vec<Message>> {
    let event = NoticeEvent::of_key(&q.event).ok_or_else(|| anyhow!("unknown notice event {:?}", q.event))?;
    let ticket = read
        .tickets
        .get(&q.ticket_id)
        .ok_or_else(|| anyhow!("ticket {} is gone", q.ticket_id))?;
    let system = read
        .systems
        .get(&ticket.system_id)
        .ok_or_else(|| anyhow!("system {} is gone", ticket.system_id))?;
    let policy = read.policies.get(&system.policy_id).cloned().unwrap_or_default();
    // The rules match the severity the event left the ticket at, not a later re-grade's.
    let severity: Severity = Severity::ALL
        .into_iter()
        .find(|s| s.key() == q.severity)
        .unwrap_or(*ticket.severity);
    let rules: Vec<_> = env.rules.matching(event, &policy, severity).collect();
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let contacts = read
        .contacts
        .get(&system.id)
        .ok_or_else(|| anyhow!("the contacts of system {} were not read", system.code))?;
    // Each person once per channel, whichever rules name them.
    let mut to: BTreeMap<(Channel, String), To<'_>> = BTreeMap::new();
    let mut unfilled = Vec::new();
    for rule in &rules {
        let mut people: Vec<To<'_>> = Vec::new();
        for t in &rule.notify {
            match t {
                Target::Reporter => match ticket.reporter_id.and_then(|id| dir.user(id)) {
                    Some(u) => people.push(To::User(u)),
                    None => unfilled.push("reporter".to_owned()),
                },
                Target::Role(role) => {
                    let holders = contacts.holders(ticket.assignee_id, *role);
                    if holders.is_empty() {
                        unfilled.push(role.key().to_owned());
                    }
                    people.extend(holders.into_iter().map(To::User));
                }
                Target::Address(a) => people.push(To::Address(a.clone())),
            }
        }
        for ch in &rule.channels {
            for p in &people {
                to.entry((*ch, p.key())).or_insert_with(|| p.clone());
            }
        }
    }
    unfilled.sort();
    unfilled.dedup();
    let events = read.events.get(&ticket.id).map(Vec::as_slice).unwrap_or_default();
    let detail = detail_of(events, q.seq);
    let may_ack = event != NoticeEvent::Resolved && may_be_acknowledged(ticket);
    let loaded = if may_ack {
        Some(crate::app::tickets::Loaded::of(ticket.clone(), events.to_vec()).map_err(|e| anyhow!("{e}"))?)
    } else {
        None
    };
    let mut messages = Vec::new();
    for ((channel, who), person) in &to {
        let key = format!("{}/notice/{}/{}/{who}", ticket.number, q.seq, channel.key());
        let user = match person {
            To::User(u) => Some(*u),
            To::Address(_) => None,
        };
        // A link only for who may acknowledge this ticket: by the same checks as the API's
        // acknowledge (scope, the permission table, the ticket's own vendor).
        let acks = match (user, &loaded) {
            (Some(u), Some(l)) if may_ack && !u.disabled => {
                let p = crate::app::auth::Principal::of(u).map_err(|e| anyhow!("{e}"))?;
                let seen = (system.unit_id, contacts.vendors());
                crate::app::tickets::read::may_act(&p, &l.row, l.ticket.status(), seen, "acknowledge").then_some(u)
            }
            _ => None,
        };
        let token = acks.map(|_| match channel {
            Channel::Sms => crate::app::action_links::new_short_token(),
            Channel::Email => crate::app::action_links::new_token(),
        });
        let facts = Facts {
            event,
            number: &ticket.number,
            title: &ticket.title,
            severity,
            system_code: &system.code,
            system_name: &system.name,
            at: q.at,
            detail: detail.clone(),
            page: env.links.page(&ticket.number),
            ack_link: token.as_ref().map(|t| crate::app::action_links::url(env.links, t)),
            link_hours: env.rules.link_valid.num_hours(),
        };
        // Quiet hours hold back what is not urgent.
        let hold = match (severity, user) {
            (Severity::Urgent, _) | (_, None) => None,
            (_, Some(u)) => QuietHours::of(u.quiet_hours.as_ref()).hold_until(*channel, env.now),
        };
        let mut notes: Vec<String> = Vec::new();
        if !unfilled.is_empty() {
            notes.push(format!("nobody holds: {}", unfilled.join(", ")));
        }
        if let Some(t) = hold {
            notes.push(format!(
                "{} {}",
                crate::delivery::HELD_NOTE,
                t.with_timezone(&super::super::quiet::ZONE).format("%Y-%m-%d %H:%M")
            ));
        }
        let note = (!notes.is_empty()).then(|| notes.join("; "));
        let rows = match channel {
            Channel::Email => {
                let address = match person {
                    To::User(u) => u.email.clone(),
                    To::Address(a) => Some(a.clone()),
                };
                let Some(address) = address else { continue };
                let mail = message::render(&facts);
                let (text, html) = mail.for_reader(user.is_some_and(|u| u.mail_english));
                let row = outbox::ActiveModel {
                    message_id: Set(env.links.message_id(&key)),
                    dedup_key: Set(key.clone()),
                    kind: Set("notice".to_owned()),
                    ticket_id: Set(Some(ticket.id)),
                    step: Set(Some(event.key().to_owned())),
                    due_at: Set(q.created_at),
                    recipients: Set(serde_json::json!([address])),
                    note: Set(note),
                    subject: Set(mail.subject.clone()),
                    body_text: Set(text),
                    body_html: Set(html),
                    thread_id: Set(Some(env.links.thread_id(&ticket.number))),
                    status: Set(crate::db::Key(outbox::Status::Pending)),
                    attempts: Set(0),
                    next_attempt_at: Set(hold.unwrap_or(env.now)),
                    created_at: Set(env.now),
                    channel: Set(Channel::Email.key().to_owned()),
                    ..Default::default()
                };
                vec![row]
            }
            Channel::Sms => {
                // Only people with a number; an address alone has none.
                let Some(phone) = user.and_then(|u| u.phone.clone()) else {
                    continue;
                };
                let (head, title, link) = message::sms_parts(&facts);
                let url = facts.ack_link.clone().unwrap_or_else(|| facts.page.clone());
                let link = link.unwrap_or_else(|| facts.page.clone());
                let composed = crate::app::sms::text::compose(&crate::app::sms::text::Parts {
                    prefix: &head,
                    title: &title,
                    link: &link,
                    max_segments: 1,
                });
                // A long public_url can push even the head and the link past one segment: said.
                let note = match composed.segments.count {
                    1 => note,
                    n => Some(
                        note.into_iter()
                            .chain([format!("the text needs {n} segments (a long link)")])
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
                };
                let text = composed.text;
                let vars = crate::app::sms::ticket_vars(&ticket.number, &composed.title, url, event.key());
                let m = crate::app::sms::SmsMessage {
                    dedup_key: key.clone(),
                    kind: "notice".to_owned(),
                    ticket_id: Some(ticket.id),
                    phones: vec![phone],
                    text,
                    label: format!("{} {} {}", severity.label_zh(), ticket.number, event.key()),
                    vars,
                    due_at: q.created_at,
                    step: Some(event.key().to_owned()),
                    note,
                    not_before: hold,
                };
                crate::app::sms::rows(&m, env.now)?
            }
        };
        // The link's time runs from when the message may go (quiet hours hold it).
        let link = acks.zip(token).map(|(u, t)| {
            let from = hold.unwrap_or(env.now);
            crate::app::action_links::row(&t, u.id, ticket.id, &key, env.rules.link_valid, from, env.now)
        });
        messages.push(Message { rows, link });
    }
    Ok(messages)
}

/// One message a notice queues: its outbox rows (an email's one, a text's one per number) and
/// the acknowledge link it carries, if its reader may acknowledge.
pub(super) struct Message {
    pub(super) rows: Vec<outbox::ActiveModel>,
    pub(super) link: Option<action_links::ActiveModel>,
}

/// The event's own words (Chinese, English): the severities of a re-grade, the root cause and
/// fix of a resolution, the reason of a reopening.
/// `events` are the ticket's, `seq` the event's number.
fn detail_of(events: &[ticket_events::Model], seq: i32) -> Option<(String, String)> {
    let row = events.iter().find(|e| e.seq == seq)?;
    let Ok(e) = serde_json::from_value::<Event>(row.data.clone()) else {
        return None;
    };
    match e {
        Event::Regraded { from, to, reason, .. } => Some((
            format!("级别：{} → {}；原因：{reason}", from.label_zh(), to.label_zh()),
            format!("Severity: {} → {}; why: {reason}", from.key(), to.key()),
        )),
        Event::Resolved { resolution, .. } => Some((
            format!("原因：{}\n处理：{}", resolution.root_cause, resolution.fix),
            format!("Root cause: {}\nFix: {}", resolution.root_cause, resolution.fix),
        )),
        Event::Reopened { reason, .. } => Some((format!("原因：{reason}"), format!("Why: {reason}"))),
        _ => None,
    }
}

//! The notice sweep: turns each queued ticket event into its messages, once.
//!
//! The `notice_queue` rows are taken oldest first, up to 50 to a write transaction that locks
//! their tickets in id order (as every ticket write locks its ticket, and as the escalation
//! sweep locks its page). Each row, in a savepoint of its own, is deleted — the process whose
//! delete took it does the work, any other stops — the people the matching rules name are
//! resolved with the ticket as it is now, and one outbox message per person and channel is
//! queued under `{ticket}/notice/{seq}/{channel}/{person}` (`ON CONFLICT DO NOTHING`). A row that
//! fails is rolled back alone, for the next round; the others commit together, in one commit
//! instead of one each (after a storm of 10 000 tickets, 200 commits instead of 10 000).

use std::collections::BTreeMap;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use sla_clock::Severity;
use ticket_domain::Event;

use super::message::{self, Facts};
use super::quiet::QuietHours;
use super::{Channel, NoticeEvent, Rules, Target};
use crate::app::escalation::Links;
use crate::app::escalation::recipients::Directory;
use crate::db::entities::{notice_queue, outbox, policies, systems, ticket_events, tickets, users};

/// Rows per query.
const BATCH: u64 = 200;

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NoticeReport {
    /// Events looked at.
    pub events: usize,
    /// Messages queued.
    pub queued: usize,
    /// Events that failed (logged; tried again next round).
    pub failed: usize,
}

/// What the sweep needs to write notices.
pub struct Env<'a> {
    /// The database.
    pub db: &'a DatabaseConnection,
    /// The calendars (for who is on duty).
    pub calendars: &'a std::collections::BTreeMap<String, sla_clock::Calendar>,
    /// Links and message ids.
    pub links: &'a Links,
    /// The rules.
    pub rules: &'a Rules,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Queues the notices of every queued ticket event; `directory` is loaded once if needed.
pub async fn run(env: &Env<'_>, directory: &mut Option<Directory>) -> anyhow::Result<NoticeReport> {
    let mut report = NoticeReport::default();
    let mut failed: Vec<i64> = Vec::new();
    loop {
        let due = notice_queue::Entity::find()
            .filter(notice_queue::Column::Id.is_not_in(failed.clone()))
            .order_by_asc(notice_queue::Column::Id)
            .limit(BATCH)
            .all(env.db)
            .await?;
        if due.is_empty() {
            break;
        }
        let full = due.len() as u64 == BATCH;
        let dir = match directory.as_mut() {
            Some(d) => d,
            None => directory.insert(Directory::load(env.db).await?),
        };
        for chunk in due.chunks(PER_TRANSACTION) {
            if let Err(e) = page(env, chunk, dir, &mut report, &mut failed).await {
                tracing::error!(events = chunk.len(), error = %format!("{e:#}"), "cannot queue a page of notices");
                report.events += chunk.len();
                report.failed += chunk.len();
                failed.extend(chunk.iter().map(|q| q.id));
            }
        }
        if !full {
            break;
        }
    }
    Ok(report)
}

/// Events per write transaction: one commit (one fsync) for many events, while a request
/// waiting for SQLite's write lock waits for at most this many.
const PER_TRANSACTION: usize = 50;

/// Queues the notices of `chunk` in one write transaction: its tickets locked in id order (as
/// the escalation sweep locks them, so the two cannot deadlock on PostgreSQL), each event in a
/// savepoint of its own. An event that fails is rolled back alone, logged and left for the
/// next round; the others commit together. Counts into `report` only what committed.
async fn page(
    env: &Env<'_>,
    chunk: &[notice_queue::Model],
    dir: &Directory,
    report: &mut NoticeReport,
    failed: &mut Vec<i64>,
) -> anyhow::Result<()> {
    let _turn = crate::db::turn::take(env.db).await;
    let txn = crate::db::begin_write(env.db).await?;
    let mut ids: Vec<i64> = chunk.iter().map(|q| q.ticket_id).collect();
    ids.sort_unstable();
    ids.dedup();
    crate::app::tickets::lock_in_order(&txn, &ids).await?;
    let (mut queued, mut refused) = (0, Vec::new());
    for q in chunk {
        let savepoint = txn.begin().await?;
        match one(env, &savepoint, q, dir).await {
            Ok(n) => {
                savepoint.commit().await?;
                queued += n;
            }
            Err(e) => {
                savepoint.rollback().await?;
                refused.push((q, e));
            }
        }
    }
    txn.commit().await?;
    report.events += chunk.len();
    report.queued += queued;
    for (q, e) in refused {
        tracing::error!(ticket_id = q.ticket_id, seq = q.seq, error = %format!("{e:#}"), "cannot queue a ticket's notices");
        report.failed += 1;
        failed.push(q.id);
    }
    Ok(())
}

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

/// Queues the messages of event `q` in `txn` (a savepoint of [`page`]'s transaction, which
/// has locked its ticket); returns how many.
async fn one(
    env: &Env<'_>,
    txn: &DatabaseTransaction,
    q: &notice_queue::Model,
    dir: &Directory,
) -> anyhow::Result<usize> {
    let taken = notice_queue::Entity::delete_many()
        .filter(notice_queue::Column::Id.eq(q.id))
        .exec(txn)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(0); // another sweep took it
    }
    let event = NoticeEvent::of_key(&q.event).ok_or_else(|| anyhow!("unknown notice event {:?}", q.event))?;
    let ticket = tickets::Entity::find_by_id(q.ticket_id)
        .one(txn)
        .await?
        .ok_or_else(|| anyhow!("ticket {} is gone", q.ticket_id))?;
    let system = systems::Entity::find_by_id(ticket.system_id)
        .one(txn)
        .await?
        .ok_or_else(|| anyhow!("system {} is gone", ticket.system_id))?;
    let policy = policies::Entity::find_by_id(system.policy_id)
        .one(txn)
        .await?
        .map(|p| p.code)
        .unwrap_or_default();
    // The rules match the severity the event left the ticket at, not a later re-grade's.
    let severity: Severity = Severity::ALL
        .into_iter()
        .find(|s| s.key() == q.severity)
        .unwrap_or(*ticket.severity);
    let rules: Vec<_> = env.rules.matching(event, &policy, severity).collect();
    if rules.is_empty() {
        return Ok(0);
    }
    let contacts = dir.for_system(txn, env.calendars, &system, env.now).await?;
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
    let detail = detail_of(txn, q).await?;
    let may_ack = event != NoticeEvent::Resolved
        && ticket.acknowledged_at.is_none()
        && *ticket.status == ticket_domain::Status::New;
    let loaded = if may_ack {
        crate::app::tickets::load(txn, &ticket.number)
            .await
            .map_err(|e| anyhow!("{e}"))?
    } else {
        None
    };
    let mut queued = 0;
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
                crate::app::tickets::read::may_act(txn, &p, l, "acknowledge")
                    .await
                    .map_err(|e| anyhow!("{e}"))?
                    .then_some(u)
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
                t.with_timezone(&super::quiet::ZONE).format("%Y-%m-%d %H:%M")
            ));
        }
        let note = (!notes.is_empty()).then(|| notes.join("; "));
        let inserted = match channel {
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
                crate::delivery::insert_once(txn, row).await?
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
                crate::app::sms::queue(txn, m, env.now).await? > 0
            }
        };
        if inserted {
            queued += 1;
            if let (Some(u), Some(t)) = (acks, token) {
                // The link's time runs from when the message may go (quiet hours hold it).
                let from = hold.unwrap_or(env.now);
                crate::app::action_links::insert(txn, &t, u.id, ticket.id, &key, env.rules.link_valid, from, env.now)
                    .await?;
            }
        }
    }
    Ok(queued)
}

/// The event's own words (Chinese, English): the severities of a re-grade, the root cause and
/// fix of a resolution, the reason of a reopening.
async fn detail_of(db: &impl ConnectionTrait, q: &notice_queue::Model) -> anyhow::Result<Option<(String, String)>> {
    let Some(row) = ticket_events::Entity::find()
        .filter(ticket_events::Column::TicketId.eq(q.ticket_id))
        .filter(ticket_events::Column::Seq.eq(q.seq))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Ok(e) = serde_json::from_value::<Event>(row.data) else {
        return Ok(None);
    };
    Ok(match e {
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
    })
}

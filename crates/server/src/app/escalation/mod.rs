//! Escalation: which ladder a ticket uses, who its roles are, what the email says, and the sweep
//! that records each due step in the outbox exactly once.
//!
//! The flow, all in the database so that restarts and several replicas are safe:
//!
//! 1. Every ticket write stores, per clock, `next_due_at`: the earliest instant at which a ladder
//!    step not yet in the outbox is or becomes due ([`next_look`]).
//! 2. The [`sweep`] (every 30 s by default) takes the clocks whose `next_due_at` has passed, a
//!    page at a time, and for each page, in one transaction that first locks the page's tickets
//!    and then gives each clock a savepoint of its own ([`sweep_batch`]): evaluates the ladder
//!    with `sla-clock`, inserts one outbox row per due step under its unique identity
//!    `ticket/clock/step/repeat` ([`step_key`]), and advances `next_due_at`.
//! 3. The mailer ([`crate::mail`]) sends the outbox rows.

pub mod ladders;
pub mod message;
pub mod recipients;
pub mod sms;
pub mod summary;
pub mod sweep;
pub mod sweep_batch;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use sla_clock::{Calendar, Clock, ClockError, DueStep, Ladder, LadderEvaluation};

use crate::db::entities::outbox;

/// The outbox identity of a step: `T-2026-0001/repair/breach/0`.
pub fn step_key(ticket: &str, clock: &str, due: &DueStep) -> String {
    due.identity(&format!("{ticket}/{clock}"))
}

/// When the sweep must next look at a clock: the earliest due step not yet queued, else the
/// instant the next step becomes due.
pub fn next_look(
    ticket: &str,
    clock: &str,
    evaluation: &LadderEvaluation,
    queued: &HashSet<String>,
) -> Option<DateTime<Utc>> {
    evaluation
        .due
        .iter()
        .find(|d| !queued.contains(&step_key(ticket, clock, d)))
        .map(|d| d.due_at)
        .or(evaluation.next_due_at)
}

/// The steps of `ladder` due for `clock` at `at`, as [`Ladder::evaluate`] answers, and what it left
/// out: a step that cannot be computed (a stored `every 12000h after breach`, or repeats that ran
/// past the years the calendar counts) is skipped and described, so that the ladder's other steps
/// still escalate and the ticket can still be written. Only a clock that cannot be measured at
/// all (its own target cannot be counted) is an error.
///
/// ```
/// use opsclock::app::escalation::evaluate;
/// use sla_clock::{Clock, Ladder};
/// let cal = sla_clock::builtin::calendar("cn-5x8").unwrap();
/// let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
/// let ladder: Ladder = serde_json::from_value(serde_json::json!({"steps": [
///     {"id": "half", "when": "50%", "notify": ["assignee"]},
///     {"id": "yearly", "when": "every 12000h after breach, 1 times", "notify": ["unit_head"]}]})).unwrap();
/// let clock = Clock::start(at("2026-11-25T09:00:00+08:00"), "4h".parse().unwrap());
/// assert!(ladder.evaluate(&clock, &cal, at("2026-11-25T12:00:00+08:00")).is_err());
/// let (e, skipped) = evaluate(&ladder, &clock, &cal, at("2026-11-25T12:00:00+08:00")).unwrap();
/// assert_eq!(e.due.len(), 1); // 50 % of 4 h fell due at 11:00
/// assert!(skipped[0].starts_with("step \"yearly\""), "{skipped:?}");
/// ```
pub fn evaluate(
    ladder: &Ladder,
    clock: &Clock,
    calendar: &Calendar,
    at: DateTime<Utc>,
) -> Result<(LadderEvaluation, Vec<String>), ClockError> {
    let whole = match ladder.evaluate(clock, calendar, at) {
        Ok(e) => return Ok((e, Vec::new())),
        Err(e) => e,
    };
    // The clock's own measure failing is not the ladder's fault.
    clock.status(calendar, at)?;
    let mut out = LadderEvaluation {
        due: Vec::new(),
        next_due_at: None,
    };
    let mut skipped = Vec::new();
    for step in ladder.steps() {
        let one = Ladder::new(vec![step.clone()]).map(|l| l.evaluate(clock, calendar, at));
        match one {
            Ok(Ok(e)) => {
                out.due.extend(e.due);
                out.next_due_at = match (out.next_due_at, e.next_due_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            Ok(Err(e)) => skipped.push(format!("step {:?} ({}): {e}", step.id, step.when)),
            Err(e) => skipped.push(format!("step {:?}: {e}", step.id)),
        }
    }
    if skipped.is_empty() {
        // Every step alone answers, so the whole did too: nothing to isolate.
        return Err(whole);
    }
    out.due.sort_by_key(|d| d.due_at);
    Ok((out, skipped))
}

/// How far ahead of now a recorded event may be dated (clock skew, a resume typed a minute early).
const EVENT_SLACK: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

/// The instant a stored clock is read at: now, or its last event if that is dated up to a few
/// minutes ahead. Events further ahead are an exclusion window still to come or still running
/// (see `sla_clock::Clock::excluding`); reading at them would jump the ladder forward.
pub fn read_at(clock: &sla_clock::Clock, now: DateTime<Utc>) -> DateTime<Utc> {
    clock
        .events()
        .iter()
        .map(|e| e.at())
        .filter(|t| *t <= now + EVENT_SLACK)
        .fold(now, DateTime::max)
}

/// [`next_look`], but no later than the clock's next event after `at` (an exclusion window
/// starting or ending), so that the sweep re-evaluates the clock then.
pub fn next_look_or_event(
    next: Option<DateTime<Utc>>,
    clock: &sla_clock::Clock,
    at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let event = clock.events().iter().map(|e| e.at()).filter(|t| *t > at).min();
    match (next, event) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The outbox identities already recorded for a ticket.
pub async fn queued_keys(db: &impl ConnectionTrait, ticket_id: i64) -> Result<HashSet<String>, DbErr> {
    let keys: Vec<String> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::DedupKey)
        .filter(outbox::Column::TicketId.eq(ticket_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(keys.into_iter().collect())
}

/// The step of a ticket's clock a message is about.
#[derive(Debug, Clone)]
pub struct StepRef {
    /// The ticket's id.
    pub ticket_id: i64,
    /// The clock's name.
    pub clock: String,
    /// The ladder step's id.
    pub step: String,
    /// The repeat.
    pub repeat: u32,
}

/// A message to put in the outbox.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Its identity (see [`step_key`]); a second message with the same key is not queued.
    pub key: String,
    /// `escalation`, `summary` or `coverage` ([`crate::app::coverage`]).
    pub kind: &'static str,
    /// The escalation step, if it is one.
    pub step: Option<StepRef>,
    /// When it fell due.
    pub due_at: DateTime<Utc>,
    /// The addresses.
    pub recipients: Vec<String>,
    /// What the sender noticed (roles nobody holds).
    pub note: Option<String>,
    /// Subject and bodies.
    pub mail: message::Rendered,
    /// The thread it belongs to.
    pub thread_id: Option<String>,
    /// Files sent with it.
    pub attachments: Vec<crate::mail::Attachment>,
}

/// Queues `m` unless a message with its key is queued already; returns how many outbox rows it
/// wrote (0 when queued before). A message without recipients is parked as `failed` at once,
/// where admins see it.
///
/// The readers who asked for the English copy (`users.mail_english`) get it below the Chinese;
/// the others get the Chinese alone. Where both kinds of reader are among the recipients, the
/// message is queued as two rows: under its key for those who read Chinese only, under
/// `{key}/en` for the others, written in one statement, so both are queued or neither.
/// Addresses are matched to accounts trimmed and without regard to case, and an address given
/// twice in different case is sent to once.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    links: &Links,
    m: NewMessage,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let english = match m.mail.english {
        Some(_) if !m.recipients.is_empty() => english_readers(db).await?,
        _ => HashSet::new(),
    };
    Ok(crate::delivery::insert_all_once(db, outbox_rows(links, &m, &english, now)).await? as usize)
}

/// The outbox rows [`enqueue`] writes for `m`, given the addresses (trimmed, lower case) of the
/// readers who ask for the English copy ([`english_readers`]): one row, or two where both kinds
/// of reader are among the recipients. The sweep reads those readers once per batch and inserts
/// a clock's rows together.
pub fn outbox_rows(
    links: &Links,
    m: &NewMessage,
    english: &HashSet<String>,
    now: DateTime<Utc>,
) -> Vec<outbox::ActiveModel> {
    let mut seen = HashSet::new();
    let recipients: Vec<String> = m
        .recipients
        .iter()
        .map(|a| a.trim().to_owned())
        .filter(|a| seen.insert(a.to_lowercase()))
        .collect();
    // Without an English copy, everyone reads the Chinese.
    let nobody = HashSet::new();
    let english = if m.mail.english.is_some() { english } else { &nobody };
    let (with_english, chinese_only): (Vec<String>, Vec<String>) = recipients
        .iter()
        .cloned()
        .partition(|a| english.contains(&a.to_lowercase()));
    if with_english.is_empty() || chinese_only.is_empty() {
        let read_english = chinese_only.is_empty() && !with_english.is_empty();
        vec![row(links, m, m.key.clone(), recipients, read_english, now)]
    } else {
        vec![
            row(links, m, m.key.clone(), chinese_only, false, now),
            row(links, m, format!("{}/en", m.key), with_english, true, now),
        ]
    }
}

/// The addresses (trimmed, lower case) of the accounts that ask for the English copy.
pub async fn english_readers(db: &impl ConnectionTrait) -> Result<HashSet<String>, DbErr> {
    use crate::db::entities::users;
    let rows: Vec<Option<String>> = users::Entity::find()
        .select_only()
        .column(users::Column::Email)
        .filter(users::Column::MailEnglish.eq(true))
        .filter(users::Column::Email.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().flatten().map(|a| a.trim().to_lowercase()).collect())
}

fn row(
    links: &Links,
    m: &NewMessage,
    key: String,
    recipients: Vec<String>,
    english: bool,
    now: DateTime<Utc>,
) -> outbox::ActiveModel {
    use sea_orm::Set;
    let nobody = recipients.is_empty();
    let (text, html) = m.mail.for_reader(english);
    outbox::ActiveModel {
        message_id: Set(links.message_id(&key)),
        dedup_key: Set(key),
        kind: Set(m.kind.to_owned()),
        ticket_id: Set(m.step.as_ref().map(|s| s.ticket_id)),
        clock: Set(m.step.as_ref().map(|s| s.clock.clone())),
        step: Set(m.step.as_ref().map(|s| s.step.clone())),
        repeat: Set(m.step.as_ref().map(|s| s.repeat as i32)),
        due_at: Set(m.due_at),
        recipients: Set(serde_json::json!(recipients)),
        note: Set(m.note.clone()),
        subject: Set(m.mail.subject.clone()),
        body_text: Set(text),
        body_html: Set(html),
        thread_id: Set(m.thread_id.clone()),
        attachments: Set((!m.attachments.is_empty()).then(|| serde_json::json!(m.attachments))),
        status: Set(crate::db::Key(if nobody {
            crate::db::entities::outbox::Status::Failed
        } else {
            crate::db::entities::outbox::Status::Pending
        })),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(nobody.then(|| NO_RECIPIENTS.to_owned())),
        sent_at: Set(None),
        created_at: Set(now),
        channel: Set("email".to_owned()),
        subscription_id: Set(None),
        ..Default::default()
    }
}

/// The error of a message parked because nobody was to receive it.
pub const NO_RECIPIENTS: &str = "无收件人：该步骤的角色无人担任";

/// How links and message ids are written.
#[derive(Debug, Clone)]
pub struct Links {
    /// The address users open opsclock at, without a trailing slash.
    pub public_url: String,
    /// The domain part of `Message-ID`s.
    pub mail_domain: String,
}

impl Links {
    /// Links to `public_url` if given, else to `http://{listen}`; message ids in `mail_domain`.
    pub fn new(public_url: Option<&str>, listen: &str, mail_domain: String) -> Links {
        let base = public_url.map_or_else(|| format!("http://{listen}"), str::to_owned);
        Links {
            public_url: base.trim_end_matches('/').to_owned(),
            mail_domain,
        }
    }

    /// The web page of a ticket: what mails link to (signed out, it sends the reader to sign in
    /// and back, `/login?next=/tickets/{number}`).
    pub fn page(&self, number: &str) -> String {
        format!("{}/tickets/{number}", self.public_url)
    }

    /// The `Message-ID` (without brackets) of the message with outbox identity `key`.
    pub fn message_id(&self, key: &str) -> String {
        format!("{}@{}", key.replace('/', "."), self.mail_domain)
    }

    /// The id every message about a ticket refers to, so that mail clients thread them.
    pub fn thread_id(&self, number: &str) -> String {
        format!("{number}@{}", self.mail_domain)
    }
}

/// Resolves the recipients again for failed escalation messages that had none (the ones in
/// `ids`, or all): after an admin gives someone the missing role, a retry reaches them. Returns
/// how many messages now have recipients.
pub async fn readdress(
    db: &impl ConnectionTrait,
    calendars: &std::collections::BTreeMap<String, sla_clock::Calendar>,
    ids: Option<&[i64]>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, DbErr> {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};

    use crate::db::entities::{systems, tickets};
    let mut q = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(crate::db::Key(outbox::Status::Failed)))
        .filter(outbox::Column::Kind.eq("escalation"));
    if let Some(ids) = ids {
        q = q.filter(outbox::Column::Id.is_in(ids.iter().copied()));
    }
    let rows: Vec<outbox::Model> = q.all(db).await?;
    let directory = recipients::Directory::load(db).await?;
    let mut readdressed = 0;
    for row in rows {
        let empty = serde_json::from_value::<Vec<String>>(row.recipients.clone()).map_or(true, |r| r.is_empty());
        let (Some(ticket_id), Some(step_id), true) = (row.ticket_id, row.step.clone(), empty) else {
            continue;
        };
        let Some(ticket) = tickets::Entity::find_by_id(ticket_id).one(db).await? else {
            continue;
        };
        let Some(system) = systems::Entity::find_by_id(ticket.system_id).one(db).await? else {
            continue;
        };
        let ladder = ladders::for_ticket(db, &ticket).await?;
        let Some(step) = ladder.steps().iter().find(|s| s.id == step_id) else {
            continue;
        };
        let to = directory
            .for_system(db, calendars, &system, now)
            .await?
            .resolve(ticket.assignee_id, &step.notify);
        if to.addresses.is_empty() {
            continue;
        }
        let mut am = row.into_active_model();
        am.recipients = Set(serde_json::json!(to.addresses));
        am.note = Set(to.note());
        am.update(db).await?;
        readdressed += 1;
    }
    Ok(readdressed)
}

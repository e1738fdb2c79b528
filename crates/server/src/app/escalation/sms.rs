//! Ladder steps by SMS: a step whose `channels` name `sms` also texts each of its recipients
//! who has a mobile number, beside the step's email (`channels = ["email", "sms"]`; a step
//! without `channels` goes by email alone, as every ladder did before).
//!
//! - **One text a person, one segment.** The words are the notices' ([`crate::app::sms::text::compose`],
//!   one 70-unit segment for Chinese): the severity and what happened (`响应将超时`, `修复已超时`),
//!   the ticket's number, its title cut to fit, and the reader's own acknowledge link, never cut,
//!   or the ticket's page for a reader who gets none:
//!   `[一般]响应将超时 INC-2026-000001 fault on… 确认:https://ops.test/a/zU87A4MQj2Nx` (70 units;
//!   a text's link token is 12 characters, [`crate::app::action_links::new_short_token`]). A
//!   link too long for one segment with the head makes it two, and the title fills them.
//! - **Who.** The holders of the step's roles who have a number ([`SystemContacts::holders`], so
//!   the duty rosters for `on_duty`), each once however many roles they hold. A fixed address has
//!   no number, nor has a person without one: the step's email row says who got no text
//!   (`no sms: noc@bureau.example, 李四`).
//! - **Exactly once, with the email.** Each text is queued under the step's email key and
//!   `/sms/u{user}` (and the number, [`crate::app::sms::queue`]), in the same statement as the
//!   step's email rows, so both are queued or neither; the sweep queues a step only while its
//!   email key is not yet in the outbox.
//! - **The acknowledge link** is given as a notice's is: while the ticket waits to be
//!   acknowledged, to whom may acknowledge it (the same checks as the API's, by
//!   [`crate::app::tickets::read::may_act`] on what the sweep has read already). It acts
//!   for `[notices] link_hours` from when the text may go.
//! - **Quiet hours** hold a text as they hold a notice's, with two exceptions: an urgent
//!   ticket's, and any text once the clock has breached (the breach and the reminders after it),
//!   go at once, whatever the hour; a warning whose quiet hours would end after the deadline goes
//!   at once too, since held it would arrive after the breach it warns of. The email of a step
//!   is never held (as before).

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::Set;
use sla_clock::{Channel, LadderError, Recipient, Severity, Trigger};
use ticket_domain::ClockName;

use super::Links;
use super::ladders::StepDoc;
use super::recipients::SystemContacts;
use crate::app::notices::quiet::{QuietHours, ZONE};
use crate::app::{AppError, AppResult};
use crate::db::entities::{action_links, outbox, systems, tickets, users};

/// The channels of a step that names none: email alone.
pub(super) fn email_only() -> Vec<String> {
    Channel::default_set().iter().map(|c| c.key().to_owned()).collect()
}

/// Refuses a step's channels that are not `email` or `sms`, given twice, or none, naming the
/// field: `steps[1].channels[0]: "fax" is not a channel; expected one of: email, sms`.
pub(super) fn check_channels(steps: &[StepDoc]) -> AppResult<()> {
    for (i, s) in steps.iter().enumerate() {
        sla_clock::ladder::read_channels(i, &s.channels).map_err(|e| match e {
            LadderError::Channel { field, problem } => AppError::invalid(field, problem),
            other => AppError::invalid("steps", other.to_string()),
        })?;
    }
    Ok(())
}

/// What a due step's texts are written from.
#[derive(Debug, Clone)]
pub struct StepText<'a> {
    /// The step's outbox key (its email's): `INC-2026-000042/response/warning/0`.
    pub key: &'a str,
    /// The ticket.
    pub ticket: &'a tickets::Model,
    /// Its system.
    pub system: &'a systems::Model,
    /// Which clock.
    pub clock: ClockName,
    /// The ladder step's id.
    pub step: &'a str,
    /// The step's trigger.
    pub trigger: Trigger,
    /// 0, or the repeat after breach.
    pub repeat: u32,
    /// The clock's deadline.
    pub deadline: DateTime<Utc>,
    /// When the step fell due.
    pub due_at: DateTime<Utc>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// What a step's texts add to its clock's writes.
#[derive(Debug, Default)]
pub struct Texts {
    /// The outbox rows, one a person with a number.
    pub rows: Vec<outbox::ActiveModel>,
    /// The acknowledge links the texts carry.
    pub links: Vec<action_links::ActiveModel>,
    /// The recipients who get no text (addresses, people without a number), for the email's note.
    pub unreached: Vec<String>,
}

impl Texts {
    /// `no sms: …` for the step's email row, when someone got no text.
    pub fn note(&self) -> Option<String> {
        (!self.unreached.is_empty()).then(|| format!("no sms: {}", self.unreached.join(", ")))
    }
}

/// What happened, in a few words: `响应将超时` before the deadline, `修复已超时` after it.
pub fn what(clock: ClockName, breached: bool) -> String {
    format!("{}{}", clock.label_zh(), if breached { "已超时" } else { "将超时" })
}

/// When a step's text to someone whose quiet hours are `quiet` may go: `None` = at once. Only a
/// warning (a share of the budget, before the deadline) of a ticket that is not urgent waits,
/// and only for quiet hours that end by the deadline.
///
/// ```
/// use opsclock::app::escalation::sms::hold;
/// use opsclock::app::notices::quiet::{QuietHours, Window};
/// use sla_clock::{Severity, Trigger};
/// let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
/// let night = QuietHours { email: None, sms: Some(Window::new("22:00", "07:00").unwrap()) };
/// let (half, breach) = (Trigger::Share { percent: 50 }, Trigger::Breach);
/// let now = at("2026-12-03T23:00:00+08:00");
/// let next_day = at("2026-12-04T12:00:00+08:00");
/// assert_eq!(hold(Severity::Serious, half, next_day, now, &night), Some(at("2026-12-04T07:00:00+08:00")));
/// assert_eq!(hold(Severity::Urgent, half, next_day, now, &night), None);
/// assert_eq!(hold(Severity::Serious, breach, at("2026-12-03T22:59:00+08:00"), now, &night), None);
/// // Held, it would arrive after the breach it warns of.
/// assert_eq!(hold(Severity::Serious, half, at("2026-12-04T01:00:00+08:00"), now, &night), None);
/// ```
pub fn hold(
    severity: Severity,
    trigger: Trigger,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
    quiet: &QuietHours,
) -> Option<DateTime<Utc>> {
    let warning = matches!(trigger, Trigger::Share { .. }) && now <= deadline;
    if severity == Severity::Urgent || !warning {
        return None;
    }
    quiet
        .hold_until(crate::app::notices::Channel::Sms, now)
        .filter(|release| *release <= deadline)
}

/// The texts of a due step to `recipients` (see the module docs), with links written by
/// `links`, acting for `link_valid`.
pub fn texts(
    links: &Links,
    link_valid: TimeDelta,
    f: &StepText<'_>,
    recipients: &[Recipient],
    contacts: &SystemContacts<'_>,
) -> Result<Texts, sea_orm::DbErr> {
    let mut out = Texts::default();
    let mut people: BTreeMap<i64, &users::Model> = BTreeMap::new();
    for r in recipients {
        match r {
            Recipient::Email(address) => out.unreached.push(address.clone()),
            Recipient::Role(role) => {
                for u in contacts.holders(f.ticket.assignee_id, *role) {
                    people.insert(u.id, u);
                }
            }
        }
    }
    let ticket = f.ticket;
    let severity = *ticket.severity;
    let breached = f.now > f.deadline;
    let what = what(f.clock, breached);
    let head = format!("[{}]{what} {}", severity.label_zh(), ticket.number);
    let awaits_ack = ticket.acknowledged_at.is_none() && *ticket.status == ticket_domain::Status::New;
    for u in people.values() {
        let Some(phone) = u.phone.clone() else {
            out.unreached.push(u.display_name.clone());
            continue;
        };
        let key = format!("{}/sms/u{}", f.key, u.id);
        let hold = hold(
            severity,
            f.trigger,
            f.deadline,
            f.now,
            &QuietHours::of(u.quiet_hours.as_ref()),
        );
        let token = (awaits_ack && may_acknowledge(u, f, contacts)).then(crate::app::action_links::new_short_token);
        let url = match &token {
            Some(t) => crate::app::action_links::url(links, t),
            None => links.page(&ticket.number),
        };
        let link = match &token {
            Some(_) => format!("确认:{url}"),
            None => url.clone(),
        };
        let composed = crate::app::sms::text::compose(&crate::app::sms::text::Parts {
            prefix: &head,
            title: &ticket.title,
            link: &link,
            max_segments: 1,
        });
        let mut notes = Vec::new();
        if let Some(t) = hold {
            notes.push(format!(
                "{} {}",
                crate::delivery::HELD_NOTE,
                t.with_timezone(&ZONE).format("%Y-%m-%d %H:%M")
            ));
        }
        if composed.segments.count > 1 {
            notes.push(format!(
                "the text needs {} segments (a long link)",
                composed.segments.count
            ));
        }
        let vars = crate::app::sms::ticket_vars(&ticket.number, &composed.title, url, &what);
        let m = crate::app::sms::SmsMessage {
            dedup_key: key.clone(),
            kind: "escalation".to_owned(),
            ticket_id: Some(ticket.id),
            phones: vec![phone],
            text: composed.text,
            label: format!("{} {} {what}", severity.label_zh(), ticket.number),
            vars,
            due_at: f.due_at,
            step: None,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
            not_before: hold,
        };
        for mut row in crate::app::sms::rows(&m, f.now)? {
            // The step's own fields, as its email row has them (the ticket's page lists both).
            row.clock = Set(Some(f.clock.key().to_owned()));
            row.step = Set(Some(f.step.to_owned()));
            row.repeat = Set(Some(f.repeat as i32));
            out.rows.push(row);
        }
        if let Some(t) = token {
            let from = hold.unwrap_or(f.now);
            out.links.push(crate::app::action_links::row(
                &t, u.id, ticket.id, &key, link_valid, from, f.now,
            ));
        }
    }
    Ok(out)
}

/// Whether `u` may acknowledge the ticket, by the API's checks, on what the sweep has read: the
/// system in their scope, the permission table, their own vendor's ticket.
fn may_acknowledge(u: &users::Model, f: &StepText<'_>, contacts: &SystemContacts<'_>) -> bool {
    let Ok(p) = crate::app::auth::Principal::of(u) else {
        return false;
    };
    crate::app::tickets::read::may_act(
        &p,
        f.ticket,
        *f.ticket.status,
        (f.system.unit_id, contacts.vendors()),
        crate::app::action_links::ACKNOWLEDGE,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_happened_in_a_few_words() {
        assert_eq!(what(ClockName::Response, false), "响应将超时");
        assert_eq!(what(ClockName::Repair, true), "修复已超时");
    }
}

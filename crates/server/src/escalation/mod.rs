//! Escalation: which ladder a ticket uses, who its roles are, what the email says, and the sweep
//! that records each due step in the outbox exactly once.
//!
//! The flow, all in the database so that restarts and several replicas are safe:
//!
//! 1. Every ticket write stores, per clock, `next_due_at`: the earliest instant at which a ladder
//!    step not yet in the outbox is or becomes due ([`next_look`]).
//! 2. The [`sweep`] (every 30 s by default) takes the clocks whose `next_due_at` has passed, and
//!    for each, in one transaction that also locks the ticket: evaluates the ladder with
//!    `sla-clock`, inserts one outbox row per due step under its unique identity
//!    `ticket/clock/step/repeat` ([`step_key`]), and advances `next_due_at`.
//! 3. The mailer ([`crate::mail`]) sends the outbox rows.

pub mod ladders;
pub mod message;
pub mod recipients;
pub mod summary;
pub mod sweep;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use sla_clock::{DueStep, LadderEvaluation};

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

    /// The page of a ticket.
    pub fn ticket(&self, number: &str) -> String {
        format!("{}/api/v1/tickets/{number}", self.public_url)
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

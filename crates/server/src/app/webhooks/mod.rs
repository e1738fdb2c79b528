//! Outbound webhooks: ticket events posted to chat robots and other systems.
//!
//! A subscription names a URL, a [`Format`] and the [`EVENTS`] it wants. Every ticket write
//! queues one outbox row per interested subscription **in the same transaction** as the ticket's
//! events (channel `webhook`, key `webhook/SUBSCRIPTION/TICKET/SEQ`), so an event is queued
//! exactly once and never for a write that rolled back; the sweep queues `breached` the same way
//! (key `webhook/SUBSCRIPTION/TICKET/breached/CLOCK`). The [`sender`] then posts the rows through
//! the outbox worker shared with email ([`crate::delivery`]): retried with backoff on 5xx, 429
//! and network errors, parked after the last attempt, visible and retryable in the outbox pages.
//!
//! The row keeps the event's facts as JSON ([`Payload`]); the body is rendered and signed when it
//! is sent ([`format`](mod@format)), because the chat robots' signatures carry the time of sending.
//!
//! Admins manage the subscriptions through [`subscriptions`].

pub mod escape;
pub mod format;
pub mod sender;
pub mod subscriptions;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use ticket_domain::Event;
use utoipa::ToSchema;

use crate::db::entities::{outbox, systems, tickets, users, webhook_subscriptions};

/// The events a subscription can ask for (`*` means all).
pub const EVENTS: [&str; 16] = [
    "created",
    "acknowledged",
    "visit_requested",
    "arrived",
    "started",
    "paused",
    "resumed",
    "regraded",
    "resolved",
    "closed",
    "reopened",
    "cancelled",
    "assigned",
    "commented",
    "breached",
    "ping",
];

/// How a subscription's messages are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// The [`Payload`] as JSON, signed with `X-Opsclock-Signature` (see [`crate::app::auth::hmac`]).
    Json,
    /// A DingTalk (钉钉) group robot: markdown; with a secret, the robot's 加签 in the URL.
    Dingtalk,
    /// A WeCom (企业微信) group robot: markdown (the key in the URL is the credential).
    Wecom,
    /// A Feishu (飞书) custom robot: text; with a secret, the robot's signature in the body.
    Feishu,
}

impl Format {
    /// Every format, as written in requests.
    pub const ALL: [&'static str; 4] = ["json", "dingtalk", "wecom", "feishu"];

    /// The format's name.
    pub fn key(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Dingtalk => "dingtalk",
            Format::Wecom => "wecom",
            Format::Feishu => "feishu",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "json" => Ok(Format::Json),
            "dingtalk" => Ok(Format::Dingtalk),
            "wecom" => Ok(Format::Wecom),
            "feishu" => Ok(Format::Feishu),
            _ => Err(format!(
                "{s:?} is not a format; expected one of: {}",
                Format::ALL.join(", ")
            )),
        }
    }
}

/// The ticket as an event leaves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TicketFacts {
    /// Its number.
    pub number: String,
    /// Its title.
    pub title: String,
    /// fault, request, security or alarm.
    pub kind: String,
    /// urgent, serious, general or minor.
    pub severity: String,
    /// Its status after the event.
    pub status: String,
    /// The system's code.
    pub system: String,
    /// The system's name.
    pub system_name: String,
    /// Who works on it (user name).
    pub assignee: Option<String>,
    /// When the problem began.
    pub occurred_at: DateTime<Utc>,
    /// When it was logged.
    pub received_at: DateTime<Utc>,
    /// Whether a clock is past its deadline.
    pub breached: bool,
}

/// What a webhook message says; the `json` format posts it as is (plus `url` and `delivery`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Payload {
    /// One of [`EVENTS`].
    pub event: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The ticket (none for `ping`).
    pub ticket: Option<TicketFacts>,
    /// The clock, for `breached`.
    pub clock: Option<String>,
    /// The deadline that passed, for `breached`.
    pub deadline: Option<DateTime<Utc>>,
    /// A comment's text, a pause's or cancellation's note, a re-grade's or reopening's reason.
    pub note: Option<String>,
}

/// The event name subscribers see for a ticket event (`opened` is `created`).
pub fn event_name(e: &Event) -> &'static str {
    match e {
        Event::Opened { .. } => "created",
        other => other.kind(),
    }
}

fn note_of(e: &Event) -> Option<String> {
    match e {
        Event::Commented { text, .. } => Some(text.clone()),
        Event::Regraded { reason, from, to, .. } => Some(format!("{} → {}: {reason}", from.key(), to.key())),
        Event::Reopened { reason, .. } => Some(reason.clone()),
        Event::Paused { reason, note, .. } => {
            Some(note.clone().map_or(reason.to_string(), |n| format!("{reason}: {n}")))
        }
        Event::Cancelled { reason, note, .. } => {
            Some(note.clone().map_or(reason.to_string(), |n| format!("{reason}: {n}")))
        }
        Event::Resolved { resolution, .. } => Some(format!("{} / {}", resolution.root_cause, resolution.fix)),
        _ => None,
    }
}

/// The active subscriptions.
async fn active(db: &impl ConnectionTrait) -> Result<Vec<webhook_subscriptions::Model>, DbErr> {
    // Kept by the configuration cache ([`crate::app::cache`]) when the caller reads through it.
    crate::app::cache::cached("webhooks.active", "", || {
        webhook_subscriptions::Entity::find()
            .filter(webhook_subscriptions::Column::Active.eq(true))
            .all(db)
    })
    .await
}

/// `url` with the values of its query hidden: robots carry their credential there
/// (`access_token=…`, `key=…`).
pub fn masked(url: &str) -> String {
    match url.split_once('?') {
        None => url.to_owned(),
        Some((base, query)) => {
            let hidden: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) => format!("{k}=…"),
                    None => pair.to_owned(),
                })
                .collect();
            format!("{base}?{}", hidden.join("&"))
        }
    }
}

/// Parks the unsent webhook rows of subscriptions that no longer exist.
pub async fn park_orphans(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    use sea_orm::sea_query::{Expr, Query};
    let r = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(outbox::Status::Failed.key()))
        .col_expr(outbox::Column::LastError, Expr::value("the subscription was deleted"))
        .col_expr(outbox::Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .filter(outbox::Column::Channel.eq("webhook"))
        .filter(outbox::Column::Status.is_in([
            crate::db::Key(outbox::Status::Pending),
            crate::db::Key(outbox::Status::Sending),
        ]))
        .filter(
            outbox::Column::SubscriptionId.not_in_subquery(
                Query::select()
                    .column(webhook_subscriptions::Column::Id)
                    .from(webhook_subscriptions::Entity)
                    .to_owned(),
            ),
        )
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

/// Whether subscription `s` wants `event`.
pub fn wants(s: &webhook_subscriptions::Model, event: &str) -> bool {
    let events: Vec<String> = serde_json::from_value(s.events.clone()).unwrap_or_default();
    events.iter().any(|e| e == "*" || e == event)
}

async fn facts(db: &impl ConnectionTrait, row: &tickets::Model) -> Result<TicketFacts, DbErr> {
    let system = systems::Entity::find_by_id(row.system_id).one(db).await?;
    let assignee = match row.assignee_id {
        Some(id) => users::Entity::find_by_id(id).one(db).await?.map(|u| u.username),
        None => None,
    };
    Ok(TicketFacts {
        number: row.number.clone(),
        title: row.title.clone(),
        kind: row.kind.to_string(),
        severity: row.severity.to_string(),
        status: row.status.to_string(),
        system: system.as_ref().map_or_else(String::new, |s| s.code.clone()),
        system_name: system.map_or_else(String::new, |s| s.name),
        assignee,
        occurred_at: row.occurred_at,
        received_at: row.received_at,
        breached: row.breached,
    })
}

/// Queues the webhook messages of a ticket write: `events` are the events it appended, with
/// their sequence numbers; `row` is the ticket as the write left it. Costs one query when
/// nobody subscribes.
pub async fn queue_ticket_events(
    db: &impl ConnectionTrait,
    row: &tickets::Model,
    events: &[(i32, &Event)],
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let subs = active(db).await?;
    if subs.is_empty() {
        return Ok(0);
    }
    let ticket = facts(db, row).await?;
    let mut queued = 0;
    for (seq, e) in events {
        let name = event_name(e);
        let payload = Payload {
            event: name.to_owned(),
            at: e.at(),
            ticket: Some(ticket.clone()),
            clock: None,
            deadline: None,
            note: note_of(e),
        };
        for s in subs.iter().filter(|s| wants(s, name)) {
            let key = format!("webhook/{}/{}/{seq}", s.id, row.number);
            queued += usize::from(enqueue(db, s, key, Some(row.id), &payload, now).await?);
        }
    }
    Ok(queued)
}

/// Queues `breached` for clock `clock` of ticket `row`, once per subscription however often it
/// is called.
pub async fn queue_breach(
    db: &impl ConnectionTrait,
    row: &tickets::Model,
    clock: &str,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let subs = breach_subscriptions(db).await?;
    queue_breach_to(db, &subs, row, clock, deadline, now).await
}

/// The active subscriptions that want `breached` (what the sweep reads once per batch).
pub async fn breach_subscriptions(db: &impl ConnectionTrait) -> Result<Vec<webhook_subscriptions::Model>, DbErr> {
    Ok(active(db).await?.into_iter().filter(|s| wants(s, "breached")).collect())
}

/// [`queue_breach`] to the subscriptions `subs` ([`breach_subscriptions`]) read before.
pub async fn queue_breach_to(
    db: &impl ConnectionTrait,
    subs: &[webhook_subscriptions::Model],
    row: &tickets::Model,
    clock: &str,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    if subs.is_empty() {
        return Ok(0);
    }
    let payload = Payload {
        event: "breached".to_owned(),
        at: deadline,
        ticket: Some(TicketFacts {
            breached: true,
            ..facts(db, row).await?
        }),
        clock: Some(clock.to_owned()),
        deadline: Some(deadline),
        note: None,
    };
    let mut queued = 0;
    for s in subs {
        let key = format!("webhook/{}/{}/breached/{clock}", s.id, row.number);
        queued += usize::from(enqueue(db, s, key, Some(row.id), &payload, now).await?);
    }
    Ok(queued)
}

/// Queues a `ping` to subscription `s` (to try a robot's address and secret).
pub async fn queue_ping(
    db: &impl ConnectionTrait,
    s: &webhook_subscriptions::Model,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let key = format!("webhook/{}/ping/{}", s.id, now.timestamp_micros());
    let payload = Payload {
        event: "ping".to_owned(),
        at: now,
        ticket: None,
        clock: None,
        deadline: None,
        note: Some(format!("opsclock → {}", s.name)),
    };
    enqueue(db, s, key.clone(), None, &payload, now).await?;
    Ok(key)
}

/// Inserts one webhook row unless its key is queued already; returns whether it was.
async fn enqueue(
    db: &impl ConnectionTrait,
    s: &webhook_subscriptions::Model,
    key: String,
    ticket_id: Option<i64>,
    payload: &Payload,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let subject = match &payload.ticket {
        Some(t) => format!("{} {} → {}", payload.event, t.number, s.name),
        None => format!("{} → {}", payload.event, s.name),
    };
    let row = outbox::ActiveModel {
        message_id: Set(key.clone()),
        dedup_key: Set(key),
        kind: Set("webhook".to_owned()),
        channel: Set("webhook".to_owned()),
        subscription_id: Set(Some(s.id)),
        ticket_id: Set(ticket_id),
        clock: Set(payload.clock.clone()),
        step: Set(None),
        repeat: Set(None),
        due_at: Set(payload.at),
        // The subscription's name, not its address: a robot's address carries its credential.
        recipients: Set(serde_json::json!([format!("webhook:{}", s.name)])),
        note: Set(None),
        subject: Set(subject),
        body_text: Set(serde_json::to_string(payload).map_err(|e| DbErr::Custom(e.to_string()))?),
        body_html: Set(String::new()),
        thread_id: Set(None),
        attachments: Set(None),
        status: Set(crate::db::Key(crate::db::entities::outbox::Status::Pending)),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    };
    crate::delivery::insert_once(db, row).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_urls_hide_query_values_only() {
        assert_eq!(
            masked("https://oapi.dingtalk.com/robot/send?access_token=abc&x=1"),
            "https://oapi.dingtalk.com/robot/send?access_token=…&x=…"
        );
        assert_eq!(masked("http://hooks.local/ops"), "http://hooks.local/ops");
    }
}

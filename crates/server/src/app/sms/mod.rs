//! SMS: a channel of the outbox beside email and webhooks (issue 29). See `docs/sms.md`.
//!
//! Other use cases queue a message with [`queue`]; the sender ([`sender`], started by the jobs
//! when `[sms] provider` is set) drains the outbox's `channel = "sms"` rows through the
//! configured gateway ([`gateway`]), with the outbox's leases, retries and backoff. The outbox's
//! list, detail and retry (`/admin/outbox`, `opsclock outbox`) show and resend them like any other.
//!
//! | module | what |
//! |---|---|
//! | [`phone`] | a person's number: checked and normalised (`users.phone`) |
//! | [`text`] | segments (70 UCS-2 / 160 GSM-7 code units) and [`text::compose`] |
//! | [`settings`] | `[sms]` in the config file |
//! | [`gateway`] | the `http`, `kannel`, `aliyun` and `tencent` requests and answers |
//! | [`sign`] | Alibaba's and Tencent's request signing |
//! | [`sender`] | the outbox worker |
//!
//! One row per phone: [`queue`] writes a row for each number, keyed `<dedup_key>/<phone>`, so a
//! gateway that refuses one number (parked) or fails for a while (retried) affects only that
//! number's message, and a retry never sends twice to the numbers already reached.

pub mod gateway;
pub mod phone;
pub mod sender;
pub mod settings;
pub mod sign;
pub mod text;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, Set};

use crate::db::entities::outbox;

/// An SMS to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// The message's identity (`T-2026-0001/open/sms`); each row's key is this and `/<phone>`.
    /// Queuing the same key again queues nothing.
    pub dedup_key: String,
    /// What it is, as the outbox shows it (`notice`, `escalation`, `test`).
    pub kind: String,
    /// The ticket it is about, if any.
    pub ticket_id: Option<i64>,
    /// The numbers, as users enter them: each is normalised ([`phone::normalise`]); repeats
    /// are sent once.
    pub phones: Vec<String>,
    /// The text sent by the `http` and `kannel` gateways (see [`text::compose`]).
    pub text: String,
    /// The outbox's subject line: a short label (`紧急 T-2026-0001 开单通知`).
    pub label: String,
    /// The template variables the `aliyun` and `tencent` gateways send (`[sms] params` picks
    /// them): `number`, `title`, `link`, `event`; `text` is [`SmsMessage::text`] unless given.
    pub vars: BTreeMap<String, String>,
    /// When it fell due.
    pub due_at: DateTime<Utc>,
    /// The ladder step or the notice's event (`opened`, …), as the outbox shows it.
    pub step: Option<String>,
    /// What the sender noticed (roles nobody holds, quiet hours).
    pub note: Option<String>,
    /// Not before then (quiet hours); `None` = at once.
    pub not_before: Option<DateTime<Utc>>,
}

/// The template variables of a text about ticket `number` ([`SmsMessage::vars`]): `number`,
/// `title` (as the text has it, cut), `link` (without `确认:`) and `event`.
pub fn ticket_vars(number: &str, title: &str, link: String, event: &str) -> BTreeMap<String, String> {
    [
        ("number", number.to_owned()),
        ("title", title.to_owned()),
        ("link", link),
        ("event", event.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Queues `m`, one row per distinct phone, each exactly once under `<dedup_key>/<phone>`, in
/// one statement; returns how many rows were inserted (0 when they all were queued before).
/// A number that is not one is queued as a row parked as `failed` with the reason, so that the
/// outbox shows who was not told and why.
pub async fn queue(db: &impl ConnectionTrait, m: SmsMessage, now: DateTime<Utc>) -> Result<u64, DbErr> {
    crate::delivery::insert_all_once(db, rows(&m, now)?).await
}

/// The outbox rows [`queue`] inserts for `m`, for a caller that inserts them with others in one
/// statement (the escalation sweep puts a step's texts in its clock's one insert).
pub fn rows(m: &SmsMessage, now: DateTime<Utc>) -> Result<Vec<outbox::ActiveModel>, DbErr> {
    let mut seen = std::collections::BTreeSet::new();
    let mut vars = m.vars.clone();
    vars.entry("text".into()).or_insert_with(|| m.text.clone());
    let vars = serde_json::to_string(&vars).map_err(|e| DbErr::Custom(e.to_string()))?;
    let mut rows = Vec::new();
    for written in &m.phones {
        let (phone, error) = match phone::normalise(written) {
            Ok(p) => (p, None),
            Err(e) => (written.trim().to_owned(), Some(e)),
        };
        if !seen.insert(phone.clone()) {
            continue;
        }
        let key = format!("{}/{phone}", m.dedup_key);
        let status = if error.is_some() {
            outbox::Status::Failed
        } else {
            outbox::Status::Pending
        };
        rows.push(outbox::ActiveModel {
            message_id: Set(key.clone()),
            dedup_key: Set(key),
            kind: Set(m.kind.clone()),
            channel: Set("sms".to_owned()),
            subscription_id: Set(None),
            ticket_id: Set(m.ticket_id),
            clock: Set(None),
            step: Set(m.step.clone()),
            repeat: Set(None),
            due_at: Set(m.due_at),
            recipients: Set(serde_json::json!([phone])),
            note: Set(m.note.clone()),
            subject: Set(m.label.clone()),
            body_text: Set(m.text.clone()),
            body_html: Set(vars.clone()),
            thread_id: Set(None),
            attachments: Set(None),
            status: Set(crate::db::Key(status)),
            attempts: Set(0),
            next_attempt_at: Set(m.not_before.unwrap_or(now)),
            claimed_until: Set(None),
            last_error: Set(error),
            sent_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        });
    }
    Ok(rows)
}

/// The text `opsclock sms test` sends when none is given.
pub const TEST_TEXT: &str = "【opsclock】测试短信：收到即表示短信网关可用。";

/// Sends `text` to `phone` through `transport` at once, outside the outbox (an admin setting up
/// the gateway wants the gateway's answer, not a queued row), and records the act and the
/// answer in the audit log as `sms.test` by `by` (the operator at the command line). A number
/// that is not one is refused with 422 on `phone`.
pub async fn send_test(
    db: &impl ConnectionTrait,
    transport: &sender::SmsTransport,
    by: &str,
    phone: &str,
    text: &str,
    now: DateTime<Utc>,
) -> crate::app::AppResult<crate::delivery::Attempt> {
    let phone = phone::check(phone)?;
    let vars: BTreeMap<String, String> = [
        ("text", text),
        ("number", "TEST"),
        ("title", text),
        ("link", ""),
        ("event", "test"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let attempt = transport.send_one(&phone, text, &vars).await;
    let detail = serde_json::json!({
        "by": by, "text": text, "ok": attempt.ok, "permanent": attempt.permanent, "answer": attempt.response,
    });
    let from = crate::app::audit::ClientAddr(Some("cli".into()));
    crate::app::audit::record(db, None, "sms.test", &phone, detail, &from, now).await?;
    Ok(attempt)
}

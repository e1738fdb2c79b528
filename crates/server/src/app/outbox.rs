//! The outbox as admins see it (email and webhooks): list messages, read one with its attempts,
//! send failed ones again.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{outbox, outbox_attempts};

/// The statuses a message can have.
pub const STATUSES: [&str; 4] = ["pending", "sending", "sent", "failed"];

/// A message in the outbox.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutboxView {
    /// Id (for `retry`).
    pub id: i64,
    /// Identity: `T-2026-0001/repair/breach/0` or `summary/2026-10`.
    pub key: String,
    /// `escalation`, `summary` or `webhook`.
    pub kind: String,
    /// `email` or `webhook`.
    pub channel: String,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    /// Addresses.
    pub recipients: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// When the step fell due.
    pub due_at: DateTime<Utc>,
    /// Attempts so far.
    pub attempts: i32,
    /// When the next attempt may happen (pending messages).
    pub next_attempt_at: DateTime<Utc>,
    /// The last error.
    pub last_error: Option<String>,
    /// What the sweep noticed (e.g. roles nobody holds).
    pub note: Option<String>,
    /// When the SMTP server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// One delivery attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptView {
    /// When it ended.
    pub at: DateTime<Utc>,
    /// Whether the server accepted the message.
    pub ok: bool,
    /// The server's answer or the error.
    pub response: String,
}

/// A message with its attempts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutboxDetail {
    /// The message.
    #[serde(flatten)]
    pub message: OutboxView,
    /// Its attempts, oldest first.
    pub attempts_log: Vec<AttemptView>,
}

impl From<outbox::Model> for OutboxView {
    fn from(r: outbox::Model) -> Self {
        OutboxView {
            id: r.id,
            key: r.dedup_key,
            kind: r.kind,
            channel: r.channel,
            status: r.status.to_string(),
            recipients: serde_json::from_value(r.recipients).unwrap_or_default(),
            subject: r.subject,
            due_at: r.due_at,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            note: r.note,
            sent_at: r.sent_at,
            created_at: r.created_at,
        }
    }
}

/// Messages with `status` (all if `None`), newest first, at most `limit`.
pub async fn list(db: &impl ConnectionTrait, status: Option<&str>, limit: u64) -> Result<Vec<OutboxView>, DbErr> {
    let mut q = outbox::Entity::find();
    if let Some(s) = status {
        q = q.filter(outbox::Column::Status.eq(s));
    }
    let rows = q.order_by_desc(outbox::Column::Id).limit(limit).all(db).await?;
    Ok(rows.into_iter().map(OutboxView::from).collect())
}

/// How many messages have each status.
pub async fn counts(db: &impl ConnectionTrait) -> Result<Vec<(String, i64)>, DbErr> {
    outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Status)
        .column_as(outbox::Column::Id.count(), "n")
        .group_by(outbox::Column::Status)
        .order_by_asc(outbox::Column::Status)
        .into_tuple()
        .all(db)
        .await
}

/// One message with its attempts.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Option<OutboxDetail>, DbErr> {
    let Some(row) = outbox::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let attempts = outbox_attempts::Entity::find()
        .filter(outbox_attempts::Column::OutboxId.eq(id))
        .order_by_asc(outbox_attempts::Column::Id)
        .all(db)
        .await?;
    Ok(Some(OutboxDetail {
        message: row.into(),
        attempts_log: attempts
            .into_iter()
            .map(|a| AttemptView {
                at: a.at,
                ok: a.ok,
                response: a.response,
            })
            .collect(),
    }))
}

/// Makes failed messages (the ones in `ids`, or all if `None`) pending again with a fresh set of
/// attempts, due at `now`; returns how many. Messages in any other state are left alone. An
/// escalation parked for want of recipients — a ticket's or a rectification order's — has them
/// resolved again first (someone may hold the role now).
pub async fn retry(
    db: &impl ConnectionTrait,
    calendars: &std::collections::BTreeMap<String, sla_clock::Calendar>,
    ids: Option<&[i64]>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    crate::app::escalation::readdress(db, calendars, ids, now).await?;
    crate::app::rectification::escalate::readdress(db, calendars, ids, now).await?;
    let mut q = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(outbox::Status::Pending.key()))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .filter(outbox::Column::Status.eq(crate::db::Key(outbox::Status::Failed)));
    if let Some(ids) = ids {
        q = q.filter(outbox::Column::Id.is_in(ids.iter().copied()));
    }
    Ok(q.exec(db).await?.rows_affected)
}

/// Filters of the outbox list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: Option<String>,
    /// At most this many, newest first [default 100, at most 1000].
    pub limit: Option<u64>,
}

/// The outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxList {
    /// How many messages have each status.
    pub counts: std::collections::BTreeMap<String, i64>,
    /// The messages, newest first.
    pub messages: Vec<OutboxView>,
}

/// The outbox as an admin lists it: counts by status, and the newest messages with `q`'s status.
pub async fn list_for(ctx: &Context, p: &Principal, q: OutboxQuery) -> AppResult<OutboxList> {
    crate::app::permissions::check(p, crate::app::permissions::Action::Outbox)?;
    if let Some(s) = q.status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return Err(AppError::Invalid {
            field: Some("status".into()),
            detail: format!("{s:?} is not a status; expected one of: {}", STATUSES.join(", ")),
        });
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(OutboxList {
        counts: counts(&ctx.db).await?.into_iter().collect(),
        messages: list(&ctx.db, q.status.as_deref(), limit).await?,
    })
}

/// One message with every delivery attempt (admins).
pub async fn detail(ctx: &Context, p: &Principal, id: i64) -> AppResult<OutboxDetail> {
    crate::app::permissions::check(p, crate::app::permissions::Action::Outbox)?;
    get(&ctx.db, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no outbox message {id}")))
}

/// Sends failed message `id` again with a fresh set of attempts (admins), and records who did.
pub async fn retry_one(ctx: &Context, p: &Principal, from: &ClientAddr, id: i64) -> AppResult<OutboxDetail> {
    crate::app::permissions::check(p, crate::app::permissions::Action::Outbox)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let Some(current) = get(&txn, id).await? else {
        return Err(AppError::NotFound(format!("no outbox message {id}")));
    };
    if retry(&txn, &ctx.calendars.snapshot(), Some(&[id]), now).await? == 0 {
        return Err(AppError::Invalid {
            field: None,
            detail: format!(
                "message {id} is {}; only failed messages are retried",
                current.message.status
            ),
        });
    }
    let detail = serde_json::json!({ "ids": [id], "key": current.message.key });
    audit::record(&txn, Some(p.user_id), "outbox.retry", "outbox", detail, from, now).await?;
    let after = get(&txn, id).await?;
    txn.commit().await?;
    after.ok_or_else(|| AppError::NotFound(format!("no outbox message {id}")))
}

//! The messages mail in took, as admins and the bureau see them: the list (with the triage
//! queue: new messages no rule and no unit placed on a system), opening one as a ticket on a
//! system, dismissing one. Every act is one transaction with its audit entry.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::tickets::open::CreateTicket;
use crate::app::tickets::views::TicketView;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{mail_in_files, mail_in_messages, tickets, users};

/// A message mail in took.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MailView {
    /// Id (for triage).
    pub id: i64,
    /// The mailbox (`[[mail_in]] name`).
    pub mailbox: String,
    /// Its Message-ID (or `sha256:…`).
    pub message_id: String,
    /// The From address.
    pub sender: String,
    /// The subject.
    pub subject: String,
    /// ticket, comment, ack, ignored, triage or refused.
    pub outcome: String,
    /// The ticket it opened or joined.
    pub ticket: Option<String>,
    /// Why, or what was noted.
    pub reason: Option<String>,
    /// The severity asked for (a message waiting in triage).
    pub severity: Option<String>,
    /// The text (a message waiting in triage).
    pub body: Option<String>,
    /// The attachments: name, type, size.
    #[schema(value_type = Option<Object>)]
    pub attachments: Option<serde_json::Value>,
    /// When it was taken in.
    pub received_at: DateTime<Utc>,
    /// How its triage ended: opened or dismissed.
    pub triage_outcome: Option<String>,
}

/// Which messages to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MailQuery {
    /// Only those waiting in triage [default false].
    #[serde(default)]
    pub triage: bool,
    /// Only those of this mailbox.
    pub mailbox: Option<String>,
    /// At most this many [default 100, at most 1000].
    pub limit: Option<u64>,
}

/// Messages, newest first; with `triage`, the ones waiting for a system (admins, the bureau).
pub async fn list(ctx: &Context, p: &Principal, q: MailQuery) -> AppResult<Vec<MailView>> {
    permissions::check(p, Action::MailInTriage)?;
    recent(&ctx.db, q).await
}

/// Messages, newest first (the CLI's `mail-in status` reads it as the operator).
pub async fn recent(db: &impl sea_orm::ConnectionTrait, q: MailQuery) -> AppResult<Vec<MailView>> {
    let mut find = mail_in_messages::Entity::find();
    if q.triage {
        find = find
            .filter(mail_in_messages::Column::Outcome.eq("triage"))
            .filter(mail_in_messages::Column::TriageOutcome.is_null());
    }
    if let Some(m) = &q.mailbox {
        find = find.filter(mail_in_messages::Column::Mailbox.eq(m));
    }
    let rows = find
        .order_by_desc(mail_in_messages::Column::Id)
        .limit(q.limit.unwrap_or(100).clamp(1, 1000))
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.ticket_id).collect();
    let numbers: std::collections::HashMap<i64, String> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .column(tickets::Column::Number)
        .filter(tickets::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| MailView {
            id: r.id,
            ticket: r.ticket_id.and_then(|t| numbers.get(&t).cloned()),
            mailbox: r.mailbox,
            message_id: r.message_id,
            sender: r.sender,
            subject: r.subject,
            outcome: r.outcome,
            reason: r.reason,
            severity: r.severity,
            body: r.body,
            attachments: r.attachments,
            received_at: r.received_at,
            triage_outcome: r.triage_outcome,
        })
        .collect())
}

/// How to open a ticket for a message waiting in triage.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailTriageOpen {
    /// The system's code.
    pub system: String,
    /// The severity [default: what the subject asked for, else general].
    pub severity: Option<String>,
    /// The title [default: the subject].
    pub title: Option<String>,
}

/// Opens a `fault` ticket for message `id`, waiting in triage (admins, the bureau): reported by
/// the sender when the message came in, recorded by the triager; the sender gets the number back.
pub async fn open(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: i64,
    body: MailTriageOpen,
) -> AppResult<TicketView> {
    permissions::check(p, Action::MailInTriage)?;
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let row = waiting(&txn, id, p.user_id).await?;
    let sender = match row.user_id {
        Some(u) => users::Entity::find_by_id(u).one(&txn).await?,
        None => None,
    }
    .ok_or_else(|| AppError::Conflict(format!("message {id} has no registered sender")))?;
    let system = crate::app::scope::system_in_scope(&txn, p, &body.system).await?;
    let create = CreateTicket {
        kind: "fault".into(),
        system: system.code.clone(),
        severity: Some(
            body.severity
                .or_else(|| row.severity.clone())
                .unwrap_or_else(|| "general".into()),
        ),
        severity_reason: Some(format!("邮件报告，{} 分派 / reported by email, triaged", p.username)),
        facts: None,
        title: crate::app::text::field("title", body.title.as_deref().unwrap_or(&row.subject), 200, true)?,
        description: row.body.clone().unwrap_or_default(),
        occurred_at: None,
        received_at: Some(row.received_at),
        assignee_id: None,
        duty: None,
        category: None,
    };
    let mut plan = crate::app::tickets::open::plan(&txn, ctx, system, Some(sender.id), create, now).await?;
    plan.recording = Some(crate::app::tickets::recording(&txn, ctx, p, &plan.system, now).await?);
    let (ticket, domain) =
        crate::app::tickets::open::open(&txn, &ctx.calendars.snapshot(), plan, Some(p.user_id), now, from).await?;
    triaged(&txn, row.clone(), Some(ticket.id), p.user_id, now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "mail_in.open",
        &ticket.number,
        serde_json::json!({"message": id, "mailbox": row.mailbox, "sender": row.sender}),
        from,
        now,
    )
    .await?;
    let files = unpark(&txn, row.id).await?;
    super::act::store_files(&txn, ctx, &row, &ticket, (sender.id, p), &files, from, now).await?;
    super::act::answer(&txn, ctx, &row, &sender, &ticket.number, now).await?;
    txn.commit().await?;
    let allowed = crate::app::tickets::views::allowed_of(&domain);
    crate::app::tickets::views::view(&ctx.db, ctx, ticket, now, allowed, None).await
}

/// Dismisses message `id`, waiting in triage (admins, the bureau): it stays recorded.
pub async fn dismiss(ctx: &Context, p: &Principal, from: &ClientAddr, id: i64) -> AppResult<()> {
    permissions::check(p, Action::MailInTriage)?;
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let row = waiting(&txn, id, p.user_id).await?;
    let target = row.message_id.clone();
    unpark(&txn, row.id).await?;
    triaged(&txn, row, None, p.user_id, now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "mail_in.dismiss",
        &target,
        serde_json::json!({"message": id}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Message `id`, if it waits in triage, claimed for this transaction by `by`.
///
/// The claim is a conditional update of the row (`triaged_by`, where the message still waits),
/// not a read: on PostgreSQL two triagers opening one message at once would otherwise both read
/// it waiting and open two tickets. The second one's update waits for the first's transaction
/// and then finds the message no longer waiting (409); on SQLite the write transaction already
/// runs alone.
async fn waiting(txn: &DatabaseTransaction, id: i64, by: i64) -> AppResult<mail_in_messages::Model> {
    let claimed = mail_in_messages::Entity::update_many()
        .col_expr(mail_in_messages::Column::TriagedBy, Expr::value(by))
        .filter(mail_in_messages::Column::Id.eq(id))
        .filter(mail_in_messages::Column::Outcome.eq("triage"))
        .filter(mail_in_messages::Column::TriageOutcome.is_null())
        .exec(txn)
        .await?
        .rows_affected;
    let row = mail_in_messages::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no mail-in message {id}")))?;
    if claimed == 0 {
        return Err(AppError::Conflict(format!("message {id} is not waiting in triage")));
    }
    Ok(row)
}

async fn triaged(
    txn: &DatabaseTransaction,
    row: mail_in_messages::Model,
    ticket: Option<i64>,
    by: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut am: mail_in_messages::ActiveModel = row.into();
    am.ticket_id = Set(ticket);
    am.triage_outcome = Set(Some(if ticket.is_some() { "opened" } else { "dismissed" }.to_owned()));
    am.triaged_by = Set(Some(by));
    am.triaged_at = Set(Some(now));
    am.update(txn).await?;
    Ok(())
}

/// Keeps `files`, the attachments of message `message` just sent to triage, until triage ends:
/// the message has no ticket to store them with yet, and it leaves the mailbox once handled.
/// They are checked (kind, size, quota) only when triage opens the message as a ticket.
pub(super) async fn park(
    txn: &DatabaseTransaction,
    message: i64,
    files: &[super::MailFile],
    now: DateTime<Utc>,
) -> AppResult<()> {
    if files.is_empty() {
        return Ok(());
    }
    let rows = files.iter().map(|f| mail_in_files::ActiveModel {
        message_id: Set(message),
        name: Set(f.name.clone()),
        content_type: Set(f.content_type.clone()),
        data: Set(f.bytes.clone()),
        created_at: Set(now),
        ..Default::default()
    });
    mail_in_files::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// The files kept for message `message` ([`park`]), in the order they came, deleted.
async fn unpark(txn: &DatabaseTransaction, message: i64) -> AppResult<Vec<super::MailFile>> {
    let rows = mail_in_files::Entity::find()
        .filter(mail_in_files::Column::MessageId.eq(message))
        .order_by_asc(mail_in_files::Column::Id)
        .all(txn)
        .await?;
    mail_in_files::Entity::delete_many()
        .filter(mail_in_files::Column::MessageId.eq(message))
        .exec(txn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| super::MailFile {
            name: r.name,
            content_type: r.content_type,
            bytes: r.data,
        })
        .collect())
}

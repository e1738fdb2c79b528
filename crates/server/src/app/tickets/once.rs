//! Opening a ticket from a form at most once: the new-ticket page puts a fresh one-time token in
//! every form it serves ([`new_token`]); [`open_once`] opens the ticket and records the token with
//! it in one transaction, under a unique (user, token) index. The same form sent again — Back,
//! then 提交工单 once more; a double click; a browser retrying — finds its token and gets the
//! ticket it already opened ([`Opened::Already`]), as Jira Service Management and PagerDuty
//! answer a repeated request with the same idempotency key.
//!
//! A form that was refused (a missing title) opened nothing and recorded nothing: sent again
//! with its token, corrected, it opens the ticket. Tokens count per user and are kept a week
//! ([`KEEP`]); a form left open longer opens a ticket as a new one would.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::open::CreateTicket;
use super::views::TicketView;
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::form_submissions;

/// How long a token is remembered.
pub const KEEP: TimeDelta = TimeDelta::days(7);

/// What sending a form did.
#[derive(Debug)]
pub enum Opened {
    /// It opened this ticket.
    New(Box<TicketView>),
    /// The form had been sent before and opened the ticket with this number; nothing new.
    Already(String),
}

/// A fresh token for a form: 256 random bits in hex.
pub fn new_token() -> String {
    crate::app::auth::secret::new_secret("nt_")
}

/// Whether `token` looks like one [`new_token`] makes (a form's field is not trusted further).
///
/// ```
/// use opsclock::app::tickets::once::{is_token, new_token};
/// assert!(is_token(&new_token()));
/// assert!(!is_token("") && !is_token("a b") && !is_token(&"x".repeat(200)));
/// ```
pub fn is_token(token: &str) -> bool {
    (8..=100).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
}

/// The ticket `user` already opened with `token`, if any.
pub async fn opened_with(db: &impl ConnectionTrait, user: i64, token: &str) -> AppResult<Option<String>> {
    Ok(form_submissions::Entity::find()
        .filter(form_submissions::Column::UserId.eq(user))
        .filter(form_submissions::Column::Token.eq(token))
        .one(db)
        .await?
        .map(|r| r.ticket_number))
}

/// Opens the ticket `body` describes unless `token` opened one already (see the module).
pub async fn open_once(
    ctx: &Context,
    p: &Principal,
    token: &str,
    body: CreateTicket,
    from: &ClientAddr,
) -> AppResult<Opened> {
    if !is_token(token) {
        return Err(AppError::invalid(
            "once",
            "the form's one-time token is malformed; reload the form",
        ));
    }
    if let Some(number) = opened_with(&ctx.db, p.user_id, token).await? {
        return Ok(Opened::Already(number));
    }
    match super::open::open_ticket_with(ctx, p, body, from, Some(token)).await {
        Ok(view) => Ok(Opened::New(Box::new(view))),
        // Sent twice at once: the other send opened it and this one rolled back.
        Err(e) => match opened_with(&ctx.db, p.user_id, token).await? {
            Some(number) => Ok(Opened::Already(number)),
            None => Err(e),
        },
    }
}

/// Records in `txn` that `user`'s form `token` opened `number`, and forgets tokens older than
/// [`KEEP`]. A token recorded already fails (the unique index), which rolls the ticket back.
pub(crate) async fn record(
    txn: &impl ConnectionTrait,
    user: i64,
    token: &str,
    number: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    form_submissions::Entity::delete_many()
        .filter(form_submissions::Column::CreatedAt.lt(now - KEEP))
        .exec(txn)
        .await?;
    let row = form_submissions::ActiveModel {
        user_id: Set(user),
        token: Set(token.to_owned()),
        ticket_number: Set(number.to_owned()),
        created_at: Set(now),
        ..Default::default()
    };
    match form_submissions::Entity::insert(row).exec(txn).await {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
            Err(AppError::Conflict("this form has been sent already".into()))
        }
        Err(e) => Err(e.into()),
    }
}

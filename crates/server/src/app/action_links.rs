//! Links that act from a message: one tap on a phone acknowledges a ticket as the person the
//! message was sent to.
//!
//! Each notice to someone who may acknowledge an unacknowledged ticket carries its own link,
//! `{public_url}/a/{token}`. The token is 16 random bytes (22 characters, short enough for a
//! text message); only its SHA-256 is stored, with whom it acts as, on which ticket, and until
//! when ([`crate::app::notices::Rules::link_valid`], 24 hours by default).
//!
//! - Opening the link only shows what it would do ([`peek`]); mail scanners that fetch links
//!   change nothing. The page's button posts the form back ([`acknowledge`]).
//! - The first post uses the link up, then acknowledges through the same use case and
//!   permission checks as the API ([`crate::app::tickets::actions::perform`]), audited as that
//!   person; the ticket's timeline shows them as the actor.
//! - A second tap does nothing and says when the link was used; a ticket someone else
//!   acknowledged first says who and when; an expired or unknown link says so.
//!
//! The token is the credential: a forged form from another site cannot know it, and the page
//! adds a double-submit cookie besides (see `web::action_link`).

use base64::Engine;
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::app::audit::{self, ClientAddr};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{action_links, ticket_events, tickets, users};

/// What a link does: the one action today.
pub const ACKNOWLEDGE: &str = "acknowledge";

/// A new random token (22 URL-safe characters).
pub fn new_token() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The address of the page of `token`.
pub fn url(links: &crate::app::escalation::Links, token: &str) -> String {
    format!("{}/a/{token}", links.public_url)
}

/// Stores link `token` ([`new_token`]) acting as `user_id` on `ticket_id` until `now + valid`,
/// carried by the outbox message `outbox_key`. Call it in the transaction that queues the
/// message.
pub async fn insert(
    db: &impl ConnectionTrait,
    token: &str,
    user_id: i64,
    ticket_id: i64,
    outbox_key: &str,
    valid: chrono::TimeDelta,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    action_links::ActiveModel {
        token_hash: Set(hash(token)),
        action: Set(ACKNOWLEDGE.to_owned()),
        user_id: Set(user_id),
        ticket_id: Set(ticket_id),
        outbox_key: Set(outbox_key.to_owned()),
        expires_at: Set(now + valid),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// It would acknowledge the ticket.
    Ready,
    /// It just did.
    Done,
    /// The ticket was acknowledged already (by whom and when: see the page).
    AlreadyAcknowledged,
    /// It was used before.
    Used,
    /// It is past its time.
    Expired,
    /// It acted, but the acknowledgement was refused (the reason is in `detail`).
    Refused,
}

/// What the link's page shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkPage {
    /// Where it stands.
    pub state: LinkState,
    /// The ticket's number.
    pub number: String,
    /// Its title.
    pub title: String,
    /// Its severity key.
    pub severity: String,
    /// Whom the link acts as (display name).
    pub person: String,
    /// Until when it acts.
    pub expires_at: DateTime<Utc>,
    /// When it was used.
    pub used_at: Option<DateTime<Utc>>,
    /// When the ticket was acknowledged, if it was.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// By whom (login name).
    pub acknowledged_by: Option<String>,
    /// Why an acknowledgement was refused.
    pub detail: Option<String>,
}

struct Found {
    link: action_links::Model,
    ticket: tickets::Model,
    user: users::Model,
}

async fn find(db: &impl ConnectionTrait, token: &str) -> AppResult<Found> {
    let gone = || AppError::NotFound("this link is not known; it may have been mistyped".into());
    let link = action_links::Entity::find()
        .filter(action_links::Column::TokenHash.eq(hash(token.trim())))
        .one(db)
        .await?
        .ok_or_else(gone)?;
    let ticket = tickets::Entity::find_by_id(link.ticket_id)
        .one(db)
        .await?
        .ok_or_else(gone)?;
    let user = users::Entity::find_by_id(link.user_id)
        .one(db)
        .await?
        .ok_or_else(gone)?;
    Ok(Found { link, ticket, user })
}

/// Who acknowledged ticket `id` first and when, if anyone did.
async fn acknowledged(db: &impl ConnectionTrait, id: i64) -> AppResult<Option<(DateTime<Utc>, Option<String>)>> {
    let Some(e) = ticket_events::Entity::find()
        .filter(ticket_events::Column::TicketId.eq(id))
        .filter(ticket_events::Column::Kind.eq("acknowledged"))
        .order_by_asc(ticket_events::Column::Seq)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let by = match e.actor_id {
        Some(a) => users::Entity::find_by_id(a).one(db).await?.map(|u| u.username),
        None => None,
    };
    Ok(Some((e.at, by)))
}

async fn page(
    db: &impl ConnectionTrait,
    f: &Found,
    now: DateTime<Utc>,
    state: Option<LinkState>,
) -> AppResult<LinkPage> {
    let ack = acknowledged(db, f.ticket.id).await?;
    let state = state.unwrap_or(match (&f.link.used_at, &ack) {
        (Some(_), _) => LinkState::Used,
        (None, Some(_)) => LinkState::AlreadyAcknowledged,
        (None, None) if f.link.expires_at <= now => LinkState::Expired,
        (None, None) => LinkState::Ready,
    });
    Ok(LinkPage {
        state,
        number: f.ticket.number.clone(),
        title: f.ticket.title.clone(),
        severity: f.ticket.severity.key().to_owned(),
        person: f.user.display_name.clone(),
        expires_at: f.link.expires_at,
        used_at: f.link.used_at,
        acknowledged_at: ack.as_ref().map(|(at, _)| *at),
        acknowledged_by: ack.and_then(|(_, by)| by),
        detail: None,
    })
}

/// What link `token` would do (nothing is changed).
pub async fn peek(ctx: &Context, token: &str) -> AppResult<LinkPage> {
    let f = find(&ctx.db, token).await?;
    page(&ctx.db, &f, ctx.now(), None).await
}

/// Uses link `token`: acknowledges its ticket as its person, once. A used, expired or
/// superseded link changes nothing and says why.
pub async fn acknowledge(ctx: &Context, from: &ClientAddr, token: &str) -> AppResult<LinkPage> {
    let now = ctx.now();
    let f = find(&ctx.db, token).await?;
    let before = page(&ctx.db, &f, now, None).await?;
    if before.state != LinkState::Ready {
        return Ok(before);
    }
    // Use it up first: of two taps at once exactly one goes on.
    let txn = ctx.begin_write().await?;
    let claimed = action_links::Entity::update_many()
        .col_expr(action_links::Column::UsedAt, Expr::value(now))
        .filter(action_links::Column::Id.eq(f.link.id))
        .filter(action_links::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        drop(txn);
        let f = find(&ctx.db, token).await?;
        return page(&ctx.db, &f, now, None).await;
    }
    let detail = serde_json::json!({ "link": f.link.id, "ticket": f.ticket.number, "message": f.link.outbox_key });
    audit::record(
        &txn,
        Some(f.user.id),
        "action_link.use",
        &f.ticket.number,
        detail,
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    if f.user.disabled {
        return refused(ctx, token, now, "this account is disabled".into()).await;
    }
    let principal = crate::app::auth::Principal::of(&f.user)?;
    let body = crate::app::tickets::actions::ActionRequest {
        version: f.ticket.version,
        ..Default::default()
    };
    let mut version_tries = 0;
    let mut body = body;
    loop {
        match crate::app::tickets::actions::perform(ctx, &principal, from, &f.ticket.number, ACKNOWLEDGE, body).await {
            Ok(_) => {
                let f = find(&ctx.db, token).await?;
                return page(&ctx.db, &f, now, Some(LinkState::Done)).await;
            }
            // Someone commented meanwhile: the acknowledgement still stands on the new version.
            Err(AppError::VersionConflict { current, .. }) if version_tries < 3 => {
                version_tries += 1;
                body = crate::app::tickets::actions::ActionRequest {
                    version: current,
                    ..Default::default()
                };
            }
            Err(e @ AppError::Internal(_)) => return Err(e),
            Err(e) => {
                let f = find(&ctx.db, token).await?;
                let mut p = page(&ctx.db, &f, now, None).await?;
                if p.acknowledged_at.is_none() {
                    p.state = LinkState::Refused;
                    p.detail = Some(e.to_string());
                } else {
                    p.state = LinkState::AlreadyAcknowledged;
                }
                return Ok(p);
            }
        }
    }
}

async fn refused(ctx: &Context, token: &str, now: DateTime<Utc>, why: String) -> AppResult<LinkPage> {
    let f = find(&ctx.db, token).await?;
    let mut p = page(&ctx.db, &f, now, Some(LinkState::Refused)).await?;
    p.detail = Some(why);
    Ok(p)
}

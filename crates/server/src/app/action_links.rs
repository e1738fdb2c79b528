//! Links that act from a message: one tap on a phone acknowledges a ticket as the person the
//! message was sent to.
//!
//! Each notice to someone who may acknowledge an unacknowledged ticket carries its own link,
//! `{public_url}/a/{token}`. The token is 16 random bytes (22 characters) in a mail, 9 random
//! bytes (12 characters, 72 bits) in a text message, where every character counts against the
//! 70 of a segment ([`new_short_token`]); only its SHA-256 is stored, with whom it acts as, on
//! which ticket, and until when ([`crate::app::notices::Rules::link_valid`], 24 hours by
//! default).
//!
//! - Opening the link only shows what it would do ([`peek`]); mail scanners that fetch links
//!   change nothing. The page's button posts the form back ([`acknowledge`]).
//! - The post acknowledges through the same use case and permission checks as the API
//!   ([`crate::app::tickets::actions::perform`]), audited as that person (the ticket's timeline
//!   shows them as the actor), then marks the link used. A refusal (the person may no longer
//!   acknowledge it, the account is disabled or must set its password) leaves it unused.
//! - A second tap does nothing and says when the link was used; a ticket someone else
//!   acknowledged first says so; an expired or unknown link says so. Only a link that can
//!   still act shows what the ticket is about.
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

/// A new random token for a text message: 12 URL-safe characters, 72 random bits. Shorter than
/// a mail's ([`new_token`]) so that the title still fits a 70-unit segment beside a real
/// `public_url`. Guessing stays out of reach: a link acts once, for a day, and one guess in
/// 2^72 finds any given link (a billion guesses a second would take some 150 000 years).
///
/// ```
/// let t = opsclock::app::action_links::new_short_token();
/// assert_eq!(t.len(), 12);
/// assert!(t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
/// ```
pub fn new_short_token() -> String {
    let bytes: [u8; 9] = rand::rng().random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The address of the page of `token`.
pub fn url(links: &crate::app::escalation::Links, token: &str) -> String {
    format!("{}/a/{token}", links.public_url)
}

/// Stores link `token` ([`new_token`]) acting as `user_id` on `ticket_id` until `from + valid`
/// (`from`: when the message may go), carried by the outbox message `outbox_key`, made at `now`.
/// Call it in the transaction that queues the message.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    db: &impl ConnectionTrait,
    token: &str,
    user_id: i64,
    ticket_id: i64,
    outbox_key: &str,
    valid: chrono::TimeDelta,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    row(token, user_id, ticket_id, outbox_key, valid, from, now)
        .insert(db)
        .await?;
    Ok(())
}

/// The row [`insert`] inserts, for a caller that inserts several in one statement (the
/// escalation sweep, a step's texts).
pub fn row(
    token: &str,
    user_id: i64,
    ticket_id: i64,
    outbox_key: &str,
    valid: chrono::TimeDelta,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> action_links::ActiveModel {
    action_links::ActiveModel {
        token_hash: Set(hash(token)),
        action: Set(ACKNOWLEDGE.to_owned()),
        user_id: Set(user_id),
        ticket_id: Set(ticket_id),
        outbox_key: Set(outbox_key.to_owned()),
        expires_at: Set(from + valid),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
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
    // What the ticket is about is shown only while the link can act (or has just acted): a
    // forwarded, used or expired link says where it stands and no more.
    let open = matches!(state, LinkState::Ready | LinkState::Done);
    Ok(LinkPage {
        state,
        number: f.ticket.number.clone(),
        title: if open { f.ticket.title.clone() } else { String::new() },
        severity: f.ticket.severity.key().to_owned(),
        person: if open {
            f.user.display_name.clone()
        } else {
            String::new()
        },
        expires_at: f.link.expires_at,
        used_at: f.link.used_at,
        acknowledged_at: ack.as_ref().map(|(at, _)| *at),
        acknowledged_by: ack.and_then(|(_, by)| by).filter(|_| open),
        detail: None,
    })
}

/// What link `token` would do (nothing is changed).
pub async fn peek(ctx: &Context, token: &str) -> AppResult<LinkPage> {
    let f = find(&ctx.db, token).await?;
    page(&ctx.db, &f, ctx.now(), None).await
}

/// Uses link `token`: acknowledges its ticket as its person, then marks the link used. A used or
/// expired link, or a ticket acknowledged already, changes nothing and says so. A refusal (the
/// person may no longer acknowledge it) leaves the link unused and says why.
pub async fn acknowledge(ctx: &Context, from: &ClientAddr, token: &str) -> AppResult<LinkPage> {
    let now = ctx.now();
    let f = find(&ctx.db, token).await?;
    let before = page(&ctx.db, &f, now, None).await?;
    if before.state != LinkState::Ready {
        return Ok(before);
    }
    if f.user.disabled || f.user.must_change_password {
        let why = if f.user.disabled {
            "this account is disabled"
        } else {
            "this account must set its password first: sign in"
        };
        let mut p = before;
        p.state = LinkState::Refused;
        p.detail = Some(why.into());
        return Ok(p);
    }
    let principal = crate::app::auth::Principal::of(&f.user)?;
    let mut version = f.ticket.version;
    let mut tries = 0;
    let outcome = loop {
        let body = crate::app::tickets::actions::ActionRequest {
            version,
            ..Default::default()
        };
        match crate::app::tickets::actions::perform(ctx, &principal, from, &f.ticket.number, ACKNOWLEDGE, body).await {
            Ok(_) => break Ok(()),
            // Someone commented meanwhile: acknowledge on the new version.
            Err(AppError::VersionConflict { current, .. }) if tries < 3 => {
                tries += 1;
                version = current;
            }
            Err(e) => break Err(e),
        }
    };
    let acked = acknowledged(&ctx.db, f.ticket.id).await?;
    let state = match outcome {
        Ok(()) => LinkState::Done,
        // Acknowledged by someone else first (another link, the page, the API): done with.
        Err(_) if acked.is_some() => LinkState::AlreadyAcknowledged,
        Err(e @ AppError::Internal(_)) => return Err(e),
        Err(e) => {
            let mut p = page(&ctx.db, &f, now, Some(LinkState::Refused)).await?;
            p.detail = Some(e.to_string());
            return Ok(p);
        }
    };
    use_up(ctx, from, &f, now).await?;
    let f = find(&ctx.db, token).await?;
    page(&ctx.db, &f, now, Some(state)).await
}

/// Marks the link used (once) and audits it as its person.
async fn use_up(ctx: &Context, from: &ClientAddr, f: &Found, now: DateTime<Utc>) -> AppResult<()> {
    let txn = ctx.begin_write().await?;
    let claimed = action_links::Entity::update_many()
        .col_expr(action_links::Column::UsedAt, Expr::value(now))
        .filter(action_links::Column::Id.eq(f.link.id))
        .filter(action_links::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 1 {
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
    }
    txn.commit().await?;
    Ok(())
}

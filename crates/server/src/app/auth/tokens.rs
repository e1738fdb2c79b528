//! Personal API tokens: an admin (or an operator at the command line) issues one for a user,
//! shown once and stored hashed, optionally with an expiry; the user sees and revokes their own.
//! A token is refused after its expiry; when it was last used is recorded, at most once a
//! minute per token, so that a script's burst of requests does not become a burst of writes.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::app::audit::{self, Actor, ClientAddr};
use crate::app::auth::{Principal, secret};
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{api_tokens, users};

/// How stale `last_used_at` may get before a use writes it again.
pub const LAST_USED_EVERY: TimeDelta = TimeDelta::minutes(1);

/// Issues a token called `name` for `username` and returns it: the only time it is seen. A
/// person needs to be allowed to manage tokens (admins); `expires_at`, if given, must be later
/// than now.
pub async fn create(
    ctx: &Context,
    by: Actor<'_>,
    from: &ClientAddr,
    username: &str,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<String> {
    if let Actor::Person(p) = by {
        permissions::check(p, Action::TokenManage)?;
    }
    let now = ctx.now();
    if let Some(at) = expires_at.filter(|at| *at <= now) {
        return Err(AppError::invalid(
            "expires_at",
            format!("the expiry {at} is not in the future"),
        ));
    }
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::invalid("username", format!("no user {username:?}")))?;
    let token = secret::new_secret("ocp_");
    let txn = ctx.begin_write().await?;
    let row = api_tokens::ActiveModel {
        user_id: Set(user.id),
        name: Set(name.to_owned()),
        token_hash: Set(secret::secret_hash(&token)),
        created_at: Set(now),
        last_used_at: Set(None),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record_by(
        &txn,
        by,
        "token.create",
        &user.username,
        json!({"id": row.id, "name": name, "expires_at": expires_at}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// Revokes token `id` (admins, or an operator).
pub async fn revoke(ctx: &Context, by: Actor<'_>, from: &ClientAddr, id: i64) -> AppResult<()> {
    if let Actor::Person(p) = by {
        permissions::check(p, Action::TokenManage)?;
    }
    let txn = ctx.begin_write().await?;
    let gone = api_tokens::Entity::delete_by_id(id).exec(&txn).await?.rows_affected;
    if gone == 0 {
        return Err(AppError::NotFound(format!("no token {id}")));
    }
    audit::record_by(&txn, by, "token.revoke", &id.to_string(), json!({}), from, ctx.now()).await?;
    txn.commit().await?;
    Ok(())
}

/// One of the caller's API tokens (never the secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenView {
    /// Its id (to revoke it).
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it was last used (to the minute), if ever.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops being valid; none: until revoked.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it has expired.
    pub expired: bool,
}

/// The caller's API tokens, oldest first.
pub async fn mine(ctx: &Context, p: &Principal) -> AppResult<Vec<TokenView>> {
    let now = ctx.now();
    Ok(api_tokens::Entity::find()
        .filter(api_tokens::Column::UserId.eq(p.user_id))
        .order_by_asc(api_tokens::Column::Id)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
            expired: t.expires_at.is_some_and(|e| e <= now),
        })
        .collect())
}

/// Revokes the caller's token `id` (another's, or none, answers 404). A request authenticated by
/// token `id` itself (`used` is the bearer secret it came with) may not revoke it (409): a
/// script would cut off its own access half-way; revoke it from a session or another token.
pub async fn revoke_mine(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: i64,
    used: Option<&str>,
) -> AppResult<()> {
    let txn = ctx.begin_write().await?;
    let token = api_tokens::Entity::find_by_id(id)
        .filter(api_tokens::Column::UserId.eq(p.user_id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("you have no API token {id}")))?;
    if used.is_some_and(|u| secret::secret_hash(u) == token.token_hash) {
        return Err(AppError::Conflict(format!(
            "this request is authenticated by API token {id} itself; revoke it from the page \
             /me/security or with another token"
        )));
    }
    api_tokens::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "token.revoke",
        &id.to_string(),
        json!({}),
        from,
        ctx.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The user a bearer `token` acts for: refused when unknown (revoked, mistyped) or expired.
/// Records the use when the last one recorded is a minute old or more.
///
/// The token's row is read through the configuration cache ([`crate::app::cache`]) when the
/// caller reads inside one: revoking or expiring a token moves the epoch, so the next request
/// reads it again. When it was last used is not part of that (a use does not empty the cache):
/// the kept row carries the last use this process recorded or read.
pub async fn authenticate(ctx: &Context, token: &str) -> AppResult<i64> {
    let now = ctx.now();
    let hash = secret::secret_hash(token);
    let keep = |(row, _): &(Option<api_tokens::Model>, _)| row.is_some();
    let (row, last_used) = crate::app::cache::cached_if("api_token", &hash, keep, || async {
        let row = api_tokens::Entity::find()
            .filter(api_tokens::Column::TokenHash.eq(hash.as_str()))
            .one(&ctx.db)
            .await?;
        let last = row
            .as_ref()
            .and_then(|r| r.last_used_at)
            .map_or(i64::MIN, |t| t.timestamp_millis());
        Ok::<_, sea_orm::DbErr>((row, std::sync::Arc::new(std::sync::atomic::AtomicI64::new(last))))
    })
    .await?;
    let row = row.ok_or_else(|| AppError::Unauthorized("the API token is not valid (revoked or mistyped)".into()))?;
    if let Some(at) = row.expires_at.filter(|at| *at <= now) {
        return Err(AppError::Unauthorized(format!(
            "the API token {:?} expired at {at}; ask an administrator for a new one",
            row.name
        )));
    }
    let known = last_used.load(std::sync::atomic::Ordering::Relaxed);
    if now.timestamp_millis().saturating_sub(known) >= LAST_USED_EVERY.num_milliseconds() {
        last_used.store(now.timestamp_millis(), std::sync::atomic::Ordering::Relaxed);
        // Conditional, so that of a burst of requests only one writes.
        let recorded = api_tokens::Entity::update_many()
            .col_expr(api_tokens::Column::LastUsedAt, Expr::value(Some(now)))
            .filter(api_tokens::Column::Id.eq(row.id))
            .filter(
                Condition::any()
                    .add(api_tokens::Column::LastUsedAt.is_null())
                    .add(api_tokens::Column::LastUsedAt.lte(now - LAST_USED_EVERY)),
            )
            .exec(&ctx.db)
            .await;
        if let Err(e) = recorded {
            // A missed record is no reason to refuse the request.
            tracing::warn!(token = row.id, error = %e, "cannot record the API token's last use");
        }
    }
    Ok(row.user_id)
}

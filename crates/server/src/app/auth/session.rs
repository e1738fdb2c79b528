//! Signing in and out, and changing one's password: the use cases behind both doors' sign-in
//! (the cookie and the per-address throttle are the HTTP doors', in [`crate::http::session`]).

use chrono::{TimeDelta, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Principal, secret};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{sessions, users};

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// When an account is locked: after `after` failed sign-ins in a row, for `lock_for`.
#[derive(Debug, Clone, Copy)]
pub struct Lockout {
    /// Failed sign-ins in a row that lock the account.
    pub after: i32,
    /// How long it stays locked.
    pub lock_for: TimeDelta,
}

/// Signs `body`'s user in: checks the password (counting the attempt first, and locking the
/// account per `lockout`), starts a session and returns who signed in with the session's secret.
pub async fn sign_in(
    ctx: &Context,
    lockout: Lockout,
    body: &SignIn,
    from: &ClientAddr,
) -> AppResult<(Principal, String)> {
    let now = ctx.now();
    let name = body.username.trim();
    // Each attempt is counted before the password is checked, in one statement, so that
    // parallel guesses (from several addresses or replicas) cannot all slip in under the limit.
    users::Entity::update_many()
        .col_expr(
            users::Column::FailedSignIns,
            Expr::col(users::Column::FailedSignIns).add(1),
        )
        .filter(users::Column::Username.eq(name))
        .filter(not_locked(now))
        .exec(&ctx.db)
        .await?;
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(name))
        .one(&ctx.db)
        .await?;
    if let Some(until) = user.as_ref().and_then(|u| u.locked_until).filter(|t| *t > now) {
        return Err(locked(until, now));
    }
    let over = user.as_ref().is_some_and(|u| u.failed_sign_ins > lockout.after);
    let ok = !over
        && user.as_ref().is_some_and(|u| {
            !u.disabled
                && u.password_hash
                    .as_deref()
                    .is_some_and(|h| secret::verify_password(&body.password, h))
        });
    let Some(user) = user.filter(|_| ok) else {
        audit::record(
            &ctx.db,
            None,
            "session.failed",
            &body.username,
            serde_json::json!({}),
            from,
            now,
        )
        .await?;
        if let Some(until) = lock_if_due(ctx, lockout, name, now).await? {
            audit::record(
                &ctx.db,
                None,
                "session.locked",
                &body.username,
                serde_json::json!({ "until": until }),
                from,
                now,
            )
            .await?;
            return Err(locked(until, now));
        }
        return Err(AppError::Unauthorized("wrong username or password".into()));
    };
    // Signed in: the count starts again (unless a lock was set meanwhile).
    users::Entity::update_many()
        .col_expr(users::Column::FailedSignIns, Expr::value(0))
        .col_expr(
            users::Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(users::Column::Id.eq(user.id))
        .filter(not_locked(now))
        .exec(&ctx.db)
        .await?;
    let token = secret::new_secret("ocs_");
    sessions::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(secret::secret_hash(&token)),
        created_at: Set(now),
        expires_at: Set(now + TimeDelta::hours(SESSION_HOURS)),
        ..Default::default()
    }
    .insert(&ctx.db)
    .await?;
    audit::record(
        &ctx.db,
        Some(user.id),
        "session.start",
        &user.username,
        serde_json::json!({}),
        from,
        now,
    )
    .await?;
    Ok((Principal::of(&user)?, token))
}

/// Locks the account when its counted attempts have reached the limit (the attempt was counted
/// before the password was checked); returns until when, if this call locked it.
async fn lock_if_due(
    ctx: &Context,
    lockout: Lockout,
    username: &str,
    now: chrono::DateTime<Utc>,
) -> AppResult<Option<chrono::DateTime<Utc>>> {
    let until = now + lockout.lock_for;
    let locked = users::Entity::update_many()
        .col_expr(users::Column::FailedSignIns, Expr::value(0))
        .col_expr(users::Column::LockedUntil, Expr::value(Some(until)))
        .filter(users::Column::Username.eq(username))
        .filter(users::Column::FailedSignIns.gte(lockout.after))
        .filter(not_locked(now))
        .exec(&ctx.db)
        .await?;
    Ok((locked.rows_affected > 0).then_some(until))
}

/// The account is not locked at `now` (never locked, or the lock has run out).
fn not_locked(now: chrono::DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(users::Column::LockedUntil.is_null())
        .add(users::Column::LockedUntil.lte(now))
}

fn locked(until: chrono::DateTime<Utc>, now: chrono::DateTime<Utc>) -> AppError {
    let wait = Ord::max((until - now).num_seconds(), 1) as u64;
    AppError::TooManyRequests {
        detail: format!(
            "the account is locked after too many failed sign-ins until {} (in {} min); an \
             administrator can reset it with `opsclock user passwd`",
            until
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M CST"),
            wait.div_ceil(60)
        ),
        retry_after: wait,
    }
}

/// Ends the session whose secret is `token` (nothing if there is none).
pub async fn sign_out(ctx: &Context, token: &str) -> AppResult<()> {
    sessions::Entity::delete_many()
        .filter(sessions::Column::TokenHash.eq(secret::secret_hash(token)))
        .exec(&ctx.db)
        .await?;
    Ok(())
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current (or one-time) password.
    pub current: String,
    /// The new password, at least 10 characters.
    pub new: String,
}

/// Changes `p`'s password (required after signing in with a one-time password).
pub async fn change_password(ctx: &Context, p: &Principal, from: &ClientAddr, body: &PasswordChange) -> AppResult<()> {
    let user = users::Entity::find_by_id(p.user_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::Unauthorized("the account is gone".into()))?;
    if !user
        .password_hash
        .as_deref()
        .is_some_and(|h| secret::verify_password(&body.current, h))
    {
        return Err(AppError::invalid("current", "the current password is wrong"));
    }
    if body.new == body.current {
        return Err(AppError::invalid(
            "new",
            "the new password must differ from the current one",
        ));
    }
    let hash = secret::hash_password(&body.new).map_err(|e| match e {
        secret::PasswordError::TooShort => AppError::invalid("new", e.to_string()),
        other => AppError::Internal(anyhow::anyhow!(other)),
    })?;
    let mut am = sea_orm::IntoActiveModel::into_active_model(user);
    am.password_hash = Set(Some(hash));
    am.must_change_password = Set(false);
    am.update(&ctx.db).await?;
    audit::record(
        &ctx.db,
        Some(p.user_id),
        "user.password",
        &p.username,
        serde_json::json!({}),
        from,
        ctx.now(),
    )
    .await?;
    Ok(())
}

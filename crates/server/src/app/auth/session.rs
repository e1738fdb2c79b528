//! Signing in and out, changing one's password, and one's own sessions: the use cases behind
//! both doors' sign-in (the cookie and the per-address limit are the HTTP doors', in
//! [`crate::http::session`]).

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::throttle::{self, Throttle};
use crate::app::auth::{Principal, secret};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{api_tokens, sessions, users};

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

/// The longest login name, in characters. A longer name is refused before anything is counted
/// or recorded: every sign-in attempt writes its name into the throttle's tables and a failed
/// one into the audit log, so an unbounded name (up to the 64 KiB body limit) would let anyone
/// fill the disk with guesses. Accounts are created under the same bound
/// ([`crate::app::auth::accounts`]).
pub const MAX_USERNAME_CHARS: usize = 64;

/// Refuses a login name longer than [`MAX_USERNAME_CHARS`], naming the field.
pub fn check_username(name: &str) -> AppResult<()> {
    let n = name.chars().count();
    if n > MAX_USERNAME_CHARS {
        return Err(AppError::invalid(
            "username",
            format!("{n} characters; a login name has at most {MAX_USERNAME_CHARS}"),
        ));
    }
    Ok(())
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Signs `body`'s user in from `from`: counts the attempt for the (name, address) pair and for
/// the name over all addresses first ([`throttle`]: a pair that failed too often waits, and so
/// do addresses new to an account that failed too often from anywhere), checks the password off
/// the async threads (against a dummy hash when the name has none, so that every refusal takes
/// as long), starts a session and returns who signed in with the session's secret.
pub async fn sign_in(
    ctx: &Context,
    limits: Throttle,
    body: &SignIn,
    from: &ClientAddr,
) -> AppResult<(Principal, String)> {
    let now = ctx.now();
    let name = body.username.trim();
    check_username(name)?;
    let addr = from.0.as_deref().unwrap_or("unknown");
    // A turn to check the password first: a sign-in the server has no room for is not counted.
    let turn = ctx.passwords.turn().await.map_err(secret::PasswordError::into_app)?;
    let counted = throttle::attempt(&ctx.db, limits, name, addr, now).await?;
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(name))
        .one(&ctx.db)
        .await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let matches = turn
        .check(&body.password, stored)
        .await
        .map_err(secret::PasswordError::into_app)?;
    let Some(user) = user.filter(|u| matches && !u.disabled) else {
        audit::record(
            &ctx.db,
            None,
            "session.failed",
            &body.username,
            serde_json::json!({ "failures": counted.pair, "account_failures": counted.account }),
            from,
            now,
        )
        .await?;
        return Err(AppError::Unauthorized("wrong username or password".into()));
    };
    throttle::signed_in(&ctx.db, name, addr, counted, now).await?;
    let token = secret::new_secret("ocs_");
    sessions::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(secret::secret_hash(&token)),
        created_at: Set(now),
        expires_at: Set(now + TimeDelta::hours(SESSION_HOURS)),
        remote_addr: Set(from.0.clone()),
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
    /// Also revoke every API token of the account [default false: tokens are issued by an
    /// administrator for scripts, and a password does not give them]. The account's other
    /// sessions end in any case.
    #[serde(default)]
    pub revoke_tokens: bool,
}

/// What a password change or reset ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Ended {
    /// Sessions ended.
    pub sessions: u64,
    /// API tokens revoked.
    pub tokens: u64,
}

/// Changes `p`'s password (required after signing in with a one-time password) and ends the
/// account's other sessions: every one but `current_session` (the secret of the session making
/// the change, if it is made from one), and, with `revoke_tokens`, its API tokens.
///
/// The current password is a guess like a sign-in's, counted by the same [`throttle`] under the
/// account's name and the caller's address: whoever holds a stolen session or token cannot try
/// passwords faster here than at the sign-in, and each wrong one is audited
/// (`password.change_failed`).
pub async fn change_password(
    ctx: &Context,
    limits: Throttle,
    p: &Principal,
    from: &ClientAddr,
    body: &PasswordChange,
    current_session: Option<&str>,
) -> AppResult<Ended> {
    let now = ctx.now();
    let user = users::Entity::find_by_id(p.user_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::Unauthorized("the account is gone".into()))?;
    let addr = from.0.as_deref().unwrap_or("unknown");
    let turn = ctx.passwords.turn().await.map_err(secret::PasswordError::into_app)?;
    let counted = throttle::attempt(&ctx.db, limits, &user.username, addr, now).await?;
    let matches = turn
        .check(&body.current, user.password_hash.as_deref())
        .await
        .map_err(secret::PasswordError::into_app)?;
    if !matches {
        audit::record(
            &ctx.db,
            Some(p.user_id),
            "password.change_failed",
            &user.username,
            serde_json::json!({ "failures": counted.pair, "account_failures": counted.account }),
            from,
            now,
        )
        .await?;
        return Err(AppError::invalid("current", "the current password is wrong"));
    }
    throttle::signed_in(&ctx.db, &user.username, addr, counted, now).await?;
    if body.new == body.current {
        return Err(AppError::invalid(
            "new",
            "the new password must differ from the current one",
        ));
    }
    let hash = secret::hash_password_off_thread(&ctx.passwords, &body.new)
        .await
        .map_err(|e| match e {
            secret::PasswordError::TooShort => AppError::invalid("new", e.to_string()),
            other => other.into_app(),
        })?;
    let txn = ctx.begin_write().await?;
    let mut am = user.into_active_model();
    am.password_hash = Set(Some(hash));
    am.must_change_password = Set(false);
    am.update(&txn).await?;
    let ended = end_access(&txn, p.user_id, current_session, body.revoke_tokens).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "user.password",
        &p.username,
        serde_json::json!({ "sessions_ended": ended.sessions, "tokens_revoked": ended.tokens }),
        from,
        ctx.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// Ends `user_id`'s sessions but the one whose secret is `keep`, and with `tokens` revokes its
/// API tokens.
pub async fn end_access(db: &impl ConnectionTrait, user_id: i64, keep: Option<&str>, tokens: bool) -> AppResult<Ended> {
    let mut sessions_of = sessions::Entity::delete_many().filter(sessions::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        sessions_of = sessions_of.filter(sessions::Column::TokenHash.ne(secret::secret_hash(keep)));
    }
    let sessions = sessions_of.exec(db).await?.rows_affected;
    let tokens = if tokens {
        api_tokens::Entity::delete_many()
            .filter(api_tokens::Column::UserId.eq(user_id))
            .exec(db)
            .await?
            .rows_affected
    } else {
        0
    };
    Ok(Ended { sessions, tokens })
}

/// One of the caller's sessions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionView {
    /// Its id (to end it).
    pub id: i64,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// When it ends by itself.
    pub expires_at: DateTime<Utc>,
    /// The address it was started from, when known.
    pub remote_addr: Option<String>,
    /// Whether it is the session of this request.
    pub current: bool,
}

/// The caller's sessions that have not expired, newest first; `current_session` is the secret of
/// the request's own, if it came with one.
pub async fn my_sessions(ctx: &Context, p: &Principal, current_session: Option<&str>) -> AppResult<Vec<SessionView>> {
    let current = current_session.map(secret::secret_hash);
    Ok(sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(p.user_id))
        .filter(sessions::Column::ExpiresAt.gt(ctx.now()))
        .order_by_desc(sessions::Column::CreatedAt)
        .order_by_desc(sessions::Column::Id)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            created_at: s.created_at,
            expires_at: s.expires_at,
            remote_addr: s.remote_addr,
            current: current.as_deref() == Some(s.token_hash.as_str()),
        })
        .collect())
}

/// Ends the caller's session `id` (another's, or none, answers 404).
pub async fn end_my_session(ctx: &Context, p: &Principal, from: &ClientAddr, id: i64) -> AppResult<()> {
    let txn = ctx.begin_write().await?;
    let gone = sessions::Entity::delete_many()
        .filter(sessions::Column::Id.eq(id))
        .filter(sessions::Column::UserId.eq(p.user_id))
        .exec(&txn)
        .await?
        .rows_affected;
    if gone == 0 {
        return Err(AppError::NotFound(format!("you have no session {id}")));
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "session.end",
        &p.username,
        serde_json::json!({ "session": id }),
        from,
        ctx.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

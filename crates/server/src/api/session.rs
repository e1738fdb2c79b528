//! Signing in and out; who am I.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{TimeDelta, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use utoipa::ToSchema;

use super::AppState;
use super::problem::{ApiError, ApiJson, ApiResult};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Principal, SESSION_COOKIE, secret};
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

/// Signs in: sets an HttpOnly session cookie and returns the principal.
///
/// Throttled per client address, and an account is locked for a while after too many failed
/// sign-ins in a row (see [`super::limits`]); both answer 429 with `Retry-After`.
#[utoipa::path(post, path = "/session", tag = "session", request_body = SignIn, security(()),
    responses((status = 200, body = Principal), (status = 401, body = super::problem::Problem),
        (status = 429, body = super::problem::Problem)))]
pub async fn sign_in(
    State(state): State<AppState>,
    from: ClientAddr,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<Response> {
    state
        .limits
        .sign_in_attempt(from.0.as_deref().unwrap_or("unknown"), std::time::Instant::now())?;
    let now = state.now();
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
        .exec(&state.db)
        .await?;
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(name))
        .one(&state.db)
        .await?;
    if let Some(until) = user.as_ref().and_then(|u| u.locked_until).filter(|t| *t > now) {
        return Err(locked(until, now));
    }
    let over = user
        .as_ref()
        .is_some_and(|u| u.failed_sign_ins > state.limits.lockout_after);
    let ok = !over
        && user.as_ref().is_some_and(|u| {
            !u.disabled
                && u.password_hash
                    .as_deref()
                    .is_some_and(|h| secret::verify_password(&body.password, h))
        });
    let Some(user) = user.filter(|_| ok) else {
        audit::record(
            &state.db,
            None,
            "session.failed",
            &body.username,
            serde_json::json!({}),
            &from,
            now,
        )
        .await?;
        if let Some(until) = lock_if_due(&state, name, now).await? {
            audit::record(
                &state.db,
                None,
                "session.locked",
                &body.username,
                serde_json::json!({ "until": until }),
                &from,
                now,
            )
            .await?;
            return Err(locked(until, now));
        }
        return Err(ApiError::Unauthorized("wrong username or password".into()));
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
        .exec(&state.db)
        .await?;
    let token = secret::new_secret("ocs_");
    sessions::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(secret::secret_hash(&token)),
        created_at: Set(now),
        expires_at: Set(now + TimeDelta::hours(SESSION_HOURS)),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    audit::record(
        &state.db,
        Some(user.id),
        "session.start",
        &user.username,
        serde_json::json!({}),
        &from,
        now,
    )
    .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if state.secure_cookies { "; Secure" } else { "" }
    );
    let mut res = axum::Json(Principal::of(&user)?).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.into()))?,
    );
    Ok(res)
}

/// Locks the account when its counted attempts have reached the limit (the attempt was counted
/// before the password was checked); returns until when, if this call locked it.
async fn lock_if_due(
    state: &AppState,
    username: &str,
    now: chrono::DateTime<Utc>,
) -> ApiResult<Option<chrono::DateTime<Utc>>> {
    let until = now + state.limits.lockout_for;
    let locked = users::Entity::update_many()
        .col_expr(users::Column::FailedSignIns, Expr::value(0))
        .col_expr(users::Column::LockedUntil, Expr::value(Some(until)))
        .filter(users::Column::Username.eq(username))
        .filter(users::Column::FailedSignIns.gte(state.limits.lockout_after))
        .filter(not_locked(now))
        .exec(&state.db)
        .await?;
    Ok((locked.rows_affected > 0).then_some(until))
}

/// The account is not locked at `now` (never locked, or the lock has run out).
fn not_locked(now: chrono::DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(users::Column::LockedUntil.is_null())
        .add(users::Column::LockedUntil.lte(now))
}

fn locked(until: chrono::DateTime<Utc>, now: chrono::DateTime<Utc>) -> ApiError {
    let wait = Ord::max((until - now).num_seconds(), 1) as u64;
    ApiError::TooManyRequests {
        detail: format!(
            "the account is locked after too many failed sign-ins until {} (in {} min); an \
             administrator can reset it with `opsclock user passwd`",
            until
                .with_timezone(&crate::web::templates::ZONE)
                .format("%Y-%m-%d %H:%M CST"),
            wait.div_ceil(60)
        ),
        retry_after: wait,
    }
}

/// Signs out: ends the session of the cookie sent.
#[utoipa::path(delete, path = "/session", tag = "session", responses((status = 204)))]
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = crate::app::auth::cookie(&headers, SESSION_COOKIE) {
        sessions::Entity::delete_many()
            .filter(sessions::Column::TokenHash.eq(secret::secret_hash(&token)))
            .exec(&state.db)
            .await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("opsclock_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(res)
}

/// Who the caller is.
#[utoipa::path(get, path = "/me", tag = "session", responses((status = 200, body = Principal)))]
pub async fn me(principal: Principal) -> axum::Json<Principal> {
    axum::Json(principal)
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

/// Changes the caller's password (required after signing in with a one-time password).
#[utoipa::path(post, path = "/me/password", tag = "session", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = super::problem::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    let user = users::Entity::find_by_id(p.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the account is gone".into()))?;
    if !user
        .password_hash
        .as_deref()
        .is_some_and(|h| secret::verify_password(&body.current, h))
    {
        return Err(ApiError::invalid("current", "the current password is wrong"));
    }
    if body.new == body.current {
        return Err(ApiError::invalid(
            "new",
            "the new password must differ from the current one",
        ));
    }
    let hash = secret::hash_password(&body.new).map_err(|e| match e {
        secret::PasswordError::TooShort => ApiError::invalid("new", e.to_string()),
        other => ApiError::Internal(anyhow::anyhow!(other)),
    })?;
    let mut am = sea_orm::IntoActiveModel::into_active_model(user);
    am.password_hash = Set(Some(hash));
    am.must_change_password = Set(false);
    am.update(&state.db).await?;
    audit::record(
        &state.db,
        Some(p.user_id),
        "user.password",
        &p.username,
        serde_json::json!({}),
        &from,
        state.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

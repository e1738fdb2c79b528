//! Signing in and out; who am I.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use utoipa::ToSchema;

use super::AppState;
use super::problem::{ApiError, ApiJson, ApiResult};
use crate::audit::{self, ClientAddr};
use crate::auth::{Principal, SESSION_COOKIE, secret};
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
#[utoipa::path(post, path = "/session", tag = "session", request_body = SignIn, security(()),
    responses((status = 200, body = Principal), (status = 401, body = super::problem::Problem)))]
pub async fn sign_in(
    State(state): State<AppState>,
    from: ClientAddr,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<Response> {
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(body.username.trim()))
        .one(&state.db)
        .await?;
    let ok = user.as_ref().is_some_and(|u| {
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
        )
        .await?;
        return Err(ApiError::Unauthorized("wrong username or password".into()));
    };
    let token = secret::new_secret("ocs_");
    let now = Utc::now();
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

/// Signs out: ends the session of the cookie sent.
#[utoipa::path(delete, path = "/session", tag = "session", responses((status = 204)))]
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = crate::auth::cookie(&headers, SESSION_COOKIE) {
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
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

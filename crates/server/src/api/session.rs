//! Signing in and out; who am I; my password, my sessions and my API tokens. The use cases are
//! [`crate::app::auth::session`]'s and [`crate::app::auth::tokens`]'; the cookie is
//! [`crate::http::session`]'s.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::problem::{ApiJson, ApiPath, ApiResult};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::auth::session::{self, PasswordChange, SessionView, SignIn};
use crate::app::auth::tokens::{self, TokenView};
use crate::app::notices::preferences::{self, Preferences, PreferencesPatch};
use crate::http::AppState;

/// Signs in: sets an HttpOnly session cookie and returns the principal.
///
/// Throttled per client address (an IPv6 address by its /64), per login name and address (after
/// a few failed sign-ins that pair waits before its next attempt, longer after each failure),
/// and per login name from addresses that have never signed in to it (after ten failures each
/// next such address waits up to a minute; the account's owner, from an address they signed in
/// from, is not held up). Each answers 429 with `Retry-After`. When the server is checking as
/// many passwords as it may at once, 503 with `Retry-After`.
#[utoipa::path(post, path = "/session", tag = "session", request_body = SignIn, security(()),
    responses((status = 200, body = Principal), (status = 401, body = super::problem::Problem),
        (status = 429, body = super::problem::Problem), (status = 503, body = super::problem::Problem)))]
pub async fn sign_in(
    State(state): State<AppState>,
    from: ClientAddr,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<Response> {
    Ok(crate::http::session::sign_in(&state, &from, &body).await?)
}

/// Signs out: ends the session of the cookie sent.
#[utoipa::path(delete, path = "/session", tag = "session", responses((status = 204)))]
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    Ok(crate::http::session::sign_out(&state, &headers, StatusCode::NO_CONTENT.into_response()).await?)
}

/// Who the caller is.
#[utoipa::path(get, path = "/me", tag = "session", responses((status = 200, body = Principal)))]
pub async fn me(principal: Principal) -> axum::Json<Principal> {
    axum::Json(principal)
}

/// Changes the caller's password (required after signing in with a one-time password). Ends the
/// account's other sessions (the one making the change stays signed in) and, with
/// `"revoke_tokens": true`, revokes its API tokens.
#[utoipa::path(post, path = "/me/password", tag = "session", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = super::problem::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    let current = crate::http::session::current_session(&headers);
    session::change_password(&state, state.limits.throttle(), &p, &from, &body, current.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's sessions that have not expired, newest first; `current` marks this request's.
#[utoipa::path(get, path = "/me/sessions", tag = "session",
    responses((status = 200, body = Vec<SessionView>)))]
pub async fn my_sessions(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
) -> ApiResult<axum::Json<Vec<SessionView>>> {
    let current = crate::http::session::current_session(&headers);
    Ok(axum::Json(session::my_sessions(&state, &p, current.as_deref()).await?))
}

/// Ends one of the caller's sessions (signed in elsewhere, or a device left behind).
#[utoipa::path(delete, path = "/me/sessions/{id}", tag = "session", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::problem::Problem)))]
pub async fn end_my_session(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    session::end_my_session(&state, &p, &from, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's API tokens (never their secrets): when each was last used and when it expires.
#[utoipa::path(get, path = "/me/tokens", tag = "session",
    responses((status = 200, body = Vec<TokenView>)))]
pub async fn my_tokens(State(state): State<AppState>, p: Principal) -> ApiResult<axum::Json<Vec<TokenView>>> {
    Ok(axum::Json(tokens::mine(&state, &p).await?))
}

/// Revokes one of the caller's API tokens; not the one this request is authenticated by (409).
#[utoipa::path(delete, path = "/me/tokens/{id}", tag = "session", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::problem::Problem),
        (status = 409, body = super::problem::Problem)))]
pub async fn revoke_my_token(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    let used = crate::http::extract::bearer(&headers);
    tokens::revoke_mine(&state, &p, &from, id, used).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's notification settings: the English copy, quiet hours per channel (see
/// docs/notifications.md).
#[utoipa::path(get, path = "/me/notifications", tag = "session",
    responses((status = 200, body = Preferences)))]
pub async fn my_notifications(State(state): State<AppState>, p: Principal) -> ApiResult<axum::Json<Preferences>> {
    Ok(axum::Json(preferences::get(&state, &p).await?))
}

/// Changes the caller's notification settings. Quiet hours are `HH:MM` China time, may run past
/// midnight, and hold back non-urgent notices on that channel until they end; urgent ones go at
/// once. 422 names a bad time (`quiet_hours.sms.from`).
#[utoipa::path(put, path = "/me/notifications", tag = "session", request_body = PreferencesPatch,
    responses((status = 200, body = Preferences), (status = 422, body = super::problem::Problem)))]
pub async fn set_my_notifications(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<PreferencesPatch>,
) -> ApiResult<axum::Json<Preferences>> {
    Ok(axum::Json(preferences::set(&state, &p, &from, body).await?))
}

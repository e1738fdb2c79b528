//! Signing in and out; who am I. The use cases are [`crate::app::auth::session`]'s; the
//! cookie is [`crate::http::session`]'s.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::problem::{ApiJson, ApiResult};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::auth::session::{self, PasswordChange, SignIn};
use crate::http::AppState;

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

/// Changes the caller's password (required after signing in with a one-time password).
#[utoipa::path(post, path = "/me/password", tag = "session", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = super::problem::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    session::change_password(&state, &p, &from, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! The session cookie both HTTP doors set and clear around the sign-in use cases
//! ([`crate::app::auth::session`]), and the per-address throttle in front of them.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::auth::session::{self, SESSION_HOURS, SignIn};
use crate::app::auth::throttle::address_group;
use crate::app::{AppError, AppResult};
use crate::http::AppState;
use crate::http::extract::{SESSION_COOKIE, cookie};

/// Signs in (throttled per client address, see [`crate::http::limits`], and per name and
/// address and per name over all addresses, see [`crate::app::auth::throttle`]) and answers with
/// the principal as JSON and the HttpOnly session cookie.
pub async fn sign_in(state: &AppState, from: &ClientAddr, body: &SignIn) -> AppResult<Response> {
    let group = address_group(from.0.as_deref().unwrap_or("unknown"));
    state.limits.sign_in_attempt(&group, std::time::Instant::now())?;
    let (principal, token): (Principal, String) = session::sign_in(state, state.limits.throttle(), body, from).await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if state.secure_cookies { "; Secure" } else { "" }
    );
    let mut res = axum::Json(principal).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(res)
}

/// Ends the session of the cookie sent, if any, and clears the cookie on `res`.
pub async fn sign_out(state: &AppState, headers: &HeaderMap, mut res: Response) -> AppResult<Response> {
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        session::sign_out(state, &token).await?;
    }
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("opsclock_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(res)
}

/// The secret of the session cookie sent, if any: the session a password change keeps.
pub fn current_session(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

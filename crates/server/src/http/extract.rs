//! What both HTTP doors read from a request: who is asking, and from where.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::app::audit::ClientAddr;
use crate::app::auth::{Principal, secret};
use crate::app::{AppError, AppResult};
use crate::db::entities::{sessions, users};
use crate::http::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "opsclock_session";

/// The token of an `Authorization: Bearer …` header, if there is one.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The caller of a request: a personal API token (`Authorization: Bearer ocp_…`) or the session
/// cookie the pages get when signing in. The API answers a failure as a problem, the pages by
/// sending the person to sign in.
///
/// The token and the person are read through the configuration cache ([`crate::app::cache`]):
/// one statement (the epoch) when neither changed since. The principal carries that epoch, so
/// that the request's use case reads the configuration as of it too ([`Principal::epoch`]).
pub async fn authenticate(parts: &Parts, state: &AppState) -> AppResult<Principal> {
    let (epoch, principal) = state
        .cache
        .read_now_saying(&state.db, authenticate_now(parts, state))
        .await;
    let mut p = principal?;
    p.epoch = epoch.map(|e| (e, std::time::Instant::now()));
    Ok(p)
}

async fn authenticate_now(parts: &Parts, state: &AppState) -> AppResult<Principal> {
    let unauthorized = || {
        AppError::Unauthorized("sign in (POST /api/v1/session) or send Authorization: Bearer <API token>".to_owned())
    };
    let mut via_session = false;
    let bearer = bearer(&parts.headers);
    let user_id = if let Some(token) = bearer {
        crate::app::auth::tokens::authenticate(state, token).await?
    } else if let Some(cookie) = cookie(&parts.headers, SESSION_COOKIE) {
        via_session = true;
        let row = sessions::Entity::find()
            .filter(sessions::Column::TokenHash.eq(secret::secret_hash(&cookie)))
            .one(&state.db)
            .await?
            .filter(|s| s.expires_at > state.now())
            .ok_or_else(|| AppError::Unauthorized("the session has expired; sign in again".into()))?;
        row.user_id
    } else {
        return Err(unauthorized());
    };
    let user = crate::app::cache::cached("user", user_id, || users::Entity::find_by_id(user_id).one(&state.db))
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(|| AppError::Unauthorized("the account is disabled".into()))?;
    // A one-time password signs in only to be changed (API tokens are issued deliberately
    // by an admin, so they are not held back).
    // Exactly these paths: a suffix would also let `/api/v1/windows/me` through.
    const TO_CHANGE_IT: [&str; 4] = ["/me", "/me/password", "/api/v1/me", "/api/v1/me/password"];
    let path = parts.uri.path();
    if via_session && user.must_change_password && !TO_CHANGE_IT.contains(&path) {
        return Err(AppError::Forbidden(
            "you signed in with a one-time password; set your own first: POST /api/v1/me/password".into(),
        ));
    }
    Principal::of(&user)
}

/// The value of cookie `name`, if sent.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The peer's address, or, with `[server] trust_forwarded_for` (behind a reverse proxy that
/// appends the client to `X-Forwarded-For`), the last address in that header.
impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let forwarded = state
            .limits
            .trust_forwarded_for
            .then(|| parts.headers.get_all("x-forwarded-for").iter().next_back())
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|last| last.trim().parse::<std::net::IpAddr>().ok());
        Ok(ClientAddr(forwarded.map(|ip| ip.to_string()).or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
        })))
    }
}

/// The path of the first text holding a NUL byte in a JSON value (see [`crate::app::text::nul_in`]):
/// the JSON doors refuse such a body with a 422 naming the field.
pub use crate::app::text::nul_in;

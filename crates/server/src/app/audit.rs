//! The audit log: every write, who did it, when, from where.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::db::entities::audit_log;

/// The client's address, when the server knows it.
#[derive(Debug, Clone, Default)]
pub struct ClientAddr(pub Option<String>);

/// The peer's address, or, with `[server] trust_forwarded_for` (behind a reverse proxy that
/// appends the client to `X-Forwarded-For`), the last address in that header.
impl FromRequestParts<crate::api::AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &crate::api::AppState) -> Result<Self, Self::Rejection> {
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

/// Appends an entry made at `at` (a handler's [`AppState::now`](crate::api::AppState::now), so
/// that the log agrees with the clock the request was judged by).
pub async fn record(
    db: &impl ConnectionTrait,
    user_id: Option<i64>,
    action: &str,
    target: &str,
    detail: serde_json::Value,
    from: &ClientAddr,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        at: Set(at),
        user_id: Set(user_id),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        detail: Set(detail),
        remote_addr: Set(from.0.clone()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}

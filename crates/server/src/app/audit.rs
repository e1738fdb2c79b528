//! The audit log: every write, who did it, when, from where.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::db::entities::audit_log;

/// The client's address, when the server knows it.
#[derive(Debug, Clone, Default)]
pub struct ClientAddr(pub Option<String>);

/// Appends an entry made at `at` (the use case's [`Context::now`](crate::app::Context::now), so
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

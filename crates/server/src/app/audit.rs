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
    entry(user_id, action, target, detail, from, at)
        .insert(db)
        .await
        .map(|_| ())
}

/// The entry [`record`] inserts (for a write of many, inserted together).
pub fn entry(
    user_id: Option<i64>,
    action: &str,
    target: &str,
    detail: serde_json::Value,
    from: &ClientAddr,
    at: DateTime<Utc>,
) -> audit_log::ActiveModel {
    audit_log::ActiveModel {
        at: Set(at),
        user_id: Set(user_id),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        detail: Set(detail),
        remote_addr: Set(from.0.clone()),
        ..Default::default()
    }
}

/// Who made a change: a person signed in, or an operator at the server's command line.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A signed-in user: their id goes into the entry.
    Person(&'a crate::app::auth::Principal),
    /// Someone running `opsclock` on the server (no account), named by the operating system's
    /// user name: the entry has no user id, `cli` as its address and `"by": "cli:<name>"`.
    Operator(&'a str),
}

impl Actor<'_> {
    /// The user id an entry by this actor carries.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::Person(p) => Some(p.user_id),
            Actor::Operator(_) => None,
        }
    }
}

/// Appends an entry made by `actor` (see [`Actor`]); `from` is ignored for an operator.
pub async fn record_by(
    db: &impl ConnectionTrait,
    actor: Actor<'_>,
    action: &str,
    target: &str,
    mut detail: serde_json::Value,
    from: &ClientAddr,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let cli = ClientAddr(Some("cli".into()));
    let from = match actor {
        Actor::Person(_) => from,
        Actor::Operator(name) => {
            if let Some(map) = detail.as_object_mut() {
                map.insert("by".into(), serde_json::Value::String(format!("cli:{name}")));
            }
            &cli
        }
    };
    record(db, actor.user_id(), action, target, detail, from, at).await
}

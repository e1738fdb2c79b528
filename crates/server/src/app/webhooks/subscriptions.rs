//! Webhook subscriptions as admins manage them, whichever door they come through: list, create
//! or replace, delete, and ping one to try its address and secret. Every write is one
//! transaction with its audit entry.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{EVENTS, Format};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::webhook_subscriptions;

/// A subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    /// Its name.
    pub name: String,
    /// Where events are posted, with the query's values hidden (a robot's token is its credential).
    pub url: String,
    /// json, dingtalk, wecom or feishu.
    pub format: String,
    /// The events it gets (`*`: all).
    pub events: Vec<String>,
    /// Whether it has a signing secret.
    pub signed: bool,
    /// Whether events are queued for it.
    pub active: bool,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

impl From<webhook_subscriptions::Model> for SubscriptionView {
    fn from(s: webhook_subscriptions::Model) -> Self {
        SubscriptionView {
            events: serde_json::from_value(s.events).unwrap_or_default(),
            signed: s.secret.is_some(),
            name: s.name,
            url: super::masked(&s.url),
            format: s.format,
            active: s.active,
            created_at: s.created_at,
        }
    }
}

/// A new subscription (or a replacement, by name).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionDoc {
    /// Where to post: an http or https URL (for a robot, its webhook address with its token).
    pub url: String,
    /// json [default], dingtalk, wecom or feishu.
    pub format: Option<String>,
    /// The events to post [default `["*"]`: all]: created, acknowledged, arrived, started,
    /// paused, resumed, regraded, resolved, closed, reopened, cancelled, assigned, commented,
    /// breached.
    pub events: Option<Vec<String>>,
    /// The signing secret: for json, the HMAC key [default: the current one; for a new
    /// subscription a random one, shown once]; for dingtalk and feishu, the robot's 加签 secret
    /// [default: the current one; "" for none].
    pub secret: Option<String>,
    /// Whether events are queued for it [default true].
    pub active: Option<bool>,
}

/// A subscription as saved, with the secret opsclock chose (shown this once).
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedSubscription {
    /// The subscription.
    pub subscription: SubscriptionView,
    /// The secret opsclock generated, if it generated one.
    pub secret: Option<String>,
}

/// A ping queued.
#[derive(Debug, Serialize, ToSchema)]
pub struct Pinged {
    /// The outbox key of the ping (see `/outbox`).
    pub key: String,
}

/// The subscriptions, by name (admins).
pub async fn list(ctx: &Context, p: &Principal) -> AppResult<Vec<SubscriptionView>> {
    crate::app::permissions::check(p, crate::app::permissions::Action::Webhooks)?;
    let rows = webhook_subscriptions::Entity::find()
        .order_by_asc(webhook_subscriptions::Column::Name)
        .all(&ctx.db)
        .await?;
    Ok(rows.into_iter().map(SubscriptionView::from).collect())
}

/// Creates or replaces subscription `name` with `doc` (admins). Events already queued keep their
/// subscription's new address and secret when they are sent.
pub async fn put(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    name: &str,
    doc: SubscriptionDoc,
) -> AppResult<SavedSubscription> {
    crate::app::permissions::check(p, crate::app::permissions::Action::Webhooks)?;
    if name.trim().is_empty() || name.len() > 80 {
        return Err(AppError::invalid("name", "give a name of 1-80 characters"));
    }
    let url = reqwest::Url::parse(&doc.url).map_err(|e| AppError::invalid("url", format!("{e}")))?;
    ctx.outbound.check_url(&url).map_err(|e| AppError::invalid("url", e))?;
    let format: Format = doc
        .format
        .as_deref()
        .unwrap_or("json")
        .parse()
        .map_err(|e: String| AppError::invalid("format", e))?;
    let events = doc.events.unwrap_or_else(|| vec!["*".to_owned()]);
    if events.is_empty() {
        return Err(AppError::invalid("events", "name at least one event, or \"*\""));
    }
    if let Some(bad) = events.iter().find(|e| *e != "*" && !EVENTS.contains(&e.as_str())) {
        return Err(AppError::invalid(
            "events",
            format!("{bad:?} is not an event; events: {}", EVENTS.join(", ")),
        ));
    }
    if format == Format::Json && doc.secret.as_deref() == Some("") {
        return Err(AppError::invalid(
            "secret",
            "a json subscription is always signed: give a secret, or leave it out to keep the current one",
        ));
    }
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let existing = webhook_subscriptions::Entity::find()
        .filter(webhook_subscriptions::Column::Name.eq(name))
        .one(&txn)
        .await?;
    // Left out: the current secret stays (a new json subscription gets one of its own); "": none.
    let current = existing.as_ref().and_then(|e| e.secret.clone());
    let generated = (format == Format::Json && doc.secret.is_none() && current.is_none())
        .then(|| crate::app::auth::secret::new_secret("ocw_"));
    let secret = match doc.secret {
        Some(s) if s.is_empty() => None,
        Some(s) => Some(s),
        None => current.or_else(|| generated.clone()),
    };
    let mut am = match existing {
        Some(row) => row.into(),
        None => webhook_subscriptions::ActiveModel {
            name: Set(name.to_owned()),
            created_at: Set(now),
            ..Default::default()
        },
    };
    am.url = Set(doc.url.clone());
    am.format = Set(format.key().to_owned());
    am.events = Set(serde_json::json!(events));
    am.secret = Set(secret);
    am.active = Set(doc.active.unwrap_or(true));
    am.updated_at = Set(now);
    let row = am.save(&txn).await?;
    let row: webhook_subscriptions::Model = row
        .try_into()
        .map_err(|e: sea_orm::DbErr| AppError::Internal(e.into()))?;
    audit::record(
        &txn,
        Some(p.user_id),
        "webhook.put",
        name,
        serde_json::json!({"url": super::masked(&doc.url), "format": format.key(), "events": events}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(SavedSubscription {
        subscription: row.into(),
        secret: generated,
    })
}

/// Deletes subscription `name` (admins); its events not yet sent are parked as failed.
pub async fn delete(ctx: &Context, p: &Principal, from: &ClientAddr, name: &str) -> AppResult<()> {
    crate::app::permissions::check(p, crate::app::permissions::Action::Webhooks)?;
    let txn = ctx.begin_write().await?;
    let deleted = webhook_subscriptions::Entity::delete_many()
        .filter(webhook_subscriptions::Column::Name.eq(name))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound(format!("no webhook subscription {name:?}")));
    }
    let now = ctx.now();
    super::park_orphans(&txn, now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "webhook.delete",
        name,
        serde_json::json!({}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Queues a `ping` to subscription `name` (admins), to try its address and secret; the outbox
/// shows how it went.
pub async fn ping(ctx: &Context, p: &Principal, name: &str) -> AppResult<Pinged> {
    crate::app::permissions::check(p, crate::app::permissions::Action::Webhooks)?;
    let s = webhook_subscriptions::Entity::find()
        .filter(webhook_subscriptions::Column::Name.eq(name))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no webhook subscription {name:?}")))?;
    let key = super::queue_ping(&ctx.db, &s, ctx.now()).await?;
    Ok(Pinged { key })
}

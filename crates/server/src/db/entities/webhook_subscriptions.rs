//! `webhook_subscriptions`: where ticket events are posted.

use sea_orm::entity::prelude::*;

/// A subscription to ticket events.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_subscriptions")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Its name, unique.
    #[sea_orm(unique, column_type = "Text")]
    pub name: String,
    /// Where to post (http or https).
    #[sea_orm(column_type = "Text")]
    pub url: String,
    /// `json`, `dingtalk`, `wecom` or `feishu`.
    #[sea_orm(column_type = "Text")]
    pub format: String,
    /// The events it wants, a JSON array of names.
    #[sea_orm(column_type = "JsonBinary")]
    pub events: Json,
    /// The signing secret (json: HMAC header; dingtalk, feishu: the robot's 加签 secret).
    #[sea_orm(column_type = "Text", nullable)]
    pub secret: Option<String>,
    /// Whether events are queued for it.
    pub active: bool,
    /// When it was added.
    pub created_at: DateTimeUtc,
    /// When it was last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a subscription.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

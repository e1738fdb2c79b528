//! `action_links`: links in messages that act as their recipient, single-use and expiring (see
//! `app::action_links`).

use sea_orm::entity::prelude::*;

/// A link that acts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_links")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 of the token (hex); the token itself is only in the message. Unique.
    #[sea_orm(unique, column_type = "Text")]
    pub token_hash: String,
    /// What the link does: `acknowledge`.
    #[sea_orm(column_type = "Text")]
    pub action: String,
    /// Who it acts as.
    pub user_id: i64,
    /// The ticket it acts on.
    pub ticket_id: i64,
    /// The outbox message that carries it. Unique: one link per message.
    #[sea_orm(unique, column_type = "Text")]
    pub outbox_key: String,
    /// After this it does nothing.
    pub expires_at: DateTimeUtc,
    /// When it was used; a used link does nothing more.
    pub used_at: Option<DateTimeUtc>,
    /// When it was made.
    pub created_at: DateTimeUtc,
}

/// Relations of a link.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

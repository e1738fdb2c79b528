//! `outbox_attempts`: every delivery attempt of an outbox message and what the server answered.

use sea_orm::entity::prelude::*;

/// One attempt.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_attempts")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The message.
    pub outbox_id: i64,
    /// When the attempt ended.
    pub at: DateTimeUtc,
    /// Whether the server accepted the message.
    pub ok: bool,
    /// The SMTP answer, or the error.
    #[sea_orm(column_type = "Text")]
    pub response: String,
}

/// Relations of an attempt.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The message.
    #[sea_orm(
        belongs_to = "super::outbox::Entity",
        from = "Column::OutboxId",
        to = "super::outbox::Column::Id",
        on_delete = "Cascade"
    )]
    Outbox,
}

impl Related<super::outbox::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Outbox.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

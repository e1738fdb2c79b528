//! `spare_movements`: every movement of the spares warehouse, append-only.

use sea_orm::entity::prelude::*;

/// A stored movement.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "spare_movements")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The spares line.
    pub item_id: i64,
    /// `in`, `out` or `returned`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// How many (positive).
    pub quantity: i32,
    /// The ticket it went out to or came back from.
    pub ticket_id: Option<i64>,
    /// The replacement that took it.
    pub replacement_id: Option<i64>,
    /// What the keeper wrote.
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// Who recorded it.
    pub by_user: i64,
    /// When.
    pub at: DateTimeUtc,
}

/// Relations of a movement.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

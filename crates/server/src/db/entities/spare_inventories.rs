//! `spare_inventories`: a contract's spares stock as the supervisor confirmed it.

use sea_orm::entity::prelude::*;

/// A stored confirmed inventory.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "spare_inventories")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The contract.
    #[sea_orm(column_type = "Text")]
    pub contract_code: String,
    /// The stock per item at the confirmation (a list of `InventoryLine`).
    #[sea_orm(column_type = "JsonBinary")]
    pub lines: Json,
    /// What the supervisor wrote.
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// Who confirmed it.
    pub confirmed_by: i64,
    /// When.
    pub confirmed_at: DateTimeUtc,
}

/// Relations of an inventory.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

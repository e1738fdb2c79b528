//! `contracts`: a vendor's contract: price, months, systems and deduction rules.

use sea_orm::entity::prelude::*;

/// A stored contract.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Stable code; unique.
    #[sea_orm(unique, column_type = "Text")]
    pub code: String,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// The vendor bound by it.
    pub vendor_id: i64,
    /// The contract (`contract_terms::Contract`).
    #[sea_orm(column_type = "JsonBinary")]
    pub document: Json,
    /// When it was last set.
    pub updated_at: DateTimeUtc,
}

/// Relations of a contract.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `spare_items`: one line of a contract's spares tables (备品备件): its cap and unit price.

use sea_orm::entity::prelude::*;

/// A stored spares line.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "spare_items")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Stable code; unique (`SY26-PA-1`).
    #[sea_orm(unique, column_type = "Text")]
    pub code: String,
    /// The contract whose tables list it.
    #[sea_orm(column_type = "Text")]
    pub contract_code: String,
    /// The table's title, as printed.
    #[sea_orm(column_type = "Text")]
    pub table_name: String,
    /// 序号 within its table.
    pub seq: i32,
    /// 名称.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// The first requirement of 参数.
    #[sea_orm(column_type = "Text")]
    pub spec: String,
    /// 单位.
    #[sea_orm(column_type = "Text")]
    pub unit: String,
    /// 数量: the most the contract pays for.
    pub cap: i32,
    /// 备件使用年份.
    pub year: i32,
    /// The seed line the row starts at (the shipped lists).
    pub seed_line: Option<i32>,
    /// The unit price in fen, from the vendor's bid; empty until entered.
    pub unit_price_fen: Option<i64>,
    /// When it was loaded.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a spares line.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

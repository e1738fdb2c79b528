//! `satisfaction_surveys`: a unit's periodic satisfaction survey (满意度调查) of the service
//! under a contract; one per unit, contract and period.

use sea_orm::entity::prelude::*;

/// A stored survey.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "satisfaction_surveys")]
pub struct Model {
    /// Surrogate key; documents name it `MY-{id}`.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The unit that filled it.
    pub unit_id: i64,
    /// The contract whose service it rates.
    #[sea_orm(column_type = "Text")]
    pub contract_code: String,
    /// The contract's vendor when it was filled.
    pub vendor_id: i64,
    /// `2026-11` or `2026-Q4`.
    #[sea_orm(column_type = "Text")]
    pub period: String,
    /// The period's first instant (Asia/Shanghai days).
    pub period_from: DateTimeUtc,
    /// The first instant after it.
    pub period_to: DateTimeUtc,
    /// The overall rating, 1–5.
    pub overall: i32,
    /// Aspect → rating 1–5, as a JSON object.
    #[sea_orm(column_type = "JsonBinary")]
    pub aspects: Json,
    /// The unit's comment; empty when none.
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    /// 1 when filled, incremented by every replacement.
    pub version: i32,
    /// Who filled it last.
    pub filled_by: i64,
    /// When it was first filled.
    pub filled_at: DateTimeUtc,
    /// When it was last filled.
    pub updated_at: DateTimeUtc,
}

/// Relations of a survey.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `duties`: recurring work that opens request tickets, and quotas.

use sea_orm::entity::prelude::*;

/// A stored duty.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "duties")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Stable code; unique.
    #[sea_orm(unique, column_type = "Text")]
    pub code: String,
    /// Display name, the title of the tickets it opens.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// The system.
    pub system_id: i64,
    /// Schedule, due period, quota (`crate::duties::DutyDoc`).
    #[sea_orm(column_type = "JsonBinary")]
    pub document: Json,
    /// The next occurrence not yet opened, if it has a schedule.
    pub next_run_at: Option<DateTimeUtc>,
    /// When it was last set.
    pub updated_at: DateTimeUtc,
}

/// Relations of a duty.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

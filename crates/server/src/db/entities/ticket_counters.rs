//! `ticket_counters`: the last number handed out per ticket-number series; see
//! [`next_ticket_number`](crate::db::counters::next_ticket_number).

use sea_orm::entity::prelude::*;

/// A ticket-number series.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_counters")]
pub struct Model {
    /// The series, `<PREFIX>-<YEAR>`, e.g. `INC-2026`.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub key: String,
    /// The last number handed out in the series.
    pub last_value: i64,
}

/// A counter has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

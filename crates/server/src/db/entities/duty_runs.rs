//! `duty_runs`: one row per occurrence of a duty; unique on `(duty_id, scheduled_at)`.

use sea_orm::entity::prelude::*;

/// A stored occurrence.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "duty_runs")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The duty.
    pub duty_id: i64,
    /// The occurrence.
    pub scheduled_at: DateTimeUtc,
    /// The ticket it opened.
    pub ticket_id: Option<i64>,
    /// When it was opened.
    pub created_at: DateTimeUtc,
}

/// Relations of an occurrence.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

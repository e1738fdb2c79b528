//! `roster_overrides`: one shift changed (someone off, someone on).

use sea_orm::entity::prelude::*;

/// A stored override.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_overrides")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The roster.
    pub roster_id: i64,
    /// The shift line's name.
    #[sea_orm(column_type = "Text")]
    pub line: String,
    /// The day the shift begins.
    pub date: Date,
    /// Who is taken off (user name).
    #[sea_orm(column_type = "Text", nullable)]
    pub off_user: Option<String>,
    /// Who is put on (user name).
    #[sea_orm(column_type = "Text", nullable)]
    pub on_user: Option<String>,
    /// Why.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// Who recorded it.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations of an override.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

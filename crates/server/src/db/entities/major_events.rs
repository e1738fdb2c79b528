//! `major_events`: major-event protection windows (重保).

use sea_orm::entity::prelude::*;

/// A stored window.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "major_events")]
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
    /// When it begins.
    pub starts_at: DateTimeUtc,
    /// When it ends (exclusive).
    pub ends_at: DateTimeUtc,
    /// Scope, targets, calendar, ladder and staffing (`crate::windows::WindowDoc`).
    #[sea_orm(column_type = "JsonBinary")]
    pub document: Json,
    /// When it was last set.
    pub updated_at: DateTimeUtc,
}

/// Relations of a window.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

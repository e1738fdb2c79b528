//! `rosters`: a vendor's duty roster as one document.

use sea_orm::entity::prelude::*;

/// A stored roster.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rosters")]
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
    /// The vendor whose people hold the shifts.
    pub vendor_id: i64,
    /// The calendar its days follow (working days, zone).
    #[sea_orm(column_type = "Text")]
    pub calendar: String,
    /// Codes of the systems it covers; empty: every system the vendor serves.
    #[sea_orm(column_type = "JsonBinary")]
    pub systems: Json,
    /// `duty_roster::Roster` as JSON.
    #[sea_orm(column_type = "JsonBinary")]
    pub document: Json,
    /// When it was last set.
    pub updated_at: DateTimeUtc,
}

/// Relations of a roster.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

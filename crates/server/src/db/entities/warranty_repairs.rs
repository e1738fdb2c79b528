//! `warranty_repairs`: a ticket's device sent to its manufacturer under warranty, returned and
//! accepted.

use sea_orm::entity::prelude::*;

/// A stored OEM warranty repair.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "warranty_repairs")]
pub struct Model {
    /// Surrogate key (`WR-{id}`).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The ticket.
    pub ticket_id: i64,
    /// The device sent.
    pub device_id: i64,
    /// Who repairs it (the OEM).
    #[sea_orm(column_type = "Text")]
    pub oem: String,
    /// The OEM's case number.
    #[sea_orm(column_type = "Text")]
    pub reference: String,
    /// `sent`, `returned`, `accepted`.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    /// Notes of each step, one a line.
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// Who sent it.
    pub sent_by: i64,
    /// When.
    pub sent_at: DateTimeUtc,
    /// Who recorded it back.
    pub returned_by: Option<i64>,
    /// When.
    pub returned_at: Option<DateTimeUtc>,
    /// Who accepted the repair.
    pub accepted_by: Option<i64>,
    /// When.
    pub accepted_at: Option<DateTimeUtc>,
    /// Incremented by every step.
    pub version: i32,
}

/// Relations of a warranty repair.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `device_replacements`: a request to replace a device on a ticket, its two approvals and the
//! replacement recorded.

use sea_orm::entity::prelude::*;

/// A stored replacement request.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "device_replacements")]
pub struct Model {
    /// Surrogate key (`HR-{id}`).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The ticket.
    pub ticket_id: i64,
    /// The device to replace.
    pub device_id: i64,
    /// The spares line to put in.
    pub item_id: i64,
    /// Why it cannot be repaired.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// `requested`, `approved`, `refused`, `replaced`.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    /// Who asked.
    pub requested_by: i64,
    /// When.
    pub requested_at: DateTimeUtc,
    /// Who approved for the buyer.
    pub buyer_by: Option<i64>,
    /// When.
    pub buyer_at: Option<DateTimeUtc>,
    /// Who approved for the supervisor.
    pub supervisor_by: Option<i64>,
    /// When.
    pub supervisor_at: Option<DateTimeUtc>,
    /// Who refused.
    pub refused_by: Option<i64>,
    /// When.
    pub refused_at: Option<DateTimeUtc>,
    /// `buyer` or `supervisor`.
    #[sea_orm(column_type = "Text", nullable)]
    pub refused_side: Option<String>,
    /// Why.
    #[sea_orm(column_type = "Text", nullable)]
    pub refuse_reason: Option<String>,
    /// Who recorded the replacement.
    pub replaced_by: Option<i64>,
    /// When.
    pub replaced_at: Option<DateTimeUtc>,
    /// The movement that took the spare out.
    pub movement_id: Option<i64>,
    /// The device that took the old one's place.
    pub new_device_id: Option<i64>,
    /// Incremented by every act.
    pub version: i32,
}

/// Relations of a replacement.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `exclusions`: approved downtime of a system that counts neither against its clocks nor
//! against its availability.

use sea_orm::entity::prelude::*;

/// A stored exclusion.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exclusions")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The system.
    pub system_id: i64,
    /// `maintenance`, `force_majeure` or `third_party`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// When it begins.
    pub starts_at: DateTimeUtc,
    /// When it ends (exclusive).
    pub ends_at: DateTimeUtc,
    /// Why.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// `proposed`, `approved`, `rejected` or `revoked`.
    #[sea_orm(column_type = "Text")]
    pub status: crate::db::Key<Status>,
    /// Who asked.
    pub requested_by: Option<i64>,
    /// Who approved, rejected or revoked it.
    pub decided_by: Option<i64>,
    /// When.
    pub decided_at: Option<DateTimeUtc>,
    /// What the decider said.
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_note: Option<String>,
    /// When it was asked for.
    pub created_at: DateTimeUtc,
}

/// Relations of an exclusion.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::stored_enum! {
    /// Where an exclusion window is in its approval.
    pub enum Status {
        /// Asked for, not decided.
        Proposed = "proposed",
        /// Approved: it pauses the clocks it covers.
        Approved = "approved",
        /// Refused.
        Rejected = "rejected",
        /// Approved, then withdrawn.
        Revoked = "revoked",
    }
}

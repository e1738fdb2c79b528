//! `systems`: the IT systems under contract, each owned by a unit and governed by a policy.

use sea_orm::entity::prelude::*;

/// A system under contract.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "systems")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Short unique code.
    #[sea_orm(unique, column_type = "Text")]
    pub code: String,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// The owning unit.
    pub unit_id: i64,
    /// The SLA policy.
    pub policy_id: i64,
    /// The name of the service calendar the SLA clocks run on.
    #[sea_orm(column_type = "Text")]
    pub calendar: String,
    /// `remote`, `on_site` or `remote_and_on_site`.
    #[sea_orm(column_type = "Text")]
    pub service_mode: String,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
    /// Optimistic-concurrency version (starts at 1; bump it on every update).
    pub version: i64,
    /// The contract facts a catalogue file gave (source lines, inspection, …).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub profile: Option<Json>,
    /// The calendars of clocks that do not count in `calendar`, clock → calendar name
    /// (`{"response": "cn-7x24"}`); none: every clock counts in `calendar`.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub clock_calendars: Option<Json>,
}

/// Relations of a system.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning unit.
    #[sea_orm(
        belongs_to = "super::units::Entity",
        from = "Column::UnitId",
        to = "super::units::Column::Id"
    )]
    Unit,
    /// The SLA policy.
    #[sea_orm(
        belongs_to = "super::policies::Entity",
        from = "Column::PolicyId",
        to = "super::policies::Column::Id"
    )]
    Policy,
    /// The system's links to its vendors.
    #[sea_orm(has_many = "super::system_vendors::Entity")]
    SystemVendors,
    /// The tickets raised against the system.
    #[sea_orm(has_many = "super::tickets::Entity")]
    Tickets,
}

impl Related<super::units::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl Related<super::policies::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Policy.def()
    }
}

impl Related<super::system_vendors::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SystemVendors.def()
    }
}

impl Related<super::vendors::Entity> for Entity {
    fn to() -> RelationDef {
        super::system_vendors::Relation::Vendor.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::system_vendors::Relation::System.def().rev())
    }
}

impl Related<super::tickets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tickets.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

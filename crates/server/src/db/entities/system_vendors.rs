//! `system_vendors`: which vendors maintain which systems (many to many).

use sea_orm::entity::prelude::*;

/// A link between a system and one of its vendors.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "system_vendors")]
pub struct Model {
    /// The system.
    #[sea_orm(primary_key, auto_increment = false)]
    pub system_id: i64,
    /// The vendor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub vendor_id: i64,
}

/// Relations of a link.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The system.
    #[sea_orm(
        belongs_to = "super::systems::Entity",
        from = "Column::SystemId",
        to = "super::systems::Column::Id",
        on_delete = "Cascade"
    )]
    System,
    /// The vendor.
    #[sea_orm(
        belongs_to = "super::vendors::Entity",
        from = "Column::VendorId",
        to = "super::vendors::Column::Id",
        on_delete = "Cascade"
    )]
    Vendor,
}

impl Related<super::systems::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::System.def()
    }
}

impl Related<super::vendors::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Vendor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

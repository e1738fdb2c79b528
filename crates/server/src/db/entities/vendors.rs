//! `vendors`: the O&M contractors that maintain systems.

use sea_orm::entity::prelude::*;

/// A vendor.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vendors")]
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
    /// When the row was created.
    pub created_at: DateTimeUtc,
}

/// Relations of a vendor.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The vendor's links to the systems it maintains.
    #[sea_orm(has_many = "super::system_vendors::Entity")]
    SystemVendors,
    /// The vendor's users (its engineers).
    #[sea_orm(has_many = "super::users::Entity")]
    Users,
}

impl Related<super::system_vendors::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SystemVendors.def()
    }
}

impl Related<super::systems::Entity> for Entity {
    fn to() -> RelationDef {
        super::system_vendors::Relation::System.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::system_vendors::Relation::Vendor.def().rev())
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Users.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

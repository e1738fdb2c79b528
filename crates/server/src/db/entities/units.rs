//! `units`: the buyer organisations (用户单位) that own systems and employ users.

use sea_orm::entity::prelude::*;

/// A buyer unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Short unique code, e.g. `CITY-HOSP`.
    #[sea_orm(unique, column_type = "Text")]
    pub code: String,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// When the row was created.
    pub created_at: DateTimeUtc,
}

/// Relations of a unit.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The systems the unit owns.
    #[sea_orm(has_many = "super::systems::Entity")]
    Systems,
    /// The unit's users.
    #[sea_orm(has_many = "super::users::Entity")]
    Users,
}

impl Related<super::systems::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Systems.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Users.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! `policies`: SLA policies, i.e. the response/arrival/repair targets per ticket kind and severity.

use sea_orm::entity::prelude::*;

/// An SLA policy.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policies")]
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
    /// The targets, per kind × severity × {response, arrival, repair}, as duration strings; the
    /// domain layer defines and validates the shape.
    #[sea_orm(column_type = "JsonBinary")]
    pub targets: Json,
    /// The tiers as a catalogue file wrote them; none for policies made through the API.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub document: Option<Json>,
    /// The contract's categories (分类) of work, as `ticket_domain::Categories`; none: the
    /// policy offers none.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub categories: Option<Json>,
    /// The rule for recurring faults, as `ticket_domain::Recurrence`; none: the default.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub recurrence: Option<Json>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a policy.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The systems governed by the policy.
    #[sea_orm(has_many = "super::systems::Entity")]
    Systems,
}

impl Related<super::systems::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Systems.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

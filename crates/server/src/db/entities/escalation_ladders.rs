//! `escalation_ladders`: the default ladder, a policy's ladder, or one for a severity of a policy.

use sea_orm::entity::prelude::*;

/// A stored ladder.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalation_ladders")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `default`, `policy-code` or `policy-code:severity`; unique.
    #[sea_orm(unique, column_type = "Text")]
    pub scope: String,
    /// The policy, or `None` for the default ladder.
    pub policy_id: Option<i64>,
    /// The severity key, or `None` for every severity of the policy without a ladder of its own.
    #[sea_orm(column_type = "Text", nullable)]
    pub severity: Option<String>,
    /// The ladder as `sla_clock::Ladder` serializes it (`{"steps": [...]}`).
    #[sea_orm(column_type = "JsonBinary")]
    pub steps: Json,
    /// When it was last set.
    pub updated_at: DateTimeUtc,
}

/// Relations of a ladder.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The policy.
    #[sea_orm(
        belongs_to = "super::policies::Entity",
        from = "Column::PolicyId",
        to = "super::policies::Column::Id",
        on_delete = "Cascade"
    )]
    Policy,
}

impl Related<super::policies::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Policy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

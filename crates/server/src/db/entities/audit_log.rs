//! `audit_log`: who did what to which object, for administrators and auditors.

use sea_orm::entity::prelude::*;

/// One audit record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When it happened.
    pub at: DateTimeUtc,
    /// Who did it, if a signed-in user did.
    pub user_id: Option<i64>,
    /// What was done, e.g. `system.update`.
    #[sea_orm(column_type = "Text")]
    pub action: String,
    /// What it was done to, e.g. `system:12`.
    #[sea_orm(column_type = "Text")]
    pub target: String,
    /// Details (changed fields, …).
    #[sea_orm(column_type = "JsonBinary")]
    pub detail: Json,
    /// The client's address, if known.
    #[sea_orm(column_type = "Text", nullable)]
    pub remote_addr: Option<String>,
}

/// Relations of an audit record.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user.
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id"
    )]
    User,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! `api_tokens`: long-lived bearer tokens for scripts and integrations; only their hash is stored.

use sea_orm::entity::prelude::*;

/// An API token.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The user the token acts as.
    pub user_id: i64,
    /// A label chosen by the user.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Lower-case hex SHA-256 of the token; unique.
    #[sea_orm(unique, column_type = "Text")]
    pub token_hash: String,
    /// When the token was issued.
    pub created_at: DateTimeUtc,
    /// When the token was last presented, if ever (written at most once a minute per token).
    pub last_used_at: Option<DateTimeUtc>,
    /// When the token stops being valid; `None`: until revoked.
    pub expires_at: Option<DateTimeUtc>,
}

/// Relations of an API token.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user the token acts as.
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

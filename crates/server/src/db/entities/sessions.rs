//! `sessions`: browser sign-in sessions; only the hash of the session cookie is stored.

use sea_orm::entity::prelude::*;

/// A sign-in session.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The signed-in user.
    pub user_id: i64,
    /// Lower-case hex SHA-256 of the session token; unique.
    #[sea_orm(unique, column_type = "Text")]
    pub token_hash: String,
    /// When the session started.
    pub created_at: DateTimeUtc,
    /// When the session stops being valid.
    pub expires_at: DateTimeUtc,
    /// The client address the session was started from, when known.
    #[sea_orm(column_type = "Text", nullable)]
    pub remote_addr: Option<String>,
}

/// Relations of a session.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The signed-in user.
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

//! `sign_in_accounts`: failed sign-ins per login name over every address, and until when an
//! address that has not signed in to it must wait (see [`crate::app::auth::throttle`]).

use sea_orm::entity::prelude::*;

/// The failures of one login name from anywhere.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_accounts")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The login name as typed (trimmed), whether or not such an account exists.
    #[sea_orm(column_type = "Text", unique)]
    pub username: String,
    /// Failures counted since the name was last quiet for a while.
    pub failures: i32,
    /// An address that has not signed in to the name is refused until then.
    pub blocked_until: Option<DateTimeUtc>,
    /// When the name last failed.
    pub last_at: DateTimeUtc,
}

/// No relations: the row exists for names that are no account too.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

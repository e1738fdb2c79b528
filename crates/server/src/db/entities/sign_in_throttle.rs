//! `sign_in_throttle`: failed sign-ins per (login name as typed, client address), and until when
//! that pair must wait before trying again, and when it last signed in (see
//! [`crate::app::auth::throttle`]).

use sea_orm::entity::prelude::*;

/// The failures of one login name from one address.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_throttle")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The login name as typed (trimmed), whether or not such an account exists.
    #[sea_orm(column_type = "Text")]
    pub username: String,
    /// The client address (`unknown` when the server cannot tell).
    #[sea_orm(column_type = "Text")]
    pub remote_addr: String,
    /// Sign-ins counted and not yet cleared by a successful one.
    pub failures: i32,
    /// The pair's next attempt is refused until then.
    pub blocked_until: Option<DateTimeUtc>,
    /// When the pair last tried.
    pub last_at: DateTimeUtc,
    /// When the pair last signed in: the address is then one its owner uses, and the account's
    /// count over all addresses does not hold it up.
    pub signed_in_at: Option<DateTimeUtc>,
}

/// No relations: the row exists for names that are no account too.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

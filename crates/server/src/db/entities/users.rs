//! `users`: people who sign in, belonging to a unit, to a vendor, to the bureau or to the
//! supervisor (`party`), or (administrators) to none of them.

use sea_orm::entity::prelude::*;

/// A user account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique login name.
    #[sea_orm(unique, column_type = "Text")]
    pub username: String,
    /// Name shown to other people.
    #[sea_orm(column_type = "Text")]
    pub display_name: String,
    /// Contact address, if known.
    #[sea_orm(column_type = "Text", nullable)]
    pub email: Option<String>,
    /// Password hash (PHC string); `None` for token-only accounts.
    #[sea_orm(column_type = "Text", nullable)]
    pub password_hash: Option<String>,
    /// `admin`, `manager`, `engineer` or `viewer` (stored as its key).
    #[sea_orm(column_type = "Text")]
    pub role: crate::db::Key<crate::app::auth::Role>,
    /// The unit the user works for, if any.
    pub unit_id: Option<i64>,
    /// The vendor the user works for, if any.
    pub vendor_id: Option<i64>,
    /// `bureau` or `supervisor` for the buyer's bureau and the supervisor (监理), who have no
    /// unit and no vendor; `None` otherwise (a CHECK keeps it so).
    #[sea_orm(column_type = "Text", nullable)]
    pub party: Option<crate::db::Key<crate::app::auth::PartyKind>>,
    /// Disabled accounts cannot sign in; users are disabled rather than deleted.
    pub disabled: bool,
    /// The user must choose a new password at the next sign-in.
    pub must_change_password: bool,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// The escalation roles the user holds (a JSON array of `on_duty`, `vendor_manager`,
    /// `unit_head`, `buyer_ops_lead`), scoped by the user's vendor or unit; `None` = none.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub notify_roles: Option<Json>,
    /// Failed sign-ins since the last successful one (or the last lockout).
    pub failed_sign_ins: i32,
    /// Sign-ins are refused until then, after too many failed ones.
    pub locked_until: Option<DateTimeUtc>,
    /// Whether this person's emails carry the English copy below the Chinese (default no).
    pub mail_english: bool,
    /// Quiet hours per channel (`app::notices::QuietHours`), during which non-urgent notices
    /// wait; `None` = none.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub quiet_hours: Option<Json>,
    /// Mobile number for SMS notices, normalised (`13800138000`, or E.164 `+447700900123`
    /// abroad); see [`crate::app::sms::phone`].
    #[sea_orm(column_type = "Text", nullable)]
    pub phone: Option<String>,
}

/// Relations of a user.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The unit the user works for.
    #[sea_orm(
        belongs_to = "super::units::Entity",
        from = "Column::UnitId",
        to = "super::units::Column::Id"
    )]
    Unit,
    /// The vendor the user works for.
    #[sea_orm(
        belongs_to = "super::vendors::Entity",
        from = "Column::VendorId",
        to = "super::vendors::Column::Id"
    )]
    Vendor,
    /// The user's API tokens.
    #[sea_orm(has_many = "super::api_tokens::Entity")]
    ApiTokens,
    /// The user's sign-in sessions.
    #[sea_orm(has_many = "super::sessions::Entity")]
    Sessions,
}

impl Related<super::units::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl Related<super::vendors::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Vendor.def()
    }
}

impl Related<super::api_tokens::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiTokens.def()
    }
}

impl Related<super::sessions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

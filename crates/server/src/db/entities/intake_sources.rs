//! `intake_sources`: the monitors allowed to open tickets (an Alertmanager with a bearer token, a
//! generic monitor with an HMAC secret).

use sea_orm::entity::prelude::*;

/// A monitor that sends alerts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "intake_sources")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Its name, unique (`prometheus-main`); rules may be limited to it.
    #[sea_orm(unique, column_type = "Text")]
    pub code: String,
    /// `alertmanager` or `generic`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// Lower-case hex SHA-256 of the bearer token (Alertmanager sources).
    #[sea_orm(unique, column_type = "Text", nullable)]
    pub token_hash: Option<String>,
    /// The HMAC-SHA256 secret (generic sources).
    #[sea_orm(column_type = "Text", nullable)]
    pub secret: Option<String>,
    /// When it was added.
    pub created_at: DateTimeUtc,
    /// When it last sent something accepted.
    pub last_used_at: Option<DateTimeUtc>,
    /// When it was revoked; a revoked source is refused.
    pub revoked_at: Option<DateTimeUtc>,
}

/// Relations of an intake source.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

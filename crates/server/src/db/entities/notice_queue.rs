//! `notice_queue`: ticket events that may owe event notices, until the sweep has queued them
//! (see `app::notices`).

use sea_orm::entity::prelude::*;

/// A ticket event waiting for its notices.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice_queue")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The ticket.
    pub ticket_id: i64,
    /// The event's position in the ticket's history; `(ticket_id, seq)` is unique.
    pub seq: i32,
    /// `opened`, `regraded`, `resolved` or `reopened`.
    #[sea_orm(column_type = "Text")]
    pub event: String,
    /// The severity the event left the ticket at (`urgent`, …): the rules match on it.
    #[sea_orm(column_type = "Text")]
    pub severity: String,
    /// When the event counts.
    pub at: DateTimeUtc,
    /// When the row was written.
    pub created_at: DateTimeUtc,
}

/// Relations of a queued notice.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

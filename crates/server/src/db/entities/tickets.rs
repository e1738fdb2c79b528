//! `tickets`: incidents, requests and other tickets raised against a system.

use sea_orm::entity::prelude::*;

use crate::db::Key;

/// A ticket (its current state; the history is in `ticket_events`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Human-facing unique number, e.g. `INC-2026-000123`.
    #[sea_orm(unique, column_type = "Text")]
    pub number: String,
    /// The ticket kind (stored as its key, e.g. `fault`).
    #[sea_orm(column_type = "Text")]
    pub kind: Key<ticket_domain::Kind>,
    /// The workflow status (stored as its key, e.g. `in_progress`).
    #[sea_orm(column_type = "Text")]
    pub status: Key<ticket_domain::Status>,
    /// The severity (stored as its key, e.g. `urgent`).
    #[sea_orm(column_type = "Text")]
    pub severity: Key<sla_clock::Severity>,
    /// The affected system.
    pub system_id: i64,
    /// One-line summary.
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// Free-text description.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Who reported the ticket, if it was a user of the system.
    pub reporter_id: Option<i64>,
    /// Who is working on it.
    pub assignee_id: Option<i64>,
    /// Optimistic-concurrency version (starts at 1; bump it on every update).
    pub version: i64,
    /// When the problem occurred.
    pub occurred_at: DateTimeUtc,
    /// When the vendor was notified (the SLA clocks start here).
    pub received_at: DateTimeUtc,
    /// When the vendor responded.
    pub acknowledged_at: Option<DateTimeUtc>,
    /// When an engineer arrived on site.
    pub on_site_at: Option<DateTimeUtc>,
    /// When the problem was fixed.
    pub resolved_at: Option<DateTimeUtc>,
    /// When the ticket was closed.
    pub closed_at: Option<DateTimeUtc>,
    /// Whether any SLA clock of the ticket has breached.
    pub breached: bool,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
    /// The major-event window its clocks started in.
    pub major_event_id: Option<i64>,
    /// The scheduled duty that opened it (or that it counts towards).
    pub duty_id: Option<i64>,
    /// The vendor the ticket counts against (the assignee's, else the system's first).
    pub vendor_id: Option<i64>,
    /// The working time from the clocks' start to the acknowledgement, whether or not a response
    /// target ran a clock ([`ticket_domain::Ticket::measured`]); NULL until acknowledged.
    pub response_ms: Option<i64>,
    /// The working time from the clocks' start to the resolution, less counted pauses, whether or
    /// not a repair target ran a clock; NULL until resolved (again, after a reopening).
    pub repair_ms: Option<i64>,
    /// The contract's category (分类) it is sorted into, by code; none: unsorted.
    #[sea_orm(column_type = "Text", nullable)]
    pub category: Option<String>,
}

/// Relations of a ticket.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The affected system.
    #[sea_orm(
        belongs_to = "super::systems::Entity",
        from = "Column::SystemId",
        to = "super::systems::Column::Id"
    )]
    System,
    /// The reporter.
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::ReporterId",
        to = "super::users::Column::Id"
    )]
    Reporter,
    /// The assignee.
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::AssigneeId",
        to = "super::users::Column::Id"
    )]
    Assignee,
    /// The ticket's event log.
    #[sea_orm(has_many = "super::ticket_events::Entity")]
    Events,
    /// The ticket's SLA clocks.
    #[sea_orm(has_many = "super::clocks::Entity")]
    Clocks,
}

impl Related<super::systems::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::System.def()
    }
}

impl Related<super::ticket_events::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Events.def()
    }
}

impl Related<super::clocks::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Clocks.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

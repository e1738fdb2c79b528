//! `clocks`: a ticket's SLA clocks (response, arrival, repair), persisted as their event lists.

use sea_orm::entity::prelude::*;

/// One SLA clock of a ticket.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clocks")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The ticket; `(ticket_id, name)` is unique.
    pub ticket_id: i64,
    /// `response`, `arrival` or `repair`.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// The name of the calendar the clock runs on.
    #[sea_orm(column_type = "Text")]
    pub calendar: String,
    /// The serialized `sla-clock` event list.
    #[sea_orm(column_type = "JsonBinary")]
    pub events: Json,
    /// The clock's state, as `sla-clock` spells it.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    /// The deadline, if the clock has one.
    pub deadline: Option<DateTimeUtc>,
    /// Whether the clock has breached its deadline.
    pub breached: bool,
    /// When the scheduler must next look at the clock (warning or breach), if ever.
    pub next_due_at: Option<DateTimeUtc>,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
    /// When the clock started.
    pub started_at: Option<DateTimeUtc>,
    /// When it stopped or was cancelled, if it did.
    pub ended_at: Option<DateTimeUtc>,
    /// The target in force, as the contract writes it (`30m`, `7 个工作日`, …).
    #[sea_orm(column_type = "Text", nullable)]
    pub target: Option<String>,
    /// Working time the target allows, in milliseconds.
    pub budget_ms: Option<i64>,
    /// Working time consumed (to the end, or to the last projection), in milliseconds.
    pub consumed_ms: Option<i64>,
    /// Wall time from start to end (or to the last projection), in milliseconds.
    pub wall_ms: Option<i64>,
    /// Working time consumed past the budget, in milliseconds.
    pub overdue_ms: Option<i64>,
    /// Wall time from the deadline to the end (or the last projection), when breached.
    pub overdue_wall_ms: Option<i64>,
    /// Whether the deadline rests on days whose holidays the calendar has not published yet
    /// (counted with its weekly schedule alone; measured again when the year is added).
    pub provisional: bool,
    /// Working time spent paused, as of `updated_at` (none on rows older than the column).
    pub paused_ms: Option<i64>,
}

/// Relations of a clock.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The ticket.
    #[sea_orm(
        belongs_to = "super::tickets::Entity",
        from = "Column::TicketId",
        to = "super::tickets::Column::Id",
        on_delete = "Cascade"
    )]
    Ticket,
}

impl Related<super::tickets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ticket.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

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

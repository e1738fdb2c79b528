//! `ticket_events`: the append-only history of a ticket, numbered 1, 2, … per ticket.

use sea_orm::entity::prelude::*;

/// One event in a ticket's history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_events")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The ticket.
    pub ticket_id: i64,
    /// Position in the ticket's history; `(ticket_id, seq)` is unique.
    pub seq: i32,
    /// When the event happened.
    pub at: DateTimeUtc,
    /// Who caused it, if a user did.
    pub actor_id: Option<i64>,
    /// The event kind, as the domain layer spells it.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// The event's payload.
    #[sea_orm(column_type = "JsonBinary")]
    pub data: Json,
    /// When the server wrote it (`at` is when it counts); `None` on rows older than the column.
    pub recorded_at: Option<DateTimeUtc>,
}

/// Relations of a ticket event.
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
    /// The actor.
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::ActorId",
        to = "super::users::Column::Id"
    )]
    Actor,
}

impl Related<super::tickets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ticket.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Actor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

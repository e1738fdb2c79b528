//! `problem_tickets`: the tickets of a problem record; a ticket is in one problem at most.

use sea_orm::entity::prelude::*;

/// A ticket linked to a problem.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problem_tickets")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The problem.
    pub problem_id: i64,
    /// The ticket (unique).
    #[sea_orm(unique)]
    pub ticket_id: i64,
    /// When it was linked.
    pub linked_at: DateTimeUtc,
}

/// Relations of a link.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

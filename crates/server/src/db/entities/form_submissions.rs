//! `form_submissions`: the one-time token of each new-ticket form that opened a ticket, and the
//! ticket (see [`crate::app::tickets::once`]).

use sea_orm::entity::prelude::*;

/// One form that opened a ticket.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "form_submissions")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Who sent it: a token counts per user.
    pub user_id: i64,
    /// The form's one-time token.
    #[sea_orm(column_type = "Text")]
    pub token: String,
    /// The ticket it opened.
    #[sea_orm(column_type = "Text")]
    pub ticket_number: String,
    /// When; rows older than a week are removed as new ones are written.
    pub created_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

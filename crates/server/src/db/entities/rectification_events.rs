//! `rectification_events`: every act on a rectification order, append-only.

use sea_orm::entity::prelude::*;

/// A stored act.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectification_events")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The order.
    pub order_id: i64,
    /// Who acted.
    pub user_id: i64,
    /// `issue`, `submit`, `accept`, `reject`, `refuse`, `withdraw`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// What the actor wrote (the request, the report, the reason); empty when nothing.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// The evidence named (a document, photos, a test record); empty when none.
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    /// When.
    pub at: DateTimeUtc,
}

/// Relations of an act.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

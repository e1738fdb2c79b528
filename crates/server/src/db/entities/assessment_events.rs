//! `assessment_events`: every act on an assessment, append-only.

use sea_orm::entity::prelude::*;

/// A stored act.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_events")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The assessment.
    pub assessment_id: i64,
    /// Who acted.
    pub user_id: i64,
    /// For which party (`unit`, `vendor`, `bureau`, `supervisor`); `None` for an admin.
    #[sea_orm(column_type = "Text", nullable)]
    pub party: Option<String>,
    /// `create`, `revise`, `send`, `agree`, `dispute`, `reply`, `maintain`, `sign`, `reopen`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// The disputed points (one per line), a reply, or a reason; empty when none.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// The content hash at that moment.
    #[sea_orm(column_type = "Text")]
    pub content_hash: String,
    /// When.
    pub at: DateTimeUtc,
}

/// Relations of an act.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

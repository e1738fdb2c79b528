//! `problems`: problem records (问题单) — one per recurring class of fault on a system, with the
//! vendor's root-cause analysis and fix plan (see `app::problems`).

use sea_orm::entity::prelude::*;

/// A problem record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problems")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `PRB-2026-000001`.
    #[sea_orm(unique, column_type = "Text")]
    pub number: String,
    /// The system that fails.
    pub system_id: i64,
    /// The class (category code); none: the unsorted.
    #[sea_orm(column_type = "Text", nullable)]
    pub category: Option<String>,
    /// A one-line summary, written when opened.
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// `open` or `closed`.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    /// The root-cause analysis (原因分析).
    #[sea_orm(column_type = "Text", nullable)]
    pub analysis: Option<String>,
    /// The fix plan (修复计划).
    #[sea_orm(column_type = "Text", nullable)]
    pub plan: Option<String>,
    /// Optimistic-concurrency version (starts at 1).
    pub version: i32,
    /// When it was opened (the recurrence was found).
    pub opened_at: DateTimeUtc,
    /// When it was closed.
    pub closed_at: Option<DateTimeUtc>,
    /// Who closed it.
    pub closed_by: Option<i64>,
    /// When the row last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a problem.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

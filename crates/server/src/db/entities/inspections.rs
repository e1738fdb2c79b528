//! `inspections`: the inspections (巡检) a system owes by its catalogue cadence, one row per
//! inspection of a period (see `app::inspections`).

use sea_orm::entity::prelude::*;

/// An inspection owed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspections")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The system inspected.
    pub system_id: i64,
    /// The cadence's period: `day`, `week`, `month`, `quarter`, `half_year`, `year`.
    #[sea_orm(column_type = "Text")]
    pub every: String,
    /// The cadence's mode: `remote`, `on_site`, or `any` when the contract does not say.
    #[sea_orm(column_type = "Text")]
    pub mode: String,
    /// How many the cadence asks per period.
    pub times: i32,
    /// Which of them (1 to `times`).
    pub seq: i32,
    /// The period's first instant (midnight in the system calendar's zone).
    pub period_start: DateTimeUtc,
    /// The first instant after the period.
    pub period_end: DateTimeUtc,
    /// When it is due: the end of the period.
    pub due_at: DateTimeUtc,
    /// `due`, `done` or `missed`.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    /// When it was recorded done.
    pub done_at: Option<DateTimeUtc>,
    /// Who recorded it.
    pub done_by: Option<i64>,
    /// The checklist used (its code).
    #[sea_orm(column_type = "Text", nullable)]
    pub checklist: Option<String>,
    /// The results item by item: `[{item, text, ok, remark, ticket}]`.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub results: Option<Json>,
    /// The engineer's note.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// When the sweep created it.
    pub created_at: DateTimeUtc,
}

/// Relations of an inspection.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

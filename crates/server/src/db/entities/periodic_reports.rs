//! `periodic_reports`: the reports a contract asks the vendor to hand in at fixed times (定期报告),
//! one row per report owed (see `app::periodic_reports`).

use sea_orm::entity::prelude::*;

/// A report owed for one period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "periodic_reports")]
pub struct Model {
    /// Surrogate key; the report is written `RPT-{id}`.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The contract asking for it.
    pub contract_id: i64,
    /// The report's code in the contract (`monthly`).
    #[sea_orm(column_type = "Text")]
    pub duty: String,
    /// Its name (`运维月报`).
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// The period kind: `day`, `week`, `month`, `quarter`, `half_year`, `year`.
    #[sea_orm(column_type = "Text")]
    pub every: String,
    /// The period as written: `2026-11`, `2026-Q4`.
    #[sea_orm(column_type = "Text")]
    pub period: String,
    /// The period's first instant.
    pub period_start: DateTimeUtc,
    /// The first instant after the period.
    pub period_end: DateTimeUtc,
    /// When it is due; `None` while the calendar cannot say.
    pub due_at: Option<DateTimeUtc>,
    /// Whether the due date rests on holidays not yet published.
    pub due_provisional: bool,
    /// `open`, `submitted`, `acknowledged`, or `withdrawn` (its 重保 window or its duty went away
    /// before it was due).
    #[sea_orm(column_type = "Text")]
    pub state: String,
    /// The vendor's text, heading to text.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub narrative: Option<Json>,
    /// What was submitted: the sections as they read then (frozen).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub content: Option<Json>,
    /// When it was first submitted: lateness is judged on it (a report returned and submitted
    /// again keeps it).
    pub first_submitted_at: Option<DateTimeUtc>,
    /// When it was (last) submitted.
    pub submitted_at: Option<DateTimeUtc>,
    /// Who submitted it.
    pub submitted_by: Option<i64>,
    /// When the buyer acknowledged it.
    pub acknowledged_at: Option<DateTimeUtc>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<i64>,
    /// Why the buyer sent it back, the last time it did.
    #[sea_orm(column_type = "Text", nullable)]
    pub returned_note: Option<String>,
    /// The due instant, once it passed with the report not submitted (set once, never cleared).
    pub breached_at: Option<DateTimeUtc>,
    /// When the sweep must next look at it (reminder, then breach); `None` when nothing is left.
    pub next_look_at: Option<DateTimeUtc>,
    /// Moves on with every change (a stale write is a conflict).
    pub version: i32,
    /// When the row was created.
    pub created_at: DateTimeUtc,
}

/// Relations of a periodic report.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

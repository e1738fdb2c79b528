//! `rectification_orders`: orders (整改通知) to a vendor to put something right by a deadline.

use sea_orm::entity::prelude::*;

/// A rectification order (its current state; the history is in `rectification_events`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectification_orders")]
pub struct Model {
    /// Surrogate key; documents name the order `ZG-{id}`.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The contract it is under (code).
    #[sea_orm(column_type = "Text")]
    pub contract_code: String,
    /// The system it concerns.
    pub system_id: i64,
    /// The vendor ordered to rectify.
    pub vendor_id: i64,
    /// Who issued it: `bureau` or `unit`.
    #[sea_orm(column_type = "Text")]
    pub issuer_party: String,
    /// The issuing unit, when a unit issued it.
    pub unit_id: Option<i64>,
    /// What it came from: `finding`, `assessment`, `ticket`, `recurring` or `other`.
    #[sea_orm(column_type = "Text")]
    pub source: String,
    /// The finding, assessment or ticket it came from (`F-12`, `A-3`, `INC-2026-000123`).
    #[sea_orm(column_type = "Text", nullable)]
    pub source_ref: Option<String>,
    /// The severity its escalation ladder is chosen by (`normal` unless the issuer says).
    #[sea_orm(column_type = "Text")]
    pub severity: String,
    /// One-line summary.
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// What must be put right.
    #[sea_orm(column_type = "Text")]
    pub request: String,
    /// The time allowed, as the issuer wrote it (`5 个工作日`, `48h`).
    #[sea_orm(column_type = "Text")]
    pub target: String,
    /// The calendar the clock runs on.
    #[sea_orm(column_type = "Text")]
    pub calendar: String,
    /// The serialized `sla-clock` event list.
    #[sea_orm(column_type = "JsonBinary")]
    pub events: Json,
    /// The deadline, as last measured.
    pub deadline: Option<DateTimeUtc>,
    /// Whether the deadline has passed with the order still open (or it closed late).
    pub breached: bool,
    /// When the escalation sweep must next look at the order, if ever.
    pub next_due_at: Option<DateTimeUtc>,
    /// `issued`, `submitted`, `accepted`, `refused` or `withdrawn`.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    /// The vendor's person who last reported on it (the ladder's `assignee`).
    pub assignee_id: Option<i64>,
    /// The `refused_rectification` finding a refusal recorded.
    pub finding_id: Option<i64>,
    /// The contract's reading of 八-7 when the order was issued: a deadline passed with the order
    /// open is itself the refusal.
    pub overdue_is_refusal: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Who issued it.
    pub issued_by: i64,
    /// When (the clock starts here).
    pub issued_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
    /// When it was accepted, refused or withdrawn.
    pub closed_at: Option<DateTimeUtc>,
}

/// Relations of an order.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

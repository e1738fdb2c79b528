//! `findings`: what a buyer-side manager found (认定) on a ticket or a contract's month, read by
//! the contract rules that need it; withdrawn, never edited or deleted.

use sea_orm::entity::prelude::*;

/// A stored finding.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "findings")]
pub struct Model {
    /// Surrogate key; shown as `F-<id>`.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The contract it is against.
    #[sea_orm(column_type = "Text")]
    pub contract_code: String,
    /// What it establishes (`contract_terms::FindingKind`).
    #[sea_orm(column_type = "Text")]
    pub kind: crate::db::Key<contract_terms::FindingKind>,
    /// The ticket it is about; none for a finding about the month.
    pub ticket_id: Option<i64>,
    /// The month it is assessed in, `YYYY-MM`.
    #[sea_orm(column_type = "Text")]
    pub month: String,
    /// What was found, in a line.
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    /// The facts (people affected, economic loss, months of data lost, attention, minutes).
    #[sea_orm(column_type = "JsonBinary")]
    pub facts: Json,
    /// The evidence it rests on (documents, notices, minutes of a meeting).
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    /// The buyer found it serious (情节严重).
    pub serious: bool,
    /// Who recorded it.
    pub recorded_by: i64,
    /// When.
    pub recorded_at: DateTimeUtc,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<DateTimeUtc>,
    /// Who withdrew it.
    pub withdrawn_by: Option<i64>,
    /// Why.
    #[sea_orm(column_type = "Text", nullable)]
    pub withdraw_reason: Option<String>,
    /// The rectification order a `refused_rectification` finding was recorded for (its parties
    /// alone read and withdraw it).
    pub rectification_id: Option<i64>,
}

/// Relations of a finding.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

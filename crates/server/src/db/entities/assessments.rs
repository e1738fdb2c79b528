//! `assessments`: a contract's period assessed (考核), through its life cycle to final; its
//! figures are the canonical JSON text `snapshot`, hashed into `content_hash`.

use sea_orm::entity::prelude::*;

/// A stored assessment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessments")]
pub struct Model {
    /// Surrogate key; shown as `A-<id>`.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The contract assessed.
    #[sea_orm(column_type = "Text")]
    pub contract_code: String,
    /// The user unit it is for; `None`: the whole contract.
    pub unit_id: Option<i64>,
    /// The period, `YYYY-MM`.
    #[sea_orm(column_type = "Text")]
    pub period: String,
    /// The assessment scheme (考核方案) scored, by code; `None`: no scored part.
    #[sea_orm(column_type = "Text", nullable)]
    pub scheme: Option<String>,
    /// The scores given (`scorecard::Entries`); `None` until the buyer scores.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub entries: Option<Json>,
    /// A `scorecard::lifecycle::State` key.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    /// The parties that must sign (JSON array of keys).
    #[sea_orm(column_type = "JsonBinary")]
    pub required: Json,
    /// The parties that have signed (JSON array of keys).
    #[sea_orm(column_type = "JsonBinary")]
    pub signed: Json,
    /// The figures, canonical JSON text (keys sorted).
    #[sea_orm(column_type = "Text")]
    pub snapshot: String,
    /// SHA-256 of `snapshot`, hex.
    #[sea_orm(column_type = "Text")]
    pub content_hash: String,
    /// The hash sent to the vendor, which signatures bind.
    #[sea_orm(column_type = "Text", nullable)]
    pub hash_sent: Option<String>,
    /// Incremented by every change.
    pub version: i32,
    /// Who created it.
    pub created_by: i64,
    /// When.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
    /// When it became final (the last one, if reopened since).
    pub final_at: Option<DateTimeUtc>,
    /// The vendor assessed: the contract's lead vendor when the assessment was created (none on
    /// rows older than the column: then any vendor the contract binds).
    pub vendor_id: Option<i64>,
}

/// Relations of an assessment.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

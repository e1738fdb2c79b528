//! `assessment_scans`: the scanned signed copies attached to an assessment.

use sea_orm::entity::prelude::*;

/// A stored scan.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_scans")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The assessment.
    pub assessment_id: i64,
    /// Its number within the assessment, from 1.
    pub number: i32,
    /// `application/pdf`, `image/png` or `image/jpeg`, told by the file's first bytes.
    #[sea_orm(column_type = "Text")]
    pub media_type: String,
    /// The name it was sent with, if any.
    #[sea_orm(column_type = "Text", nullable)]
    pub file_name: Option<String>,
    /// Its size in bytes.
    pub size: i64,
    /// SHA-256 of the file, hex.
    #[sea_orm(column_type = "Text")]
    pub sha256: String,
    /// The assessment's content hash when it was attached.
    #[sea_orm(column_type = "Text")]
    pub content_hash: String,
    /// For which party it was attached (`unit`, `vendor`, `bureau`, `supervisor`).
    #[sea_orm(column_type = "Text", nullable)]
    pub party: Option<String>,
    /// Who attached it.
    pub uploaded_by: i64,
    /// When.
    pub uploaded_at: DateTimeUtc,
    /// The file.
    #[sea_orm(column_type = "Blob")]
    pub data: Vec<u8>,
}

/// Relations of a scan.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

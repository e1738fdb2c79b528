//! Scanned signed copies of assessments (考核记录扫描件, issue 27): the paper record, printed,
//! signed and stamped by the parties, scanned and attached to its assessment.
//!
//! - `assessment_scans`: one per file attached, numbered within its assessment (`number`, from
//!   1). `data` is the file itself (a PDF, PNG or JPEG of at most 10 MiB, its type `media_type`
//!   told by its first bytes, not by its name); `sha256` its SHA-256 in hex; `file_name` the name
//!   it was sent with, if any. `content_hash` is the assessment's content hash when it was
//!   attached (the figures the paper is meant to carry), `party` whom the uploader attached it
//!   for, `uploaded_by` and `uploaded_at` who and when. Attaching a scan changes neither the
//!   assessment's figures nor its hash nor its version.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `assessment_scans`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AssessmentScans::Table)
                    .col(big_pk_auto(AssessmentScans::Id))
                    .col(big_integer(AssessmentScans::AssessmentId))
                    .col(integer(AssessmentScans::Number))
                    .col(text(AssessmentScans::MediaType))
                    .col(text_null(AssessmentScans::FileName))
                    .col(big_integer(AssessmentScans::Size))
                    .col(text(AssessmentScans::Sha256))
                    .col(text(AssessmentScans::ContentHash))
                    .col(text_null(AssessmentScans::Party))
                    .col(big_integer(AssessmentScans::UploadedBy))
                    .col(timestamp_with_time_zone(AssessmentScans::UploadedAt))
                    .col(blob(AssessmentScans::Data))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AssessmentScans::Table, AssessmentScans::AssessmentId)
                            .to(Assessments::Table, Assessments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AssessmentScans::Table, AssessmentScans::UploadedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Numbered within the assessment: two uploads at once cannot take the same number.
        manager
            .create_index(
                Index::create()
                    .name("assessment_scans_assessment_number")
                    .table(AssessmentScans::Table)
                    .col(AssessmentScans::AssessmentId)
                    .col(AssessmentScans::Number)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AssessmentScans::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AssessmentScans {
    Table,
    Id,
    AssessmentId,
    Number,
    MediaType,
    FileName,
    Size,
    Sha256,
    ContentHash,
    Party,
    UploadedBy,
    UploadedAt,
    Data,
}

#[derive(DeriveIden)]
enum Assessments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

//! Assessments (考核, issue 27): a contract's month assessed by the buyer, sent to the vendor,
//! agreed or disputed, signed by each required party, then final and frozen.
//!
//! - `assessments`: one per contract, unit (NULL: the whole contract) and period. `snapshot` is
//!   the assessment's figures as canonical JSON text (keys sorted), exactly what `content_hash`
//!   (SHA-256, hex) is computed over, so a signature names figures that can be checked again
//!   byte for byte. `state` is a `scorecard::lifecycle::State` key; `required` and `signed` are
//!   JSON arrays of party keys; `hash_sent` is the hash sent to the vendor (what signatures
//!   bind). `version` guards concurrent changes. `scheme` names the assessment scheme (考核方案,
//!   `config/schemes/`) whose items the buyer scores, `entries` the scores given.
//! - `assessment_events`: every act on an assessment, append-only: who (user and party), what
//!   (`create`, `revise`, `send`, `agree`, `dispute`, `reply`, `maintain`, `sign`, `reopen`), the
//!   text (disputed points, a reply, a reason) and the content hash at that moment.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `assessments` and `assessment_events`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Assessments::Table)
                    .col(big_pk_auto(Assessments::Id))
                    .col(text(Assessments::ContractCode))
                    .col(big_integer_null(Assessments::UnitId))
                    .col(text(Assessments::Period))
                    .col(text_null(Assessments::Scheme))
                    .col(json_binary_null(Assessments::Entries))
                    .col(text(Assessments::State))
                    .col(json_binary(Assessments::Required))
                    .col(json_binary(Assessments::Signed))
                    .col(text(Assessments::Snapshot))
                    .col(text(Assessments::ContentHash))
                    .col(text_null(Assessments::HashSent))
                    .col(integer(Assessments::Version))
                    .col(big_integer(Assessments::CreatedBy))
                    .col(timestamp_with_time_zone(Assessments::CreatedAt))
                    .col(timestamp_with_time_zone(Assessments::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Assessments::FinalAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Assessments::Table, Assessments::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Assessments::Table, Assessments::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One assessment per contract, unit and period. NULL units compare distinct in SQL, so
        // the whole contract's assessment (unit_id NULL) has a partial index of its own.
        manager
            .create_index(
                Index::create()
                    .name("assessments_contract_unit_period")
                    .table(Assessments::Table)
                    .col(Assessments::ContractCode)
                    .col(Assessments::UnitId)
                    .col(Assessments::Period)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX assessments_contract_period_whole ON assessments (contract_code, period) \
                 WHERE unit_id IS NULL",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AssessmentEvents::Table)
                    .col(big_pk_auto(AssessmentEvents::Id))
                    .col(big_integer(AssessmentEvents::AssessmentId))
                    .col(big_integer(AssessmentEvents::UserId))
                    .col(text_null(AssessmentEvents::Party))
                    .col(text(AssessmentEvents::Kind))
                    .col(text(AssessmentEvents::Text))
                    .col(text(AssessmentEvents::ContentHash))
                    .col(timestamp_with_time_zone(AssessmentEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AssessmentEvents::Table, AssessmentEvents::AssessmentId)
                            .to(Assessments::Table, Assessments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AssessmentEvents::Table, AssessmentEvents::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("assessment_events_assessment")
                    .table(AssessmentEvents::Table)
                    .col(AssessmentEvents::AssessmentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AssessmentEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Assessments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Assessments {
    Table,
    Id,
    ContractCode,
    UnitId,
    Period,
    Scheme,
    Entries,
    State,
    Required,
    Signed,
    Snapshot,
    ContentHash,
    HashSent,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    FinalAt,
}

#[derive(DeriveIden)]
enum AssessmentEvents {
    Table,
    Id,
    AssessmentId,
    UserId,
    Party,
    Kind,
    Text,
    ContentHash,
    At,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

//! Satisfaction surveys (满意度调查, issue 27): a unit's periodic rating of the service under a
//! contract, beside the reporters' per-ticket ratings.
//!
//! `satisfaction_surveys`: one row per unit, contract and period (`2026-11` or `2026-Q4`; the
//! unique index decides, on either backend). `period_from` and `period_to` are the period's
//! bounds in the reports' zone, so that a report finds the surveys its period overlaps. `vendor_id`
//! is the contract's vendor when filled (the vendor concerned reads it). `overall` is 1–5, the
//! ticket ratings' scale; `aspects` a JSON object of aspect → 1–5 (响应及时性, 服务态度, 解决质量 by
//! default); `comment` free text. A replacement by the unit overwrites the row, bumps `version`
//! and is audited with what it replaced.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `satisfaction_surveys`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Surveys::Table)
                    .col(big_pk_auto(Surveys::Id))
                    .col(big_integer(Surveys::UnitId))
                    .col(text(Surveys::ContractCode))
                    .col(big_integer(Surveys::VendorId))
                    .col(text(Surveys::Period))
                    .col(timestamp_with_time_zone(Surveys::PeriodFrom))
                    .col(timestamp_with_time_zone(Surveys::PeriodTo))
                    .col(integer(Surveys::Overall))
                    .col(json_binary(Surveys::Aspects))
                    .col(text(Surveys::Comment))
                    .col(integer(Surveys::Version))
                    .col(big_integer(Surveys::FilledBy))
                    .col(timestamp_with_time_zone(Surveys::FilledAt))
                    .col(timestamp_with_time_zone(Surveys::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Surveys::Table, Surveys::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Surveys::Table, Surveys::FilledBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("satisfaction_surveys_unit_contract_period")
                    .table(Surveys::Table)
                    .col(Surveys::UnitId)
                    .col(Surveys::ContractCode)
                    .col(Surveys::Period)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The reports' range query: the surveys whose period overlaps the report's.
        manager
            .create_index(
                Index::create()
                    .name("satisfaction_surveys_period")
                    .table(Surveys::Table)
                    .col(Surveys::PeriodFrom)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Surveys::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Surveys {
    #[sea_orm(iden = "satisfaction_surveys")]
    Table,
    Id,
    UnitId,
    ContractCode,
    VendorId,
    Period,
    PeriodFrom,
    PeriodTo,
    Overall,
    Aspects,
    Comment,
    Version,
    FilledBy,
    FilledAt,
    UpdatedAt,
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

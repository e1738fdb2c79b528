//! Periodic reports (定期报告, issue 28): the reports a contract asks the vendor to hand in at
//! fixed times (`[[contracts.reports]]`), one row per report owed.
//!
//! - `periodic_reports`: the contract and the duty (`duty`, the report's code in the contract;
//!   `name`, `every`), the period (`period` as written, `2026-11`; `period_start` inclusive and
//!   `period_end` exclusive, midnights in the duty calendar's zone), `due_at` (null while the
//!   calendar cannot say) and `due_provisional` (the due date rests on unpublished holidays),
//!   `state` (`open`, `submitted`, `acknowledged`, `withdrawn` when its window or duty went
//!   away), the vendor's `narrative` (JSON, heading to text), the `content` frozen at submission
//!   (JSON), when it was first submitted (lateness is judged on it), who (last) submitted and
//!   acknowledged it and when,
//!   `returned_note` (why the buyer sent it back), `breached_at` (set once, when the due instant
//!   passed with the report not submitted), `next_look_at` (the next instant the sweep must look:
//!   the reminder, then the due instant; null once nothing is left to send), `version`.
//!   Unique per (contract, duty, period_start): the sweep inserts with `ON CONFLICT DO NOTHING`,
//!   so several servers and restarts create each once. Indexed on `next_look_at` (the sweep reads
//!   only what is due) and on `due_at` (the breach report's period).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `periodic_reports`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PeriodicReports::Table)
                    .col(big_pk_auto(PeriodicReports::Id))
                    .col(big_integer(PeriodicReports::ContractId))
                    .col(text(PeriodicReports::Duty))
                    .col(text(PeriodicReports::Name))
                    .col(text(PeriodicReports::Every))
                    .col(text(PeriodicReports::Period))
                    .col(timestamp_with_time_zone(PeriodicReports::PeriodStart))
                    .col(timestamp_with_time_zone(PeriodicReports::PeriodEnd))
                    .col(timestamp_with_time_zone_null(PeriodicReports::DueAt))
                    .col(boolean(PeriodicReports::DueProvisional).default(false))
                    .col(text(PeriodicReports::State))
                    .col(json_binary_null(PeriodicReports::Narrative))
                    .col(json_binary_null(PeriodicReports::Content))
                    .col(timestamp_with_time_zone_null(PeriodicReports::FirstSubmittedAt))
                    .col(timestamp_with_time_zone_null(PeriodicReports::SubmittedAt))
                    .col(big_integer_null(PeriodicReports::SubmittedBy))
                    .col(timestamp_with_time_zone_null(PeriodicReports::AcknowledgedAt))
                    .col(big_integer_null(PeriodicReports::AcknowledgedBy))
                    .col(text_null(PeriodicReports::ReturnedNote))
                    .col(timestamp_with_time_zone_null(PeriodicReports::BreachedAt))
                    .col(timestamp_with_time_zone_null(PeriodicReports::NextLookAt))
                    .col(integer(PeriodicReports::Version).default(1))
                    .col(timestamp_with_time_zone(PeriodicReports::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PeriodicReports::Table, PeriodicReports::ContractId)
                            .to(Contracts::Table, Contracts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PeriodicReports::Table, PeriodicReports::SubmittedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PeriodicReports::Table, PeriodicReports::AcknowledgedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("periodic_reports_once")
                    .table(PeriodicReports::Table)
                    .col(PeriodicReports::ContractId)
                    .col(PeriodicReports::Duty)
                    .col(PeriodicReports::PeriodStart)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("periodic_reports_look")
                    .table(PeriodicReports::Table)
                    .col(PeriodicReports::NextLookAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("periodic_reports_due")
                    .table(PeriodicReports::Table)
                    .col(PeriodicReports::DueAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PeriodicReports::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PeriodicReports {
    Table,
    Id,
    ContractId,
    Duty,
    Name,
    Every,
    Period,
    PeriodStart,
    PeriodEnd,
    DueAt,
    DueProvisional,
    State,
    Narrative,
    Content,
    FirstSubmittedAt,
    SubmittedAt,
    SubmittedBy,
    AcknowledgedAt,
    AcknowledgedBy,
    ReturnedNote,
    BreachedAt,
    NextLookAt,
    Version,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

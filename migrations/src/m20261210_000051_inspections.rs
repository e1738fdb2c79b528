//! Scheduled inspections (巡检, issue 28): what the catalogue's inspection cadence
//! (`[systems.contract] inspection`) makes a system owe.
//!
//! - `inspections`: one row per inspection owed: the system, the cadence it comes from (`every`:
//!   `day` … `year`; `mode`: `remote`, `on_site` or `any` when the contract does not say), the
//!   period (`period_start` inclusive, `period_end` exclusive, midnights in the system calendar's
//!   zone), `seq` (1 to `times`, the cadence's count per period), `due_at` (the end of the
//!   period), `state` (`due`, `done`, `missed`), and once done `done_at`, `done_by`, the
//!   `checklist` used and its `results` item by item (JSON), and the engineer's `note`.
//!   Unique per (system, every, mode, period_start, seq): the sweep inserts with
//!   `ON CONFLICT DO NOTHING`, so several servers and restarts create each one once.
//!   Indexed on (state, due_at): the sweep that marks missed ones reads only what is due.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `inspections`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Inspections::Table)
                    .col(big_pk_auto(Inspections::Id))
                    .col(big_integer(Inspections::SystemId))
                    .col(text(Inspections::Every))
                    .col(text(Inspections::Mode))
                    .col(integer(Inspections::Times))
                    .col(integer(Inspections::Seq))
                    .col(timestamp_with_time_zone(Inspections::PeriodStart))
                    .col(timestamp_with_time_zone(Inspections::PeriodEnd))
                    .col(timestamp_with_time_zone(Inspections::DueAt))
                    .col(text(Inspections::State))
                    .col(timestamp_with_time_zone_null(Inspections::DoneAt))
                    .col(big_integer_null(Inspections::DoneBy))
                    .col(text_null(Inspections::Checklist))
                    .col(json_binary_null(Inspections::Results))
                    .col(text_null(Inspections::Note))
                    .col(timestamp_with_time_zone(Inspections::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Inspections::Table, Inspections::SystemId)
                            .to(Systems::Table, Systems::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Inspections::Table, Inspections::DoneBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("inspections_once")
                    .table(Inspections::Table)
                    .col(Inspections::SystemId)
                    .col(Inspections::Every)
                    .col(Inspections::Mode)
                    .col(Inspections::PeriodStart)
                    .col(Inspections::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("inspections_due")
                    .table(Inspections::Table)
                    .col(Inspections::State)
                    .col(Inspections::DueAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Inspections::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Inspections {
    Table,
    Id,
    SystemId,
    Every,
    Mode,
    Times,
    Seq,
    PeriodStart,
    PeriodEnd,
    DueAt,
    State,
    DoneAt,
    DoneBy,
    Checklist,
    Results,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Systems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

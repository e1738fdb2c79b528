//! When each ticket event was recorded (`ticket_events.recorded_at`), and how long each clock
//! was paused (`clocks.paused_ms`).
//!
//! An event's `at` is when it counts; `recorded_at` is when the server wrote it. The two differ
//! when a person dates an action earlier than they log it (an arrival logged after the fact):
//! within the contract's tolerance the claim counts at once, beyond it the event counts as
//! recorded until the other party approves the claim (`ticket_domain::evidence`). Rows written
//! before this column existed have none; readers take `at`.
//!
//! `clocks.paused_ms` is the working time a clock spent paused, beside its other measurements,
//! so that the report and its exports can show it (clocks written before have none until their
//! ticket is written again).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `ticket_events.recorded_at` and `clocks.paused_ms`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(TicketEvents::Table)
                    .add_column(timestamp_with_time_zone_null(TicketEvents::RecordedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Clocks::Table)
                    .add_column(big_integer_null(Clocks::PausedMs))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Clocks::Table)
                    .drop_column(Clocks::PausedMs)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(TicketEvents::Table)
                    .drop_column(TicketEvents::RecordedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum TicketEvents {
    Table,
    RecordedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Clocks {
    Table,
    PausedMs,
}

//! Provisional deadlines: `clocks.provisional`.
//!
//! A calendar counts past its published years with its weekly schedule alone; a deadline that
//! rests on such days is *provisional* until the year's holidays are added (see `sla-clock`'s
//! `Calendar::is_provisional`). The flag is stored with the clock's other measurements so that
//! lists, reports and metrics can count provisional deadlines apart, and so that adding a year
//! can find exactly the clocks to measure again (the index).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `clocks.provisional` and its index.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Clocks::Table)
                    .add_column(boolean(Clocks::Provisional).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_clocks_provisional_calendar")
                    .table(Clocks::Table)
                    .col(Clocks::Provisional)
                    .col(Clocks::Calendar)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_clocks_provisional_calendar")
                    .table(Clocks::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Clocks::Table)
                    .drop_column(Clocks::Provisional)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Clocks {
    Table,
    Provisional,
    Calendar,
}

//! A calendar per clock (issue 24): `systems.clock_calendars`, a JSON object naming the calendar
//! of some of a system's clocks (`{"response": "cn-7x24"}`); the others count in
//! `systems.calendar`. NULL (every existing row): every clock in `systems.calendar`, as before.

use sea_orm_migration::prelude::*;

/// Adds `systems.clock_calendars`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Systems::Table)
                    .add_column(ColumnDef::new(Systems::ClockCalendars).json_binary().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Systems::Table)
                    .drop_column(Systems::ClockCalendars)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Systems {
    Table,
    ClockCalendars,
}

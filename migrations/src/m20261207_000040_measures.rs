//! Measured times (issue 24): `tickets.response_ms` and `tickets.repair_ms`, the working time from
//! the clocks' start to the acknowledgement and to the resolution, whether or not a target ran a
//! clock for it. Contracts average these over every ticket (seed 003 L811–834), while their
//! per-ticket deadlines cover few (003 sets one, the urgent response, L133–135).
//!
//! Existing rows take the consumed time of their stopped clocks; a ticket that ran no clock of a
//! name stays NULL (unmeasured, as the averages read it before) until its next write measures it.

use sea_orm_migration::prelude::*;

/// Adds `tickets.response_ms` and `tickets.repair_ms`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Tickets::ResponseMs, Tickets::RepairMs] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .add_column(ColumnDef::new(column).big_integer().null())
                        .to_owned(),
                )
                .await?;
        }
        for (column, clock) in [("response_ms", "response"), ("repair_ms", "repair")] {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "UPDATE tickets SET {column} = (SELECT c.consumed_ms FROM clocks c \
                     WHERE c.ticket_id = tickets.id AND c.name = '{clock}' \
                     AND c.state IN ('met', 'breached-met'))"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Tickets::ResponseMs, Tickets::RepairMs] {
            manager
                .alter_table(Table::alter().table(Tickets::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    ResponseMs,
    RepairMs,
}

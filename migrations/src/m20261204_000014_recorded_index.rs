//! An index on `ticket_events.recorded_at`: a report lists the corrections recorded in its
//! period on earlier tickets too (a November ticket re-graded in December shows in December's
//! report), found by when each event was written rather than by the ticket's period. Rows
//! written before `recorded_at` existed get their `at` (the best figure there is: the server
//! wrote events as they came, a back-dated claim only since the column exists), so that they are
//! found too.

use sea_orm_migration::prelude::*;

/// Fills `recorded_at` where it is missing and adds `ticket_events_recorded_at`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("UPDATE ticket_events SET recorded_at = at WHERE recorded_at IS NULL")
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ticket_events_recorded_at")
                    .table(TicketEvents::Table)
                    .col(TicketEvents::RecordedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ticket_events_recorded_at")
                    .table(TicketEvents::Table)
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

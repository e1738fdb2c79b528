//! What the breach reports read, kept so that a month's report is a handful of SQL aggregates
//! rather than a replay of every ticket.
//!
//! - `clocks`: the measured values of each clock as of its last projection: when it started and
//!   ended, its target and working-time budget, the working time it consumed (paused and excluded
//!   time not counted), the wall time from start to end, and how far past the deadline it ended
//!   (in working time and in wall time). Running clocks keep the values of their last write; the
//!   report recomputes the few it lists from their events.
//! - `tickets.vendor_id`: the vendor a ticket counts against in the vendor scorecard (the
//!   assignee's vendor, else the system's first vendor). No foreign key: SQLite cannot add one to
//!   an existing table.
//! - `contracts`: a vendor's contract as one document (price, months, systems, deduction rules;
//!   see `contract_terms`).
//! - `outbox.attachments`: files sent with a message (the monthly summary's XLSX), as JSON.
//! - covering indexes, so that the report's aggregates read indexes only, never the rows (a
//!   clock row carries its events, a ticket row its text): tickets by received time with the
//!   columns the filters read; urgent and serious tickets by occurrence for outages; clocks by
//!   ticket with the columns compliance and latency read.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds the report columns and the contracts table.
#[derive(DeriveMigrationName)]
pub struct Migration;

const CLOCK_INSTANTS: [Clocks; 2] = [Clocks::StartedAt, Clocks::EndedAt];
const CLOCK_MILLIS: [Clocks; 5] = [
    Clocks::BudgetMs,
    Clocks::ConsumedMs,
    Clocks::WallMs,
    Clocks::OverdueMs,
    Clocks::OverdueWallMs,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let add = |table: TableRef, column: ColumnDef| Table::alter().table(table).add_column(column).to_owned();
        for column in CLOCK_INSTANTS {
            manager
                .alter_table(add(
                    Clocks::Table.into_table_ref(),
                    timestamp_with_time_zone_null(column),
                ))
                .await?;
        }
        manager
            .alter_table(add(Clocks::Table.into_table_ref(), text_null(Clocks::Target)))
            .await?;
        for column in CLOCK_MILLIS {
            manager
                .alter_table(add(Clocks::Table.into_table_ref(), big_integer_null(column)))
                .await?;
        }
        manager
            .alter_table(add(
                Tickets::Table.into_table_ref(),
                big_integer_null(Tickets::VendorId),
            ))
            .await?;
        manager
            .alter_table(add(
                Outbox::Table.into_table_ref(),
                json_binary_null(Outbox::Attachments),
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Contracts::Table)
                    .col(big_pk_auto(Contracts::Id))
                    .col(text_uniq(Contracts::Code))
                    .col(text(Contracts::Name))
                    .col(big_integer(Contracts::VendorId))
                    .col(json_binary(Contracts::Document))
                    .col(timestamp_with_time_zone(Contracts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contracts_vendor_id")
                            .from(Contracts::Table, Contracts::VendorId)
                            .to(Vendors::Table, Alias::new("id"))
                            .on_delete(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        for index in [
            Index::create()
                .name("idx_tickets_report")
                .table(Tickets::Table)
                .col(Tickets::ReceivedAt)
                .col(Tickets::SystemId)
                .col(Tickets::VendorId)
                .col(Tickets::Kind)
                .col(Tickets::Severity)
                .col(Tickets::Status)
                .col(Tickets::Breached)
                .to_owned(),
            Index::create()
                .name("idx_tickets_outages")
                .table(Tickets::Table)
                .col(Tickets::Severity)
                .col(Tickets::OccurredAt)
                .col(Tickets::Kind)
                .col(Tickets::Status)
                .col(Tickets::ResolvedAt)
                .col(Tickets::SystemId)
                .col(Tickets::Number)
                .to_owned(),
            // Empty once every clock is measured: `serve`'s start-up check for clocks written
            // before this migration costs a lookup, not a scan of every clock.
            Index::create()
                .name("idx_clocks_unmeasured")
                .table(Clocks::Table)
                .col(Clocks::TicketId)
                .and_where(Expr::col(Clocks::StartedAt).is_null())
                .to_owned(),
            Index::create()
                .name("idx_clocks_report")
                .table(Clocks::Table)
                .col(Clocks::TicketId)
                .col(Clocks::Name)
                .col(Clocks::State)
                .col(Clocks::Breached)
                .col(Clocks::Deadline)
                .col(Clocks::ConsumedMs)
                .col(Clocks::WallMs)
                .to_owned(),
            Index::create()
                .name("idx_contracts_vendor_id")
                .table(Contracts::Table)
                .col(Contracts::VendorId)
                .to_owned(),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (index, table) in [
            ("idx_tickets_report", Tickets::Table.into_iden()),
            ("idx_tickets_outages", Tickets::Table.into_iden()),
            ("idx_clocks_report", Clocks::Table.into_iden()),
            ("idx_clocks_unmeasured", Clocks::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().name(index).table(table).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Contracts::Table).if_exists().to_owned())
            .await?;
        let drop = |table: TableRef, column: Clocks| Table::alter().table(table).drop_column(column).to_owned();
        for column in CLOCK_INSTANTS.into_iter().chain([Clocks::Target]).chain(CLOCK_MILLIS) {
            manager
                .alter_table(drop(Clocks::Table.into_table_ref(), column))
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .drop_column(Tickets::VendorId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::Attachments)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Clocks {
    Table,
    TicketId,
    Name,
    State,
    Breached,
    Deadline,
    StartedAt,
    EndedAt,
    Target,
    BudgetMs,
    ConsumedMs,
    WallMs,
    OverdueMs,
    OverdueWallMs,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    VendorId,
    ReceivedAt,
    SystemId,
    Kind,
    Severity,
    Status,
    Breached,
    OccurredAt,
    ResolvedAt,
    Number,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Attachments,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
    Code,
    Name,
    VendorId,
    Document,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Vendors {
    Table,
}

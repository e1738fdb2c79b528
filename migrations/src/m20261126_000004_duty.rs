//! Time that is not a single ticket: duty rosters, major-event windows (重保), exclusion windows
//! and scheduled duties.
//!
//! - `rosters`: a vendor's duty roster as one document (shift lines with rotations, staffing
//!   rules, see `duty_roster`), the calendar its days follow and the systems it covers
//!   (an empty list: every system the vendor serves).
//! - `roster_overrides`: one shift changed: someone off, someone on, with a reason and who said so.
//! - `major_events`: a window (start, end, covered units and systems) with the stricter targets,
//!   calendar, ladder and staffing it imposes. Tickets whose clocks start inside keep a
//!   reference (`tickets.major_event_id`).
//! - `exclusions`: approved maintenance, force majeure and third-party works on one system: from
//!   `proposed` to `approved` (then excluded from clocks and availability), `rejected` or `revoked`.
//! - `duties`: recurring work (a cron rule in the system's calendar zone) that opens `request`
//!   tickets with a due period, and quotas per month, quarter or year.
//! - `duty_runs`: one row per occurrence of a duty, unique on `(duty_id, scheduled_at)`, written in
//!   the same transaction as the ticket it opens, so an occurrence opens one ticket however many
//!   servers run the scheduler.
//! - `tickets.major_event_id`, `tickets.duty_id`: which window or duty a ticket belongs to
//!   (no foreign key: SQLite cannot add one to an existing table).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates the duty, window and exclusion tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, NoAction};
        manager
            .create_table(
                Table::create()
                    .table(Rosters::Table)
                    .col(big_pk_auto(Rosters::Id))
                    .col(text_uniq(Rosters::Code))
                    .col(text(Rosters::Name))
                    .col(big_integer(Rosters::VendorId))
                    .col(text(Rosters::Calendar))
                    .col(json_binary(Rosters::Systems))
                    .col(json_binary(Rosters::Document))
                    .col(timestamp_with_time_zone(Rosters::UpdatedAt))
                    .foreign_key(&mut fk(Rosters::Table, Rosters::VendorId, Vendors::Table, NoAction))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RosterOverrides::Table)
                    .col(big_pk_auto(RosterOverrides::Id))
                    .col(big_integer(RosterOverrides::RosterId))
                    .col(text(RosterOverrides::Line))
                    .col(date(RosterOverrides::Date))
                    .col(text_null(RosterOverrides::OffUser))
                    .col(text_null(RosterOverrides::OnUser))
                    .col(text(RosterOverrides::Reason))
                    .col(big_integer_null(RosterOverrides::CreatedBy))
                    .col(timestamp_with_time_zone(RosterOverrides::CreatedAt))
                    .foreign_key(&mut fk(
                        RosterOverrides::Table,
                        RosterOverrides::RosterId,
                        Rosters::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MajorEvents::Table)
                    .col(big_pk_auto(MajorEvents::Id))
                    .col(text_uniq(MajorEvents::Code))
                    .col(text(MajorEvents::Name))
                    .col(timestamp_with_time_zone(MajorEvents::StartsAt))
                    .col(timestamp_with_time_zone(MajorEvents::EndsAt))
                    .col(json_binary(MajorEvents::Document))
                    .col(timestamp_with_time_zone(MajorEvents::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Exclusions::Table)
                    .col(big_pk_auto(Exclusions::Id))
                    .col(big_integer(Exclusions::SystemId))
                    .col(text(Exclusions::Kind))
                    .col(timestamp_with_time_zone(Exclusions::StartsAt))
                    .col(timestamp_with_time_zone(Exclusions::EndsAt))
                    .col(text(Exclusions::Reason))
                    .col(text(Exclusions::Status))
                    .col(big_integer_null(Exclusions::RequestedBy))
                    .col(big_integer_null(Exclusions::DecidedBy))
                    .col(timestamp_with_time_zone_null(Exclusions::DecidedAt))
                    .col(text_null(Exclusions::DecisionNote))
                    .col(timestamp_with_time_zone(Exclusions::CreatedAt))
                    .foreign_key(&mut fk(
                        Exclusions::Table,
                        Exclusions::SystemId,
                        Systems::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Duties::Table)
                    .col(big_pk_auto(Duties::Id))
                    .col(text_uniq(Duties::Code))
                    .col(text(Duties::Name))
                    .col(big_integer(Duties::SystemId))
                    .col(json_binary(Duties::Document))
                    .col(timestamp_with_time_zone_null(Duties::NextRunAt))
                    .col(timestamp_with_time_zone(Duties::UpdatedAt))
                    .foreign_key(&mut fk(Duties::Table, Duties::SystemId, Systems::Table, Cascade))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DutyRuns::Table)
                    .col(big_pk_auto(DutyRuns::Id))
                    .col(big_integer(DutyRuns::DutyId))
                    .col(timestamp_with_time_zone(DutyRuns::ScheduledAt))
                    .col(big_integer_null(DutyRuns::TicketId))
                    .col(timestamp_with_time_zone(DutyRuns::CreatedAt))
                    .foreign_key(&mut fk(DutyRuns::Table, DutyRuns::DutyId, Duties::Table, Cascade))
                    .to_owned(),
            )
            .await?;
        for column in [Tickets::MajorEventId, Tickets::DutyId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .add_column(big_integer_null(column))
                        .to_owned(),
                )
                .await?;
        }
        let indexes = [
            Index::create()
                .name("idx_roster_overrides_roster_id_date")
                .table(RosterOverrides::Table)
                .col(RosterOverrides::RosterId)
                .col(RosterOverrides::Date)
                .to_owned(),
            Index::create()
                .name("idx_rosters_vendor_id")
                .table(Rosters::Table)
                .col(Rosters::VendorId)
                .to_owned(),
            Index::create()
                .name("idx_major_events_starts_at_ends_at")
                .table(MajorEvents::Table)
                .col(MajorEvents::StartsAt)
                .col(MajorEvents::EndsAt)
                .to_owned(),
            Index::create()
                .name("idx_exclusions_system_id_starts_at")
                .table(Exclusions::Table)
                .col(Exclusions::SystemId)
                .col(Exclusions::StartsAt)
                .to_owned(),
            Index::create()
                .name("idx_duties_next_run_at")
                .table(Duties::Table)
                .col(Duties::NextRunAt)
                .to_owned(),
            Index::create()
                .name("idx_duty_runs_duty_id_scheduled_at")
                .table(DutyRuns::Table)
                .col(DutyRuns::DutyId)
                .col(DutyRuns::ScheduledAt)
                .unique()
                .to_owned(),
            Index::create()
                .name("idx_tickets_duty_id")
                .table(Tickets::Table)
                .col(Tickets::DutyId)
                .to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_tickets_duty_id")
                    .table(Tickets::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Tickets::MajorEventId, Tickets::DutyId] {
            manager
                .alter_table(Table::alter().table(Tickets::Table).drop_column(column).to_owned())
                .await?;
        }
        for table in [
            DutyRuns::Table.into_iden(),
            Duties::Table.into_iden(),
            Exclusions::Table.into_iden(),
            MajorEvents::Table.into_iden(),
            RosterOverrides::Table.into_iden(),
            Rosters::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// A named foreign key `fk_<table>_<column>` from `table.column` to `parent.id`.
fn fk(
    table: impl IntoIden,
    column: impl IntoIden,
    parent: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    let (table, column) = (table.into_iden(), column.into_iden());
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(parent, Alias::new("id"))
        .on_delete(on_delete)
        .to_owned()
}

#[derive(DeriveIden)]
enum Rosters {
    Table,
    Id,
    Code,
    Name,
    VendorId,
    Calendar,
    Systems,
    Document,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RosterOverrides {
    Table,
    Id,
    RosterId,
    Line,
    Date,
    OffUser,
    OnUser,
    Reason,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MajorEvents {
    Table,
    Id,
    Code,
    Name,
    StartsAt,
    EndsAt,
    Document,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Exclusions {
    Table,
    Id,
    SystemId,
    Kind,
    StartsAt,
    EndsAt,
    Reason,
    Status,
    RequestedBy,
    DecidedBy,
    DecidedAt,
    DecisionNote,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Duties {
    Table,
    Id,
    Code,
    Name,
    SystemId,
    Document,
    NextRunAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DutyRuns {
    Table,
    Id,
    DutyId,
    ScheduledAt,
    TicketId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    MajorEventId,
    DutyId,
}

#[derive(DeriveIden)]
enum Vendors {
    Table,
}

#[derive(DeriveIden)]
enum Systems {
    Table,
}

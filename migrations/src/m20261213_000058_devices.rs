//! Devices (一机一档, issue 30 part A): the inventory of each system's devices and the tickets
//! that name them.
//!
//! - `devices`: one per device, its `code` unique across the installation (the 一机一档 number);
//!   `system_id` is the system it belongs to. `kind` is its type (摄像机, 交换机…), `model`,
//!   `serial`, `location` (text) with optional `latitude` / `longitude` (WGS-84 degrees),
//!   `main` marks a main device (主要设备, the ones the availability KPI is over), `installed_on`
//!   and `removed_on` the days it entered and left service, `warranty_by` the warranty provider or
//!   OEM and `warranty_until` the last day of its warranty, `status` one of `in_service`,
//!   `faulty`, `removed`, and `attributes` a JSON object of text to text (the columns a
//!   system's own list adds). Part B (spares, replacements) references `devices.id`.
//! - `ticket_devices`: the devices a ticket names; a pair at most once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `devices` and `ticket_devices`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(big_pk_auto(Devices::Id))
                    .col(text_uniq(Devices::Code))
                    .col(big_integer(Devices::SystemId))
                    .col(text(Devices::Kind))
                    .col(text_null(Devices::Model))
                    .col(text_null(Devices::Serial))
                    .col(text_null(Devices::Location))
                    .col(double_null(Devices::Latitude))
                    .col(double_null(Devices::Longitude))
                    .col(boolean(Devices::Main))
                    .col(date_null(Devices::InstalledOn))
                    .col(date_null(Devices::RemovedOn))
                    .col(text_null(Devices::WarrantyBy))
                    .col(date_null(Devices::WarrantyUntil))
                    .col(text(Devices::Status))
                    .col(json_binary(Devices::Attributes))
                    .col(timestamp_with_time_zone(Devices::CreatedAt))
                    .col(timestamp_with_time_zone(Devices::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Devices::Table, Devices::SystemId)
                            .to(Systems::Table, Systems::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("devices_system")
                    .table(Devices::Table)
                    .col(Devices::SystemId)
                    .col(Devices::Code)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TicketDevices::Table)
                    .col(big_integer(TicketDevices::TicketId))
                    .col(big_integer(TicketDevices::DeviceId))
                    .primary_key(
                        Index::create()
                            .col(TicketDevices::TicketId)
                            .col(TicketDevices::DeviceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketDevices::Table, TicketDevices::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketDevices::Table, TicketDevices::DeviceId)
                            .to(Devices::Table, Devices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ticket_devices_device")
                    .table(TicketDevices::Table)
                    .col(TicketDevices::DeviceId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TicketDevices::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Devices::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    Code,
    SystemId,
    Kind,
    Model,
    Serial,
    Location,
    Latitude,
    Longitude,
    Main,
    InstalledOn,
    RemovedOn,
    WarrantyBy,
    WarrantyUntil,
    Status,
    Attributes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TicketDevices {
    Table,
    TicketId,
    DeviceId,
}

#[derive(DeriveIden)]
enum Systems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

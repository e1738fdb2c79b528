//! Device replacements (issue 30 part B): a device that cannot be repaired is replaced only
//! once the buyer and the supervisor both approved (004 L27689–27695), and the device removed
//! enters the ledger (台账) with its name, the reason, its location and its age.
//!
//! - `device_replacements`: one request per device and ticket: `ticket_id`, `device_id`, the
//!   spares line `item_id` to put in, `reason`; `state` `requested`, `approved` (both approved),
//!   `refused` (either refused: closed), `replaced` (recorded). Each side's approval is kept as
//!   who and when (`buyer_by`/`buyer_at`, `supervisor_by`/`supervisor_at`); a refusal as who,
//!   when, which side and why. The replacement as who, when, the movement that took the spare
//!   and the device that took the old one's place, if any. `version` guards concurrent acts.
//! - `removed_devices`: the ledger: one row per device removed, with what the ledger prints
//!   (设备名称 = kind and model, 拆除原因, 位置, the installation and removal days for 使用年限)
//!   copied at removal, so that a later edit of the device does not rewrite it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `device_replacements` and `removed_devices`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeviceReplacements::Table)
                    .col(big_pk_auto(DeviceReplacements::Id))
                    .col(big_integer(DeviceReplacements::TicketId))
                    .col(big_integer(DeviceReplacements::DeviceId))
                    .col(big_integer(DeviceReplacements::ItemId))
                    .col(text(DeviceReplacements::Reason))
                    .col(text(DeviceReplacements::State))
                    .col(big_integer(DeviceReplacements::RequestedBy))
                    .col(timestamp_with_time_zone(DeviceReplacements::RequestedAt))
                    .col(big_integer_null(DeviceReplacements::BuyerBy))
                    .col(timestamp_with_time_zone_null(DeviceReplacements::BuyerAt))
                    .col(big_integer_null(DeviceReplacements::SupervisorBy))
                    .col(timestamp_with_time_zone_null(DeviceReplacements::SupervisorAt))
                    .col(big_integer_null(DeviceReplacements::RefusedBy))
                    .col(timestamp_with_time_zone_null(DeviceReplacements::RefusedAt))
                    .col(text_null(DeviceReplacements::RefusedSide))
                    .col(text_null(DeviceReplacements::RefuseReason))
                    .col(big_integer_null(DeviceReplacements::ReplacedBy))
                    .col(timestamp_with_time_zone_null(DeviceReplacements::ReplacedAt))
                    .col(big_integer_null(DeviceReplacements::MovementId))
                    .col(big_integer_null(DeviceReplacements::NewDeviceId))
                    .col(integer(DeviceReplacements::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceReplacements::Table, DeviceReplacements::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceReplacements::Table, DeviceReplacements::DeviceId)
                            .to(Devices::Table, Devices::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceReplacements::Table, DeviceReplacements::ItemId)
                            .to(SpareItems::Table, SpareItems::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("device_replacements_ticket")
                    .table(DeviceReplacements::Table)
                    .col(DeviceReplacements::TicketId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RemovedDevices::Table)
                    .col(big_pk_auto(RemovedDevices::Id))
                    .col(big_integer(RemovedDevices::DeviceId))
                    .col(big_integer_null(RemovedDevices::ReplacementId))
                    .col(big_integer(RemovedDevices::SystemId))
                    .col(big_integer_null(RemovedDevices::TicketId))
                    .col(text(RemovedDevices::Code))
                    .col(text(RemovedDevices::Name))
                    .col(text(RemovedDevices::Reason))
                    .col(text(RemovedDevices::Location))
                    .col(date_null(RemovedDevices::InstalledOn))
                    .col(date(RemovedDevices::RemovedOn))
                    .col(big_integer(RemovedDevices::RecordedBy))
                    .col(timestamp_with_time_zone(RemovedDevices::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RemovedDevices::Table, RemovedDevices::DeviceId)
                            .to(Devices::Table, Devices::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RemovedDevices::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(DeviceReplacements::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DeviceReplacements {
    Table,
    Id,
    TicketId,
    DeviceId,
    ItemId,
    Reason,
    State,
    RequestedBy,
    RequestedAt,
    BuyerBy,
    BuyerAt,
    SupervisorBy,
    SupervisorAt,
    RefusedBy,
    RefusedAt,
    RefusedSide,
    RefuseReason,
    ReplacedBy,
    ReplacedAt,
    MovementId,
    NewDeviceId,
    Version,
}

#[derive(DeriveIden)]
enum RemovedDevices {
    Table,
    Id,
    DeviceId,
    ReplacementId,
    SystemId,
    TicketId,
    Code,
    Name,
    Reason,
    Location,
    InstalledOn,
    RemovedOn,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SpareItems {
    Table,
    Id,
}

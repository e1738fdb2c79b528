//! OEM warranty repairs (issue 30 part B; seed 004 L28453–28455: "对于在原厂质保期内的硬件设备，
//! 负责协调并监督原厂提供维修与备件更换服务"): a device of a ticket sent to its manufacturer under
//! warranty, returned, and accepted by the vendor.
//!
//! - `warranty_repairs`: `ticket_id`, `device_id`, `oem` (who repairs it: the device's
//!   `warranty_by` unless named), `reference` (the OEM's case number), `state` `sent`,
//!   `returned`, `accepted`; who and when of each step; `note`; `version`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `warranty_repairs`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WarrantyRepairs::Table)
                    .col(big_pk_auto(WarrantyRepairs::Id))
                    .col(big_integer(WarrantyRepairs::TicketId))
                    .col(big_integer(WarrantyRepairs::DeviceId))
                    .col(text(WarrantyRepairs::Oem))
                    .col(text(WarrantyRepairs::Reference))
                    .col(text(WarrantyRepairs::State))
                    .col(text(WarrantyRepairs::Note))
                    .col(big_integer(WarrantyRepairs::SentBy))
                    .col(timestamp_with_time_zone(WarrantyRepairs::SentAt))
                    .col(big_integer_null(WarrantyRepairs::ReturnedBy))
                    .col(timestamp_with_time_zone_null(WarrantyRepairs::ReturnedAt))
                    .col(big_integer_null(WarrantyRepairs::AcceptedBy))
                    .col(timestamp_with_time_zone_null(WarrantyRepairs::AcceptedAt))
                    .col(integer(WarrantyRepairs::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WarrantyRepairs::Table, WarrantyRepairs::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WarrantyRepairs::Table, WarrantyRepairs::DeviceId)
                            .to(Devices::Table, Devices::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WarrantyRepairs::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum WarrantyRepairs {
    Table,
    Id,
    TicketId,
    DeviceId,
    Oem,
    Reference,
    State,
    Note,
    SentBy,
    SentAt,
    ReturnedBy,
    ReturnedAt,
    AcceptedBy,
    AcceptedAt,
    Version,
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

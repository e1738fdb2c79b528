//! One open replacement per device, one ledger row per device (issue 30 review M1): the checks
//! the use cases make before writing are not enough on PostgreSQL, where two transactions that
//! both found no open request (or no ledger row) would both write one.
//!
//! - `device_replacements_open_device`: unique `device_id` among the requests still open
//!   (`state` `requested` or `approved`); refused and replaced ones may be many.
//! - `removed_devices_device`: unique `device_id`: a device is removed once.

use sea_orm_migration::prelude::*;

/// Creates the two unique indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A partial index: the same statement on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX device_replacements_open_device ON device_replacements (device_id) \
                 WHERE state IN ('requested', 'approved')",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("removed_devices_device")
                    .table(RemovedDevices::Table)
                    .col(RemovedDevices::DeviceId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("removed_devices_device")
                    .table(RemovedDevices::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("device_replacements_open_device")
                    .table(DeviceReplacements::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum DeviceReplacements {
    Table,
}

#[derive(DeriveIden)]
enum RemovedDevices {
    Table,
    DeviceId,
}

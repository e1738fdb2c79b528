//! One open replacement per device, one ledger row per device (issue 30 review M1): the checks
//! the use cases make before writing are not enough on PostgreSQL, where two transactions that
//! both found no open request (or no ledger row) would both write one.
//!
//! - `device_replacements_open_device`: unique `device_id` among the requests still open
//!   (`state` `requested` or `approved`); refused and replaced ones may be many.
//! - `removed_devices_device`: unique `device_id`: a device is removed once.
//!
//! A database written before the indexes may break them already, so first:
//!
//! - a device's surplus open requests are closed: its newest open request stays open, each older
//!   one becomes `refused` with the reason "closed by migration 000064: another open request for
//!   this device" (no one refused it: `refused_by`, `refused_at`, `refused_side` stay empty), its
//!   `version` one more;
//! - a ledger row that repeats an earlier row of its device in every field the ledger prints
//!   (replacement, system, ticket, code, name, reason, location, days) is deleted, the first kept;
//! - two ledger rows of one device that differ are not guessed between: the migration fails
//!   before writing anything, naming the devices' ids, for someone to settle by hand.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::Statement;

/// The reason a surplus open request is closed with.
const CLOSED: &str = "closed by migration 000064: another open request for this device";

/// Ledger row `f` repeats row `d` in every field the ledger prints.
const SAME_LEDGER_ROW: &str = "(f.replacement_id = d.replacement_id OR (f.replacement_id IS NULL AND d.replacement_id IS NULL)) \
     AND f.system_id = d.system_id \
     AND (f.ticket_id = d.ticket_id OR (f.ticket_id IS NULL AND d.ticket_id IS NULL)) \
     AND f.code = d.code AND f.name = d.name AND f.reason = d.reason AND f.location = d.location \
     AND (f.installed_on = d.installed_on OR (f.installed_on IS NULL AND d.installed_on IS NULL)) \
     AND f.removed_on = d.removed_on";

/// Settles what would break them, then creates the two unique indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let differing = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!(
                    "SELECT DISTINCT d.device_id FROM removed_devices d WHERE EXISTS \
                     (SELECT 1 FROM removed_devices f WHERE f.device_id = d.device_id AND f.id < d.id) \
                     AND NOT EXISTS (SELECT 1 FROM removed_devices f WHERE f.device_id = d.device_id \
                     AND f.id < d.id AND {SAME_LEDGER_ROW}) ORDER BY d.device_id"
                ),
            ))
            .await?
            .iter()
            .map(|r| r.try_get::<i64>("", "device_id").map(|id| id.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        if !differing.is_empty() {
            return Err(DbErr::Migration(format!(
                "migration 000064: devices {} each have two ledger (removed_devices) rows that differ; \
                 keep the right one of each by hand, then migrate again",
                differing.join(", ")
            )));
        }
        db.execute_unprepared(&format!(
            "UPDATE device_replacements SET state = 'refused', refuse_reason = '{CLOSED}', version = version + 1 \
             WHERE state IN ('requested', 'approved') AND EXISTS (SELECT 1 FROM device_replacements n \
             WHERE n.device_id = device_replacements.device_id AND n.state IN ('requested', 'approved') \
             AND n.id > device_replacements.id)"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "DELETE FROM removed_devices WHERE EXISTS (SELECT 1 FROM removed_devices f \
             WHERE f.device_id = removed_devices.device_id AND f.id < removed_devices.id AND {}) ",
            SAME_LEDGER_ROW.replace("d.", "removed_devices.")
        ))
        .await?;
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

//! The configuration epoch (issue 31): one number that every change to the read-mostly
//! configuration moves on, in the same transaction as the change, so that a server may keep what
//! it read of that configuration for as long as the number stays put — across replicas, after a
//! catalogue import from the command line, after a hand-written `UPDATE`.
//!
//! - `config_epoch`: one row, `id` 1, `n` the count of changes, `stamp` a random number drawn
//!   with each: the cache keys on the stamp, so a database restored from a backup (or failed
//!   over to a standby that missed commits) cannot reuse a number it had for another
//!   configuration once it changes again.
//! - On every table of [`EPOCH_TABLES`], triggers add one to `n` after a row is inserted or
//!   deleted, and after a row is updated **and a column of it changed** (on PostgreSQL once per
//!   transaction, at its commit), and draw a new random `stamp` (a no-op claim such as
//!   `UPDATE systems SET name = name`, which serialises problem detection, moves nothing). The
//!   columns compared are listed in the trigger, all of the table's but those of
//!   [`EPOCH_SKIPS`] (an API token's `last_used_at`, written once a minute per token by the
//!   requests the cache serves). A later migration that adds a column to one of these tables
//!   calls [`epoch_triggers`] again for it; `tests/repo.rs` checks that every column is compared.
//!
//! The only raw SQL of the migrations: triggers are not in sea-orm's schema builder, and
//! SQLite's and PostgreSQL's are written differently.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

/// The tables whose rows the server's configuration cache keeps (`app/cache.rs`).
pub const EPOCH_TABLES: &[&str] = &[
    "api_tokens",
    "users",
    "units",
    "systems",
    "system_vendors",
    "policies",
    "major_events",
    "rosters",
    "roster_overrides",
    "contracts",
    "escalation_ladders",
    "exclusions",
    "webhook_subscriptions",
];

/// Columns whose change alone does not move the epoch, as `(table, column)`: the cache never
/// relies on them.
pub const EPOCH_SKIPS: &[(&str, &str)] = &[("api_tokens", "last_used_at")];

/// Creates `config_epoch` and the triggers of [`EPOCH_TABLES`].
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ConfigEpoch::Table)
                    .col(ColumnDef::new(ConfigEpoch::Id).big_integer().not_null().primary_key())
                    .col(ColumnDef::new(ConfigEpoch::N).big_integer().not_null())
                    .col(ColumnDef::new(ConfigEpoch::Stamp).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(ConfigEpoch::Table)
                    .columns([ConfigEpoch::Id, ConfigEpoch::N, ConfigEpoch::Stamp])
                    .values_panic([1.into(), 1.into(), 0.into()])
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            // Once per transaction, whatever it changes: the first of its triggers moves the epoch
            // and notes so for the rest of the transaction (undone with a rolled-back savepoint,
            // as the update is).
            db.execute_unprepared(
                "CREATE OR REPLACE FUNCTION opsclock_bump_config_epoch() RETURNS trigger AS $$ \
                 BEGIN \
                   IF current_setting('opsclock.epoch_moved', true) IS DISTINCT FROM 'yes' THEN \
                     UPDATE config_epoch SET n = n + 1, stamp = (random() * 9.2e18)::bigint WHERE id = 1; \
                     PERFORM set_config('opsclock.epoch_moved', 'yes', true); \
                   END IF; \
                   RETURN NULL; \
                 END $$ LANGUAGE plpgsql",
            )
            .await?;
        }
        for table in EPOCH_TABLES {
            epoch_triggers(manager, table).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in EPOCH_TABLES {
            for stmt in drop_triggers(db.get_database_backend(), table) {
                db.execute_unprepared(&stmt).await?;
            }
        }
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS opsclock_bump_config_epoch()")
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ConfigEpoch::Table).to_owned())
            .await
    }
}

/// (Re)creates the epoch triggers of `table`, comparing its columns as they are now (all but
/// those [`EPOCH_SKIPS`] names). A migration that adds a column to a table of [`EPOCH_TABLES`]
/// calls this after adding it.
pub async fn epoch_triggers(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let columns = columns_of(db, backend, table).await?;
    let compared: Vec<&str> = columns
        .iter()
        .map(String::as_str)
        .filter(|c| !EPOCH_SKIPS.contains(&(table, c)))
        .collect();
    if compared.is_empty() {
        return Err(DbErr::Migration(format!(
            "epoch triggers: table {table} has no columns"
        )));
    }
    for stmt in drop_triggers(backend, table) {
        db.execute_unprepared(&stmt).await?;
    }
    let bump = "UPDATE config_epoch SET n = n + 1, stamp = random() WHERE id = 1;";
    match backend {
        DbBackend::Postgres => {
            let changed: Vec<String> = compared
                .iter()
                .map(|c| format!("OLD.\"{c}\" IS DISTINCT FROM NEW.\"{c}\""))
                .collect();
            // Deferred to the commit: the epoch's row is the last lock a configuration write
            // takes, so two of them cannot deadlock over it (each would hold its own rows and
            // wait for the epoch, and the first to commit lets the other through).
            db.execute_unprepared(&format!(
                "CREATE CONSTRAINT TRIGGER opsclock_epoch_{table}_iud AFTER INSERT OR DELETE ON \"{table}\" \
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION opsclock_bump_config_epoch()"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE CONSTRAINT TRIGGER opsclock_epoch_{table}_u AFTER UPDATE ON \"{table}\" \
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
                 WHEN ({}) EXECUTE FUNCTION opsclock_bump_config_epoch()",
                changed.join(" OR ")
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER opsclock_epoch_{table}_t AFTER TRUNCATE ON \"{table}\" \
                 FOR EACH STATEMENT EXECUTE FUNCTION opsclock_bump_config_epoch()"
            ))
            .await?;
        }
        _ => {
            let changed: Vec<String> = compared
                .iter()
                .map(|c| format!("OLD.\"{c}\" IS NOT NEW.\"{c}\""))
                .collect();
            for (suffix, on) in [("i", "INSERT"), ("d", "DELETE")] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER opsclock_epoch_{table}_{suffix} AFTER {on} ON \"{table}\" BEGIN {bump} END"
                ))
                .await?;
            }
            db.execute_unprepared(&format!(
                "CREATE TRIGGER opsclock_epoch_{table}_u AFTER UPDATE ON \"{table}\" WHEN {} BEGIN {bump} END",
                changed.join(" OR ")
            ))
            .await?;
        }
    }
    Ok(())
}

fn drop_triggers(backend: DbBackend, table: &str) -> Vec<String> {
    match backend {
        DbBackend::Postgres => ["iud", "u", "t"]
            .iter()
            .map(|s| format!("DROP TRIGGER IF EXISTS opsclock_epoch_{table}_{s} ON \"{table}\""))
            .collect(),
        _ => ["i", "d", "u"]
            .iter()
            .map(|s| format!("DROP TRIGGER IF EXISTS opsclock_epoch_{table}_{s}"))
            .collect(),
    }
}

/// The columns of `table`, in their order.
pub async fn columns_of(db: &impl ConnectionTrait, backend: DbBackend, table: &str) -> Result<Vec<String>, DbErr> {
    let stmt = match backend {
        DbBackend::Postgres => Statement::from_sql_and_values(
            backend,
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            [table.into()],
        ),
        _ => Statement::from_sql_and_values(
            backend,
            "SELECT name FROM pragma_table_info(?) ORDER BY cid",
            [table.into()],
        ),
    };
    db.query_all_raw(stmt)
        .await?
        .iter()
        .map(|r| r.try_get::<String>("", "name"))
        .collect()
}

#[derive(DeriveIden)]
enum ConfigEpoch {
    Table,
    Id,
    N,
    Stamp,
}

//! The persistence layer against real databases: a SQLite file and a PostgreSQL server.
//!
//! Every behaviour is checked on both backends. PostgreSQL must be running (see
//! `opsclock::db::testing`); these tests fail rather than skip when it is not.

use std::collections::BTreeSet;

use anyhow::Context as _;
use chrono::{DateTime, TimeZone, Utc};
use migration::{Migrator, MigratorTrait};
use opsclock::db::entities::{systems, ticket_events, tickets, units};
use opsclock::db::testing::{Backend, TestDb, seed, test_now};
use opsclock::db::{self, DbError, counters::next_ticket_number};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, QuerySelect, Set,
    Statement, TransactionTrait,
};
use serde_json::json;

/// Defines `mod sqlite { #[tokio::test(ARGS)] fn NAME }` and `mod postgres { … }`, each running
/// `NAME(backend)`, for every `NAME` or `NAME(ARGS)` given.
macro_rules! on_both_backends {
    ($($name:ident $(($($args:tt)*))?),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test($($($args)*)?)]
                async fn $name() -> anyhow::Result<()> {
                    super::$name(opsclock::db::testing::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test($($($args)*)?)]
                async fn $name() -> anyhow::Result<()> {
                    super::$name(opsclock::db::testing::Backend::Postgres).await
                }
            )*
        }
    };
}

on_both_backends!(
    migrations_apply_and_are_idempotent,
    down_then_up_recreates_the_schema,
    foreign_keys_are_enforced_on_every_pooled_connection,
    ticket_numbers_are_formatted_and_per_series,
    ticket_numbers_are_distinct_and_consecutive_under_concurrency(flavor = "multi_thread", worker_threads = 4),
    write_transactions_do_not_fail_under_concurrency(flavor = "multi_thread", worker_threads = 4),
    duplicate_event_seq_is_rejected,
    instants_and_json_round_trip,
);

async fn table_names(db: &DatabaseConnection) -> BTreeSet<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        _ => "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("listing tables")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("a table name"))
        .collect()
}

const TABLES: [&str; 13] = [
    "api_tokens",
    "audit_log",
    "clocks",
    "policies",
    "sessions",
    "system_vendors",
    "systems",
    "ticket_counters",
    "ticket_events",
    "tickets",
    "units",
    "users",
    "vendors",
];

async fn migrations_apply_and_are_idempotent(backend: Backend) -> anyhow::Result<()> {
    let t = TestDb::empty(backend).await;
    assert!(table_names(&t.db).await.is_empty());

    db::migrate(&t.db).await?;
    let after_first = table_names(&t.db).await;
    for table in TABLES {
        assert!(after_first.contains(table), "{table} missing from {after_first:?}");
    }
    assert_eq!(
        Migrator::get_applied_migrations(&t.db).await?.len(),
        Migrator::migrations().len()
    );

    db::migrate(&t.db).await?;
    assert_eq!(table_names(&t.db).await, after_first);
    assert_eq!(Migrator::get_pending_migrations(&t.db).await?.len(), 0);

    // A second pool on the same database sees the migrated schema.
    let again = db::connect(&t.url).await?;
    db::migrate(&again).await?;
    assert_eq!(tickets::Entity::find().count(&again).await?, 0);
    Ok(())
}

async fn down_then_up_recreates_the_schema(backend: Backend) -> anyhow::Result<()> {
    let t = TestDb::migrated(backend).await;
    seed(&t.db).await;

    Migrator::down(&t.db, None).await?;
    let left = table_names(&t.db).await;
    for table in TABLES {
        assert!(!left.contains(table), "{table} survived down: {left:?}");
    }
    assert!(tickets::Entity::find().count(&t.db).await.is_err());

    Migrator::up(&t.db, None).await?;
    assert_eq!(tickets::Entity::find().count(&t.db).await?, 0);
    seed(&t.db).await;
    assert_eq!(tickets::Entity::find().count(&t.db).await?, 1);
    Ok(())
}

fn dangling_system(n: usize) -> systems::ActiveModel {
    let now = test_now();
    systems::ActiveModel {
        code: Set(format!("DANGLING-{n}")),
        name: Set("refers to nothing".to_owned()),
        unit_id: Set(999_999),
        policy_id: Set(999_999),
        calendar: Set("default".to_owned()),
        service_mode: Set("remote".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
}

async fn foreign_keys_are_enforced_on_every_pooled_connection(backend: Backend) -> anyhow::Result<()> {
    let t = TestDb::migrated(backend).await;

    let err = DbError::from(dangling_system(0).insert(&t.db).await.expect_err("must fail"));
    assert!(err.is_foreign_key_violation(), "{err}");

    // Hold as many connections as the pool has, so that each of them is checked.
    let pool_size = match backend {
        Backend::Sqlite => db::SQLITE_MAX_CONNECTIONS,
        Backend::Postgres => 4,
    };
    let mut held = Vec::new();
    for _ in 0..pool_size {
        held.push(t.db.begin().await?);
    }
    for (n, txn) in held.into_iter().enumerate() {
        if backend == Backend::Sqlite {
            let row = txn
                .query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA foreign_keys"))
                .await?
                .context("no row")?;
            assert_eq!(row.try_get_by_index::<i32>(0)?, 1, "connection {n}");
            let row = txn
                .query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA journal_mode"))
                .await?
                .context("no row")?;
            assert_eq!(row.try_get_by_index::<String>(0)?, "wal", "connection {n}");
        }
        let err = DbError::from(dangling_system(n + 1).insert(&txn).await.expect_err("must fail"));
        assert!(err.is_foreign_key_violation(), "connection {n}: {err}");
        // Releases SQLite's write lock before the next connection writes.
        txn.rollback().await?;
    }

    // Deleting a referenced row is refused too, and cascades where declared.
    let seeded = seed(&t.db).await;
    let err = DbError::from(
        units::Entity::delete_by_id(seeded.unit_id)
            .exec(&t.db)
            .await
            .expect_err("must fail"),
    );
    assert!(err.is_foreign_key_violation(), "{err}");
    event(seeded.ticket_id, 1).insert(&t.db).await?;
    tickets::Entity::delete_by_id(seeded.ticket_id).exec(&t.db).await?;
    assert_eq!(ticket_events::Entity::find().count(&t.db).await?, 0);
    assert!(!DbError::from(sea_orm::DbErr::Custom("x".into())).is_foreign_key_violation());
    Ok(())
}

async fn ticket_numbers_are_formatted_and_per_series(backend: Backend) -> anyhow::Result<()> {
    let t = TestDb::migrated(backend).await;
    assert_eq!(next_ticket_number(&t.db, "INC", 2026).await?, "INC-2026-000001");
    assert_eq!(next_ticket_number(&t.db, "INC", 2026).await?, "INC-2026-000002");
    assert_eq!(next_ticket_number(&t.db, "INC", 2027).await?, "INC-2027-000001");
    assert_eq!(next_ticket_number(&t.db, "REQ", 2026).await?, "REQ-2026-000001");
    assert_eq!(next_ticket_number(&t.db, "INC", 2026).await?, "INC-2026-000003");

    // Inside a transaction, a rollback gives the number back.
    let txn = t.db.begin().await?;
    assert_eq!(next_ticket_number(&txn, "INC", 2026).await?, "INC-2026-000004");
    txn.rollback().await?;
    let txn = db::begin_write(&t.db).await?;
    assert_eq!(next_ticket_number(&txn, "INC", 2026).await?, "INC-2026-000004");
    txn.commit().await?;
    assert_eq!(next_ticket_number(&t.db, "INC", 2026).await?, "INC-2026-000005");
    Ok(())
}

async fn ticket_numbers_are_distinct_and_consecutive_under_concurrency(backend: Backend) -> anyhow::Result<()> {
    const TASKS: usize = 8;
    const EACH: usize = 25;
    let t = TestDb::migrated(backend).await;
    let mut handles = Vec::new();
    for _ in 0..TASKS {
        let db = t.db.clone();
        handles.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for _ in 0..EACH {
                mine.push(next_ticket_number(&db, "INC", 2026).await?);
                tokio::task::yield_now().await;
            }
            anyhow::Ok(mine)
        }));
    }
    let mut all = Vec::new();
    for handle in handles {
        all.extend(handle.await??);
    }
    all.sort();
    let expected: Vec<String> = (1..=TASKS * EACH).map(|n| format!("INC-2026-{n:06}")).collect();
    assert_eq!(all, expected);
    Ok(())
}

/// Read-modify-write transactions from many tasks at once: on SQLite a deferred transaction could
/// fail with SQLITE_BUSY when upgrading to a write lock; `begin_write` must prevent that. (On
/// PostgreSQL the row lock of `SELECT … FOR UPDATE` serialises them; SQLite ignores it, as its
/// `BEGIN IMMEDIATE` already did.)
async fn write_transactions_do_not_fail_under_concurrency(backend: Backend) -> anyhow::Result<()> {
    const TASKS: i64 = 8;
    const EACH: i64 = 10;
    let t = TestDb::migrated(backend).await;
    let ticket_id = seed(&t.db).await.ticket_id;
    let mut handles = Vec::new();
    for _ in 0..TASKS {
        let db = t.db.clone();
        handles.push(tokio::spawn(async move {
            for _ in 0..EACH {
                let txn = db::begin_write(&db).await?;
                let ticket = tickets::Entity::find_by_id(ticket_id)
                    .lock_exclusive()
                    .one(&txn)
                    .await?
                    .context("no row")?;
                tokio::task::yield_now().await;
                let version = ticket.version;
                let mut active: tickets::ActiveModel = ticket.into();
                active.version = Set(version + 1);
                active.update(&txn).await?;
                txn.commit().await?;
            }
            anyhow::Ok(())
        }));
    }
    for handle in handles {
        handle.await??;
    }
    let ticket = tickets::Entity::find_by_id(ticket_id)
        .one(&t.db)
        .await?
        .context("no row")?;
    assert_eq!(ticket.version, 1 + TASKS * EACH);
    Ok(())
}

fn event(ticket_id: i64, seq: i32) -> ticket_events::ActiveModel {
    ticket_events::ActiveModel {
        ticket_id: Set(ticket_id),
        seq: Set(seq),
        at: Set(test_now()),
        actor_id: Set(None),
        kind: Set("created".to_owned()),
        data: Set(json!({"seq": seq})),
        ..Default::default()
    }
}

async fn duplicate_event_seq_is_rejected(backend: Backend) -> anyhow::Result<()> {
    let t = TestDb::migrated(backend).await;
    let ticket_id = seed(&t.db).await.ticket_id;
    event(ticket_id, 1).insert(&t.db).await?;
    let err = DbError::from(event(ticket_id, 1).insert(&t.db).await.expect_err("must fail"));
    assert!(err.is_unique_violation(), "{err}");
    assert!(!err.is_foreign_key_violation());
    event(ticket_id, 2).insert(&t.db).await?;
    assert_eq!(ticket_events::Entity::find().count(&t.db).await?, 2);
    Ok(())
}

async fn instants_and_json_round_trip(backend: Backend) -> anyhow::Result<()> {
    let t = TestDb::migrated(backend).await;
    let ticket_id = seed(&t.db).await.ticket_id;
    // Microseconds: the finest precision PostgreSQL keeps.
    let at: DateTime<Utc> = Utc
        .with_ymd_and_hms(2026, 3, 1, 8, 30, 15)
        .single()
        .context("a valid instant")?
        + chrono::Duration::microseconds(123_456);
    let data = json!({"from": "open", "to": "acknowledged", "note": "café ☕", "n": [1, 2.5, null, true]});
    let inserted = ticket_events::ActiveModel {
        ticket_id: Set(ticket_id),
        seq: Set(1),
        at: Set(at),
        actor_id: Set(None),
        kind: Set("status_changed".to_owned()),
        data: Set(data.clone()),
        ..Default::default()
    }
    .insert(&t.db)
    .await?;
    let read = ticket_events::Entity::find_by_id(inserted.id)
        .one(&t.db)
        .await?
        .context("no row")?;
    assert_eq!(read.at, at);
    assert_eq!(read.data, data);
    assert_eq!(read, inserted);
    Ok(())
}

#[tokio::test]
async fn unsupported_urls_are_rejected_with_the_accepted_forms() {
    for url in ["mysql://root:secret@localhost/db", "opsclock.db", ""] {
        let err = db::connect(url).await.unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, DbError::UnsupportedUrl { .. }), "{url}: {message}");
        assert!(
            message.contains("sqlite://PATH") && message.contains("postgres://"),
            "{message}"
        );
        assert!(!message.contains("secret"), "{message}");
    }
}

#[tokio::test]
async fn sqlite_file_and_parent_directories_are_created() {
    let dir = std::env::temp_dir().join(format!(
        "opsclock-connect-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let path = dir.join("a").join("b").join("opsclock.db");
    let db = db::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    db::migrate(&db).await.unwrap();
    assert!(path.exists());
    db.close().await.unwrap();
    // An explicit read-only mode does not create anything.
    let missing = dir.join("missing").join("x.db");
    assert!(
        db::connect(&format!("sqlite://{}?mode=ro", missing.display()))
            .await
            .is_err()
    );
    assert!(!missing.parent().unwrap().exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn sqlite_in_memory_works() {
    let db = db::connect("sqlite::memory:").await.unwrap();
    db::migrate(&db).await.unwrap();
    let seeded = seed(&db).await;
    assert_eq!(next_ticket_number(&db, "INC", 2026).await.unwrap(), "INC-2026-000001");
    assert!(
        tickets::Entity::find_by_id(seeded.ticket_id)
            .one(&db)
            .await
            .unwrap()
            .is_some()
    );
}

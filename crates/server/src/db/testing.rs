//! Throw-away databases for tests: a migrated SQLite file in a fresh temporary directory, or a
//! fresh PostgreSQL database, removed again when the [`TestDb`] is dropped.
//!
//! Not `cfg(test)`, because integration tests (and other crates' tests) use it; hidden from the
//! docs because it is not part of the product.
//!
//! PostgreSQL is reached through `OPSCLOCK_TEST_PG_URL`, by default
//! [`DEFAULT_PG_URL`]; that user must be allowed to `CREATE DATABASE`. A test that asks for
//! PostgreSQL and cannot reach it panics with instructions: it never skips silently.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Set, Statement};
use serde_json::json;

use super::entities::{policies, systems, tickets, units};

/// The instant tests take as "now": Wednesday 2026-11-25 10:00 in Beijing (02:00 UTC), a working
/// morning inside the published years of the shipped calendars, so that what a test computes does
/// not depend on the day it runs (the API harness pins its clock here; [`seed`] dates its rows here).
pub fn test_now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_572_000, 0).expect("a valid instant")
}

/// The PostgreSQL server tests use unless `OPSCLOCK_TEST_PG_URL` says otherwise. Its database
/// part only names the database to connect to for creating and dropping the test databases.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The environment variable that overrides [`DEFAULT_PG_URL`].
pub const PG_URL_ENV: &str = "OPSCLOCK_TEST_PG_URL";

/// The prefix of every test database's name on PostgreSQL.
pub const PG_DB_PREFIX: &str = "opsclock_t_";

const HOW_TO_START_PG: &str = "start PostgreSQL with `pg_ctlcluster 15 main start` (or `service postgresql start`), \
     or set OPSCLOCK_TEST_PG_URL to a server where the user may CREATE DATABASE";

static COUNTER: AtomicU64 = AtomicU64::new(0);
static STALE_DATABASES_CLEANED: AtomicBool = AtomicBool::new(false);

/// The two supported backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// A throw-away database with an open connection pool.
pub struct TestDb {
    /// The connection pool (opened with [`crate::db::connect`], so with production settings).
    pub db: DatabaseConnection,
    /// The URL of the database, for opening further pools with [`crate::db::connect`].
    pub url: String,
    /// Which backend this is.
    pub backend: Backend,
    cleanup: Cleanup,
}

enum Cleanup {
    /// Remove this directory.
    Dir(PathBuf),
    /// Drop this database through this administrative URL.
    PgDatabase { admin_url: String, name: String },
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("url", &self.url)
            .field("backend", &self.backend)
            .finish()
    }
}

impl TestDb {
    /// A fresh, migrated SQLite database file in a new temporary directory.
    pub async fn sqlite() -> TestDb {
        Self::migrated(Backend::Sqlite).await
    }

    /// A fresh, migrated PostgreSQL database.
    ///
    /// # Panics
    ///
    /// When PostgreSQL cannot be reached, with a message saying how to start it.
    pub async fn postgres() -> TestDb {
        Self::migrated(Backend::Postgres).await
    }

    /// A fresh, migrated database on `backend`.
    pub async fn migrated(backend: Backend) -> TestDb {
        let test_db = Self::empty(backend).await;
        super::migrate(&test_db.db).await.expect("migrating the test database");
        test_db
    }

    /// A fresh database on `backend` without any tables.
    pub async fn empty(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => Self::empty_sqlite().await,
            Backend::Postgres => Self::empty_postgres().await,
        }
    }

    async fn empty_sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("opsclock-test-{}", unique_suffix()));
        // The directory is created by `connect`, as it would be in production.
        let url = format!("sqlite://{}", dir.join("db").join("opsclock.db").display());
        let cleanup = Cleanup::Dir(dir);
        let db = super::connect(&url).await.expect("opening the SQLite test database");
        TestDb {
            db,
            url,
            backend: Backend::Sqlite,
            cleanup,
        }
    }

    async fn empty_postgres() -> TestDb {
        let admin_url = std::env::var(PG_URL_ENV).unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
        let admin = connect_admin(&admin_url).await;
        if !STALE_DATABASES_CLEANED.swap(true, Ordering::SeqCst) {
            drop_stale_databases(&admin).await;
        }
        let name = format!("{PG_DB_PREFIX}{}", unique_suffix());
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap_or_else(|e| panic!("creating the test database {name}: {e}"));
        let _ = admin.close().await;
        let url = with_database(&admin_url, &name);
        let cleanup = Cleanup::PgDatabase { admin_url, name };
        let db = super::connect(&url)
            .await
            .expect("opening the PostgreSQL test database");
        TestDb {
            db,
            url,
            backend: Backend::Postgres,
            cleanup,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                // Open SQLite files may be unlinked on Unix; elsewhere this is best effort.
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase { admin_url, name } => {
                // Drop cannot await, and may run on any kind of runtime or none: do the work on a
                // thread of our own, with a runtime of its own, and wait for it.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let worker = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                        return;
                    };
                    runtime.block_on(drop_database(&admin_url, &name));
                });
                let _ = worker.join();
            }
        }
    }
}

/// `<pid>_<counter>_<random>`: unique among concurrent tests of this and other processes.
fn unique_suffix() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}_{}_{:08x}", std::process::id(), n, rand::random::<u32>())
}

/// `url` with its database (path) replaced by `database`, keeping any query parameters.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

async fn connect_admin(admin_url: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(admin_url);
    options
        .sqlx_logging(false)
        .max_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10));
    match Database::connect(options).await {
        Ok(db) => db,
        Err(e) => panic!(
            "cannot reach PostgreSQL at {}: {e}\nTo run these tests, {HOW_TO_START_PG}.",
            super::redact_url(admin_url)
        ),
    }
}

async fn drop_database(admin_url: &str, name: &str) {
    let mut options = ConnectOptions::new(admin_url);
    options
        .sqlx_logging(false)
        .max_connections(1)
        .connect_timeout(Duration::from_secs(5));
    let Ok(admin) = Database::connect(options).await else {
        return;
    };
    // `WITH (FORCE)` (PostgreSQL ≥ 13) disconnects the test's own pool, which is still open.
    if admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .is_err()
    {
        let _ = admin
            .execute_raw(Statement::from_sql_and_values(
                admin.get_database_backend(),
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                [name.into()],
            ))
            .await;
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .await;
    }
    let _ = admin.close().await;
}

/// Drops test databases that earlier, crashed or killed, runs left behind: those whose creating
/// process is gone and that nobody is connected to. Only on Linux, where `/proc` tells whether a
/// process is alive.
async fn drop_stale_databases(admin: &DatabaseConnection) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Ok(rows) = admin
        .query_all_raw(Statement::from_string(
            admin.get_database_backend(),
            format!(
                "SELECT datname FROM pg_database d WHERE starts_with(datname, '{PG_DB_PREFIX}') \
                 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)"
            ),
        ))
        .await
    else {
        return;
    };
    let me = std::process::id().to_string();
    for row in rows {
        let Ok(name) = row.try_get_by_index::<String>(0) else {
            continue;
        };
        let Some(pid) = name.strip_prefix(PG_DB_PREFIX).and_then(|rest| rest.split('_').next()) else {
            continue;
        };
        if pid == me || std::path::Path::new("/proc").join(pid).exists() {
            continue;
        }
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .await;
    }
}

/// Ids of the rows [`seed`] creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// A unit.
    pub unit_id: i64,
    /// A policy with empty targets.
    pub policy_id: i64,
    /// A system of the unit under the policy.
    pub system_id: i64,
    /// An open ticket against the system, number `INC-2026-000001` (not allocated from a counter).
    pub ticket_id: i64,
}

/// Inserts the minimum a ticket needs: a unit, a policy, a system and the ticket itself, all
/// dated [`test_now`].
pub async fn seed<C: ConnectionTrait>(db: &C) -> Seeded {
    let now = test_now();
    let unit = units::ActiveModel {
        code: Set("U1".to_owned()),
        name: Set("Unit one".to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("inserting the seed unit");
    let policy = policies::ActiveModel {
        code: Set("P1".to_owned()),
        name: Set("Policy one".to_owned()),
        targets: Set(json!({})),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("inserting the seed policy");
    let system = systems::ActiveModel {
        code: Set("S1".to_owned()),
        name: Set("System one".to_owned()),
        unit_id: Set(unit.id),
        policy_id: Set(policy.id),
        calendar: Set("default".to_owned()),
        service_mode: Set("remote".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("inserting the seed system");
    let ticket = tickets::ActiveModel {
        number: Set("INC-2026-000001".to_owned()),
        kind: Set(crate::db::Key(ticket_domain::Kind::Fault)),
        status: Set(crate::db::Key(ticket_domain::Status::New)),
        severity: Set(crate::db::Key(sla_clock::Severity::Serious)),
        system_id: Set(system.id),
        title: Set("Seed ticket".to_owned()),
        description: Set(String::new()),
        reporter_id: Set(None),
        assignee_id: Set(None),
        version: Set(1),
        occurred_at: Set(now),
        received_at: Set(now),
        acknowledged_at: Set(None),
        on_site_at: Set(None),
        resolved_at: Set(None),
        closed_at: Set(None),
        breached: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("inserting the seed ticket");
    Seeded {
        unit_id: unit.id,
        policy_id: policy.id,
        system_id: system.id,
        ticket_id: ticket.id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_now_is_a_wednesday_morning_in_beijing() {
        assert_eq!(test_now().to_rfc3339(), "2026-11-25T02:00:00+00:00");
    }

    #[test]
    fn database_is_replaced_keeping_the_query() {
        assert_eq!(with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::super::redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            super::super::redact_url("postgres://u@h:5432/db"),
            "postgres://u@h:5432/db"
        );
    }
}

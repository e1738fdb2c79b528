//! Persistence: connecting to SQLite or PostgreSQL, migrating, the sea-orm entities, and the few
//! queries that need more than the entity API.
//!
//! The same schema and code run on both backends. SQLite is the small-deployment default: one
//! file, write-ahead logging, foreign keys enforced on every connection, and a busy timeout so
//! that concurrent writers queue instead of failing. Write transactions that read before they
//! write should use [`begin_write`] so that they take SQLite's write lock up front.

pub mod counters;
pub mod key;

pub use key::Key;
pub mod entities;
#[doc(hidden)]
pub mod testing;
pub mod together;
pub mod turn;

use std::path::PathBuf;
use std::time::Duration;

use migration::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqlErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

/// How long a SQLite connection waits for another connection's write lock before giving up
/// with `SQLITE_BUSY`.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The size of the connection pool for a SQLite file. Readers run in parallel (WAL); writers are
/// serialised by SQLite itself, waiting up to [`SQLITE_BUSY_TIMEOUT`].
pub const SQLITE_MAX_CONNECTIONS: u32 = 8;

/// The size of the connection pool for PostgreSQL.
pub const POSTGRES_MAX_CONNECTIONS: u32 = 16;

/// The database URL forms [`connect`] accepts, for error messages and `--help` texts.
pub const ACCEPTED_URLS: &str = "`sqlite://PATH` (e.g. `sqlite://data/opsclock.db` or `sqlite:///var/lib/opsclock/opsclock.db`), \
     `sqlite::memory:`, or `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`";

/// Errors of the persistence layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no backend opsclock supports. Only the scheme is kept, since the rest of a
    /// URL may hold a password.
    #[error("unsupported database URL scheme `{scheme}`: expected {ACCEPTED_URLS}")]
    UnsupportedUrl {
        /// The part of the URL before the first `:`.
        scheme: String,
    },
    /// The URL has a supported scheme but cannot be understood.
    #[error("invalid database URL: {reason}; expected {ACCEPTED_URLS}")]
    InvalidUrl {
        /// What is wrong with it.
        reason: String,
    },
    /// The directory for a new SQLite database could not be created.
    #[error("cannot create the directory {} for the SQLite database: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why it could not be created.
        #[source]
        source: std::io::Error,
    },
    /// A ticket counter statement returned no row (it always returns one; this is a bug).
    #[error("allocating from ticket counter `{key}` returned no value")]
    CounterNoValue {
        /// The counter's key, e.g. `INC-2026`.
        key: String,
    },
    /// An error reported by the database or the driver.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

impl DbError {
    /// The portable classification of a constraint violation, if this is one.
    pub fn sql_err(&self) -> Option<SqlErr> {
        match self {
            DbError::Db(e) => e.sql_err(),
            _ => None,
        }
    }

    /// Whether this is a unique-constraint violation (a duplicate code, number, …).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
    }

    /// Whether this is a foreign-key violation (a reference to a missing row, or deleting a row
    /// that is still referred to).
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(self.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_)))
    }
}

/// Opens a connection pool for `url`; see [`ACCEPTED_URLS`].
///
/// A SQLite file and its parent directories are created if missing (unless the URL has an
/// explicit `mode=` parameter, e.g. `?mode=ro`). Every pooled SQLite connection runs with
/// `journal_mode = WAL`, `synchronous = NORMAL`, `foreign_keys = ON` and a busy timeout of
/// [`SQLITE_BUSY_TIMEOUT`]. The schema is not touched: call [`migrate`] for that.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbError> {
    if url.starts_with("sqlite:") {
        connect_sqlite(url).await
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        connect_postgres(url).await
    } else {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        Err(DbError::UnsupportedUrl {
            scheme: scheme.to_owned(),
        })
    }
}

/// Prepared statements kept per SQLite connection ([`connect_sqlite`]).
const SQLITE_STATEMENT_CACHE: usize = 32;

async fn connect_sqlite(url: &str) -> Result<DatabaseConnection, DbError> {
    let parsed: SqliteConnectOptions = url
        .parse()
        .map_err(|e| DbError::InvalidUrl { reason: format!("{e}") })?;
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    let params: Vec<(&str, &str)> = params.split('&').filter_map(|kv| kv.split_once('=')).collect();
    let in_memory = database == ":memory:" || params.contains(&("mode", "memory"));
    let explicit_mode = params.iter().any(|(k, _)| *k == "mode");
    if !in_memory && database.is_empty() {
        return Err(DbError::InvalidUrl {
            reason: "the SQLite URL names no file".to_owned(),
        });
    }

    if !in_memory && !explicit_mode {
        let path = parsed.get_filename();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
    }

    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(sql_logging())
        .acquire_timeout(Duration::from_secs(30))
        // An in-memory database lives in SQLite's shared cache, whose table locks fail with
        // SQLITE_LOCKED instead of waiting; one connection avoids them.
        .max_connections(if in_memory { 1 } else { SQLITE_MAX_CONNECTIONS })
        .min_connections(1)
        .map_sqlx_sqlite_opts(move |o| {
            // Each connection keeps its prepared statements; a group commit's multi-row
            // inserts differ by batch size, and any connection may be the writer, so a cache of
            // sqlx's default 100 fills every connection with large ones (resident memory).
            let o = o
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .statement_cache_capacity(SQLITE_STATEMENT_CACHE);
            let o = if explicit_mode { o } else { o.create_if_missing(true) };
            if in_memory {
                o
            } else {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
            }
        });
    Ok(Database::connect(options).await?)
}

/// Statements are logged (at debug level, target `sqlx::query`) only when
/// `OPSCLOCK_SQL_LOG=1`, for finding out what a request costs.
fn sql_logging() -> bool {
    std::env::var("OPSCLOCK_SQL_LOG").is_ok_and(|v| v == "1")
}

async fn connect_postgres(url: &str) -> Result<DatabaseConnection, DbError> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(sql_logging())
        .acquire_timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .max_connections(POSTGRES_MAX_CONNECTIONS)
        .min_connections(1)
        .set_application_name("opsclock");
    Ok(Database::connect(options).await?)
}

/// A database URL with any password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Applies every pending migration; a no-op on an up-to-date schema.
///
/// On PostgreSQL, replicas starting together take turns: the migrations run under a session
/// advisory lock (sea-orm-migration takes none), so one applies them and the others then find
/// nothing to do instead of failing half-way on a table another just created.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbError> {
    if db.get_database_backend() != DbBackend::Postgres {
        migration::Migrator::up(db, None).await?;
        return Ok(());
    }
    let sqlx_err = |e: sea_orm::sqlx::Error| DbError::Db(DbErr::Custom(format!("migration lock: {e}")));
    let mut conn = db.get_postgres_connection_pool().acquire().await.map_err(sqlx_err)?;
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK_KEY)
        .execute(&mut *conn)
        .await
        .map_err(sqlx_err)?;
    let result = migration::Migrator::up(db, None).await;
    let unlocked = sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK_KEY)
        .execute(&mut *conn)
        .await;
    if unlocked.is_err() {
        conn.detach(); // closing the connection releases the lock
    }
    result?;
    Ok(())
}

/// The advisory-lock key of [`migrate`] on PostgreSQL (ASCII "opsmigr8").
pub const MIGRATION_LOCK_KEY: i64 = 0x6f70_736d_6967_7238;

/// Starts a transaction that will write.
///
/// On SQLite this is `BEGIN IMMEDIATE`: the write lock is taken (waiting up to
/// [`SQLITE_BUSY_TIMEOUT`]) before the first statement, so a transaction that reads and then
/// writes cannot fail with `SQLITE_BUSY` half-way when another connection wrote in between. On
/// PostgreSQL it is a plain `BEGIN`.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbError> {
    let options = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    Ok(db.begin_with_options(options).await?)
}

/// Claims the rows of `E` that `filter` matches for the rest of the transaction, with a write that
/// changes nothing (`col = col`): on PostgreSQL it takes their row locks, which a concurrent
/// write to them waits for (and whose later reads, under READ COMMITTED, see what the other
/// committed); on SQLite the write transaction ([`begin_write`]) holds the database already.
/// Returns how many rows matched.
///
/// A use case that reads rows to decide, then writes elsewhere (a survey checking the
/// assessments it must not slip under; a sweep taking a due order), claims them first, so that
/// it does not interleave with a write to them.
pub async fn claim<E: sea_orm::EntityTrait>(
    db: &impl sea_orm::ConnectionTrait,
    col: E::Column,
    filter: impl Into<sea_orm::Condition>,
) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::QueryFilter;
    Ok(E::update_many()
        .col_expr(col, sea_orm::sea_query::Expr::col(col))
        .filter(filter.into())
        .exec(db)
        .await?
        .rows_affected)
}

/// Writes the `settings` row `key` (inserted, or replaced whole), saying who and when.
pub async fn put_setting(
    db: &impl sea_orm::ConnectionTrait,
    key: &str,
    value: serde_json::Value,
    by: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sea_orm::DbErr> {
    use entities::settings;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let row = settings::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value),
        updated_at: Set(now),
        updated_by: Set(by),
    };
    settings::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(settings::Column::Key)
                .update_columns([
                    settings::Column::Value,
                    settings::Column::UpdatedAt,
                    settings::Column::UpdatedBy,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod redact_tests {
    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            super::redact_url("postgres://app:s3cret@db:5432/ops"),
            "postgres://app:***@db:5432/ops"
        );
        assert_eq!(super::redact_url("postgres://app@db/ops"), "postgres://app@db/ops");
        assert_eq!(
            super::redact_url("sqlite://data/opsclock.db"),
            "sqlite://data/opsclock.db"
        );
    }
}

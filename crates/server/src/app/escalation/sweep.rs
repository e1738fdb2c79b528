//! The sweep: find clocks whose `next_due_at` has passed and queue their due ladder steps.
//!
//! Cost grows with the due work, not with the open tickets: one indexed range query on
//! `clocks.next_due_at` takes a page of due clocks (`batch` of them, earliest due first), and
//! each page is escalated in **one write transaction with a savepoint per clock**
//! ([`super::sweep_batch`]):
//!
//! - **A sweep and a ticket write never interleave on one ticket.** The transaction first locks
//!   the page's tickets, the rows every ticket write claims first (on PostgreSQL in id order, so
//!   that it cannot deadlock with another transaction locking them the same way), and only then
//!   re-reads the clocks: a clock a ticket write or another sweep moved on meanwhile is left.
//! - **Each due step is queued exactly once.** A step's outbox row carries its identity
//!   `ticket/clock/step/repeat` ([`super::step_key`]); the identities already queued are read
//!   after the lock and skipped, and the insert is `ON CONFLICT (dedup_key) DO NOTHING`, the
//!   last line of defence whatever happens around it.
//! - **A failing clock never blocks the others.** A clock that cannot be evaluated writes
//!   nothing; one whose writes fail is rolled back to its savepoint. Either way it is logged,
//!   counted in [`SweepReport::failed`], keeps its `next_due_at` and is tried again next sweep,
//!   while the page's other clocks commit. If the page's transaction fails as a whole, all its
//!   clocks count as failed and the sweep goes on with the next page.
//! - **Reads are per page, not per clock.** What the page needs (tickets, systems, units,
//!   assignees, queued identities, ladders, who holds which role) is read in one query per
//!   table, `IN` the page's ids; ladders and contacts are worked out once per page. A clock costs
//!   four statements of its own (savepoint, outbox insert, `next_due_at` update, release); who
//!   holds which role is read once per sweep, and only when something is due, so an idle sweep
//!   is the one indexed query.
//! - **Write turns as everywhere.** The page's transaction begins as every write does
//!   ([`crate::db::begin_write`], `BEGIN IMMEDIATE` on SQLite), and like the other background
//!   jobs it meets SQLite's busy handler rather than the HTTP writers' turns. It holds the write
//!   lock for one page at a time, not for the whole sweep (200 due clocks took some 30–100 ms
//!   on a loaded machine, docs/benchmarks.md), so a writer waiting meanwhile gets its turn
//!   between pages, well within `SQLITE_BUSY_TIMEOUT`.
//!
//! On PostgreSQL the whole sweep runs under a session advisory lock, so of several replicas one
//! sweeps at a time and the others skip that round; on SQLite one process does the work. A
//! process killed mid-page loses that page's uncommitted transaction, nothing else: its clocks
//! are still due at the next start.

use std::sync::Arc;

use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::Links;
use super::recipients::Directory;
use crate::db::entities::clocks;
use crate::time::TimeSource;

/// The advisory-lock key of the sweep on PostgreSQL (ASCII "opsclock" as a number).
pub const SWEEP_LOCK_KEY: i64 = 0x6f70_7363_6c6f_636b;

/// What the sweep needs.
#[derive(Clone)]
pub struct Sweeper {
    /// The database.
    pub db: DatabaseConnection,
    /// The calendars clocks run on, by name.
    pub calendars: crate::calendars::Calendars,
    /// Where "now" comes from.
    pub time: Arc<dyn TimeSource>,
    /// Links and message ids.
    pub links: Links,
    /// Due clocks per page: per query, and per write transaction ([`super::sweep_batch`]).
    pub batch: u64,
    /// The event notice rules ([`crate::app::notices`]).
    pub notices: Arc<crate::app::notices::Rules>,
}

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// Another process held the sweep lock; nothing was done.
    pub skipped: bool,
    /// Due clocks looked at.
    pub clocks: usize,
    /// Outbox rows inserted.
    pub queued: usize,
    /// Clocks that could not be evaluated (logged; they stay due and are tried again next sweep).
    pub failed: usize,
    /// Ladder steps that could not be computed and were skipped (logged with the reason), while
    /// the other steps of their ladders were queued.
    pub steps_skipped: usize,
}

impl Sweeper {
    /// Runs one sweep at the time source's current instant.
    pub async fn sweep(&self) -> anyhow::Result<SweepReport> {
        let lock = match self.db.get_database_backend() {
            DbBackend::Postgres => match SweepLock::try_take(&self.db).await? {
                Some(lock) => Some(lock),
                None => {
                    return Ok(SweepReport {
                        skipped: true,
                        ..SweepReport::default()
                    });
                }
            },
            _ => None,
        };
        let result = self.sweep_due().await;
        if let Some(lock) = lock {
            lock.release().await;
        }
        result
    }

    async fn sweep_due(&self) -> anyhow::Result<SweepReport> {
        let now = self.time.now();
        // Who holds which role is read once per sweep, and only when something is due: an idle
        // sweep is the one indexed query.
        let mut directory: Option<Directory> = None;
        let mut report = SweepReport::default();
        // Event notices first: a new urgent ticket is told of before anything else.
        let calendars = self.calendars.snapshot();
        // A failure there is logged and leaves the ladder's work to go on.
        let env = crate::app::notices::sweep::Env {
            db: &self.db,
            calendars: &calendars,
            links: &self.links,
            rules: &self.notices,
            now,
        };
        match crate::app::notices::sweep::run(&env, &mut directory).await {
            Ok(notices) => {
                report.queued += notices.queued;
                report.failed += notices.failed;
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "cannot queue event notices; trying again next round");
                report.failed += 1;
            }
        }
        let mut failed_ids = Vec::new();
        loop {
            let due: Vec<(i64, i64)> = clocks::Entity::find()
                .select_only()
                .column(clocks::Column::Id)
                .column(clocks::Column::TicketId)
                .filter(clocks::Column::NextDueAt.lte(now))
                .filter(clocks::Column::Id.is_not_in(failed_ids.clone()))
                .order_by_asc(clocks::Column::NextDueAt)
                .order_by_asc(clocks::Column::Id)
                .limit(self.batch)
                .into_tuple()
                .all(&self.db)
                .await?;
            let full = due.len() as u64 == self.batch;
            if due.is_empty() {
                break;
            }
            let directory = match directory.as_mut() {
                Some(d) => d,
                None => directory.insert(Directory::load(&self.db).await?),
            };
            let batch = super::sweep_batch::run(self, &due, now, directory).await;
            report.clocks += batch.clocks;
            report.queued += batch.queued;
            report.steps_skipped += batch.steps_skipped;
            report.failed += batch.failed.len();
            failed_ids.extend(batch.failed);
            if !full {
                break;
            }
        }
        // Rectification orders: their clocks escalate by the same ladders (issue 27).
        let orders =
            crate::app::rectification::escalate::sweep(&self.db, &calendars, &self.links, now, &mut directory).await?;
        report.clocks += orders.orders;
        report.queued += orders.queued;
        report.failed += orders.failed;
        Ok(report)
    }
}

/// The sweep's advisory lock on PostgreSQL, held on one pooled connection and released when
/// dropped (or when the process dies and its connection closes).
struct SweepLock {
    conn: Option<sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Postgres>>,
}

impl SweepLock {
    async fn try_take(db: &DatabaseConnection) -> anyhow::Result<Option<SweepLock>> {
        let mut conn = db.get_postgres_connection_pool().acquire().await?;
        let taken: bool = sea_orm::sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(SWEEP_LOCK_KEY)
            .fetch_one(&mut *conn)
            .await?;
        Ok(taken.then_some(SweepLock { conn: Some(conn) }))
    }
}

impl SweepLock {
    async fn release(mut self) {
        if let Some(conn) = self.conn.take() {
            unlock(conn).await;
        }
    }
}

/// Unlocks on the same connection before it returns to the pool, or closes the connection,
/// which releases the lock too.
async fn unlock(mut conn: sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Postgres>) {
    let unlocked = sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(SWEEP_LOCK_KEY)
        .execute(&mut *conn)
        .await;
    if unlocked.is_err() {
        conn.detach();
    }
}

impl Drop for SweepLock {
    fn drop(&mut self) {
        // Dropped without `release` (the sweep was cancelled).
        if let Some(conn) = self.conn.take() {
            tokio::spawn(unlock(conn));
        }
    }
}

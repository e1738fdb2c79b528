//! The sweep: find clocks whose `next_due_at` has passed and queue their due ladder steps.
//!
//! Cost grows with the due work, not with the open tickets: one indexed range query on
//! `clocks.next_due_at`, then one short transaction per due clock. Each transaction first locks
//! the clock's ticket (the same row every ticket write claims first), so a sweep and a ticket
//! write never interleave on one ticket; it then re-reads the clock, inserts the outbox rows of
//! the due steps not yet queued (`ON CONFLICT (dedup_key) DO NOTHING`, the last line of defence)
//! and advances `next_due_at`.
//!
//! On PostgreSQL the whole sweep runs under a session advisory lock, so of several replicas one
//! sweeps at a time and the others skip that round; on SQLite one process does the work.

use std::sync::Arc;

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use sla_clock::Ladder;
use ticket_domain::ClockName;

use super::recipients::Directory;
use super::{Links, NewMessage, StepRef, enqueue, ladders, message, next_look, queued_keys, step_key};
use crate::db::entities::{clocks, systems, tickets, units, users};
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
    /// Clocks per query.
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
            for (clock_id, ticket_id) in due {
                report.clocks += 1;
                match self.escalate(clock_id, ticket_id, now, directory).await {
                    Ok((n, skipped)) => {
                        report.queued += n;
                        report.steps_skipped += skipped;
                    }
                    Err(e) => {
                        tracing::error!(clock_id, ticket_id, error = %format!("{e:#}"), "cannot escalate a clock");
                        report.failed += 1;
                        failed_ids.push(clock_id);
                    }
                }
            }
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

    /// Queues the due steps of one clock and advances its `next_due_at`, in one transaction;
    /// returns how many messages it queued and how many steps it had to skip.
    async fn escalate(
        &self,
        clock_id: i64,
        ticket_id: i64,
        now: DateTime<Utc>,
        directory: &Directory,
    ) -> anyhow::Result<(usize, usize)> {
        let txn = crate::db::begin_write(&self.db).await?;
        crate::app::tickets::lock(&txn, tickets::Column::Id.eq(ticket_id).into()).await?;
        let Some(clock) = clocks::Entity::find_by_id(clock_id).one(&txn).await? else {
            return Ok((0, 0));
        };
        if clock.next_due_at.is_none_or(|t| t > now) {
            return Ok((0, 0)); // another sweep or a ticket write got here first
        }
        let ticket = tickets::Entity::find_by_id(ticket_id)
            .one(&txn)
            .await?
            .ok_or_else(|| anyhow!("ticket {ticket_id} is gone"))?;
        let system = systems::Entity::find_by_id(ticket.system_id)
            .one(&txn)
            .await?
            .ok_or_else(|| anyhow!("system {} is gone", ticket.system_id))?;
        let unit = units::Entity::find_by_id(system.unit_id).one(&txn).await?;
        let calendars = self.calendars.snapshot();
        let calendar = calendars.get(&clock.calendar).ok_or_else(|| {
            anyhow!(
                "clock {clock_id} runs on calendar {:?}, which is not loaded",
                clock.calendar
            )
        })?;
        let sla: sla_clock::Clock =
            serde_json::from_value(clock.events.clone()).with_context(|| format!("clock {clock_id}'s events"))?;
        let ladder: Ladder = ladders::for_ticket(&txn, &ticket).await?;
        // As a ticket write does: at the later of now and the clock's last event, which may be
        // dated up to a few minutes ahead (a resume at 10:01 recorded at 10:00 must count).
        let at = super::read_at(&sla, now);
        // A step that cannot be computed is skipped (and logged); the ladder's others still go.
        let (evaluation, skipped) = super::evaluate(&ladder, &sla, calendar, at)?;
        if !skipped.is_empty() {
            tracing::warn!(ticket = %ticket.number, clock = %clock.name, skipped = ?skipped, "escalation steps skipped");
        }
        let status = sla.status(calendar, at)?;
        let clock_name: ClockName = clock.name.parse().map_err(|e| anyhow!("clock {clock_id}: {e}"))?;
        let severity = *ticket.severity;
        let contacts = directory.for_system(&txn, &calendars, &system, now).await?;
        let on_duty = contacts.on_duty_contacts();
        let assignee = match ticket.assignee_id {
            Some(id) => users::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .map(|u| message::Contact {
                    name: u.display_name,
                    email: u.email,
                    until: None,
                }),
            None => None,
        };
        let mut queued = queued_keys(&txn, ticket_id).await?;
        let mut inserted = 0;
        for due in &evaluation.due {
            let key = step_key(&ticket.number, &clock.name, due);
            if queued.contains(&key) {
                continue;
            }
            let step = ladder
                .steps()
                .iter()
                .find(|s| s.id == due.step)
                .ok_or_else(|| anyhow!("the ladder evaluated a step {:?} it does not have", due.step))?;
            let to = contacts.resolve(ticket.assignee_id, &due.recipients);
            let link = self.links.page(&ticket.number);
            let mail = message::render(&message::StepFacts {
                ticket: &ticket.number,
                title: &ticket.title,
                severity,
                system_code: &system.code,
                system_name: &system.name,
                unit_name: unit.as_ref().map_or("", |u| u.name.as_str()),
                clock: clock_name,
                target: status.target,
                deadline: status.deadline,
                provisional: status.provisional,
                calendar,
                step: &step.id,
                trigger: step.when,
                repeat: due.repeat,
                due_at: due.due_at,
                now,
                link: &link,
                unfilled: &to.unfilled,
                assignee: assignee.as_ref(),
                on_duty: &on_duty,
            });
            let message = NewMessage {
                key: key.clone(),
                kind: "escalation",
                step: Some(StepRef {
                    ticket_id,
                    clock: clock.name.clone(),
                    step: due.step.clone(),
                    repeat: due.repeat,
                }),
                due_at: due.due_at,
                note: to.note(),
                recipients: to.addresses,
                mail,
                thread_id: Some(self.links.thread_id(&ticket.number)),
                attachments: Vec::new(),
            };
            inserted += enqueue(&txn, &self.links, message, now).await?;
            queued.insert(key);
        }
        if status.breached {
            inserted += crate::app::webhooks::queue_breach(&txn, &ticket, &clock.name, status.deadline, now).await?;
        }
        let next = super::next_look_or_event(next_look(&ticket.number, &clock.name, &evaluation, &queued), &sla, at);
        let mut am = clock.into_active_model();
        am.next_due_at = Set(next);
        am.update(&txn).await?;
        txn.commit().await?;
        Ok((inserted, skipped.len()))
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

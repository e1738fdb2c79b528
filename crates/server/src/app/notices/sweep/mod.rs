//! The notice sweep: turns each queued ticket event into its messages, once.
//!
//! The `notice_queue` rows are taken oldest first, up to 50 to a write transaction that locks
//! their tickets in id order (as every ticket write locks its ticket, and as the escalation
//! sweep locks its page). What the page's events need is then read for all of them at once (the
//! tickets, systems, policies, who holds which role, the events spoken of: a few statements a page
//! instead of some ten a row, [`Read`]). For each row the people the matching rules name are
//! resolved with the ticket as it is now, and one outbox message per person and channel is
//! planned under `{ticket}/notice/{seq}/{channel}/{person}`; then the page is written together,
//! in a savepoint: its rows deleted in one statement — the process whose delete took a row does
//! its work, any other leaves it — the messages inserted in one (`ON CONFLICT DO NOTHING`) and
//! the acknowledge links of those that were new in another:
//!
//! ```text
//! DELETE FROM notice_queue WHERE id IN (…) RETURNING *          the rows this sweep took
//! INSERT INTO outbox … VALUES (…), (…), … ON CONFLICT DO NOTHING RETURNING dedup_key
//! INSERT INTO action_links … VALUES (…), (…), …                 links of the new messages
//! ```
//!
//! A row whose messages cannot be planned (an event no build knows, a ticket gone) stays queued
//! for the next round, and is logged; if a write of the page fails, the savepoint is rolled back
//! and each row is written again alone, in a savepoint of its own, so that only a row whose write
//! fails waits. The rows of a page commit together, in one commit instead of one each (after a
//! storm of 10 000 tickets, 200 commits instead of 10 000). If the page's shared reads fail, each
//! of its rows is tried again as a page of its own, so that one row that cannot be read holds up
//! only itself; if its transaction fails, the whole page waits.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::Rules;
use crate::app::escalation::Links;
use crate::app::escalation::recipients::{Directory, SystemContacts};
use crate::db::entities::{action_links, notice_queue, policies, systems, ticket_events, tickets};

mod plan;

use plan::{Message, plan};

/// Rows per query.
const BATCH: u64 = 200;

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NoticeReport {
    /// Events looked at.
    pub events: usize,
    /// Messages queued.
    pub queued: usize,
    /// Events that failed (logged; tried again next round).
    pub failed: usize,
    /// Pages whose write together failed, so that their events were written one by one (each
    /// logged; none in the ordinary course).
    pub pages_alone: usize,
}

/// What the sweep needs to write notices.
pub struct Env<'a> {
    /// The database.
    pub db: &'a DatabaseConnection,
    /// The calendars (for who is on duty).
    pub calendars: &'a std::collections::BTreeMap<String, sla_clock::Calendar>,
    /// Links and message ids.
    pub links: &'a Links,
    /// The rules.
    pub rules: &'a Rules,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Queues the notices of every queued ticket event; `directory` is loaded once if needed.
pub async fn run(env: &Env<'_>, directory: &mut Option<Directory>) -> anyhow::Result<NoticeReport> {
    let mut report = NoticeReport::default();
    let mut failed: Vec<i64> = Vec::new();
    loop {
        let due = notice_queue::Entity::find()
            .filter(notice_queue::Column::Id.is_not_in(failed.clone()))
            .order_by_asc(notice_queue::Column::Id)
            .limit(BATCH)
            .all(env.db)
            .await?;
        if due.is_empty() {
            break;
        }
        let full = due.len() as u64 == BATCH;
        let dir = match directory.as_mut() {
            Some(d) => d,
            None => directory.insert(Directory::load(env.db).await?),
        };
        for chunk in due.chunks(PER_TRANSACTION) {
            let e = match page(env, chunk, dir, &mut report, &mut failed).await {
                Ok(()) => continue,
                // What the page reads for all its events failed (a row that cannot be read, a
                // roster that cannot say who is on duty): each event is tried again as a page
                // of its own, so that only the events it concerns wait for the next round.
                Err(Failed::Reading(e)) if chunk.len() > 1 => e,
                // The transaction itself failed (the database busy or full): the whole page
                // waits for the next round.
                Err(Failed::Reading(e) | Failed::Writing(e)) => {
                    tracing::error!(events = chunk.len(), error = %format!("{e:#}"), "cannot queue a page of notices");
                    report.events += chunk.len();
                    report.failed += chunk.len();
                    failed.extend(chunk.iter().map(|q| q.id));
                    continue;
                }
            };
            tracing::warn!(events = chunk.len(), error = %format!("{e:#}"), "a page of notices could not be read; queuing its events one by one");
            for q in chunk {
                if let Err(Failed::Reading(e) | Failed::Writing(e)) =
                    page(env, std::slice::from_ref(q), dir, &mut report, &mut failed).await
                {
                    tracing::error!(ticket_id = q.ticket_id, seq = q.seq, error = %format!("{e:#}"), "cannot queue a ticket's notices");
                    report.events += 1;
                    report.failed += 1;
                    failed.push(q.id);
                }
            }
        }
        if !full {
            break;
        }
    }
    Ok(report)
}

/// Events per write transaction: one commit (one fsync) for many events, while a request
/// waiting for SQLite's write lock waits for at most this many.
const PER_TRANSACTION: usize = 50;

/// How a page failed ([`page`]): in the reads its events share, or in its transaction.
enum Failed {
    Reading(anyhow::Error),
    Writing(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failed {
    fn from(e: E) -> Failed {
        Failed::Writing(e.into())
    }
}

/// Queues the notices of `chunk` in one write transaction: its tickets locked in id order (as
/// the escalation sweep locks them, so the two cannot deadlock on PostgreSQL), what its events
/// need read once ([`Read`]), then all its events written together in one savepoint
/// ([`together`]). An event that cannot be planned is left for the next round. If the write
/// together fails, it is rolled back and each event is written again in a savepoint of its own
/// ([`one`]): one whose write fails is rolled back alone, logged and left for the next round
/// (as is every event, each logged, when the failure was not an event's but the database's).
/// The others commit together. Counts into `report` only what committed.
async fn page(
    env: &Env<'_>,
    chunk: &[notice_queue::Model],
    dir: &Directory,
    report: &mut NoticeReport,
    failed: &mut Vec<i64>,
) -> Result<(), Failed> {
    let _turn = crate::db::turn::take(env.db).await;
    let txn = crate::db::begin_write(env.db).await?;
    let mut ids: Vec<i64> = chunk.iter().map(|q| q.ticket_id).collect();
    ids.sort_unstable();
    ids.dedup();
    crate::app::tickets::lock_in_order(&txn, &ids).await?;
    let (tickets, systems) = rows_of(&txn, &ids).await.map_err(Failed::Reading)?;
    let read = Read::of(env, &txn, chunk, tickets, &systems, dir)
        .await
        .map_err(Failed::Reading)?;
    let (mut queued, mut refused) = (0, Vec::new());
    let savepoint = txn.begin().await?;
    match together(env, &savepoint, chunk, dir, &read).await {
        Ok((n, r)) => {
            savepoint.commit().await?;
            (queued, refused) = (n, r);
        }
        // A write of the page failed: each event is written again alone, so that only the one
        // whose write fails waits for the next round.
        Err(e) => {
            savepoint.rollback().await?;
            tracing::warn!(events = chunk.len(), error = %e, "a page of notices could not be written together; writing its events one by one");
            report.pages_alone += 1;
            for q in chunk {
                let savepoint = txn.begin().await?;
                match one(env, &savepoint, q, dir, &read).await {
                    Ok(n) => {
                        savepoint.commit().await?;
                        queued += n;
                    }
                    Err(e) => {
                        savepoint.rollback().await?;
                        refused.push((q, e));
                    }
                }
            }
        }
    }
    txn.commit().await?;
    report.events += chunk.len();
    report.queued += queued;
    for (q, e) in refused {
        tracing::error!(ticket_id = q.ticket_id, seq = q.seq, error = %format!("{e:#}"), "cannot queue a ticket's notices");
        report.failed += 1;
        failed.push(q.id);
    }
    Ok(())
}

/// The tickets `ids` and their systems, by id.
async fn rows_of(
    txn: &DatabaseTransaction,
    ids: &[i64],
) -> anyhow::Result<(HashMap<i64, tickets::Model>, HashMap<i64, systems::Model>)> {
    let tickets: HashMap<i64, tickets::Model> = tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(ids.iter().copied()))
        .all(txn)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let mut system_ids: Vec<i64> = tickets.values().map(|t| t.system_id).collect();
    system_ids.sort_unstable();
    system_ids.dedup();
    let systems: HashMap<i64, systems::Model> = systems::Entity::find()
        .filter(systems::Column::Id.is_in(system_ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok((tickets, systems))
}

/// What the events of one page need to read, read for the whole page in a few statements
/// after its tickets are locked ([`page`]): the tickets, their systems and policies, who holds
/// which role for those systems, and the events the notices speak of — with the whole history of
/// a ticket that may still be acknowledged (its links are checked on the fold). Nothing a page
/// writes (outbox rows, links, the queue) changes any of it; on SQLite, which writes one
/// transaction at a time, each event sees what it would have read itself. On PostgreSQL the
/// tickets are locked, but a roster or a system's vendors changed by another transaction while
/// the page runs is not seen by the page's later events: they use what was read at its start.
/// A handful of statements a page instead of some ten an event; if they fail, `run` tries each
/// event of the page alone.
struct Read<'s> {
    tickets: HashMap<i64, tickets::Model>,
    systems: &'s HashMap<i64, systems::Model>,
    policies: HashMap<i64, String>,
    contacts: HashMap<i64, SystemContacts<'s>>,
    /// By ticket, in order: every event of a ticket that may be acknowledged, else the queued
    /// ones.
    events: HashMap<i64, Vec<ticket_events::Model>>,
}

/// Whether a notice about `ticket` may carry an acknowledge link (for events but a resolution).
fn may_be_acknowledged(ticket: &tickets::Model) -> bool {
    ticket.acknowledged_at.is_none() && *ticket.status == ticket_domain::Status::New
}

impl<'s> Read<'s> {
    async fn of(
        env: &Env<'_>,
        txn: &DatabaseTransaction,
        chunk: &[notice_queue::Model],
        tickets: HashMap<i64, tickets::Model>,
        systems: &'s HashMap<i64, systems::Model>,
        dir: &'s Directory,
    ) -> anyhow::Result<Read<'s>> {
        let policies = policies::Entity::find()
            .filter(policies::Column::Id.is_in(systems.values().map(|s| s.policy_id)))
            .all(txn)
            .await?
            .into_iter()
            .map(|p| (p.id, p.code))
            .collect();
        let mut read = Read {
            tickets,
            systems,
            policies,
            contacts: HashMap::new(),
            events: HashMap::new(),
        };
        if env.rules.rules.is_empty() {
            return Ok(read); // nobody is told anything: each event is only taken off the queue
        }
        let listed: Vec<&systems::Model> = systems.values().collect();
        read.contacts = dir.for_systems(txn, env.calendars, &listed, env.now).await?;
        let (whole, queued): (Vec<&notice_queue::Model>, Vec<&notice_queue::Model>) = chunk
            .iter()
            .partition(|q| read.tickets.get(&q.ticket_id).is_some_and(may_be_acknowledged));
        let mut rows = Vec::new();
        if !whole.is_empty() {
            rows.extend(
                ticket_events::Entity::find()
                    .filter(ticket_events::Column::TicketId.is_in(whole.iter().map(|q| q.ticket_id)))
                    .all(txn)
                    .await?,
            );
        }
        if !queued.is_empty() {
            let wanted: std::collections::HashSet<(i64, i32)> = queued.iter().map(|q| (q.ticket_id, q.seq)).collect();
            rows.extend(
                ticket_events::Entity::find()
                    .filter(ticket_events::Column::TicketId.is_in(queued.iter().map(|q| q.ticket_id)))
                    .filter(ticket_events::Column::Seq.is_in(queued.iter().map(|q| q.seq)))
                    .all(txn)
                    .await?
                    .into_iter()
                    .filter(|e| wanted.contains(&(e.ticket_id, e.seq))),
            );
        }
        rows.sort_by_key(|e| (e.ticket_id, e.seq));
        rows.dedup_by_key(|e| (e.ticket_id, e.seq));
        for e in rows {
            read.events.entry(e.ticket_id).or_default().push(e);
        }
        Ok(read)
    }
}

/// Queues the messages of event `q` alone in `txn` (a savepoint of [`page`]'s transaction,
/// which has locked its ticket and read what it needs into `read`); returns how many.
async fn one(
    env: &Env<'_>,
    txn: &DatabaseTransaction,
    q: &notice_queue::Model,
    dir: &Directory,
    read: &Read<'_>,
) -> anyhow::Result<usize> {
    let taken = notice_queue::Entity::delete_many()
        .filter(notice_queue::Column::Id.eq(q.id))
        .exec(txn)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(0); // another sweep took it
    }
    let messages = plan(env, q, dir, read)?;
    Ok(write(txn, messages).await?)
}

/// Writes `messages` in two statements: their outbox rows, each unless its key is queued
/// already, then the links of the messages that were new (a message queued before keeps the
/// link it was queued with). Returns how many messages were new.
async fn write(txn: &DatabaseTransaction, messages: Vec<Message>) -> Result<usize, sea_orm::DbErr> {
    let mut keyed = Vec::with_capacity(messages.len());
    let mut rows = Vec::new();
    for m in messages {
        let keys: Vec<String> = m
            .rows
            .iter()
            .filter_map(|r| r.dedup_key.try_as_ref().cloned())
            .collect();
        rows.extend(m.rows);
        keyed.push((keys, m.link));
    }
    // In statements of at most ROWS rows: an outbox row binds some 25 values, and SQLite takes
    // at most 32 766 in one statement.
    let mut new = HashSet::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        new.extend(crate::delivery::insert_each_once(txn, rows.by_ref().take(ROWS).collect()).await?);
    }
    let mut queued = 0;
    let mut links = Vec::new();
    for (keys, link) in keyed {
        if keys.iter().any(|k| new.contains(k)) {
            queued += 1;
            links.extend(link);
        }
    }
    for links in links.chunks(ROWS) {
        action_links::Entity::insert_many(links.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(queued)
}

/// The most rows one insert of [`write`] holds.
const ROWS: usize = 500;

/// Queues the messages of the page's events `chunk` together, in `txn` (a savepoint of
/// [`page`]'s transaction): each event planned from `read`, the planned ones taken off the queue
/// in one statement (only those this process's delete took are queued: any other sweep that
/// took one does its work), their messages in one and their links in another — a handful of
/// statements for the page instead of five or more an event. Returns how many messages were
/// queued, and the events that could not be planned, which stay on the queue.
async fn together<'q>(
    env: &Env<'_>,
    txn: &DatabaseTransaction,
    chunk: &'q [notice_queue::Model],
    dir: &Directory,
    read: &Read<'_>,
) -> Result<(usize, Vec<(&'q notice_queue::Model, anyhow::Error)>), sea_orm::DbErr> {
    let (mut planned, mut refused) = (Vec::new(), Vec::new());
    for q in chunk {
        match plan(env, q, dir, read) {
            Ok(m) => planned.push((q.id, m)),
            Err(e) => refused.push((q, e)),
        }
    }
    if planned.is_empty() {
        return Ok((0, refused));
    }
    let taken: HashSet<i64> = notice_queue::Entity::delete_many()
        .filter(notice_queue::Column::Id.is_in(planned.iter().map(|(id, _)| *id)))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .map(|q| q.id)
        .collect();
    let messages = planned
        .into_iter()
        .filter(|(id, _)| taken.contains(id))
        .flat_map(|(_, m)| m)
        .collect();
    Ok((write(txn, messages).await?, refused))
}

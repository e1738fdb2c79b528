//! One batch of the [`super::sweep`]: the due clocks of one page, escalated in one write
//! transaction with a savepoint per clock.
//!
//! The transaction ([`crate::db::begin_write`], so `BEGIN IMMEDIATE` on SQLite like every write):
//!
//! 1. **Locks the batch's tickets** ([`crate::app::tickets::lock_in_order`]), the rows every
//!    ticket write claims first, so a sweep and a ticket write never interleave on one ticket.
//!    On PostgreSQL they are locked in id order, so two transactions locking overlapping sets
//!    that way wait for each other instead of deadlocking.
//! 2. **Reads what the batch needs in one query per table**, `IN` the batch's ids, after the
//!    lock (so it sees what a ticket write committed meanwhile): the clocks again (another sweep
//!    or a ticket write may have moved them on), the tickets, their systems and units, the
//!    assignees, the outbox identities already recorded for the tickets, the ladder rows of their
//!    policies and their major-event windows, who holds which role for the systems (vendors,
//!    rosters, who is on duty), the readers of the English copy, the webhook subscriptions to
//!    `breached`. A ladder is read once per policy, severity and window; a system's contacts
//!    once per system.
//! 3. **Per clock**, evaluates the ladder in memory; a clock that cannot be evaluated (its
//!    calendar is not loaded, its events cannot be read, its ladder cannot measure it) is logged
//!    and counted as failed before it writes anything. The others write inside a savepoint of
//!    their own: the outbox rows of their due steps not yet queued — the emails, and the texts of
//!    steps whose `channels` name `sms` ([`super::sms`], to the phones of the users read once per
//!    sweep) — in one `INSERT … ON CONFLICT (dedup_key) DO NOTHING` (the last line of defence for
//!    exactly-once), the acknowledge links the texts carry (one insert, only if any), the `breached`
//!    webhooks, and the clock's advanced `next_due_at`. A failing write rolls back to the
//!    savepoint (on PostgreSQL that also keeps the transaction usable) and only that clock is
//!    counted as failed; it stays due and is tried again next sweep.
//! 4. **Commits** the whole batch. If the transaction itself fails (it cannot begin, lock or
//!    read, or the commit fails), nothing of the batch is written and every clock of it counts
//!    as failed, to be tried again next sweep; the sweep goes on with the next page.
//!
//! So a batch of n due clocks costs about a dozen statements for the batch and four per clock
//! (savepoint, insert, update, release), where one transaction per clock cost some eighteen.

use std::collections::{BTreeSet, HashMap, HashSet};

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use sla_clock::{Calendar, Channel, Ladder};
use ticket_domain::ClockName;

use super::recipients::{Directory, SystemContacts};
use super::sweep::Sweeper;
use super::{NewMessage, StepRef, ladders, message, next_look, step_key};
use crate::db::entities::{
    action_links, clocks, escalation_ladders, major_events, outbox, systems, tickets, units, users,
    webhook_subscriptions,
};

/// What one batch did.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    /// Due clocks looked at.
    pub clocks: usize,
    /// Outbox rows inserted.
    pub queued: usize,
    /// Ladder steps skipped because they could not be computed.
    pub steps_skipped: usize,
    /// The clocks that failed (they stay due).
    pub failed: Vec<i64>,
}

/// Escalates the due clocks `due` (clock id, ticket id) in one transaction; never fails as a
/// whole: a transaction that fails counts every clock of the batch as failed.
pub(super) async fn run(sweeper: &Sweeper, due: &[(i64, i64)], now: DateTime<Utc>, directory: &Directory) -> Outcome {
    match in_one_transaction(sweeper, due, now, directory).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::error!(clocks = due.len(), error = %format!("{e:#}"), "cannot escalate a batch of clocks; trying them again next sweep");
            Outcome {
                clocks: due.len(),
                failed: due.iter().map(|(clock, _)| *clock).collect(),
                ..Outcome::default()
            }
        }
    }
}

async fn in_one_transaction(
    sweeper: &Sweeper,
    due: &[(i64, i64)],
    now: DateTime<Utc>,
    directory: &Directory,
) -> anyhow::Result<Outcome> {
    let _turn = crate::db::turn::take(&sweeper.db).await;
    let txn = crate::db::begin_write(&sweeper.db).await?;
    let ticket_ids = ids(due.iter().map(|(_, t)| *t));
    crate::app::tickets::lock_in_order(&txn, &ticket_ids).await?;
    let calendars = sweeper.calendars.snapshot();
    let mut batch = Batch::read(&txn, due, &ticket_ids).await?;
    let mut queued = std::mem::take(&mut batch.queued);
    let systems: Vec<&systems::Model> = batch.systems.values().collect();
    let contacts = directory.for_systems(&txn, &calendars, &systems, now).await?;
    let env = Env {
        sweeper,
        calendars: &calendars,
        contacts: &contacts,
        now,
    };
    let mut outcome = Outcome::default();
    for &(clock_id, ticket_id) in due {
        outcome.clocks += 1;
        let mut plan = match batch.plan(&env, &queued, clock_id, ticket_id) {
            Ok(Some(plan)) => plan,
            Ok(None) => continue, // another sweep or a ticket write got here first
            Err(e) => {
                tracing::error!(clock_id, ticket_id, error = %format!("{e:#}"), "cannot escalate a clock");
                outcome.failed.push(clock_id);
                continue;
            }
        };
        let savepoint = txn.begin().await?;
        match write(&savepoint, &batch, &mut plan, now).await {
            Ok(inserted) => {
                savepoint.commit().await?;
                outcome.queued += inserted;
                outcome.steps_skipped += plan.skipped;
                // A later clock of the same ticket sees what this one queued.
                queued.entry(ticket_id).or_default().extend(plan.keys);
            }
            Err(e) => {
                savepoint.rollback().await?;
                tracing::error!(clock_id, ticket_id, error = %format!("{e:#}"), "cannot escalate a clock; its writes are rolled back");
                outcome.failed.push(clock_id);
            }
        }
    }
    txn.commit().await?;
    Ok(outcome)
}

/// What every clock of a batch is evaluated with.
struct Env<'a> {
    sweeper: &'a Sweeper,
    calendars: &'a std::collections::BTreeMap<String, Calendar>,
    contacts: &'a HashMap<i64, SystemContacts<'a>>,
    now: DateTime<Utc>,
}

/// A clock's writes, decided before any of them is made.
struct Plan {
    clock_id: i64,
    ticket_id: i64,
    clock: String,
    rows: Vec<outbox::ActiveModel>,
    /// The acknowledge links its texts carry ([`super::sms`]).
    links: Vec<action_links::ActiveModel>,
    keys: Vec<String>,
    /// The deadline, if the clock is breached (for the `breached` webhooks).
    breached: Option<DateTime<Utc>>,
    next: Option<DateTime<Utc>>,
    skipped: usize,
}

/// Writes one clock's plan; inside a savepoint.
async fn write(db: &DatabaseTransaction, batch: &Batch, plan: &mut Plan, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let rows = std::mem::take(&mut plan.rows);
    let mut inserted = crate::delivery::insert_all_once(db, rows).await? as usize;
    let links = std::mem::take(&mut plan.links);
    if !links.is_empty() {
        action_links::Entity::insert_many(links)
            .exec_without_returning(db)
            .await?;
    }
    if let (Some(deadline), Some(ticket)) = (plan.breached, batch.tickets.get(&plan.ticket_id)) {
        inserted +=
            crate::app::webhooks::queue_breach_to(db, &batch.breach_hooks, ticket, &plan.clock, deadline, now).await?;
    }
    clocks::Entity::update_many()
        .col_expr(clocks::Column::NextDueAt, Expr::value(plan.next))
        .filter(clocks::Column::Id.eq(plan.clock_id))
        .exec(db)
        .await?;
    Ok(inserted)
}

/// What a batch reads once for all its clocks.
struct Batch {
    clocks: HashMap<i64, clocks::Model>,
    tickets: HashMap<i64, tickets::Model>,
    systems: HashMap<i64, systems::Model>,
    units: HashMap<i64, units::Model>,
    assignees: HashMap<i64, users::Model>,
    /// Outbox identities already recorded, by ticket (taken out to be added to as clocks queue).
    queued: HashMap<i64, HashSet<String>>,
    /// The ladder of each (policy, severity) among the batch's tickets.
    ladders: HashMap<(i64, String), Ladder>,
    /// The ladders of the batch's major-event windows that have one.
    windows: HashMap<i64, Ladder>,
    english: HashSet<String>,
    breach_hooks: Vec<webhook_subscriptions::Model>,
}

impl Batch {
    async fn read(db: &DatabaseTransaction, due: &[(i64, i64)], ticket_ids: &[i64]) -> Result<Batch, DbErr> {
        let clocks = clocks::Entity::find()
            .filter(clocks::Column::Id.is_in(due.iter().map(|(c, _)| *c)))
            .all(db)
            .await?;
        let tickets = tickets::Entity::find()
            .filter(tickets::Column::Id.is_in(ticket_ids.iter().copied()))
            .all(db)
            .await?;
        let systems = systems::Entity::find()
            .filter(systems::Column::Id.is_in(ids(tickets.iter().map(|t| t.system_id))))
            .all(db)
            .await?;
        let units = units::Entity::find()
            .filter(units::Column::Id.is_in(ids(systems.iter().map(|s| s.unit_id))))
            .all(db)
            .await?;
        let assignee_ids = ids(tickets.iter().filter_map(|t| t.assignee_id));
        let assignees = if assignee_ids.is_empty() {
            Vec::new()
        } else {
            users::Entity::find()
                .filter(users::Column::Id.is_in(assignee_ids))
                .all(db)
                .await?
        };
        let keys: Vec<(Option<i64>, String)> = outbox::Entity::find()
            .select_only()
            .column(outbox::Column::TicketId)
            .column(outbox::Column::DedupKey)
            .filter(outbox::Column::TicketId.is_in(ticket_ids.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        let mut queued: HashMap<i64, HashSet<String>> = HashMap::new();
        for (ticket, key) in keys {
            if let Some(ticket) = ticket {
                queued.entry(ticket).or_default().insert(key);
            }
        }
        let window_ids = ids(tickets.iter().filter_map(|t| t.major_event_id));
        let windows = if window_ids.is_empty() {
            HashMap::new()
        } else {
            major_events::Entity::find()
                .filter(major_events::Column::Id.is_in(window_ids))
                .all(db)
                .await?
                .iter()
                .filter_map(|w| ladders::of_window(w).map(|l| (w.id, l)))
                .collect()
        };
        let systems: HashMap<i64, systems::Model> = systems.into_iter().map(|s| (s.id, s)).collect();
        let ladder_rows = escalation_ladders::Entity::find()
            .filter(
                Condition::any()
                    .add(escalation_ladders::Column::PolicyId.is_in(ids(systems.values().map(|s| s.policy_id))))
                    .add(escalation_ladders::Column::PolicyId.is_null()),
            )
            .all(db)
            .await?;
        let mut policy_ladders = HashMap::new();
        for t in &tickets {
            if let Some(system) = systems.get(&t.system_id) {
                let severity = t.severity.key().to_owned();
                policy_ladders
                    .entry((system.policy_id, severity))
                    .or_insert_with_key(|(policy, severity)| ladders::pick(&ladder_rows, *policy, severity));
            }
        }
        Ok(Batch {
            clocks: clocks.into_iter().map(|c| (c.id, c)).collect(),
            tickets: tickets.into_iter().map(|t| (t.id, t)).collect(),
            systems,
            units: units.into_iter().map(|u| (u.id, u)).collect(),
            assignees: assignees.into_iter().map(|u| (u.id, u)).collect(),
            queued,
            ladders: policy_ladders,
            windows,
            english: super::english_readers(db).await?,
            breach_hooks: crate::app::webhooks::breach_subscriptions(db).await?,
        })
    }

    /// The ladder a ticket escalates by, as [`ladders::for_ticket`] chooses it.
    fn ladder(&self, ticket: &tickets::Model, system: &systems::Model) -> anyhow::Result<&Ladder> {
        if let Some(window) = ticket.major_event_id.and_then(|w| self.windows.get(&w)) {
            return Ok(window);
        }
        self.ladders
            .get(&(system.policy_id, ticket.severity.key().to_owned()))
            .ok_or_else(|| anyhow!("no ladder was read for ticket {}", ticket.number))
    }

    /// What clock `clock_id` of ticket `ticket_id` is to write now, or `None` when it is no
    /// longer due. Reads nothing: an error here means the clock cannot be evaluated.
    fn plan(
        &self,
        env: &Env<'_>,
        queued: &HashMap<i64, HashSet<String>>,
        clock_id: i64,
        ticket_id: i64,
    ) -> anyhow::Result<Option<Plan>> {
        let now = env.now;
        let Some(clock) = self.clocks.get(&clock_id) else {
            return Ok(None);
        };
        if clock.next_due_at.is_none_or(|t| t > now) {
            return Ok(None);
        }
        let ticket = self
            .tickets
            .get(&ticket_id)
            .ok_or_else(|| anyhow!("ticket {ticket_id} is gone"))?;
        let system = self
            .systems
            .get(&ticket.system_id)
            .ok_or_else(|| anyhow!("system {} is gone", ticket.system_id))?;
        let unit = self.units.get(&system.unit_id);
        let calendar = env.calendars.get(&clock.calendar).ok_or_else(|| {
            anyhow!(
                "clock {clock_id} runs on calendar {:?}, which is not loaded",
                clock.calendar
            )
        })?;
        let sla: sla_clock::Clock =
            serde_json::from_value(clock.events.clone()).with_context(|| format!("clock {clock_id}'s events"))?;
        let ladder = self.ladder(ticket, system)?;
        // As a ticket write does: at the later of now and the clock's last event, which may be
        // dated up to a few minutes ahead (a resume at 10:01 recorded at 10:00 must count).
        let at = super::read_at(&sla, now);
        // A step that cannot be computed is skipped (and logged); the ladder's others still go.
        let (evaluation, skipped) = super::evaluate(ladder, &sla, calendar, at)?;
        if !skipped.is_empty() {
            tracing::warn!(ticket = %ticket.number, clock = %clock.name, skipped = ?skipped, "escalation steps skipped");
        }
        let status = sla.status(calendar, at)?;
        let clock_name: ClockName = clock.name.parse().map_err(|e| anyhow!("clock {clock_id}: {e}"))?;
        let contacts = env
            .contacts
            .get(&system.id)
            .ok_or_else(|| anyhow!("no contacts were read for system {}", system.code))?;
        let on_duty = contacts.on_duty_contacts();
        let assignee = ticket
            .assignee_id
            .and_then(|id| self.assignees.get(&id))
            .map(|u| message::Contact {
                name: u.display_name.clone(),
                email: u.email.clone(),
                until: None,
            });
        let links = &env.sweeper.links;
        let mut queued = queued.get(&ticket_id).cloned().unwrap_or_default();
        let mut rows = Vec::new();
        let mut links_of_texts = Vec::new();
        let mut keys = Vec::new();
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
            // By SMS too where the step says so: in this clock's one insert, with the email.
            let mut note = to.note();
            if step.channels.contains(&Channel::Sms) {
                let f = super::sms::StepText {
                    key: &key,
                    ticket,
                    system,
                    clock: clock_name,
                    step: &step.id,
                    trigger: step.when,
                    repeat: due.repeat,
                    deadline: status.deadline,
                    due_at: due.due_at,
                    now,
                };
                let texts = super::sms::texts(links, env.sweeper.notices.link_valid, &f, &due.recipients, contacts)?;
                note = [note, texts.note()]
                    .into_iter()
                    .flatten()
                    .reduce(|a, b| format!("{a}; {b}"));
                rows.extend(texts.rows);
                links_of_texts.extend(texts.links);
            }
            let link = links.page(&ticket.number);
            let mail = message::render(&message::StepFacts {
                ticket: &ticket.number,
                title: &ticket.title,
                severity: *ticket.severity,
                system_code: &system.code,
                system_name: &system.name,
                unit_name: unit.map_or("", |u| u.name.as_str()),
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
                note,
                recipients: to.addresses,
                mail,
                thread_id: Some(links.thread_id(&ticket.number)),
                attachments: Vec::new(),
            };
            rows.extend(super::outbox_rows(links, &message, &self.english, now));
            queued.insert(key.clone());
            keys.push(key);
        }
        let next = super::next_look_or_event(next_look(&ticket.number, &clock.name, &evaluation, &queued), &sla, at);
        Ok(Some(Plan {
            clock_id,
            ticket_id,
            clock: clock.name.clone(),
            rows,
            links: links_of_texts,
            keys,
            breached: status.breached.then_some(status.deadline),
            next,
            skipped: skipped.len(),
        }))
    }
}

/// Distinct ids, for an `IN` list.
fn ids(it: impl Iterator<Item = i64>) -> Vec<i64> {
    it.collect::<BTreeSet<_>>().into_iter().collect()
}

//! The ticket store: tickets as appended events plus a projection for queries, written in one
//! transaction with an optimistic version check.
//!
//! The events are the truth; the `tickets` row and the `clocks` rows are projections rebuilt
//! from the fold of the events on every write, so they cannot disagree with the events. The
//! webhook messages of the new events are queued in the same transaction ([`crate::app::webhooks`]).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use sla_clock::{Calendar, ClockState};
use ticket_domain::{ClockName, Command, Event, NewTicket, Recording, Ticket};

use super::calendars::TicketCalendars;
use crate::app::AppError;
use crate::db::Key;
use crate::db::entities::{clocks, ticket_events, tickets};

/// A ticket as stored: its row, its events, and their fold.
pub struct Loaded {
    /// The projection row.
    pub row: tickets::Model,
    /// The events, in order, with actor ids.
    pub events: Vec<(ticket_events::Model, Event)>,
    /// The fold.
    pub ticket: Ticket,
}

impl Loaded {
    /// The system the ticket is on (an internal error if it is gone: tickets keep their system).
    pub async fn system(&self, db: &impl ConnectionTrait) -> Result<crate::db::entities::systems::Model, AppError> {
        crate::app::scope::system_by_id(db, self.row.system_id)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("ticket {} has no system", self.row.number)))
    }
}

/// Loads the ticket with `number` (without any scope check).
pub async fn load(db: &impl ConnectionTrait, number: &str) -> Result<Option<Loaded>, AppError> {
    let Some(row) = tickets::Entity::find()
        .filter(tickets::Column::Number.eq(number))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let rows = ticket_events::Entity::find()
        .filter(ticket_events::Column::TicketId.eq(row.id))
        .order_by_asc(ticket_events::Column::Seq)
        .all(db)
        .await?;
    Loaded::of(row, rows).map(Some)
}

impl Loaded {
    /// The ticket of projection `row` folded from its event rows `rows`, in order (read by the
    /// caller, e.g. for many tickets at once).
    pub fn of(row: tickets::Model, rows: Vec<ticket_events::Model>) -> Result<Loaded, AppError> {
        let number = &row.number;
        let mut events = Vec::with_capacity(rows.len());
        for r in rows {
            let e: Event = serde_json::from_value(r.data.clone())
                .map_err(|e| AppError::Internal(anyhow::anyhow!("ticket {number} event {}: {e}", r.seq)))?;
            events.push((r, e));
        }
        let ticket = Ticket::from_events(events.iter().map(|(_, e)| e))
            .map_err(|e| AppError::Internal(anyhow::anyhow!("ticket {number} does not replay: {e}")))?;
        Ok(Loaded { row, events, ticket })
    }
}

/// Where a new ticket comes from, besides its events.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin {
    /// The major-event window it was opened under.
    pub major_event_id: Option<i64>,
    /// The scheduled duty it belongs to.
    pub duty_id: Option<i64>,
}

/// Opens a ticket against system `system_id` (`actor`: who, or `None` for the scheduler);
/// returns its row and the ticket. `rec` says which party records it, for a person
/// ([`Ticket::open_as`]: a stated start older than the tolerance waits for the other party);
/// `None` for a monitor or the scheduler, whose instants are the machine's. `start_escapes_window`:
/// see [`super::open::Plan::start_escapes_window`].
///
/// It is [`super::fresh::prepare`] then [`super::fresh::insert`] of that one ticket: the group
/// committer writes many prepared tickets with one statement per table.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    txn: &DatabaseTransaction,
    calendars: &TicketCalendars<'_>,
    system_id: i64,
    new: NewTicket,
    actor: Option<i64>,
    now: DateTime<Utc>,
    origin: Origin,
    rec: Option<&Recording>,
    start_escapes_window: bool,
) -> Result<(tickets::Model, Ticket), AppError> {
    let fresh = super::fresh::prepare(
        txn,
        calendars,
        system_id,
        new,
        actor,
        now,
        origin,
        rec,
        start_escapes_window,
    )
    .await?;
    let ticket = fresh.ticket.clone();
    let (row, _) = super::fresh::insert(txn, &[&fresh], |_, _| None)
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the new ticket was not written")))?;
    Ok((row, ticket))
}

/// Applies `command` to the ticket loaded as `loaded`, if `version` is still current; returns
/// the new row and the ticket after the command. `rec` says which party records it, for a
/// person ([`Ticket::decide_as`]: claims and requests wait for the other party); `None` for the
/// system (a monitor, a re-measurement note).
#[allow(clippy::too_many_arguments)]
pub async fn act(
    txn: &DatabaseTransaction,
    calendars: &TicketCalendars<'_>,
    loaded: Loaded,
    version: i64,
    command: Command,
    actor: Option<i64>,
    now: DateTime<Utc>,
    rec: Option<&Recording>,
) -> Result<(tickets::Model, Ticket), AppError> {
    let Loaded { row, mut ticket, .. } = loaded;
    let severity_before = ticket.severity();
    let conflict = |current: i64| AppError::VersionConflict {
        detail: format!(
            "ticket {} changed since you read it (your version {version}, current {current}); reload and retry",
            row.number
        ),
        current,
    };
    if row.version != version {
        return Err(conflict(row.version));
    }
    let decided = match rec {
        Some(rec) => ticket.decide_as(command, rec, calendars.domain()),
        None => ticket.decide(command),
    };
    let events = match decided {
        Ok(events) => events,
        Err(refused) => {
            // On PostgreSQL (read committed) the row and its events are read by two statements,
            // and another writer may commit between them: its event then makes this command look
            // out of order. If the version has moved on, that is the answer.
            let current = tickets::Entity::find_by_id(row.id)
                .one(txn)
                .await?
                .map_or(version, |r| r.version);
            if current != version {
                return Err(conflict(current));
            }
            return Err(refused.into());
        }
    };
    // Claim the version first: of two writers with the same version exactly one updates the row.
    let claimed = tickets::Entity::update_many()
        .col_expr(
            tickets::Column::Version,
            sea_orm::sea_query::Expr::value(version + events.len() as i64),
        )
        .filter(tickets::Column::Id.eq(row.id))
        .filter(tickets::Column::Version.eq(version))
        .exec(txn)
        .await?;
    if claimed.rows_affected != 1 {
        let current = tickets::Entity::find_by_id(row.id)
            .one(txn)
            .await?
            .map_or(version, |r| r.version);
        return Err(conflict(current));
    }
    for (i, e) in events.iter().enumerate() {
        ticket.apply(e)?;
        append(txn, row.id, version as i32 + 1 + i as i32, e, actor, now).await?;
    }
    let mut row = row;
    row.version = version + events.len() as i64;
    // Moved to another system (approved or direct): the row follows.
    if let Some(code) = ticket.moved_to() {
        let to = crate::db::entities::systems::Entity::find()
            .filter(crate::db::entities::systems::Column::Code.eq(code))
            .one(txn)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("ticket {}: no system {code}", row.number)))?;
        row.system_id = to.id;
    }
    let row = project(txn, row, &ticket, calendars, now).await?;
    let numbered: Vec<(i32, &Event)> = (version as i32 + 1..).zip(events.iter()).collect();
    crate::app::webhooks::queue_ticket_events(txn, &row, &numbered, now).await?;
    crate::app::notices::queue_ticket_events(txn, &row, &numbered, Some(severity_before), now).await?;
    Ok((row, ticket))
}

async fn append(
    txn: &DatabaseTransaction,
    ticket_id: i64,
    seq: i32,
    event: &Event,
    actor: Option<i64>,
    recorded_at: DateTime<Utc>,
) -> Result<(), AppError> {
    event_row(ticket_id, seq, event, actor, recorded_at)?
        .insert(txn)
        .await?;
    Ok(())
}

/// The row of event `event`, number `seq` of ticket `ticket_id`.
pub(super) fn event_row(
    ticket_id: i64,
    seq: i32,
    event: &Event,
    actor: Option<i64>,
    recorded_at: DateTime<Utc>,
) -> Result<ticket_events::ActiveModel, AppError> {
    Ok(ticket_events::ActiveModel {
        ticket_id: Set(ticket_id),
        seq: Set(seq),
        at: Set(event.at()),
        actor_id: Set(actor),
        kind: Set(event.kind().to_owned()),
        data: Set(serde_json::to_value(event).map_err(|e| AppError::Internal(e.into()))?),
        recorded_at: Set(Some(recorded_at)),
        ..Default::default()
    })
}

/// Rewrites the ticket row's projected columns and its clock rows from the fold.
async fn project(
    txn: &DatabaseTransaction,
    row: tickets::Model,
    ticket: &Ticket,
    calendars: &TicketCalendars<'_>,
    now: DateTime<Utc>,
) -> Result<tickets::Model, AppError> {
    let ladder = crate::app::escalation::ladders::for_ticket(txn, &row).await?;
    let excluded = crate::app::duty::exclusions::approved_for(txn, row.system_id).await?;
    let queued = crate::app::escalation::queued_keys(txn, row.id).await?;
    let existing = clocks::Entity::find()
        .filter(clocks::Column::TicketId.eq(row.id))
        .all(txn)
        .await?;
    let (rows, any_breached) = clock_rows(
        &row.number,
        row.id,
        ticket,
        calendars,
        &ladder,
        &excluded,
        &queued,
        existing,
        now,
    )?;
    for am in rows {
        am.save(txn).await?;
    }
    let vendor_id = vendor_of(txn, ticket.assignee(), row.system_id).await?;
    let mut am = row.clone().into_active_model();
    // A correction moves the ticket by changing its row's system before projecting it.
    am.system_id = Set(row.system_id);
    set_projected(
        &mut am,
        &row.number,
        ticket,
        calendars,
        &excluded,
        any_breached,
        vendor_id,
        now,
    );
    Ok(am.update(txn).await?)
}

/// The clock rows of `ticket` (of row `ticket_id`, numbered `number`) as the fold and its
/// calendars measure them at `now`: `existing` rows updated, the others new. Approved
/// exclusion windows (`excluded`) pause the clocks as stored; `queued` are the escalation steps
/// already queued, which the next look skips. Returns whether any clock is breached.
#[allow(clippy::too_many_arguments)]
pub(super) fn clock_rows(
    number: &str,
    ticket_id: i64,
    ticket: &Ticket,
    calendars: &TicketCalendars<'_>,
    ladder: &sla_clock::Ladder,
    excluded: &[sla_clock::Exclusion],
    queued: &std::collections::HashSet<String>,
    mut existing: Vec<clocks::Model>,
    now: DateTime<Utc>,
) -> Result<(Vec<clocks::ActiveModel>, bool), AppError> {
    let mut any_breached = false;
    let mut rows = Vec::with_capacity(3);
    for (name, clock) in ticket.clocks() {
        let calendar = calendars.get(*name);
        // Approved exclusion windows pause the clock as stored (the fold keeps the events).
        let clock = &clock
            .excluding(excluded)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("ticket {number}: {e}")))?;
        // Status at the later of now and the last event (events may be dated ahead by seconds).
        let at = now.max(ticket.last_event_at());
        let status = clock.status(calendar, at).map_err(|e| AppError::Internal(e.into()))?;
        // A step that cannot be computed is left out (and logged), not the ticket write.
        let (evaluation, skipped) =
            crate::app::escalation::evaluate(ladder, clock, calendar, at).map_err(|e| AppError::Internal(e.into()))?;
        if !skipped.is_empty() {
            tracing::warn!(ticket = %number, clock = %name.key(), skipped = ?skipped, "escalation steps skipped");
        }
        let next_due_at = crate::app::escalation::next_look_or_event(
            crate::app::escalation::next_look(number, name.key(), &evaluation, queued),
            clock,
            at,
        );
        any_breached |= status.breached;
        let found = existing
            .iter()
            .position(|c| c.name == name.key())
            .map(|i| existing.swap_remove(i));
        let mut am = match found {
            Some(c) => c.into_active_model(),
            None => clocks::ActiveModel {
                ticket_id: Set(ticket_id),
                name: Set(name.key().to_owned()),
                calendar: Set(calendar.name().to_owned()),
                ..Default::default()
            },
        };
        am.events = Set(serde_json::to_value(clock).map_err(|e| AppError::Internal(e.into()))?);
        am.calendar = Set(calendar.name().to_owned());
        am.state = Set(status.state.to_string());
        am.deadline = Set(Some(status.deadline));
        am.breached = Set(status.breached);
        am.next_due_at = Set(next_due_at);
        am.updated_at = Set(now);
        let ms = |d: chrono::TimeDelta| Set(Some(d.num_milliseconds()));
        am.started_at = Set(Some(status.started_at));
        am.ended_at = Set(status.ended_at);
        am.target = Set(Some(status.target.to_string()));
        am.budget_ms = ms(status.budget);
        am.consumed_ms = ms(status.consumed);
        am.wall_ms = ms(status.ended_at.unwrap_or(at) - status.started_at);
        am.overdue_ms = ms(status.overdue);
        am.overdue_wall_ms = ms(status.overdue_wall);
        am.paused_ms = ms(status.paused);
        am.provisional = Set(status.provisional);
        rows.push(am);
    }
    Ok((rows, any_breached))
}

/// Sets the columns of ticket row `am` that are projected from the fold: status, severity,
/// texts, instants, assignee and vendor, whether a clock is breached, the measured times.
#[allow(clippy::too_many_arguments)]
pub(super) fn set_projected(
    am: &mut tickets::ActiveModel,
    number: &str,
    ticket: &Ticket,
    calendars: &TicketCalendars<'_>,
    excluded: &[sla_clock::Exclusion],
    any_breached: bool,
    vendor_id: Option<i64>,
    now: DateTime<Utc>,
) {
    let measured = |name: ClockName| measured_ms(number, ticket, name, calendars, excluded, now);
    am.vendor_id = Set(vendor_id);
    am.status = Set(Key(ticket.status()));
    am.severity = Set(Key(ticket.severity()));
    am.title = Set(ticket.title().to_owned());
    am.description = Set(ticket.description().to_owned());
    am.category = Set(ticket.category().map(str::to_owned));
    // A stated start the vendor accepted files the ticket under its stated receipt.
    am.received_at = Set(ticket.counts_as_received_at());
    am.occurred_at = Set(ticket.counts_as_occurred_at());
    am.assignee_id = Set(ticket.assignee());
    am.acknowledged_at = Set(ticket.acknowledged_at());
    am.on_site_at = Set(ticket.on_site_at());
    am.resolved_at = Set(ticket.resolved_at());
    am.closed_at = Set(ticket.closed_at());
    am.breached = Set(any_breached);
    am.response_ms = Set(measured(ClockName::Response));
    am.repair_ms = Set(measured(ClockName::Repair));
    am.updated_at = Set(now);
}

/// The working time `name` measured, once stopped: its clock's consumed time, or the measure's
/// where no target runs one ([`Ticket::measured`]), in the clock's calendar and net of approved
/// exclusions, as the clock would count it. A measure that cannot be counted (a calendar that
/// cannot answer) is left unmeasured and logged: it never fails the ticket's write.
fn measured_ms(
    number: &str,
    ticket: &Ticket,
    name: ClockName,
    calendars: &TicketCalendars<'_>,
    excluded: &[sla_clock::Exclusion],
    now: DateTime<Utc>,
) -> Option<i64> {
    let status = ticket
        .measured(name)?
        .excluding(excluded)
        .and_then(|c| c.status(calendars.get(name), now.max(ticket.last_event_at())));
    match status {
        Ok(s) if matches!(s.state, ClockState::Met | ClockState::BreachedMet) => Some(s.consumed.num_milliseconds()),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(ticket = %number, clock = %name.key(), error = %e, "time not measured");
            None
        }
    }
}

/// The vendor a ticket counts against in reports: its assignee's, else its system's first (by id).
pub(super) async fn vendor_of(
    txn: &impl ConnectionTrait,
    assignee: Option<i64>,
    system_id: i64,
) -> Result<Option<i64>, sea_orm::DbErr> {
    use crate::db::entities::users;
    if let Some(id) = assignee
        && let Some(vendor) = crate::app::cache::cached("user", id, || users::Entity::find_by_id(id).one(txn))
            .await?
            .and_then(|u| u.vendor_id)
    {
        return Ok(Some(vendor));
    }
    // In id order: the first is the smallest.
    Ok(crate::app::scope::vendors_of_system(txn, system_id)
        .await?
        .first()
        .copied())
}

/// Re-projects ticket `number` (after something outside its events changed, e.g. an exclusion
/// window of its system was approved or revoked).
pub async fn refresh(
    txn: &DatabaseTransaction,
    calendars: &std::collections::BTreeMap<String, Calendar>,
    number: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // Lock first, so that a concurrent write to the ticket does not interleave with this one.
    lock(txn, sea_orm::Condition::all().add(tickets::Column::Number.eq(number))).await?;
    let Some(loaded) = load(txn, number).await? else {
        return Ok(());
    };
    let system = loaded.system(txn).await?;
    let calendars = TicketCalendars::of(calendars, &loaded.ticket, &system)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("ticket {number}: {e}")))?;
    project(txn, loaded.row, &loaded.ticket, &calendars, now).await?;
    Ok(())
}

/// Locks the ticket rows matching `filter` for the rest of the transaction with a write that
/// changes nothing. Every ticket write updates its row first (the version claim), so whoever
/// locks a ticket this way does not interleave with a write to it.
pub async fn lock(db: &impl ConnectionTrait, filter: sea_orm::Condition) -> Result<(), sea_orm::DbErr> {
    crate::db::claim::<tickets::Entity>(db, tickets::Column::Version, filter).await?;
    Ok(())
}

/// Locks the ticket rows `ids` for the rest of the transaction as [`lock`] does, in id order:
/// on PostgreSQL with `SELECT … ORDER BY id FOR NO KEY UPDATE`, the row lock that [`lock`]'s
/// `UPDATE` of a non-key column takes, so a ticket write waits for it as for [`lock`] (and it
/// for the write), and two transactions locking overlapping sets in this order cannot deadlock.
/// On SQLite the write transaction ([`crate::db::begin_write`]) holds the whole database
/// already, and this is [`lock`].
pub async fn lock_in_order(db: &impl ConnectionTrait, ids: &[i64]) -> Result<(), sea_orm::DbErr> {
    use sea_orm::sea_query::LockType;
    use sea_orm::{QueryOrder, QuerySelect};
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return lock(db, tickets::Column::Id.is_in(ids.iter().copied()).into()).await;
    }
    let _locked: Vec<i64> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .filter(tickets::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(tickets::Column::Id)
        .lock(LockType::NoKeyUpdate)
        .into_tuple()
        .all(db)
        .await?;
    Ok(())
}

/// Whether a stored clock state counts as running (for "due before" and "breached" queries).
pub fn running_state() -> String {
    ClockState::Running.to_string()
}

//! A new ticket made ready before its transaction, and written with others in one.
//!
//! Opening a ticket is mostly work no transaction needs: the domain opens it, each clock is
//! measured in its calendars, the escalation ladder says when to look next, and the rows are
//! serialised. [`prepare`] does all that where the caller is (a request, on its own task, in
//! parallel with the others), reading the configuration it needs (the ladder, the approved
//! exclusions, the vendor) through the cache. What only the writing transaction can give, the
//! number and the row id, [`insert`] gives, to many prepared tickets at once:
//!
//! ```text
//! INSERT … ticket_counters … last_value + n RETURNING last_value   numbers for all n tickets
//! INSERT INTO tickets … VALUES (…), (…), … RETURNING *               their rows and ids
//! INSERT INTO ticket_events … VALUES (…), (…), …;                  ┐ their opening events,
//! INSERT INTO clocks … VALUES (…), (…), …;                         │ clocks, the notices they
//! INSERT INTO notice_queue … VALUES (…), (…), …;                   │ may owe and the audit
//! INSERT INTO audit_log … VALUES (…), (…), …                       ┘ entries: one round trip
//! ```
//!
//! [`OpenMany`] is the group commit's [`Batch`] of ticket openings: a burst of creations costs
//! a few round trips to the database for the whole batch instead of some eight statements per
//! ticket ([`crate::app::group_commit`], [`crate::db::together`]), then the problem detection of
//! the batch ([`crate::app::problems::batch`]); what stays per ticket is its webhook messages if
//! anyone subscribes, and a form's token. A
//! ticket opened alone ([`super::store::create`]) is the same two steps for one ticket.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait, Set};
use sla_clock::Calendar;
use ticket_domain::{Event, NewTicket, Recording, Ticket};

use super::calendars::TicketCalendars;
use super::store::{Origin, clock_rows, event_row, set_projected, vendor_of};
use crate::app::audit::{self, ClientAddr};
use crate::app::group_commit::{Batch, TxnFuture};
use crate::app::{AppError, AppResult, Context};
use crate::db::Key;
use crate::db::entities::{audit_log, clocks, systems, ticket_events, tickets};

/// A ticket opened by the domain and measured, ready to be written: everything but its number
/// and its row id.
pub struct Fresh {
    /// The ticket as the domain opened it.
    pub ticket: Ticket,
    events: Vec<Event>,
    /// The number series: the kind's prefix and the year of receipt in the system's calendar.
    series: (&'static str, i32),
    row: tickets::ActiveModel,
    clocks: Vec<clocks::ActiveModel>,
    actor: Option<i64>,
    now: DateTime<Utc>,
}

/// Opens `new` against system `system_id` as the domain does and measures its clocks, reading
/// on `db` (the read connections through the cache, or the transaction that will write it);
/// see [`super::store::create`] for the arguments.
#[allow(clippy::too_many_arguments)]
pub async fn prepare(
    db: &impl ConnectionTrait,
    calendars: &TicketCalendars<'_>,
    system_id: i64,
    new: NewTicket,
    actor: Option<i64>,
    now: DateTime<Utc>,
    origin: Origin,
    rec: Option<&Recording>,
    start_escapes_window: bool,
) -> AppResult<Fresh> {
    let (ticket, events) = match rec {
        // The buyer's earlier start is stricter on the vendor, so it waits; the vendor's waits
        // only when it would leave a major-event window (otherwise it only hurts the vendor).
        Some(rec) => Ticket::open_as_with(
            new,
            rec,
            rec.side != ticket_domain::Side::Vendor || start_escapes_window,
        )?,
        None => Ticket::open(new).map(|(t, e)| (t, vec![e]))?,
    };
    let year = calendars.main().local(ticket.received_at()).year();
    let severity = ticket.severity();
    let ladder = crate::app::escalation::ladders::of(db, origin.major_event_id, system_id, severity.key()).await?;
    let excluded = crate::app::duty::exclusions::approved_for(db, system_id).await?;
    let vendor_id = vendor_of(db, ticket.assignee(), system_id).await?;
    // Numbered by the transaction: until then it is "new" in what is logged, and nothing is
    // queued for it, so the number plays no part in what is measured.
    let (number, id) = ("(new)", 0);
    let (clocks, any_breached) = clock_rows(
        number,
        id,
        &ticket,
        calendars,
        &ladder,
        &excluded,
        &HashSet::new(),
        Vec::new(),
        now,
    )?;
    let opened = ticket.opened_with();
    let mut row = tickets::ActiveModel {
        kind: Set(Key(ticket.kind())),
        system_id: Set(system_id),
        reporter_id: Set(opened.reporter),
        version: Set(events.len() as i64),
        created_at: Set(now),
        major_event_id: Set(origin.major_event_id),
        duty_id: Set(origin.duty_id),
        ..Default::default()
    };
    set_projected(
        &mut row,
        number,
        &ticket,
        calendars,
        &excluded,
        any_breached,
        vendor_id,
        now,
    );
    Ok(Fresh {
        series: (ticket.kind().number_prefix(), year),
        ticket,
        events,
        row,
        clocks,
        actor,
        now,
    })
}

/// Writes the prepared tickets `fresh`, numbered in their order, with their events, clocks,
/// webhook messages and queued notices, and the audit entries `audit` makes of their rows (the
/// group's: none for a ticket opened alone, whose caller writes its own); returns their rows and
/// clock rows in the same order.
///
/// Only the counter and the tickets' insert are read back; the rest is sent together
/// ([`crate::db::together`]: on SQLite one round trip). The clock rows are returned as written,
/// for the answer's view, without their row ids (0), which nobody shown a new ticket needs.
pub async fn insert(
    txn: &DatabaseTransaction,
    fresh: &[&Fresh],
    audit: impl Fn(usize, &tickets::Model) -> Option<audit_log::ActiveModel>,
) -> AppResult<Vec<(tickets::Model, Vec<clocks::Model>)>> {
    if fresh.is_empty() {
        return Ok(Vec::new());
    }
    // One counter statement per series (most bursts have one: this year's faults).
    let mut numbers: Vec<Option<String>> = vec![None; fresh.len()];
    let series: std::collections::BTreeSet<(&'static str, i32)> = fresh.iter().map(|f| f.series).collect();
    for (prefix, year) in series {
        let of: Vec<usize> = (0..fresh.len())
            .filter(|&i| fresh[i].series == (prefix, year))
            .collect();
        let got = crate::db::counters::next_ticket_numbers(txn, prefix, year, of.len())
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        for (i, number) in of.into_iter().zip(got) {
            numbers[i] = Some(number);
        }
    }
    let mut rows = Vec::with_capacity(fresh.len());
    for (f, number) in fresh.iter().zip(&numbers) {
        let number = number
            .clone()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a new ticket was not numbered")))?;
        let mut row = f.row.clone();
        row.number = Set(number);
        rows.push(row);
    }
    let mut inserted: HashMap<String, tickets::Model> = tickets::Entity::insert_many(rows)
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .map(|r| (r.number.clone(), r))
        .collect();
    // RETURNING gives no order for a multi-row insert: each row is found by its number.
    let rows: Vec<tickets::Model> = numbers
        .iter()
        .flatten()
        .map(|n| {
            inserted
                .remove(n)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("ticket {n} was not returned by its insert")))
        })
        .collect::<AppResult<_>>()?;
    let (mut events, mut clock_rows, mut notices, mut entries) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut written = Vec::with_capacity(rows.len());
    for (i, (f, row)) in fresh.iter().zip(&rows).enumerate() {
        for (seq, e) in (1..).zip(&f.events) {
            events.push(event_row(row.id, seq, e, f.actor, f.now)?);
        }
        let mut models = Vec::with_capacity(f.clocks.len());
        for c in &f.clocks {
            let mut c = c.clone();
            c.ticket_id = Set(row.id);
            let mut shown = c.clone();
            shown.id = Set(0);
            models.push(
                sea_orm::TryIntoModel::try_into_model(shown)
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("a new clock row is incomplete: {e}")))?,
            );
            clock_rows.push(c);
        }
        models.sort_by_key(|c: &clocks::Model| ticket_domain::ClockName::ALL.iter().position(|n| n.key() == c.name));
        written.push(models);
        let numbered: Vec<(i32, &Event)> = (1..).zip(f.events.iter()).collect();
        crate::app::webhooks::queue_ticket_events(txn, row, &numbered, f.now).await?;
        notices.extend(crate::app::notices::queued_rows(row, &numbered, None, f.now));
        entries.extend(audit(i, row));
    }
    let mut together = crate::db::together::Together::new(txn);
    if !events.is_empty() {
        together.push(ticket_events::Entity::insert_many(events));
    }
    if !clock_rows.is_empty() {
        together.push(clocks::Entity::insert_many(clock_rows));
    }
    if let Some(q) = crate::app::notices::queued_insert(notices) {
        together.push(q);
    }
    if !entries.is_empty() {
        together.push(audit_log::Entity::insert_many(entries));
    }
    together.run(txn).await?;
    Ok(rows.into_iter().zip(written).collect())
}

/// A ticket opening queued for the group commit ([`OpenMany`]): the prepared ticket, its audit
/// entry, and the form's one-time token if it came from a form.
pub struct Opening {
    pub(super) fresh: Fresh,
    pub(super) system: systems::Model,
    pub(super) detail: serde_json::Value,
    pub(super) from: ClientAddr,
    /// Who sent the form, and its one-time token ([`super::once`]).
    pub(super) once: Option<(i64, String)>,
    /// What it was made ready from, and as of which configuration and calendars: if either has
    /// changed by the time its group writes it (a ladder edited, an exclusion approved, the
    /// calendars reloaded), it is opened afresh in the group's transaction instead, as a ticket
    /// opened alone would be, so that no change slips between the reading and the writing.
    pub(super) made: Made,
}

/// What a ready ticket was made from ([`Opening::made`]).
pub(super) struct Made {
    pub(super) plan: Box<super::open::Plan>,
    pub(super) actor: i64,
    pub(super) epoch: Option<i64>,
    pub(super) calendars: crate::calendars::Calendars,
    pub(super) snapshot: std::sync::Arc<BTreeMap<String, Calendar>>,
}

impl Made {
    /// Whether the configuration or the calendars changed since the ticket was made ready
    /// (`None`: read without the cache, so not known).
    fn stale(&self) -> bool {
        let epoch = crate::app::cache::reading_epoch();
        epoch.is_none() || epoch != self.epoch || !std::sync::Arc::ptr_eq(&self.snapshot, &self.calendars.snapshot())
    }
}

/// What an opening is answered: the ticket's row and fold, the problem it joined, if any, and
/// its clock rows as inserted (`None` for a ticket opened afresh: they are read for its view).
pub type Opened = (tickets::Model, Ticket, Option<String>, Option<Vec<clocks::Model>>);

/// The group commit's batch of ticket openings: [`insert`] with their audit entries, the forms'
/// tokens, and the batch's problem detection ([`crate::app::problems::detect_batch`]).
pub struct OpenMany;

impl Batch for OpenMany {
    type Item = Opening;
    type Out = Opened;

    fn write<'t>(txn: &'t DatabaseTransaction, items: &'t [Opening]) -> TxnFuture<'t, Vec<Opened>> {
        Box::pin(async move {
            // Those whose configuration or calendars changed since they were made ready are
            // opened afresh, one by one, as a ticket opened alone; the others together.
            let stale: Vec<bool> = items.iter().map(|o| o.made.stale()).collect();
            let mut afresh: HashMap<usize, Opened> = HashMap::new();
            for (i, o) in items.iter().enumerate().filter(|(i, _)| stale[*i]) {
                let snapshot = o.made.calendars.snapshot();
                let (row, ticket, problem) = super::open::open_new(
                    txn,
                    &snapshot,
                    (*o.made.plan).clone(),
                    Some(o.made.actor),
                    o.fresh.now,
                    &o.from,
                )
                .await?;
                if let Some((user, token)) = &o.once {
                    super::once::record(txn, *user, token, &row.number, o.fresh.now).await?;
                }
                afresh.insert(i, (row, ticket, problem, None));
            }
            let ready: Vec<&Opening> = items.iter().zip(&stale).filter(|(_, s)| !**s).map(|(o, _)| o).collect();
            let fresh: Vec<&Fresh> = ready.iter().map(|o| &o.fresh).collect();
            let rows = insert(txn, &fresh, |i, row| {
                let o = ready[i];
                Some(audit::entry(
                    o.fresh.actor,
                    "ticket.open",
                    &row.number,
                    o.detail.clone(),
                    &o.from,
                    o.fresh.now,
                ))
            })
            .await?;
            for (o, (row, _)) in ready.iter().zip(&rows) {
                if let Some((user, token)) = &o.once {
                    super::once::record(txn, *user, token, &row.number, o.fresh.now).await?;
                }
            }
            // Of a class that recurs on its system: one problem with the others, as if the
            // tickets of the batch had come one at a time.
            let detecting: Vec<crate::app::problems::batch::Detecting> = ready
                .iter()
                .zip(&rows)
                .map(|(o, (row, _))| (row, &o.system, o.fresh.now))
                .collect();
            let problems = crate::app::problems::detect_batch(txn, &detecting).await?;
            let together: Vec<Opened> = ready
                .iter()
                .zip(rows)
                .zip(problems)
                .map(|((o, (row, clocks)), problem)| (row, o.fresh.ticket.clone(), problem, Some(clocks)))
                .collect();
            let mut together = together.into_iter();
            let mut out = Vec::with_capacity(items.len());
            for i in 0..items.len() {
                let opened = match afresh.remove(&i) {
                    Some(o) => Some(o),
                    None => together.next(),
                };
                out.extend(opened);
            }
            Ok(out)
        })
    }
}

/// A planned ticket made ready to be written with others ([`super::fresh`]), or, if it needs
/// its transaction for more than its rows, the plan, opened alone by [`super::open::open_new`].
pub(super) enum Ready {
    Fresh(super::fresh::Fresh, Made),
    Plan(super::open::Plan),
}

/// Makes `plan` ready, reading on `db` (the read connections, through the cache): unless the
/// rosters chose its assignee (chosen again in the transaction, which counts the tickets of the
/// same burst), or it says something on its timeline as it opens (targets that cannot be counted,
/// a problem outside the days of service).
pub(super) async fn ready(
    db: &impl ConnectionTrait,
    ctx: &Context,
    plan: super::open::Plan,
    actor: i64,
    now: DateTime<Utc>,
) -> AppResult<Ready> {
    if plan.assigned_by.is_some() || plan.outside_service.is_some() {
        return Ok(Ready::Plan(plan));
    }
    let snapshot = ctx.calendars.snapshot();
    let (calendars, mut new) = staged(&snapshot, &plan)?;
    if !super::open::countable_targets(&calendars, &mut new, &plan.targets_from).is_empty() {
        return Ok(Ready::Plan(plan));
    }
    let fresh = super::fresh::prepare(
        db,
        &calendars,
        plan.system.id,
        new,
        Some(actor),
        now,
        origin_of(&plan),
        plan.recording.as_ref(),
        plan.start_escapes_window,
    )
    .await?;
    let made = Made {
        plan: Box::new(plan),
        actor,
        epoch: crate::app::cache::reading_epoch(),
        calendars: ctx.calendars.clone(),
        snapshot,
    };
    Ok(Ready::Fresh(fresh, made))
}

/// Where the ticket of `plan` comes from: the major-event window it opens under, its duty.
pub(super) fn origin_of(plan: &super::open::Plan) -> super::Origin {
    super::Origin {
        major_event_id: plan
            .window
            .as_ref()
            .filter(|_| plan.new.major_event.is_some())
            .map(|w| w.row.id),
        duty_id: plan.duty_id,
    }
}

/// The calendars the clocks of `plan` count in, and the ticket the domain opens, its calendars
/// pinned on the opened event: a later edit of the system's calendars leaves this ticket's
/// deadlines alone ([`ticket_domain::CalendarNames`]).
pub(super) fn staged<'c>(
    calendars: &'c BTreeMap<String, Calendar>,
    plan: &super::open::Plan,
) -> AppResult<(super::calendars::TicketCalendars<'c>, NewTicket)> {
    let calendars = super::calendars::TicketCalendars::new(calendars, plan.calendars.clone())?;
    let mut new = plan.new.clone();
    new.calendars = Some(plan.calendars.clone().into());
    Ok((calendars, new))
}

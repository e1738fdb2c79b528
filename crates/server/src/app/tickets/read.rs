//! Reading tickets: the list with its filters, and one ticket with its timeline.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use sla_clock::Severity;
use ticket_domain::Kind;
use utoipa::IntoParams;

use super::parse;
use super::views::{
    EscalationEntry, MajorEventView, TicketPage, TicketView, TimelineEntry, allowed_of, view, views_of,
};
use crate::app::auth::Principal;
use crate::app::scope::{can_see_system, visible_system_ids};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{clocks, outbox, systems, ticket_events, tickets, users};

/// Filters and paging for the ticket list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Status.
    pub status: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Severity.
    pub severity: Option<String>,
    /// System code.
    pub system: Option<String>,
    /// Unit id.
    pub unit: Option<i64>,
    /// Vendor id.
    pub vendor: Option<i64>,
    /// Assignee user id.
    pub assignee: Option<i64>,
    /// Category code (分类); empty (`category=`) for the unsorted.
    pub category: Option<String>,
    /// Only tickets with (or without) a breached clock, as of now.
    pub breached: Option<bool>,
    /// Only tickets with a running clock due before this instant.
    pub due_before: Option<DateTime<Utc>>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 [default 50].
    pub limit: Option<u64>,
}

/// The tickets `p` may see, newest first, with the filters of `q` and cursor paging.
pub async fn list(ctx: &Context, p: &Principal, q: ListQuery) -> AppResult<TicketPage> {
    // The scope's systems and the systems' service modes come from the configuration cache
    // ([`crate::app::cache`]).
    ctx.cache.read_at(p.epoch, &ctx.db, list_now(ctx, p, q)).await
}

async fn list_now(ctx: &Context, p: &Principal, q: ListQuery) -> AppResult<TicketPage> {
    let now = ctx.now();
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::invalid("limit", "must be 1 to 200"));
    }
    let mut cond = Condition::all();
    // The scope's systems, when it covers only some: filtered last (see `newest`).
    let scope = visible_system_ids(&ctx.db, p).await?;
    if let Some(s) = &q.status {
        cond = cond.add(tickets::Column::Status.eq(parse::<ticket_domain::Status>("status", s)?.key()));
    }
    if let Some(k) = &q.kind {
        cond = cond.add(tickets::Column::Kind.eq(parse::<Kind>("kind", k)?.key()));
    }
    if let Some(s) = &q.severity {
        cond = cond.add(tickets::Column::Severity.eq(parse::<Severity>("severity", s)?.key()));
    }
    if let Some(code) = &q.system {
        let id = systems::Entity::find()
            .filter(systems::Column::Code.eq(code.as_str()))
            .one(&ctx.db)
            .await?
            .map_or(-1, |s| s.id);
        cond = cond.add(tickets::Column::SystemId.eq(id));
    }
    if let Some(u) = q.unit {
        cond = cond.add(
            tickets::Column::SystemId.in_subquery(
                Query::select()
                    .column(systems::Column::Id)
                    .from(systems::Entity)
                    .and_where(systems::Column::UnitId.eq(u))
                    .to_owned(),
            ),
        );
    }
    if let Some(v) = q.vendor {
        use crate::db::entities::system_vendors;
        cond = cond.add(
            tickets::Column::SystemId.in_subquery(
                Query::select()
                    .column(system_vendors::Column::SystemId)
                    .from(system_vendors::Entity)
                    .and_where(system_vendors::Column::VendorId.eq(v))
                    .to_owned(),
            ),
        );
    }
    if let Some(a) = q.assignee {
        cond = cond.add(tickets::Column::AssigneeId.eq(a));
    }
    match q.category.as_deref().map(str::trim) {
        Some("") => cond = cond.add(tickets::Column::Category.is_null()),
        Some(c) => cond = cond.add(tickets::Column::Category.eq(c)),
        None => {}
    }
    let running = super::running_state();
    if let Some(b) = q.breached {
        // Stored clock rows are exact as of their last write; a running clock whose deadline has
        // passed since is breached now.
        let breached_now = Query::select()
            .column(clocks::Column::TicketId)
            .from(clocks::Entity)
            .cond_where(
                Condition::any().add(clocks::Column::Breached.eq(true)).add(
                    Condition::all()
                        .add(clocks::Column::State.eq(running.clone()))
                        .add(clocks::Column::Deadline.lt(now)),
                ),
            )
            .to_owned();
        cond = cond.add(if b {
            tickets::Column::Id.in_subquery(breached_now)
        } else {
            tickets::Column::Id.not_in_subquery(breached_now)
        });
    }
    if let Some(t) = q.due_before {
        cond = cond.add(
            tickets::Column::Id.in_subquery(
                Query::select()
                    .column(clocks::Column::TicketId)
                    .from(clocks::Entity)
                    .and_where(clocks::Column::State.eq(running.clone()))
                    .and_where(clocks::Column::Deadline.lt(t))
                    .to_owned(),
            ),
        );
    }
    if let Some(c) = &q.cursor {
        let id: i64 = c
            .parse()
            .map_err(|_| AppError::invalid("cursor", "not a cursor from this API"))?;
        cond = cond.add(tickets::Column::Id.lt(id));
    }
    let rows = newest(&ctx.db, cond, scope, limit).await?;
    let next_cursor = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    let items = views_of(ctx, rows, now).await?;
    Ok(TicketPage { items, next_cursor })
}

/// The scopes of more systems than this are filtered with one `IN` list (a vendor of every
/// system but one), to keep the statement short.
const MERGE_MAX_SYSTEMS: usize = 300;

/// The newest `limit` tickets that meet `cond`, among the systems `scope` names (`None`: all).
///
/// On PostgreSQL a scope of some systems is read system by system, each one's newest `limit`
/// from the `(system_id, id)` index, and merged: `SELECT id FROM (SELECT * FROM (… system 1 …
/// ORDER BY id DESC LIMIT n) UNION ALL SELECT * FROM (… system 2 …) …) ORDER BY id DESC LIMIT
/// n`, which it runs as a Merge Append of short backward index scans: the scope's systems times
/// the page, however many tickets they hold. Given `system_id IN (…) ORDER BY id DESC LIMIT n`
/// instead, PostgreSQL 15 walks every ticket newest first until it has found n — 503 ms at
/// 1 000 000 tickets for a unit whose systems had none lately, against 0.26 ms merged
/// (docs/benchmarks.md). SQLite answers the `IN` form in the same bounded way itself (it stops
/// each term's index range once the page is settled: 0.04–0.5 ms at a million), so it keeps it.
async fn newest(
    db: &impl ConnectionTrait,
    cond: Condition,
    scope: Option<Vec<i64>>,
    limit: u64,
) -> AppResult<Vec<tickets::Model>> {
    use sea_orm::sea_query::{Alias, Asterisk, Order, SelectStatement, UnionType};
    let postgres = db.get_database_backend() == sea_orm::DbBackend::Postgres;
    let ids = match scope {
        Some(ids) if postgres && ids.len() >= 2 && ids.len() <= MERGE_MAX_SYSTEMS => ids,
        scope => {
            let cond = match scope {
                Some(ids) => cond.add(tickets::Column::SystemId.is_in(ids)),
                None => cond,
            };
            return Ok(tickets::Entity::find()
                .filter(cond)
                .order_by_desc(tickets::Column::Id)
                .limit(limit)
                .all(db)
                .await?);
        }
    };
    let mut merged: Option<SelectStatement> = None;
    for (i, system) in ids.into_iter().enumerate() {
        let one = Query::select()
            .column(tickets::Column::Id)
            .from(tickets::Entity)
            .cond_where(cond.clone().add(tickets::Column::SystemId.eq(system)))
            .order_by(tickets::Column::Id, Order::Desc)
            .limit(limit)
            .to_owned();
        let member = Query::select()
            .column(Asterisk)
            .from_subquery(one, Alias::new(format!("s{i}")))
            .to_owned();
        match merged.as_mut() {
            None => merged = Some(member),
            Some(m) => {
                m.union(UnionType::All, member);
            }
        }
    }
    let merged = merged.expect("two systems or more");
    let top = Query::select()
        .column(Alias::new("id"))
        .from_subquery(merged, Alias::new("merged"))
        .order_by(Alias::new("id"), Order::Desc)
        .limit(limit)
        .to_owned();
    let backend = db.get_database_backend();
    let found: Vec<i64> = db
        .query_all_raw(backend.build(&top))
        .await?
        .iter()
        .map(|r| r.try_get_by_index::<i64>(0))
        .collect::<Result<_, _>>()?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    Ok(tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(found))
        .order_by_desc(tickets::Column::Id)
        .all(db)
        .await?)
}

/// The ticket with `number`, if the caller may see it (else 404).
pub(crate) async fn load_in_scope(db: &impl ConnectionTrait, p: &Principal, number: &str) -> AppResult<super::Loaded> {
    match super::load(db, number).await? {
        Some(l) if can_see_system(db, p, l.row.system_id).await? => Ok(l),
        _ => Err(AppError::NotFound(format!("no ticket {number}"))),
    }
}

/// One ticket with its clocks, timeline and escalations, if `p` may see it.
pub async fn get(ctx: &Context, p: &Principal, number: &str) -> AppResult<TicketView> {
    let now = ctx.now();
    let loaded = load_in_scope(&ctx.db, p, number).await?;
    let actor_ids: Vec<i64> = loaded.events.iter().filter_map(|(r, _)| r.actor_id).collect();
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(actor_ids))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let timeline = loaded
        .events
        .iter()
        .map(|(r, _): &(ticket_events::Model, _)| TimelineEntry {
            seq: r.seq,
            at: r.at,
            recorded_at: r.recorded_at,
            actor: r.actor_id.and_then(|a| names.get(&a).cloned()),
            kind: r.kind.clone(),
            data: r.data.clone(),
        })
        .collect();
    let sees_numbers = crate::app::sms::phone::sees_numbers(p);
    let escalations = outbox::Entity::find()
        .filter(outbox::Column::TicketId.eq(loaded.row.id))
        .order_by_asc(outbox::Column::DueAt)
        .order_by_asc(outbox::Column::Id)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|m| EscalationEntry {
            // A number an SMS went to is shown whole to admins and managers only; engineers and
            // viewers see that it went, and to a masked number.
            recipients: crate::app::sms::phone::recipients_shown(&m.channel, m.recipients, sees_numbers),
            last_error: match m.last_error {
                Some(e) if m.channel == "sms" && !sees_numbers => Some(crate::app::sms::phone::masked_in(&e)),
                e => e,
            },
            clock: m.clock.unwrap_or_default(),
            step: m.step.unwrap_or_default(),
            repeat: m.repeat.unwrap_or_default(),
            due_at: m.due_at,
            status: m.status.to_string(),
            sent_at: m.sent_at,
            english_copy: m.dedup_key.ends_with("/en"),
            kind: m.kind,
            channel: m.channel,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            note: m.note,
        })
        .collect();
    let allowed = allowed_of(&loaded.ticket);
    let major_event = loaded
        .ticket
        .opened_with()
        .major_event
        .as_ref()
        .map(|m| MajorEventView {
            code: m.code.clone(),
            name: m.name.clone(),
            calendar: m.calendar.clone(),
            reason: m.reason.clone(),
        });
    let duty = match loaded.row.duty_id {
        Some(id) => crate::db::entities::duties::Entity::find_by_id(id)
            .one(&ctx.db)
            .await?
            .map(|d| d.code),
        None => None,
    };
    let claims = super::evidence::claims_of(&loaded.ticket);
    let clocks_from = loaded.ticket.opened_with().clocks_from;
    let impact = loaded.ticket.impact().map(|s| s.key().to_owned());
    let problem = crate::app::problems::problem_of(&ctx.db, loaded.row.id).await?;
    let attachments = crate::app::attachments::of_ticket(&ctx.db, loaded.row.id).await?;
    let devices = crate::app::devices::tickets::of_ticket(&ctx.db, loaded.row.id).await?;
    let mut view = view(&ctx.db, ctx, loaded.row, now, allowed, Some(timeline)).await?;
    view.problem = problem;
    view.claims = Some(claims);
    view.clocks_from = clocks_from;
    view.impact = impact;
    view.escalations = Some(escalations);
    view.major_event = major_event;
    view.duty = duty;
    view.attachments = Some(attachments);
    view.devices = Some(devices);
    Ok(view)
}

/// Whether `p` may perform `action` on ticket `row` (`status` from its fold), by the same three
/// checks as [`super::actions::perform`], on what the caller has read: the ticket's system (of
/// unit `unit_id`, served by `vendors`) is in `p`'s scope ([`crate::app::scope::sees_system`]),
/// the permission table grants the action, and a vendor's person acts only on their own vendor's
/// tickets. What the acknowledge link of a notice ([`crate::app::notices`]) or of an escalation
/// text ([`crate::app::escalation`]) is given by; both sweeps read a page of tickets at a time.
pub fn may_act(
    p: &Principal,
    row: &tickets::Model,
    status: ticket_domain::Status,
    (unit_id, vendors): (i64, &[i64]),
    action: &str,
) -> bool {
    crate::app::scope::sees_system(p, unit_id, vendors) && may_act_seeing(p, row, status, action)
}

/// [`may_act`] but for the scope: the permission table and the vendor's own tickets.
fn may_act_seeing(p: &Principal, row: &tickets::Model, status: ticket_domain::Status, action: &str) -> bool {
    let Some(permission) = crate::app::permissions::Action::for_ticket_action(action) else {
        return false;
    };
    crate::app::permissions::check_ticket(p, permission, row.vendor_id.is_some()).is_ok()
        && super::evidence::check_own_vendor_of(p, row, status, action).is_ok()
}

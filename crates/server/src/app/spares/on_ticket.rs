//! A ticket's spares and replacements as people read them: the replacement requests with the
//! acts the reader may do now, the spares that went out to the ticket, and what the ticket page
//! offers to ask for a replacement.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use super::replacements::{Decision, ReplacementView, awaiting, id_of, load, side_of, state_label, worker_ticket};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::{AppResult, Context};
use crate::db::entities::{contracts, device_replacements, devices, spare_items, tickets, users};

/// Replacement `id`.
pub async fn get(ctx: &Context, p: &Principal, id: i64) -> AppResult<ReplacementView> {
    permissions::check(p, Action::TicketRead)?;
    let (row, ..) = load(&ctx.db, p, id).await?;
    Ok(views(&ctx.db, vec![row]).await?.remove(0))
}

/// The replacements of ticket `number`, oldest first.
pub async fn of_ticket(ctx: &Context, p: &Principal, number: &str) -> AppResult<Vec<ReplacementView>> {
    permissions::check(p, Action::TicketRead)?;
    let t = crate::app::tickets::read::load_in_scope(&ctx.db, p, number).await?.row;
    let rows = device_replacements::Entity::find()
        .filter(device_replacements::Column::TicketId.eq(t.id))
        .order_by_asc(device_replacements::Column::Id)
        .all(&ctx.db)
        .await?;
    views(&ctx.db, rows).await
}

/// What `p` may do to `v` now (what the ticket page offers): `approve`, `refuse`, `record`.
pub async fn allowed(ctx: &Context, p: &Principal, v: &ReplacementView) -> AppResult<Vec<&'static str>> {
    let id = id_of(&v.number)?;
    let (row, ticket, system) = load(&ctx.db, p, id).await?;
    let mut out = Vec::new();
    if row.state == "requested"
        && let Some(side) = side_of(p, &system)
        && v.awaiting.iter().any(|a| a == side.key())
    {
        out.extend(["approve", "refuse"]);
    }
    if row.state == "approved" && worker_ticket(&ctx.db, p, &ticket.number).await.is_ok() {
        out.push("record");
    }
    Ok(out)
}

/// The views of `rows`.
pub(crate) async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<device_replacements::Model>,
) -> AppResult<Vec<ReplacementView>> {
    let tickets: BTreeMap<i64, String> = tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(rows.iter().map(|r| r.ticket_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.number))
        .collect();
    let devices: BTreeMap<i64, devices::Model> = devices::Entity::find()
        .filter(devices::Column::Id.is_in(rows.iter().flat_map(|r| [Some(r.device_id), r.new_device_id]).flatten()))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let items: BTreeMap<i64, spare_items::Model> = spare_items::Entity::find()
        .filter(spare_items::Column::Id.is_in(rows.iter().map(|r| r.item_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let people = rows
        .iter()
        .flat_map(|r| {
            [
                Some(r.requested_by),
                r.buyer_by,
                r.supervisor_by,
                r.refused_by,
                r.replaced_by,
            ]
        })
        .flatten();
    let names: BTreeMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(people))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let decision = |by: Option<i64>, at: Option<DateTime<Utc>>| {
        at.map(|at| Decision {
            by: by.and_then(|b| names.get(&b).cloned()),
            at,
        })
    };
    Ok(rows
        .iter()
        .map(|r| {
            let device = devices.get(&r.device_id);
            let item = items.get(&r.item_id);
            ReplacementView {
                number: format!("HR-{}", r.id),
                ticket: tickets.get(&r.ticket_id).cloned().unwrap_or_default(),
                device: device.map(|d| d.code.clone()).unwrap_or_default(),
                device_name: device.map(super::ledger::name_of).unwrap_or_default(),
                item: item.map(|i| i.code.clone()).unwrap_or_default(),
                item_name: item.map(|i| i.name.clone()).unwrap_or_default(),
                reason: r.reason.clone(),
                state: r.state.clone(),
                state_label: state_label(&r.state).to_owned(),
                requested_by: names.get(&r.requested_by).cloned(),
                requested_at: r.requested_at,
                buyer: decision(r.buyer_by, r.buyer_at),
                supervisor: decision(r.supervisor_by, r.supervisor_at),
                awaiting: awaiting(r),
                refused: decision(r.refused_by, r.refused_at),
                refused_side: r.refused_side.clone(),
                refuse_reason: r.refuse_reason.clone(),
                replaced: decision(r.replaced_by, r.replaced_at),
                new_device: r.new_device_id.and_then(|d| devices.get(&d)).map(|d| d.code.clone()),
                version: r.version,
            }
        })
        .collect())
}

/// A replacement with the acts the reader may do to it now.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WithActs {
    /// The request.
    pub r: ReplacementView,
    /// `approve`, `refuse`, `record`.
    pub acts: Vec<&'static str>,
}

/// What the ticket page shows of spares: the requests, the movements, and the lines a worker
/// may ask to put in (empty for a reader who may not ask).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TicketSpares {
    /// The replacement requests, oldest first, with the reader's acts.
    pub replacements: Vec<WithActs>,
    /// The spares that went out to the ticket and came back.
    pub movements: Vec<super::movements::MovementView>,
    /// The spares lines the reader may ask to put in: of the contracts of the ticket's vendor.
    pub items: Vec<super::catalogue::SpareItemView>,
}

/// Ticket `number`'s spares section for `p`; `None` when `p` reads no spares.
pub async fn section(ctx: &Context, p: &Principal, number: &str) -> AppResult<Option<TicketSpares>> {
    if !permissions::may_at_all(p, Action::SpareRead) {
        return Ok(None);
    }
    let ticket = crate::app::tickets::read::load_in_scope(&ctx.db, p, number).await?.row;
    let mut replacements = Vec::new();
    for r in of_ticket(ctx, p, number).await? {
        let acts = allowed(ctx, p, &r).await?;
        replacements.push(WithActs { r, acts });
    }
    let movements = super::movements::of_ticket(ctx, p, number).await?;
    let items = if worker_ticket(&ctx.db, p, number).await.is_ok()
        && let Some(vendor) = ticket.vendor_id
    {
        let codes: Vec<String> = contracts::Entity::find()
            .filter(contracts::Column::VendorId.eq(vendor))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|c| c.code)
            .collect();
        let rows = spare_items::Entity::find()
            .filter(spare_items::Column::ContractCode.is_in(codes))
            .order_by_asc(spare_items::Column::Code)
            .all(&ctx.db)
            .await?;
        super::catalogue::views(&ctx.db, rows, None).await?
    } else {
        Vec::new()
    };
    Ok(Some(TicketSpares {
        replacements,
        movements,
        items,
    }))
}

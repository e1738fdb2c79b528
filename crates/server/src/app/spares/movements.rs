//! The warehouse's movements: received (`in`), out to a ticket (`out`, consumed), returned from
//! a ticket (`returned`, unused). Stock = in − out + returned; use = out − returned.
//!
//! - `out` needs a ticket, the stock, and room under the contract's cap: going beyond the cap is
//!   refused (409), since the contract pays for no more (004 L27677 "总量不超过下表载明的
//!   数量"); a swap of unused lines for others (L27697–27701) is the bureau's, by loading the
//!   list again with the caps it agreed.
//! - The ticket of an `out` or a `returned` is one the contract's vendor serves: not another
//!   vendor's, and not one with no vendor (the warehouse is that vendor's, for its tickets).
//! - A line that an open replacement request of the ticket names (`requested`, `approved`) goes
//!   out only with that replacement's record, once both approved: not by a plain `out`.
//! - `returned` needs the ticket the spares went out to, and no more than went out to it.
//! - Each movement is the vendor's (the warehouse is its, L27681), recorded with who and when,
//!   and audited.
//! - The list shows the movements to tickets of the reader's systems, and the receipts; a
//!   movement to another unit's ticket is left out (the stock and the settlement's lines are the
//!   contract's, and count them).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context, text};
use crate::db::entities::{contracts, device_replacements, spare_items, spare_movements, tickets, users};

/// The kinds of movement, with their Chinese labels.
pub const KINDS: [(&str, &str); 3] = [("in", "入库"), ("out", "领用出库"), ("returned", "退回入库")];

/// The most one movement moves.
pub const MAX_QUANTITY: i32 = 100_000;

/// The Chinese label of kind `k`.
pub fn kind_label(k: &str) -> &str {
    KINDS.iter().find(|(key, _)| *key == k).map_or(k, |(_, l)| l)
}

/// A movement to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMovement {
    /// The spares line (code).
    pub item: String,
    /// `in`, `out` or `returned`.
    pub kind: String,
    /// How many (1 or more).
    pub quantity: i32,
    /// The ticket (`out`, `returned`: required).
    #[serde(default)]
    pub ticket: Option<String>,
    /// A note: the delivery note, the reason.
    #[serde(default)]
    pub note: Option<String>,
}

/// A movement as people read it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MovementView {
    /// Its id.
    pub id: i64,
    /// The spares line (code).
    pub item: String,
    /// Its name.
    pub item_name: String,
    /// Its unit.
    pub unit: String,
    /// `in`, `out`, `returned`.
    pub kind: String,
    /// The kind in Chinese.
    pub kind_label: String,
    /// How many.
    pub quantity: i32,
    /// The ticket (number).
    pub ticket: Option<String>,
    /// The replacement that took it (`HR-3`).
    pub replacement: Option<String>,
    /// The note.
    pub note: String,
    /// Who recorded it.
    pub by: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Filters of the movements.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MovementQuery {
    /// The contract (code).
    pub contract: String,
    /// One line (code).
    pub item: Option<String>,
}

/// What moved of one line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Received.
    pub received: i64,
    /// Out to tickets.
    pub out: i64,
    /// Returned.
    pub returned: i64,
}

impl Totals {
    /// In the warehouse: in − out + returned.
    pub fn stock(self) -> i64 {
        self.received - self.out + self.returned
    }

    /// Used: out − returned.
    pub fn used(self) -> i64 {
        self.out - self.returned
    }

    fn add(&mut self, kind: &str, q: i64) {
        match kind {
            "in" => self.received += q,
            "out" => self.out += q,
            _ => self.returned += q,
        }
    }
}

/// What moved of each of `items` in `[since, until)` (either bound open when `None`).
pub(crate) async fn totals(
    db: &impl ConnectionTrait,
    items: Vec<i64>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> AppResult<BTreeMap<i64, Totals>> {
    let mut find = spare_movements::Entity::find().filter(spare_movements::Column::ItemId.is_in(items));
    if let Some(s) = since {
        find = find.filter(spare_movements::Column::At.gte(s));
    }
    if let Some(u) = until {
        find = find.filter(spare_movements::Column::At.lt(u));
    }
    let mut out: BTreeMap<i64, Totals> = BTreeMap::new();
    for m in find.all(db).await? {
        out.entry(m.item_id).or_default().add(&m.kind, i64::from(m.quantity));
    }
    Ok(out)
}

/// Records a movement (the vendor keeping the contract's warehouse); returns it.
pub async fn record(ctx: &Context, p: &Principal, from: &ClientAddr, body: NewMovement) -> AppResult<MovementView> {
    permissions::check(p, Action::SpareMove)?;
    let note = text::field("note", body.note.as_deref().unwrap_or(""), super::MAX_NOTE, false)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let item = super::catalogue::item(&txn, p, &body.item).await?;
    let contract = super::contract(&txn, p, &item.contract_code).await?;
    if !super::keeps(p, &contract) {
        return Err(AppError::Forbidden(format!(
            "the spares of {} are kept by its vendor; you are not its vendor's",
            contract.code
        )));
    }
    let ticket = match body.ticket.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(n) => Some(crate::app::tickets::read::load_in_scope(&txn, p, n).await?.row),
        None => None,
    };
    let m = move_one(
        &txn,
        p,
        &item,
        &body.kind,
        body.quantity,
        ticket.as_ref(),
        None,
        &note,
        now,
    )
    .await?;
    audit::record(
        &txn,
        Some(p.user_id),
        &format!("spare.{}", body.kind),
        &item.code,
        serde_json::json!({"quantity": body.quantity, "ticket": ticket.as_ref().map(|t| t.number.clone()), "note": note}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(views(&ctx.db, vec![m]).await?.remove(0))
}

/// Checks and stores one movement of `item` in the caller's transaction (the replacement's too).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn move_one(
    db: &impl ConnectionTrait,
    p: &Principal,
    item: &spare_items::Model,
    kind: &str,
    quantity: i32,
    ticket: Option<&tickets::Model>,
    replacement: Option<i64>,
    note: &str,
    now: DateTime<Utc>,
) -> AppResult<spare_movements::Model> {
    if !KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(AppError::invalid(
            "kind",
            format!("{kind:?} is not a movement; kinds: in, out, returned"),
        ));
    }
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(AppError::invalid(
            "quantity",
            format!("quantity must be 1 to {MAX_QUANTITY}"),
        ));
    }
    if kind != "in" && ticket.is_none() {
        return Err(AppError::invalid(
            "ticket",
            format!("ticket: a movement {kind} names its ticket"),
        ));
    }
    // Claim the line: two movements of it never interleave, so stock is never oversold; read it
    // again once claimed, so that a cap changed meanwhile is the one checked.
    crate::db::claim::<spare_items::Entity>(db, spare_items::Column::Cap, spare_items::Column::Id.eq(item.id)).await?;
    let item = &spare_items::Entity::find_by_id(item.id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no spares line {:?}", item.code)))?;
    if let Some(t) = ticket {
        served(db, item, t, kind, replacement).await?;
    }
    let all = totals(db, vec![item.id], None, None)
        .await?
        .remove(&item.id)
        .unwrap_or_default();
    let q = i64::from(quantity);
    if kind == "out" {
        if all.stock() < q {
            return Err(AppError::Conflict(format!(
                "{} {}: {} {} in stock, {q} asked",
                item.code,
                item.name,
                all.stock(),
                item.unit
            )));
        }
        if all.used() + q > i64::from(item.cap) {
            return Err(AppError::Conflict(format!(
                "{} {}: the contract pays for {} {} at most; {} used, {q} more would pass it",
                item.code,
                item.name,
                item.cap,
                item.unit,
                all.used()
            )));
        }
    }
    if kind == "returned"
        && let Some(t) = ticket
    {
        let to_ticket = spare_movements::Entity::find()
            .filter(spare_movements::Column::ItemId.eq(item.id))
            .filter(spare_movements::Column::TicketId.eq(t.id))
            .all(db)
            .await?
            .into_iter()
            .fold(Totals::default(), |mut acc, m| {
                acc.add(&m.kind, i64::from(m.quantity));
                acc
            });
        if to_ticket.used() < q {
            return Err(AppError::Conflict(format!(
                "{}: {} {} went out to {} and was not returned; {q} cannot come back",
                item.code,
                to_ticket.used(),
                item.unit,
                t.number
            )));
        }
    }
    Ok(spare_movements::ActiveModel {
        item_id: Set(item.id),
        kind: Set(kind.to_owned()),
        quantity: Set(quantity),
        ticket_id: Set(ticket.map(|t| t.id)),
        replacement_id: Set(replacement),
        note: Set(note.to_owned()),
        by_user: Set(p.user_id),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Refuses a movement of `item` to ticket `t` that the contract's vendor does not serve, and a
/// plain `out` of the line an open replacement request of `t` names.
async fn served(
    db: &impl ConnectionTrait,
    item: &spare_items::Model,
    t: &tickets::Model,
    kind: &str,
    replacement: Option<i64>,
) -> AppResult<()> {
    let contract = contracts::Entity::find()
        .filter(contracts::Column::Code.eq(&item.contract_code))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no contract {:?}", item.contract_code)))?;
    if t.vendor_id != Some(contract.vendor_id) {
        return Err(AppError::invalid(
            "ticket",
            format!(
                "ticket: {} is not a ticket of {}'s vendor; its spares go to the tickets that vendor serves",
                t.number, contract.code
            ),
        ));
    }
    if kind == "out" && replacement.is_none() {
        let open = device_replacements::Entity::find()
            .filter(device_replacements::Column::TicketId.eq(t.id))
            .filter(device_replacements::Column::ItemId.eq(item.id))
            .filter(device_replacements::Column::State.is_in(["requested", "approved"]))
            .one(db)
            .await?;
        if let Some(r) = open {
            return Err(AppError::Conflict(format!(
                "{} is the spare of replacement HR-{} on {}: it goes out when HR-{} is recorded, once the buyer and the supervisor approved it",
                item.code, r.id, t.number, r.id
            )));
        }
    }
    Ok(())
}

/// The movements of a contract (of one line), newest first.
pub async fn list(ctx: &Context, p: &Principal, q: MovementQuery) -> AppResult<Vec<MovementView>> {
    permissions::check(p, Action::SpareRead)?;
    let contract = super::contract(&ctx.db, p, &q.contract).await?;
    let items: Vec<i64> = match q.item.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        Some(code) => vec![super::catalogue::item(&ctx.db, p, code).await?.id],
        None => super::catalogue::items_of(&ctx.db, &contract.code)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect(),
    };
    let mut rows = spare_movements::Entity::find()
        .filter(spare_movements::Column::ItemId.is_in(items))
        .order_by_desc(spare_movements::Column::At)
        .order_by_desc(spare_movements::Column::Id)
        .all(&ctx.db)
        .await?;
    if let Some(systems) = crate::app::scope::visible_system_ids(&ctx.db, p).await? {
        let seen: std::collections::BTreeSet<i64> = tickets::Entity::find()
            .filter(tickets::Column::Id.is_in(rows.iter().filter_map(|r| r.ticket_id)))
            .filter(tickets::Column::SystemId.is_in(systems))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect();
        rows.retain(|r| r.ticket_id.is_none_or(|t| seen.contains(&t)));
    }
    views(&ctx.db, rows).await
}

/// The spares that went out to ticket `number` and came back (what the ticket page shows).
pub async fn of_ticket(ctx: &Context, p: &Principal, number: &str) -> AppResult<Vec<MovementView>> {
    permissions::check(p, Action::SpareRead)?;
    let t = crate::app::tickets::read::load_in_scope(&ctx.db, p, number).await?.row;
    let rows = spare_movements::Entity::find()
        .filter(spare_movements::Column::TicketId.eq(t.id))
        .order_by_asc(spare_movements::Column::Id)
        .all(&ctx.db)
        .await?;
    views(&ctx.db, rows).await
}

/// The views of `rows`.
pub(crate) async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<spare_movements::Model>,
) -> AppResult<Vec<MovementView>> {
    let items: BTreeMap<i64, spare_items::Model> = spare_items::Entity::find()
        .filter(spare_items::Column::Id.is_in(rows.iter().map(|r| r.item_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let numbers: BTreeMap<i64, String> = tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(rows.iter().filter_map(|r| r.ticket_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.number))
        .collect();
    let names: BTreeMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().map(|r| r.by_user)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let item = items.get(&r.item_id);
            MovementView {
                id: r.id,
                item: item.map(|i| i.code.clone()).unwrap_or_default(),
                item_name: item.map(|i| i.name.clone()).unwrap_or_default(),
                unit: item.map(|i| i.unit.clone()).unwrap_or_default(),
                kind_label: kind_label(&r.kind).to_owned(),
                kind: r.kind,
                quantity: r.quantity,
                ticket: r.ticket_id.and_then(|t| numbers.get(&t).cloned()),
                replacement: r.replacement_id.map(|h| format!("HR-{h}")),
                note: r.note,
                by: names.get(&r.by_user).cloned(),
                at: r.at,
            }
        })
        .collect())
}

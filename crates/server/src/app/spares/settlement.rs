//! The settlement by actual use (据实结算, 004 L27677–27679, L27693–27695) and the inventory the
//! supervisor confirms (L28571–28575).
//!
//! The settlement of a period lists per line what was used in it (out − returned, by the day
//! each movement was recorded), its unit price and the amount, the cap and what remains of it
//! after the period. A line used without a price has no amount, and the total says how many
//! such lines it leaves out: the seed gives no prices, the vendor's bid does. The lines are the
//! contract's (one warehouse, one cap); the devices removed are listed for the reader's systems
//! only, as the ledger is.
//!
//! The inventory is the stock per line now; the supervisor confirms it, and the confirmation
//! keeps the lines as they were then, with who and when.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::reports::Period;
use crate::app::{AppError, AppResult, Context, text};
use crate::db::entities::{device_replacements, spare_inventories, users};

/// The zone a period's days are counted in.
const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Which settlement.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SettlementQuery {
    /// The contract (code).
    pub contract: String,
    /// A month (`2026-11`), a quarter (`2026-Q4`), a year (`2026`) or two days (`2026-11-01..2026-11-15`).
    pub period: String,
}

/// One line of a settlement.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SettlementLine {
    /// The spares line (code).
    pub code: String,
    /// The table's title.
    pub table: String,
    /// 序号.
    pub seq: i32,
    /// 名称.
    pub name: String,
    /// 单位.
    pub unit: String,
    /// Used in the period: out − returned.
    pub used: i64,
    /// Fen; `null` until the bid's price is entered.
    pub unit_price_fen: Option<i64>,
    /// `used × unit_price_fen`; `null` without a price.
    pub amount_fen: Option<i64>,
    /// 数量 of the contract's table.
    pub cap: i32,
    /// Used from the start to the period's end.
    pub used_to_date: i64,
    /// The cap less `used_to_date`.
    pub remaining: i64,
}

/// A settlement by actual use.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Settlement {
    /// The contract (code).
    pub contract: String,
    /// The period.
    pub period: Period,
    /// Every line of the contract's list, in table order.
    pub lines: Vec<SettlementLine>,
    /// The sum of the amounts known, in fen.
    pub total_fen: i64,
    /// Lines used in the period whose price is not entered: the total leaves them out.
    pub unpriced: Vec<String>,
    /// The devices the period's replacements removed (the ledger's rows) on the reader's
    /// systems, the settlement's basis with the movements (004 L27693–27695).
    pub removed: Vec<super::ledger::LedgerRow>,
}

/// The settlement of `q.contract` for `q.period`.
pub async fn settlement(ctx: &Context, p: &Principal, q: SettlementQuery) -> AppResult<Settlement> {
    permissions::check(p, Action::SpareRead)?;
    let contract = super::contract(&ctx.db, p, &q.contract).await?;
    let period = Period::parse(&q.period, ZONE).map_err(|e| AppError::invalid("period", e))?;
    let items = super::catalogue::items_of(&ctx.db, &contract.code).await?;
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let replaced: Vec<i64> = device_replacements::Entity::find()
        .filter(device_replacements::Column::ItemId.is_in(ids.clone()))
        .filter(device_replacements::Column::ReplacedAt.gte(period.from))
        .filter(device_replacements::Column::ReplacedAt.lt(period.to))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let removed = super::ledger::of_replacements(&ctx.db, p, replaced).await?;
    let within = super::movements::totals(&ctx.db, ids.clone(), Some(period.from), Some(period.to)).await?;
    let to_date = super::movements::totals(&ctx.db, ids, None, Some(period.to)).await?;
    let mut lines = Vec::with_capacity(items.len());
    let (mut total_fen, mut unpriced) = (0, Vec::new());
    for i in items {
        let used = within.get(&i.id).copied().unwrap_or_default().used();
        let used_to_date = to_date.get(&i.id).copied().unwrap_or_default().used();
        let amount_fen = i.unit_price_fen.map(|f| f * used);
        match amount_fen {
            Some(a) => total_fen += a,
            None if used != 0 => unpriced.push(i.code.clone()),
            None => {}
        }
        lines.push(SettlementLine {
            table: i.table_name,
            seq: i.seq,
            name: i.name,
            unit: i.unit,
            used,
            unit_price_fen: i.unit_price_fen,
            amount_fen,
            cap: i.cap,
            used_to_date,
            remaining: i64::from(i.cap) - used_to_date,
            code: i.code,
        });
    }
    Ok(Settlement {
        contract: contract.code,
        period,
        lines,
        total_fen,
        unpriced,
        removed,
    })
}

/// One line of an inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InventoryLine {
    /// The spares line (code).
    pub code: String,
    /// 名称.
    pub name: String,
    /// 单位.
    pub unit: String,
    /// In the warehouse.
    pub stock: i64,
    /// Used, ever.
    pub used: i64,
    /// 数量 of the contract's table.
    pub cap: i32,
}

/// A confirmation of an inventory.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Confirmation {
    /// Its id.
    pub id: i64,
    /// Who confirmed (user name).
    pub by: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// What they wrote.
    pub note: String,
    /// The lines as they were confirmed.
    pub lines: Vec<InventoryLine>,
}

/// A contract's inventory now, and every confirmation of it (newest first).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Inventory {
    /// The contract (code).
    pub contract: String,
    /// The stock now.
    pub lines: Vec<InventoryLine>,
    /// The supervisor's confirmations, newest first.
    pub confirmations: Vec<Confirmation>,
}

/// What confirming takes.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    /// The contract (code).
    pub contract: String,
    /// A note: where it was counted, what was found.
    #[serde(default)]
    pub note: Option<String>,
}

async fn lines_now(db: &impl sea_orm::ConnectionTrait, contract: &str) -> AppResult<Vec<InventoryLine>> {
    let items = super::catalogue::items_of(db, contract).await?;
    Ok(super::catalogue::views(db, items, None)
        .await?
        .into_iter()
        .map(|v| InventoryLine {
            code: v.code,
            name: v.name,
            unit: v.unit,
            stock: v.stock,
            used: v.used,
            cap: v.cap,
        })
        .collect())
}

/// Contract `code`'s inventory and its confirmations.
pub async fn inventory(ctx: &Context, p: &Principal, code: &str) -> AppResult<Inventory> {
    permissions::check(p, Action::SpareRead)?;
    let contract = super::contract(&ctx.db, p, code).await?;
    let rows = spare_inventories::Entity::find()
        .filter(spare_inventories::Column::ContractCode.eq(&contract.code))
        .order_by_desc(spare_inventories::Column::Id)
        .all(&ctx.db)
        .await?;
    let names: std::collections::BTreeMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().map(|r| r.confirmed_by)))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let confirmations = rows
        .into_iter()
        .map(|r| {
            Ok(Confirmation {
                id: r.id,
                by: names.get(&r.confirmed_by).cloned(),
                at: r.confirmed_at,
                note: r.note,
                lines: serde_json::from_value(r.lines).map_err(|e| AppError::Internal(e.into()))?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Inventory {
        lines: lines_now(&ctx.db, &contract.code).await?,
        contract: contract.code,
        confirmations,
    })
}

/// Confirms contract `body.contract`'s inventory as it is now (the supervisor's people).
pub async fn confirm(ctx: &Context, p: &Principal, from: &ClientAddr, body: ConfirmBody) -> AppResult<Inventory> {
    permissions::check(p, Action::SpareConfirm)?;
    let note = text::field("note", body.note.as_deref().unwrap_or(""), super::MAX_NOTE, false)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let contract = super::contract(&txn, p, &body.contract).await?;
    let lines = lines_now(&txn, &contract.code).await?;
    if lines.is_empty() {
        return Err(AppError::Conflict(format!(
            "{} has no spares list to confirm",
            contract.code
        )));
    }
    let row = spare_inventories::ActiveModel {
        contract_code: Set(contract.code.clone()),
        lines: Set(serde_json::to_value(&lines).map_err(|e| AppError::Internal(e.into()))?),
        note: Set(note.clone()),
        confirmed_by: Set(p.user_id),
        confirmed_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "spare.inventory.confirm",
        &contract.code,
        serde_json::json!({"inventory": row.id, "note": note, "stock": lines.iter().map(|l| (l.code.clone(), l.stock)).collect::<std::collections::BTreeMap<_, _>>()}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    inventory(ctx, p, &contract.code).await
}

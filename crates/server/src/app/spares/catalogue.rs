//! A contract's spares lines: loading its list (a CSV file; the shipped Shunyi tables when none
//! is given), reading them with their stock, and entering a unit price from the vendor's bid.
//!
//! The file has a header row and the columns `code`, `table`, `seq`, `name`, `spec`, `cap`,
//! `unit`, `year`, and optionally `line` (the seed line its row starts at) and `cap_line` (where
//! its 数量 is printed). Loading is by `code`: a new code adds a line, a known one is replaced
//! (its unit price and its movements stay); a line the file no longer names stays as it is.
//! The seed gives no prices: a unit price is blank until entered (`set_price`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context, text};
use crate::db::entities::spare_items;

/// What loading a list takes.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBody {
    /// The contract (code).
    pub contract: String,
    /// The list as CSV; absent, the list shipped for the contract (`config/spares/`).
    #[serde(default)]
    pub csv: Option<String>,
}

/// What entering a unit price takes.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceBody {
    /// The unit price in fen (分), from the vendor's bid; `null` clears it.
    pub unit_price_fen: Option<i64>,
}

/// One line of a spares list, with its stock.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SpareItemView {
    /// `SY26-PA-1`.
    pub code: String,
    /// The contract (code).
    pub contract: String,
    /// The table's title.
    pub table: String,
    /// 序号.
    pub seq: i32,
    /// 名称.
    pub name: String,
    /// The first requirement of 参数.
    pub spec: String,
    /// 单位.
    pub unit: String,
    /// 数量: the most the contract pays for.
    pub cap: i32,
    /// 备件使用年份.
    pub year: i32,
    /// The seed line the row starts at.
    pub seed_line: Option<i32>,
    /// Fen; `null` until the bid's price is entered.
    pub unit_price_fen: Option<i64>,
    /// Received into the warehouse, ever.
    pub received: i64,
    /// Used: out to tickets less returned.
    pub used: i64,
    /// In the warehouse now: received − out + returned.
    pub stock: i64,
    /// The cap less what was used (negative never: going out beyond the cap is refused).
    pub remaining: i64,
}

/// One row of the CSV file.
#[derive(Debug, Deserialize)]
struct Row {
    code: String,
    table: String,
    seq: i32,
    name: String,
    spec: String,
    cap: i32,
    unit: String,
    year: i32,
    #[serde(default)]
    line: Option<i32>,
    #[serde(default)]
    #[allow(dead_code)]
    cap_line: Option<i32>,
}

/// Reads a list; a bad row is a 422 naming it (row 1 is the first after the header).
fn parse(csv_text: &str) -> AppResult<Vec<Row>> {
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let mut rows = Vec::new();
    for (i, r) in rd.deserialize::<Row>().enumerate() {
        let r = r.map_err(|e| AppError::invalid("csv", format!("row {}: {e}", i + 1)))?;
        let bad = |what: &str| AppError::invalid("csv", format!("row {} ({}): {what}", i + 1, r.code));
        if r.code.is_empty() || r.name.is_empty() || r.unit.is_empty() {
            return Err(bad("code, name and unit are required"));
        }
        if r.cap < 0 {
            return Err(bad("the cap is negative"));
        }
        for (f, v) in [
            ("code", &r.code),
            ("table", &r.table),
            ("name", &r.name),
            ("spec", &r.spec),
            ("unit", &r.unit),
        ] {
            text::field(f, v, 2000, false)?;
        }
        if rows.iter().any(|o: &Row| o.code == r.code) {
            return Err(bad("the code is named twice"));
        }
        rows.push(r);
    }
    if rows.is_empty() {
        return Err(AppError::invalid("csv", "the list has no rows"));
    }
    Ok(rows)
}

/// Loads contract `body.contract`'s list (the bureau's managers); returns its lines.
pub async fn load(ctx: &Context, p: &Principal, from: &ClientAddr, body: LoadBody) -> AppResult<Vec<SpareItemView>> {
    permissions::check(p, Action::SpareCatalogue)?;
    let contract = super::contract(&ctx.db, p, &body.contract).await?;
    let file = match &body.csv {
        Some(t) => t.clone(),
        None => super::SHIPPED
            .iter()
            .find(|(c, _)| *c == contract.code)
            .map(|(_, t)| (*t).to_owned())
            .ok_or_else(|| {
                AppError::invalid(
                    "csv",
                    format!("no list is shipped for {}; give one as csv", contract.code),
                )
            })?,
    };
    let rows = parse(&file)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let known: BTreeMap<String, spare_items::Model> = spare_items::Entity::find()
        .filter(spare_items::Column::Code.is_in(rows.iter().map(|r| r.code.clone())))
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| (m.code.clone(), m))
        .collect();
    let (mut added, mut replaced) = (0, 0);
    for r in &rows {
        let mut am = match known.get(&r.code) {
            Some(m) if m.contract_code != contract.code => {
                return Err(AppError::Duplicate(format!(
                    "spares code {} belongs to contract {}",
                    r.code, m.contract_code
                )));
            }
            Some(m) => {
                replaced += 1;
                let am: spare_items::ActiveModel = m.clone().into();
                am
            }
            None => {
                added += 1;
                spare_items::ActiveModel {
                    code: Set(r.code.clone()),
                    contract_code: Set(contract.code.clone()),
                    unit_price_fen: Set(None),
                    created_at: Set(now),
                    ..Default::default()
                }
            }
        };
        am.table_name = Set(r.table.clone());
        am.seq = Set(r.seq);
        am.name = Set(r.name.clone());
        am.spec = Set(r.spec.clone());
        am.unit = Set(r.unit.clone());
        am.cap = Set(r.cap);
        am.year = Set(r.year);
        am.seed_line = Set(r.line);
        am.updated_at = Set(now);
        am.save(&txn).await?;
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "spare.catalogue",
        &contract.code,
        serde_json::json!({"added": added, "replaced": replaced, "shipped": body.csv.is_none()}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    list(ctx, p, &contract.code).await
}

/// Contract `code`'s lines with their stock, in table order.
pub async fn list(ctx: &Context, p: &Principal, code: &str) -> AppResult<Vec<SpareItemView>> {
    permissions::check(p, Action::SpareRead)?;
    let contract = super::contract(&ctx.db, p, code).await?;
    let rows = items_of(&ctx.db, &contract.code).await?;
    views(&ctx.db, rows, None).await
}

/// Contract `code`'s lines, in table order.
pub(crate) async fn items_of(db: &impl ConnectionTrait, code: &str) -> AppResult<Vec<spare_items::Model>> {
    Ok(spare_items::Entity::find()
        .filter(spare_items::Column::ContractCode.eq(code))
        .order_by_asc(spare_items::Column::TableName)
        .order_by_asc(spare_items::Column::Seq)
        .order_by_asc(spare_items::Column::Id)
        .all(db)
        .await?)
}

/// The views of `rows`, their stock counted from the movements before `until` (all, if `None`).
pub(crate) async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<spare_items::Model>,
    until: Option<DateTime<Utc>>,
) -> AppResult<Vec<SpareItemView>> {
    let totals = super::movements::totals(db, rows.iter().map(|r| r.id).collect(), None, until).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let t = totals.get(&r.id).copied().unwrap_or_default();
            SpareItemView {
                contract: r.contract_code,
                table: r.table_name,
                seq: r.seq,
                name: r.name,
                spec: r.spec,
                unit: r.unit,
                cap: r.cap,
                year: r.year,
                seed_line: r.seed_line,
                unit_price_fen: r.unit_price_fen,
                received: t.received,
                used: t.used(),
                stock: t.stock(),
                remaining: i64::from(r.cap) - t.used(),
                code: r.code,
            }
        })
        .collect())
}

/// Enters (or clears) line `code`'s unit price (the bureau's managers, from the vendor's bid).
pub async fn set_price(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    code: &str,
    body: PriceBody,
) -> AppResult<SpareItemView> {
    permissions::check(p, Action::SpareCatalogue)?;
    if body.unit_price_fen.is_some_and(|f| f < 0) {
        return Err(AppError::invalid("unit_price_fen", "unit_price_fen is negative"));
    }
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let row = item(&txn, p, code).await?;
    let before = row.unit_price_fen;
    let mut am: spare_items::ActiveModel = row.into();
    am.unit_price_fen = Set(body.unit_price_fen);
    am.updated_at = Set(now);
    let row = am.update(&txn).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "spare.price",
        &row.code,
        serde_json::json!({"before": before, "after": body.unit_price_fen}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(views(&ctx.db, vec![row], None).await?.remove(0))
}

/// Line `code` if `p` may read its contract's spares (otherwise as if there were none).
pub(crate) async fn item(db: &impl ConnectionTrait, p: &Principal, code: &str) -> AppResult<spare_items::Model> {
    let missing = || AppError::NotFound(format!("no spares line {code:?}"));
    let row = spare_items::Entity::find()
        .filter(spare_items::Column::Code.eq(code.trim()))
        .one(db)
        .await?
        .ok_or_else(missing)?;
    super::contract(db, p, &row.contract_code)
        .await
        .map_err(|_| missing())?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_shunyi_list_reads() {
        let rows = parse(crate::app::spares::SHUNYI).unwrap();
        assert_eq!(rows.len(), 13);
        assert_eq!(
            rows.iter().map(|r| i64::from(r.cap)).sum::<i64>(),
            46 + 46 + 110 + 70 + 5 + 5 + 350 + 24 + 30 + 3 + 27 + 30 + 6
        );
    }

    #[test]
    fn a_bad_row_is_named() {
        let e = parse("code,table,seq,name,spec,cap,unit,year\nA,t,1,n,s,x,台,2026\n").unwrap_err();
        assert!(e.to_string().contains("row 1"), "{e}");
    }
}

//! Spare parts (备品备件, issue 30 part B): a contract's capped list of spares, the warehouse
//! the vendor keeps, the settlement by actual use, the end-of-term inventory the supervisor
//! confirms, and the approval of a device's replacement.
//!
//! Seed 004 §14 (L27673–27701): "本项目所使用的各类易损件及备品备件总量不超过下表载明的数量。最终
//! 按照实际发生数量进行结算" — the tables cap each line; the vendor is paid for what it used.
//! "中标人应在顺义区内提供备品备件库房" (L27681) — the vendor keeps the warehouse, and records its
//! movements here. L28571–28575: "备品备件库存清单（经监理确认）" — the supervisor confirms the inventory.
//!
//! | module | what |
//! |---|---|
//! | [`catalogue`] | the lines: loading a contract's list (the shipped Shunyi tables), unit prices |
//! | [`movements`] | received, out to a ticket, returned; stock and use per line and per ticket |
//! | [`replacements`] | a device's replacement on a ticket: the buyer's and the supervisor's approvals, then the replacement |
//! | [`ledger`] | the ledger of removed devices: name, reason, location, age |
//! | [`warranty`] | OEM warranty repairs of a ticket's device: sent, returned, accepted |
//! | [`settlement`] | the settlement by actual use for a period, the inventory and its confirmation |
//!
//! The rules, each with an example, are in `docs/spares.md`.

pub mod catalogue;
pub mod ledger;
pub mod movements;
pub mod on_ticket;
pub mod recording;
pub mod replacements;
pub mod settlement;
pub mod warranty;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::app::auth::Principal;
use crate::app::{AppError, AppResult, scope};
use crate::db::entities::contracts;

/// The Shunyi contract's two spares tables (seed 004 L27702–28197), as shipped.
pub const SHUNYI: &str = include_str!("../../../../../config/spares/shunyi-2026.csv");

/// The shipped lists, by contract code: what loading a contract's list without a file loads.
pub const SHIPPED: &[(&str, &str)] = &[("shunyi-2026", SHUNYI)];

/// The longest note, in characters.
pub(crate) const MAX_NOTE: usize = 2000;

/// Contract `code` if `p` may read its spares: the buyer's and the supervisor's people read every
/// contract's, a vendor's only its own (as if the others did not exist).
pub(crate) async fn contract(db: &impl ConnectionTrait, p: &Principal, code: &str) -> AppResult<contracts::Model> {
    let missing = || AppError::NotFound(format!("no contract {code:?}"));
    let c = contracts::Entity::find()
        .filter(contracts::Column::Code.eq(code.trim()))
        .one(db)
        .await?
        .ok_or_else(missing)?;
    match scope::own_vendor(p) {
        Some(v) if v != c.vendor_id => Err(missing()),
        _ => Ok(c),
    }
}

/// Whether `p` keeps contract `c`'s warehouse: its vendor's people (an administrator too).
pub(crate) fn keeps(p: &Principal, c: &contracts::Model) -> bool {
    p.role == crate::app::auth::Role::Admin || scope::own_vendor(p) == Some(c.vendor_id)
}

/// Which contract's spares.
#[derive(Debug, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ContractQuery {
    /// The contract (code).
    pub contract: String,
}

/// The contracts with a spares list that `p` may read: (code, name), by code.
pub async fn contracts(ctx: &crate::app::Context, p: &Principal) -> AppResult<Vec<(String, String)>> {
    crate::app::permissions::check(p, crate::app::permissions::Action::SpareRead)?;
    let codes: std::collections::BTreeSet<String> = crate::db::entities::spare_items::Entity::find()
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|i| i.contract_code)
        .collect();
    let own = scope::own_vendor(p);
    Ok(contracts::Entity::find()
        .filter(contracts::Column::Code.is_in(codes))
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|c| own.is_none_or(|v| v == c.vendor_id))
        .map(|c| (c.code, c.name))
        .collect())
}

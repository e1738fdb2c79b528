//! The contracts whose deduction rules the report applies, as managers read them and admins set
//! them, whichever door they come through (the rules and their storage are in [`super::deductions`]).

use contract_terms::Contract;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::{AppResult, Context, same_code};

/// Every contract with its deduction rules (managers and admins).
pub async fn list(ctx: &Context, p: &Principal) -> AppResult<Vec<Contract>> {
    p.require_manager()?;
    Ok(super::deductions::list(&ctx.db)
        .await?
        .into_iter()
        .map(|s| s.contract)
        .collect())
}

/// Creates or replaces contract `code` with `c` (admins), auditing it if it changed.
pub async fn put(ctx: &Context, p: &Principal, from: &ClientAddr, code: &str, c: Contract) -> AppResult<Contract> {
    p.require_admin()?;
    same_code(code, &c.code)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    if super::deductions::set(&txn, c.clone(), now).await? {
        audit::record(
            &txn,
            Some(p.user_id),
            "contract.set",
            &c.code,
            serde_json::json!(c),
            from,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(c)
}

//! The contracts whose deduction rules the report applies, as their readers read them and the
//! buyer sets them, whichever door they come through (the rules and their storage are in
//! [`super::deductions`]).
//!
//! Contracts are the buyer's (seed 004: the bureau signs them; the units assess the service and
//! decide the deductions; the supervisor oversees). The buyer's managers and the supervisor read
//! every contract; a vendor's managers read only their own vendor's, and another vendor's answers
//! as if it did not exist. Only the bureau's managers (and admins) set them.

use contract_terms::Contract;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Party, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context, same_code};

/// Whether `p` reads the contracts of vendor `vendor_id`: everyone the table lets read contracts,
/// except that a vendor's people read only their own vendor's.
fn reads(p: &Principal, vendor_id: i64) -> bool {
    match (p.role, p.party) {
        (Role::Admin, _) => true,
        (_, Some(Party::Vendor(own))) => own == vendor_id,
        _ => true,
    }
}

/// Every contract `p` may read, with its deduction rules.
pub async fn list(ctx: &Context, p: &Principal) -> AppResult<Vec<Contract>> {
    permissions::check(p, Action::ContractRead)?;
    Ok(super::deductions::list(&ctx.db)
        .await?
        .into_iter()
        .filter(|s| reads(p, s.vendor_id))
        .map(|s| s.contract)
        .collect())
}

/// Contract `code`, if `p` may read it; another vendor's is not found, like one that does not
/// exist.
pub async fn get(ctx: &Context, p: &Principal, code: &str) -> AppResult<Contract> {
    permissions::check(p, Action::ContractRead)?;
    super::deductions::list(&ctx.db)
        .await?
        .into_iter()
        .find(|s| s.contract.code == code && reads(p, s.vendor_id))
        .map(|s| s.contract)
        .ok_or_else(|| AppError::NotFound(format!("no contract {code:?}")))
}

/// Creates or replaces contract `code` with `c` (the bureau's managers and admins), auditing it
/// if it changed.
pub async fn put(ctx: &Context, p: &Principal, from: &ClientAddr, code: &str, c: Contract) -> AppResult<Contract> {
    permissions::check(p, Action::ContractWrite)?;
    same_code(code, &c.code)?;
    let calendars = ctx.calendars.snapshot();
    for (i, d) in c.reports.iter().enumerate() {
        if !calendars.contains_key(&d.calendar) {
            return Err(AppError::invalid(
                format!("reports[{i}].calendar"),
                format!(
                    "no calendar {:?}; the calendars are: {}",
                    d.calendar,
                    calendars.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
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

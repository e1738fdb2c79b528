//! Scope: who may see which systems, and so which tickets, duties and reports.
//!
//! A user belongs to a party ([`crate::app::auth::Party`]), and sees by it ([`Scope`]): a unit's
//! people see that unit's systems; a vendor's people see the systems the vendor is responsible
//! for; the bureau, the supervisor and admins see all; an account of no party nothing. Anything out of scope answers as if it did not exist. Every door and
//! every use case asks here; none decides it for itself.
//!
//! ```text
//! Scope::All        every system (admins, the bureau, the supervisor)
//! Scope::Unit(7)    systems.unit_id = 7
//! Scope::Vendor(3)  systems linked to vendor 3 in system_vendors
//! Scope::Nothing    none
//! ```

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use crate::app::auth::{Party, Principal, Role, Scope};
use crate::app::{AppError, AppResult};
use crate::db::entities::{system_vendors, systems, users, vendors};

/// The ids of the systems `p` may see; `None` means all of them.
///
/// A scope that covers every system (a single O&M vendor for the whole district) answers `None`
/// too, so that lists filter nothing and walk the newest tickets in id order, O(page), instead of
/// gathering every ticket of a long list of systems to sort them.
pub async fn visible_system_ids(db: &impl ConnectionTrait, p: &Principal) -> Result<Option<Vec<i64>>, DbErr> {
    // Kept by the configuration cache ([`crate::app::cache`]) when the caller reads through it.
    crate::app::cache::cached("scope.systems", format!("{:?}", p.scope), || visible_read(db, p)).await
}

async fn visible_read(db: &impl ConnectionTrait, p: &Principal) -> Result<Option<Vec<i64>>, DbErr> {
    let ids = match p.scope {
        Scope::All => return Ok(None),
        Scope::Nothing => return Ok(Some(vec![])),
        Scope::Unit(u) => Some(
            systems::Entity::find()
                .select_only()
                .column(systems::Column::Id)
                .filter(systems::Column::UnitId.eq(u))
                .into_tuple::<i64>()
                .all(db)
                .await?,
        ),
        Scope::Vendor(v) => Some(
            system_vendors::Entity::find()
                .select_only()
                .column(system_vendors::Column::SystemId)
                .filter(system_vendors::Column::VendorId.eq(v))
                .into_tuple::<i64>()
                .all(db)
                .await?,
        ),
    };
    Ok(match ids {
        Some(ids) if !ids.is_empty() && ids.len() as u64 == systems::Entity::find().count(db).await? => None,
        other => other,
    })
}

/// The system with `code` if the caller may see it; else an invalid `system` that does not say
/// whether it exists.
pub async fn system_in_scope(db: &impl ConnectionTrait, p: &Principal, code: &str) -> AppResult<systems::Model> {
    // A code that names no system is not kept (made-up codes cannot fill the cache).
    let s = crate::app::cache::cached_if("system.code", code, Option::is_some, || {
        systems::Entity::find().filter(systems::Column::Code.eq(code)).one(db)
    })
    .await?;
    let sees = |unit_id: i64, id: i64| async move {
        match p.scope {
            // The row is read already: no second look for the unit.
            Scope::Unit(u) => Ok::<_, DbErr>(unit_id == u),
            _ => can_see_system(db, p, id).await,
        }
    };
    match s {
        Some(s) if sees(s.unit_id, s.id).await? => Ok(s),
        _ => Err(AppError::invalid(
            "system",
            format!("no system with code {code:?} (or not yours)"),
        )),
    }
}

/// Whether `p` sees a system of unit `unit_id` that `vendors` serve: what [`can_see_system`]
/// looks up, for a caller that has read them already (the escalation and notice sweeps, a page
/// at a time: [`crate::app::tickets::read::may_act`]).
pub fn sees_system(p: &Principal, unit_id: i64, vendors: &[i64]) -> bool {
    match p.scope {
        Scope::All => true,
        Scope::Nothing => false,
        Scope::Unit(u) => u == unit_id,
        Scope::Vendor(v) => vendors.contains(&v),
    }
}

/// Whether `p` may see system `id`: one indexed lookup, not the list of every visible system.
pub async fn can_see_system(db: &impl ConnectionTrait, p: &Principal, id: i64) -> Result<bool, DbErr> {
    Ok(match p.scope {
        Scope::All => true,
        Scope::Nothing => false,
        Scope::Unit(u) => {
            systems::Entity::find_by_id(id)
                .filter(systems::Column::UnitId.eq(u))
                .count(db)
                .await?
                > 0
        }
        Scope::Vendor(v) => vendors_of_system(db, id).await?.contains(&v),
    })
}

/// System `id`: inside a reading of the configuration cache ([`crate::app::cache`]) from every
/// system kept at once (one statement per epoch, whichever systems are asked for), else read.
pub async fn system_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<systems::Model>, DbErr> {
    if !crate::app::cache::in_reading() {
        return systems::Entity::find_by_id(id).one(db).await;
    }
    let all = crate::app::cache::cached("systems.all", "", || async {
        let rows = systems::Entity::find().all(db).await?;
        Ok::<_, DbErr>(std::sync::Arc::new(
            rows.into_iter()
                .map(|s| (s.id, s))
                .collect::<std::collections::HashMap<_, _>>(),
        ))
    })
    .await?;
    match all.get(&id) {
        Some(s) => Ok(Some(s.clone())),
        // Created after the epoch was read (PostgreSQL reads each statement afresh): read it.
        None => systems::Entity::find_by_id(id).one(db).await,
    }
}

/// The vendors serving system `id`, by id (read through the configuration cache,
/// [`crate::app::cache`]).
pub async fn vendors_of_system(db: &impl ConnectionTrait, id: i64) -> Result<Vec<i64>, DbErr> {
    crate::app::cache::cached("system.vendors", id, || async move {
        let mut ids: Vec<i64> = system_vendors::Entity::find()
            .select_only()
            .column(system_vendors::Column::VendorId)
            .filter(system_vendors::Column::SystemId.eq(id))
            .into_tuple::<i64>()
            .all(db)
            .await?;
        ids.sort_unstable();
        Ok(ids)
    })
    .await
}

/// Whether user `user_id` may see system `system_id`, by the user's own party: what assigning a
/// ticket, or naming the assignee of a scheduled duty, asks of the person assigned (a disabled
/// or unknown user sees nothing).
pub async fn may_see_system(db: &impl ConnectionTrait, user_id: i64, system_id: i64) -> AppResult<bool> {
    let Some(user) = users::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(false);
    };
    if user.disabled {
        return Ok(false);
    }
    let p = Principal::of(&user)?;
    Ok(can_see_system(db, &p, system_id).await?)
}

/// The vendors whose people `p` may assign a ticket of system `system_id` to: the system's
/// vendors, and for a vendor's own people only their own vendor (they see only their colleagues).
pub async fn assignable_vendor_ids(
    db: &impl ConnectionTrait,
    p: &Principal,
    system_id: i64,
) -> Result<Vec<i64>, DbErr> {
    let vendor_ids = system_vendors::Entity::find()
        .filter(system_vendors::Column::SystemId.eq(system_id))
        .all(db)
        .await?
        .into_iter()
        .map(|sv| sv.vendor_id);
    Ok(match p.scope {
        Scope::Vendor(own) => vendor_ids.filter(|id| *id == own).collect(),
        _ => vendor_ids.collect(),
    })
}

/// `p`'s vendor, for a vendor's people (not admins): they see their own vendor's rosters,
/// staffing gaps and people, not a competitor's (who is on duty when, and how thinly).
pub fn own_vendor(p: &Principal) -> Option<i64> {
    match (p.role, p.party) {
        (Role::Admin, _) => None,
        (_, Some(Party::Vendor(id))) => Some(id),
        _ => None,
    }
}

/// The code of [`own_vendor`].
pub async fn own_vendor_code(db: &impl ConnectionTrait, p: &Principal) -> Result<Option<String>, DbErr> {
    let Some(id) = own_vendor(p) else {
        return Ok(None);
    };
    Ok(Some(
        vendors::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|v| v.code)
            .unwrap_or_default(),
    ))
}

//! The ledger of removed devices (拆除设备台账, 004 L27693–27695): "记录设备名称、拆除原因、位置、
//! 使用年限等信息形成台账，与备品备件维修记录同时作为后续结算的依据".
//!
//! A row is written when a replacement is recorded, copying what the ledger prints: 设备名称
//! (the device's kind and model), 拆除原因 (the request's reason), 位置 (its location), and the
//! days it was installed and removed, from which 使用年限 is read (whole years and months; the
//! days when the installation day is not known are left blank, not guessed).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context, scope};
use crate::db::entities::{device_replacements, devices, removed_devices, systems, tickets};

/// The zone whose day a removal is dated in.
pub const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// 设备名称: the kind, then the model if any (`摄像机 DS-2CD7A47`).
pub fn name_of(d: &devices::Model) -> String {
    match d.model.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => format!("{} {m}", d.kind),
        None => d.kind.clone(),
    }
}

/// 使用年限 from `installed` to `removed`: whole years and months, as (years, months).
///
/// ```
/// # use chrono::NaiveDate;
/// # use opsclock::app::spares::ledger::age;
/// let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
/// assert_eq!(age(d("2021-03-15"), d("2026-11-10")), (5, 7));
/// assert_eq!(age(d("2021-03-15"), d("2026-03-14")), (4, 11));
/// ```
pub fn age(installed: NaiveDate, removed: NaiveDate) -> (i32, i32) {
    let mut months = (removed.year() - installed.year()) * 12 + removed.month() as i32 - installed.month() as i32;
    if removed.day() < installed.day() {
        months -= 1;
    }
    let months = months.max(0);
    (months / 12, months % 12)
}

/// One row of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LedgerRow {
    /// The device (code).
    pub code: String,
    /// 设备名称: kind and model.
    pub name: String,
    /// 拆除原因.
    pub reason: String,
    /// 位置.
    pub location: String,
    /// The system (code).
    pub system: String,
    /// Installed on.
    pub installed_on: Option<NaiveDate>,
    /// Removed on.
    pub removed_on: NaiveDate,
    /// 使用年限, whole years (blank without the installation day).
    pub age_years: Option<i32>,
    /// And months.
    pub age_months: Option<i32>,
    /// 使用年限 as the ledger prints it: `5 年 7 个月`.
    pub age: String,
    /// The ticket (number).
    pub ticket: Option<String>,
    /// The replacement (`HR-3`).
    pub replacement: Option<String>,
    /// The spares line put in (code).
    pub item: Option<String>,
}

/// Filters of the ledger.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    /// One system (code).
    pub system: Option<String>,
}

/// Writes the ledger row of `device`, removed on `removed_on`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn write(
    db: &impl ConnectionTrait,
    device: &devices::Model,
    replacement: Option<&device_replacements::Model>,
    ticket_id: Option<i64>,
    reason: &str,
    removed_on: NaiveDate,
    by: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    removed_devices::ActiveModel {
        device_id: Set(device.id),
        replacement_id: Set(replacement.map(|r| r.id)),
        system_id: Set(device.system_id),
        ticket_id: Set(ticket_id),
        code: Set(device.code.clone()),
        name: Set(name_of(device)),
        reason: Set(reason.to_owned()),
        location: Set(device.location.clone().unwrap_or_default()),
        installed_on: Set(device.installed_on),
        removed_on: Set(removed_on),
        recorded_by: Set(by),
        recorded_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| match e.sql_err() {
        // A device is removed once (a unique index): a concurrent second removal is refused.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict(format!("{} is in the ledger of removed devices already", device.code))
        }
        _ => e.into(),
    })?;
    Ok(())
}

/// The ledger of the systems `p` sees (of one), newest removal first.
pub async fn list(ctx: &Context, p: &Principal, q: LedgerQuery) -> AppResult<Vec<LedgerRow>> {
    permissions::check(p, Action::SpareRead)?;
    let mut find = removed_devices::Entity::find();
    if let Some(ids) = scope::visible_system_ids(&ctx.db, p).await? {
        find = find.filter(removed_devices::Column::SystemId.is_in(ids));
    }
    if let Some(code) = q.system.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let s = scope::system_in_scope(&ctx.db, p, code).await?;
        find = find.filter(removed_devices::Column::SystemId.eq(s.id));
    }
    let rows = find
        .order_by_desc(removed_devices::Column::RemovedOn)
        .order_by_desc(removed_devices::Column::Id)
        .all(&ctx.db)
        .await?;
    rows_of(&ctx.db, rows).await
}

/// The ledger rows of the replacements among `ids`, of the systems `p` sees.
pub(crate) async fn of_replacements(
    db: &impl ConnectionTrait,
    p: &Principal,
    ids: Vec<i64>,
) -> AppResult<Vec<LedgerRow>> {
    let mut find = removed_devices::Entity::find().filter(removed_devices::Column::ReplacementId.is_in(ids));
    if let Some(systems) = scope::visible_system_ids(db, p).await? {
        find = find.filter(removed_devices::Column::SystemId.is_in(systems));
    }
    let rows = find.order_by_asc(removed_devices::Column::Id).all(db).await?;
    rows_of(db, rows).await
}

async fn rows_of(db: &impl ConnectionTrait, rows: Vec<removed_devices::Model>) -> AppResult<Vec<LedgerRow>> {
    let systems: std::collections::BTreeMap<i64, String> = systems::Entity::find()
        .filter(systems::Column::Id.is_in(rows.iter().map(|r| r.system_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let numbers: std::collections::BTreeMap<i64, String> = tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(rows.iter().filter_map(|r| r.ticket_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.number))
        .collect();
    let replacements: std::collections::BTreeMap<i64, i64> = device_replacements::Entity::find()
        .filter(device_replacements::Column::Id.is_in(rows.iter().filter_map(|r| r.replacement_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.item_id))
        .collect();
    let items: std::collections::BTreeMap<i64, String> = crate::db::entities::spare_items::Entity::find()
        .filter(crate::db::entities::spare_items::Column::Id.is_in(replacements.values().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i.code))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let a = r.installed_on.map(|i| age(i, r.removed_on));
            LedgerRow {
                system: systems.get(&r.system_id).cloned().unwrap_or_default(),
                installed_on: r.installed_on,
                removed_on: r.removed_on,
                age_years: a.map(|a| a.0),
                age_months: a.map(|a| a.1),
                age: a.map(|(y, m)| format!("{y} 年 {m} 个月")).unwrap_or_default(),
                ticket: r.ticket_id.and_then(|t| numbers.get(&t).cloned()),
                replacement: r.replacement_id.map(|h| format!("HR-{h}")),
                item: r
                    .replacement_id
                    .and_then(|h| replacements.get(&h))
                    .and_then(|i| items.get(i).cloned()),
                code: r.code,
                name: r.name,
                reason: r.reason,
                location: r.location,
            }
        })
        .collect())
}

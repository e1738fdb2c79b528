//! Devices (一机一档, issue 30 part A): each system's device inventory, the tickets that name
//! devices, and device availability. Seed 004 asks "为每个设备编制唯一的编码贴到设备上" (L15042–15044)
//! and "一机一档备案率：确保 100% 备案" (e.g. L23410), and assesses "系统主要设备考核指标，按照运行
//! 期间设备正常运行时间比例进行计算" (L27655). See `docs/devices.md`.
//!
//! | who | may |
//! |---|---|
//! | everyone who sees the system | read its devices, their tickets and availability |
//! | the buyer's managers (a unit's for its own systems), the vendor's managers (for the systems it serves), admins | create, change, import devices: the vendor's the descriptive fields only, a removal by a recorded replacement or an admin ([`guard`]) |
//! | whoever may open tickets on the system | name a ticket's devices (the vendor's people until the ticket is resolved) |
//!
//! Every write is audited: `device.create`, `device.update`, `device.import`, `ticket.devices`.

pub mod availability;
pub mod export;
pub mod guard;
pub mod import;
pub mod kpis;
pub mod record;
pub mod tickets;
pub mod uptime;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context};
use crate::db::Key;
use crate::db::entities::{devices, removed_devices, systems};
pub use record::Record;

/// A device as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeviceView {
    /// The 一机一档 code.
    pub code: String,
    /// The system's code.
    pub system: String,
    /// Its type (摄像机, 交换机…).
    #[serde(rename = "type")]
    pub kind: String,
    /// Model.
    pub model: Option<String>,
    /// Serial number.
    pub serial: Option<String>,
    /// Where it is.
    pub location: Option<String>,
    /// Latitude (WGS-84 degrees).
    pub latitude: Option<f64>,
    /// Longitude (WGS-84 degrees).
    pub longitude: Option<f64>,
    /// A main device (主要设备).
    pub main: bool,
    /// The day it entered service.
    pub installed_on: Option<NaiveDate>,
    /// The day it left service.
    pub removed_on: Option<NaiveDate>,
    /// Warranty provider or OEM.
    pub warranty_by: Option<String>,
    /// Last day of the warranty.
    pub warranty_until: Option<NaiveDate>,
    /// `in_service`, `faulty` or `removed`.
    pub status: String,
    /// Custom attributes.
    pub attributes: BTreeMap<String, String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A device to create, or the fields of a change (a change leaves out what it keeps). Text as
/// in a file's cells: dates `2026-03-01`, `main` true or false, `status` a key.
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceFields {
    /// The 一机一档 code (required to create; cannot be changed).
    pub code: Option<String>,
    /// Its type (required to create).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Model ("" clears it).
    pub model: Option<String>,
    /// Serial number.
    pub serial: Option<String>,
    /// Where it is.
    pub location: Option<String>,
    /// Latitude, a number of degrees ("" clears it).
    pub latitude: Option<Cell>,
    /// Longitude, a number of degrees ("" clears it).
    pub longitude: Option<Cell>,
    /// A main device.
    pub main: Option<bool>,
    /// `2025-06-01` ("" clears it).
    pub installed_on: Option<String>,
    /// `2026-03-31` ("" clears it).
    pub removed_on: Option<String>,
    /// Warranty provider or OEM.
    pub warranty_by: Option<String>,
    /// `2028-05-31` ("" clears it).
    pub warranty_until: Option<String>,
    /// `in_service`, `faulty` or `removed`.
    pub status: Option<String>,
    /// Custom attributes (replace all of them when given).
    pub attributes: Option<BTreeMap<String, String>>,
}

/// A coordinate as JSON gives it: a number, or text (`""` clears it).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Cell {
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Number(n) => n.to_string(),
            Cell::Text(t) => t.clone(),
        }
    }
}

/// Filters of a system's device list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeviceQuery {
    /// Only main devices (`true`) or only the others (`false`).
    pub main: Option<bool>,
    /// Only this status.
    pub status: Option<String>,
}

/// The record of a stored device.
pub(crate) fn record_of(d: &devices::Model) -> Record {
    Record {
        code: d.code.clone(),
        kind: d.kind.clone(),
        model: d.model.clone(),
        serial: d.serial.clone(),
        location: d.location.clone(),
        latitude: d.latitude,
        longitude: d.longitude,
        main: d.main,
        installed_on: d.installed_on,
        removed_on: d.removed_on,
        warranty_by: d.warranty_by.clone(),
        warranty_until: d.warranty_until,
        status: *d.status,
        attributes: attributes_of(&d.attributes),
    }
}

/// The attributes column as a map (anything else in it is ignored).
pub(crate) fn attributes_of(v: &serde_json::Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The JSON the attributes column keeps.
pub(crate) fn attributes_json(a: &BTreeMap<String, String>) -> serde_json::Value {
    serde_json::Value::Object(a.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect())
}

fn view_of(d: devices::Model, system: &str) -> DeviceView {
    let r = record_of(&d);
    DeviceView {
        code: r.code,
        system: system.to_owned(),
        kind: r.kind,
        model: r.model,
        serial: r.serial,
        location: r.location,
        latitude: r.latitude,
        longitude: r.longitude,
        main: r.main,
        installed_on: r.installed_on,
        removed_on: r.removed_on,
        warranty_by: r.warranty_by,
        warranty_until: r.warranty_until,
        status: r.status.key().to_owned(),
        attributes: r.attributes,
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}

/// `fields` laid over `base` (none: a new device), checked as a file's row would be.
fn merged(base: Option<&Record>, f: &DeviceFields) -> AppResult<Record> {
    let cells = base.map(Record::cells).unwrap_or_default();
    let mut map: BTreeMap<&str, String> = record::COLUMNS
        .iter()
        .zip(cells)
        .map(|((_, key), cell)| (*key, cell))
        .collect();
    let mut set = |key: &'static str, v: Option<String>| {
        if let Some(v) = v {
            map.insert(key, v);
        }
    };
    set("code", f.code.clone());
    set("type", f.kind.clone());
    set("model", f.model.clone());
    set("serial", f.serial.clone());
    set("location", f.location.clone());
    set("latitude", f.latitude.as_ref().map(Cell::text));
    set("longitude", f.longitude.as_ref().map(Cell::text));
    set("main", f.main.map(|m| record::flag_text(m).to_owned()));
    set("installed_on", f.installed_on.clone());
    set("removed_on", f.removed_on.clone());
    set("warranty_by", f.warranty_by.clone());
    set("warranty_until", f.warranty_until.clone());
    set("status", f.status.clone());
    let attributes = match &f.attributes {
        Some(a) => a.clone(),
        None => base.map(|b| b.attributes.clone()).unwrap_or_default(),
    };
    Record::from_fields(
        |k| map.get(k).cloned().unwrap_or_default(),
        attributes.into_iter().collect(),
    )
    .map_err(|errors| {
        let (field, detail) = errors.into_iter().next().unwrap_or(("device", "is not valid".into()));
        AppError::invalid(field, detail)
    })
}

/// The active model of a record on `system_id` (the id and created_at left to the caller).
pub(crate) fn active(r: &Record, system_id: i64, now: DateTime<Utc>) -> devices::ActiveModel {
    devices::ActiveModel {
        code: Set(r.code.clone()),
        system_id: Set(system_id),
        kind: Set(r.kind.clone()),
        model: Set(r.model.clone()),
        serial: Set(r.serial.clone()),
        location: Set(r.location.clone()),
        latitude: Set(r.latitude),
        longitude: Set(r.longitude),
        main: Set(r.main),
        installed_on: Set(r.installed_on),
        removed_on: Set(r.removed_on),
        warranty_by: Set(r.warranty_by.clone()),
        warranty_until: Set(r.warranty_until),
        status: Set(Key(r.status)),
        attributes: Set(attributes_json(&r.attributes)),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// What an audit record says of a device.
pub(crate) fn audit_json(r: &Record) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for ((_, key), cell) in record::COLUMNS.iter().zip(r.cells()) {
        m.insert((*key).to_owned(), cell.into());
    }
    m.insert("attributes".into(), attributes_json(&r.attributes));
    serde_json::Value::Object(m)
}

/// Refuses (403, naming the field) what `p` may not change of `before` to make `after`
/// ([`guard`]).
fn guarded(p: &Principal, before: Option<&Record>, after: &Record, replaced: bool) -> AppResult<()> {
    match guard::refusals(guard::Keeper::of(p), before, after, replaced)
        .into_iter()
        .next()
    {
        Some((field, why)) => Err(AppError::Forbidden(format!("{field}: {why}"))),
        None => Ok(()),
    }
}

/// Which of devices `ids` a recorded replacement removed (the ledger has them).
pub(crate) async fn replaced(db: &impl ConnectionTrait, ids: &[i64]) -> AppResult<std::collections::BTreeSet<i64>> {
    let mut out = std::collections::BTreeSet::new();
    for chunk in ids.chunks(5000) {
        for r in removed_devices::Entity::find()
            .filter(removed_devices::Column::DeviceId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            out.insert(r.device_id);
        }
    }
    Ok(out)
}

/// The devices of system `code`, by code.
pub async fn list(ctx: &Context, p: &Principal, code: &str, q: DeviceQuery) -> AppResult<Vec<DeviceView>> {
    permissions::check(p, Action::DeviceRead)?;
    let system = crate::app::scope::system_in_scope(&ctx.db, p, code).await?;
    let mut find = devices::Entity::find().filter(devices::Column::SystemId.eq(system.id));
    if let Some(m) = q.main {
        find = find.filter(devices::Column::Main.eq(m));
    }
    if let Some(s) = &q.status {
        let s = record::status(s).map_err(|e| AppError::invalid("status", e))?;
        find = find.filter(devices::Column::Status.eq(Key(s)));
    }
    let rows = find.order_by_asc(devices::Column::Code).all(&ctx.db).await?;
    Ok(rows.into_iter().map(|d| view_of(d, &system.code)).collect())
}

/// The device `code` and its system, if `p` sees the system; else not found.
pub(crate) async fn load(
    db: &impl ConnectionTrait,
    p: &Principal,
    code: &str,
) -> AppResult<(devices::Model, systems::Model)> {
    let not_found = || AppError::NotFound(format!("no device {code:?}"));
    let d = devices::Entity::find()
        .filter(devices::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if !crate::app::scope::can_see_system(db, p, d.system_id).await? {
        return Err(not_found());
    }
    let s = systems::Entity::find_by_id(d.system_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    Ok((d, s))
}

/// One device.
pub async fn get(ctx: &Context, p: &Principal, code: &str) -> AppResult<DeviceView> {
    permissions::check(p, Action::DeviceRead)?;
    let (d, s) = load(&ctx.db, p, code).await?;
    Ok(view_of(d, &s.code))
}

/// Creates a device on system `system` (`device.create`).
pub async fn create(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    system: &str,
    fields: DeviceFields,
) -> AppResult<DeviceView> {
    permissions::check(p, Action::DeviceWrite)?;
    let r = merged(None, &fields)?;
    let txn = ctx.begin_write().await?;
    let s = crate::app::scope::system_in_scope(&txn, p, system).await?;
    if devices::Entity::find()
        .filter(devices::Column::Code.eq(&r.code))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::Duplicate(format!("a device with code {:?} exists", r.code)));
    }
    guarded(p, None, &r, false)?;
    let now = ctx.now();
    let mut a = active(&r, s.id, now);
    a.created_at = Set(now);
    // Two creations of one code at once: the second meets the unique index, a 409 as above.
    let d = a.insert(&txn).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Duplicate(format!("a device with code {:?} exists", r.code))
        }
        _ => e.into(),
    })?;
    audit::record(
        &txn,
        Some(p.user_id),
        "device.create",
        &format!("device:{}", r.code),
        serde_json::json!({"system": s.code, "device": audit_json(&r)}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view_of(d, &s.code))
}

/// Changes a device (`device.update`, with the fields before and after); its code and system
/// stay.
pub async fn update(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    code: &str,
    fields: DeviceFields,
) -> AppResult<DeviceView> {
    permissions::check(p, Action::DeviceWrite)?;
    if fields.code.as_deref().is_some_and(|c| c.trim() != code) {
        return Err(AppError::invalid("code", "a device's code cannot be changed"));
    }
    let txn = ctx.begin_write().await?;
    // Claim the device, then read it: a replacement recorded meanwhile (which claims it too) is
    // seen, not written over with the fields it had before.
    crate::db::claim::<devices::Entity>(&txn, devices::Column::Status, devices::Column::Code.eq(code)).await?;
    let (d, s) = load(&txn, p, code).await?;
    let before = record_of(&d);
    let after = merged(Some(&before), &fields)?;
    if after == before {
        return Ok(view_of(d, &s.code));
    }
    let back = before.status == devices::Status::Removed && after.status != devices::Status::Removed;
    guarded(
        p,
        Some(&before),
        &after,
        back && replaced(&txn, &[d.id]).await?.contains(&d.id),
    )?;
    let now = ctx.now();
    let mut a = active(&after, s.id, now);
    a.id = Set(d.id);
    let d = a.update(&txn).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "device.update",
        &format!("device:{code}"),
        serde_json::json!({"before": audit_json(&before), "after": audit_json(&after)}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view_of(d, &s.code))
}

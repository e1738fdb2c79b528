//! OEM warranty repairs (原厂质保维修): seed 004 L28453–28455, "对于在原厂质保期内的硬件设备，负责
//! 协调并监督原厂提供维修与备件更换服务" — the vendor sends a device of a ticket to its manufacturer,
//! records it back, and accepts the manufacturer's repair. Each step is the vendor's people's
//! (who work the ticket), audited, in order: `sent` → `returned` → `accepted`.
//!
//! Tracking changes no clock: while the manufacturer holds the device the vendor pauses the
//! ticket with `third_party` (等待第三方) if the contract's reading allows it (docs/contracts.md).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context, scope, text};
use crate::db::entities::{devices, ticket_devices, tickets, users, warranty_repairs};

/// The steps, with their Chinese labels.
pub const STATES: [(&str, &str); 3] = [("sent", "已送原厂"), ("returned", "原厂已返回"), ("accepted", "已验收")];

/// A device sent to its manufacturer.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWarrantyRepair {
    /// The device (code), one the ticket names (required).
    #[serde(default)]
    pub device: String,
    /// Who repairs it; absent, the device's warranty provider.
    #[serde(default)]
    pub oem: Option<String>,
    /// The manufacturer's case number.
    #[serde(default)]
    pub reference: Option<String>,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
    /// The ticket's `version` as read (not compared: sending changes nothing of the ticket).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A step after sending.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    /// A note (what came back, what was checked).
    #[serde(default)]
    pub note: Option<String>,
}

/// A warranty repair as people read it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WarrantyView {
    /// `WR-2`.
    pub number: String,
    /// The ticket (number).
    pub ticket: String,
    /// The device (code).
    pub device: String,
    /// The manufacturer.
    pub oem: String,
    /// Its case number.
    pub reference: String,
    /// `sent`, `returned`, `accepted`.
    pub state: String,
    /// The state in Chinese.
    pub state_label: String,
    /// The notes of each step.
    pub note: String,
    /// Sent: who, when.
    pub sent: (Option<String>, DateTime<Utc>),
    /// Returned: who, when.
    pub returned: Option<(Option<String>, DateTime<Utc>)>,
    /// Accepted: who, when.
    pub accepted: Option<(Option<String>, DateTime<Utc>)>,
}

/// Sends a device ticket `number` names to its manufacturer.
pub async fn send(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    number: &str,
    body: NewWarrantyRepair,
) -> AppResult<WarrantyView> {
    permissions::check_at_all(p, Action::ReplacementRequest)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let ticket = super::replacements::worker_ticket(&txn, p, number).await?;
    super::replacements::open_for_replacement(&ticket)?;
    let device = devices::Entity::find()
        .filter(devices::Column::Code.eq(body.device.trim()))
        .filter(devices::Column::SystemId.eq(ticket.system_id))
        .one(&txn)
        .await?;
    let named = match &device {
        Some(d) => ticket_devices::Entity::find()
            .filter(ticket_devices::Column::TicketId.eq(ticket.id))
            .filter(ticket_devices::Column::DeviceId.eq(d.id))
            .one(&txn)
            .await?
            .is_some(),
        None => false,
    };
    let Some(device) = device.filter(|_| named) else {
        return Err(AppError::invalid(
            "device",
            format!("device: {:?} is not a device {number} names", body.device),
        ));
    };
    let oem = body
        .oem
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .or_else(|| device.warranty_by.clone())
        .ok_or_else(|| {
            AppError::invalid(
                "oem",
                format!("oem: {} names no warranty provider; name the OEM", device.code),
            )
        })?;
    let oem = text::field("oem", &oem, 200, true)?;
    let reference = text::field("reference", body.reference.as_deref().unwrap_or(""), 200, false)?;
    let note = text::field("note", body.note.as_deref().unwrap_or(""), super::MAX_NOTE, false)?;
    let row = warranty_repairs::ActiveModel {
        ticket_id: Set(ticket.id),
        device_id: Set(device.id),
        oem: Set(oem.clone()),
        reference: Set(reference),
        state: Set("sent".into()),
        note: Set(note),
        sent_by: Set(p.user_id),
        sent_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "warranty.sent",
        &format!("WR-{}", row.id),
        serde_json::json!({"ticket": ticket.number, "device": device.code, "oem": oem}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(views(ctx, vec![row]).await?.remove(0))
}

/// Records warranty repair `id` `returned` (from `sent`) or `accepted` (from `returned`).
pub async fn step(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: &str,
    to: &str,
    body: StepBody,
) -> AppResult<WarrantyView> {
    permissions::check_at_all(p, Action::ReplacementRequest)?;
    let id: i64 = id
        .trim()
        .trim_start_matches("WR-")
        .parse()
        .map_err(|_| AppError::NotFound(format!("no warranty repair {id:?}")))?;
    let missing = || AppError::NotFound(format!("no warranty repair WR-{id}"));
    let note = text::field("note", body.note.as_deref().unwrap_or(""), super::MAX_NOTE, false)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    crate::db::claim::<warranty_repairs::Entity>(
        &txn,
        warranty_repairs::Column::Version,
        warranty_repairs::Column::Id.eq(id),
    )
    .await?;
    let row = warranty_repairs::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(missing)?;
    let ticket = tickets::Entity::find_by_id(row.ticket_id)
        .one(&txn)
        .await?
        .ok_or_else(missing)?;
    if !scope::can_see_system(&txn, p, ticket.system_id).await? {
        return Err(missing());
    }
    super::replacements::worker_ticket(&txn, p, &ticket.number).await?;
    let from_state = match to {
        "returned" => "sent",
        _ => "returned",
    };
    if row.state != from_state {
        return Err(AppError::Conflict(format!(
            "WR-{id} is {}; {to} follows {from_state}",
            row.state
        )));
    }
    let mut am: warranty_repairs::ActiveModel = row.clone().into();
    if to == "returned" {
        am.returned_by = Set(Some(p.user_id));
        am.returned_at = Set(Some(now));
    } else {
        am.accepted_by = Set(Some(p.user_id));
        am.accepted_at = Set(Some(now));
    }
    if !note.is_empty() {
        am.note = Set(if row.note.is_empty() {
            note.clone()
        } else {
            format!("{}\n{note}", row.note)
        });
    }
    am.state = Set(to.to_owned());
    am.version = Set(row.version + 1);
    let row = am.update(&txn).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        &format!("warranty.{to}"),
        &format!("WR-{id}"),
        serde_json::json!({"ticket": ticket.number, "note": note}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(views(ctx, vec![row]).await?.remove(0))
}

/// The warranty repairs of ticket `number`, oldest first.
pub async fn of_ticket(ctx: &Context, p: &Principal, number: &str) -> AppResult<Vec<WarrantyView>> {
    permissions::check(p, Action::TicketRead)?;
    let t = crate::app::tickets::read::load_in_scope(&ctx.db, p, number).await?.row;
    let rows = warranty_repairs::Entity::find()
        .filter(warranty_repairs::Column::TicketId.eq(t.id))
        .order_by_asc(warranty_repairs::Column::Id)
        .all(&ctx.db)
        .await?;
    views(ctx, rows).await
}

async fn views(ctx: &Context, rows: Vec<warranty_repairs::Model>) -> AppResult<Vec<WarrantyView>> {
    let db = &ctx.db;
    let numbers: BTreeMap<i64, String> = tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(rows.iter().map(|r| r.ticket_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.number))
        .collect();
    let codes: BTreeMap<i64, String> = devices::Entity::find()
        .filter(devices::Column::Id.is_in(rows.iter().map(|r| r.device_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.code))
        .collect();
    let people = rows
        .iter()
        .flat_map(|r| [Some(r.sent_by), r.returned_by, r.accepted_by])
        .flatten();
    let names: BTreeMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(people))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let who = |by: Option<i64>| by.and_then(|b| names.get(&b).cloned());
    Ok(rows
        .into_iter()
        .map(|r| WarrantyView {
            number: format!("WR-{}", r.id),
            ticket: numbers.get(&r.ticket_id).cloned().unwrap_or_default(),
            device: codes.get(&r.device_id).cloned().unwrap_or_default(),
            state_label: STATES
                .iter()
                .find(|s| s.0 == r.state)
                .map_or(r.state.as_str(), |s| s.1)
                .to_owned(),
            sent: (who(Some(r.sent_by)), r.sent_at),
            returned: r.returned_at.map(|at| (who(r.returned_by), at)),
            accepted: r.accepted_at.map(|at| (who(r.accepted_by), at)),
            oem: r.oem,
            reference: r.reference,
            state: r.state,
            note: r.note,
        })
        .collect())
}

//! The devices a ticket names (`ticket_devices`), and the tickets of a device. A ticket names
//! devices of its own system only; naming replaces the list (`ticket.devices`, audited with the
//! list before and after). Once the ticket is resolved or closed its list is the record the
//! devices' outage is counted on: the vendor's people no longer change it, the buyer's may
//! correct it (the audit says it was after resolution). A device's outage is its tickets' impact windows
//! ([`super::availability`]).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Party, Principal};
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{device_replacements, devices, ticket_devices, tickets};
use ticket_domain::Status;

/// The most devices one ticket names.
pub const MAX_DEVICES: usize = 200;

/// A device as a ticket lists it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DeviceRef {
    /// The 一机一档 code.
    pub code: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Where it is.
    pub location: Option<String>,
    /// A main device.
    pub main: bool,
    /// Its status.
    pub status: String,
}

/// The devices to name (replacing those named).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketDevices {
    /// Device codes, of the ticket's system; `[]` names none.
    pub devices: Vec<String>,
}

/// A ticket of a device.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeviceTicket {
    /// Number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: String,
    /// Severity.
    pub severity: String,
    /// Status.
    pub status: String,
    /// When the fault began.
    pub occurred_at: DateTime<Utc>,
    /// When service was restored.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// The devices ticket `ticket_id` names, by code.
pub async fn of_ticket(db: &impl ConnectionTrait, ticket_id: i64) -> AppResult<Vec<DeviceRef>> {
    let ids: Vec<i64> = ticket_devices::Entity::find()
        .filter(ticket_devices::Column::TicketId.eq(ticket_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.device_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(devices::Entity::find()
        .filter(devices::Column::Id.is_in(ids))
        .order_by_asc(devices::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|d| DeviceRef {
            code: d.code,
            kind: d.kind,
            location: d.location,
            main: d.main,
            status: d.status.to_string(),
        })
        .collect())
}

/// Names the devices of ticket `number` (replacing the list). The body (a [`TicketDevices`]) is
/// read once the ticket is known to be the caller's: a ticket out of scope is absent, whatever
/// was sent.
pub async fn set(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    number: &str,
    body: serde_json::Value,
) -> AppResult<Vec<DeviceRef>> {
    permissions::check(p, Action::TicketDevices)?;
    let txn = ctx.begin_write().await?;
    // The ticket's row first: a resolution committed meanwhile is seen, not raced.
    crate::app::tickets::lock(&txn, tickets::Column::Number.eq(number).into()).await?;
    let not_found = || AppError::NotFound(format!("no ticket {number}"));
    let t = tickets::Entity::find()
        .filter(tickets::Column::Number.eq(number))
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    if !crate::app::scope::can_see_system(&txn, p, t.system_id).await? {
        return Err(not_found());
    }
    if let (Some(Party::Vendor(mine)), Some(theirs)) = (p.party, t.vendor_id)
        && mine != theirs
    {
        return Err(AppError::Forbidden(format!("{number} is another vendor's ticket")));
    }
    let done = matches!(*t.status, Status::Resolved | Status::Closed);
    if !may_name(p, *t.status) {
        return Err(AppError::Forbidden(format!(
            "{number} is {}: the devices it names are the record its outage is counted on; \
             after resolution only the buyer corrects them",
            *t.status
        )));
    }
    let body: TicketDevices = serde_json::from_value(body).map_err(|e| AppError::invalid("devices", e.to_string()))?;
    let codes: BTreeSet<String> = body.devices.iter().map(|c| c.trim().to_owned()).collect();
    if codes.len() > MAX_DEVICES {
        return Err(AppError::invalid("devices", format!("at most {MAX_DEVICES} devices")));
    }
    let found = devices::Entity::find()
        .filter(devices::Column::Code.is_in(codes.iter().cloned().collect::<Vec<_>>()))
        .all(&txn)
        .await?;
    for code in &codes {
        match found.iter().find(|d| &d.code == code) {
            Some(d) if d.system_id == t.system_id => {}
            // Another system's device reads as absent: its system may be out of the caller's scope.
            _ => {
                return Err(AppError::invalid(
                    "devices",
                    format!("no device {code:?} on the ticket's system"),
                ));
            }
        }
    }
    let before: Vec<String> = of_ticket(&txn, t.id).await?.into_iter().map(|d| d.code).collect();
    let after: Vec<String> = codes.into_iter().collect();
    let dropped: Vec<&String> = before.iter().filter(|c| !after.contains(c)).collect();
    if !dropped.is_empty() && crate::app::scope::own_vendor(p).is_some() {
        return Err(AppError::Forbidden(format!(
            "{number}: the vendor adds devices to a ticket but does not take them off ({}); \
             a device named is an outage counted against the vendor, so dropping one is the buyer's correction",
            dropped.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    if !dropped.is_empty() {
        let open: Vec<i64> = found_ids_of(&txn, &dropped).await?;
        let pending = device_replacements::Entity::find()
            .filter(device_replacements::Column::TicketId.eq(t.id))
            .filter(device_replacements::Column::DeviceId.is_in(open))
            .filter(device_replacements::Column::State.is_in(["requested", "approved"]))
            .one(&txn)
            .await?;
        if let Some(r) = pending {
            return Err(AppError::Conflict(format!(
                "{number}: HR-{} asks to replace a device this would take off; decide or refuse it first",
                r.id
            )));
        }
    }
    if before != after {
        ticket_devices::Entity::delete_many()
            .filter(ticket_devices::Column::TicketId.eq(t.id))
            .exec(&txn)
            .await?;
        if !found.is_empty() {
            ticket_devices::Entity::insert_many(found.iter().map(|d| ticket_devices::ActiveModel {
                ticket_id: sea_orm::Set(t.id),
                device_id: sea_orm::Set(d.id),
            }))
            .exec(&txn)
            .await?;
        }
        audit::record(
            &txn,
            Some(p.user_id),
            "ticket.devices",
            &format!("ticket:{number}"),
            serde_json::json!({"before": before, "after": after, "after_resolution": done}),
            from,
            ctx.now(),
        )
        .await?;
    }
    let out = of_ticket(&txn, t.id).await?;
    txn.commit().await?;
    Ok(out)
}

/// Whether `p` may change the devices of a ticket in `status`: the buyer's people always (a
/// correction after resolution is audited as such), the vendor's until the ticket is resolved.
/// Example: a vendor engineer on a resolved ticket → false (the page hides the form).
pub fn may_name(p: &Principal, status: Status) -> bool {
    permissions::may(p, Action::TicketDevices)
        && (crate::app::scope::own_vendor(p).is_none() || !matches!(status, Status::Resolved | Status::Closed))
}

/// The ids of the devices coded `codes`.
async fn found_ids_of(db: &impl ConnectionTrait, codes: &[&String]) -> AppResult<Vec<i64>> {
    Ok(devices::Entity::find()
        .filter(devices::Column::Code.is_in(codes.iter().map(|c| c.as_str())))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect())
}

/// The tickets naming device `code`, newest first.
pub async fn of_device(ctx: &Context, p: &Principal, code: &str) -> AppResult<Vec<DeviceTicket>> {
    permissions::check(p, Action::DeviceRead)?;
    let (d, _) = super::load(&ctx.db, p, code).await?;
    let ids: Vec<i64> = ticket_devices::Entity::find()
        .filter(ticket_devices::Column::DeviceId.eq(d.id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|l| l.ticket_id)
        .collect();
    Ok(tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(ids))
        .order_by_desc(tickets::Column::OccurredAt)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|t| DeviceTicket {
            number: t.number,
            title: t.title,
            kind: t.kind.to_string(),
            severity: t.severity.to_string(),
            status: t.status.to_string(),
            occurred_at: t.occurred_at,
            resolved_at: t.resolved_at,
        })
        .collect())
}

//! Recording an approved replacement (issue 30 part B): in one transaction, one of the spares
//! line goes out to the ticket (within stock and cap), the device is removed today, the device
//! named in `new_device` takes its place (audited as created), and the ledger row is written.
//! Before both approvals nothing of it happens. The request and the decisions are
//! [`super::replacements`].

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use utoipa::ToSchema;

use super::replacements::{
    ReplacementView, awaiting, check_version, load, open_for_replacement, state_label, worker_ticket,
};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context, text};
use crate::db::entities::{device_replacements, devices, spare_items, systems, ticket_devices};

/// The replacement done.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = ReplacementRecordBody)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// The code of the device put in its place (a new device of the same system, kind, model
    /// and location, in service from today); absent, none is recorded.
    #[serde(default)]
    pub new_device: Option<String>,
    /// The request's `version` as read.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Records replacement `id` done (the vendor working the ticket), only once both approved: one
/// of the spares line goes out to the ticket (within stock and cap), the device is removed
/// today, the device named in `new_device` takes its place, and the ledger row is written.
pub async fn record(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: i64,
    body: RecordBody,
) -> AppResult<ReplacementView> {
    permissions::check_at_all(p, Action::ReplacementRequest)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    crate::db::claim::<device_replacements::Entity>(
        &txn,
        device_replacements::Column::Version,
        device_replacements::Column::Id.eq(id),
    )
    .await?;
    let (row, ticket, _) = load(&txn, p, id).await?;
    worker_ticket(&txn, p, &ticket.number).await?;
    open_for_replacement(&ticket)?;
    check_version(&row, body.version)?;
    if row.state != "approved" {
        let awaiting = awaiting(&row).join(" and ");
        return Err(AppError::Conflict(match row.state.as_str() {
            "requested" => format!(
                "HR-{id} is not approved yet: awaiting the {awaiting}; a device is replaced only once the buyer and the supervisor both approved"
            ),
            s => format!("HR-{id} is {} ({s}); it cannot be recorded", state_label(s)),
        }));
    }
    let item = spare_items::Entity::find_by_id(row.item_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("HR-{id}'s spares line is gone")))?;
    let note = format!("更换 HR-{id}");
    let movement = super::movements::move_one(&txn, p, &item, "out", 1, Some(&ticket), Some(id), &note, now).await?;
    // Claim the device, then read it: a removal committed meanwhile is seen, not overwritten.
    crate::db::claim::<devices::Entity>(&txn, devices::Column::Status, devices::Column::Id.eq(row.device_id)).await?;
    let device = devices::Entity::find_by_id(row.device_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("HR-{id}'s device is gone")))?;
    if *device.status == devices::Status::Removed {
        return Err(AppError::Conflict(format!(
            "HR-{id}: {} was removed already",
            device.code
        )));
    }
    // The device is still the ticket's (naming cannot drop a device with an open request, but a
    // request from before that rule may be open), and was installed by today: a removal before
    // the installation would leave a record no later edit could pass.
    let named = ticket_devices::Entity::find()
        .filter(ticket_devices::Column::TicketId.eq(ticket.id))
        .filter(ticket_devices::Column::DeviceId.eq(device.id))
        .one(&txn)
        .await?
        .is_some();
    if !named {
        return Err(AppError::Conflict(format!(
            "HR-{id}: {} is no longer named on {}; name it again or refuse the request",
            device.code, ticket.number
        )));
    }
    let today = now.with_timezone(&super::ledger::ZONE).date_naive();
    if device.installed_on.is_some_and(|d| d > today) {
        return Err(AppError::Conflict(format!(
            "HR-{id}: {} is recorded as installed on {}, after today ({today}); correct its installation day first",
            device.code,
            device.installed_on.unwrap_or(today)
        )));
    }
    let new_device = match body.new_device.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            text::field("new_device", code, 100, true)?;
            let duplicate = || AppError::Duplicate(format!("a device {code} exists already"));
            if devices::Entity::find()
                .filter(devices::Column::Code.eq(code))
                .one(&txn)
                .await?
                .is_some()
            {
                return Err(duplicate());
            }
            let d = devices::ActiveModel {
                code: Set(code.to_owned()),
                system_id: Set(device.system_id),
                kind: Set(device.kind.clone()),
                model: Set(device.model.clone()),
                serial: Set(None),
                location: Set(device.location.clone()),
                latitude: Set(device.latitude),
                longitude: Set(device.longitude),
                main: Set(device.main),
                installed_on: Set(Some(today)),
                removed_on: Set(None),
                warranty_by: Set(None),
                warranty_until: Set(None),
                status: Set(crate::db::Key(devices::Status::InService)),
                attributes: Set(serde_json::json!({})),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => duplicate(),
                _ => e.into(),
            })?;
            // Created here, it is audited as any other creation (main flag and day included).
            let system = systems::Entity::find_by_id(d.system_id).one(&txn).await?;
            audit::record(
                &txn,
                Some(p.user_id),
                "device.create",
                &format!("device:{}", d.code),
                serde_json::json!({
                    "system": system.map(|s| s.code),
                    "device": crate::app::devices::audit_json(&crate::app::devices::record_of(&d)),
                    "replaces": device.code,
                    "replacement": format!("HR-{id}"),
                }),
                from,
                now,
            )
            .await?;
            Some(d)
        }
        None => None,
    };
    let mut dm: devices::ActiveModel = device.clone().into();
    dm.status = Set(crate::db::Key(devices::Status::Removed));
    dm.removed_on = Set(Some(today));
    dm.updated_at = Set(now);
    dm.update(&txn).await?;
    super::ledger::write(
        &txn,
        &device,
        Some(&row),
        Some(ticket.id),
        &row.reason,
        today,
        p.user_id,
        now,
    )
    .await?;
    let mut am: device_replacements::ActiveModel = row.clone().into();
    am.state = Set("replaced".into());
    am.replaced_by = Set(Some(p.user_id));
    am.replaced_at = Set(Some(now));
    am.movement_id = Set(Some(movement.id));
    am.new_device_id = Set(new_device.as_ref().map(|d| d.id));
    am.version = Set(row.version + 1);
    am.update(&txn).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "replacement.record",
        &format!("HR-{id}"),
        serde_json::json!({"ticket": ticket.number, "device": device.code, "item": item.code,
                           "movement": movement.id, "new_device": new_device.as_ref().map(|d| d.code.clone())}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    super::on_ticket::get(ctx, p, id).await
}

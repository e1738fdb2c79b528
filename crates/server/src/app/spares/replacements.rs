//! Device replacements (更换审批): a device that cannot be repaired is replaced from the spares
//! only once the buyer and the supervisor both approved, and the device removed enters the
//! ledger ([`super::ledger`]).
//!
//! Seed 004 L27689–27695: "如发现原有设备无法维修需更进行拆除更换的，需第一时间告知采购人，由采购
//! 人、监理单位共同确认实际使用情况，同意更换后，即刻更换，中标人需将更换拆除后的设备妥善保管，
//! 记录设备名称、拆除原因、位置、使用年限等信息形成台账".
//!
//! | state | who acts | acts |
//! |---|---|---|
//! | `requested` | the buyer (the bureau's managers, the system's unit's managers) | `approve` (its side), `refuse` (closes it) |
//! | `requested` | the supervisor's people | `approve` (its side), `refuse` (closes it) |
//! | `approved` (both sides approved) | the vendor working the ticket | `record` (the spare goes out to the ticket, the device is removed, the ledger row written) |
//!
//! `refused` and `replaced` are final. An administrator is on neither side: two named parties
//! approve, as the contract says, and two people: whoever gave one side's approval does not give
//! the other's. One request per device is open at a time, and a device enters the ledger once
//! (unique indexes; a concurrent second answers 409). The request does not pause the ticket's repair clock (see
//! `docs/spares.md` and `docs/contracts.md`).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Party, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context, scope, text};
use crate::db::entities::{device_replacements, devices, systems, ticket_devices, tickets};

pub use super::on_ticket::{get, of_ticket};
pub use super::recording::{RecordBody, record};

/// The states, with their Chinese labels.
pub const STATES: [(&str, &str); 4] = [
    ("requested", "待审批"),
    ("approved", "已同意更换"),
    ("refused", "不同意更换"),
    ("replaced", "已更换"),
];

/// The Chinese label of state `s`.
pub fn state_label(s: &str) -> &str {
    STATES.iter().find(|(k, _)| *k == s).map_or(s, |(_, l)| l)
}

/// The longest reason, in characters.
const MAX_REASON: usize = 2000;

/// Which side of the approval an actor is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The buyer (采购人): the bureau's managers, or the managers of the system's unit.
    Buyer,
    /// The supervisor (监理).
    Supervisor,
}

impl Side {
    /// `buyer` or `supervisor`.
    pub fn key(self) -> &'static str {
        match self {
            Side::Buyer => "buyer",
            Side::Supervisor => "supervisor",
        }
    }
}

/// The side `p` approves for on a device of `system`, if any.
pub fn side_of(p: &Principal, system: &systems::Model) -> Option<Side> {
    if p.role == Role::Admin || !permissions::may_at_all(p, Action::ReplacementDecide) {
        return None;
    }
    match p.party? {
        Party::Bureau => Some(Side::Buyer),
        Party::Unit(u) => (u == system.unit_id).then_some(Side::Buyer),
        Party::Supervisor => Some(Side::Supervisor),
        Party::Vendor(_) => None,
    }
}

/// A request for a replacement.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReplacement {
    /// The device (code), one the ticket names (required).
    #[serde(default)]
    pub device: String,
    /// The spares line to put in (code; required).
    #[serde(default)]
    pub item: String,
    /// Why it cannot be repaired (拆除原因; required).
    #[serde(default)]
    pub reason: String,
    /// The ticket's `version` as the caller read it, taken as every write on a ticket takes it;
    /// a request changes nothing of the ticket, so it is not compared. Every field is read
    /// only once the ticket is found in the caller's scope: out of scope answers 404 whatever
    /// the body.
    #[serde(default)]
    pub version: Option<i64>,
}

/// An approval or a refusal.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideBody {
    /// Why (a refusal: required).
    #[serde(default)]
    pub reason: Option<String>,
    /// The request's `version` as read: given, the act is refused (409) if it changed since.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Who approved or refused, and when.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Decision {
    /// User name.
    pub by: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A replacement request as people read it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReplacementView {
    /// `HR-3`.
    pub number: String,
    /// The ticket (number).
    pub ticket: String,
    /// The device (code).
    pub device: String,
    /// Its kind and model.
    pub device_name: String,
    /// The spares line (code).
    pub item: String,
    /// Its name.
    pub item_name: String,
    /// Why.
    pub reason: String,
    /// `requested`, `approved`, `refused`, `replaced`.
    pub state: String,
    /// The state in Chinese.
    pub state_label: String,
    /// Who asked.
    pub requested_by: Option<String>,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// The buyer's approval.
    pub buyer: Option<Decision>,
    /// The supervisor's approval.
    pub supervisor: Option<Decision>,
    /// The sides still to approve (`buyer`, `supervisor`) while requested.
    pub awaiting: Vec<String>,
    /// The refusal: who and when.
    pub refused: Option<Decision>,
    /// `buyer` or `supervisor`.
    pub refused_side: Option<String>,
    /// Why it was refused.
    pub refuse_reason: Option<String>,
    /// The replacement recorded: who and when.
    pub replaced: Option<Decision>,
    /// The device put in its place (code).
    pub new_device: Option<String>,
    /// Incremented by every act.
    pub version: i32,
}

/// `HR-3` or `3` → 3.
pub fn id_of(text: &str) -> AppResult<i64> {
    text.trim()
        .trim_start_matches("HR-")
        .parse()
        .map_err(|_| AppError::NotFound(format!("no replacement {text:?}")))
}

/// Asks for a replacement of a device ticket `number` names (whoever works on the ticket).
pub async fn request(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    number: &str,
    body: NewReplacement,
) -> AppResult<ReplacementView> {
    permissions::check_at_all(p, Action::ReplacementRequest)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let ticket = worker_ticket(&txn, p, number).await?;
    open_for_replacement(&ticket)?;
    let reason = text::field("reason", &body.reason, MAX_REASON, true)?;
    let device = devices::Entity::find()
        .filter(devices::Column::Code.eq(body.device.trim()))
        .filter(devices::Column::SystemId.eq(ticket.system_id))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "device",
                format!("device: no device {:?} on the ticket's system", body.device),
            )
        })?;
    let named = ticket_devices::Entity::find()
        .filter(ticket_devices::Column::TicketId.eq(ticket.id))
        .filter(ticket_devices::Column::DeviceId.eq(device.id))
        .one(&txn)
        .await?
        .is_some();
    if !named {
        return Err(AppError::invalid(
            "device",
            format!(
                "device: {} is not named on {}; name it first",
                device.code, ticket.number
            ),
        ));
    }
    if *device.status == devices::Status::Removed {
        return Err(AppError::Conflict(format!("{} was removed already", device.code)));
    }
    let open = device_replacements::Entity::find()
        .filter(device_replacements::Column::DeviceId.eq(device.id))
        .filter(device_replacements::Column::State.is_in(["requested", "approved"]))
        .one(&txn)
        .await?;
    if let Some(o) = open {
        return Err(AppError::Conflict(format!(
            "{} has an open replacement request, HR-{}",
            device.code, o.id
        )));
    }
    let item = super::catalogue::item(&txn, p, &body.item).await?;
    let contract = super::contract(&txn, p, &item.contract_code).await?;
    if ticket.vendor_id != Some(contract.vendor_id) {
        return Err(AppError::invalid(
            "item",
            format!(
                "item: {} is a spare of {}, whose vendor does not serve this ticket",
                item.code, contract.code
            ),
        ));
    }
    let row = device_replacements::ActiveModel {
        ticket_id: Set(ticket.id),
        device_id: Set(device.id),
        item_id: Set(item.id),
        reason: Set(reason.clone()),
        state: Set("requested".into()),
        requested_by: Set(p.user_id),
        requested_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        // Another request for the device was written since the check above.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict(format!("{} has an open replacement request", device.code))
        }
        _ => e.into(),
    })?;
    audit::record(
        &txn,
        Some(p.user_id),
        "replacement.request",
        &format!("HR-{}", row.id),
        serde_json::json!({"ticket": ticket.number, "device": device.code, "item": item.code, "reason": reason}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    super::on_ticket::get(ctx, p, row.id).await
}

/// Ticket `number` for a worker on it: in scope, the action granted for a ticket with or without
/// a vendor, and a vendor's people only on their own vendor's tickets.
pub(crate) async fn worker_ticket(db: &impl ConnectionTrait, p: &Principal, number: &str) -> AppResult<tickets::Model> {
    let loaded = crate::app::tickets::read::load_in_scope(db, p, number).await?;
    permissions::check_ticket(p, Action::ReplacementRequest, loaded.row.vendor_id.is_some())?;
    if let (Some(mine), Some(theirs)) = (scope::own_vendor(p), loaded.row.vendor_id)
        && mine != theirs
    {
        return Err(AppError::Forbidden(format!(
            "ticket {number} is another vendor's; only its own vendor's people replace its devices"
        )));
    }
    Ok(loaded.row)
}

/// A closed or cancelled ticket takes no replacement: its record is settled (closed) or there was
/// no fault (cancelled). A resolved one still does: the part may arrive after service was restored
/// by a stopgap. Example: HR on a closed INC-2026-000007 → 409 "INC-2026-000007 is closed: …".
pub(crate) fn open_for_replacement(ticket: &tickets::Model) -> AppResult<()> {
    use ticket_domain::Status;
    if matches!(*ticket.status, Status::Closed | Status::Cancelled) {
        return Err(AppError::Conflict(format!(
            "{} is {}: a closed or cancelled ticket takes no replacement",
            ticket.number, *ticket.status
        )));
    }
    Ok(())
}

/// Replacement `id` with its ticket and system, if `p` may see the ticket (else as if absent).
pub(crate) async fn load(
    db: &impl ConnectionTrait,
    p: &Principal,
    id: i64,
) -> AppResult<(device_replacements::Model, tickets::Model, systems::Model)> {
    let missing = || AppError::NotFound(format!("no replacement HR-{id}"));
    let row = device_replacements::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(missing)?;
    let ticket = tickets::Entity::find_by_id(row.ticket_id)
        .one(db)
        .await?
        .ok_or_else(missing)?;
    if !scope::can_see_system(db, p, ticket.system_id).await? {
        return Err(missing());
    }
    let system = systems::Entity::find_by_id(ticket.system_id)
        .one(db)
        .await?
        .ok_or_else(missing)?;
    Ok((row, ticket, system))
}

pub(crate) fn check_version(row: &device_replacements::Model, asked: Option<i32>) -> AppResult<()> {
    match asked {
        Some(v) if v != row.version => Err(AppError::Conflict(format!(
            "HR-{} changed since you read it (version {v}, now {}); read it again",
            row.id, row.version
        ))),
        _ => Ok(()),
    }
}

/// Approves (`approve == true`) or refuses replacement `id` for `p`'s side. Both sides' approvals
/// make it `approved`; either side's refusal closes it.
pub async fn decide(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: i64,
    approve: bool,
    body: DecideBody,
) -> AppResult<ReplacementView> {
    permissions::check_at_all(p, Action::ReplacementDecide)?;
    let reason = text::field("reason", body.reason.as_deref().unwrap_or(""), MAX_REASON, !approve)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    crate::db::claim::<device_replacements::Entity>(
        &txn,
        device_replacements::Column::Version,
        device_replacements::Column::Id.eq(id),
    )
    .await?;
    let (row, ticket, system) = load(&txn, p, id).await?;
    let Some(side) = side_of(p, &system) else {
        return Err(AppError::Forbidden(format!(
            "HR-{id} is approved by the buyer (the bureau's managers, the managers of {}'s unit) and by the supervisor; you are neither",
            system.code
        )));
    };
    check_version(&row, body.version)?;
    if row.state != "requested" {
        return Err(AppError::Conflict(format!(
            "HR-{id} is {} ({}); it takes no decision now",
            state_label(&row.state),
            row.state
        )));
    }
    let already = match side {
        Side::Buyer => row.buyer_at.is_some(),
        Side::Supervisor => row.supervisor_at.is_some(),
    };
    if already {
        return Err(AppError::Conflict(format!(
            "HR-{id}: the {} approved it already",
            side.key()
        )));
    }
    if approve && [row.buyer_by, row.supervisor_by].contains(&Some(p.user_id)) {
        return Err(AppError::Forbidden(format!(
            "HR-{id}: you gave the other side's approval; the buyer's and the supervisor's are two people's"
        )));
    }
    let mut am: device_replacements::ActiveModel = row.clone().into();
    let state = if approve {
        match side {
            Side::Buyer => {
                am.buyer_by = Set(Some(p.user_id));
                am.buyer_at = Set(Some(now));
            }
            Side::Supervisor => {
                am.supervisor_by = Set(Some(p.user_id));
                am.supervisor_at = Set(Some(now));
            }
        }
        let both = match side {
            Side::Buyer => row.supervisor_at.is_some(),
            Side::Supervisor => row.buyer_at.is_some(),
        };
        if both { "approved" } else { "requested" }
    } else {
        am.refused_by = Set(Some(p.user_id));
        am.refused_at = Set(Some(now));
        am.refused_side = Set(Some(side.key().to_owned()));
        am.refuse_reason = Set(Some(reason.clone()));
        "refused"
    };
    am.state = Set(state.to_owned());
    am.version = Set(row.version + 1);
    am.update(&txn).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        if approve {
            "replacement.approve"
        } else {
            "replacement.refuse"
        },
        &format!("HR-{id}"),
        serde_json::json!({"ticket": ticket.number, "side": side.key(), "state": state, "reason": reason}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    super::on_ticket::get(ctx, p, id).await
}

/// The sides still to approve `row`.
pub(crate) fn awaiting(row: &device_replacements::Model) -> Vec<String> {
    if row.state != "requested" {
        return Vec::new();
    }
    [(row.buyer_at, Side::Buyer), (row.supervisor_at, Side::Supervisor)]
        .into_iter()
        .filter(|(at, _)| at.is_none())
        .map(|(_, s)| s.key().to_owned())
        .collect()
}

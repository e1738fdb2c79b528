//! What people do with duty, whichever door they come through: set and remove rosters, windows
//! and scheduled duties, change a shift, record and decide exclusions, and ask who is on duty,
//! where the staffing falls short and what a person's shifts are.
//!
//! Who may do what is [`crate::app::permissions`]'s table; here, what it leaves to the thing
//! itself: a vendor's managers change only their own vendor's rosters; windows, scheduled duties
//! and exclusion decisions are the buyer's, and a unit's managers set them only over their own
//! unit's systems; a duty's assignee must be someone who sees its system. Every write is one
//! transaction with its audit entry.

use chrono::{DateTime, TimeDelta, Utc};
use duty_roster::Override;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::exclusions::{self, ExclusionView};
use super::rosters::{self, OnDuty, RosterDoc, StaffingGap, UserShift};
use super::scheduled::{self, DutyDoc, DutyView};
use super::windows::{self, WindowDoc};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Party, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context, same_code};
use crate::db::entities::{duties, systems, units, users, vendors};

/// Fails unless `p` may change roster `code` (now of vendor `vendor`, when given): admins and the
/// buyer's managers any; a vendor's managers only their own vendor's, and they may not take over
/// another vendor's roster by its code.
async fn roster_owner(db: &impl ConnectionTrait, p: &Principal, code: &str, vendor: Option<&str>) -> AppResult<()> {
    let own = match (p.role, p.party) {
        (Role::Admin, _) | (_, Some(Party::Bureau | Party::Unit(_))) => return Ok(()),
        (_, Some(Party::Vendor(v))) => v,
        (_, Some(Party::Supervisor) | None) => {
            return Err(AppError::Forbidden(
                "only the buyer and the roster's own vendor change rosters".into(),
            ));
        }
    };
    let existing = crate::db::entities::rosters::Entity::find()
        .filter(crate::db::entities::rosters::Column::Code.eq(code))
        .one(db)
        .await?;
    let mine = vendors::Entity::find_by_id(own).one(db).await?.map(|v| v.code);
    let stranger = existing.is_some_and(|r| r.vendor_id != own) || vendor.is_some_and(|v| Some(v) != mine.as_deref());
    if stranger {
        return Err(AppError::Forbidden(
            "you may change only your own vendor's rosters".into(),
        ));
    }
    Ok(())
}

// ---- rosters -------------------------------------------------------------------------------------

/// Every roster (a vendor's people: their own vendor's).
pub async fn list_rosters(ctx: &Context, p: &Principal) -> AppResult<Vec<RosterDoc>> {
    permissions::check(p, Action::DutyRead)?;
    let own = crate::app::scope::own_vendor_code(&ctx.db, p).await?;
    Ok(rosters::list(&ctx.db)
        .await?
        .into_iter()
        .map(|r| r.doc)
        .filter(|d| own.as_ref().is_none_or(|v| &d.vendor == v))
        .collect())
}

/// Sets roster `code` to `doc` (admins; managers of its vendor), auditing it if it changed. Its
/// members must be users of the vendor.
pub async fn put_roster(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    code: &str,
    doc: RosterDoc,
) -> AppResult<RosterDoc> {
    permissions::check(p, Action::RosterWrite)?;
    same_code(code, &doc.code)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    roster_owner(&txn, p, &doc.code, Some(&doc.vendor)).await?;
    if rosters::set(&txn, &ctx.calendars.snapshot(), &doc, now).await? {
        audit::record(
            &txn,
            Some(p.user_id),
            "roster.set",
            &doc.code,
            serde_json::json!(doc),
            from,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(doc)
}

/// Removes roster `code` and its overrides (admins).
pub async fn delete_roster(ctx: &Context, p: &Principal, from: &ClientAddr, code: &str) -> AppResult<()> {
    permissions::check(p, Action::RosterRemove)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    if !rosters::remove(&txn, code).await? {
        return Err(AppError::NotFound(format!("no roster {code:?}")));
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "roster.remove",
        code,
        serde_json::json!({}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Changes one shift of roster `code` (managers and admins): `off` does not work it, `on` does.
pub async fn add_override(ctx: &Context, p: &Principal, from: &ClientAddr, code: &str, o: Override) -> AppResult<()> {
    permissions::check(p, Action::RosterWrite)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    roster_owner(&txn, p, code, None).await?;
    rosters::add_override(&txn, code, &o, Some(p.user_id), now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "roster.override",
        code,
        serde_json::json!(o),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Which system and when.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OnDutyQuery {
    /// The system's code.
    pub system: String,
    /// The instant [default: now].
    pub at: Option<DateTime<Utc>>,
}

/// Who is on duty for a system.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnDutyAnswer {
    /// The system's code.
    pub system: String,
    /// The instant asked about.
    pub at: DateTime<Utc>,
    /// Whether any roster covers the system.
    pub covered: bool,
    /// The people on duty (empty where covered: a gap).
    pub on_duty: Vec<OnDuty>,
}

/// Who is on duty for a system `p` may see, at an instant, by its vendors' rosters.
pub async fn on_duty(ctx: &Context, p: &Principal, q: OnDutyQuery) -> AppResult<OnDutyAnswer> {
    permissions::check(p, Action::DutyRead)?;
    let system = crate::app::scope::system_in_scope(&ctx.db, p, &q.system).await?;
    let at = q.at.unwrap_or_else(|| ctx.now());
    let people = rosters::on_duty(&ctx.db, &ctx.calendars.snapshot(), &system, at).await?;
    Ok(OnDutyAnswer {
        system: system.code,
        at,
        covered: people.is_some(),
        on_duty: people.unwrap_or_default(),
    })
}

/// A range of time.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// From [default: now].
    pub from: Option<DateTime<Utc>>,
    /// To [default: from + 14 days; at most 800 days after from].
    pub to: Option<DateTime<Utc>>,
}

impl RangeQuery {
    fn range(&self, default_days: i64, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let from = self.from.unwrap_or(now);
        (from, self.to.unwrap_or(from + TimeDelta::days(default_days)))
    }
}

/// Staffing shortfalls in a range (by default the next 14 days): each roster against its rules,
/// each vendor against the rules of the major-event windows in the range.
pub async fn gaps(ctx: &Context, p: &Principal, q: RangeQuery) -> AppResult<Vec<StaffingGap>> {
    permissions::check(p, Action::DutyRead)?;
    let (from, to) = q.range(14, ctx.now());
    let own = crate::app::scope::own_vendor_code(&ctx.db, p).await?;
    Ok(rosters::gaps(&ctx.db, &ctx.calendars.snapshot(), from, to)
        .await?
        .into_iter()
        .filter(|g| own.as_ref().is_none_or(|v| &g.vendor == v))
        .collect())
}

/// `username`'s shifts in a range (by default the next 90 days) as an iCalendar text; `p`'s own,
/// or anyone's for managers and admins.
pub async fn shifts_ics(ctx: &Context, p: &Principal, username: &str, q: RangeQuery) -> AppResult<String> {
    permissions::check(p, Action::DutyRead)?;
    if p.username != username {
        permissions::check(p, Action::ShiftsOfOthers)?;
    }
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(&ctx.db)
        .await?;
    // A vendor's manager reads its own people's shifts; another vendor's person is as absent.
    let own = crate::app::scope::own_vendor(p);
    if user.is_none_or(|u| own.is_some_and(|v| u.vendor_id != Some(v))) {
        return Err(AppError::NotFound(format!("no user {username:?}")));
    }
    let now = ctx.now();
    let (from, to) = q.range(90, now);
    let shifts: Vec<UserShift> = rosters::shifts_of(&ctx.db, &ctx.calendars.snapshot(), username, from, to).await?;
    Ok(super::ics::render(username, &shifts, "opsclock", now))
}

// ---- major-event windows -------------------------------------------------------------------------

/// Every major-event window, by start.
pub async fn list_windows(ctx: &Context, p: &Principal) -> AppResult<Vec<WindowDoc>> {
    permissions::check(p, Action::DutyRead)?;
    Ok(windows::list(&ctx.db).await?.into_iter().map(|w| w.doc).collect())
}

/// Sets major-event window `code` to `doc` (the buyer's managers; a unit's only a window over
/// their own unit's systems and nothing else), auditing it if it changed. Tickets
/// already open keep their deadlines.
pub async fn put_window(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    code: &str,
    doc: WindowDoc,
) -> AppResult<WindowDoc> {
    permissions::check(p, Action::WindowWrite)?;
    same_code(code, &doc.code)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    own_unit_window(&txn, p, &doc).await?;
    if windows::set(&txn, &ctx.calendars.snapshot(), &doc, now).await? {
        audit::record(
            &txn,
            Some(p.user_id),
            "window.set",
            &doc.code,
            serde_json::json!(doc),
            from,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(doc)
}

/// Fails unless `p` may set `doc` over the systems it covers, and replace the window of that
/// code if there is one: a unit's managers only a window that covers their own unit's systems and
/// nothing else (a window over every system, or over another unit's, is the bureau's).
async fn own_unit_window(db: &impl ConnectionTrait, p: &Principal, doc: &WindowDoc) -> AppResult<()> {
    let unit_id = match (p.role, p.party) {
        (Role::Admin, _) | (_, Some(Party::Bureau)) => return Ok(()),
        (_, Some(Party::Unit(u))) => u,
        _ => return Err(AppError::Forbidden("only the buyer sets major-event windows".into())),
    };
    let own_code = units::Entity::find_by_id(unit_id).one(db).await?.map(|u| u.code);
    let existing = windows::list(db).await?.into_iter().find(|w| w.doc.code == doc.code);
    let mut mine = window_within_unit(db, doc, unit_id, own_code.as_deref()).await?;
    if let Some(w) = existing {
        mine = mine && window_within_unit(db, &w.doc, unit_id, own_code.as_deref()).await?;
    }
    if mine {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "a unit's managers may set only a window that covers their own unit's systems and no others; a window \
             over every system or another unit's is the bureau's"
                .into(),
        ))
    }
}

/// Whether window `w` covers some systems, all of them of unit `unit_id` (code `unit_code`).
async fn window_within_unit(
    db: &impl ConnectionTrait,
    w: &WindowDoc,
    unit_id: i64,
    unit_code: Option<&str>,
) -> AppResult<bool> {
    if w.units.is_empty() && w.systems.is_empty() {
        return Ok(false);
    }
    if !w.units.iter().all(|u| Some(u.as_str()) == unit_code) {
        return Ok(false);
    }
    if w.systems.is_empty() {
        return Ok(true);
    }
    let codes: std::collections::BTreeSet<&String> = w.systems.iter().collect();
    let theirs = systems::Entity::find()
        .filter(systems::Column::Code.is_in(codes.iter().map(|c| c.as_str())))
        .filter(systems::Column::UnitId.eq(unit_id))
        .count(db)
        .await?;
    Ok(theirs as usize == codes.len())
}

/// Removes window `code` (admins); tickets opened under it keep its targets.
pub async fn delete_window(ctx: &Context, p: &Principal, from: &ClientAddr, code: &str) -> AppResult<()> {
    permissions::check(p, Action::WindowRemove)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    if !windows::remove(&txn, code).await? {
        return Err(AppError::NotFound(format!("no major-event window {code:?}")));
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "window.remove",
        code,
        serde_json::json!({}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Which year, from which calendar.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TemplateQuery {
    /// The year.
    pub year: i32,
    /// The calendar whose holidays to offer [default: cn-5x8].
    pub calendar: Option<String>,
}

/// Proposed windows for a year: one per official holiday of the calendar, to edit and store.
pub fn window_template(ctx: &Context, p: &Principal, q: TemplateQuery) -> AppResult<Vec<WindowDoc>> {
    permissions::check(p, Action::DutyRead)?;
    let name = q.calendar.as_deref().unwrap_or("cn-5x8");
    let cals = ctx.calendars.snapshot();
    let cal = super::calendar(&cals, "calendar", name)?;
    windows::template(cal, q.year)
}

// ---- exclusions ----------------------------------------------------------------------------------

/// Whether `p` decides on exclusions of `system`: admins, the bureau's managers, and managers of
/// the buyer unit that owns it (the buyer approves downtime, not the vendor who asks for it).
fn may_decide(p: &Principal, system: &systems::Model) -> bool {
    permissions::may(p, Action::ExclusionDecide)
        && match (p.role, p.party) {
            (Role::Admin, _) | (_, Some(Party::Bureau)) => true,
            (_, Some(Party::Unit(u))) => u == system.unit_id,
            _ => false,
        }
}

/// Filters of the exclusion list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExclusionQuery {
    /// A system's code.
    pub system: Option<String>,
    /// `proposed`, `approved`, `rejected` or `revoked`.
    pub status: Option<String>,
}

/// Exclusion windows of the systems `p` may see, newest first.
pub async fn list_exclusions(ctx: &Context, p: &Principal, q: ExclusionQuery) -> AppResult<Vec<ExclusionView>> {
    permissions::check(p, Action::DutyRead)?;
    let visible = crate::app::scope::visible_system_ids(&ctx.db, p).await?;
    let codes: Option<Vec<String>> = match visible {
        None => None,
        Some(ids) => Some(
            systems::Entity::find()
                .filter(systems::Column::Id.is_in(ids))
                .all(&ctx.db)
                .await?
                .into_iter()
                .map(|s| s.code)
                .collect(),
        ),
    };
    let mut all = exclusions::list(&ctx.db, q.system.as_deref(), q.status.as_deref()).await?;
    if let Some(codes) = codes {
        all.retain(|e| codes.contains(&e.system));
    }
    Ok(all)
}

/// A new exclusion window.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExclusion {
    /// The system's code.
    pub system: String,
    /// `maintenance`, `force_majeure` or `third_party`.
    pub kind: String,
    /// When it begins.
    pub starts: DateTime<Utc>,
    /// When it ends.
    pub ends: DateTime<Utc>,
    /// Why (the approval's reference, the event).
    pub reason: String,
}

/// Records an exclusion window. The buyer's and the vendor's engineers propose; one recorded by
/// someone who may decide on it (see [`decide_exclusion`]) is approved at once, and only they
/// may mark force majeure or third-party works.
pub async fn create_exclusion(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    body: NewExclusion,
) -> AppResult<ExclusionView> {
    permissions::check(p, Action::ExclusionPropose)?;
    let system = crate::app::scope::system_in_scope(&ctx.db, p, &body.system).await?;
    let decider = may_decide(p, &system);
    let req = exclusions::Request {
        system: body.system,
        kind: body.kind,
        starts: body.starts,
        ends: body.ends,
        reason: body.reason,
    };
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let v = exclusions::record(&txn, &ctx.calendars.snapshot(), &req, p.user_id, decider, now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "exclusion.record",
        &v.id.to_string(),
        serde_json::json!(v),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(v)
}

/// A decision's note.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Why (required to revoke).
    pub note: Option<String>,
}

/// Approves, rejects or revokes exclusion `id` (admins, the bureau's managers and managers of
/// the unit that owns its system); `decision` is `approve`, `reject` or `revoke`. Approving and revoking re-evaluate
/// the system's affected tickets. An exclusion of a system `p` may not see is not found.
pub async fn decide_exclusion(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: i64,
    decision: &str,
    body: DecisionBody,
) -> AppResult<ExclusionView> {
    permissions::check(p, Action::ExclusionDecide)?;
    let d: exclusions::Decision = decision.parse().map_err(|e: String| AppError::invalid("decision", e))?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let row = crate::db::entities::exclusions::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no exclusion {id}")))?;
    let system = systems::Entity::find_by_id(row.system_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no exclusion {id}")))?;
    if !crate::app::scope::can_see_system(&txn, p, system.id).await? {
        return Err(AppError::NotFound(format!("no exclusion {id}")));
    }
    if !may_decide(p, &system) {
        return Err(AppError::Forbidden(
            "only an admin, the bureau's managers or a manager of the system's own unit may decide on its exclusions"
                .into(),
        ));
    }
    let v = exclusions::decide(&txn, &ctx.calendars.snapshot(), row, d, body.note, p.user_id, now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        &format!("exclusion.{decision}"),
        &id.to_string(),
        serde_json::json!(v),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(v)
}

// ---- scheduled duties ----------------------------------------------------------------------------

/// Every scheduled duty with its next occurrence and quota progress.
pub async fn list_duties(ctx: &Context, p: &Principal) -> AppResult<Vec<DutyView>> {
    permissions::check(p, Action::DutyRead)?;
    scheduled::list(&ctx.db, &ctx.calendars.snapshot(), ctx.now()).await
}

/// Sets scheduled duty `code` to `doc` (the buyer's managers: the bureau's on any system, a
/// unit's on their own unit's), auditing it if it changed; its next occurrence is the first
/// after now. The system must be one `p` sees (else it reads as unknown), a duty of that code
/// already on a system `p` does not see is not theirs to replace, and the assignee must be
/// someone who sees the system.
pub async fn put_duty(ctx: &Context, p: &Principal, from: &ClientAddr, code: &str, doc: DutyDoc) -> AppResult<DutyDoc> {
    permissions::check(p, Action::DutyWrite)?;
    same_code(code, &doc.code)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let system = crate::app::scope::system_in_scope(&txn, p, &doc.system).await?;
    if let Some(existing) = duties::Entity::find()
        .filter(duties::Column::Code.eq(&doc.code))
        .one(&txn)
        .await?
        && !crate::app::scope::can_see_system(&txn, p, existing.system_id).await?
    {
        return Err(AppError::Forbidden(format!(
            "duty {:?} is on a system outside your scope; only its own unit or the bureau may change it",
            doc.code
        )));
    }
    if let Some(name) = &doc.assignee {
        let user = users::Entity::find()
            .filter(users::Column::Username.eq(name))
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::invalid("assignee", format!("no user {name:?}")))?;
        if !crate::app::scope::may_see_system(&txn, user.id, system.id).await? {
            return Err(AppError::invalid(
                "assignee",
                format!(
                    "{name:?} cannot see system {:?}, so cannot be its assignee",
                    system.code
                ),
            ));
        }
    }
    if scheduled::set(&txn, &ctx.calendars.snapshot(), &doc, now).await? {
        audit::record(
            &txn,
            Some(p.user_id),
            "duty.set",
            &doc.code,
            serde_json::json!(doc),
            from,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(doc)
}

/// Removes scheduled duty `code` (admins); its tickets stay.
pub async fn delete_duty(ctx: &Context, p: &Principal, from: &ClientAddr, code: &str) -> AppResult<()> {
    permissions::check(p, Action::DutyRemove)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    if !scheduled::remove(&txn, code).await? {
        return Err(AppError::NotFound(format!("no duty {code:?}")));
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "duty.remove",
        code,
        serde_json::json!({}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

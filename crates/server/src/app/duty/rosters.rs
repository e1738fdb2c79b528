//! Duty rosters as stored: one document per roster, overrides beside it, and the question every
//! other part asks: who is on duty for system S at instant T.
//!
//! A roster belongs to a vendor and covers the systems it lists, or every system the vendor
//! serves. Its members are user names; on-duty answers name only enabled users of that vendor.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use duty_roster::{Override, Roster, ShiftInstance, ShiftLine, StaffingRule};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use sla_clock::Calendar;
use ticket_domain::Status;
use utoipa::ToSchema;

use crate::app::AppError;
use crate::db::entities::{roster_overrides, rosters, system_vendors, systems, users, vendors};

pub use super::shifts::{StaffingGap, UserShift, gaps, shifts_of};

/// A roster as written in a file or sent to the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterDoc {
    /// Stable code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// The vendor's code: its people hold the shifts.
    pub vendor: String,
    /// The calendar whose working days, holidays and zone the shifts follow.
    pub calendar: String,
    /// Codes of the systems covered; empty: every system the vendor serves.
    #[serde(default)]
    pub systems: Vec<String>,
    /// The shift lines (see `duty_roster`).
    #[schema(value_type = Vec<Object>)]
    pub shifts: Vec<ShiftLine>,
    /// Staffing rules checked at every instant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub staffing: Vec<StaffingRule>,
}

impl RosterDoc {
    /// The pure roster.
    pub fn roster(&self) -> Roster {
        Roster {
            shifts: self.shifts.clone(),
            staffing: self.staffing.clone(),
        }
    }
}

/// A stored roster with what it needs to answer questions.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The row.
    pub row: rosters::Model,
    /// The document.
    pub doc: RosterDoc,
    /// Its overrides.
    pub overrides: Vec<Override>,
}

impl Loaded {
    /// Every shift of the roster overlapping `[from, to)`.
    pub fn instances(
        &self,
        calendars: &BTreeMap<String, Calendar>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ShiftInstance>, AppError> {
        let cal = super::calendar(calendars, "calendar", &self.doc.calendar)?;
        self.doc
            .roster()
            .instances(cal, from, to, &self.overrides)
            .map_err(|e| AppError::invalid("roster", format!("{}: {e}", self.doc.code)))
    }
}

/// Someone on duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OnDuty {
    /// The user's id.
    pub user_id: i64,
    /// The user's name.
    pub username: String,
    /// The roster's code.
    pub roster: String,
    /// The shift line.
    pub line: String,
    /// The line's team.
    pub team: String,
    /// When the shift ends.
    pub until: DateTime<Utc>,
}

impl OnDuty {
    /// Why a ticket went to them, as its audit entry says: `on duty: eng_a (ops, day)`.
    pub fn assigned_by(&self) -> String {
        format!("on duty: {} ({}, {})", self.username, self.roster, self.line)
    }
}

fn parse(row: &rosters::Model) -> Result<RosterDoc, AppError> {
    serde_json::from_value(row.document.clone())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("roster {} is unreadable: {e}", row.code)))
}

/// The rosters of `rows` with their overrides (read in one query). One that cannot be read (its
/// document edited by hand, or written by a version of opsclock whose format has changed) is
/// left out and logged: it must not stop ticket openings, escalations or the other rosters'
/// answers.
async fn load_rows(db: &impl ConnectionTrait, rows: Vec<rosters::Model>) -> Result<Vec<Loaded>, AppError> {
    let overrides = if rows.is_empty() {
        Vec::new()
    } else {
        roster_overrides::Entity::find()
            .filter(roster_overrides::Column::RosterId.is_in(rows.iter().map(|r| r.id)))
            .order_by_asc(roster_overrides::Column::Id)
            .all(db)
            .await?
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let doc = match parse(&row) {
            Ok(doc) => doc,
            Err(e) => {
                tracing::error!(roster = %row.code, error = %e, "roster left out: it cannot be read");
                continue;
            }
        };
        let overrides = overrides
            .iter()
            .filter(|o| o.roster_id == row.id)
            .map(|o| Override {
                line: o.line.clone(),
                date: o.date,
                off: o.off_user.clone(),
                on: o.on_user.clone(),
                reason: o.reason.clone(),
            })
            .collect();
        out.push(Loaded { row, doc, overrides });
    }
    Ok(out)
}

/// Every roster, by code.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Loaded>, AppError> {
    let rows = rosters::Entity::find()
        .order_by_asc(rosters::Column::Code)
        .all(db)
        .await?;
    load_rows(db, rows).await
}

/// The roster with `code`.
pub async fn get(db: &impl ConnectionTrait, code: &str) -> Result<Loaded, AppError> {
    let rows = rosters::Entity::find()
        .filter(rosters::Column::Code.eq(code))
        .all(db)
        .await?;
    for row in &rows {
        parse(row)?;
    }
    load_rows(db, rows)
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("no roster {code:?}")))
}

/// Who is on duty for `system` at `at`: `None` when no roster covers the system (the caller
/// falls back to whoever holds the role), else the people, possibly none (a gap).
pub async fn on_duty(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    system: &systems::Model,
    at: DateTime<Utc>,
) -> Result<Option<Vec<OnDuty>>, AppError> {
    let vendors = HashMap::from([(system.id, crate::app::scope::vendors_of_system(db, system.id).await?)]);
    Ok(on_duty_many(db, calendars, &[system], &vendors, at)
        .await?
        .remove(&system.id)
        .flatten())
}

/// The vendors serving each of `systems` (by id), as system id → vendor ids.
pub async fn vendors_of(
    db: &impl ConnectionTrait,
    systems: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, Vec<i64>>, sea_orm::DbErr> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for l in system_vendors::Entity::find()
        .filter(system_vendors::Column::SystemId.is_in(systems))
        .all(db)
        .await?
    {
        out.entry(l.system_id).or_default().push(l.vendor_id);
    }
    Ok(out)
}

/// [`on_duty`] for each of `systems` at once, in three queries however many there are (the
/// escalation sweep asks for a whole batch's): the rosters of their vendors (`vendors`, from
/// [`vendors_of`]) with their overrides, and the people those rosters put on duty. Each roster
/// is asked once; a system maps to `None` when no roster covers it.
pub async fn on_duty_many(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    systems: &[&systems::Model],
    vendors: &HashMap<i64, Vec<i64>>,
    at: DateTime<Utc>,
) -> Result<HashMap<i64, Option<Vec<OnDuty>>>, AppError> {
    let serving: BTreeSet<i64> = systems
        .iter()
        .filter_map(|s| vendors.get(&s.id))
        .flatten()
        .copied()
        .collect();
    let rosters = if serving.is_empty() {
        std::sync::Arc::default()
    } else {
        // Kept by the configuration cache ([`crate::app::cache`]) when the caller reads through
        // it: rosters and their overrides move its epoch.
        let key = serving.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        crate::app::cache::cached("rosters.of_vendors", key, || async {
            let rows = rosters::Entity::find()
                .filter(rosters::Column::VendorId.is_in(serving.iter().copied()))
                .order_by_asc(rosters::Column::Code)
                .all(db)
                .await?;
            load_rows(db, rows).await.map(std::sync::Arc::new)
        })
        .await?
    };
    let shifts: Vec<Vec<ShiftInstance>> = rosters.iter().map(|r| shifts_at(r, calendars, at)).collect();
    let names: BTreeSet<&String> = shifts.iter().flatten().flat_map(|s| &s.members).collect();
    let people = if names.is_empty() {
        std::sync::Arc::default()
    } else {
        let key = names.iter().map(|n| n.as_str()).collect::<Vec<_>>().join("\n");
        crate::app::cache::cached("users.enabled_by_name", key, || async {
            users::Entity::find()
                .filter(users::Column::Username.is_in(names.into_iter().cloned()))
                .filter(users::Column::Disabled.eq(false))
                .all(db)
                .await
                .map(std::sync::Arc::new)
        })
        .await?
    };
    let mut answers = HashMap::new();
    for system in systems {
        let theirs = vendors.get(&system.id).map_or(&[][..], Vec::as_slice);
        let mut on: Option<Vec<OnDuty>> = None;
        let covering = rosters.iter().zip(&shifts).filter(|(r, _)| {
            theirs.contains(&r.row.vendor_id) && (r.doc.systems.is_empty() || r.doc.systems.contains(&system.code))
        });
        for (r, shifts) in covering {
            let out = on.get_or_insert_with(Vec::new);
            for s in shifts {
                for m in &s.members {
                    // Only the roster's own vendor's people are on duty by it.
                    let person = people
                        .iter()
                        .find(|u| &u.username == m && u.vendor_id == Some(r.row.vendor_id));
                    if let Some(u) = person
                        && !out.iter().any(|o| o.user_id == u.id)
                    {
                        out.push(OnDuty {
                            user_id: u.id,
                            username: u.username.clone(),
                            roster: r.doc.code.clone(),
                            line: s.line.clone(),
                            team: s.team.clone(),
                            until: s.end,
                        });
                    }
                }
            }
        }
        answers.insert(system.id, on);
    }
    Ok(answers)
}

/// The shifts of roster `r` at `at`. A roster that cannot answer (its calendar does not cover the
/// date) must not stop ticket writes or escalations: it is logged and counts as nobody on duty.
fn shifts_at(r: &Loaded, calendars: &BTreeMap<String, Calendar>, at: DateTime<Utc>) -> Vec<ShiftInstance> {
    let shifts = super::calendar(calendars, "calendar", &r.doc.calendar).and_then(|cal| {
        r.doc
            .roster()
            .on_duty(cal, at, &r.overrides)
            .map_err(|e| AppError::invalid("roster", e.to_string()))
    });
    shifts.unwrap_or_else(|e| {
        tracing::error!(roster = %r.doc.code, error = %e, "roster cannot say who is on duty");
        Vec::new()
    })
}

/// Checks a roster against the catalogue and the users, then stores it (replacing the roster with
/// the same code). Returns whether anything changed.
pub async fn set(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    doc: &RosterDoc,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if !crate::app::catalog::is_valid_code(&doc.code) {
        return Err(AppError::invalid(
            "code",
            "use letters, digits, '-' and '_' (at most 64)",
        ));
    }
    if doc.name.trim().is_empty() {
        return Err(AppError::invalid("name", "must not be empty"));
    }
    let problems = doc.roster().problems();
    if !problems.is_empty() {
        return Err(AppError::invalid("shifts", problems.join("; ")));
    }
    crate::app::text::refuse_nul(doc)?;
    let cal = super::calendar(calendars, "calendar", &doc.calendar)?;
    // Turns are counted day by day from each line's anchor, in the calendar: an anchor the
    // calendar does not answer for would make the roster unable to say who is on duty.
    for (i, line) in doc.shifts.iter().enumerate() {
        if let Err(e) = cal.day(line.anchor) {
            return Err(AppError::invalid(
                format!("shifts[{i}].anchor"),
                format!(
                    "{}: calendar {:?} cannot count from this date ({e}); anchor the line on a date it covers",
                    line.anchor, doc.calendar
                ),
            ));
        }
    }
    if let Err(e) = doc.roster().on_duty(cal, now, &[]) {
        return Err(AppError::invalid(
            "shifts",
            format!("the roster cannot say who is on duty now: {e}"),
        ));
    }
    let vendor = vendors::Entity::find()
        .filter(vendors::Column::Code.eq(&doc.vendor))
        .one(db)
        .await?
        .ok_or_else(|| AppError::invalid("vendor", format!("no vendor {:?}", doc.vendor)))?;
    for code in &doc.systems {
        let served = match systems::Entity::find()
            .filter(systems::Column::Code.eq(code))
            .one(db)
            .await?
        {
            None => return Err(AppError::invalid("systems", format!("no system {code:?}"))),
            Some(s) => system_vendors::Entity::find()
                .filter(system_vendors::Column::SystemId.eq(s.id))
                .filter(system_vendors::Column::VendorId.eq(vendor.id))
                .one(db)
                .await?
                .is_some(),
        };
        if !served {
            return Err(AppError::invalid(
                "systems",
                format!("vendor {:?} does not serve system {code:?}", doc.vendor),
            ));
        }
    }
    let mut names: Vec<&String> = doc.shifts.iter().flat_map(|l| &l.members).collect();
    names.sort();
    names.dedup();
    check_members(
        db,
        vendor.id,
        &doc.vendor,
        names.into_iter().cloned().collect(),
        "shifts",
    )
    .await?;
    let document = serde_json::to_value(doc).map_err(|e| AppError::Internal(e.into()))?;
    let systems_json = serde_json::to_value(&doc.systems).map_err(|e| AppError::Internal(e.into()))?;
    let existing = rosters::Entity::find()
        .filter(rosters::Column::Code.eq(&doc.code))
        .one(db)
        .await?;
    match existing {
        Some(row) if row.document == document && row.vendor_id == vendor.id => Ok(false),
        Some(row) => {
            let mut am = row.into_active_model();
            am.name = Set(doc.name.clone());
            am.vendor_id = Set(vendor.id);
            am.calendar = Set(doc.calendar.clone());
            am.systems = Set(systems_json);
            am.document = Set(document);
            am.updated_at = Set(now);
            am.update(db).await?;
            Ok(true)
        }
        None => {
            rosters::ActiveModel {
                code: Set(doc.code.clone()),
                name: Set(doc.name.clone()),
                vendor_id: Set(vendor.id),
                calendar: Set(doc.calendar.clone()),
                systems: Set(systems_json),
                document: Set(document),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            Ok(true)
        }
    }
}

/// Fails unless every name is an enabled user of vendor `vendor_id`.
async fn check_members(
    db: &impl ConnectionTrait,
    vendor_id: i64,
    vendor: &str,
    names: Vec<String>,
    field: &str,
) -> Result<(), AppError> {
    let found = users::Entity::find()
        .filter(users::Column::Username.is_in(names.clone()))
        .all(db)
        .await?;
    for n in &names {
        match found.iter().find(|u| &u.username == n) {
            None => return Err(AppError::invalid(field, format!("no user {n:?}"))),
            Some(u) if u.vendor_id != Some(vendor_id) => {
                return Err(AppError::invalid(
                    field,
                    format!("user {n:?} does not work for vendor {vendor:?}"),
                ));
            }
            Some(u) if u.disabled => return Err(AppError::invalid(field, format!("user {n:?} is disabled"))),
            Some(_) => {}
        }
    }
    Ok(())
}

/// Removes a roster and its overrides; whether there was one.
pub async fn remove(db: &impl ConnectionTrait, code: &str) -> Result<bool, AppError> {
    let Some(row) = rosters::Entity::find()
        .filter(rosters::Column::Code.eq(code))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    roster_overrides::Entity::delete_many()
        .filter(roster_overrides::Column::RosterId.eq(row.id))
        .exec(db)
        .await?;
    rosters::Entity::delete_by_id(row.id).exec(db).await?;
    Ok(true)
}

/// Records an override of one shift of roster `code`.
pub async fn add_override(
    db: &impl ConnectionTrait,
    code: &str,
    o: &Override,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let r = get(db, code).await?;
    if r.doc.roster().line(&o.line).is_none() {
        let lines: Vec<&str> = r.doc.shifts.iter().map(|l| l.name.as_str()).collect();
        return Err(AppError::invalid(
            "line",
            format!("roster {code:?} has no line {:?}; it has: {}", o.line, lines.join(", ")),
        ));
    }
    if o.off.is_none() && o.on.is_none() {
        return Err(AppError::invalid("off", "give off, on, or both"));
    }
    if o.reason.trim().is_empty() {
        return Err(AppError::invalid("reason", "say why"));
    }
    let vendor_code = vendors::Entity::find_by_id(r.row.vendor_id)
        .one(db)
        .await?
        .map(|v| v.code)
        .unwrap_or_default();
    let names: Vec<String> = o.off.iter().chain(&o.on).cloned().collect();
    check_members(db, r.row.vendor_id, &vendor_code, names, "on").await?;
    roster_overrides::ActiveModel {
        roster_id: Set(r.row.id),
        line: Set(o.line.clone()),
        date: Set(o.date),
        off_user: Set(o.off.clone()),
        on_user: Set(o.on.clone()),
        reason: Set(o.reason.clone()),
        created_by: Set(by),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Who a new ticket of `system` goes to at `at`: of the people on duty, the one with the fewest
/// unresolved tickets assigned (then the earliest in the roster). `None` when no roster covers
/// the system or nobody is on duty.
pub async fn pick_assignee(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    system: &systems::Model,
    at: DateTime<Utc>,
) -> Result<Option<OnDuty>, AppError> {
    use sea_orm::PaginatorTrait;
    let Some(people) = on_duty(db, calendars, system, at).await? else {
        return Ok(None);
    };
    let done = [Status::Resolved, Status::Closed, Status::Cancelled].map(crate::db::Key);
    let mut best: Option<(u64, OnDuty)> = None;
    for p in people {
        let load = crate::db::entities::tickets::Entity::find()
            .filter(crate::db::entities::tickets::Column::AssigneeId.eq(p.user_id))
            .filter(crate::db::entities::tickets::Column::Status.is_not_in(done))
            .count(db)
            .await?;
        if best.as_ref().is_none_or(|(n, _)| load < *n) {
            best = Some((load, p));
        }
    }
    Ok(best.map(|(_, p)| p))
}

//! Two parties, one record: who records an action, what they may claim, and what waits for the
//! other party (the rules are `ticket_domain::evidence`; this is how the server applies them).
//!
//! | setting (`[sla]`) | default | what it does |
//! |---|---|---|
//! | `claim_tolerance` | `5m` | an action dated earlier than it is recorded by more than this counts as recorded until the other party approves the earlier time |
//! | `pause_confirm_within` | `24h` | a vendor's pause awaiting the reporter or the buyer's window stops the clock only if the buyer confirms it within this |
//! | `auto_close_after` | `7d` | a resolved ticket nobody closed or reopened closes by itself after this, without a rating (`off`: never) |
//!
//! The defaults are opsclock's, not a contract's: none of the seed contracts sets a figure.
//!
//! Who is which party: a vendor's people record as the vendor (the measured party); the bureau's
//! and the units' people, and admins of no vendor, as the buyer; the supervisor (监理) as the
//! supervisor. Alert intake and scheduled duties record as the machine: their instants are the
//! monitor's and the schedule's, not a person's claim.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use ticket_domain::evidence::{Change, Claim};
use ticket_domain::{Recording, Side, Ticket};
use utoipa::ToSchema;

use crate::app::auth::{Party, Principal};
use crate::app::{AppError, AppResult, Context};
use crate::db::Key;
use crate::db::entities::tickets;

/// The two parties' rules, from `[sla]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// See the module's table.
    pub claim_tolerance: TimeDelta,
    /// See the module's table.
    pub pause_confirm_within: TimeDelta,
    /// See the module's table; `None`: never.
    pub auto_close_after: Option<TimeDelta>,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            claim_tolerance: TimeDelta::minutes(5),
            pause_confirm_within: TimeDelta::hours(24),
            auto_close_after: Some(TimeDelta::days(7)),
        }
    }
}

impl Rules {
    /// The rules the settings give; what is not set keeps its default.
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use opsclock::app::tickets::evidence::Rules;
    ///
    /// let r = Rules::from_settings(Some("10m"), None, Some("off")).unwrap();
    /// assert_eq!(r.claim_tolerance, TimeDelta::minutes(10));
    /// assert_eq!(r.pause_confirm_within, TimeDelta::hours(24));
    /// assert_eq!(r.auto_close_after, None);
    /// assert!(Rules::from_settings(Some("2wd"), None, None).unwrap_err().to_string().contains("claim_tolerance"));
    /// ```
    pub fn from_settings(
        claim_tolerance: Option<&str>,
        pause_confirm_within: Option<&str>,
        auto_close_after: Option<&str>,
    ) -> anyhow::Result<Rules> {
        let d = Rules::default();
        Ok(Rules {
            claim_tolerance: claim_tolerance.map_or(Ok(d.claim_tolerance), |s| wall("claim_tolerance", s))?,
            pause_confirm_within: pause_confirm_within
                .map_or(Ok(d.pause_confirm_within), |s| wall("pause_confirm_within", s))?,
            auto_close_after: match auto_close_after {
                None => d.auto_close_after,
                Some("off") => None,
                Some(s) => Some(wall("auto_close_after", s)?),
            },
        })
    }
}

/// A wall-clock duration written `30m`, `24h` or `7d`.
fn wall(setting: &str, s: &str) -> anyhow::Result<TimeDelta> {
    let bad =
        || anyhow::anyhow!("[sla] {setting} = {s:?}: expected minutes, hours or days, e.g. \"5m\", \"24h\", \"7d\"");
    let (n, unit) = s.trim().split_at(s.trim().len().saturating_sub(1));
    let n: i64 = n.parse().map_err(|_| bad())?;
    match unit {
        "m" => Ok(TimeDelta::minutes(n)),
        "h" => Ok(TimeDelta::hours(n)),
        "d" => Ok(TimeDelta::days(n)),
        _ => Err(bad()),
    }
}

/// `t` in Beijing time, to the minute (as the pages and mails write instants).
fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The side `p` records as.
pub fn side_of(p: &Principal) -> Side {
    side_of_party(p.party)
}

/// The side a stored user records as (the same rule as [`side_of`]).
pub fn side_of_user(u: &crate::db::entities::users::Model) -> Side {
    side_of_party(Party::of(u))
}

/// A vendor's people record as the vendor, the supervisor's as the supervisor, everyone else
/// (the bureau, a unit, an admin of no vendor) as the buyer.
fn side_of_party(party: Option<Party>) -> Side {
    match party {
        Some(Party::Vendor(_)) => Side::Vendor,
        Some(Party::Supervisor) => Side::Supervisor,
        _ => Side::Buyer,
    }
}

/// How `p` records an action at `now` on a ticket of `system`: the tolerance is the contract's
/// (`claim_tolerance_min` of a contract of a vendor serving the system and covering it; the
/// strictest if several), else `[sla] claim_tolerance`.
pub async fn recording(
    db: &impl sea_orm::ConnectionTrait,
    ctx: &Context,
    p: &Principal,
    system: &crate::db::entities::systems::Model,
    now: DateTime<Utc>,
) -> AppResult<Recording> {
    Ok(Recording {
        side: side_of(p),
        at: now,
        tolerance: tolerance_for(db, system).await?.unwrap_or(ctx.evidence.claim_tolerance),
    })
}

/// The claim tolerance the contracts covering `system` set, if any (the strictest). Contracts
/// carry no dates (a contract is in force while it is stored), so every stored one counts.
/// Kept by the configuration cache ([`crate::app::cache`]) when the caller reads through it.
pub async fn tolerance_for(
    db: &impl sea_orm::ConnectionTrait,
    system: &crate::db::entities::systems::Model,
) -> AppResult<Option<TimeDelta>> {
    crate::app::cache::cached("tolerance", system.id, || tolerance_read(db, system)).await
}

async fn tolerance_read(
    db: &impl sea_orm::ConnectionTrait,
    system: &crate::db::entities::systems::Model,
) -> AppResult<Option<TimeDelta>> {
    use crate::db::entities::contracts;
    let vendors = crate::app::scope::vendors_of_system(db, system.id).await?;
    let mut strictest: Option<TimeDelta> = None;
    for row in contracts::Entity::find()
        .filter(contracts::Column::VendorId.is_in(vendors))
        .all(db)
        .await?
    {
        // A stored document this version cannot read (saved documents are checked, so only an
        // older schema) must not stop work on the system's tickets, nor loosen them: it counts as
        // no tolerance at all (every earlier claim waits), and the log says which contract to fix.
        let c: contract_terms::Contract = match serde_json::from_value(row.document) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(contract = %row.code, error = %e, "contract document unreadable; claims on its vendor's systems get no tolerance");
                strictest = Some(TimeDelta::zero());
                continue;
            }
        };
        let covers = c.systems.is_empty() || c.systems.iter().any(|s| s == &system.code);
        if let (true, Some(min)) = (covers, c.claim_tolerance_min) {
            let t = TimeDelta::minutes(i64::from(min));
            strictest = Some(strictest.map_or(t, |s| s.min(t)));
        }
    }
    Ok(strictest)
}

/// A claim or request of a ticket, as a reader sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimView {
    /// The timeline entry of the claim or request (what `approve` and `reject` name as `event`).
    pub seq: i32,
    /// `earlier_time` (an action dated earlier than recorded), `buyer_pause` (a pause the buyer
    /// must confirm), `regrade` or `cancel` (a request that would clear a breach), `system` (the
    /// vendor moving a ticket to another system once it left `new`).
    pub kind: String,
    /// The timeline entry a claim is about.
    pub about_seq: Option<i32>,
    /// Who made it: `buyer`, `vendor` or `supervisor`.
    pub by: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// For `earlier_time`: the instant claimed.
    pub claimed_at: Option<DateTime<Utc>>,
    /// What it asks, in Chinese.
    pub summary: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Who decided it.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why.
    pub note: Option<String>,
}

/// The claims and requests of `ticket`, oldest first.
pub fn claims_of(ticket: &Ticket) -> Vec<ClaimView> {
    let seq = |i: usize| i as i32 + 1;
    ticket
        .claims_and_requests()
        .iter()
        .map(|p| {
            let about = p.event.and_then(|i| ticket.events().get(i));
            let action = about.map_or("", |e| e.kind());
            let (kind, claimed_at, summary) = match (&p.claim, &p.change) {
                (Some(Claim::EarlierTime { at }), _) => (
                    "earlier_time",
                    Some(*at),
                    format!(
                        "{} 申报时间 {} 早于记录时间 {}",
                        action_zh(action),
                        local(*at),
                        local(p.recorded_at)
                    ),
                ),
                (Some(Claim::BuyerPause { reason }), _) => (
                    "buyer_pause",
                    None,
                    format!("暂停（{}）需甲方确认后才计入暂停时间", reason.label_zh()),
                ),
                (None, Some(Change::Regrade { from, to, reason, .. })) => (
                    "regrade",
                    None,
                    format!(
                        "申请{} {} → {}：{reason}",
                        if to > from { "降级" } else { "升级" },
                        from.label_zh(),
                        to.label_zh()
                    ),
                ),
                (None, Some(Change::Cancel { reason, note })) => (
                    "cancel",
                    None,
                    format!(
                        "申请作废工单（{}）{}",
                        reason.label_zh(),
                        note.as_deref().map(|n| format!("：{n}")).unwrap_or_default()
                    ),
                ),
                (None, Some(Change::System { system, reason, .. })) => {
                    ("system", None, format!("申请改到系统 {system}：{reason}"))
                }
                (None, None) => ("unknown", None, String::new()),
            };
            ClaimView {
                seq: seq(p.index),
                kind: kind.into(),
                about_seq: p.event.map(seq),
                by: p.by.key().into(),
                recorded_at: p.recorded_at,
                claimed_at,
                summary,
                status: match &p.decision {
                    None => "pending",
                    Some(d) if d.approved => "approved",
                    Some(_) => "rejected",
                }
                .into(),
                decided_by: p.decision.as_ref().map(|d| d.by.key().to_owned()),
                decided_at: p.decision.as_ref().map(|d| d.at),
                note: p.decision.as_ref().and_then(|d| d.note.clone()),
            }
        })
        .collect()
}

/// The Chinese name of an event type.
pub fn action_zh(kind: &str) -> &'static str {
    match kind {
        "opened" => "开单（故障开始时间）",
        "acknowledged" => "响应",
        "arrived" => "到场",
        "started" => "开始处理",
        "paused" => "暂停",
        "resumed" => "恢复",
        "regraded" => "调整级别",
        "resolved" => "解决",
        "closed" => "关闭",
        "reopened" => "重开",
        "cancelled" => "作废",
        "assigned" => "指派",
        "commented" => "备注",
        _ => "操作",
    }
}

/// Checks, before a decision, what the server adds to the domain's rules: a pause claim is
/// confirmed within `[sla] pause_confirm_within` of its recording, or not at all.
pub fn check_decision(ctx: &Context, ticket: &Ticket, on: usize, now: DateTime<Utc>) -> AppResult<()> {
    let Some(p) = ticket.claims_and_requests().iter().find(|p| p.index == on) else {
        return Ok(());
    };
    if let Some(Claim::BuyerPause { .. }) = p.claim
        && now - p.recorded_at > ctx.evidence.pause_confirm_within
    {
        return Err(AppError::invalid(
            "event",
            format!(
                "the pause was recorded at {} and had to be confirmed within {} hours; it does not count",
                local(p.recorded_at),
                ctx.evidence.pause_confirm_within.num_hours()
            ),
        ));
    }
    Ok(())
}

/// Checks that a vendor's person acts on its own vendor's ticket: on a system several vendors
/// serve, vendor B does not acknowledge, resolve, void or decide on vendor A's ticket, nor reopen
/// a ticket the buyer closed (reopening clears the buyer's rating).
pub fn check_own_vendor(p: &Principal, loaded: &super::Loaded, action: &str) -> AppResult<()> {
    check_own_vendor_of(p, &loaded.row, loaded.ticket.status(), action)
}

/// [`check_own_vendor`] on a ticket's row and status.
pub fn check_own_vendor_of(
    p: &Principal,
    row: &crate::db::entities::tickets::Model,
    status: ticket_domain::Status,
    action: &str,
) -> AppResult<()> {
    if let (Some(Party::Vendor(mine)), Some(theirs)) = (p.party, row.vendor_id)
        && mine != theirs
        && action != "comment"
    {
        return Err(AppError::Forbidden(format!(
            "ticket {} counts against another vendor; only its own vendor's people act on it",
            row.number
        )));
    }
    if side_of(p) == Side::Vendor && action == "reopen" && status == ticket_domain::Status::Closed {
        return Err(AppError::Forbidden(
            "the buyer closed this ticket; only the buyer reopens it".into(),
        ));
    }
    Ok(())
}

/// Checks that a vendor's person hands a ticket only to its own vendor's people (the ticket's
/// vendor follows its assignee: handing it to another vendor would move its breaches there).
pub async fn check_vendor_assignee(db: &impl sea_orm::ConnectionTrait, p: &Principal, assignee: i64) -> AppResult<()> {
    let Some(Party::Vendor(mine)) = p.party else {
        return Ok(());
    };
    let theirs = crate::db::entities::users::Entity::find_by_id(assignee)
        .one(db)
        .await?
        .and_then(|u| u.vendor_id);
    if theirs != Some(mine) {
        return Err(AppError::invalid(
            "assignee_id",
            format!("user {assignee} is not of your vendor; the buyer hands a ticket to another vendor"),
        ));
    }
    Ok(())
}

/// Checks that `p` contests a cancellation made by the other party: a party does not dispute
/// its own. The canceller is whoever voided it directly, or asked to (an approved request).
pub async fn check_contest(db: &impl sea_orm::ConnectionTrait, loaded: &super::Loaded, p: &Principal) -> AppResult<()> {
    let canceller = loaded
        .events
        .iter()
        .rev()
        .find(|(_, e)| {
            matches!(
                e,
                ticket_domain::Event::Cancelled { .. }
                    | ticket_domain::Event::Requested {
                        change: Change::Cancel { .. },
                        ..
                    }
            )
        })
        .and_then(|(r, _)| r.actor_id);
    let side = match canceller {
        Some(id) => crate::db::entities::users::Entity::find_by_id(id)
            .one(db)
            .await?
            .map_or(Side::Buyer, |u| side_of_user(&u)),
        None => Side::Buyer,
    };
    if side == side_of(p) {
        return Err(AppError::invalid(
            "action",
            format!(
                "the {} cancelled it; only the other party contests a cancellation",
                side.key()
            ),
        ));
    }
    Ok(())
}

/// What closing a ticket by itself says on its timeline.
pub const AUTO_CLOSE_NOTE: &str = "解决后无人确认，系统自动关闭（未评价）";

/// Closes, as the system, the tickets resolved more than `after` before `now` that nobody closed
/// or reopened: without a rating, with [`AUTO_CLOSE_NOTE`], at most `limit` per run (oldest
/// first), each in its own transaction under its version check (a person acting at the same
/// moment wins). Returns the numbers closed.
pub async fn auto_close(
    db: &sea_orm::DatabaseConnection,
    calendars: &crate::calendars::Calendars,
    after: TimeDelta,
    now: DateTime<Utc>,
    limit: u64,
) -> AppResult<Vec<String>> {
    let due: Vec<String> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Number)
        .filter(tickets::Column::Status.eq(Key(ticket_domain::Status::Resolved)))
        .filter(tickets::Column::ResolvedAt.lte(now - after))
        .order_by_asc(tickets::Column::ResolvedAt)
        .limit(limit)
        .into_tuple::<String>()
        .all(db)
        .await?;
    let mut closed = Vec::new();
    for number in due {
        let _turn = crate::db::turn::take(db).await;
        let txn = crate::db::begin_write(db)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let Some(loaded) = super::load(&txn, &number).await? else {
            continue;
        };
        let system = loaded.system(&txn).await?;
        let snapshot = calendars.snapshot();
        let calendars = super::calendars::TicketCalendars::of(&snapshot, &loaded.ticket, &system)?;
        let version = loaded.row.version;
        let close = ticket_domain::Command::Close {
            at: now,
            satisfaction: None,
            note: Some(AUTO_CLOSE_NOTE.to_owned()),
        };
        match super::act(&txn, &calendars, loaded, version, close, None, now, None).await {
            Ok(_) => {
                crate::app::audit::record(
                    &txn,
                    None,
                    "ticket.close",
                    &number,
                    serde_json::json!({"auto": true, "after_hours": after.num_hours()}),
                    &crate::app::audit::ClientAddr(None),
                    now,
                )
                .await?;
                txn.commit().await?;
                closed.push(number);
            }
            // Someone acted on it meanwhile: their word stands.
            Err(AppError::VersionConflict { .. } | AppError::InvalidTransition { .. }) => {}
            // A request waits, or the ticket cannot be measured: leave it, close the others.
            Err(e) => tracing::warn!(ticket = %number, error = %e, "not closed by itself"),
        }
    }
    Ok(closed)
}

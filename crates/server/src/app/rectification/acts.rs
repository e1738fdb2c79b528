//! Acts on a rectification order: `submit`, `refuse` (the vendor); `accept`, `reject`,
//! `withdraw` (the issuer). [`next`] is the rulebook; [`act`] stores what it answers with the
//! clock's event, the order's history and the audit entry in one transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr};

use super::{ActBody, MAX_TEXT, OrderView, clock_of, get, load};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{self, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context, text};
use crate::db::entities::{findings, rectification_events, rectification_orders};

/// Which side of an order an actor is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The vendor ordered.
    Vendor,
    /// The party that issued it (the issuing unit, or the bureau, which is over every unit).
    Issuer,
}

/// The acts: name, Chinese label, the side that does it, the permission it needs.
pub const ACTS: [(&str, &str, Side, Action); 5] = [
    ("submit", "报告整改完成", Side::Vendor, Action::RectificationAnswer),
    ("refuse", "拒绝整改", Side::Vendor, Action::RectificationRefuse),
    ("accept", "验收通过", Side::Issuer, Action::RectificationIssue),
    ("reject", "验收不通过", Side::Issuer, Action::RectificationIssue),
    ("withdraw", "撤回", Side::Issuer, Action::RectificationIssue),
];

/// The Chinese label of act `kind` (`issue` included).
pub fn act_label(kind: &str) -> &str {
    if kind == "issue" {
        return "下达整改通知";
    }
    ACTS.iter().find(|a| a.0 == kind).map_or(kind, |a| a.1)
}

/// The state after act `name` on an order in `state`, or `None` if the act does not apply.
///
/// ```
/// use opsclock::app::rectification::acts::next;
/// assert_eq!(next("issued", "submit"), Some("submitted"));
/// assert_eq!(next("submitted", "reject"), Some("issued")); // the clock runs on
/// assert_eq!(next("submitted", "accept"), Some("accepted"));
/// assert_eq!(next("issued", "accept"), None); // nothing reported yet
/// assert_eq!(next("accepted", "withdraw"), None); // final
/// ```
pub fn next(state: &str, name: &str) -> Option<&'static str> {
    Some(match (state, name) {
        ("issued", "submit") => "submitted",
        ("issued", "refuse") => "refused",
        ("submitted", "accept") => "accepted",
        ("submitted", "reject") => "issued",
        ("issued" | "submitted", "withdraw") => "withdrawn",
        _ => return None,
    })
}

/// The side `p` is on for `row`, if any: the vendor's people for the vendor ordered; the
/// issuing unit's people, and the bureau's, for the issuer. An administrator is on no side.
pub fn side_of(p: &Principal, row: &rectification_orders::Model) -> Option<Side> {
    if p.role == Role::Admin {
        return None;
    }
    match p.party? {
        auth::Party::Vendor(v) => (v == row.vendor_id).then_some(Side::Vendor),
        auth::Party::Bureau => Some(Side::Issuer),
        auth::Party::Unit(u) => (row.unit_id == Some(u)).then_some(Side::Issuer),
        auth::Party::Supervisor => None,
    }
}

/// The acts `p` may do to `row` now (what the page offers; [`act`] asks again).
pub fn allowed(p: &Principal, row: &rectification_orders::Model) -> Vec<&'static str> {
    let side = side_of(p, row);
    ACTS.iter()
        .filter(|(name, _, s, needs)| {
            Some(*s) == side && permissions::may(p, *needs) && next(&row.state, name).is_some()
        })
        .map(|a| a.0)
        .collect()
}

/// Appends an act to the order's history.
pub(crate) async fn event(
    db: &impl ConnectionTrait,
    order_id: i64,
    user_id: i64,
    kind: &str,
    text: &str,
    evidence: &str,
    at: DateTime<Utc>,
) -> AppResult<()> {
    rectification_events::ActiveModel {
        order_id: Set(order_id),
        user_id: Set(user_id),
        kind: Set(kind.to_owned()),
        text: Set(text.to_owned()),
        evidence: Set(evidence.to_owned()),
        at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Does `name` to order `id` as `p`; returns the order as it is now. A 409 when the order is
/// no longer in a state the act applies to, or is not at the `version` the actor read (someone
/// acted, or the sweep recorded something, since); a 403 when `p` is not on the act's side; a
/// 422 for a missing reason or evidence.
pub async fn act(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: i64,
    name: &str,
    body: ActBody,
) -> AppResult<OrderView> {
    let Some(&(name, label, side, needs)) = ACTS.iter().find(|a| a.0 == name) else {
        return Err(AppError::NotFound(format!(
            "no act {name:?}; acts: {}",
            ACTS.map(|a| a.0).join(", ")
        )));
    };
    permissions::check(p, needs)?;
    let words = text::field("text", body.text.as_deref().unwrap_or(""), MAX_TEXT, name != "accept")?;
    let evidence = text::field(
        "evidence",
        body.evidence.as_deref().unwrap_or(""),
        MAX_TEXT,
        name == "submit",
    )?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    // Claim the row before reading it (as the sweep does): an act and the sweep, or two acts,
    // never interleave on one order, and what is read below is what is changed.
    lock(&txn, id).await?;
    let row = load(&txn, p, id).await?;
    if side_of(p, &row) != Some(side) {
        return Err(AppError::Forbidden(format!(
            "{label} ({name}) is the {}'s act on ZG-{id}; you are not on that side",
            match side {
                Side::Vendor => "vendor ordered",
                Side::Issuer => "issuer",
            }
        )));
    }
    if let Some(v) = body.version
        && v != row.version
    {
        return Err(AppError::Conflict(format!(
            "ZG-{id} changed since you read it (version {v}, now {}); read it again",
            row.version
        )));
    }
    let Some(state) = next(&row.state, name) else {
        return Err(AppError::Conflict(format!(
            "ZG-{id} is {} ({}); {label} ({name}) does not apply",
            super::label(&super::STATES, &row.state),
            row.state
        )));
    };
    let mut clock = clock_of(&row)?;
    let at = crate::app::escalation::read_at(&clock, now);
    let clocked = match name {
        "submit" => clock.pause(at, "整改已报告，等待验收"),
        "reject" => clock.resume(at),
        "accept" | "refuse" => clock.stop(at),
        _ => clock.cancel(at, words.clone()),
    };
    clocked.map_err(|e| AppError::Conflict(format!("ZG-{id}'s clock: {e}")))?;
    // Measured where the calendar is loaded; an order whose calendar was removed can still be
    // closed, keeping its last measured deadline.
    let calendars = ctx.calendars.snapshot();
    let measured = calendars
        .get(&row.calendar)
        .map(|cal| clock.status(cal, at))
        .transpose()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("ZG-{id}'s clock: {e}")))?;
    // 八-7 is the bureau's (甲方's) right: a refusal of the bureau's order is the finding it
    // prices, recorded once (the deadline may have recorded it already). A unit's order
    // (L28512–28514) carries no penalty of its own: its refusal is reported to the bureau.
    let finding = match (name, row.finding_id) {
        ("refuse", None) if row.issuer_party == "bureau" => {
            let summary = format!("拒不整改：ZG-{} {}", row.id, row.title);
            let evidence = format!("整改通知 ZG-{}；乙方拒绝理由：{words}", row.id);
            Some(record_refusal(&txn, &row, &summary, &evidence, now, now).await?)
        }
        _ => None,
    };
    if name == "withdraw"
        && let Some(f) = row.finding_id
    {
        withdraw_finding(&txn, f, p.user_id, &format!("整改通知 ZG-{id} 已撤回：{words}"), now).await?;
    }
    let open = super::is_open(state);
    let mut am: rectification_orders::ActiveModel = row.clone().into();
    am.state = Set(state.to_owned());
    am.events = Set(serde_json::to_value(&clock).map_err(|e| AppError::Internal(e.into()))?);
    if let Some(status) = &measured {
        am.deadline = Set(Some(status.deadline));
        am.breached = Set(status.breached);
    }
    // The sweep looks again at once: it queues what is due now and finds the next step.
    am.next_due_at = Set(open.then_some(now));
    am.version = Set(row.version + 1);
    am.updated_at = Set(now);
    if name == "submit" {
        am.assignee_id = Set(Some(p.user_id));
    }
    if !open {
        am.closed_at = Set(Some(now));
    }
    if let Some(f) = finding {
        am.finding_id = Set(Some(f));
    }
    let row = am.update(&txn).await?;
    event(&txn, id, p.user_id, name, &words, &evidence, now).await?;
    super::escalate::notice(&txn, ctx, &row, name, now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        &format!("rectification.{name}"),
        &format!("ZG-{id}"),
        serde_json::json!({"state": state, "text": words, "evidence": evidence, "finding": finding.map(|f| format!("F-{f}"))}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    get(ctx, p, id).await
}

/// Claims order `id`'s row for this transaction (a no-op update takes its lock on PostgreSQL;
/// SQLite's write transaction holds the database).
pub(crate) async fn lock(db: &impl ConnectionTrait, id: i64) -> AppResult<()> {
    crate::db::claim::<rectification_orders::Entity>(
        db,
        rectification_orders::Column::Version,
        rectification_orders::Column::Id.eq(id),
    )
    .await?;
    Ok(())
}

/// Records the `refused_rectification` finding of order `row` (seed 004 八-7) in the issuer's
/// name (八-7 is the buyer's right; the record is the buyer's), in the month of `month_of`,
/// recorded at `now`, linked to the order so that only its parties read and withdraw it;
/// returns its id.
pub(crate) async fn record_refusal(
    db: &impl ConnectionTrait,
    row: &rectification_orders::Model,
    summary: &str,
    evidence: &str,
    month_of: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let summary: String = summary.chars().take(500).collect();
    let f = findings::ActiveModel {
        contract_code: Set(row.contract_code.clone()),
        kind: Set(contract_terms::FindingKind::RefusedRectification.into()),
        ticket_id: Set(None),
        month: Set(crate::app::findings::month_of(month_of)),
        summary: Set(summary),
        facts: Set(serde_json::json!({})),
        evidence: Set(evidence.to_owned()),
        serious: Set(false),
        recorded_by: Set(row.issued_by),
        recorded_at: Set(now),
        rectification_id: Set(Some(row.id)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(f.id)
}

/// Withdraws finding `id` (the one an order's deadline recorded) with `reason`, unless withdrawn.
async fn withdraw_finding(
    db: &impl ConnectionTrait,
    id: i64,
    by: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    findings::Entity::update_many()
        .col_expr(findings::Column::WithdrawnAt, Expr::value(Some(now)))
        .col_expr(findings::Column::WithdrawnBy, Expr::value(Some(by)))
        .col_expr(findings::Column::WithdrawReason, Expr::value(Some(reason.to_owned())))
        .filter(findings::Column::Id.eq(id))
        .filter(findings::Column::WithdrawnAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The number of open orders and of those overdue, among `rows`.
pub fn open_and_overdue(rows: &[super::OrderView]) -> (usize, usize) {
    let open: Vec<_> = rows.iter().filter(|o| super::is_open(&o.state)).collect();
    (open.len(), open.iter().filter(|o| o.breached).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_act_leads_from_an_open_state_and_final_states_take_none() {
        for (name, ..) in ACTS {
            assert!(
                ["issued", "submitted"].iter().any(|s| next(s, name).is_some()),
                "{name} applies to no open state"
            );
            for fin in ["accepted", "refused", "withdrawn"] {
                assert_eq!(next(fin, name), None, "{name} on {fin}");
            }
        }
    }

    #[test]
    fn only_the_vendor_reports_and_only_the_issuer_checks() {
        for (name, _, side, needs) in ACTS {
            match side {
                Side::Vendor => assert!(
                    matches!(needs, Action::RectificationAnswer | Action::RectificationRefuse),
                    "{name}"
                ),
                Side::Issuer => assert_eq!(needs, Action::RectificationIssue, "{name}"),
            }
        }
    }
}

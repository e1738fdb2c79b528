//! Findings (认定): what a buyer-side manager establishes that opsclock cannot measure, on a
//! ticket or on a contract's month — a major impact with its facts (003 附件4/附件5: people
//! affected, economic loss, months of data lost, media or leadership attention), business
//! impact, insufficient service capability as the cause (004 八-4), an external sanction, a
//! confidentiality breach, wage arrears, a refused handover or rectification — with its evidence.
//! The contract rules that need a finding ([`contract_terms::Condition`]'s `needs`, and the
//! `finding` metric) read the findings of the month that are not withdrawn.
//!
//! | who | records and withdraws | reads |
//! |---|---|---|
//! | admins, the bureau's managers | any | every finding |
//! | a unit's managers | on their unit's tickets, or a month of a contract covering one of its systems | the same |
//! | the vendor's people | — | the findings against their contracts (as vendor or consortium member) |
//! | the supervisor | — | every finding |
//!
//! A finding is never edited or deleted: it is withdrawn with a reason, and both steps are in
//! the audit log (`finding.record`, `finding.withdraw`), written in the same transaction.
//! A finding on a ticket belongs to the ticket's report month (its receipt, in Beijing time); a
//! finding about a month names it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use contract_terms::FindingKind;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Party, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::reports::deductions::{self, Stored};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{findings, rectification_orders, systems, tickets, users};

/// The zone a ticket's report month is counted in (the reports' default).
const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// The longest summary, in characters.
const MAX_SUMMARY: usize = 500;
/// The longest evidence or withdrawal reason, in characters.
const MAX_TEXT: usize = 4000;

/// The facts of a finding, every one optional (003 附件4 counts people affected and months of
/// data lost; 附件5 注1 an economic loss; 004 八-2/八-3 media exposure and leadership attention).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// People affected (影响人数).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people_affected: Option<u64>,
    /// Economic loss, in fen (经济损失).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub economic_loss_fen: Option<i64>,
    /// Months of data lost (丢失超过 N 个月的数据).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months_of_data_lost: Option<f64>,
    /// Media exposure or leadership attention (媒体曝光、领导关注).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_or_leadership_attention: Option<bool>,
    /// How long, in minutes (现场无人值守: required for that kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<f64>,
}

/// A finding to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFinding {
    /// The contract it is against (code).
    pub contract: String,
    /// What it establishes: `major_impact`, `no_major_impact`, `business_impact`,
    /// `insufficient_capability`, `external_sanction`, `confidentiality_breach`, `wage_arrears`,
    /// `refused_handover`, `refused_rectification`, `rectification_mishandled`, `data_loss`,
    /// `unattended_site`, `low_monthly_score` (or the Chinese label).
    pub kind: String,
    /// The ticket it is about (number); without it, the finding is about `month`.
    #[serde(default)]
    pub ticket: Option<String>,
    /// The month, `YYYY-MM`: required without a ticket; with one, it must be the ticket's.
    #[serde(default)]
    pub month: Option<String>,
    /// What was found, in a line.
    pub summary: String,
    /// The facts.
    #[serde(default)]
    pub facts: Facts,
    /// The evidence it rests on (a notice's number, minutes of a meeting, a document).
    #[serde(default)]
    pub evidence: String,
    /// The buyer finds it serious (情节严重).
    #[serde(default)]
    pub serious: bool,
}

/// Why a finding is withdrawn.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// Why (required).
    pub reason: String,
}

/// A finding as people read it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FindingView {
    /// Id.
    pub id: i64,
    /// As evidence names it: `F-12`.
    pub code: String,
    /// The contract (code).
    pub contract: String,
    /// The kind's key.
    pub kind: String,
    /// The kind in the contracts' words.
    pub kind_label: String,
    /// The ticket (number), if it is about one.
    pub ticket: Option<String>,
    /// The rectification order it was recorded for (`ZG-7`), if any.
    pub rectification: Option<String>,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// What was found.
    pub summary: String,
    /// The facts.
    pub facts: Facts,
    /// The evidence.
    pub evidence: String,
    /// Found serious (情节严重).
    pub serious: bool,
    /// Who recorded it (user name).
    pub recorded_by: Option<String>,
    /// When.
    pub recorded_at: DateTime<Utc>,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Who withdrew it.
    pub withdrawn_by: Option<String>,
    /// Why.
    pub withdraw_reason: Option<String>,
}

/// Filters of the list; every one optional.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FindingQuery {
    /// A contract (code).
    pub contract: Option<String>,
    /// A month, `YYYY-MM`.
    pub month: Option<String>,
    /// A ticket (number).
    pub ticket: Option<String>,
}

/// Parses `YYYY-MM`, naming `field`.
pub fn parse_month(field: &str, s: &str) -> AppResult<String> {
    let ok = s.len() == 7 && NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").is_ok();
    if ok {
        Ok(s.to_owned())
    } else {
        Err(AppError::invalid(
            field,
            format!("{s:?} is not a month; write YYYY-MM, e.g. 2026-11"),
        ))
    }
}

/// The report month (`YYYY-MM`, Beijing time) of a ticket received at `at`.
pub fn month_of(at: DateTime<Utc>) -> String {
    at.with_timezone(&ZONE).format("%Y-%m").to_string()
}

fn check_facts(kind: FindingKind, f: &Facts) -> AppResult<()> {
    let finite = |field: &str, v: Option<f64>| match v {
        Some(x) if !x.is_finite() || x < 0.0 => Err(AppError::invalid(
            format!("facts.{field}"),
            format!("{x} is not a finite, non-negative number"),
        )),
        _ => Ok(()),
    };
    finite("months_of_data_lost", f.months_of_data_lost)?;
    finite("minutes", f.minutes)?;
    if f.economic_loss_fen.is_some_and(|x| x < 0) {
        return Err(AppError::invalid("facts.economic_loss_fen", "must not be negative"));
    }
    if kind == FindingKind::UnattendedSite && f.minutes.is_none() {
        return Err(AppError::invalid(
            "facts.minutes",
            "a finding of 现场无人值守 (unattended_site) needs its minutes",
        ));
    }
    Ok(())
}

/// Whether `p` sees findings against `stored`, and on a ticket of system `system_id` (none: a
/// finding about the month): the buyer-wide parties all; a unit the tickets of its systems and the
/// months of contracts covering one of them; a vendor those against its contracts.
async fn sees(db: &impl ConnectionTrait, p: &Principal, stored: &Stored, system_id: Option<i64>) -> AppResult<bool> {
    Ok(match (p.role, p.party) {
        (Role::Admin, _) | (_, Some(Party::Bureau | Party::Supervisor)) => true,
        (_, Some(Party::Vendor(v))) => stored.binds(v),
        (_, Some(Party::Unit(u))) => match system_id {
            Some(id) => crate::app::scope::can_see_system(db, p, id).await?,
            None => systems::Entity::find()
                .filter(systems::Column::UnitId.eq(u))
                .filter(systems::Column::Id.is_in(stored.system_ids.clone()))
                .one(db)
                .await?
                .is_some(),
        },
        (_, None) => false,
    })
}

async fn views(db: &impl ConnectionTrait, rows: Vec<findings::Model>) -> AppResult<Vec<FindingView>> {
    let ticket_ids: Vec<i64> = rows.iter().filter_map(|r| r.ticket_id).collect();
    let numbers: BTreeMap<i64, String> = tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(ticket_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.number))
        .collect();
    let user_ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| [Some(r.recorded_by), r.withdrawn_by])
        .flatten()
        .collect();
    let names: BTreeMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| FindingView {
            id: r.id,
            code: format!("F-{}", r.id),
            contract: r.contract_code,
            kind: r.kind.key().to_owned(),
            kind_label: r.kind.label_zh().to_owned(),
            ticket: r.ticket_id.and_then(|id| numbers.get(&id).cloned()),
            rectification: r.rectification_id.map(|o| format!("ZG-{o}")),
            month: r.month,
            summary: r.summary,
            facts: serde_json::from_value(r.facts).unwrap_or_default(),
            evidence: r.evidence,
            serious: r.serious,
            recorded_by: names.get(&r.recorded_by).cloned(),
            recorded_at: r.recorded_at,
            withdrawn_at: r.withdrawn_at,
            withdrawn_by: r.withdrawn_by.and_then(|id| names.get(&id).cloned()),
            withdraw_reason: r.withdraw_reason,
        })
        .collect())
}

/// Records a finding (admins, the bureau's managers, a unit's managers within their unit),
/// audited in the same transaction.
pub async fn record(ctx: &Context, p: &Principal, from: &ClientAddr, body: NewFinding) -> AppResult<FindingView> {
    permissions::check(p, Action::FindingWrite)?;
    let kind: FindingKind = body
        .kind
        .trim()
        .parse()
        .map_err(|e: contract_terms::UnknownFindingKind| AppError::invalid("kind", e.to_string()))?;
    let summary = crate::app::text::field("summary", &body.summary, MAX_SUMMARY, true)?;
    let evidence = crate::app::text::field("evidence", &body.evidence, MAX_TEXT, false)?;
    check_facts(kind, &body.facts)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let stored = deductions::by_code(&txn, "contract", body.contract.trim()).await?;
    let (ticket, month) = match body.ticket.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(number) => {
            let t = tickets::Entity::find()
                .filter(tickets::Column::Number.eq(number))
                .one(&txn)
                .await?;
            let Some(t) = t else {
                return Err(AppError::invalid("ticket", format!("no ticket {number:?}")));
            };
            if !crate::app::scope::can_see_system(&txn, p, t.system_id).await? {
                return Err(AppError::invalid(
                    "ticket",
                    format!("no ticket {number:?} (or not yours)"),
                ));
            }
            let of_contract = stored.system_ids.contains(&t.system_id) && t.vendor_id.is_some_and(|v| stored.binds(v));
            if !of_contract {
                return Err(AppError::invalid(
                    "ticket",
                    format!(
                        "ticket {number} is not one of contract {}'s (its system or vendor is another's)",
                        stored.contract.code
                    ),
                ));
            }
            let month = month_of(t.received_at);
            if let Some(m) = body.month.as_deref() {
                let m = parse_month("month", m.trim())?;
                if m != month {
                    return Err(AppError::invalid(
                        "month",
                        format!("{m}: ticket {number} belongs to {month} (its receipt); leave month out"),
                    ));
                }
            }
            (Some(t), month)
        }
        None => {
            let m = body
                .month
                .as_deref()
                .ok_or_else(|| AppError::invalid("month", "give the month (YYYY-MM) or a ticket"))?;
            (None, parse_month("month", m.trim())?)
        }
    };
    if !sees(&txn, p, &stored, ticket.as_ref().map(|t| t.system_id)).await? {
        return Err(AppError::Forbidden(format!(
            "a unit's managers record findings only on their unit's tickets and on contracts covering its systems; \
             contract {} covers none of yours",
            stored.contract.code
        )));
    }
    let row = findings::ActiveModel {
        contract_code: Set(stored.contract.code.clone()),
        kind: Set(kind.into()),
        ticket_id: Set(ticket.as_ref().map(|t| t.id)),
        month: Set(month),
        summary: Set(summary),
        facts: Set(serde_json::to_value(&body.facts).map_err(|e| AppError::Internal(e.into()))?),
        evidence: Set(evidence),
        serious: Set(body.serious),
        recorded_by: Set(p.user_id),
        recorded_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = views(&txn, vec![row]).await?.remove(0);
    audit::record(
        &txn,
        Some(p.user_id),
        "finding.record",
        &view.code,
        serde_json::json!(view),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// Withdraws finding `id` with a reason (who may record it may withdraw it); audited in the same
/// transaction. A finding `p` may not see is not found; one withdrawn already is a conflict.
pub async fn withdraw(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: &str,
    body: Withdrawal,
) -> AppResult<FindingView> {
    permissions::check(p, Action::FindingWrite)?;
    let reason = crate::app::text::field("reason", &body.reason, MAX_TEXT, true)?;
    let id = parse_id(id)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let (row, _) = visible(&txn, p, id).await?;
    if row.withdrawn_at.is_some() {
        return Err(AppError::Conflict(format!("F-{id} is withdrawn already")));
    }
    let mut am: findings::ActiveModel = row.into();
    am.withdrawn_at = Set(Some(now));
    am.withdrawn_by = Set(Some(p.user_id));
    am.withdraw_reason = Set(Some(reason));
    let row = am.update(&txn).await?;
    let view = views(&txn, vec![row]).await?.remove(0);
    audit::record(
        &txn,
        Some(p.user_id),
        "finding.withdraw",
        &view.code,
        serde_json::json!(view),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// `12` or `F-12`.
fn parse_id(s: &str) -> AppResult<i64> {
    let digits = s.strip_prefix("F-").or_else(|| s.strip_prefix("f-")).unwrap_or(s);
    digits
        .parse()
        .map_err(|_| AppError::NotFound(format!("no finding {s:?}")))
}

/// Finding `id` and its contract, if `p` may see it; else not found.
async fn visible(db: &impl ConnectionTrait, p: &Principal, id: i64) -> AppResult<(findings::Model, Stored)> {
    let not_found = || AppError::NotFound(format!("no finding F-{id}"));
    let row = findings::Entity::find_by_id(id).one(db).await?.ok_or_else(not_found)?;
    let stored = deductions::list(db)
        .await?
        .into_iter()
        .find(|s| s.contract.code == row.contract_code)
        .ok_or_else(not_found)?;
    let system = match (row.ticket_id, row.rectification_id) {
        (Some(t), _) => tickets::Entity::find_by_id(t).one(db).await?.map(|t| t.system_id),
        // A refusal of a rectification order is about the order's system: the unit that owns it.
        (None, Some(o)) => rectification_orders::Entity::find_by_id(o)
            .one(db)
            .await?
            .map(|o| o.system_id),
        (None, None) => None,
    };
    if !sees(db, p, &stored, system).await? {
        return Err(not_found());
    }
    Ok((row, stored))
}

/// The findings `p` may see, withdrawn ones too, newest first, filtered by contract, month and
/// ticket.
pub async fn list(ctx: &Context, p: &Principal, q: FindingQuery) -> AppResult<Vec<FindingView>> {
    permissions::check(p, Action::FindingRead)?;
    let mut find = findings::Entity::find();
    if let Some(c) = q.contract.as_deref() {
        find = find.filter(findings::Column::ContractCode.eq(c));
    }
    if let Some(m) = q.month.as_deref() {
        find = find.filter(findings::Column::Month.eq(parse_month("month", m)?));
    }
    if let Some(number) = q.ticket.as_deref() {
        let t = tickets::Entity::find()
            .filter(tickets::Column::Number.eq(number))
            .one(&ctx.db)
            .await?;
        match t {
            Some(t) => find = find.filter(findings::Column::TicketId.eq(t.id)),
            None => return Ok(Vec::new()),
        }
    }
    let rows = find
        .order_by_desc(findings::Column::RecordedAt)
        .order_by_desc(findings::Column::Id)
        .all(&ctx.db)
        .await?;
    let contracts: BTreeMap<String, Stored> = deductions::list(&ctx.db)
        .await?
        .into_iter()
        .map(|s| (s.contract.code.clone(), s))
        .collect();
    let ticket_systems: BTreeMap<i64, i64> = tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(rows.iter().filter_map(|r| r.ticket_id).collect::<Vec<_>>()))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.system_id))
        .collect();
    let order_systems: BTreeMap<i64, i64> = rectification_orders::Entity::find()
        .filter(
            rectification_orders::Column::Id.is_in(rows.iter().filter_map(|r| r.rectification_id).collect::<Vec<_>>()),
        )
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.system_id))
        .collect();
    let mut kept = Vec::new();
    for r in rows {
        let Some(stored) = contracts.get(&r.contract_code) else {
            continue;
        };
        let system = match (r.ticket_id, r.rectification_id) {
            (Some(t), _) => ticket_systems.get(&t).copied(),
            (None, Some(o)) => order_systems.get(&o).copied(),
            (None, None) => None,
        };
        if sees(&ctx.db, p, stored, system).await? {
            kept.push(r);
        }
    }
    views(&ctx.db, kept).await
}

/// The findings of contract `code` in `month` that are not withdrawn, as its rules read them.
pub async fn for_month(db: &impl ConnectionTrait, code: &str, month: &str) -> AppResult<Vec<contract_terms::Finding>> {
    let rows = findings::Entity::find()
        .filter(findings::Column::ContractCode.eq(code))
        .filter(findings::Column::Month.eq(month))
        .filter(findings::Column::WithdrawnAt.is_null())
        .order_by_asc(findings::Column::Id)
        .all(db)
        .await?;
    let kinds: Vec<FindingKind> = rows.iter().map(|r| *r.kind).collect();
    Ok(views(db, rows)
        .await?
        .into_iter()
        .zip(kinds)
        .map(|(v, kind)| contract_terms::Finding {
            id: v.code,
            kind,
            ticket: v.ticket,
            summary: v.summary,
            minutes: v.facts.minutes,
            serious: v.serious,
        })
        .collect())
}

/// Whether `p` may record findings on contract `code` (for a page deciding whether to show the
/// form): the permission, and the unit's scope for a unit's managers.
pub async fn may_record(ctx: &Context, p: &Principal, code: &str, system_id: Option<i64>) -> AppResult<bool> {
    if !permissions::may(p, Action::FindingWrite) {
        return Ok(false);
    }
    let Ok(stored) = deductions::by_code(&ctx.db, "contract", code).await else {
        return Ok(false);
    };
    sees(&ctx.db, p, &stored, system_id).await
}

/// The contracts a ticket belongs to (its system covered, its vendor bound), by code: the
/// choices of the ticket page's form.
pub async fn contracts_of_ticket(
    db: &impl ConnectionTrait,
    system_id: i64,
    vendor_id: Option<i64>,
) -> AppResult<Vec<String>> {
    Ok(deductions::list(db)
        .await?
        .into_iter()
        .filter(|s| s.system_ids.contains(&system_id) && vendor_id.is_some_and(|v| s.binds(v)))
        .map(|s| s.contract.code)
        .collect())
}

//! Issuing an order: the checks (contract, system, source, time allowed, who may issue where)
//! and the stored order with its clock started.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use sla_clock::{Clock, Severity, SlaDuration};
use utoipa::ToSchema;

use super::{MAX_TEXT, MAX_TITLE, OrderView, SOURCES, acts, calendar_in, escalate, get};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{self, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::reports::deductions::{self, Stored};
use crate::app::{AppError, AppResult, Context, text};
use crate::db::entities::{assessments, findings, rectification_orders, system_vendors, systems, tickets};

/// The calendar working days are counted on when the issuer names none: the statutory working
/// days (holidays and make-up days of the State Council's notices).
pub const WORKING_DAYS: &str = "cn-5x8";

/// An order to issue.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// The contract (code).
    pub contract: String,
    /// The system concerned (code). Without it, the source's: the ticket's, or the finding's
    /// ticket's.
    #[serde(default)]
    pub system: Option<String>,
    /// What it comes from: `finding`, `assessment`, `ticket`, `recurring`, `other` (or the Chinese label).
    #[serde(default = "other")]
    pub source: String,
    /// The finding (`F-12`), assessment (`A-3`) or ticket (number) it comes from; for
    /// `recurring`, optionally the tickets, as text.
    #[serde(default)]
    pub source_ref: Option<String>,
    /// One line: what is wrong.
    pub title: String,
    /// What must be put right, and how the buyer will check it.
    pub request: String,
    /// The time allowed, as a contract writes it: `5 个工作日`, `48h`, `3 天`.
    pub within: String,
    /// The calendar it is counted on; default `cn-5x8` for working days (the statutory ones),
    /// the system's repair calendar for hours and days.
    #[serde(default)]
    pub calendar: Option<String>,
    /// The severity whose escalation ladder it follows (`urgent`, `serious`, `general`, `minor`
    /// or the Chinese); default `general` (一般).
    #[serde(default)]
    pub severity: Option<String>,
}

fn other() -> String {
    "other".to_owned()
}

/// The system an order names: `system` if given, else its source's.
async fn system_of(
    db: &impl ConnectionTrait,
    system: Option<&str>,
    source_ticket: Option<&tickets::Model>,
) -> AppResult<systems::Model> {
    match system.map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => systems::Entity::find()
            .filter(systems::Column::Code.eq(code))
            .one(db)
            .await?
            .ok_or_else(|| AppError::invalid("system", format!("no system {code:?}"))),
        None => match source_ticket {
            Some(t) => systems::Entity::find_by_id(t.system_id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("system {} is gone", t.system_id))),
            None => Err(AppError::invalid(
                "system",
                "name the system concerned (its source names none)",
            )),
        },
    }
}

/// The source's key and reference, checked against the contract, and the ticket it names if any.
async fn source_of(
    db: &impl ConnectionTrait,
    body: &NewOrder,
    stored: &Stored,
) -> AppResult<(&'static str, Option<String>, Option<tickets::Model>)> {
    let given = body.source.trim();
    let Some(&(source, _)) = SOURCES.iter().find(|(k, l)| *k == given || *l == given) else {
        return Err(AppError::invalid(
            "source",
            format!(
                "{given:?} is not a source; sources: {}",
                SOURCES.map(|(k, _)| k).join(", ")
            ),
        ));
    };
    let reference = body.source_ref.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let code = &stored.contract.code;
    let ticket_by_number = |number: String| async move {
        tickets::Entity::find()
            .filter(tickets::Column::Number.eq(number.as_str()))
            .one(db)
            .await?
            .ok_or_else(|| AppError::invalid("source_ref", format!("no ticket {number:?}")))
    };
    match (source, reference) {
        ("finding" | "assessment" | "ticket", None) => Err(AppError::invalid(
            "source_ref",
            format!("name the {source} the order comes from"),
        )),
        ("finding", Some(r)) => {
            let id: i64 = r
                .trim_start_matches("F-")
                .parse()
                .map_err(|_| AppError::invalid("source_ref", format!("{r:?} is not a finding (F-12)")))?;
            let f = findings::Entity::find_by_id(id)
                .one(db)
                .await?
                .filter(|f| f.contract_code == *code)
                .ok_or_else(|| AppError::invalid("source_ref", format!("no finding F-{id} against contract {code}")))?;
            let ticket = match f.ticket_id {
                Some(t) => tickets::Entity::find_by_id(t).one(db).await?,
                None => None,
            };
            Ok(("finding", Some(format!("F-{id}")), ticket))
        }
        ("assessment", Some(r)) => {
            let id: i64 = r
                .trim_start_matches("A-")
                .parse()
                .map_err(|_| AppError::invalid("source_ref", format!("{r:?} is not an assessment (A-3)")))?;
            assessments::Entity::find_by_id(id)
                .one(db)
                .await?
                .filter(|a| a.contract_code == *code)
                .ok_or_else(|| AppError::invalid("source_ref", format!("no assessment A-{id} of contract {code}")))?;
            Ok(("assessment", Some(format!("A-{id}")), None))
        }
        ("ticket", Some(r)) => {
            let t = ticket_by_number(r.to_owned()).await?;
            Ok(("ticket", Some(t.number.clone()), Some(t)))
        }
        (s, r) => Ok((s, r.map(|r| r.chars().take(MAX_TITLE).collect()), None)),
    }
}

/// Issues an order (the bureau's managers; a unit's managers on their unit's systems), its clock
/// started now, audited in the same transaction; the vendor's managers are mailed at once.
pub async fn issue(ctx: &Context, p: &Principal, from: &ClientAddr, body: NewOrder) -> AppResult<OrderView> {
    permissions::check(p, Action::RectificationIssue)?;
    let title = text::field("title", &body.title, MAX_TITLE, true)?;
    let request = text::field("request", &body.request, MAX_TEXT, true)?;
    let within: SlaDuration = body
        .within
        .trim()
        .parse()
        .map_err(|e: sla_clock::DurationParseError| AppError::invalid("within", e.to_string()))?;
    if within.amount() == 0 {
        return Err(AppError::invalid(
            "within",
            "must allow some time (立即 is not a rectification period)",
        ));
    }
    let severity: Severity = match body.severity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse()
            .map_err(|e: sla_clock::SeverityParseError| AppError::invalid("severity", e.to_string()))?,
        None => Severity::General,
    };
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let stored = deductions::by_code(&txn, "contract", body.contract.trim()).await?;
    // Who issues: the bureau's people, or a unit's on its own systems; an administrator runs
    // the system and issues for no party (as it signs no assessment).
    let unit_of_issuer = match (p.role, p.party) {
        (Role::Admin, _) => {
            return Err(AppError::Forbidden(
                "an administrator issues for no party: issue with the bureau's or the unit's own manager account (管理员账号不能代表采购方下达整改通知)".into(),
            ));
        }
        (_, Some(auth::Party::Bureau)) => None,
        (_, Some(auth::Party::Unit(u))) => Some(u),
        _ => {
            return Err(AppError::Forbidden(
                "only the buyer (the bureau, or a unit on its own systems) orders rectification".into(),
            ));
        }
    };
    let (source, source_ref, source_ticket) = source_of(&txn, &body, &stored).await?;
    // A unit names only tickets it may read (and learns nothing of the others').
    if let Some(t) = &source_ticket
        && !crate::app::scope::can_see_system(&txn, p, t.system_id).await?
    {
        return Err(AppError::invalid(
            "source_ref",
            format!(
                "no ticket or finding {:?} of yours",
                body.source_ref.as_deref().unwrap_or_default()
            ),
        ));
    }
    let system = system_of(&txn, body.system.as_deref(), source_ticket.as_ref()).await?;
    if let Some(t) = &source_ticket
        && t.system_id != system.id
    {
        return Err(AppError::invalid(
            "system",
            format!("{} is about another system than {}", t.number, system.code),
        ));
    }
    if !stored.system_ids.contains(&system.id) {
        return Err(AppError::invalid(
            "system",
            format!(
                "system {} is not one contract {} covers",
                system.code, stored.contract.code
            ),
        ));
    }
    let (issuer_party, unit_id) = match unit_of_issuer {
        Some(u) if system.unit_id == u => ("unit", Some(u)),
        Some(_) => {
            return Err(AppError::Forbidden(format!(
                "a unit's managers order rectification only on their unit's systems; {} is another unit's",
                system.code
            )));
        }
        None => ("bureau", None),
    };
    let serving: Vec<i64> = system_vendors::Entity::find()
        .filter(system_vendors::Column::SystemId.eq(system.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|l| l.vendor_id)
        .collect();
    // The contract's lead vendor if it serves the system, else a member that does.
    let Some(vendor_id) = stored.vendor_ids().into_iter().find(|v| serving.contains(v)) else {
        return Err(AppError::invalid(
            "system",
            format!(
                "none of contract {}'s vendors serves system {}",
                stored.contract.code, system.code
            ),
        ));
    };
    let calendars = ctx.calendars.snapshot();
    let calendar = match body.calendar.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) if calendars.contains_key(c) => c.to_owned(),
        Some(c) => return Err(AppError::invalid("calendar", format!("no calendar {c:?}"))),
        // Working days are the State Council's (a 7×24 repair calendar would make every day
        // one); hours and days run on the system's repair calendar.
        None if within.unit() == sla_clock::DurationUnit::WorkingDays && calendars.contains_key(WORKING_DAYS) => {
            WORKING_DAYS.to_owned()
        }
        None => crate::app::tickets::calendars::system_names(&system)[2].clone(),
    };
    let clock = Clock::start(now, within);
    let status = clock
        .status(calendar_in(&calendars, &calendar)?, now)
        .map_err(|e| AppError::invalid("within", format!("cannot be counted on calendar {calendar}: {e}")))?;
    let row = rectification_orders::ActiveModel {
        contract_code: Set(stored.contract.code.clone()),
        system_id: Set(system.id),
        vendor_id: Set(vendor_id),
        issuer_party: Set(issuer_party.to_owned()),
        unit_id: Set(unit_id),
        source: Set(source.to_owned()),
        source_ref: Set(source_ref),
        severity: Set(severity.key().to_owned()),
        title: Set(title),
        request: Set(request.clone()),
        target: Set(body.within.trim().chars().take(40).collect()),
        calendar: Set(calendar),
        events: Set(serde_json::to_value(&clock).map_err(|e| AppError::Internal(e.into()))?),
        deadline: Set(Some(status.deadline)),
        breached: Set(false),
        next_due_at: Set(Some(now)),
        state: Set("issued".to_owned()),
        assignee_id: Set(None),
        finding_id: Set(None),
        overdue_is_refusal: Set(stored.contract.overdue_rectification_is_refusal),
        version: Set(1),
        issued_by: Set(p.user_id),
        issued_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    acts::event(&txn, row.id, p.user_id, "issue", &request, "", now).await?;
    escalate::notice(&txn, ctx, &row, "issue", now).await?;
    let number = format!("ZG-{}", row.id);
    audit::record(
        &txn,
        Some(p.user_id),
        "rectification.issue",
        &number,
        serde_json::json!({"contract": row.contract_code, "system": system.code, "within": row.target, "source": row.source, "source_ref": row.source_ref}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    get(ctx, p, row.id).await
}

/// The contracts `p` may issue orders under, each with the systems `p` may name (a unit's
/// managers: their unit's systems of the contract), as (code, name) pairs: what the form offers.
pub async fn issuable(ctx: &Context, p: &Principal) -> AppResult<Vec<(String, String, Vec<(String, String)>)>> {
    if !permissions::may(p, Action::RectificationIssue) || p.role == Role::Admin {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for s in deductions::list(&ctx.db).await? {
        let mut find = systems::Entity::find().filter(systems::Column::Id.is_in(s.system_ids.clone()));
        match p.party {
            Some(auth::Party::Unit(u)) => find = find.filter(systems::Column::UnitId.eq(u)),
            Some(auth::Party::Vendor(_) | auth::Party::Supervisor) => continue,
            _ => {}
        }
        let systems: Vec<(String, String)> = find
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|sys| (sys.code, sys.name))
            .collect();
        if !systems.is_empty() {
            out.push((s.contract.code, s.contract.name, systems));
        }
    }
    Ok(out)
}

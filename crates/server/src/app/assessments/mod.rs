//! Assessments (考核, issue 27): a contract's month assessed by the buyer, sent to the vendor,
//! agreed or disputed, signed by every party the contract names, then final — the payment
//! voucher. Seed 004: "运行维护服务考核记录形成书面材料经甲方、用户单位及乙方签字/盖章确认"
//! (L28681–28685); disputes go between the unit and the vendor, then to the bureau (L28385–28395).
//!
//! | who | may |
//! |---|---|
//! | the bureau's managers, a unit's managers (own unit) | create, revise (figures measured again), send, maintain after a dispute, sign for their party |
//! | the vendor's managers (its contracts) | agree or dispute (with the points), reply, sign |
//! | the supervisor (监理) | read, reply, sign where asked to |
//! | admins | read; reopen a final assessment, with a reason |
//!
//! The rulebook is [`scorecard::lifecycle`]: this module stores what it answers, with every act
//! in `assessment_events` and the audit log, in one transaction. The figures are measured by
//! [`figures`] and stored as canonical JSON text with its SHA-256; a signature names the hash its
//! signer saw, so no one signs figures that changed under them, and a final assessment keeps its
//! figures whatever later happens to the month's tickets.

pub mod acts;
pub mod figures;
pub mod notify;
pub mod periods;
pub mod record;
pub mod scans;
pub mod schemes;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use scorecard::lifecycle::{Lifecycle, Party, State};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{self, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::reports::deductions::{self, Stored};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{assessment_events, assessments, systems, units, users};

/// An assessment to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    /// The contract (code).
    pub contract: String,
    /// The month, `YYYY-MM`.
    pub period: String,
    /// The user unit it is for (code); without it, the whole contract. A unit's manager
    /// assesses their own unit (the default for them).
    #[serde(default)]
    pub unit: Option<String>,
    /// Who must sign: `unit`, `vendor`, `bureau`, `supervisor`. Default: the unit (for a unit's
    /// assessment), the vendor and the bureau (seed 004 L28681: 甲方、用户单位及乙方).
    #[serde(default)]
    pub signers: Option<Vec<String>>,
    /// The assessment scheme (考核方案) whose items the buyer scores, by code
    /// (`003-sme-platform`); without it, the contract's own scheme (`scheme` in the contract's
    /// document), and without that, the assessment has no scored part.
    #[serde(default)]
    pub scheme: Option<String>,
}

/// What an act says besides its name; each field only where the act takes it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActBody {
    /// `send` (optional) and `sign` (required): the content hash the actor saw.
    #[serde(default)]
    pub hash: Option<String>,
    /// `dispute`: the points disputed (at least one).
    #[serde(default)]
    pub points: Vec<String>,
    /// `reply`, and optionally `agree`, `maintain`, `revise`: the message.
    #[serde(default)]
    pub text: Option<String>,
    /// `reopen`: why (required).
    #[serde(default)]
    pub reason: Option<String>,
    /// `revise`: the scores given, by item and aspect id (`{"app-1": {"timeliness": 3,
    /// "quality": 4.5, "documentation": 2}}`), each at most the aspect's share of the item's
    /// points; the scheme's every item must be scored. Replaces the scores given before.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub scores: Option<scorecard::Entries>,
}

/// One act on an assessment, as the thread shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct EventView {
    /// `create`, `revise`, `send`, `agree`, `dispute`, `reply`, `maintain`, `sign`, `reopen`.
    pub kind: String,
    /// Who (user name).
    pub by: Option<String>,
    /// For which party; none for an admin.
    pub party: Option<String>,
    /// The points, the message or the reason.
    pub text: String,
    /// The content hash at that moment.
    pub content_hash: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// An assessment as people read it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AssessmentView {
    /// Id.
    pub id: i64,
    /// As documents name it: `A-3`.
    pub code: String,
    /// The contract (code).
    pub contract: String,
    /// The unit (code); none for the whole contract.
    pub unit: Option<String>,
    /// The month, `YYYY-MM`.
    pub period: String,
    /// `draft`, `sent`, `disputed`, `agreed`, `final`.
    pub state: String,
    /// The state in Chinese.
    pub state_label: String,
    /// Who must sign.
    pub required: Vec<String>,
    /// Who has signed.
    pub signed: Vec<String>,
    /// Who is still to sign.
    pub awaiting: Vec<String>,
    /// The assessment scheme scored, by code.
    pub scheme: Option<String>,
    /// SHA-256 of the figures' canonical text.
    pub content_hash: String,
    /// The hash the life cycle binds (sent to the vendor, signed); none in a draft never sent.
    pub bound_hash: Option<String>,
    /// Incremented by every change.
    pub version: i32,
    /// The figures (absent from lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub figures: Option<Value>,
    /// Every act, oldest first (absent from lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it became final.
    pub final_at: Option<DateTime<Utc>>,
}

/// Filters of the list; every one optional.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AssessmentQuery {
    /// A contract (code).
    pub contract: Option<String>,
    /// A month, `YYYY-MM`.
    pub period: Option<String>,
    /// A state.
    pub state: Option<String>,
}

/// The life cycle stored in `row`.
pub(crate) fn lifecycle_of(row: &assessments::Model) -> AppResult<Lifecycle> {
    let parties = |v: &Value| -> AppResult<BTreeSet<Party>> {
        serde_json::from_value(v.clone()).map_err(|e| AppError::Internal(anyhow::anyhow!("A-{}: {e}", row.id)))
    };
    Ok(Lifecycle {
        state: row
            .state
            .parse::<State>()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("A-{}: {e}", row.id)))?,
        required: parties(&row.required)?,
        signed: parties(&row.signed)?,
        hash: row.hash_sent.clone(),
    })
}

/// `12` or `A-12` → 12 (not found otherwise).
pub fn id_of(text: &str) -> AppResult<i64> {
    text.trim()
        .trim_start_matches("A-")
        .parse()
        .map_err(|_| AppError::NotFound(format!("no assessment {text:?}")))
}

/// Whether vendor `v` answers and signs for the vendor on `row`: the vendor stored when it was
/// created (the contract's lead vendor then), whatever the contract says now; on a row older
/// than that column, any vendor the contract binds. A consortium member reads; the lead signs.
pub(crate) fn answers_for_vendor(row: &assessments::Model, stored: &Stored, v: i64) -> bool {
    match row.vendor_id {
        Some(lead) => lead == v,
        None => stored.binds(v),
    }
}

/// Whether `p` may read `row` (of contract `stored`).
pub(crate) fn sees(p: &Principal, row: &assessments::Model, stored: &Stored) -> bool {
    match (p.role, p.party) {
        (Role::Admin, _) | (_, Some(auth::Party::Bureau | auth::Party::Supervisor)) => true,
        (_, Some(auth::Party::Vendor(v))) => stored.binds(v) || row.vendor_id == Some(v),
        // A unit reads its own unit's assessments; the whole contract's carries every unit's
        // figures and the deductions, which the report withholds from units too.
        (_, Some(auth::Party::Unit(u))) => row.unit_id == Some(u),
        (_, None) => false,
    }
}

/// Assessment `id` if `p` may read it (otherwise, as if there were none), with its contract.
pub(crate) async fn load(db: &impl ConnectionTrait, p: &Principal, id: i64) -> AppResult<(assessments::Model, Stored)> {
    let missing = || AppError::NotFound(format!("no assessment A-{id}"));
    let row = assessments::Entity::find_by_id(id).one(db).await?.ok_or_else(missing)?;
    let stored = deductions::by_code(db, "contract", &row.contract_code)
        .await
        .map_err(|_| missing())?;
    if !sees(p, &row, &stored) {
        return Err(missing());
    }
    Ok((row, stored))
}

/// The view of `row`, with its figures and thread when `full`.
pub(crate) async fn view(db: &impl ConnectionTrait, row: assessments::Model, full: bool) -> AppResult<AssessmentView> {
    let l = lifecycle_of(&row)?;
    let unit = match row.unit_id {
        Some(id) => units::Entity::find_by_id(id).one(db).await?.map(|u| u.code),
        None => None,
    };
    let (figures, events) = if full {
        let figures: Value = serde_json::from_str(&row.snapshot)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("A-{}'s figures: {e}", row.id)))?;
        let rows = assessment_events::Entity::find()
            .filter(assessment_events::Column::AssessmentId.eq(row.id))
            .order_by_asc(assessment_events::Column::Id)
            .all(db)
            .await?;
        let names: BTreeMap<i64, String> = users::Entity::find()
            .filter(users::Column::Id.is_in(rows.iter().map(|e| e.user_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.username))
            .collect();
        let events = rows
            .into_iter()
            .map(|e| EventView {
                by: names.get(&e.user_id).cloned(),
                kind: e.kind,
                party: e.party,
                text: e.text,
                content_hash: e.content_hash,
                at: e.at,
            })
            .collect();
        (Some(figures), Some(events))
    } else {
        (None, None)
    };
    let keys = |s: &BTreeSet<Party>| s.iter().map(|p| p.key().to_owned()).collect::<Vec<_>>();
    Ok(AssessmentView {
        id: row.id,
        code: format!("A-{}", row.id),
        contract: row.contract_code,
        unit,
        period: row.period,
        scheme: row.scheme,
        state: l.state.key().to_owned(),
        state_label: l.state.label_zh().to_owned(),
        required: keys(&l.required),
        signed: keys(&l.signed),
        awaiting: l.awaiting().iter().map(|p| p.key().to_owned()).collect(),
        content_hash: row.content_hash,
        bound_hash: row.hash_sent,
        version: row.version,
        figures,
        events,
        created_at: row.created_at,
        final_at: row.final_at,
    })
}

/// An act to record in the thread.
pub(crate) struct NewEvent<'a> {
    /// The assessment.
    pub id: i64,
    /// For which party (none for an admin).
    pub party: Option<Party>,
    /// The act's name.
    pub kind: &'a str,
    /// The points, the message or the reason.
    pub text: &'a str,
    /// The content hash at that moment.
    pub hash: &'a str,
}

/// Records an act of `p` in the thread.
pub(crate) async fn event(
    db: &impl ConnectionTrait,
    p: &Principal,
    e: NewEvent<'_>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    assessment_events::ActiveModel {
        assessment_id: Set(e.id),
        user_id: Set(p.user_id),
        party: Set(e.party.map(|p| p.key().to_owned())),
        kind: Set(e.kind.to_owned()),
        text: Set(e.text.to_owned()),
        content_hash: Set(e.hash.to_owned()),
        at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Creates a draft assessment with its figures measured now; audited as `assessment.create`.
pub async fn create(ctx: &Context, p: &Principal, from: &ClientAddr, body: NewAssessment) -> AppResult<AssessmentView> {
    permissions::check(p, Action::AssessmentWrite)?;
    if p.role == Role::Admin {
        return Err(AppError::Forbidden(
            "an administrator's account assesses for no party; the bureau's or a unit's managers create assessments (管理员账号不代表任何一方)".into(),
        ));
    }
    let period = periods::parse("period", body.period.trim())?;
    let stored = deductions::by_code(&ctx.db, "contract", body.contract.trim()).await?;
    let own_unit = match p.party {
        Some(auth::Party::Unit(u)) => Some(u),
        _ => None,
    };
    let unit = match (body.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()), own_unit) {
        (Some(code), _) => Some(
            units::Entity::find()
                .filter(units::Column::Code.eq(code))
                .one(&ctx.db)
                .await?
                .ok_or_else(|| AppError::invalid("unit", format!("no unit {code:?}")))?,
        ),
        (None, Some(u)) => units::Entity::find_by_id(u).one(&ctx.db).await?,
        (None, None) => None,
    };
    if let (Some(own), Some(u)) = (own_unit, unit.as_ref())
        && own != u.id
    {
        return Err(AppError::Forbidden(format!(
            "a unit's managers assess their own unit only, not {}",
            u.code
        )));
    }
    if let Some(u) = &unit {
        let covers = systems::Entity::find()
            .filter(systems::Column::UnitId.eq(u.id))
            .filter(systems::Column::Id.is_in(stored.system_ids.clone()))
            .one(&ctx.db)
            .await?
            .is_some();
        if !covers {
            return Err(AppError::invalid(
                "unit",
                format!("contract {} covers no system of unit {}", stored.contract.code, u.code),
            ));
        }
    }
    let required = signers(body.signers.as_deref(), unit.is_some())?;
    // The scheme named, or else the contract's own (`scheme` in its document).
    let named = body.scheme.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let scheme = match named.or(stored.contract.scheme.as_deref()) {
        Some(code) => Some(schemes::get(code)?),
        None => None,
    };
    let scored = scheme.as_ref().map(|s| (s, None));
    let snapshot = figures::canonical(&figures::compute(ctx, &stored, unit.as_ref(), &period, scored).await?);
    let content_hash = figures::hash(&snapshot);
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let mut same = assessments::Entity::find()
        .filter(assessments::Column::ContractCode.eq(&stored.contract.code))
        .filter(assessments::Column::Period.eq(&period));
    same = match &unit {
        Some(u) => same.filter(assessments::Column::UnitId.eq(u.id)),
        None => same.filter(assessments::Column::UnitId.is_null()),
    };
    if let Some(existing) = same.one(&txn).await? {
        return Err(AppError::Duplicate(format!(
            "A-{} already assesses contract {} for {period}{}",
            existing.id,
            stored.contract.code,
            unit.as_ref().map_or(String::new(), |u| format!(", unit {}", u.code))
        )));
    }
    let row = assessments::ActiveModel {
        contract_code: Set(stored.contract.code.clone()),
        unit_id: Set(unit.as_ref().map(|u| u.id)),
        period: Set(period.clone()),
        scheme: Set(scheme.as_ref().map(|s| s.code.clone())),
        entries: Set(None),
        state: Set(State::Draft.key().to_owned()),
        required: Set(json!(required)),
        signed: Set(json!([])),
        snapshot: Set(snapshot),
        content_hash: Set(content_hash.clone()),
        hash_sent: Set(None),
        version: Set(1),
        created_by: Set(p.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        final_at: Set(None),
        vendor_id: Set(Some(stored.vendor_id)),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        // Another request created it meanwhile (the unique indexes decide, on either backend).
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Duplicate(format!(
            "contract {} for {period} is assessed already",
            stored.contract.code
        )),
        _ => e.into(),
    })?;
    let party = acts::party_of(p, &row, &stored);
    let created = NewEvent {
        id: row.id,
        party,
        kind: "create",
        text: "",
        hash: &content_hash,
    };
    event(&txn, p, created, now).await?;
    let detail = json!({"contract": row.contract_code, "period": row.period, "unit": unit.as_ref().map(|u| &u.code),
                        "content_hash": content_hash});
    audit::record(
        &txn,
        Some(p.user_id),
        "assessment.create",
        &format!("A-{}", row.id),
        detail,
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    view(&ctx.db, row, true).await
}

/// The parties that must sign: `given`, or the default for a unit's (`for_unit`) or the whole
/// contract's assessment.
fn signers(given: Option<&[String]>, for_unit: bool) -> AppResult<BTreeSet<Party>> {
    let set: BTreeSet<Party> = match given {
        Some(list) => list
            .iter()
            .map(|s| s.trim().parse::<Party>().map_err(|e| AppError::invalid("signers", e)))
            .collect::<AppResult<_>>()?,
        None if for_unit => [Party::Unit, Party::Vendor, Party::Bureau].into_iter().collect(),
        None => [Party::Vendor, Party::Bureau].into_iter().collect(),
    };
    if set.is_empty() {
        return Err(AppError::invalid("signers", "at least one party signs"));
    }
    if set.contains(&Party::Unit) && !for_unit {
        return Err(AppError::invalid(
            "signers",
            "the unit signs a unit's assessment; name the unit, or leave it out of the signers",
        ));
    }
    Ok(set)
}

/// The assessments `p` may read, newest period first.
pub async fn list(ctx: &Context, p: &Principal, q: AssessmentQuery) -> AppResult<Vec<AssessmentView>> {
    permissions::check(p, Action::AssessmentRead)?;
    let mut find = assessments::Entity::find();
    if let Some(c) = q.contract.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        find = find.filter(assessments::Column::ContractCode.eq(c));
    }
    if let Some(m) = q.period.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        find = find.filter(assessments::Column::Period.eq(periods::parse("period", m)?));
    }
    if let Some(s) = q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let state: State = s.parse().map_err(|e| AppError::invalid("state", e))?;
        find = find.filter(assessments::Column::State.eq(state.key()));
    }
    let rows = find
        .order_by_desc(assessments::Column::Period)
        .order_by_asc(assessments::Column::Id)
        .all(&ctx.db)
        .await?;
    let contracts: BTreeMap<String, Stored> = deductions::list(&ctx.db)
        .await?
        .into_iter()
        .map(|s| (s.contract.code.clone(), s))
        .collect();
    let mut out = Vec::new();
    for row in rows {
        let Some(stored) = contracts.get(&row.contract_code) else {
            continue;
        };
        if sees(p, &row, stored) {
            out.push(view(&ctx.db, row, false).await?);
        }
    }
    Ok(out)
}

/// Assessment `id` with its figures and thread.
pub async fn get(ctx: &Context, p: &Principal, id: i64) -> AppResult<AssessmentView> {
    permissions::check(p, Action::AssessmentRead)?;
    let (row, _) = load(&ctx.db, p, id).await?;
    view(&ctx.db, row, true).await
}

/// The figures of assessment `id` as stored: the exact text its content hash is computed over.
pub async fn snapshot(ctx: &Context, p: &Principal, id: i64) -> AppResult<String> {
    permissions::check(p, Action::AssessmentRead)?;
    let (row, _) = load(&ctx.db, p, id).await?;
    Ok(row.snapshot)
}

/// Assessment `id` with its figures and thread, and the acts `p` may do to it now
/// ([`acts::allowed_acts`]): what a page offers.
pub async fn get_with_acts(ctx: &Context, p: &Principal, id: i64) -> AppResult<(AssessmentView, Vec<&'static str>)> {
    permissions::check(p, Action::AssessmentRead)?;
    let (row, stored) = load(&ctx.db, p, id).await?;
    let allowed = acts::allowed_acts(p, &row, &stored)?;
    Ok((view(&ctx.db, row, true).await?, allowed))
}

/// The contracts `p` may assess, as (code, name): every contract for the bureau's managers, the
/// contracts covering a system of their unit for a unit's; none for whoever may not write.
pub async fn assessable(ctx: &Context, p: &Principal) -> AppResult<Vec<(String, String)>> {
    if !permissions::may(p, Action::AssessmentWrite) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for s in deductions::list(&ctx.db).await? {
        let ok = match p.party {
            Some(auth::Party::Unit(u)) => systems::Entity::find()
                .filter(systems::Column::UnitId.eq(u))
                .filter(systems::Column::Id.is_in(s.system_ids.clone()))
                .one(&ctx.db)
                .await?
                .is_some(),
            Some(auth::Party::Vendor(_) | auth::Party::Supervisor) => false,
            _ => true,
        };
        if ok {
            out.push((s.contract.code, s.contract.name));
        }
    }
    Ok(out)
}

/// The names of the contracts and units `list` names, by code: what a list shows people.
pub async fn names(ctx: &Context, list: &[AssessmentView]) -> AppResult<BTreeMap<String, String>> {
    let mut out: BTreeMap<String, String> = deductions::list(&ctx.db)
        .await?
        .into_iter()
        .filter(|s| list.iter().any(|a| a.contract == s.contract.code))
        .map(|s| (s.contract.code, s.contract.name))
        .collect();
    let codes: BTreeSet<&String> = list.iter().filter_map(|a| a.unit.as_ref()).collect();
    if !codes.is_empty() {
        for u in units::Entity::find()
            .filter(units::Column::Code.is_in(codes))
            .all(&ctx.db)
            .await?
        {
            out.insert(u.code, u.name);
        }
    }
    Ok(out)
}

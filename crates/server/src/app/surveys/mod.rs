//! Satisfaction surveys (满意度调查, issue 27): a unit's periodic rating of the service it gets
//! under a contract, beside the reporters' per-ticket ratings.
//!
//! Seed 001 L553 "需定期收集用户反馈意见，分析并优化服务，提高用户满意度" and L667 "系统服务单位满意度
//! ≥ 90%"; seed 003 L181 "用户满意度超过90%". The reports combine the surveys with the ticket ratings
//! and judge the result against the contract's target ([`crate::app::reports::satisfaction_rate`]).
//!
//! - **What**: per unit, contract and month (`2026-11`) or quarter (`2026-Q4`): an overall rating
//!   on the ticket ratings' scale, 1 (很不满意) to 5 (非常满意), 4 and 5 counting as satisfied; a
//!   rating per aspect, optional, of the aspects the contract names (default 响应及时性, 服务态度,
//!   解决质量); a comment, optional.
//! - **One per unit, contract and month**: a survey whose period overlaps one the unit filled for
//!   the contract (the same month; a month of a filled quarter; a quarter holding a filled
//!   month) is refused (409) naming it; the unit replaces its own (`PUT /surveys/{id}`, naming
//!   the version it read), audited with what it replaced.
//! - **Who fills it**: the unit's managers, for their own unit, on a contract covering one of
//!   its systems. Not its engineers: the survey speaks for the unit (服务单位满意度), as its
//!   managers sign its assessments; the engineers' voice is the rating they give when closing a
//!   ticket. Not the bureau, the vendor or the supervisor: it is the served unit's opinion.
//! - **Who reads it**: the unit's people (their own unit's), the vendors the contract binds, the
//!   bureau and the supervisor. Another unit's or vendor's survey answers as if absent (404).
//! - **Which period**: a month that has begun, or a quarter whose last month has (a survey of
//!   next month, or of 2026-Q4 before 1 December 2026, is refused: a survey rates service
//!   given); in the reports' zone (Asia/Shanghai).
//! - **Not under a signed record**: once an assessment of the contract covering the period (the
//!   unit's, or the whole contract's) is final, the unit neither fills nor replaces a survey of
//!   the period (409): the signed figures carry the surveys as they were; an administrator
//!   reopens the assessment first.
//!
//! Refusals say it in English with the Chinese in brackets at the end, as the assessments'
//! rulebook does, so that each page shows the reader's language.

mod views;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub use views::{AspectRating, SurveyForm, SurveyView, rating_choices, rating_label};

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Party, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::reports::Period;
use crate::app::reports::deductions::{self, Stored};
use crate::app::{AppError, AppResult, Context, text};
use crate::db::entities::{assessments, satisfaction_surveys, systems, units};

/// The zone periods are counted in (the reports' default).
const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;
/// The longest comment, in characters.
const MAX_COMMENT: usize = 2000;

/// A survey to fill.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSurvey {
    /// The contract whose service it rates (code).
    pub contract: String,
    /// The month (`2026-11`) or quarter (`2026-Q4`).
    pub period: String,
    /// The overall rating: 1 很不满意, 2 不满意, 3 一般, 4 满意, 5 非常满意.
    pub overall: Option<i64>,
    /// Ratings 1–5 by aspect (the contract's aspects; default 响应及时性, 服务态度, 解决质量); each
    /// optional.
    #[serde(default)]
    pub aspects: BTreeMap<String, i64>,
    /// What the unit has to say.
    #[serde(default)]
    pub comment: Option<String>,
}

/// A replacement of a survey's answers (its unit, contract and period stay).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    /// The version the answers replace (the page always sends it); another version is refused
    /// (409): someone replaced it meanwhile.
    #[serde(default)]
    pub version: Option<i64>,
    /// The overall rating, 1–5.
    pub overall: Option<i64>,
    /// Ratings 1–5 by aspect.
    #[serde(default)]
    pub aspects: BTreeMap<String, i64>,
    /// What the unit has to say.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Filters of the list; every one optional.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SurveyQuery {
    /// A contract (code).
    pub contract: Option<String>,
    /// A period as filled (`2026-11`, `2026-Q4`).
    pub period: Option<String>,
    /// A unit (code).
    pub unit: Option<String>,
}

/// `MY-12` or `12` → 12.
pub fn id_of(text: &str) -> AppResult<i64> {
    text.trim()
        .trim_start_matches("MY-")
        .parse()
        .map_err(|_| AppError::NotFound(format!("no survey {text:?} (没有此满意度调查)")))
}

/// `text` as a survey period: a month that has begun by `now`, or a quarter whose last month has.
///
/// ```
/// use opsclock::app::surveys::period_of;
/// let now = "2026-11-20T02:00:00Z".parse().unwrap();
/// assert_eq!(period_of("2026-11", now).unwrap().label, "2026-11");
/// assert!(period_of("2026-12", now).is_err()); // not begun
/// assert!(period_of("2026-Q4", now).is_err()); // its last month, December, has not begun
/// assert!(period_of("2026-Q4", "2026-11-30T16:00:00Z".parse().unwrap()).is_ok()); // 1 Dec, Shanghai
/// assert!(period_of("2026", now).is_err()); // a year is no survey period
/// ```
pub fn period_of(text: &str, now: DateTime<Utc>) -> AppResult<Period> {
    let p = Period::parse(text, ZONE).map_err(|e| AppError::invalid("period", format!("{e} (期间格式有误)")))?;
    if p.label.contains("..") || !p.label.contains('-') {
        return Err(AppError::invalid(
            "period",
            format!(
                "{:?}: a survey is of a month (2026-11) or a quarter (2026-Q4) (满意度调查按月或按季度填写)",
                p.label
            ),
        ));
    }
    // A quarter's last month: the month before the quarter ends.
    let last = match p.label.split_once("-Q") {
        Some((y, q)) => {
            Period::parse(&format!("{y}-{:02}", 3 * q.parse::<u32>().unwrap_or(1)), ZONE)
                .map_err(|e| AppError::invalid("period", e))?
                .from
        }
        None => p.from,
    };
    if last > now {
        let (en, zh) = if last == p.from {
            ("has not begun", "尚未开始")
        } else {
            ("is rated from its last month on", "自季度最后一个月起方可填写")
        };
        return Err(AppError::invalid(
            "period",
            format!("{} {en}: a survey rates service given ({} {zh})", p.label, p.label),
        ));
    }
    Ok(p)
}

/// The surveys whose period overlaps [`from`, `to`) (periods are half-open: November and
/// December do not overlap).
pub(crate) fn overlapping(from: DateTime<Utc>, to: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(satisfaction_surveys::Column::PeriodFrom.lt(to))
        .add(satisfaction_surveys::Column::PeriodTo.gt(from))
}

/// Checks the answers against `aspects`: the overall rating and each aspect's, 1–5, the comment.
fn checked(a: &Answers, aspects: &[String]) -> AppResult<(i32, serde_json::Value, String)> {
    let rating = |field: &str, r: i64| {
        if (1..=5).contains(&r) {
            Ok(r as i32)
        } else {
            Err(AppError::invalid(
                field,
                format!("{r} is not a rating: 1 (很不满意) to 5 (非常满意) (评分应为 1 至 5 分)"),
            ))
        }
    };
    let overall = rating(
        "overall",
        a.overall.ok_or_else(|| {
            AppError::invalid("overall", "give the overall rating, 1 to 5 (请填写总体评价，1 至 5 分)")
        })?,
    )?;
    let mut given = serde_json::Map::new();
    for (name, r) in &a.aspects {
        let field = format!("aspects.{name}");
        if !aspects.iter().any(|x| x == name.trim()) {
            return Err(AppError::invalid(
                field,
                format!(
                    "not an aspect of this contract's survey; aspects: {} (不是本合同调查的评价方面：{})",
                    aspects.join("、"),
                    aspects.join("、")
                ),
            ));
        }
        given.insert(name.trim().to_owned(), rating(&field, *r)?.into());
    }
    let comment = text::field("comment", a.comment.as_deref().unwrap_or(""), MAX_COMMENT, false)?;
    Ok((overall, serde_json::Value::Object(given), comment))
}

/// The unit `p` fills surveys for, or why not.
fn unit_of(p: &Principal) -> AppResult<i64> {
    permissions::check(p, Action::SurveyWrite)?;
    match p.party {
        Some(Party::Unit(u)) if p.role != Role::Admin => Ok(u),
        _ => Err(AppError::Forbidden(
            "a survey speaks for a served unit: only a unit's managers fill it (满意度调查由用户单位管理人员填写)"
                .into(),
        )),
    }
}

/// The contract `code` if it covers a system of `unit`, else a 422 on `contract`.
async fn contract_for(db: &impl ConnectionTrait, code: &str, unit: &units::Model) -> AppResult<Stored> {
    let stored = deductions::by_code(db, "contract", code.trim()).await?;
    let covers = systems::Entity::find()
        .filter(systems::Column::UnitId.eq(unit.id))
        .filter(systems::Column::Id.is_in(stored.system_ids.clone()))
        .one(db)
        .await?
        .is_some();
    if !covers {
        return Err(AppError::invalid(
            "contract",
            format!(
                "{} covers no system of unit {} (合同 {} 不涉及单位 {} 的系统)",
                stored.contract.code, unit.code, stored.contract.code, unit.code
            ),
        ));
    }
    Ok(stored)
}

/// The final assessment of `contract` whose period overlaps [`from`, `to`) and that speaks for
/// `unit` (its own, or the whole contract's), if any. Claims the contract's assessments of the
/// unit and of the whole contract for the transaction ([`crate::db::claim`]).
async fn signed_over(
    db: &impl ConnectionTrait,
    contract: &str,
    unit: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Option<assessments::Model>> {
    let speaking = sea_orm::Condition::all()
        .add(assessments::Column::ContractCode.eq(contract))
        .add(
            sea_orm::Condition::any()
                .add(assessments::Column::UnitId.eq(unit))
                .add(assessments::Column::UnitId.is_null()),
        );
    // Claim them first: a signature making one final meanwhile is either committed before we
    // read (and refuses us) or waits for our survey (which it then does not carry: its figures
    // were measured before).
    crate::db::claim::<assessments::Entity>(db, assessments::Column::Version, speaking.clone()).await?;
    let finals = assessments::Entity::find()
        .filter(speaking)
        .filter(assessments::Column::State.eq("final"))
        .order_by_asc(assessments::Column::Id)
        .all(db)
        .await?;
    Ok(finals
        .into_iter()
        .find(|a| Period::parse(&a.period, ZONE).is_ok_and(|p| p.from < to && from < p.to)))
}

/// Refuses a survey of `label` ([`from`, `to`)) when [`signed_over`] finds a final assessment.
async fn unsigned(
    db: &impl ConnectionTrait,
    contract: &str,
    unit: i64,
    label: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> AppResult<()> {
    match signed_over(db, contract, unit, from, to).await? {
        Some(a) => Err(AppError::InvalidTransition {
            detail: format!(
                "A-{} ({}) is final: its signed figures carry the surveys of {label} as they were; an \
             administrator reopens it first (考核 A-{} 已定稿，{label} 的满意度调查已随之签字确认，\
             如需变更须由管理员先重新打开考核)",
                a.id, a.period, a.id
            ),
            allowed: Vec::new(),
        }),
        None => Ok(()),
    }
}

/// The aspects a survey of `stored` rates.
pub fn aspects_of(stored: &Stored) -> Vec<String> {
    stored.contract.satisfaction.clone().unwrap_or_default().aspects()
}

/// Whether `p` reads `row`: the buyer-wide parties all; a unit its own; a vendor those of the
/// contracts that bind it.
fn sees(p: &Principal, row: &satisfaction_surveys::Model, contracts: &[Stored]) -> bool {
    match (p.role, p.party) {
        (Role::Admin, _) | (_, Some(Party::Bureau | Party::Supervisor)) => true,
        (_, Some(Party::Unit(u))) => row.unit_id == u,
        (_, Some(Party::Vendor(v))) => {
            row.vendor_id == v
                || contracts
                    .iter()
                    .any(|c| c.contract.code == row.contract_code && c.binds(v))
        }
        (_, None) => false,
    }
}

/// The surveys `p` may read, newest period first.
pub async fn list(ctx: &Context, p: &Principal, q: SurveyQuery) -> AppResult<Vec<SurveyView>> {
    permissions::check(p, Action::SurveyRead)?;
    let mut find = satisfaction_surveys::Entity::find();
    if let Some(c) = q.contract.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        find = find.filter(satisfaction_surveys::Column::ContractCode.eq(c));
    }
    if let Some(period) = q.period.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let label = Period::parse(period, ZONE)
            .map_err(|e| AppError::invalid("period", e))?
            .label;
        find = find.filter(satisfaction_surveys::Column::Period.eq(label));
    }
    if let Some(code) = q.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let unit = units::Entity::find()
            .filter(units::Column::Code.eq(code))
            .one(&ctx.db)
            .await?
            .ok_or_else(|| AppError::invalid("unit", format!("no unit with code {code:?}")))?;
        find = find.filter(satisfaction_surveys::Column::UnitId.eq(unit.id));
    }
    let contracts = deductions::list(&ctx.db).await?;
    let rows: Vec<_> = find
        .order_by_desc(satisfaction_surveys::Column::PeriodFrom)
        .order_by_asc(satisfaction_surveys::Column::Id)
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|r| sees(p, r, &contracts))
        .collect();
    views::views(ctx, rows, &contracts).await
}

/// Survey `id`, if `p` may read it (otherwise as if there were none).
pub async fn get(ctx: &Context, p: &Principal, id: i64) -> AppResult<SurveyView> {
    permissions::check(p, Action::SurveyRead)?;
    let contracts = deductions::list(&ctx.db).await?;
    let row = satisfaction_surveys::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .filter(|r| sees(p, r, &contracts))
        .ok_or_else(|| AppError::NotFound(format!("no survey MY-{id}")))?;
    Ok(views::views(ctx, vec![row], &contracts).await?.remove(0))
}

/// Fills the caller's unit's survey of `body.contract` for `body.period`; a second one for the
/// same unit, contract and period is refused (409). Audited in the same transaction.
pub async fn fill(ctx: &Context, p: &Principal, from: &ClientAddr, body: NewSurvey) -> AppResult<SurveyView> {
    let unit_id = unit_of(p)?;
    let now = ctx.now();
    let period = period_of(&body.period, now)?;
    let txn = ctx.begin_write().await?;
    let unit = units::Entity::find_by_id(unit_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::Forbidden("your unit no longer exists".into()))?;
    let stored = contract_for(&txn, &body.contract, &unit).await?;
    let answers = Answers {
        version: None,
        overall: body.overall,
        aspects: body.aspects,
        comment: body.comment,
    };
    let (overall, aspects, comment) = checked(&answers, &aspects_of(&stored))?;
    let duplicate = |e: Option<&satisfaction_surveys::Model>| {
        let (id, of) = match e {
            Some(e) => (format!("MY-{}: ", e.id), e.period.clone()),
            None => (String::new(), period.label.clone()),
        };
        let (c, label) = (&stored.contract.code, &period.label);
        let (en, zh) = if of == *label {
            (String::new(), String::new())
        } else {
            (format!(", which {label} overlaps"), format!("，与 {label} 重叠"))
        };
        AppError::Duplicate(format!(
            "{id}unit {} has rated contract {c} for {of} already{en}: one survey per unit, contract \
             and month; replace that one instead (单位 {} 已填写合同 {c} {of} 的满意度\
             调查{zh}：每个单位、合同、月份只填一份，可替换已填写的调查)",
            unit.code, unit.code
        ))
    };
    // Two fills of one unit take turns, so both cannot find no overlapping survey.
    crate::db::claim::<units::Entity>(&txn, units::Column::Name, units::Column::Id.eq(unit.id)).await?;
    let existing = satisfaction_surveys::Entity::find()
        .filter(satisfaction_surveys::Column::UnitId.eq(unit.id))
        .filter(satisfaction_surveys::Column::ContractCode.eq(&stored.contract.code))
        .filter(overlapping(period.from, period.to))
        .order_by_asc(satisfaction_surveys::Column::PeriodFrom)
        .one(&txn)
        .await?;
    if let Some(e) = existing {
        return Err(duplicate(Some(&e)));
    }
    unsigned(
        &txn,
        &stored.contract.code,
        unit.id,
        &period.label,
        (period.from, period.to),
    )
    .await?;
    let row = satisfaction_surveys::ActiveModel {
        unit_id: Set(unit.id),
        contract_code: Set(stored.contract.code.clone()),
        vendor_id: Set(stored.vendor_id),
        period: Set(period.label.clone()),
        period_from: Set(period.from),
        period_to: Set(period.to),
        overall: Set(overall),
        aspects: Set(aspects.clone()),
        comment: Set(comment),
        version: Set(1),
        filled_by: Set(p.user_id),
        filled_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        // Another request filled it meanwhile: the unique index decides, on either backend.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => duplicate(None),
        _ => e.into(),
    })?;
    audit::record(
        &txn,
        Some(p.user_id),
        "survey.fill",
        &format!("MY-{}", row.id),
        serde_json::json!({"unit": unit.code, "contract": row.contract_code, "period": row.period,
                           "overall": overall, "aspects": aspects}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    get(ctx, p, row.id).await
}

/// Replaces survey `id`'s answers (its unit's managers only), audited with what it replaced.
pub async fn replace(ctx: &Context, p: &Principal, from: &ClientAddr, id: i64, body: Answers) -> AppResult<SurveyView> {
    permissions::check(p, Action::SurveyWrite)?;
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let missing = || AppError::NotFound(format!("no survey MY-{id} of your unit (本单位没有满意度调查 MY-{id})"));
    let row = satisfaction_surveys::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(missing)?;
    // A survey there is, but only its unit replaces it; another unit's is as absent.
    if row.unit_id != unit_of(p)? {
        return Err(missing());
    }
    let stale = |current: i64| AppError::VersionConflict {
        detail: format!(
            "MY-{id} is at version {current}, not {}: it was replaced meanwhile; read it again \
             (满意度调查 MY-{id} 已被他人替换，请刷新后再填写)",
            body.version.unwrap_or(i64::from(row.version))
        ),
        current,
    };
    if body.version.is_some_and(|v| v != i64::from(row.version)) {
        return Err(stale(i64::from(row.version)));
    }
    unsigned(
        &txn,
        &row.contract_code,
        row.unit_id,
        &row.period,
        (row.period_from, row.period_to),
    )
    .await?;
    let stored = deductions::by_code(&txn, "contract", &row.contract_code).await?;
    let (overall, aspects, comment) = checked(&body, &aspects_of(&stored))?;
    let before = serde_json::json!({"overall": row.overall, "aspects": row.aspects, "comment": row.comment,
                                    "version": row.version, "filled_by": row.filled_by});
    let version = row.version + 1;
    // The claim: only the version read is replaced (two replacements at once: the second finds
    // its version gone).
    let claimed = satisfaction_surveys::Entity::update_many()
        .col_expr(satisfaction_surveys::Column::Overall, Expr::value(overall))
        .col_expr(satisfaction_surveys::Column::Aspects, Expr::value(aspects.clone()))
        .col_expr(satisfaction_surveys::Column::Comment, Expr::value(comment.clone()))
        .col_expr(satisfaction_surveys::Column::Version, Expr::value(version))
        .col_expr(satisfaction_surveys::Column::FilledBy, Expr::value(p.user_id))
        .col_expr(satisfaction_surveys::Column::UpdatedAt, Expr::value(now))
        .filter(satisfaction_surveys::Column::Id.eq(id))
        .filter(satisfaction_surveys::Column::Version.eq(row.version))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        let current = satisfaction_surveys::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .map_or(i64::from(row.version), |r| i64::from(r.version));
        return Err(stale(current));
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "survey.replace",
        &format!("MY-{id}"),
        serde_json::json!({"replaced": before, "overall": overall, "aspects": aspects, "comment": comment,
                           "version": version}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    get(ctx, p, id).await
}

/// Whether `p` fills surveys (a unit's manager).
pub fn fills(p: &Principal) -> bool {
    unit_of(p).is_ok()
}

/// The survey forms `p` may fill for `period` (none unless a unit's manager, or when the period
/// is not one a survey may be of yet: [`period_of`] says why): one per contract covering a
/// system of the unit, with its aspects, the period's own survey if filled (which the form
/// replaces), and the other surveys over the period (the quarter's holding the month, the
/// months of the quarter), which leave no form to fill.
pub async fn forms(ctx: &Context, p: &Principal, period: &str) -> AppResult<Vec<SurveyForm>> {
    let (Ok(unit_id), Ok(period)) = (unit_of(p), period_of(period, ctx.now())) else {
        return Ok(Vec::new());
    };
    let mine: Vec<i64> = systems::Entity::find()
        .filter(systems::Column::UnitId.eq(unit_id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let filled = satisfaction_surveys::Entity::find()
        .filter(satisfaction_surveys::Column::UnitId.eq(unit_id))
        .filter(overlapping(period.from, period.to))
        .order_by_asc(satisfaction_surveys::Column::PeriodFrom)
        .all(&ctx.db)
        .await?;
    let mut out = Vec::new();
    for s in deductions::list(&ctx.db).await? {
        if !s.system_ids.iter().any(|id| mine.contains(id)) {
            continue;
        }
        let theirs: Vec<&satisfaction_surveys::Model> =
            filled.iter().filter(|f| f.contract_code == s.contract.code).collect();
        // The period's own survey is replaced by the form; others over it (the quarter's over a
        // month, a month of the quarter) leave no form: the unit replaces those on their own
        // period's page.
        let existing = theirs.iter().find(|f| f.period == period.label);
        out.push(SurveyForm {
            aspects: aspects_of(&s),
            target: s.contract.satisfaction.as_ref().and_then(|t| t.describe()),
            existing: existing.map(|f| f.id),
            existing_version: existing.map(|f| i64::from(f.version)),
            covered_by: theirs
                .iter()
                .filter(|f| f.period != period.label)
                .map(|f| (format!("MY-{}", f.id), f.period.clone()))
                .collect(),
            contract: s.contract.code,
            name: s.contract.name,
        });
    }
    Ok(out)
}

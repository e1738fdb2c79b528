//! SLA policies: targets per kind × severity × clock. Listed to everyone signed in, created and
//! changed by admins; open tickets keep the targets they were opened with.

use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use ticket_domain::Policy;
use utoipa::ToSchema;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::catalog::{check_code, check_name, duplicate};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::policies;

/// An SLA policy: targets per kind × severity × clock.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyView {
    /// Id.
    pub id: i64,
    /// Short unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `{kind: {severity: {response, arrival, repair}}}` with durations like `15m`, `4h`, `3wd`.
    #[schema(value_type = Object)]
    pub targets: serde_json::Value,
    /// The contract's categories (分类): `[{code, name, kinds?, note?}]`, in its order; empty
    /// when it offers none.
    #[schema(value_type = Vec<Object>)]
    pub categories: Vec<ticket_domain::CategoryDef>,
    /// When tickets of one class on one system are one problem (问题单): `{enabled, count,
    /// within_days, kinds}`, the policy's own or the default (2 within 30 days, faults).
    #[schema(value_type = Object)]
    pub recurrence: ticket_domain::Recurrence,
}

/// A new policy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPolicy {
    /// Short unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `{kind: {severity: {response, arrival, repair}}}`.
    #[schema(value_type = Object)]
    pub targets: serde_json::Value,
    /// The contract's categories (分类): `[{code, name, kinds?, note?}]` [default: none].
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub categories: Vec<ticket_domain::CategoryDef>,
    /// The rule for recurring faults `{enabled?, count?, within_days?, kinds?}` [default: 2
    /// faults of one category within 30 days].
    #[schema(value_type = Option<Object>)]
    pub recurrence: Option<ticket_domain::Recurrence>,
}

/// A change to a policy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyPatch {
    /// New name.
    pub name: Option<String>,
    /// New targets.
    #[schema(value_type = Option<Object>)]
    pub targets: Option<serde_json::Value>,
    /// New categories (the whole list; `[]` for none). Tickets keep the category they have; a
    /// code no longer listed is shown as its code.
    #[schema(value_type = Option<Vec<Object>>)]
    pub categories: Option<Vec<ticket_domain::CategoryDef>>,
    /// A new rule for recurring faults (the whole rule; problems already open keep their
    /// tickets); `null` goes back to the default.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    pub recurrence: Option<Option<ticket_domain::Recurrence>>,
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Reads the targets, and checks each can be counted from `now` in every loaded calendar (any
/// system may count in any of them): a target that parses but no calendar can count (`"3000d"`,
/// beyond the years a calendar counts) would make every ticket on the policy's systems fail. A
/// catalogue file's policies are counted the same way ([`super::tiers`]).
fn check_targets(ctx: &Context, v: serde_json::Value) -> AppResult<serde_json::Value> {
    let p: Policy = serde_json::from_value(v).map_err(|e| AppError::invalid("targets", e.to_string()))?;
    if let Some((path, why)) = crate::app::countable::policy(&p, &ctx.calendars.snapshot(), ctx.now()) {
        return Err(AppError::invalid(format!("targets.{path}"), why));
    }
    serde_json::to_value(&p).map_err(|e| AppError::Internal(e.into()))
}

/// Checks a list of categories, answering the first problem on its field.
fn check_categories(list: Vec<ticket_domain::CategoryDef>) -> AppResult<Option<serde_json::Value>> {
    let c = ticket_domain::Categories(list);
    if let Some((path, why)) = c.check().into_iter().next() {
        return Err(AppError::invalid(path, why));
    }
    Ok(super::json::categories_json(&c))
}

/// Checks a rule for recurring faults, answering the first problem on its field.
fn check_recurrence(r: Option<ticket_domain::Recurrence>) -> AppResult<Option<serde_json::Value>> {
    if let Some((field, why)) = r.iter().flat_map(|r| r.check()).next() {
        return Err(AppError::invalid(format!("recurrence.{field}"), why));
    }
    Ok(super::json::recurrence_json(r.as_ref()))
}

fn policy_view(r: policies::Model) -> PolicyView {
    let recurrence = crate::app::problems::detect::rule_of(&r);
    PolicyView {
        recurrence,
        id: r.id,
        code: r.code,
        name: r.name,
        targets: r.targets,
        categories: r
            .categories
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default(),
    }
}

/// Every policy that lists categories (id, name, the list), by code: what a new ticket's form
/// offers.
pub async fn categories_by_policy(
    db: &impl sea_orm::ConnectionTrait,
) -> AppResult<Vec<(i64, String, Vec<ticket_domain::CategoryDef>)>> {
    let rows = policies::Entity::find()
        .order_by_asc(policies::Column::Code)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let list: Vec<ticket_domain::CategoryDef> = serde_json::from_value(r.categories?).ok()?;
            (!list.is_empty()).then_some((r.id, r.name, list))
        })
        .collect())
}

/// What the audit log keeps of a policy as saved: the targets, and the categories and the rule
/// for recurring faults when it has them (the parties rely on both).
fn audit_detail(r: &policies::Model) -> serde_json::Value {
    match (&r.categories, &r.recurrence) {
        (None, None) => r.targets.clone(),
        (c, rec) => serde_json::json!({"targets": r.targets, "categories": c, "recurrence": rec}),
    }
}

/// Every policy, by code.
pub async fn list(ctx: &Context) -> AppResult<Vec<PolicyView>> {
    let rows = policies::Entity::find()
        .order_by_asc(policies::Column::Code)
        .all(&ctx.db)
        .await?;
    Ok(rows.into_iter().map(policy_view).collect())
}

/// Creates a policy (the bureau's managers and admins).
pub async fn create(ctx: &Context, p: &Principal, from: &ClientAddr, body: NewPolicy) -> AppResult<PolicyView> {
    crate::app::permissions::check(p, crate::app::permissions::Action::PolicyWrite)?;
    let code = check_code(&body.code)?;
    let now = ctx.now();
    let r = policies::ActiveModel {
        code: Set(code.clone()),
        name: Set(check_name(&body.name)?),
        targets: Set(check_targets(ctx, body.targets)?),
        categories: Set(check_categories(body.categories)?),
        recurrence: Set(check_recurrence(body.recurrence)?),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&ctx.db)
    .await
    .map_err(duplicate("policy", &code))?;
    audit::record(
        &ctx.db,
        Some(p.user_id),
        "policy.create",
        &r.code,
        audit_detail(&r),
        from,
        now,
    )
    .await?;
    Ok(policy_view(r))
}

/// The policy with `id`.
pub async fn get(ctx: &Context, id: i64) -> AppResult<PolicyView> {
    let r = policies::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no policy {id}")))?;
    Ok(policy_view(r))
}

/// Changes a policy (the bureau's managers and admins). Open tickets keep the targets they were opened with.
pub async fn update(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: i64,
    body: PolicyPatch,
) -> AppResult<PolicyView> {
    crate::app::permissions::check(p, crate::app::permissions::Action::PolicyWrite)?;
    let r = policies::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no policy {id}")))?;
    let mut am = r.into_active_model();
    if let Some(n) = body.name {
        am.name = Set(check_name(&n)?);
    }
    if let Some(t) = body.targets {
        am.targets = Set(check_targets(ctx, t)?);
        // The catalogue's tiers no longer describe these targets; an export writes them raw.
        am.document = Set(None);
    }
    if let Some(c) = body.categories {
        am.categories = Set(check_categories(c)?);
    }
    if let Some(r) = body.recurrence {
        am.recurrence = Set(check_recurrence(r)?);
    }
    let now = ctx.now();
    am.updated_at = Set(now);
    let r = am.update(&ctx.db).await?;
    audit::record(
        &ctx.db,
        Some(p.user_id),
        "policy.update",
        &r.code,
        audit_detail(&r),
        from,
        now,
    )
    .await?;
    Ok(policy_view(r))
}

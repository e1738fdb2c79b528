//! A system's policy as a new ticket reads it: the row (through the configuration cache), its
//! categories (分类) and its targets.

use sea_orm::{ConnectionTrait, EntityTrait};
use ticket_domain::{Kind, Policy};

use crate::app::{AppError, AppResult};
use crate::db::entities::{policies, systems};

/// The policy of `system` (read through the configuration cache, [`crate::app::cache`]).
pub(crate) async fn policy_row(db: &impl ConnectionTrait, system: &systems::Model) -> AppResult<policies::Model> {
    let id = system.policy_id;
    crate::app::cache::cached("policy", id, || policies::Entity::find_by_id(id).one(db))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("system {} has no policy", system.code)))
}

/// The policy's categories (分类); none when it offers none.
pub(crate) fn policy_categories(p: &policies::Model) -> AppResult<ticket_domain::Categories> {
    match &p.categories {
        None => Ok(Default::default()),
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("policy {}: categories: {e}", p.code))),
    }
}

/// The categories `system`'s policy offers for tickets of `kind`, in its order (what a page's
/// form lists).
pub async fn categories_for(
    db: &impl ConnectionTrait,
    system: &systems::Model,
    kind: Kind,
) -> AppResult<Vec<ticket_domain::CategoryDef>> {
    let policy = policy_row(db, system).await?;
    Ok(policy_categories(&policy)?.for_kind(kind).cloned().collect())
}

/// `code` (trimmed; blank is none) if the policy offers it for tickets of `kind`, else an
/// invalid-input error on `field` naming the choices.
pub(crate) fn check_category(
    field: &str,
    policy: &policies::Model,
    kind: Kind,
    code: Option<&str>,
) -> AppResult<Option<String>> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    policy_categories(policy)?
        .find(code, kind)
        .map(|c| Some(c.code.clone()))
        .map_err(|why| AppError::invalid(field, format!("{why} (policy {})", policy.code)))
}

pub(crate) fn policy_targets(p: &policies::Model) -> AppResult<Policy> {
    serde_json::from_value(p.targets.clone()).map_err(|e| AppError::Internal(anyhow::anyhow!("policy {}: {e}", p.code)))
}

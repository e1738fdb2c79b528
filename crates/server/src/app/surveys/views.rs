//! Surveys as people read them: names instead of ids, the ratings' Chinese words, the aspects in
//! the contract's order.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::reports::deductions::Stored;
use crate::app::{AppResult, Context};
use crate::db::entities::{satisfaction_surveys, units, users, vendors};

/// The words of ratings 1 to 5 (the ticket ratings' scale; 4 and 5 are satisfied).
pub const RATINGS: [&str; 5] = ["很不满意", "不满意", "一般", "满意", "非常满意"];

/// The word of rating `r` (empty outside 1–5).
pub fn rating_label(r: i64) -> &'static str {
    usize::try_from(r - 1)
        .ok()
        .and_then(|i| RATINGS.get(i))
        .copied()
        .unwrap_or("")
}

/// The ratings as a form offers them, best first: `{"value": 5, "label": "非常满意"}`, ….
pub fn rating_choices() -> Vec<serde_json::Value> {
    (1..=5)
        .rev()
        .map(|r| serde_json::json!({"value": r, "label": rating_label(r)}))
        .collect()
}

/// One aspect's rating.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AspectRating {
    /// The aspect (响应及时性, …).
    pub aspect: String,
    /// 1–5, none when not rated.
    pub rating: Option<i64>,
}

/// A survey as people read it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SurveyView {
    /// As documents name it: `MY-3`.
    pub number: String,
    /// Its id.
    pub id: i64,
    /// The unit (code).
    pub unit: String,
    /// The unit's name.
    pub unit_name: String,
    /// The contract (code).
    pub contract: String,
    /// The contract's name.
    pub contract_name: String,
    /// The contract's vendor (code).
    pub vendor: String,
    /// The vendor's name.
    pub vendor_name: String,
    /// `2026-11` or `2026-Q4`.
    pub period: String,
    /// The overall rating, 1–5.
    pub overall: i64,
    /// Its word: 非常满意, 满意, 一般, 不满意, 很不满意.
    pub overall_label: String,
    /// Whether it counts as satisfied (4 or 5).
    pub satisfied: bool,
    /// The aspects of the contract's survey, in its order, then any others rated.
    pub aspects: Vec<AspectRating>,
    /// The unit's comment.
    pub comment: String,
    /// Who filled it last (user name).
    pub filled_by: Option<String>,
    /// When it was first filled.
    pub filled_at: DateTime<Utc>,
    /// When it was last filled.
    pub updated_at: DateTime<Utc>,
    /// 1, and one more for every replacement.
    pub version: i32,
}

/// A survey form the caller may fill.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SurveyForm {
    /// The contract (code).
    pub contract: String,
    /// Its name.
    pub name: String,
    /// The aspects to rate.
    pub aspects: Vec<String>,
    /// The contract's target (`≥ 90%`), if it sets one.
    pub target: Option<String>,
    /// The period's own survey (its id), which the form replaces.
    pub existing: Option<i64>,
    /// Its version, which the replacement names.
    pub existing_version: Option<i64>,
    /// Other surveys of the unit over the period (number, period): the quarter's holding the
    /// month, or months of the quarter. With any, there is no form: the period is rated.
    pub covered_by: Vec<(String, String)>,
}

/// The views of `rows`.
pub(super) async fn views(
    ctx: &Context,
    rows: Vec<satisfaction_surveys::Model>,
    contracts: &[Stored],
) -> AppResult<Vec<SurveyView>> {
    let db = &ctx.db;
    let units: BTreeMap<i64, units::Model> = units::Entity::find()
        .filter(units::Column::Id.is_in(rows.iter().map(|r| r.unit_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let vendors: BTreeMap<i64, vendors::Model> = vendors::Entity::find()
        .filter(vendors::Column::Id.is_in(rows.iter().map(|r| r.vendor_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let names: BTreeMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().map(|r| r.filled_by)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let contract = contracts.iter().find(|c| c.contract.code == r.contract_code);
            let mut order = contract.map(super::aspects_of).unwrap_or_default();
            let given = r.aspects.as_object().cloned().unwrap_or_default();
            order.extend(given.keys().filter(|k| !order.contains(k)).cloned().collect::<Vec<_>>());
            let unit = units.get(&r.unit_id);
            let vendor = vendors.get(&r.vendor_id);
            let overall = i64::from(r.overall);
            SurveyView {
                number: format!("MY-{}", r.id),
                id: r.id,
                unit: unit.map(|u| u.code.clone()).unwrap_or_default(),
                unit_name: unit.map(|u| u.name.clone()).unwrap_or_default(),
                contract_name: contract.map(|c| c.contract.name.clone()).unwrap_or_default(),
                contract: r.contract_code.clone(),
                vendor: vendor.map(|v| v.code.clone()).unwrap_or_default(),
                vendor_name: vendor.map(|v| v.name.clone()).unwrap_or_default(),
                period: r.period.clone(),
                overall,
                overall_label: rating_label(overall).to_owned(),
                satisfied: overall >= 4,
                aspects: order
                    .into_iter()
                    .map(|a| AspectRating {
                        rating: given.get(&a).and_then(|v| v.as_i64()),
                        aspect: a,
                    })
                    .collect(),
                comment: r.comment.clone(),
                filled_by: names.get(&r.filled_by).cloned(),
                filled_at: r.filled_at,
                updated_at: r.updated_at,
                version: r.version,
            }
        })
        .collect())
}

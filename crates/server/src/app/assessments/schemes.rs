//! The assessment schemes (考核方案) opsclock ships, by code: the contract's scored items,
//! aspects and weights, and what a month's score decides ([`scorecard::Scheme`]).
//!
//! | code | contract | source |
//! |---|---|---|
//! | `003-sme-platform` | 北京市中小企业公共服务平台系统运维 | seed 003 附件 7 (L840–970), `config/schemes/003-sme-platform.toml` |
//!
//! A contract names its scheme in its document (`scheme = "003-sme-platform"`, checked against
//! this list when the contract is saved: 422 naming `scheme`); an assessment takes the contract's
//! scheme unless it names another when it is created. The buyer's assessor then enters the
//! scores item by item and aspect by aspect (`revise` with `scores`), and the assessment's
//! figures carry the scored month: each category's total, the month's score, and the month's
//! consequences when it is below the pass mark (003: 40 % of the monthly fee, 附件6 第11项).
//!
//! ```
//! let s = opsclock::app::assessments::schemes::get("003-sme-platform").unwrap();
//! assert_eq!(s.items().count(), 24);
//! assert!(opsclock::app::assessments::schemes::get("nope").is_err());
//! ```

use std::collections::BTreeMap;

use scorecard::{Entries, EntryProblem, Scheme, score_month};
use serde::Serialize;

use crate::app::{AppError, AppResult};

/// The shipped schemes: code and TOML text.
const SHIPPED: &[(&str, &str)] = &[(
    "003-sme-platform",
    include_str!("../../../../../config/schemes/003-sme-platform.toml"),
)];

/// The codes of the shipped schemes.
pub fn codes() -> Vec<&'static str> {
    SHIPPED.iter().map(|(c, _)| *c).collect()
}

/// The scheme `code`, or a field error on `scheme`.
pub fn get(code: &str) -> AppResult<Scheme> {
    let (_, text) = SHIPPED.iter().find(|(c, _)| *c == code).ok_or_else(|| {
        AppError::invalid(
            "scheme",
            format!("no assessment scheme {code:?}; schemes: {}", codes().join(", ")),
        )
    })?;
    Scheme::from_toml(text).map_err(|e| AppError::Internal(anyhow::anyhow!("the shipped scheme {code}: {e}")))
}

/// A scheme as a sheet to fill in: each category with its items, each item with its aspects and
/// their maxima, and the points given so far (as text: what a form shows back).
#[derive(Debug, Clone, Serialize)]
pub struct Sheet {
    /// The scheme's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its categories, in order.
    pub categories: Vec<SheetCategory>,
}

/// A category of a [`Sheet`].
#[derive(Debug, Clone, Serialize)]
pub struct SheetCategory {
    /// Its name (应用系统运维).
    pub name: String,
    /// Its full score.
    pub full: String,
    /// Its items, in order.
    pub items: Vec<SheetItem>,
}

/// An item of a [`Sheet`].
#[derive(Debug, Clone, Serialize)]
pub struct SheetItem {
    /// Its id (`a01`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its points.
    pub points: String,
    /// Its aspects, in order.
    pub aspects: Vec<SheetAspect>,
}

/// An aspect of a [`SheetItem`].
#[derive(Debug, Clone, Serialize)]
pub struct SheetAspect {
    /// Its id (`timeliness`).
    pub id: String,
    /// Its name (完成时效).
    pub name: String,
    /// Its maximum: the item's points × its weight (`3.00`).
    pub max: String,
    /// The points given, as given; empty when none.
    pub given: String,
    /// Whether a problem names this aspect (or its item, unscored).
    pub bad: bool,
}

/// `scheme` as a sheet, filled in with `given` (item → aspect → text, as typed or as stored),
/// each aspect marked that `bad` names: (item, aspect), or (item, none) for all of an item's.
pub fn sheet(scheme: &Scheme, given: &BTreeMap<(String, String), String>, bad: &[(String, Option<String>)]) -> Sheet {
    let bad = |item: &str, aspect: &str| {
        bad.iter()
            .any(|(i, a)| i == item && a.as_deref().is_none_or(|a| a == aspect))
    };
    Sheet {
        code: scheme.code.clone(),
        name: scheme.name.clone(),
        categories: scheme
            .categories
            .iter()
            .map(|c| SheetCategory {
                name: c.name.clone(),
                full: c.full.to_string(),
                items: c
                    .items
                    .iter()
                    .map(|i| SheetItem {
                        id: i.id.clone(),
                        name: i.name.clone(),
                        points: i.points.to_string(),
                        aspects: scheme
                            .aspects_of(i)
                            .iter()
                            .map(|a| SheetAspect {
                                id: a.id.clone(),
                                name: a.name.clone(),
                                max: a.max(i.points).unwrap_or_default().to_string(),
                                given: given.get(&(i.id.clone(), a.id.clone())).cloned().unwrap_or_default(),
                                bad: bad(&i.id, &a.id),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The scores given as text, by item and aspect: what a sheet shows of stored entries.
pub fn given_text(entries: &Entries) -> BTreeMap<(String, String), String> {
    entries
        .0
        .iter()
        .flat_map(|(item, aspects)| {
            aspects
                .iter()
                .map(move |(aspect, v)| ((item.clone(), aspect.clone()), v.to_string()))
        })
        .collect()
}

/// The places of every problem `scheme` finds with `entries` (none: they score), as (item,
/// aspect; none for the whole item), so that a form can mark the fields at fault: the same check
/// `revise` refuses with.
pub fn problems(scheme: &Scheme, entries: &Entries) -> Vec<(String, Option<String>)> {
    score_month(scheme, entries).map_or_else(
        |e| {
            e.problems()
                .iter()
                .map(|p: &EntryProblem| (p.item.clone(), p.aspect.clone()))
                .collect()
        },
        |_| Vec::new(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_shipped_scheme_loads_under_its_code() {
        for code in super::codes() {
            assert_eq!(super::get(code).unwrap().code, code);
        }
    }
}

//! The satisfaction rate against the contract's target (满意度, issue 27): the reporters' ticket
//! ratings and the units' periodic surveys ([`crate::app::surveys`]), shown apart and combined,
//! per unit and contract, and judged against the target the contract sets
//! ([`contract_terms::SatisfactionTerms`]). docs/satisfaction.md gives every rule with examples.
//!
//! - **Satisfied** is a rating of 4 or 5 on the ticket ratings' 1–5 scale ([`super::satisfaction`]);
//!   a survey's overall rating is on the same scale and counts the same way.
//! - **Rows**: one per unit and contract. A rated ticket belongs to the first contract (by code)
//!   that covers its system and binds its vendor, or to a row without a contract; a survey to its
//!   unit and contract. A survey counts in every report period its own period overlaps: the
//!   2026-Q4 survey is in the 2026-11 figures and in 2026's.
//! - **Combined** by the contract's rule ([`Combine`]), default `surveys_first`: a unit that filled
//!   a survey is counted by its survey, one that did not by its ticket ratings; `pooled` counts
//!   every rating once.
//! - **Target**: the row's contract's; met when the combined satisfied share reaches it (or, for a
//!   strict target, 超过, exceeds it). The whole report is judged when its rows share one target.
//!
//! ```text
//! unit A, contract C (≥ 90%): tickets 5 5 4 3 (75.0 %), survey 5   surveys_first → 1/1 100 % met
//!                                                                  pooled        → 4/5  80 % not met
//! ```

use std::collections::BTreeMap;

use contract_terms::{Combine, SatisfactionTerms};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use super::satisfaction::{Satisfaction, sum};
use super::sql::{Scope, Sql};
use crate::app::AppResult;
use crate::db::entities::{satisfaction_surveys, systems, units};

/// A contract's satisfaction target as a report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Target {
    /// The target, per cent.
    pub pct: f64,
    /// Whether the rate must exceed it (超过) rather than reach it (≥).
    pub strict: bool,
    /// `≥ 90%` or `> 90%`.
    pub text: String,
    /// Where the contract says it.
    pub source: Option<String>,
}

/// One unit's figures under one contract (or under none).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RateRow {
    /// The unit (code).
    pub unit: String,
    /// Its name.
    pub unit_name: String,
    /// The contract (code); none for tickets no contract covers.
    pub contract: Option<String>,
    /// The contract's name.
    pub contract_name: Option<String>,
    /// The reporters' ticket ratings.
    pub tickets: Satisfaction,
    /// The unit's surveys' overall ratings.
    pub surveys: Satisfaction,
    /// The two combined by `combine`.
    pub combined: Satisfaction,
    /// `surveys_first` or `pooled`.
    pub combine: String,
    /// The contract's target, if it sets one.
    pub target: Option<Target>,
    /// Whether `combined` meets it; none without a target or a rating.
    pub met: Option<bool>,
    /// The surveys counted (`MY-3`).
    pub survey_ids: Vec<String>,
}

/// The report's satisfaction against the targets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct SatisfactionRate {
    /// Every row's ticket ratings.
    pub tickets: Satisfaction,
    /// Every row's surveys.
    pub surveys: Satisfaction,
    /// Every row's combined ratings.
    pub combined: Satisfaction,
    /// The target, when every row with one has the same.
    pub target: Option<Target>,
    /// Whether `combined` meets `target`.
    pub met: Option<bool>,
    /// Rows meeting their target.
    pub rows_met: usize,
    /// Rows with a target and ratings that miss it.
    pub rows_not_met: usize,
    /// Per unit and contract.
    pub rows: Vec<RateRow>,
}

/// A rated ticket: its unit, system, vendor and the rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketRating {
    /// The system's unit.
    pub unit: i64,
    /// The system.
    pub system: i64,
    /// The vendor it is counted against.
    pub vendor: Option<i64>,
    /// 1–5.
    pub rating: u8,
}

/// A survey: its id, unit, contract and overall rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRating {
    /// Its id.
    pub id: i64,
    /// The unit that filled it.
    pub unit: i64,
    /// The contract (code).
    pub contract: String,
    /// 1–5.
    pub rating: u8,
}

/// What the rows need of a contract.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractSide {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The systems it covers.
    pub systems: Vec<i64>,
    /// Its vendor and members.
    pub vendors: Vec<i64>,
    /// Its satisfaction terms (the defaults when it sets none).
    pub terms: SatisfactionTerms,
}

/// The unit's figure from its ticket ratings and its surveys, by `rule`.
///
/// ```
/// use contract_terms::Combine;
/// use opsclock::app::reports::satisfaction::Satisfaction;
/// use opsclock::app::reports::satisfaction_rate::combine;
/// let (tickets, surveys) = (Satisfaction::of([5, 5, 4, 3]), Satisfaction::of([5]));
/// assert_eq!(combine(Combine::SurveysFirst, &tickets, &surveys).rate_pct, Some(100.0));
/// assert_eq!(combine(Combine::Pooled, &tickets, &surveys).rate_pct, Some(80.0));
/// assert_eq!(combine(Combine::SurveysFirst, &tickets, &Satisfaction::default()).rate_pct, Some(75.0));
/// ```
pub fn combine(rule: Combine, tickets: &Satisfaction, surveys: &Satisfaction) -> Satisfaction {
    match rule {
        Combine::SurveysFirst if surveys.rated > 0 => surveys.clone(),
        Combine::SurveysFirst => tickets.clone(),
        Combine::Pooled => sum(tickets, surveys),
    }
}

/// The target of `terms`, if it sets one.
pub fn target_of(terms: &SatisfactionTerms) -> Option<Target> {
    Some(Target {
        pct: terms.target_pct?,
        strict: terms.strict,
        text: terms.describe()?,
        source: terms.source.clone(),
    })
}

/// The rows of `tickets` and `surveys` under `contracts`, by unit (code and name from `units`)
/// then contract (a row without a contract last).
pub fn rows(
    tickets: &[TicketRating],
    surveys: &[SurveyRating],
    contracts: &[ContractSide],
    units: &BTreeMap<i64, (String, String)>,
) -> Vec<RateRow> {
    // (unit, contract's index) → (ticket ratings, survey ratings, survey numbers).
    type Key = (i64, Option<usize>);
    type Bucket = (Vec<u8>, Vec<u8>, Vec<String>);
    let mut ratings: BTreeMap<Key, Bucket> = BTreeMap::new();
    for t in tickets {
        let c = contracts
            .iter()
            .position(|c| c.systems.contains(&t.system) && t.vendor.is_some_and(|v| c.vendors.contains(&v)));
        ratings.entry((t.unit, c)).or_default().0.push(t.rating);
    }
    for s in surveys {
        if let Some(c) = contracts.iter().position(|c| c.code == s.contract) {
            let e = ratings.entry((s.unit, Some(c))).or_default();
            e.1.push(s.rating);
            e.2.push(format!("MY-{}", s.id));
        }
    }
    // A row without a contract sorts after the unit's contracts.
    let mut keys: Vec<Key> = ratings.keys().copied().collect();
    keys.sort_by_key(|(u, c)| (units.get(u).map(|n| n.0.clone()), c.is_none(), *c));
    let defaults = SatisfactionTerms::default();
    keys.into_iter()
        .map(|key| {
            let (t, s, ids) = &ratings[&key];
            let contract = key.1.map(|i| &contracts[i]);
            let terms = contract.map_or(&defaults, |c| &c.terms);
            let (tickets, surveys) = (Satisfaction::of(t.iter().copied()), Satisfaction::of(s.iter().copied()));
            let combined = combine(terms.combine, &tickets, &surveys);
            let (unit, unit_name) = units.get(&key.0).cloned().unwrap_or_default();
            RateRow {
                unit,
                unit_name,
                contract: contract.map(|c| c.code.clone()),
                contract_name: contract.map(|c| c.name.clone()),
                met: terms.meets(combined.satisfied, combined.rated),
                tickets,
                surveys,
                combined,
                combine: terms.combine.key().to_owned(),
                target: target_of(terms),
                survey_ids: ids.clone(),
            }
        })
        .collect()
}

/// The report's figure from its rows: sums, and the verdict when the rows share one target.
pub fn overall(rows: Vec<RateRow>, contracts: &[ContractSide]) -> SatisfactionRate {
    let mut out = SatisfactionRate::default();
    for r in &rows {
        out.tickets = sum(&out.tickets, &r.tickets);
        out.surveys = sum(&out.surveys, &r.surveys);
        out.combined = sum(&out.combined, &r.combined);
        match r.met {
            Some(true) => out.rows_met += 1,
            Some(false) => out.rows_not_met += 1,
            None => {}
        }
    }
    let mut targets = rows.iter().filter_map(|r| r.contract.as_ref()).filter_map(|code| {
        contracts
            .iter()
            .find(|c| c.code == *code)
            .filter(|c| c.terms.target_pct.is_some())
    });
    if let Some(first) = targets.next()
        && targets.all(|c| c.terms.target_pct == first.terms.target_pct && c.terms.strict == first.terms.strict)
    {
        out.target = target_of(&first.terms);
        out.met = first.terms.meets(out.combined.satisfied, out.combined.rated);
    }
    out.rows = rows;
    out
}

/// The scope's satisfaction rate: its rated tickets, the surveys of its units whose period
/// overlaps its own, under every stored contract. A report narrowed to a kind or a severity has
/// no surveys (a survey rates the whole service); one narrowed to systems (a system filter, the
/// reader's visible systems, an assessment's contract) keeps the surveys of those systems' units
/// about contracts covering them.
pub async fn of(db: &impl ConnectionTrait, scope: &Scope) -> AppResult<SatisfactionRate> {
    let stored = super::deductions::list(db).await?;
    let contracts: Vec<ContractSide> = stored
        .iter()
        .map(|s| ContractSide {
            code: s.contract.code.clone(),
            name: s.contract.name.clone(),
            systems: s.system_ids.clone(),
            vendors: s.vendor_ids(),
            terms: s.contract.satisfaction.clone().unwrap_or_default(),
        })
        .collect();
    let mut q = Sql::new(db);
    q.push(
        "SELECT us.unit_id AS unit_id, t.system_id AS system_id, t.vendor_id AS vendor_id, \
         (SELECT e.data FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'closed' \
         ORDER BY e.seq DESC LIMIT 1) AS data",
    )
    .from_tickets_by_unit(scope)
    .push(" AND t.status = 'closed'");
    let mut tickets = Vec::new();
    for row in q.all(db).await? {
        let data: Option<serde_json::Value> = row.try_get("", "data")?;
        let rating = data
            .as_ref()
            .and_then(|d| d.get("satisfaction"))
            .and_then(|s| s.as_u64());
        if let Some(r) = rating.and_then(|r| u8::try_from(r).ok()) {
            tickets.push(TicketRating {
                unit: row.try_get("", "unit_id")?,
                system: row.try_get("", "system_id")?,
                vendor: row.try_get("", "vendor_id")?,
                rating: r,
            });
        }
    }
    let surveys = if scope.kind.is_some() || scope.severity.is_some() {
        Vec::new()
    } else {
        surveys_in(db, scope, &contracts).await?
    };
    let units = units::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, (u.code, u.name)))
        .collect();
    Ok(overall(rows(&tickets, &surveys, &contracts, &units), &contracts))
}

/// The surveys of `scope` (see [`of`]).
async fn surveys_in(
    db: &impl ConnectionTrait,
    scope: &Scope,
    contracts: &[ContractSide],
) -> AppResult<Vec<SurveyRating>> {
    let mut find = satisfaction_surveys::Entity::find()
        .filter(satisfaction_surveys::Column::PeriodFrom.lt(scope.to))
        .filter(satisfaction_surveys::Column::PeriodTo.gt(scope.from));
    if let Some(u) = scope.unit {
        find = find.filter(satisfaction_surveys::Column::UnitId.eq(u));
    }
    let unit_of: BTreeMap<i64, i64> = match &scope.systems {
        Some(ids) => systems::Entity::find()
            .filter(systems::Column::Id.is_in(ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.unit_id))
            .collect(),
        None => BTreeMap::new(),
    };
    let vendors: Option<Vec<i64>> = match (scope.vendor, &scope.vendors) {
        (Some(v), _) => Some(vec![v]),
        (None, Some(vs)) => Some(vs.clone()),
        (None, None) => None,
    };
    let mut out = Vec::new();
    for s in find.all(db).await? {
        let Some(c) = contracts.iter().find(|c| c.code == s.contract_code) else {
            continue;
        };
        if vendors
            .as_ref()
            .is_some_and(|vs| !vs.iter().any(|v| c.vendors.contains(v)))
        {
            continue;
        }
        if scope.systems.is_some()
            && !unit_of
                .iter()
                .any(|(sys, u)| *u == s.unit_id && c.systems.contains(sys))
        {
            continue;
        }
        out.push(SurveyRating {
            id: s.id,
            unit: s.unit_id,
            contract: s.contract_code.clone(),
            rating: u8::try_from(s.overall).unwrap_or(0),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(code: &str, target: Option<f64>, strict: bool, rule: Combine) -> ContractSide {
        ContractSide {
            code: code.into(),
            name: code.into(),
            systems: vec![1, 2],
            vendors: vec![10],
            terms: SatisfactionTerms {
                target_pct: target,
                strict,
                combine: rule,
                ..SatisfactionTerms::default()
            },
        }
    }

    fn units() -> BTreeMap<i64, (String, String)> {
        [(1, ("UA".into(), "A".into())), (2, ("UB".into(), "B".into()))].into()
    }

    fn ticket(unit: i64, system: i64, vendor: Option<i64>, rating: u8) -> TicketRating {
        TicketRating {
            unit,
            system,
            vendor,
            rating,
        }
    }

    #[test]
    fn a_units_survey_speaks_for_it_by_default() {
        let c = [contract("C", Some(90.0), false, Combine::SurveysFirst)];
        let tickets = [
            ticket(1, 1, Some(10), 5),
            ticket(1, 1, Some(10), 5),
            ticket(1, 1, Some(10), 4),
            ticket(1, 1, Some(10), 3),
            // Unit B filled no survey: its two tickets speak for it.
            ticket(2, 2, Some(10), 5),
            ticket(2, 2, Some(10), 2),
            // No contract covers this ticket (another vendor): a row of its own, no target.
            ticket(2, 2, Some(99), 1),
        ];
        let surveys = [SurveyRating {
            id: 3,
            unit: 1,
            contract: "C".into(),
            rating: 5,
        }];
        let rows = rows(&tickets, &surveys, &c, &units());
        assert_eq!(rows.len(), 3);
        let a = &rows[0];
        assert_eq!((a.unit.as_str(), a.contract.as_deref()), ("UA", Some("C")));
        assert_eq!((a.tickets.rate_pct, a.surveys.rate_pct), (Some(75.0), Some(100.0)));
        assert_eq!(
            (a.combined.rated, a.met, a.survey_ids.clone()),
            (1, Some(true), vec!["MY-3".to_owned()])
        );
        let b = &rows[1];
        assert_eq!((b.combined.rated, b.combined.satisfied, b.met), (2, 1, Some(false)));
        assert_eq!((rows[2].contract.clone(), rows[2].met), (None, None));
        let all = overall(rows, &c);
        // Combined: A's survey (5) + B's tickets (5, 2) + the uncovered ticket (1): 2 of 4.
        assert_eq!((all.combined.rated, all.combined.satisfied), (4, 2));
        assert_eq!((all.tickets.rated, all.surveys.rated), (7, 1));
        assert_eq!((all.rows_met, all.rows_not_met), (1, 1));
        assert_eq!(all.target.as_ref().map(|t| t.text.as_str()), Some("≥ 90%"));
        assert_eq!(all.met, Some(false));
    }

    #[test]
    fn pooled_counts_every_rating_once() {
        let c = [contract("C", Some(80.0), true, Combine::Pooled)];
        let tickets = [5, 5, 4, 3].map(|r| ticket(1, 1, Some(10), r));
        let surveys = [SurveyRating {
            id: 1,
            unit: 1,
            contract: "C".into(),
            rating: 5,
        }];
        let r = overall(rows(&tickets, &surveys, &c, &units()), &c);
        // 4 of 5 = 80.0 %: a strict (超过) 80 % target is missed, an inclusive one met.
        assert_eq!((r.combined.satisfied, r.combined.rated, r.met), (4, 5, Some(false)));
        let c = [contract("C", Some(80.0), false, Combine::Pooled)];
        assert_eq!(overall(rows(&tickets, &surveys, &c, &units()), &c).met, Some(true));
    }

    #[test]
    fn rows_of_different_targets_give_no_overall_verdict() {
        let mut first = contract("C", Some(90.0), false, Combine::SurveysFirst);
        first.systems = vec![1];
        let mut d = contract("D", Some(95.0), false, Combine::SurveysFirst);
        d.systems = vec![2];
        let c = [first, d];
        let tickets = [ticket(1, 1, Some(10), 5), ticket(2, 2, Some(10), 5)];
        let r = overall(rows(&tickets, &[], &c, &units()), &c);
        assert_eq!((r.target.clone(), r.met, r.rows_met), (None, None, 2));
        // Nothing rated: no verdict either way.
        let r = overall(rows(&[], &[], &c, &units()), &c);
        assert_eq!((r.met, r.combined.rate_pct), (None, None));
    }
}

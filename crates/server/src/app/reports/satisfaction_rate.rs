//! The satisfaction rate against the contract's target (满意度, issue 27): the reporters' ticket
//! ratings and the units' periodic surveys ([`crate::app::surveys`]), shown apart and combined,
//! per unit and contract, and judged against the target the contract sets
//! ([`contract_terms::SatisfactionTerms`]). docs/satisfaction.md gives every rule with examples.
//!
//! - **Satisfied** is a rating of 4 or 5 on the ticket ratings' 1–5 scale ([`super::satisfaction`]);
//!   a survey's overall rating is on the same scale and counts the same way.
//! - **Rows**: one per unit and contract. A rated ticket belongs to the report's own contract
//!   when it has one (an assessment's) and that contract covers the ticket, otherwise to the
//!   first contract (by code) that covers its system and binds its vendor, or to a row without a
//!   contract; a survey to its unit and contract. A survey counts in every report period its own
//!   period overlaps: the 2026-Q4 survey is in the 2026-11 figures and in 2026's.
//! - **Combined** by the contract's rule ([`Combine`]), default `surveys_first`: a unit's survey
//!   stands in for the unit's ticket ratings **of its own period** (tickets received in it); the
//!   ticket ratings of the report's other months still count. `pooled` counts every rating once.
//!   Where a unit's month survey and its quarter survey overlap (filed before the surveys refused
//!   overlaps), the month's counts, and the quarter's only for the report's months no month
//!   survey covers ([`standing`]).
//! - **Target**: the row's contract's; met when the combined satisfied share reaches it (or, for a
//!   strict target, 超过, exceeds it). The whole report is judged when its rows with a target
//!   share one, on those rows alone (a row no contract covers has no say).
//!
//! ```text
//! unit A, contract C (≥ 90%), report 2026-11: tickets 5 5 4 3 (75.0 %), survey 2026-11 rated 5
//!     surveys_first → 1/1 100 % met          pooled → 4/5 80 % not met
//! unit A, contract C, report 2026 (a year): tickets of Jan–Sep 5 5 3 (66.7 %), of Oct–Dec 2 2,
//! survey 2026-Q4 rated 5
//!     surveys_first → Jan–Sep's 5 5 3 and the survey 5: 3/4 75.0 %, not met
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
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
    /// Ticket ratings the surveys stand in for (`surveys_first`: those of tickets received in a
    /// survey's period); left out of `combined`.
    #[serde(default)]
    pub replaced: i64,
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
    /// The combined ratings of the rows under `target` (none without it): the figure judged.
    pub judged: Satisfaction,
    /// Whether `judged` meets `target`.
    pub met: Option<bool>,
    /// Rows meeting their target.
    pub rows_met: usize,
    /// Rows with a target and ratings that miss it.
    pub rows_not_met: usize,
    /// Per unit and contract.
    pub rows: Vec<RateRow>,
}

/// A rated ticket: its unit, system, vendor, when it was received and the rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketRating {
    /// The system's unit.
    pub unit: i64,
    /// The system.
    pub system: i64,
    /// The vendor it is counted against.
    pub vendor: Option<i64>,
    /// When it was received (the instant that puts it in a period).
    pub received: DateTime<Utc>,
    /// 1–5.
    pub rating: u8,
}

/// A survey: its id, unit, contract, period and overall rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRating {
    /// Its id.
    pub id: i64,
    /// The unit that filled it.
    pub unit: i64,
    /// The contract (code).
    pub contract: String,
    /// Its period's first instant.
    pub from: DateTime<Utc>,
    /// The first instant after its period.
    pub to: DateTime<Utc>,
    /// 1–5.
    pub rating: u8,
}

impl SurveyRating {
    fn covers(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }

    fn overlaps(&self, other: &SurveyRating) -> bool {
        self.from < other.to && other.from < self.to
    }
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

/// The unit's figure from its ticket ratings and its surveys, by `rule`: `tickets` are all its
/// ticket ratings, `uncovered` those of tickets received outside every survey's period.
///
/// ```
/// use contract_terms::Combine;
/// use opsclock::app::reports::satisfaction::Satisfaction;
/// use opsclock::app::reports::satisfaction_rate::combine;
/// let (tickets, surveys) = (Satisfaction::of([5, 5, 4, 3]), Satisfaction::of([5]));
/// // The survey's period holds every ticket: it speaks for the unit alone.
/// let none = Satisfaction::default();
/// assert_eq!(combine(Combine::SurveysFirst, &tickets, &none, &surveys).rate_pct, Some(100.0));
/// assert_eq!(combine(Combine::Pooled, &tickets, &none, &surveys).rate_pct, Some(80.0));
/// // It holds the last two (4, 3): the first two still count.
/// let uncovered = Satisfaction::of([5, 5]);
/// assert_eq!(combine(Combine::SurveysFirst, &tickets, &uncovered, &surveys).rated, 3);
/// // No survey: the tickets.
/// assert_eq!(combine(Combine::SurveysFirst, &tickets, &tickets, &none).rate_pct, Some(75.0));
/// ```
pub fn combine(
    rule: Combine,
    tickets: &Satisfaction,
    uncovered: &Satisfaction,
    surveys: &Satisfaction,
) -> Satisfaction {
    match rule {
        Combine::SurveysFirst => sum(uncovered, surveys),
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
/// then contract (a row without a contract last), over the report's `period` ([from, to)). A
/// ticket goes to `own` (a contract's code) when that contract covers it, else to the first
/// contract covering it.
pub fn rows(
    tickets: &[TicketRating],
    surveys: &[SurveyRating],
    contracts: &[ContractSide],
    units: &BTreeMap<i64, (String, String)>,
    own: Option<&str>,
    period: (DateTime<Utc>, DateTime<Utc>),
) -> Vec<RateRow> {
    // (unit, contract's index) → (the tickets, the surveys).
    type Key = (i64, Option<usize>);
    let mut ratings: BTreeMap<Key, (Vec<&TicketRating>, Vec<&SurveyRating>)> = BTreeMap::new();
    let covers = |c: &ContractSide, t: &TicketRating| {
        c.systems.contains(&t.system) && t.vendor.is_some_and(|v| c.vendors.contains(&v))
    };
    for t in tickets {
        let c = own
            .and_then(|code| contracts.iter().position(|c| c.code == code && covers(c, t)))
            .or_else(|| contracts.iter().position(|c| covers(c, t)));
        ratings.entry((t.unit, c)).or_default().0.push(t);
    }
    for s in surveys {
        if let Some(c) = contracts.iter().position(|c| c.code == s.contract) {
            ratings.entry((s.unit, Some(c))).or_default().1.push(s);
        }
    }
    // A row without a contract sorts after the unit's contracts.
    let mut keys: Vec<Key> = ratings.keys().copied().collect();
    keys.sort_by_key(|(u, c)| (units.get(u).map(|n| n.0.clone()), c.is_none(), *c));
    let defaults = SatisfactionTerms::default();
    keys.into_iter()
        .map(|key| {
            let (t, s) = &ratings[&key];
            let s = standing(s, period);
            let contract = key.1.map(|i| &contracts[i]);
            let terms = contract.map_or(&defaults, |c| &c.terms);
            let tickets = Satisfaction::of(t.iter().map(|t| t.rating));
            let uncovered = Satisfaction::of(
                t.iter()
                    .filter(|t| !s.iter().any(|s| s.covers(t.received)))
                    .map(|t| t.rating),
            );
            let surveys = Satisfaction::of(s.iter().map(|s| s.rating));
            let combined = combine(terms.combine, &tickets, &uncovered, &surveys);
            let replaced = match terms.combine {
                Combine::SurveysFirst => tickets.rated - uncovered.rated,
                Combine::Pooled => 0,
            };
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
                replaced,
                combine: terms.combine.key().to_owned(),
                target: target_of(terms),
                survey_ids: s.iter().map(|s| format!("MY-{}", s.id)).collect(),
            }
        })
        .collect()
}

/// The surveys of one unit and contract that count over `period`: where surveys overlap (a
/// month's and its quarter's, filed before overlaps were refused), the shorter ones count, and a
/// longer one only if some part of it within the period is left uncovered by them. So the
/// quarter's survey counts in October's report when only November's has a survey of its own,
/// and not in November's.
fn standing<'a>(surveys: &[&'a SurveyRating], (from, to): (DateTime<Utc>, DateTime<Utc>)) -> Vec<&'a SurveyRating> {
    surveys
        .iter()
        .copied()
        .filter(|a| {
            let span = a.to - a.from;
            let mut shorter: Vec<&SurveyRating> = surveys
                .iter()
                .copied()
                .filter(|b| b.id != a.id && b.overlaps(a) && b.to - b.from < span)
                .collect();
            shorter.sort_by_key(|b| b.from);
            // Sweep the part of `a` within the period: a gap the shorter ones leave keeps it.
            let (mut at, end) = (a.from.max(from), a.to.min(to));
            for b in shorter {
                if b.from > at {
                    break;
                }
                at = at.max(b.to);
            }
            at < end
        })
        .collect()
}

/// The report's figure from its rows: sums, and, when the rows with a target share one, the
/// verdict on those rows' combined ratings (a row without a target has no say in it).
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
    let terms_of = |r: &RateRow| {
        let code = r.contract.as_ref()?;
        contracts
            .iter()
            .find(|c| c.code == *code)
            .map(|c| &c.terms)
            .filter(|t| t.target_pct.is_some())
    };
    let mut targets = rows.iter().filter_map(terms_of);
    if let Some(first) = targets.next()
        && targets.all(|t| t.target_pct == first.target_pct && t.strict == first.strict)
    {
        let under = rows
            .iter()
            .filter(|r| terms_of(r).is_some())
            .fold(Satisfaction::default(), |a, r| sum(&a, &r.combined));
        out.target = target_of(first);
        out.met = first.meets(under.satisfied, under.rated);
        out.judged = under;
    }
    out.rows = rows;
    out
}

/// The scope's satisfaction rate: its rated tickets, the surveys of its units whose period
/// overlaps its own, under every stored contract (only the scope's own contract's surveys when
/// it names one). A report narrowed to a kind or a severity has
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
         t.received_at AS received_at, \
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
                received: row.try_get("", "received_at")?,
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
    Ok(overall(
        rows(
            &tickets,
            &surveys,
            &contracts,
            &units,
            scope.contract.as_deref(),
            (scope.from, scope.to),
        ),
        &contracts,
    ))
}

/// The surveys of `scope` (see [`of`]).
async fn surveys_in(
    db: &impl ConnectionTrait,
    scope: &Scope,
    contracts: &[ContractSide],
) -> AppResult<Vec<SurveyRating>> {
    let mut find = satisfaction_surveys::Entity::find().filter(crate::app::surveys::overlapping(scope.from, scope.to));
    if let Some(u) = scope.unit {
        find = find.filter(satisfaction_surveys::Column::UnitId.eq(u));
    }
    if let Some(c) = &scope.contract {
        find = find.filter(satisfaction_surveys::Column::ContractCode.eq(c));
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
            from: s.period_from,
            to: s.period_to,
            rating: u8::try_from(s.overall).unwrap_or(0),
        });
    }
    Ok(out)
}

#[cfg(test)]
#[path = "satisfaction_rate_tests.rs"]
mod tests;

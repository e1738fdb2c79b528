//! An assessment's figures: what the breach report measures for its contract, unit and month,
//! stored as canonical JSON text and hashed.
//!
//! The figures are taken from [`crate::app::reports::breaches`] for the contract's vendor (and
//! the unit, for a unit's assessment) over the month, with the contract's deductions: the ticket
//! counts, compliance per clock, MTTA/MTTR, availability, the device KPIs (main-device
//! availability, online and filing rates per system and for the contract, each against its
//! target, for the assessor to score: docs/devices.md), the deduction rules' outcomes and the
//! report's footnotes. They are computed when the assessment is created and when the buyer
//! revises it, never otherwise: a final assessment keeps the figures its parties signed, whatever
//! happens to the month's tickets afterwards.
//!
//! **Canonical text.** The figures are written as JSON with every object's keys sorted and no
//! whitespace ([`canonical`]); the SHA-256 of that text, in hex, is the content hash
//! ([`hash`]). The text is stored as it is (not as a JSON column, which PostgreSQL would
//! reorder), so anyone can fetch it (`GET /api/v1/assessments/{id}/snapshot`) and check the hash
//! a signature names:
//!
//! ```
//! use opsclock::app::assessments::figures::{canonical, hash};
//! let text = canonical(&serde_json::json!({"b": [2, {"d": 1, "c": 0}], "a": "考核"}));
//! assert_eq!(text, r#"{"a":"考核","b":[2,{"c":0,"d":1}]}"#);
//! assert_eq!(hash(&text).len(), 64);
//! ```

use scorecard::{Entries, Scheme, score_month};
use sea_orm::EntityTrait;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::app::reports::{self, Filters, Period, Scope, deductions::Stored};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{units, vendors};

/// The zone months are counted in (the reports' default).
const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// `value` as canonical JSON text: keys sorted, no whitespace.
pub fn canonical(value: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    out.insert(k.clone(), sorted(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    // A map that keeps insertion order (serde_json's preserve_order) writes the sorted keys in
    // order; one that sorts (the default BTreeMap) does too.
    sorted(value).to_string()
}

/// SHA-256 of `text`, hex.
pub fn hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The figures of `stored`'s `period` (`YYYY-MM`) for `unit` (none: every unit), as measured now,
/// with the scored month of `scored` (a scheme, and the scores given if any).
pub async fn compute(
    ctx: &Context,
    stored: &Stored,
    unit: Option<&units::Model>,
    period: &str,
    scored: Option<(&Scheme, Option<&Entries>)>,
) -> AppResult<Value> {
    let vendor = vendors::Entity::find_by_id(stored.vendor_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("the vendor of contract {}", stored.contract.code)))?;
    let parsed = Period::parse(period, ZONE).map_err(|e| AppError::invalid("period", e))?;
    let filters = Filters {
        unit: unit.map(|u| u.code.clone()),
        vendor: Some(vendor.code.clone()),
        ..Filters::default()
    };
    let now = ctx.now();
    // The contract's own tickets: on its systems, counted against its vendor or a member (as its
    // deduction rules read them), and, for a unit's assessment, on that unit's systems. The
    // deductions are the contract's as a whole, so a unit's assessment leaves them out: they are
    // the whole contract's assessment's (the bureau's), as the report withholds them from units.
    let scope = Scope {
        from: parsed.from,
        to: parsed.to,
        as_of: now,
        systems: Some(stored.system_ids.clone()),
        unit: unit.map(|u| u.id),
        vendors: Some(stored.vendor_ids()),
        contract: Some(stored.contract.code.clone()),
        ..Scope::default()
    };
    let whole = unit.is_none();
    let (from, to) = (parsed.from, parsed.to);
    let calendars = ctx.calendars.snapshot();
    let r = reports::breaches_in(&ctx.db, &calendars, parsed, filters, scope, whole).await?;
    let deductions = r
        .deductions
        .iter()
        .find(|d| d.contract == stored.contract.code)
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the deductions as JSON: {e}")))?;
    Ok(json!({
        "contract": {"code": stored.contract.code, "name": stored.contract.name, "vendor": vendor.code,
                     "vendor_name": vendor.name},
        "unit": unit.map(|u| json!({"code": u.code, "name": u.name})),
        "period": period,
        "measured_at": now,
        "tickets": to_json(&r.tickets),
        "clocks": to_json(&r.clocks),
        "latency": to_json(&r.latency),
        "availability": to_json(&r.availability),
        "device_kpis": to_json(&r.device_kpis),
        "breached": r.breached.len(),
        "deductions": deductions,
        "notes": to_json(&r.notes),
        "satisfaction": to_json(&r.satisfaction),
        "satisfaction_rate": to_json(&r.satisfaction_rate),
        "rectification": crate::app::rectification::for_period(
            &ctx.db, &calendars, &stored.contract.code, unit.map(|u| u.id), from, to, now,
        )
        .await?,
        "scorecard": match scored {
            // A quarter or a year: its months as their final assessments scored them.
            Some((scheme, _)) if super::periods::months_of(period).is_some() => Some(
                super::periods::scorecard_of_period(&ctx.db, &stored.contract.code, unit.map(|u| u.id), period, scheme)
                    .await?,
            ),
            Some((scheme, entries)) => Some(scorecard_of(scheme, entries, &stored.contract)?),
            None => None,
        },
    }))
}

/// The scored part: the scheme, and the month as scored (each category, the month's score, the
/// band of the scheme's grades it falls in, and what a month below the pass mark decides, with
/// its amount in fen where the contract's fees give it), or `entered: false` before the buyer
/// scores.
///
/// An amount is reckoned as the contract's deduction rules are ([`contract_terms::Contract::amount_fen`]):
/// the price, or the monthly fee ("服务合同总金额/服务月数"), times the percentage, rounded once to
/// the fen.
pub fn scorecard_of(scheme: &Scheme, entries: Option<&Entries>, c: &contract_terms::Contract) -> AppResult<Value> {
    let Some(entries) = entries else {
        return Ok(json!({"scheme": scheme.code, "name": scheme.name, "entered": false}));
    };
    let month = score_month(scheme, entries).map_err(|e| scores_refused(&e))?;
    let below = scheme.is_below(month.score);
    let consequences: Vec<Value> = if below {
        scheme
            .decisions
            .month
            .iter()
            .map(|r| {
                // The contract's own money rule, as its deduction rules are charged: the price (or
                // the monthly fee, price / months) times the percentage, rounded once.
                let pct = r.charge.pct.hundredths() as f64 / 100.0;
                let amount = match r.charge.base {
                    scorecard::Base::MonthlyFee => contract_terms::Amount::MonthlyFee { pct },
                    scorecard::Base::ContractTotal => contract_terms::Amount::Price { pct },
                };
                json!({"rule": r.id, "source": r.source, "charge": r.charge.describe(),
                       "pct": r.charge.pct.to_string(), "base": r.charge.base,
                       "amount_fen": c.amount_fen(amount, 1)})
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(json!({
        "scheme": scheme.code,
        "name": scheme.name,
        "entered": true,
        "entries": entries,
        "month": month,
        "score": month.score.to_string(),
        "grade": scheme.grade(month.score).map(|g| g.name.clone()),
        "pass_mark": scheme.decisions.below.to_string(),
        "below": below,
        "consequences": consequences,
    }))
}

/// Scores that cannot be scored: 422 naming the first problem's place (`scores.a01.timeliness`),
/// every problem said in English with the Chinese in brackets at the end, as the rulebook's
/// refusals are (the pages show the Chinese).
fn scores_refused(e: &scorecard::EntryError) -> AppError {
    let field = e
        .problems()
        .first()
        .map_or_else(|| "scores".to_owned(), |p| format!("scores.{}", p.place()));
    AppError::Invalid {
        field: Some(field),
        detail: format!("{e} ({})", e.zh()),
    }
}

/// A part of the report as JSON (they all serialise; `null` would say one did not).
fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

//! An assessment's figures: what the breach report measures for its contract, unit and month,
//! stored as canonical JSON text and hashed.
//!
//! The figures are taken from [`crate::app::reports::breaches`] for the contract's vendor (and
//! the unit, for a unit's assessment) over the month, with the contract's deductions: the ticket
//! counts, compliance per clock, MTTA/MTTR, availability, the deduction rules' outcomes and the
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
        ..Scope::default()
    };
    let whole = unit.is_none();
    let r = reports::breaches_in(&ctx.db, &ctx.calendars.snapshot(), parsed, filters, scope, whole).await?;
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
        "breached": r.breached.len(),
        "deductions": deductions,
        "notes": to_json(&r.notes),
        "satisfaction": to_json(&r.satisfaction),
        "scorecard": scored
            .map(|(scheme, entries)| scorecard_of(scheme, entries, &stored.contract))
            .transpose()?,
    }))
}

/// The scored part: the scheme, and the month as scored (each category, the month's score, and
/// what a month below the pass mark decides, with its amount in fen where the contract's fees
/// give it), or `entered: false` before the buyer scores.
///
/// An amount is the base times the percentage, rounded half up to the fen: the monthly fee is
/// `price_fen / months` (the contracts' "服务合同总金额/服务月数", also rounded half up).
pub fn scorecard_of(scheme: &Scheme, entries: Option<&Entries>, c: &contract_terms::Contract) -> AppResult<Value> {
    let Some(entries) = entries else {
        return Ok(json!({"scheme": scheme.code, "name": scheme.name, "entered": false}));
    };
    let month = score_month(scheme, entries).map_err(|e| AppError::invalid("scores", e.to_string()))?;
    let below = scheme.is_below(month.score);
    let consequences: Vec<Value> = if below {
        scheme
            .decisions
            .month
            .iter()
            .map(|r| {
                let base = match r.charge.base {
                    scorecard::Base::MonthlyFee => monthly_fee(c),
                    scorecard::Base::ContractTotal => Some(c.price_fen),
                };
                json!({"rule": r.id, "source": r.source, "charge": r.charge.describe(),
                       "pct": r.charge.pct.to_string(), "base": r.charge.base,
                       "amount_fen": base.map(|b| share(b, r.charge.pct.hundredths()))})
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
        "pass_mark": scheme.decisions.below.to_string(),
        "below": below,
        "consequences": consequences,
    }))
}

/// The monthly fee in fen, `price / months` rounded half up; none without months.
fn monthly_fee(c: &contract_terms::Contract) -> Option<i64> {
    (c.months > 0).then(|| (2 * c.price_fen + i64::from(c.months)) / (2 * i64::from(c.months)))
}

/// `pct_hundredths` hundredths of a percent of `base` fen, rounded half up to the fen.
fn share(base: i64, pct_hundredths: i64) -> i64 {
    (2 * base * pct_hundredths + 10_000) / 20_000
}

/// A part of the report as JSON (they all serialise; `null` would say one did not).
fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    #[test]
    fn shares_and_monthly_fees_round_half_up_to_the_fen() {
        // 40 % of a monthly fee of 100,000.00 yuan; 0.1 % of 1 fen is nothing; 50 % of 1 fen is 1.
        assert_eq!(super::share(10_000_000, 4_000), 4_000_000);
        assert_eq!(super::share(1, 10), 0);
        assert_eq!(super::share(1, 5_000), 1);
        let c = |price_fen, months| contract_terms::Contract {
            price_fen,
            months,
            ..serde_json::from_value(serde_json::json!({"code": "c", "name": "c", "vendor": "v",
                "price_fen": 0, "months": 1, "rules": []}))
            .unwrap()
        };
        assert_eq!(super::monthly_fee(&c(120_000_000, 12)), Some(10_000_000));
        assert_eq!(super::monthly_fee(&c(100, 12)), Some(8)); // 8.33 → 8
        assert_eq!(super::monthly_fee(&c(102, 12)), Some(9)); // 8.5 → 9
        assert_eq!(super::monthly_fee(&c(100, 0)), None);
    }
}

//! Quarter and year assessments (季度、年度考核): the period's months as their final monthly
//! assessments scored them, decided by the scheme's year rules.
//!
//! Seed 003 grades the year from the months (附件7, L906: "全年各月分数平均值即为当年运维评价得分，
//! 90 分以上为优秀，80 分到 90 分为良好，60 分到 80 分为及格，60 分以下为不及格") and decides a failing
//! month's and a run of failing months' consequences (L231: "连续 3 个月考核得分低于 60 分的，甲方有权
//! 终止合同；经甲方年度考核不合格，按照扣分比例乘以合同总额计算违约金"); [`scorecard::assess_year`]
//! is that rulebook. This module gives it the months: for each month of the period, the score of
//! the contract's **final** monthly assessment of the same unit (or the whole contract) and the
//! same scheme, recomputed exactly from the scores entered (the stored text rounds to
//! hundredths; 59.995 is below 60). A month with no final assessment, or one not scored, counts
//! as the scheme says for a month not assessed, and is listed as missing.
//!
//! ```
//! use opsclock::app::assessments::periods::months_of;
//! assert_eq!(months_of("2026-Q2").unwrap().iter().map(|m| m.to_string()).collect::<Vec<_>>(),
//!            ["2026-04", "2026-05", "2026-06"]);
//! assert_eq!(months_of("2026").unwrap().len(), 12);
//! assert!(months_of("2026-05").is_none()); // a month is scored by itself
//! ```

use scorecard::{Entries, Scheme, Score, YearMonth, assess_year, score_month};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::app::{AppError, AppResult};
use crate::db::entities::assessments;

/// `text` as a period an assessment covers: a month `YYYY-MM`, a quarter `YYYY-Qn` or a year
/// `YYYY`; else 422 naming `field`.
pub fn parse(field: &str, text: &str) -> AppResult<String> {
    if months_of(text).is_some() {
        return Ok(text.to_owned());
    }
    crate::app::findings::parse_month(field, text).map_err(|_| {
        AppError::invalid(
            field,
            format!("{text:?} is not a month (2026-11), a quarter (2026-Q4) or a year (2026)"),
        )
    })
}

/// The months of a quarter (`2026-Q2`) or a year (`2026`); `None` for anything else.
pub fn months_of(period: &str) -> Option<Vec<YearMonth>> {
    let p = period.trim();
    let (year, first, count) = match p.split_once("-Q") {
        Some((y, q)) => {
            let q: u8 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
            (y, (q - 1) * 3 + 1, 3)
        }
        None if p.len() == 4 => (p, 1, 12),
        None => return None,
    };
    if year.len() != 4 {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let mut m = YearMonth::new(year, first)?;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        out.push(m);
        m = m.next();
    }
    Some(out)
}

/// The score of each month of `months`, from the final monthly assessments of contract `code`
/// for `unit` (none: the whole contract) under `scheme`, with the assessments used (`A-12`).
pub async fn scored_months(
    db: &impl ConnectionTrait,
    code: &str,
    unit: Option<i64>,
    scheme: &Scheme,
    months: &[YearMonth],
) -> AppResult<(Vec<(YearMonth, Option<Score>)>, Vec<String>)> {
    let mut find = assessments::Entity::find()
        .filter(assessments::Column::ContractCode.eq(code))
        .filter(assessments::Column::State.eq("final"))
        .filter(assessments::Column::Scheme.eq(scheme.code.as_str()))
        .filter(assessments::Column::Period.is_in(months.iter().map(|m| m.to_string())));
    find = match unit {
        Some(u) => find.filter(assessments::Column::UnitId.eq(u)),
        None => find.filter(assessments::Column::UnitId.is_null()),
    };
    let rows = find.all(db).await?;
    let mut used = Vec::new();
    let mut out = Vec::with_capacity(months.len());
    for m in months {
        let row = rows.iter().find(|r| r.period == m.to_string());
        let score = match row.and_then(|r| r.entries.clone()) {
            Some(entries) => {
                let entries: Entries = serde_json::from_value(entries)
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("{m}'s scores: {e}")))?;
                let month = score_month(scheme, &entries)
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("{m}'s scores: {e}")))?;
                used.push(format!("A-{}", row.map_or(0, |r| r.id)));
                Some(month.score)
            }
            None => None,
        };
        out.push((*m, score));
    }
    Ok((out, used))
}

/// The scored part of a quarter's or a year's assessment: the months, their mean, the
/// decisions the scheme takes on failing months and runs, and for a year the grade and the
/// failing year's charge.
pub async fn scorecard_of_period(
    db: &impl ConnectionTrait,
    code: &str,
    unit: Option<i64>,
    period: &str,
    scheme: &Scheme,
) -> AppResult<Value> {
    let months = months_of(period)
        .ok_or_else(|| AppError::invalid("period", format!("{period:?} is not a quarter or a year")))?;
    let (scored, used) = scored_months(db, code, unit, scheme, &months).await?;
    let year = assess_year(scheme, &scored).map_err(|e| AppError::invalid("period", e.to_string()))?;
    let whole_year = months.len() == 12;
    Ok(json!({
        "scheme": scheme.code,
        "name": scheme.name,
        "period_kind": if whole_year { "year" } else { "quarter" },
        "from_assessments": used,
        "months": year.months,
        "missing": year.missing,
        "assessed": year.assessed,
        "mean": year.mean,
        "decisions": year.decisions,
        "terminate_from": year.terminate_from,
        // The grade and the failing year's charge are the year's (003 附件7); a quarter has none.
        "grade": if whole_year { json!(year.grade) } else { Value::Null },
        "fail": if whole_year { json!(year.fail) } else { Value::Null },
    }))
}

//! The dashboard's series: tickets and breached tickets month by month, and each buyer unit's
//! compliance. Both are single scans, like the report's own sections (see [`super::sql`]).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;

use super::Period;
use super::counts::pct;
use super::sql::{Scope, Sql, int};

/// One month of the trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthPoint {
    /// `2026-03`.
    pub month: String,
    /// Tickets received.
    pub received: i64,
    /// Of those, with a breached clock (as of the scope's instant).
    pub breached: i64,
}

/// Tickets received and breached in each of `months` (consecutive, oldest first), within the
/// scope's filters; `scope`'s own period is ignored.
pub async fn monthly(db: &impl ConnectionTrait, scope: &Scope, months: &[Period]) -> Result<Vec<MonthPoint>, DbErr> {
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(Vec::new());
    };
    let whole = Scope {
        from: first.from,
        to: last.to,
        ..scope.clone()
    };
    let mut q = Sql::new(db);
    q.push("SELECT 0 AS zero");
    for (i, m) in months.iter().enumerate() {
        let within = |q: &mut Sql| {
            q.push("t.received_at >= ")
                .bind(m.from)
                .push(" AND t.received_at < ")
                .bind(m.to);
        };
        q.push(", CAST(SUM(CASE WHEN ");
        within(&mut q);
        q.push(&format!(" THEN 1 ELSE 0 END) AS BIGINT) AS r{i}, CAST(SUM(CASE WHEN "));
        within(&mut q);
        q.push(" AND ")
            .ticket_breached(scope.as_of)
            .push(&format!(" THEN 1 ELSE 0 END) AS BIGINT) AS b{i}"));
    }
    q.from_scope(&whole);
    let rows = q.all(db).await?;
    let row = rows.first();
    months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Ok(MonthPoint {
                month: m.label.clone(),
                received: row.map(|r| int(r, &format!("r{i}"))).transpose()?.unwrap_or(0),
                breached: row.map(|r| int(r, &format!("b{i}"))).transpose()?.unwrap_or(0),
            })
        })
        .collect()
}

/// One buyer unit's clocks over the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitCompliance {
    /// The unit's code.
    pub unit: String,
    /// Its name.
    pub name: String,
    /// Clocks stopped in time.
    pub met: i64,
    /// Clocks past their deadline.
    pub breached: i64,
    /// met / (met + breached), per cent.
    pub compliance_pct: Option<f64>,
}

/// Compliance of every clock, per buyer unit (the unit of the ticket's system), worst first.
pub async fn units(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<UnitCompliance>, DbErr> {
    let mut q = Sql::new(db);
    q.push("SELECT u.code AS code, u.name AS name, ")
        .push("CAST(SUM(CASE WHEN c.state = 'met' THEN 1 ELSE 0 END) AS BIGINT) AS met, CAST(SUM")
        .breached_case(scope.as_of)
        .push(" AS BIGINT) AS breached")
        .from_clocks_by_unit(scope)
        .push(" GROUP BY u.code, u.name");
    let mut out = q
        .all(db)
        .await?
        .iter()
        .map(|row| {
            let met = int(row, "met")?;
            let breached = int(row, "breached")?;
            Ok(UnitCompliance {
                unit: row.try_get("", "code")?,
                name: row.try_get("", "name")?,
                met,
                breached,
                compliance_pct: pct(met, met + breached),
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    out.sort_by(|a, b| {
        a.compliance_pct
            .unwrap_or(101.0)
            .total_cmp(&b.compliance_pct.unwrap_or(101.0))
            .then_with(|| a.unit.cmp(&b.unit))
    });
    Ok(out)
}

/// The `n` months ending with the one containing `at`, oldest first, in `zone`.
pub fn months_to(at: DateTime<Utc>, zone: chrono_tz::Tz, n: u32) -> Result<Vec<Period>, String> {
    use chrono::Datelike;
    let local = at.with_timezone(&zone);
    let mut ym = local.year() * 12 + local.month0() as i32;
    ym -= n as i32 - 1;
    (0..n)
        .map(|i| {
            let k = ym + i as i32;
            Period::parse(&format!("{:04}-{:02}", k.div_euclid(12), k.rem_euclid(12) + 1), zone)
        })
        .collect()
}

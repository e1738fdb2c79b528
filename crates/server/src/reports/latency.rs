//! Mean time to acknowledge (response clock), to arrive (arrival) and to restore (repair): mean,
//! median and 90th percentile, in working time (the clock's calendar, pauses and exclusions not
//! counted) and in wall time (start to stop).
//!
//! Only clocks that stopped count. Percentiles interpolate between the two nearest ranks
//! (PostgreSQL's `percentile_cont`): the median of 10, 20, 30, 40 minutes is 25, their p90 37.
//! Each percentile is one indexed `ORDER BY … LIMIT 2 OFFSET k` query, so the rows never leave the
//! database.

use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use utoipa::ToSchema;

use super::sql::{Scope, Sql, float, int, minutes};

/// Mean, median and p90, in minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, ToSchema)]
pub struct Stats {
    /// Arithmetic mean.
    pub mean_min: Option<f64>,
    /// Median.
    pub median_min: Option<f64>,
    /// 90th percentile.
    pub p90_min: Option<f64>,
}

/// One clock's times.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Latency {
    /// `MTTA` (response), `MTTArrival` (arrival) or `MTTR` (repair).
    pub measure: String,
    /// The clock.
    pub clock: String,
    /// Stopped clocks measured (clocks not yet measured, see [`super::backfill`], are left out).
    pub count: i64,
    /// In working time.
    pub working: Stats,
    /// In wall time.
    pub wall: Stats,
}

const MEASURES: [(&str, &str); 3] = [("response", "MTTA"), ("arrival", "MTTArrival"), ("repair", "MTTR")];

fn stopped(q: &mut Sql, scope: &Scope, clock: &str) {
    q.push(" FROM tickets t JOIN systems s ON s.id = t.system_id JOIN clocks c ON c.ticket_id = t.id")
        .push(" WHERE t.received_at >= ")
        .bind(scope.from)
        .push(" AND t.received_at < ")
        .bind(scope.to)
        .filters(scope)
        .push(" AND c.name = ")
        .bind(clock.to_owned())
        .push(" AND c.state IN ('met', 'breached-met')");
}

/// The times of each clock that stopped at least once in the scope.
pub async fn latencies(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Latency>, DbErr> {
    let mut out = Vec::new();
    for (clock, measure) in MEASURES {
        let mut q = Sql::new(db);
        q.push("SELECT COUNT(c.consumed_ms) AS n, COUNT(c.wall_ms) AS n_wall, ")
            .push("CAST(AVG(c.consumed_ms) AS DOUBLE PRECISION) AS working, ")
            .push("CAST(AVG(c.wall_ms) AS DOUBLE PRECISION) AS wall");
        stopped(&mut q, scope, clock);
        let Some(row) = q.all(db).await?.into_iter().next() else {
            continue;
        };
        let count = int(&row, "n")?;
        if count == 0 {
            continue;
        }
        let mut stats = [Stats::default(); 2];
        let n_wall = int(&row, "n_wall")?;
        for (i, (column, mean, n)) in [("consumed_ms", "working", count), ("wall_ms", "wall", n_wall)]
            .into_iter()
            .enumerate()
        {
            if n > 0 {
                stats[i] = Stats {
                    mean_min: float(&row, mean)?.map(minutes),
                    median_min: percentile(db, scope, clock, column, n, 0.5).await?,
                    p90_min: percentile(db, scope, clock, column, n, 0.9).await?,
                };
            }
        }
        out.push(Latency {
            measure: measure.to_owned(),
            clock: clock.to_owned(),
            count,
            working: stats[0],
            wall: stats[1],
        });
    }
    Ok(out)
}

/// The `p` percentile of `column` over the `n` stopped clocks, in minutes.
async fn percentile(
    db: &impl ConnectionTrait,
    scope: &Scope,
    clock: &str,
    column: &str,
    n: i64,
    p: f64,
) -> Result<Option<f64>, DbErr> {
    let (lo, frac) = rank(n, p);
    let mut q = Sql::new(db);
    q.push(&format!("SELECT c.{column} AS v"));
    stopped(&mut q, scope, clock);
    q.push(&format!(
        " AND c.{column} IS NOT NULL ORDER BY c.{column} LIMIT 2 OFFSET {lo}"
    ));
    let values: Vec<f64> = q
        .all(db)
        .await?
        .iter()
        .map(|r| int(r, "v").map(|v| v as f64))
        .collect::<Result<_, _>>()?;
    Ok(interpolate(&values, frac).map(minutes))
}

/// The 0-based rank below percentile `p` of `n` sorted values, and how far towards the next.
pub fn rank(n: i64, p: f64) -> (i64, f64) {
    let r = p * (n - 1).max(0) as f64;
    (r.floor() as i64, r - r.floor())
}

fn interpolate(values: &[f64], frac: f64) -> Option<f64> {
    match values {
        [] => None,
        [v] => Some(*v),
        [a, b, ..] => Some(a + frac * (b - a)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_percentile_cont() {
        let sorted = [10.0, 20.0, 30.0, 40.0];
        let at = |p| {
            let (lo, frac) = rank(4, p);
            interpolate(&sorted[lo as usize..], frac).unwrap()
        };
        assert_eq!(at(0.5), 25.0);
        assert!((at(0.9) - 37.0).abs() < 1e-9);
        assert_eq!(rank(1, 0.9), (0, 0.0));
        assert_eq!(interpolate(&[5.0], 0.0), Some(5.0));
    }
}

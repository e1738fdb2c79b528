//! Mean time to acknowledge (response clock), to arrive (arrival) and to restore (repair): mean,
//! median and 90th percentile, in working time (the clock's calendar, pauses and exclusions not
//! counted) and in wall time (start to stop).
//!
//! Only clocks that stopped count. Percentiles interpolate between the two nearest ranks
//! (PostgreSQL's `percentile_cont`): the median of 10, 20, 30, 40 minutes is 25, their p90 37.
//! Two queries, neither returning the period's rows: see [`latencies`].

use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use utoipa::ToSchema;

use std::collections::BTreeMap;

use super::sql::{Scope, Sql, int, minutes};

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

/// The measured columns: working time, wall time.
const COLUMNS: [&str; 2] = ["consumed_ms", "wall_ms"];

/// `FROM … WHERE …` for the scope's stopped, measured clocks.
fn stopped(q: &mut Sql, scope: &Scope) {
    q.from_clocks(scope)
        .push(" AND c.state IN ('met', 'breached-met') AND c.consumed_ms IS NOT NULL AND c.wall_ms IS NOT NULL");
}

/// The times of each clock that stopped at least once in the scope.
///
/// Exact percentiles without sorting the period in SQL (SQLite's sorts and window functions cost
/// seconds over a month of a large install): one query counts the stopped clocks per whole minute
/// of working time and of wall time (a histogram, a few thousand rows at most), which gives the
/// counts, the means and the minute each needed rank falls in; a second query returns the values
/// inside just those minutes, sorted in memory. Ranks and interpolation as [`rank`].
pub async fn latencies(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Latency>, DbErr> {
    // (clock, measure) → minute bucket → (count, sum of ms)
    let mut hist: BTreeMap<(String, usize), BTreeMap<i64, (i64, i64)>> = BTreeMap::new();
    let mut q = Sql::new(db);
    for (i, column) in COLUMNS.iter().enumerate() {
        if i > 0 {
            q.push(" UNION ALL ");
        }
        q.push(&format!(
            "SELECT c.name AS clock, CAST({i} AS BIGINT) AS m, c.{column} / 60000 AS b, COUNT(*) AS k, \
             CAST(SUM(c.{column}) AS BIGINT) AS total"
        ));
        stopped(&mut q, scope);
        q.push(" GROUP BY c.name, b");
    }
    for row in q.all(db).await? {
        let key = (row.try_get::<String>("", "clock")?, int(&row, "m")? as usize);
        hist.entry(key)
            .or_default()
            .insert(int(&row, "b")?, (int(&row, "k")?, int(&row, "total")?));
    }
    // The minutes holding the ranks each percentile needs, and the rank within the minute.
    let mut wanted: BTreeMap<(String, usize), BTreeMap<i64, Vec<i64>>> = BTreeMap::new();
    for (key, buckets) in &hist {
        let n: i64 = buckets.values().map(|(k, _)| k).sum();
        for p in [0.5, 0.9] {
            let (lo, _) = rank(n, p);
            for r in [lo, (lo + 1).min(n - 1)] {
                if let Some((bucket, _)) = locate(buckets, r) {
                    wanted
                        .entry(key.clone())
                        .or_default()
                        .entry(bucket)
                        .or_default()
                        .push(r);
                }
            }
        }
    }
    let mut values: BTreeMap<(String, usize, i64), Vec<i64>> = BTreeMap::new();
    if !wanted.is_empty() {
        // One scan for both measures: a row comes back if either of its values lies in a
        // wanted minute, and each value is kept only where it was wanted.
        let mut q = Sql::new(db);
        q.push("SELECT c.name AS clock, c.consumed_ms AS w, c.wall_ms AS ww");
        stopped(&mut q, scope);
        q.push(" AND (");
        let mut first = true;
        for ((clock, m), buckets) in &wanted {
            let column = COLUMNS[*m];
            for bucket in buckets.keys() {
                q.push(if first { "(c.name = " } else { " OR (c.name = " })
                    .bind(clock.clone())
                    .push(&format!(" AND c.{column} >= "))
                    .bind(bucket * 60_000)
                    .push(&format!(" AND c.{column} < "))
                    .bind((bucket + 1) * 60_000)
                    .push(")");
                first = false;
            }
        }
        q.push(")");
        for row in q.all(db).await? {
            let clock: String = row.try_get("", "clock")?;
            for (m, column) in ["w", "ww"].into_iter().enumerate() {
                let v = int(&row, column)?;
                let bucket = v / 60_000;
                if wanted.get(&(clock.clone(), m)).is_some_and(|b| b.contains_key(&bucket)) {
                    values.entry((clock.clone(), m, bucket)).or_default().push(v);
                }
            }
        }
        for v in values.values_mut() {
            v.sort_unstable();
        }
    }
    let value_at = |clock: &str, m: usize, buckets: &BTreeMap<i64, (i64, i64)>, r: i64| -> Option<f64> {
        let (bucket, before) = locate(buckets, r)?;
        let inside = values.get(&(clock.to_owned(), m, bucket))?;
        inside.get(usize::try_from(r - before).ok()?).map(|v| *v as f64)
    };
    let mut out = Vec::new();
    for (clock, measure) in MEASURES {
        let mut stats = [Stats::default(); 2];
        let mut count = 0;
        for (m, s) in stats.iter_mut().enumerate() {
            let Some(buckets) = hist.get(&(clock.to_owned(), m)) else {
                continue;
            };
            let n: i64 = buckets.values().map(|(k, _)| k).sum();
            let total: i64 = buckets.values().map(|(_, t)| t).sum();
            if m == 0 {
                count = n;
            }
            let percentile = |p: f64| {
                let (lo, frac) = rank(n, p);
                let a = value_at(clock, m, buckets, lo)?;
                let b = if lo + 1 < n {
                    value_at(clock, m, buckets, lo + 1)?
                } else {
                    a
                };
                Some(minutes(a + frac * (b - a)))
            };
            *s = Stats {
                mean_min: (n > 0).then(|| minutes(total as f64 / n as f64)),
                median_min: percentile(0.5),
                p90_min: percentile(0.9),
            };
        }
        if count > 0 {
            out.push(Latency {
                measure: measure.to_owned(),
                clock: clock.to_owned(),
                count,
                working: stats[0],
                wall: stats[1],
            });
        }
    }
    Ok(out)
}

/// The minute holding 0-based rank `r`, and how many values come before that minute.
fn locate(buckets: &BTreeMap<i64, (i64, i64)>, r: i64) -> Option<(i64, i64)> {
    let mut before = 0;
    for (bucket, (k, _)) in buckets {
        if r < before + k {
            return Some((*bucket, before));
        }
        before += k;
    }
    None
}

/// The 0-based rank below percentile `p` of `n` sorted values, and how far towards the next.
pub fn rank(n: i64, p: f64) -> (i64, f64) {
    // In tenths, so that the rank is exact (0.9 × 30 is 26.999… in floating point).
    let tenths = (p * 10.0).round() as i64;
    let scaled = (n - 1).max(0) * tenths;
    (scaled / 10, (scaled % 10) as f64 / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_exact_and_minutes_locate_them() {
        assert_eq!(rank(4, 0.5), (1, 0.5));
        assert_eq!(rank(5, 0.9), (3, 0.6));
        assert_eq!(rank(1, 0.9), (0, 0.0));
        for n in 1..200i64 {
            assert_eq!(rank(n, 0.9).0, (n - 1) * 9 / 10, "{n}");
        }
        // Minutes 3 (two values), 5 (one), 9 (three): rank 2 is the one in minute 5.
        let buckets: BTreeMap<i64, (i64, i64)> = [(3, (2, 0)), (5, (1, 0)), (9, (3, 0))].into();
        assert_eq!(locate(&buckets, 0), Some((3, 0)));
        assert_eq!(locate(&buckets, 2), Some((5, 2)));
        assert_eq!(locate(&buckets, 5), Some((9, 3)));
        assert_eq!(locate(&buckets, 6), None);
    }
}

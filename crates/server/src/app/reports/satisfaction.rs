//! The reporters' satisfaction (满意度): the ratings given when the period's tickets were closed.
//!
//! A reporter who closes a ticket may rate the service 1–5 (`close` with `satisfaction`); the
//! last closing of a ticket counts (one reopened and closed again was rated again). A rating of 4
//! or 5 (满意、非常满意) is satisfied; the rate is the satisfied share of the rated tickets — the
//! figure seeds 001 and 003 set a target for (003 L181: "用户满意度超过90%", and 超过 excludes the
//! number, 民法典 第一千二百五十九条). Tickets closed without a rating are not in it.
//!
//! ```text
//! ratings 5 5 4 3 (and one closed unrated)  →  rated 4, satisfied 3, rate 75.0 %, mean 4.25
//! ```

use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use utoipa::ToSchema;

use super::sql::{Scope, Sql};

/// The period's ratings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Satisfaction {
    /// Tickets of the period closed with a rating.
    pub rated: i64,
    /// Of those, rated 4 or 5.
    pub satisfied: i64,
    /// satisfied / rated, per cent, one decimal; none when nothing is rated.
    pub rate_pct: Option<f64>,
    /// The mean rating, two decimals; none when nothing is rated.
    pub mean: Option<f64>,
    /// How many were rated 1, 2, 3, 4 and 5.
    pub by_rating: [i64; 5],
}

impl Satisfaction {
    /// The figures of these ratings (each 1–5; others are ignored).
    pub fn of(ratings: impl IntoIterator<Item = u8>) -> Satisfaction {
        let mut by_rating = [0i64; 5];
        for r in ratings {
            if (1..=5).contains(&r) {
                by_rating[usize::from(r - 1)] += 1;
            }
        }
        Satisfaction::counted(by_rating)
    }

    /// The figures of these counts of ratings 1, 2, 3, 4 and 5.
    pub fn counted(by_rating: [i64; 5]) -> Satisfaction {
        let rated: i64 = by_rating.iter().sum();
        let satisfied = by_rating[3] + by_rating[4];
        let sum: i64 = by_rating.iter().zip(1..).map(|(n, r)| n * r).sum();
        let round = |x: f64, places: i32| (x * 10f64.powi(places)).round() / 10f64.powi(places);
        Satisfaction {
            rated,
            satisfied,
            rate_pct: (rated > 0).then(|| round(100.0 * satisfied as f64 / rated as f64, 1)),
            mean: (rated > 0).then(|| round(sum as f64 / rated as f64, 2)),
            by_rating,
        }
    }
}

/// `a` and `b` together (their counts added).
pub fn sum(a: &Satisfaction, b: &Satisfaction) -> Satisfaction {
    let mut by_rating = a.by_rating;
    for (n, m) in by_rating.iter_mut().zip(b.by_rating) {
        *n += m;
    }
    Satisfaction::counted(by_rating)
}

/// The ratings of the scope's tickets (the last closing of each closed ticket).
pub async fn of(db: &impl ConnectionTrait, scope: &Scope) -> Result<Satisfaction, DbErr> {
    let mut q = Sql::new(db);
    q.push(
        "SELECT (SELECT e.data FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'closed' \
         ORDER BY e.seq DESC LIMIT 1) AS data",
    )
    .from_scope(scope)
    .push(" AND t.status = 'closed'");
    let mut ratings = Vec::new();
    for row in q.all(db).await? {
        let data: Option<serde_json::Value> = row.try_get("", "data")?;
        if let Some(r) = data
            .as_ref()
            .and_then(|d| d.get("satisfaction"))
            .and_then(|s| s.as_u64())
        {
            ratings.push(u8::try_from(r).unwrap_or(0));
        }
    }
    Ok(Satisfaction::of(ratings))
}

#[cfg(test)]
mod tests {
    use super::Satisfaction;

    #[test]
    fn the_rate_is_the_share_rated_four_or_five() {
        let s = Satisfaction::of([5, 5, 4, 3]);
        assert_eq!(
            (s.rated, s.satisfied, s.rate_pct, s.mean),
            (4, 3, Some(75.0), Some(4.25))
        );
        assert_eq!(s.by_rating, [0, 0, 1, 1, 2]);
        assert_eq!(Satisfaction::of([]).rate_pct, None);
        assert_eq!(Satisfaction::of([0, 6]).rated, 0, "out of range is not a rating");
    }
}

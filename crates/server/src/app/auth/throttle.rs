//! Sign-in throttling per (login name, client address): guessing slows down, and a stranger
//! cannot lock anyone out.
//!
//! Each attempt is counted for the pair (the name as typed, the client's address) before the
//! password is checked. The first [`Backoff::free`] failures cost nothing; from then on the pair
//! must wait before its next attempt, 30 s, then twice as long after each further failure, up to
//! [`Backoff::longest`]. A successful sign-in clears the pair. Another address, the account's
//! owner's, counts on its own and is not held up. How many attempts an address makes over all
//! names is limited apart (per minute, in memory: [`crate::http::limits`]).
//!
//! The pair is counted whether or not the name is an account, so that the answers (and the
//! table) say nothing about which names exist. A pair quiet for a day starts again from zero;
//! pairs quiet for a day are deleted when a new pair is counted.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::app::{AppError, AppResult};
use crate::db::entities::sign_in_throttle;

/// How failures slow a (name, address) pair down.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Failures a pair may make before it has to wait (`[server] lockout_after`).
    pub free: i32,
    /// The longest a pair waits (`[server] lockout_minutes`).
    pub longest: TimeDelta,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            free: 5,
            longest: TimeDelta::minutes(15),
        }
    }
}

/// The first wait, doubled after each further failure.
const FIRST_WAIT: TimeDelta = TimeDelta::seconds(30);

/// A pair quiet for this long starts again from zero.
const FORGET_AFTER: TimeDelta = TimeDelta::days(1);

impl Backoff {
    /// How long a pair waits after its `failures`-th failure (none before [`Backoff::free`]).
    pub fn wait_after(&self, failures: i32) -> Option<TimeDelta> {
        if failures < self.free.max(1) {
            return None;
        }
        let doublings = (failures - self.free.max(1)).clamp(0, 20) as u32;
        let wait = FIRST_WAIT * (1_i32 << doublings);
        Some(Ord::min(wait, self.longest))
    }
}

/// Counts an attempt by `username` from `addr` at `now`, before its password is checked; refuses
/// it (429 with `Retry-After`) while the pair has to wait. The wait the attempt earns if it fails
/// is set now, so that parallel guesses cannot slip in before it is; [`clear`] lifts it on success.
pub async fn attempt(
    db: &impl ConnectionTrait,
    backoff: Backoff,
    username: &str,
    addr: &str,
    now: DateTime<Utc>,
) -> AppResult<i32> {
    // Compare-and-set on the count: two attempts at once cannot both take the same number.
    for _ in 0..5 {
        let row = sign_in_throttle::Entity::find()
            .filter(sign_in_throttle::Column::Username.eq(username))
            .filter(sign_in_throttle::Column::RemoteAddr.eq(addr))
            .one(db)
            .await?;
        let Some(row) = row else {
            sign_in_throttle::Entity::delete_many()
                .filter(sign_in_throttle::Column::LastAt.lt(now - FORGET_AFTER))
                .exec(db)
                .await?;
            let inserted = sign_in_throttle::ActiveModel {
                username: Set(username.to_owned()),
                remote_addr: Set(addr.to_owned()),
                failures: Set(1),
                blocked_until: Set(backoff.wait_after(1).map(|w| now + w)),
                last_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await;
            match inserted {
                Ok(_) => return Ok(1),
                Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if let Some(until) = row.blocked_until.filter(|u| *u > now) {
            return Err(must_wait(addr, until, now));
        }
        let before = if row.last_at < now - FORGET_AFTER {
            0
        } else {
            row.failures
        };
        let failures = before.saturating_add(1);
        let counted = sign_in_throttle::Entity::update_many()
            .col_expr(sign_in_throttle::Column::Failures, Expr::value(failures))
            .col_expr(
                sign_in_throttle::Column::BlockedUntil,
                Expr::value(backoff.wait_after(failures).map(|w| now + w)),
            )
            .col_expr(sign_in_throttle::Column::LastAt, Expr::value(now))
            .filter(sign_in_throttle::Column::Id.eq(row.id))
            .filter(sign_in_throttle::Column::Failures.eq(row.failures))
            .exec(db)
            .await?;
        if counted.rows_affected == 1 {
            return Ok(failures);
        }
    }
    Err(AppError::TooManyRequests {
        detail: "too many sign-in attempts at once; try again in a moment".into(),
        retry_after: 1,
    })
}

/// Clears the pair after a successful sign-in.
pub async fn clear(db: &impl ConnectionTrait, username: &str, addr: &str) -> AppResult<()> {
    sign_in_throttle::Entity::delete_many()
        .filter(sign_in_throttle::Column::Username.eq(username))
        .filter(sign_in_throttle::Column::RemoteAddr.eq(addr))
        .exec(db)
        .await?;
    Ok(())
}

/// Clears every pair of `username` (an administrator set a new password).
pub async fn clear_name(db: &impl ConnectionTrait, username: &str) -> AppResult<()> {
    sign_in_throttle::Entity::delete_many()
        .filter(sign_in_throttle::Column::Username.eq(username))
        .exec(db)
        .await?;
    Ok(())
}

fn must_wait(addr: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    let wait = Ord::max((until - now).num_seconds(), 1) as u64;
    AppError::TooManyRequests {
        detail: format!(
            "too many failed sign-ins for this name from {addr}; try again in {wait} s (other \
             addresses are not affected)"
        ),
        retry_after: wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_after_the_free_failures_up_to_the_longest() {
        let b = Backoff::default();
        let waits: Vec<Option<i64>> = (1..=11).map(|f| b.wait_after(f).map(|w| w.num_seconds())).collect();
        assert_eq!(
            waits,
            [
                None,
                None,
                None,
                None,
                Some(30),
                Some(60),
                Some(120),
                Some(240),
                Some(480),
                Some(900),
                Some(900)
            ]
        );
        assert_eq!(b.wait_after(i32::MAX), Some(b.longest));
    }
}

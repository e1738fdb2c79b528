//! Sign-in throttling: guessing slows down per (login name, client address) and per account over
//! all addresses, and a stranger cannot keep the account's owner out.
//!
//! Every attempt is counted before its password is checked, whether or not the name is an
//! account (so neither the answers nor the tables say which names exist), and refused with 429
//! and `Retry-After` while one of these says wait:
//!
//! | count | free | then | kept in |
//! |---|---|---|---|
//! | attempts per address, over all names | 30 a minute | refused for the rest of the minute | memory, per replica ([`crate::http::limits`]) |
//! | failures per (name, address) | [`Backoff::free`] (5) | a wait of 30 s, doubling after each further failure, at most [`Backoff::longest`] (15 min) | `sign_in_throttle` |
//! | failures per name, from addresses that have not signed in to it | [`AccountBackoff::free`] (10) | a wait of 1 s, doubling, at most [`AccountBackoff::longest`] (60 s), for each next such address | `sign_in_accounts` |
//!
//! An address is counted by its [`address_group`]: an IPv4 address as it is (also when it comes
//! IPv4-mapped, `::ffff:192.0.2.7`), an IPv6 address by its /64, which is what one subscriber is
//! given, so that hopping within it does not make a new address.
//!
//! The pair's wait holds only the address that guessed. The account's count catches a guesser
//! with many addresses (a botnet): it counts and holds only addresses that have not signed in to
//! the account. An address that signed in to it in the last [`KNOWN_FOR`] days (the owner's
//! office, their phone's network) is neither counted nor held up by it, and the account's wait
//! is short and capped, so nobody can keep the owner out for long. For example, with the
//! defaults:
//!
//! ```text
//! a botnet tries "admin" from 10 000 addresses, one guess each:
//!   failures 1–10         answered 401 at once
//!   failure 11, 12, 13, … each next address waits 1 s, 2 s, 4 s, … 60 s after the previous try;
//!                         meanwhile 429 "try again in N s" without checking any password
//!   → about one guess a minute for as long as it keeps on (1 440 a day, not unlimited)
//! the admin, from the office address they signed in from last week: signs in at once
//! the admin, from a hotel never used before: waits at most 60 s for a try (during a sustained
//!   attack that try competes with the botnet's for the one a minute)
//! the account is quiet for 15 minutes: its count starts again from zero
//! ```
//!
//! A successful sign-in clears its pair, marks the address as one the account signs in from and
//! takes its own attempt off the account's count (an owner on a new address who got in does not
//! bring the wait nearer for the next). Pairs quiet for a day, unless they signed in
//! within [`KNOWN_FOR`], and accounts quiet for a day are deleted when a new one is counted.

use std::net::{IpAddr, Ipv6Addr};

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::app::{AppError, AppResult};
use crate::db::entities::{sign_in_accounts, sign_in_throttle};

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

/// The first wait of a pair, doubled after each further failure.
const FIRST_WAIT: TimeDelta = TimeDelta::seconds(30);

/// A pair or an account quiet for this long is deleted (a pair only if it has not signed in
/// within [`KNOWN_FOR`]); a pair quiet this long starts again from zero.
const FORGET_AFTER: TimeDelta = TimeDelta::days(1);

/// An address that signed in to an account within this long is the owner's: the account's count
/// does not hold it up.
pub const KNOWN_FOR: TimeDelta = TimeDelta::days(90);

impl Backoff {
    /// How long a pair waits after its `failures`-th failure (none before [`Backoff::free`]).
    pub fn wait_after(&self, failures: i32) -> Option<TimeDelta> {
        doubling(failures, self.free, FIRST_WAIT, self.longest)
    }
}

/// How failures over all addresses slow an account down, for addresses that have not signed in
/// to it.
#[derive(Debug, Clone, Copy)]
pub struct AccountBackoff {
    /// Failures over all addresses before the account's attempts are spaced out
    /// (`[server] account_free_failures`).
    pub free: i32,
    /// The longest space between two attempts (`[server] account_longest_wait_secs`).
    pub longest: TimeDelta,
}

impl Default for AccountBackoff {
    fn default() -> Self {
        AccountBackoff {
            free: 10,
            longest: TimeDelta::seconds(60),
        }
    }
}

/// The first space between an account's attempts, doubled after each further failure.
const ACCOUNT_FIRST_WAIT: TimeDelta = TimeDelta::seconds(1);

/// An account without a failure for this long starts again from zero.
pub const ACCOUNT_QUIET: TimeDelta = TimeDelta::minutes(15);

impl AccountBackoff {
    /// How long the next new address waits after the account's `failures`-th failure (none
    /// before [`AccountBackoff::free`]).
    pub fn wait_after(&self, failures: i32) -> Option<TimeDelta> {
        doubling(failures, self.free, ACCOUNT_FIRST_WAIT, self.longest)
    }
}

fn doubling(failures: i32, free: i32, first: TimeDelta, longest: TimeDelta) -> Option<TimeDelta> {
    let free = Ord::max(free, 1);
    if failures < free {
        return None;
    }
    let doublings = (failures - free).clamp(0, 20) as u32;
    Some(Ord::min(first * (1_i32 << doublings), longest))
}

/// Both backoffs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Throttle {
    /// Per (name, address).
    pub pair: Backoff,
    /// Per name, over all addresses.
    pub account: AccountBackoff,
}

/// What an attempt was counted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// The pair's failures, this attempt included.
    pub pair: i32,
    /// The name's failures from addresses that have not signed in to it, this attempt included;
    /// `None` from an address that has (not counted there).
    pub account: Option<i32>,
}

/// The address a client is counted by: an IPv4 address as it is (an IPv4-mapped IPv6 address
/// as its IPv4 address), an IPv6 address by its /64; anything else (`unknown`) as it is.
///
/// ```
/// # use opsclock::app::auth::throttle::address_group;
/// assert_eq!(address_group("192.0.2.7"), "192.0.2.7");
/// assert_eq!(address_group("::ffff:192.0.2.7"), "192.0.2.7");
/// assert_eq!(address_group("2001:db8:1:2:a:b:c:d"), "2001:db8:1:2::/64");
/// assert_eq!(address_group("2001:db8:1:2::ffff"), "2001:db8:1:2::/64");
/// assert_eq!(address_group("unknown"), "unknown");
/// ```
pub fn address_group(addr: &str) -> String {
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        Err(_) => addr.to_owned(),
    }
}

/// Counts an attempt by `username` from `addr` at `now`, before its password is checked; refuses
/// it (429 with `Retry-After`) while its pair has to wait, or while the account has to and the
/// address has not signed in to it within [`KNOWN_FOR`]. The waits the attempt earns if it fails
/// are set now, so that parallel guesses cannot slip in before they are; [`signed_in`] lifts
/// them on success. A refused attempt is counted nowhere (but when two attempts of one pair race
/// and the pair refuses the second only once the account has counted it).
pub async fn attempt(
    db: &impl ConnectionTrait,
    throttle: Throttle,
    username: &str,
    addr: &str,
    now: DateTime<Utc>,
) -> AppResult<Counted> {
    let group = address_group(addr);
    let pair = sign_in_throttle::Entity::find()
        .filter(sign_in_throttle::Column::Username.eq(username))
        .filter(sign_in_throttle::Column::RemoteAddr.eq(&group))
        .one(db)
        .await?;
    if let Some(until) = pair.as_ref().and_then(|p| p.blocked_until).filter(|u| *u > now) {
        return Err(pair_must_wait(&group, until, now));
    }
    let known = pair
        .as_ref()
        .and_then(|p| p.signed_in_at)
        .is_some_and(|at| at > now - KNOWN_FOR);
    let account = match known {
        true => None,
        false => Some(count_account(db, throttle.account, username, now).await?),
    };
    let pair = count_pair(db, throttle.pair, username, &group, now).await?;
    Ok(Counted { pair, account })
}

/// Counts a failure of the pair; refuses it if another attempt made it wait meanwhile.
async fn count_pair(
    db: &impl ConnectionTrait,
    backoff: Backoff,
    username: &str,
    group: &str,
    now: DateTime<Utc>,
) -> AppResult<i32> {
    // Compare-and-set on the count: two attempts at once cannot both take the same number.
    for _ in 0..5 {
        let row = sign_in_throttle::Entity::find()
            .filter(sign_in_throttle::Column::Username.eq(username))
            .filter(sign_in_throttle::Column::RemoteAddr.eq(group))
            .one(db)
            .await?;
        let Some(row) = row else {
            sign_in_throttle::Entity::delete_many()
                .filter(sign_in_throttle::Column::LastAt.lt(now - FORGET_AFTER))
                .filter(
                    Condition::any()
                        .add(sign_in_throttle::Column::SignedInAt.is_null())
                        .add(sign_in_throttle::Column::SignedInAt.lt(now - KNOWN_FOR)),
                )
                .exec(db)
                .await?;
            let inserted = sign_in_throttle::ActiveModel {
                username: Set(username.to_owned()),
                remote_addr: Set(group.to_owned()),
                failures: Set(1),
                blocked_until: Set(backoff.wait_after(1).map(|w| now + w)),
                last_at: Set(now),
                signed_in_at: Set(None),
                ..Default::default()
            }
            .insert(db)
            .await;
            match inserted {
                Ok(_) => return Ok(1),
                Err(e) if unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if let Some(until) = row.blocked_until.filter(|u| *u > now) {
            return Err(pair_must_wait(group, until, now));
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
    Err(too_many_at_once())
}

/// Counts a failure of the account from an address that has not signed in to it; refuses it
/// while the account has to wait.
async fn count_account(
    db: &impl ConnectionTrait,
    backoff: AccountBackoff,
    username: &str,
    now: DateTime<Utc>,
) -> AppResult<i32> {
    for _ in 0..5 {
        let row = sign_in_accounts::Entity::find()
            .filter(sign_in_accounts::Column::Username.eq(username))
            .one(db)
            .await?;
        let Some(row) = row else {
            sign_in_accounts::Entity::delete_many()
                .filter(sign_in_accounts::Column::LastAt.lt(now - FORGET_AFTER))
                .exec(db)
                .await?;
            let inserted = sign_in_accounts::ActiveModel {
                username: Set(username.to_owned()),
                failures: Set(1),
                blocked_until: Set(backoff.wait_after(1).map(|w| now + w)),
                last_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await;
            match inserted {
                Ok(_) => return Ok(1),
                Err(e) if unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if let Some(until) = row.blocked_until.filter(|u| *u > now) {
            return Err(account_must_wait(until, now));
        }
        let before = if row.last_at < now - ACCOUNT_QUIET {
            0
        } else {
            row.failures
        };
        let failures = before.saturating_add(1);
        let blocked_until = backoff.wait_after(failures).map(|w| now + w);
        let counted = sign_in_accounts::Entity::update_many()
            .col_expr(sign_in_accounts::Column::Failures, Expr::value(failures))
            .col_expr(sign_in_accounts::Column::BlockedUntil, Expr::value(blocked_until))
            .col_expr(sign_in_accounts::Column::LastAt, Expr::value(now))
            .filter(sign_in_accounts::Column::Id.eq(row.id))
            .filter(sign_in_accounts::Column::Failures.eq(row.failures))
            .exec(db)
            .await?;
        if counted.rows_affected == 1 {
            return Ok(failures);
        }
    }
    Err(too_many_at_once())
}

/// After a successful sign-in by `username` from `addr` at `now`, which [`attempt`] counted as
/// `counted`: clears the pair, marks the address as one the account signs in from, and takes the
/// attempt off the account's count if it was on it.
pub async fn signed_in(
    db: &impl ConnectionTrait,
    username: &str,
    addr: &str,
    counted: Counted,
    now: DateTime<Utc>,
) -> AppResult<()> {
    sign_in_throttle::Entity::update_many()
        .col_expr(sign_in_throttle::Column::Failures, Expr::value(0))
        .col_expr(
            sign_in_throttle::Column::BlockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(sign_in_throttle::Column::SignedInAt, Expr::value(now))
        .filter(sign_in_throttle::Column::Username.eq(username))
        .filter(sign_in_throttle::Column::RemoteAddr.eq(address_group(addr)))
        .exec(db)
        .await?;
    if counted.account.is_none() {
        return Ok(());
    }
    sign_in_accounts::Entity::update_many()
        .col_expr(
            sign_in_accounts::Column::Failures,
            sea_orm::sea_query::ExprTrait::sub(Expr::col(sign_in_accounts::Column::Failures), 1),
        )
        .filter(sign_in_accounts::Column::Username.eq(username))
        .filter(sign_in_accounts::Column::Failures.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Clears every count of `username` (an administrator set a new password); the addresses it
/// signed in from stay known.
pub async fn clear_name(db: &impl ConnectionTrait, username: &str) -> AppResult<()> {
    sign_in_throttle::Entity::update_many()
        .col_expr(sign_in_throttle::Column::Failures, Expr::value(0))
        .col_expr(
            sign_in_throttle::Column::BlockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(sign_in_throttle::Column::Username.eq(username))
        .exec(db)
        .await?;
    sign_in_accounts::Entity::delete_many()
        .filter(sign_in_accounts::Column::Username.eq(username))
        .exec(db)
        .await?;
    Ok(())
}

fn unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

fn too_many_at_once() -> AppError {
    AppError::TooManyRequests {
        detail: "too many sign-in attempts at once; try again in a moment".into(),
        retry_after: 1,
    }
}

fn seconds_until(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    Ord::max((until - now).num_seconds(), 1) as u64
}

fn pair_must_wait(group: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    let wait = seconds_until(until, now);
    AppError::TooManyRequests {
        detail: format!(
            "too many failed sign-ins for this name from {group}; try again in {wait} s (other \
             addresses are not affected)"
        ),
        retry_after: wait,
    }
}

fn account_must_wait(until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    let wait = seconds_until(until, now);
    AppError::TooManyRequests {
        detail: format!(
            "too many failed sign-ins for this name from many addresses; try again in {wait} s (an \
             address this account has signed in from is not held up)"
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

    #[test]
    fn an_accounts_waits_are_seconds_and_capped() {
        let b = AccountBackoff::default();
        let waits: Vec<Option<i64>> = (9..=18).map(|f| b.wait_after(f).map(|w| w.num_seconds())).collect();
        assert_eq!(
            waits,
            [
                None,
                Some(1),
                Some(2),
                Some(4),
                Some(8),
                Some(16),
                Some(32),
                Some(60),
                Some(60),
                Some(60)
            ]
        );
        assert_eq!(b.wait_after(i32::MAX), Some(TimeDelta::seconds(60)));
    }

    #[test]
    fn ipv6_addresses_are_counted_by_their_64_and_mapped_ipv4_as_ipv4() {
        let a = address_group("2001:db8:aa:bb:1:2:3:4");
        assert_eq!(a, "2001:db8:aa:bb::/64");
        assert_eq!(address_group("2001:db8:aa:bb:ffff:ffff:ffff:ffff"), a);
        assert_eq!(address_group("2001:db8:aa:bb::"), a);
        assert_ne!(address_group("2001:db8:aa:bc::1"), a);
        assert_eq!(address_group("::ffff:10.0.0.66"), "10.0.0.66");
        assert_eq!(address_group("10.0.0.66"), "10.0.0.66");
        assert_eq!(address_group("::1"), "::/64");
        assert_eq!(address_group("fe80::1%eth0"), "fe80::1%eth0");
    }
}

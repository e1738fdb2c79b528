//! Draining the outbox: one worker for every channel (email over SMTP, webhooks over HTTP).
//!
//! A round claims up to a batch of due rows of its channel — `pending` ones whose
//! `next_attempt_at` has passed, and `sending` ones whose claim expired because the process that
//! claimed them died — by marking them `sending` until `now + lease` in one short transaction (on
//! PostgreSQL with `FOR UPDATE SKIP LOCKED`, so replicas claim disjoint rows). It then delivers
//! each through its [`Transport`], outside any transaction, renewing the claim just before and
//! bounding the attempt to two timeouts, so an attempt always ends inside its lease; and records
//! the attempt and the outcome:
//!
//! | outcome | the row becomes |
//! |---|---|
//! | accepted | `sent` |
//! | temporary failure (connection refused, SMTP 4xx, HTTP 5xx or 429, timeout) | `pending`, retried after a backoff |
//! | permanent failure (SMTP 5xx, bad address, HTTP 4xx) or the last attempt failed | `failed` (parked) |
//!
//! The backoff doubles from `retry_initial` up to `retry_max`, each delay drawn uniformly from
//! its upper half (jitter), so that many rows failing together do not retry in lockstep. A row
//! is delivered at least once; twice only if the process dies after the far end accepted it and
//! before the row was marked sent, or stalls (not merely waits on the network) for longer than
//! the lease. Webhook receivers can tell such a repeat by its delivery id.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::SubsecRound;
use rand::Rng;
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};

use crate::db::entities::{outbox, outbox_attempts};
use crate::time::TimeSource;

/// Inserts `row` into the outbox unless a row with its `dedup_key` is there already; returns
/// whether it was inserted. The unique key is the last line of defence against queuing twice.
pub async fn insert_once(db: &impl sea_orm::ConnectionTrait, row: outbox::ActiveModel) -> Result<bool, sea_orm::DbErr> {
    let inserted = outbox::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(outbox::Column::DedupKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

/// Inserts `rows` into the outbox in one statement, each unless a row with its `dedup_key` is
/// there already; returns how many were inserted. One statement: they are queued together or
/// not at all (a step's Chinese message and its English copy, [`crate::app::escalation::enqueue`]).
pub async fn insert_all_once(
    db: &impl sea_orm::ConnectionTrait,
    rows: Vec<outbox::ActiveModel>,
) -> Result<u64, sea_orm::DbErr> {
    if rows.is_empty() {
        return Ok(0);
    }
    outbox::Entity::insert_many(rows)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(outbox::Column::DedupKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
}

/// Inserts `rows` into the outbox in one statement, each unless a row with its `dedup_key` is
/// there already (or earlier in `rows`); returns the keys of those inserted. For a caller that
/// queues many messages at once and must know which of them are new (the notice sweep's page,
/// whose acknowledge links go only with messages it queued).
pub async fn insert_each_once(
    db: &impl sea_orm::ConnectionTrait,
    rows: Vec<outbox::ActiveModel>,
) -> Result<std::collections::HashSet<String>, sea_orm::DbErr> {
    use sea_orm::QueryTrait;
    if rows.is_empty() {
        return Ok(Default::default());
    }
    let mut insert = outbox::Entity::insert_many(rows)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(outbox::Column::DedupKey)
                .do_nothing()
                .to_owned(),
        )
        .into_query();
    insert.returning_col(outbox::Column::DedupKey);
    db.query_all_raw(db.get_database_backend().build(&insert))
        .await?
        .iter()
        .map(|r| r.try_get::<String>("", "dedup_key"))
        .collect()
}

/// How patient a worker is with the far end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patience {
    /// Attempts before a row is parked as failed.
    pub max_attempts: u32,
    /// The first retry delay.
    pub retry_initial: Duration,
    /// The longest retry delay.
    pub retry_max: Duration,
    /// The timeout of one attempt's steps (connecting, answering).
    pub timeout: Duration,
    /// Rows claimed per round.
    pub batch: u64,
}

impl Patience {
    /// How long a worker holds a claimed row before another may take it over: longer than any
    /// one attempt can take (twice the timeout, plus a margin).
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(5)
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The far end accepted it.
    pub ok: bool,
    /// It failed and trying again will not help.
    pub permanent: bool,
    /// The far end's answer or the error, as recorded in `outbox_attempts`.
    pub response: String,
}

impl Attempt {
    /// Accepted, with the far end's answer.
    pub fn accepted(response: impl Into<String>) -> Attempt {
        Attempt {
            ok: true,
            permanent: false,
            response: response.into(),
        }
    }

    /// Failed; worth retrying unless `permanent`.
    pub fn failed(permanent: bool, response: impl Into<String>) -> Attempt {
        Attempt {
            ok: false,
            permanent,
            response: response.into(),
        }
    }
}

/// How rows of one channel reach the far end.
pub trait Transport: Send + Sync {
    /// The `outbox.channel` this transport drains.
    const CHANNEL: &'static str;
    /// Makes one attempt at delivering `row`.
    fn send(&self, row: &outbox::Model) -> impl Future<Output = Attempt> + Send;
}

/// How the note of a message held for quiet hours begins (`quiet hours: held until …`).
pub const HELD_NOTE: &str = "quiet hours: held until";

/// Why `row` should no longer go, if it should not: a ladder step's text held by quiet hours
/// (its note says so, not tried yet) whose clock is no longer running by the time it may go —
/// the ticket was acknowledged, resolved or paused overnight, and a text saying its deadline
/// nears would be wrong (and its link would no longer act). Such a row is parked as failed with
/// the reason, which the ticket's page shows. Anything else goes, a message an operator retries
/// (`outbox retry`) among them: only texts are ever held.
pub async fn no_longer_due(
    db: &impl sea_orm::ConnectionTrait,
    row: &outbox::Model,
) -> Result<Option<String>, sea_orm::DbErr> {
    use crate::db::entities::clocks;
    let held = row.kind == "escalation"
        && row.channel == "sms"
        && row.attempts == 0
        && row.note.as_deref().is_some_and(|n| n.contains(HELD_NOTE));
    let (true, Some(ticket), Some(clock)) = (held, row.ticket_id, row.clock.as_deref()) else {
        return Ok(None);
    };
    let state = clocks::Entity::find()
        .filter(clocks::Column::TicketId.eq(ticket))
        .filter(clocks::Column::Name.eq(clock))
        .one(db)
        .await?
        .map(|c| c.state);
    Ok(match state.as_deref() {
        Some("running" | "breached-running") => None,
        Some(other) => Some(format!(
            "no longer due: held for quiet hours, and the {clock} clock is {other} now (不再发送：计时已停止)"
        )),
        None => Some(format!("no longer due: the ticket has no {clock} clock")),
    })
}

/// What one drain did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DrainReport {
    /// Accepted by the far end.
    pub sent: usize,
    /// Failed for now; will be retried.
    pub retrying: usize,
    /// Parked as failed.
    pub failed: usize,
}

/// The delay before attempt `attempts + 1`, given that `attempts` (≥ 1) failed: uniformly in
/// `[d/2, d]` where `d = min(max, initial × 2^(attempts-1))`.
pub fn backoff(initial: Duration, max: Duration, attempts: u32, rng: &mut impl Rng) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
    let d = initial.saturating_mul(factor).min(max);
    let half = d / 2;
    half + half.mul_f64(rng.random::<f64>())
}

/// Drains the rows of one channel through a transport.
pub struct Worker<T> {
    db: DatabaseConnection,
    patience: Patience,
    time: Arc<dyn TimeSource>,
    transport: T,
}

impl<T: Transport> Worker<T> {
    /// A worker delivering through `transport`.
    pub fn new(db: DatabaseConnection, patience: Patience, time: Arc<dyn TimeSource>, transport: T) -> Worker<T> {
        Worker {
            db,
            patience,
            time,
            transport,
        }
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Delivers every row that is due now; returns what happened.
    pub async fn drain(&self) -> anyhow::Result<DrainReport> {
        let mut report = DrainReport::default();
        loop {
            let claimed = self.claim().await?;
            if claimed.is_empty() {
                return Ok(report);
            }
            for row in claimed {
                // The claim covers the whole batch; renew it for this row just before its
                // attempt, so that a slow far end earlier in the batch cannot let it expire.
                let Some(row) = self.renew(row).await? else { continue };
                match self.deliver(row).await? {
                    Outcome::Sent => report.sent += 1,
                    Outcome::Retry => report.retrying += 1,
                    Outcome::Failed => report.failed += 1,
                }
            }
        }
    }

    /// Marks up to a batch of due rows as ours until `now + lease`.
    async fn claim(&self) -> anyhow::Result<Vec<outbox::Model>> {
        let now = self.time.now();
        let until = self.lease_from(now);
        let _turn = crate::db::turn::take(&self.db).await;
        let txn = crate::db::begin_write(&self.db).await?;
        let due = Condition::any()
            .add(
                Condition::all()
                    .add(outbox::Column::Status.eq(crate::db::Key(outbox::Status::Pending)))
                    .add(outbox::Column::NextAttemptAt.lte(now)),
            )
            .add(
                Condition::all()
                    .add(outbox::Column::Status.eq(crate::db::Key(outbox::Status::Sending)))
                    .add(outbox::Column::ClaimedUntil.lt(now)),
            );
        let rows = outbox::Entity::find()
            .filter(outbox::Column::Channel.eq(T::CHANNEL))
            .filter(due)
            .order_by_asc(outbox::Column::NextAttemptAt)
            .order_by_asc(outbox::Column::Id)
            .limit(self.patience.batch)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .all(&txn)
            .await?;
        if !rows.is_empty() {
            outbox::Entity::update_many()
                .col_expr(outbox::Column::Status, Expr::value(outbox::Status::Sending.key()))
                .col_expr(outbox::Column::ClaimedUntil, Expr::value(until))
                .filter(outbox::Column::Id.is_in(rows.iter().map(|r| r.id)))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(rows
            .into_iter()
            .map(|mut r| {
                r.status = crate::db::Key(outbox::Status::Sending);
                r.claimed_until = Some(until);
                r
            })
            .collect())
    }

    /// When a claim taken at `now` expires: in microseconds, as both databases store instants,
    /// because claims are compared for equality.
    fn lease_from(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        (now + self.patience.lease()).trunc_subsecs(6)
    }

    /// Extends the claim on `row` to `now + lease`, if it is still ours.
    async fn renew(&self, mut row: outbox::Model) -> anyhow::Result<Option<outbox::Model>> {
        let until = self.lease_from(self.time.now());
        let _turn = crate::db::turn::take(&self.db).await;
        let renewed = outbox::Entity::update_many()
            .col_expr(outbox::Column::ClaimedUntil, Expr::value(until))
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::Status.eq(crate::db::Key(outbox::Status::Sending)))
            .filter(outbox::Column::ClaimedUntil.eq(row.claimed_until))
            .exec(&self.db)
            .await?;
        if renewed.rows_affected == 0 {
            tracing::warn!(
                outbox_id = row.id,
                channel = T::CHANNEL,
                "claim expired before the attempt; another worker took it over"
            );
            return Ok(None);
        }
        row.claimed_until = Some(until);
        Ok(Some(row))
    }

    /// Delivers one claimed row and records the attempt.
    async fn deliver(&self, row: outbox::Model) -> anyhow::Result<Outcome> {
        // Bounded well inside the lease (2 × timeout + 5 s), whatever the far end does.
        let limit = self.patience.timeout * 2;
        let attempt = if let Some(why) = no_longer_due(&self.db, &row).await? {
            Attempt::failed(true, why)
        } else {
            match tokio::time::timeout(limit, self.transport.send(&row)).await {
                Ok(a) => a,
                Err(_) => Attempt::failed(false, format!("no answer within {} s", limit.as_secs())),
            }
        };
        let now = self.time.now();
        let attempts = row.attempts + 1;
        let outcome = if attempt.ok {
            Outcome::Sent
        } else if attempt.permanent || attempts as u32 >= self.patience.max_attempts {
            Outcome::Failed
        } else {
            Outcome::Retry
        };
        let response = attempt.response;
        let _turn = crate::db::turn::take(&self.db).await;
        let txn = crate::db::begin_write(&self.db).await?;
        outbox_attempts::ActiveModel {
            outbox_id: Set(row.id),
            at: Set(now),
            ok: Set(attempt.ok),
            response: Set(response.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut am: outbox::ActiveModel = row.clone().into();
        am.attempts = Set(attempts);
        am.claimed_until = Set(None);
        match outcome {
            Outcome::Sent => {
                am.status = Set(crate::db::Key(outbox::Status::Sent));
                am.sent_at = Set(Some(now));
                am.last_error = Set(None);
            }
            Outcome::Retry => {
                let delay = backoff(
                    self.patience.retry_initial,
                    self.patience.retry_max,
                    attempts as u32,
                    &mut rand::rng(),
                );
                am.status = Set(crate::db::Key(outbox::Status::Pending));
                am.next_attempt_at = Set(now + delay);
                am.last_error = Set(Some(response.clone()));
            }
            Outcome::Failed => {
                am.status = Set(crate::db::Key(outbox::Status::Failed));
                am.last_error = Set(Some(response.clone()));
            }
        }
        // Only if the claim is still ours: a worker that took too long must not overwrite the
        // outcome of the one that took the row over.
        let updated = outbox::Entity::update_many()
            .set(am)
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::Status.eq(crate::db::Key(outbox::Status::Sending)))
            .filter(outbox::Column::ClaimedUntil.eq(row.claimed_until))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        if updated.rows_affected == 0 {
            tracing::warn!(
                outbox_id = row.id,
                channel = T::CHANNEL,
                "claim expired during the attempt; another worker took it over"
            );
        }
        let (id, key, channel) = (row.id, &row.dedup_key, T::CHANNEL);
        let noun = if channel == "email" { "mail" } else { channel };
        match outcome {
            Outcome::Sent => tracing::info!(outbox_id = id, %key, channel, %response, "{noun} sent"),
            Outcome::Retry => {
                tracing::warn!(outbox_id = id, %key, channel, %response, attempts, "{noun} not sent; will retry")
            }
            Outcome::Failed => {
                tracing::error!(outbox_id = id, %key, channel, %response, attempts, "{noun} parked as failed")
            }
        }
        Ok(outcome)
    }
}

enum Outcome {
    Sent,
    Retry,
    Failed,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let (i, m) = (Duration::from_secs(30), Duration::from_secs(3600));
        for attempts in 1..=12u32 {
            let d = (i * 2u32.pow(attempts - 1)).min(m);
            for _ in 0..50 {
                let b = backoff(i, m, attempts, &mut rng);
                assert!(
                    b >= d / 2 && b <= d,
                    "attempt {attempts}: {b:?} not in [{:?}, {d:?}]",
                    d / 2
                );
            }
        }
        assert!(backoff(i, m, 1000, &mut rng) <= m);
    }
}

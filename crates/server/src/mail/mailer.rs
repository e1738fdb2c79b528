//! The mailer: drains the outbox over SMTP.
//!
//! A round claims up to a batch of due messages — `pending` ones whose `next_attempt_at` has
//! passed, and `sending` ones whose claim expired because the process that claimed them died —
//! by marking them `sending` until `now + lease` in one short transaction (on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so replicas claim disjoint rows). It then sends each, outside any
//! transaction, renewing the claim just before and bounding the attempt to two timeouts, so an
//! attempt always ends inside its lease; and records the attempt and the outcome:
//!
//! | outcome | the message becomes |
//! |---|---|
//! | accepted | `sent` |
//! | temporary failure (connection refused, 4xx, timeout) | `pending`, retried after a backoff |
//! | permanent failure (5xx, bad address) or the last attempt failed | `failed` (parked) |
//!
//! The backoff doubles from `retry_initial` up to `retry_max`, each delay drawn uniformly from
//! its upper half (jitter), so that many messages failing together do not retry in lockstep.
//! A message is sent at least once; it is sent twice only if the process dies after the SMTP
//! server accepted it and before the row was marked sent, or stalls (not merely waits on the
//! network) for longer than the lease.

use std::sync::Arc;
use std::time::Duration;

use chrono::SubsecRound;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rand::Rng;
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};

use super::settings::{MailSettings, Security};
use crate::db::entities::{outbox, outbox_attempts};
use crate::time::TimeSource;

/// What one drain did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DrainReport {
    /// Accepted by the SMTP server.
    pub sent: usize,
    /// Failed for now; will be retried.
    pub retrying: usize,
    /// Parked as failed.
    pub failed: usize,
}

/// Sends outbox messages.
pub struct Mailer {
    db: DatabaseConnection,
    settings: MailSettings,
    time: Arc<dyn TimeSource>,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

/// The delay before attempt `attempts + 1`, given that `attempts` (≥ 1) failed: uniformly in
/// `[d/2, d]` where `d = min(max, initial × 2^(attempts-1))`.
pub fn backoff(initial: Duration, max: Duration, attempts: u32, rng: &mut impl Rng) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
    let d = initial.saturating_mul(factor).min(max);
    let half = d / 2;
    half + half.mul_f64(rng.random::<f64>())
}

impl Mailer {
    /// A mailer for `settings`, which must name a host.
    pub fn new(db: DatabaseConnection, settings: MailSettings, time: Arc<dyn TimeSource>) -> anyhow::Result<Mailer> {
        let host = settings
            .host
            .clone()
            .ok_or_else(|| anyhow::anyhow!("[mail] host is not set"))?;
        let builder = match settings.security {
            Security::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host),
            Security::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host)?,
            Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&host)?,
        };
        let mut builder = builder.port(settings.port).timeout(Some(settings.timeout));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer {
            db,
            transport: builder.build(),
            settings,
            time,
        })
    }

    /// Sends every message that is due now; returns what happened.
    pub async fn drain(&self) -> anyhow::Result<DrainReport> {
        let mut report = DrainReport::default();
        loop {
            let claimed = self.claim().await?;
            if claimed.is_empty() {
                return Ok(report);
            }
            for row in claimed {
                // The claim covers the whole batch; renew it for this message just before its
                // attempt, so that a slow server earlier in the batch cannot let it expire.
                let Some(row) = self.renew(row).await? else { continue };
                match self.deliver(row).await? {
                    Outcome::Sent => report.sent += 1,
                    Outcome::Retry => report.retrying += 1,
                    Outcome::Failed => report.failed += 1,
                }
            }
        }
    }

    /// Marks up to a batch of due messages as ours until `now + lease`.
    async fn claim(&self) -> anyhow::Result<Vec<outbox::Model>> {
        let now = self.time.now();
        let until = self.lease_from(now);
        let txn = crate::db::begin_write(&self.db).await?;
        let due = Condition::any()
            .add(
                Condition::all()
                    .add(outbox::Column::Status.eq("pending"))
                    .add(outbox::Column::NextAttemptAt.lte(now)),
            )
            .add(
                Condition::all()
                    .add(outbox::Column::Status.eq("sending"))
                    .add(outbox::Column::ClaimedUntil.lt(now)),
            );
        let rows = outbox::Entity::find()
            .filter(due)
            .order_by_asc(outbox::Column::NextAttemptAt)
            .order_by_asc(outbox::Column::Id)
            .limit(self.settings.batch)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .all(&txn)
            .await?;
        if !rows.is_empty() {
            outbox::Entity::update_many()
                .col_expr(outbox::Column::Status, Expr::value("sending"))
                .col_expr(outbox::Column::ClaimedUntil, Expr::value(until))
                .filter(outbox::Column::Id.is_in(rows.iter().map(|r| r.id)))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(rows
            .into_iter()
            .map(|mut r| {
                r.status = "sending".to_owned();
                r.claimed_until = Some(until);
                r
            })
            .collect())
    }

    /// When a claim taken at `now` expires: in microseconds, as both databases store instants,
    /// because claims are compared for equality.
    fn lease_from(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        (now + self.settings.lease()).trunc_subsecs(6)
    }

    /// Extends the claim on `row` to `now + lease`, if it is still ours.
    async fn renew(&self, mut row: outbox::Model) -> anyhow::Result<Option<outbox::Model>> {
        let until = self.lease_from(self.time.now());
        let renewed = outbox::Entity::update_many()
            .col_expr(outbox::Column::ClaimedUntil, Expr::value(until))
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::Status.eq("sending"))
            .filter(outbox::Column::ClaimedUntil.eq(row.claimed_until))
            .exec(&self.db)
            .await?;
        if renewed.rows_affected == 0 {
            tracing::warn!(
                outbox_id = row.id,
                "claim expired before the attempt; another mailer took it over"
            );
            return Ok(None);
        }
        row.claimed_until = Some(until);
        Ok(Some(row))
    }

    /// Sends one claimed message and records the attempt.
    async fn deliver(&self, row: outbox::Model) -> anyhow::Result<Outcome> {
        let (ok, permanent, response) = match self.message(&row) {
            Err(e) => (false, true, format!("cannot build the message: {e}")),
            // Bounded well inside the lease (2 × timeout + 5 s), whatever the server does.
            Ok(message) => match tokio::time::timeout(self.settings.timeout * 2, self.transport.send(message)).await {
                Ok(Ok(r)) => (
                    true,
                    false,
                    format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" ")),
                ),
                Ok(Err(e)) => (false, e.is_permanent(), format!("{e}")),
                Err(_) => (
                    false,
                    false,
                    format!("no answer within {} s", (self.settings.timeout * 2).as_secs()),
                ),
            },
        };
        let now = self.time.now();
        let attempts = row.attempts + 1;
        let outcome = if ok {
            Outcome::Sent
        } else if permanent || attempts as u32 >= self.settings.max_attempts {
            Outcome::Failed
        } else {
            Outcome::Retry
        };
        let txn = crate::db::begin_write(&self.db).await?;
        outbox_attempts::ActiveModel {
            outbox_id: Set(row.id),
            at: Set(now),
            ok: Set(ok),
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
                am.status = Set("sent".to_owned());
                am.sent_at = Set(Some(now));
                am.last_error = Set(None);
            }
            Outcome::Retry => {
                let delay = backoff(
                    self.settings.retry_initial,
                    self.settings.retry_max,
                    attempts as u32,
                    &mut rand::rng(),
                );
                am.status = Set("pending".to_owned());
                am.next_attempt_at = Set(now + delay);
                am.last_error = Set(Some(response.clone()));
            }
            Outcome::Failed => {
                am.status = Set("failed".to_owned());
                am.last_error = Set(Some(response.clone()));
            }
        }
        // Only if the claim is still ours: a mailer that took too long must not overwrite the
        // outcome of the one that took the message over.
        let updated = outbox::Entity::update_many()
            .set(am)
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::Status.eq("sending"))
            .filter(outbox::Column::ClaimedUntil.eq(row.claimed_until))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        if updated.rows_affected == 0 {
            tracing::warn!(
                outbox_id = row.id,
                "claim expired during the attempt; another mailer took it over"
            );
        }
        match outcome {
            Outcome::Sent => tracing::info!(outbox_id = row.id, key = %row.dedup_key, %response, "mail sent"),
            Outcome::Retry => {
                tracing::warn!(outbox_id = row.id, key = %row.dedup_key, %response, attempts, "mail not sent; will retry")
            }
            Outcome::Failed => {
                tracing::error!(outbox_id = row.id, key = %row.dedup_key, %response, attempts, "mail parked as failed")
            }
        }
        Ok(outcome)
    }

    fn message(&self, row: &outbox::Model) -> anyhow::Result<Message> {
        let recipients: Vec<String> = serde_json::from_value(row.recipients.clone())?;
        if recipients.is_empty() {
            anyhow::bail!("no recipients");
        }
        let mut builder = Message::builder()
            .from(self.settings.from.clone())
            .subject(row.subject.clone())
            .message_id(Some(format!("<{}>", row.message_id)));
        if let Some(thread) = &row.thread_id {
            builder = builder
                .in_reply_to(format!("<{thread}>"))
                .references(format!("<{thread}>"));
        }
        for r in recipients {
            let mailbox: Mailbox = r.parse().map_err(|e| anyhow::anyhow!("recipient {r:?}: {e}"))?;
            builder = builder.to(mailbox);
        }
        let body = MultiPart::alternative_plain_html(row.body_text.clone(), row.body_html.clone());
        let files: Vec<super::Attachment> = match &row.attachments {
            Some(json) => serde_json::from_value(json.clone())?,
            None => Vec::new(),
        };
        if files.is_empty() {
            return Ok(builder.multipart(body)?);
        }
        let mut mixed = MultiPart::mixed().multipart(body);
        for f in files {
            let kind = lettre::message::header::ContentType::parse(&f.content_type)
                .map_err(|e| anyhow::anyhow!("attachment {}: {e}", f.filename))?;
            mixed = mixed.singlepart(lettre::message::Attachment::new(f.filename.clone()).body(f.bytes()?, kind));
        }
        Ok(builder.multipart(mixed)?)
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

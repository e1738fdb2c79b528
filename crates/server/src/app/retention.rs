//! Retention: how long the records that are not tickets are kept, and the daily purge.
//!
//! | record | default | never less than | purged when |
//! |---|---|---|---|
//! | audit log | 1 096 days (3 years) | 183 days | its entry is older |
//! | outbox messages of no ticket (summaries, pings) and their attempts | 366 days | 90 days | created before, delivered or parked |
//! | text of outbox messages of a ticket | 366 days | 90 days | created before, delivered or parked, the ticket closed or cancelled; the row and its dedup key stay |
//! | alerts | 366 days | 90 days | last seen before, and ended |
//! | mail taken in (`mail_in_messages`) that opened or joined no ticket: ignored, refused, dismissed from triage | as outbox messages | 90 days | received before; mail waiting in triage stays |
//! | text kept of mail opened from triage | as outbox messages | 90 days | received before; the row stays, as the record of the ticket's source |
//! | sign-in sessions | — | — | expired a day ago |
//!
//! The floor of 183 days is the tender's "日志保存不少于半年" (logs kept at least six months); the
//! default of three years covers a contract term and the audit after it. Tickets, their events,
//! clocks and measurements are **never** purged: they are the evidence of the SLA. A message of a
//! ticket is never deleted, only emptied of its text once the ticket is finished: its dedup key is
//! what stops the escalation sweep sending that step twice, and a closed ticket can be reopened. The server's own log lines go to stderr
//! (journald under systemd); their retention is journald's (`MaxRetentionSec`, see
//! `docs/operations.md`).

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::config::RetentionConfig;
use crate::db::Key;
use crate::db::entities::{alerts, audit_log, mail_in_files, mail_in_messages, outbox, sessions, tickets};
use ticket_domain::Status;

/// How long each kind of record is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// The audit log.
    pub audit: TimeDelta,
    /// Delivered or parked outbox messages of finished tickets.
    pub outbox: TimeDelta,
    /// Ended alerts.
    pub alerts: TimeDelta,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            audit: TimeDelta::days(1096),
            outbox: TimeDelta::days(366),
            alerts: TimeDelta::days(366),
        }
    }
}

impl Retention {
    /// The settings of `[retention]`, refusing periods below the floors.
    pub fn from_config(c: &RetentionConfig) -> anyhow::Result<Retention> {
        let d = Retention::default();
        let days = |v: Option<u32>, key: &str, floor: i64, default: TimeDelta| match v {
            Some(n) if i64::from(n) < floor => {
                anyhow::bail!("[retention] {key} = {n} is below the minimum of {floor} days")
            }
            Some(n) => Ok(TimeDelta::days(i64::from(n))),
            None => Ok(default),
        };
        Ok(Retention {
            audit: days(c.audit_days, "audit_days", 183, d.audit)?,
            outbox: days(c.outbox_days, "outbox_days", 90, d.outbox)?,
            alerts: days(c.alerts_days, "alerts_days", 90, d.alerts)?,
        })
    }
}

/// What one purge removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Audit log entries.
    pub audit: u64,
    /// Outbox messages of no ticket (their attempts go with them).
    pub outbox: u64,
    /// Outbox messages of finished tickets whose text was removed (the row and its key stay).
    pub emptied: u64,
    /// Alerts.
    pub alerts: u64,
    /// Expired sessions.
    pub sessions: u64,
    /// Notice links expired for longer than messages are kept (their page then says the link
    /// is not known).
    pub links: u64,
    /// Mail taken in that came to no ticket (with any files it kept).
    pub mail_in: u64,
}

/// Deletes what is older than `r` allows as of `now`.
pub async fn purge(db: &DatabaseConnection, r: Retention, now: DateTime<Utc>) -> Result<Purged, DbErr> {
    let audit = audit_log::Entity::delete_many()
        .filter(audit_log::Column::At.lt(now - r.audit))
        .exec(db)
        .await?
        .rows_affected;
    let finished = Query::select()
        .column(tickets::Column::Id)
        .from(tickets::Entity)
        .and_where(tickets::Column::Status.is_in([Key(Status::Closed), Key(Status::Cancelled)]))
        .to_owned();
    let old_and_done =
        Condition::all()
            .add(outbox::Column::CreatedAt.lt(now - r.outbox))
            .add(outbox::Column::Status.is_in([
                crate::db::Key(outbox::Status::Sent),
                crate::db::Key(outbox::Status::Failed),
            ]));
    // Messages of no ticket (monthly summaries, pings) go.
    let outbox = outbox::Entity::delete_many()
        .filter(old_and_done.clone())
        .filter(outbox::Column::TicketId.is_null())
        .exec(db)
        .await?
        .rows_affected;
    // A finished ticket's messages lose their text but keep their row: a closed ticket can be
    // reopened, and the rows' dedup keys are what stop the sweep sending its past steps again.
    let emptied = outbox::Entity::update_many()
        .col_expr(outbox::Column::BodyText, Expr::value(""))
        .col_expr(outbox::Column::BodyHtml, Expr::value(""))
        .col_expr(
            outbox::Column::Attachments,
            Expr::value(Option::<serde_json::Value>::None),
        )
        .filter(old_and_done)
        .filter(outbox::Column::TicketId.in_subquery(finished))
        .filter(outbox::Column::BodyText.ne(""))
        .exec(db)
        .await?
        .rows_affected;
    let alerts = alerts::Entity::delete_many()
        .filter(alerts::Column::LastSeenAt.lt(now - r.alerts))
        .filter(alerts::Column::EndsAt.is_not_null())
        .exec(db)
        .await?
        .rows_affected;
    let sessions = sessions::Entity::delete_many()
        .filter(sessions::Column::ExpiresAt.lt(now - TimeDelta::days(1)))
        .exec(db)
        .await?
        .rows_affected;
    let links = crate::db::entities::action_links::Entity::delete_many()
        .filter(crate::db::entities::action_links::Column::ExpiresAt.lt(now - r.outbox))
        .exec(db)
        .await?
        .rows_affected;
    let mail_in = purge_mail_in(db, now - r.outbox).await?;
    Ok(Purged {
        audit,
        outbox,
        emptied,
        alerts,
        sessions,
        links,
        mail_in,
    })
}

/// Deletes the mail taken in before `before` that came to no ticket (ignored, refused,
/// dismissed from triage), with the files it kept, and empties the text kept of mail opened
/// from triage; returns how many messages were deleted. Mail still waiting in triage stays,
/// however old: someone has yet to decide on it. A deleted message that is delivered again
/// is taken in again, as any new message.
async fn purge_mail_in(db: &DatabaseConnection, before: DateTime<Utc>) -> Result<u64, DbErr> {
    let waiting = Condition::all()
        .add(mail_in_messages::Column::Outcome.eq("triage"))
        .add(mail_in_messages::Column::TriageOutcome.is_null());
    let gone = Condition::all()
        .add(mail_in_messages::Column::ReceivedAt.lt(before))
        .add(mail_in_messages::Column::TicketId.is_null())
        .add(mail_in_messages::Column::Outcome.ne("pending"))
        .add(waiting.not());
    let ids = Query::select()
        .column(mail_in_messages::Column::Id)
        .from(mail_in_messages::Entity)
        .cond_where(gone.clone())
        .to_owned();
    mail_in_files::Entity::delete_many()
        .filter(mail_in_files::Column::MessageId.in_subquery(ids))
        .exec(db)
        .await?;
    let deleted = mail_in_messages::Entity::delete_many()
        .filter(gone)
        .exec(db)
        .await?
        .rows_affected;
    mail_in_messages::Entity::update_many()
        .col_expr(mail_in_messages::Column::Body, Expr::value(Option::<String>::None))
        .filter(mail_in_messages::Column::ReceivedAt.lt(before))
        .filter(mail_in_messages::Column::TriageOutcome.is_not_null())
        .filter(mail_in_messages::Column::Body.is_not_null())
        .exec(db)
        .await?;
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_below_the_floor_are_refused() {
        let c = RetentionConfig {
            audit_days: Some(90),
            ..RetentionConfig::default()
        };
        let e = Retention::from_config(&c).unwrap_err().to_string();
        assert!(e.contains("audit_days = 90 is below the minimum of 183"), "{e}");
        let c = RetentionConfig {
            audit_days: Some(400),
            ..RetentionConfig::default()
        };
        let r = Retention::from_config(&c).unwrap();
        assert_eq!(r.audit, TimeDelta::days(400));
        assert_eq!(r.outbox, TimeDelta::days(366));
        assert_eq!(
            Retention::from_config(&RetentionConfig::default()).unwrap(),
            Retention::default()
        );
    }
}

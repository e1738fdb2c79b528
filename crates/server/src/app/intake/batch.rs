//! One notification's alerts in one write transaction, each alert in a savepoint of its own.
//!
//! An alert storm arrives as notifications of a group of alerts each (Alertmanager sends one per
//! group); a transaction per alert made each notification pay a commit and a write turn per
//! alert. Here the notification's alerts share one transaction ([`receive_all`]):
//!
//! - on PostgreSQL every fingerprint of the notification is locked first, in one order
//!   ([`lock_fingerprints`]), so two notifications sharing fingerprints wait for each other
//!   instead of deadlocking;
//! - what each alert needs first — the latest row of its fingerprint, that row's ticket, the
//!   system its rule names — is read for the whole notification at once ([`Known`]), once those
//!   locks are held;
//! - each alert is taken in inside a savepoint: one that fails is rolled back alone and parked in
//!   triage with the reason, and the others commit together, with their audit entries.
//!
//! An error is returned (the notification answered 5xx, and nothing of it kept, for the monitor
//! to send it again) only when an alert can be neither taken in nor parked.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::rules::{Mapped, Rules};
use super::{Alert, Received, insert, lock_fingerprint, seen};
use crate::app::audit::ClientAddr;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{alerts, intake_sources, systems, tickets};

/// At most this many values in one `IN` list.
const CHUNK: usize = 500;

/// Takes in `alerts` from `source` in one transaction, each alert in a savepoint, and marks the
/// source used. An alert that cannot be taken in is parked in triage with the reason; an error
/// is returned only when an alert can be neither taken in nor parked (the monitor should send
/// the notification again).
pub async fn receive_all(
    state: &Context,
    source: &intake_sources::Model,
    alerts: Vec<Alert>,
    from: &ClientAddr,
) -> AppResult<Vec<Received>> {
    let rules = super::store::rules(&state.db).await?;
    let txn = state.begin_write().await?;
    // Taking alerts in writes no configuration: the systems, policies, windows, rosters and
    // ladders their tickets need come from the cache, as of the epoch this transaction sees
    // ([`crate::app::cache`]).
    let out = state
        .cache
        .read_now(&txn, receive_in(&txn, state, source, &rules, alerts, from))
        .await?;
    intake_sources::Entity::update_many()
        .col_expr(intake_sources::Column::LastUsedAt, Expr::value(state.now()))
        .filter(intake_sources::Column::Id.eq(source.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(out)
}

/// The alerts of [`receive_all`], taken in inside `txn`.
async fn receive_in(
    txn: &DatabaseTransaction,
    state: &Context,
    source: &intake_sources::Model,
    rules: &Rules,
    alerts: Vec<Alert>,
    from: &ClientAddr,
) -> AppResult<Vec<Received>> {
    lock_fingerprints(txn, source.id, alerts.iter().map(|a| a.fingerprint.as_str())).await?;
    let mut known = Known::load(txn, source, rules, &alerts).await?;
    let mut out = Vec::with_capacity(alerts.len());
    for alert in alerts {
        let now = state.now();
        let taken = match &alert.defect {
            Some(defect) => Err(defect.clone()),
            None => receive_one(txn, state, source, rules, &mut known, alert.clone(), now, from).await?,
        };
        let received = match taken {
            Ok(r) => r,
            // It would only fail again: parked in triage with the reason, never dropped, and the
            // alerts after it are still taken in. If even that fails, the monitor sends again.
            Err(reason) => {
                known.forget(&alert.fingerprint);
                park(txn, source, &alert, &reason, now).await?;
                Received {
                    reason: Some(reason),
                    ..Received::new(&alert, "triage", None)
                }
            }
        };
        if received.outcome != "repeated" {
            tracing::info!(source = %source.code, fingerprint = %received.fingerprint, outcome = %received.outcome,
                ticket = ?received.ticket, reason = ?received.reason, "alert");
        }
        out.push(received);
    }
    Ok(out)
}

/// Takes in one alert in a savepoint of `txn`: `Ok(Err(reason))` when it could not be (the
/// savepoint rolled back, nothing of it kept), an error when the transaction itself failed.
#[allow(clippy::too_many_arguments)]
async fn receive_one(
    txn: &DatabaseTransaction,
    state: &Context,
    source: &intake_sources::Model,
    rules: &Rules,
    known: &mut Known,
    alert: Alert,
    now: DateTime<Utc>,
    from: &ClientAddr,
) -> AppResult<Result<Received, String>> {
    let fingerprint = alert.fingerprint.clone();
    let savepoint = txn.begin().await?;
    let e = match super::receive(&savepoint, state, source, rules, known, alert, now, from).await {
        Ok(r) => {
            savepoint.commit().await?;
            return Ok(Ok(r));
        }
        Err(e) => e,
    };
    // If the savepoint cannot be rolled back, the transaction is lost: nothing can be parked.
    savepoint.rollback().await?;
    if let AppError::Internal(inner) = &e {
        tracing::error!(source = %source.code, %fingerprint, error = %format!("{inner:#}"), "alert could not be taken in; parked in triage");
    }
    let detail = match &e {
        AppError::Internal(_) => match e.calendar_not_covered() {
            Some(_) => format!("{e}"),
            None => "an internal error (logged)".to_owned(),
        },
        _ => e.to_string(),
    };
    Ok(Err(format!("could not be taken in: {detail}")))
}

/// Parks `alert` in triage with `reason`: a new row, or, for a repeat of an episode already
/// parked, the same row counted again (the monitor repeats its notifications).
async fn park(
    txn: &DatabaseTransaction,
    source: &intake_sources::Model,
    alert: &Alert,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    lock_fingerprint(txn, source.id, &alert.fingerprint).await?;
    let parked = alerts::Entity::find()
        .filter(alerts::Column::SourceId.eq(source.id))
        .filter(alerts::Column::Fingerprint.eq(&alert.fingerprint))
        .filter(alerts::Column::StartsAt.eq(alert.starts_at))
        .filter(alerts::Column::TicketId.is_null())
        .filter(alerts::Column::TriageOutcome.is_null())
        .order_by_desc(alerts::Column::Id)
        .one(txn)
        .await?;
    match parked {
        Some(row) => {
            let id = row.id;
            seen(txn, row, alert, now).await?;
            alerts::Entity::update_many()
                .col_expr(alerts::Column::TriageReason, Expr::value(reason))
                .filter(alerts::Column::Id.eq(id))
                .exec(txn)
                .await?;
        }
        None => insert(txn, source, alert, None, None, Some(reason), now).await?,
    }
    Ok(())
}

/// Locks every fingerprint of `fingerprints` for the transaction, in one order (see
/// [`lock_fingerprint`]; a no-op on SQLite, whose write transactions are serial already).
pub(crate) async fn lock_fingerprints<'a>(
    txn: &DatabaseTransaction,
    source: i64,
    fingerprints: impl Iterator<Item = &'a str>,
) -> Result<(), sea_orm::DbErr> {
    if txn.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    let mut keys: Vec<i64> = fingerprints.map(|f| super::fingerprint_key(source, f)).collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        return Ok(());
    }
    // The rows of `unnest` come in the array's order, and so are the locks taken. The keys are
    // numbers made here, written into the statement as such.
    let keys: Vec<String> = keys.iter().map(i64::to_string).collect();
    txn.execute_unprepared(&format!(
        "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(ARRAY[{}]::bigint[]) AS k",
        keys.join(",")
    ))
    .await?;
    Ok(())
}

/// What the alerts of one notification need first, read for all of them at once: the latest
/// row of each fingerprint, those rows' tickets, and the systems the rules map them to.
///
/// Each fingerprint's row and ticket are handed out once ([`Known::latest`]): a second alert of
/// the same fingerprint in the notification, or of another fingerprint on the same ticket, reads
/// them afresh, after what the alerts before it wrote.
#[derive(Default)]
pub struct Known {
    latest: HashMap<String, Option<alerts::Model>>,
    tickets: HashMap<i64, tickets::Model>,
    systems: HashMap<String, Option<systems::Model>>,
}

impl Known {
    /// Reads, for `alerts` of `source`, what [`Known`] keeps (the fingerprints locked already).
    pub async fn load(
        txn: &DatabaseTransaction,
        source: &intake_sources::Model,
        rules: &Rules,
        alerts: &[Alert],
    ) -> Result<Known, sea_orm::DbErr> {
        let mut known = Known::default();
        let fingerprints: Vec<&str> = alerts
            .iter()
            .filter(|a| a.defect.is_none())
            .map(|a| a.fingerprint.as_str())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for chunk in fingerprints.chunks(CHUNK) {
            let newest = Query::select()
                .expr(Func::max(Expr::col(alerts::Column::Id)))
                .from(alerts::Entity)
                .and_where(alerts::Column::SourceId.eq(source.id))
                .and_where(alerts::Column::Fingerprint.is_in(chunk.iter().copied()))
                .group_by_col(alerts::Column::Fingerprint)
                .to_owned();
            known.latest.extend(chunk.iter().map(|f| ((*f).to_owned(), None)));
            for row in alerts::Entity::find()
                .filter(alerts::Column::Id.in_subquery(newest))
                .all(txn)
                .await?
            {
                known.latest.insert(row.fingerprint.clone(), Some(row));
            }
        }
        let ticket_ids: Vec<i64> = known.latest.values().flatten().filter_map(|a| a.ticket_id).collect();
        for chunk in ticket_ids.chunks(CHUNK) {
            for t in tickets::Entity::find()
                .filter(tickets::Column::Id.is_in(chunk.iter().copied()))
                .all(txn)
                .await?
            {
                known.tickets.insert(t.id, t);
            }
        }
        let codes: Vec<String> = alerts
            .iter()
            .filter(|a| a.defect.is_none())
            .filter_map(|a| match rules.map(&source.code, &a.labels) {
                Mapped::To(m) => Some(m.system),
                Mapped::Triage(_) => None,
            })
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for chunk in codes.chunks(CHUNK) {
            known.systems.extend(chunk.iter().map(|c| (c.clone(), None)));
            for s in systems::Entity::find()
                .filter(systems::Column::Code.is_in(chunk.iter().cloned()))
                .all(txn)
                .await?
            {
                known.systems.insert(s.code.clone(), Some(s));
            }
        }
        Ok(known)
    }

    /// The latest row of `fingerprint` and its ticket: as read for the notification the first
    /// time, afresh (under the fingerprint's lock) after that.
    pub async fn latest(
        &mut self,
        txn: &DatabaseTransaction,
        source: i64,
        fingerprint: &str,
    ) -> Result<(Option<alerts::Model>, Option<tickets::Model>), sea_orm::DbErr> {
        let latest = match self.latest.remove(fingerprint) {
            Some(row) => row,
            None => {
                lock_fingerprint(txn, source, fingerprint).await?;
                alerts::Entity::find()
                    .filter(alerts::Column::SourceId.eq(source))
                    .filter(alerts::Column::Fingerprint.eq(fingerprint))
                    .order_by_desc(alerts::Column::Id)
                    .one(txn)
                    .await?
            }
        };
        let ticket = match latest.as_ref().and_then(|a| a.ticket_id) {
            Some(id) => match self.tickets.remove(&id) {
                Some(t) => Some(t),
                None => tickets::Entity::find_by_id(id).one(txn).await?,
            },
            None => None,
        };
        Ok((latest, ticket))
    }

    /// The system `code`, as read for the notification (systems do not change while alerts are
    /// taken in).
    pub async fn system(
        &mut self,
        txn: &DatabaseTransaction,
        code: &str,
    ) -> Result<Option<systems::Model>, sea_orm::DbErr> {
        if let Some(s) = self.systems.get(code) {
            return Ok(s.clone());
        }
        let s = systems::Entity::find()
            .filter(systems::Column::Code.eq(code))
            .one(txn)
            .await?;
        self.systems.insert(code.to_owned(), s.clone());
        Ok(s)
    }

    /// Forgets what was read for `fingerprint` (its alert is being parked: read it afresh).
    fn forget(&mut self, fingerprint: &str) {
        self.latest.remove(fingerprint);
    }
}

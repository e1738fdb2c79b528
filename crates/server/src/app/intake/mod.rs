//! Alert intake: monitors open and update `alarm` tickets by themselves.
//!
//! An alert arrives from an intake source (an Alertmanager webhook, or the generic signed JSON
//! intake) with a fingerprint, labels, a status and when it started. Under a lock on its
//! fingerprint, in a savepoint of its notification's transaction ([`batch`]):
//!
//! | the alert | and opsclock knows | then |
//! |---|---|---|
//! | firing | nothing of this fingerprint, or only tickets no longer open | the [`rules`] map it: an `alarm` ticket is opened with `occurred_at` = the alert's start (its clocks start there); if no rule maps it, it waits in triage |
//! | firing | a ticket for it still being worked on (not yet resolved) | it is added to that ticket: a new firing episode as a comment, a repeated notification as a count |
//! | firing | the same episode, ticket already resolved by a person | counted, nothing reopened |
//! | resolved | the firing episode | recorded on the ticket as a comment; if the rule says `auto_resolve`, the ticket is resolved (by opsclock, acknowledged first if nobody had) |
//! | resolved | nothing | kept in triage ("only seen resolved") |
//!
//! Nothing is dropped: every alert is a row in `alerts`, mapped or not. Alertmanager repeats its
//! notifications, so the same notification twice changes only the counts.
//!
//! Each alert of a notification stands on its own ([`receive_all`]): one that cannot be taken in
//! (its ticket cannot be opened, e.g. it started before the calendars' published holidays; a
//! database error on its row) is rolled back alone and *parked* in triage with the reason, and the
//! alerts after it are still taken in; the notification is answered 2xx once every alert is stored
//! or parked, all in one commit. Only when even parking fails (the database is gone) is it
//! answered 5xx, with nothing of it kept, for the monitor to send it again. Text with NUL bytes
//! (which PostgreSQL cannot store) has them replaced by U+FFFD and the alert is parked, with the
//! reason, rather than mapped to a ticket.
//!
//! The monitors come in through [`alertmanager`] and [`generic`]; what is written on the tickets
//! is in [`alarm`]; admins manage the sources, the rules and the triage queue through [`manage`].

pub mod alarm;
pub mod alertmanager;
pub mod batch;
pub mod generic;
pub mod manage;
pub mod rules;
pub mod store;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseTransaction, Set};
use serde::Serialize;
use ticket_domain::{Command, Status};
use utoipa::ToSchema;

use crate::app::Context;
use crate::app::audit::ClientAddr;
use crate::app::{AppError, AppResult};
use crate::db::entities::{alerts, intake_sources, systems};
use alarm::{Opening, act, auto_resolve, open_alarm, title_of};
use rules::{Mapped, Mapping, Rules};

pub use batch::receive_all;

/// An alert as a monitor sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The monitor's identity of the alert (stable across notifications).
    pub fingerprint: String,
    /// Firing (`true`) or resolved.
    pub firing: bool,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its annotations (`summary`, `description`, …).
    pub annotations: BTreeMap<String, String>,
    /// When it began firing.
    pub starts_at: DateTime<Utc>,
    /// When it stopped (resolved alerts).
    pub ends_at: Option<DateTime<Utc>>,
    /// Where the monitor shows it.
    pub link: Option<String>,
    /// Why the alert is parked in triage whatever the rules say (it held NUL bytes), if it is.
    pub defect: Option<String>,
}

/// What became of one alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Received {
    /// The alert's fingerprint.
    pub fingerprint: String,
    /// `opened` (a new ticket), `added` (to an open ticket), `resolved` (recorded on its ticket),
    /// `auto_resolved` (and the ticket resolved), `repeated` (a repeated notification, counted),
    /// or `triage` (no rule maps it).
    pub outcome: String,
    /// The ticket, if any.
    pub ticket: Option<String>,
    /// Why it waits in triage.
    pub reason: Option<String>,
}

/// What became of each alert of a notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeReport {
    /// One entry per alert, in order.
    pub received: Vec<Received>,
}

impl Alert {
    /// An alert as a monitor wrote it (`status` "firing" or "resolved", checked; the `i`th of its
    /// request, for the error). Without an `id` the fingerprint is a hash of the labels. Instants
    /// are kept to the microsecond, as the databases store them, so that a repeat compares equal.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        i: usize,
        id: Option<String>,
        status: &str,
        labels: BTreeMap<String, String>,
        annotations: BTreeMap<String, String>,
        starts_at: DateTime<Utc>,
        ends_at: Option<DateTime<Utc>>,
        link: Option<String>,
    ) -> AppResult<Alert> {
        use chrono::SubsecRound;
        // PostgreSQL stores no NUL in text or JSON: replaced, and the alert parked (see above).
        let mut nul = Vec::new();
        let mut clean = |what: String, s: String| -> String {
            if s.contains('\0') {
                nul.push(what);
                s.replace('\0', "\u{fffd}")
            } else {
                s
            }
        };
        let clean_map = |name: &str, m: BTreeMap<String, String>, clean: &mut dyn FnMut(String, String) -> String| {
            m.into_iter()
                .map(|(k, v)| {
                    let k = clean(format!("alerts[{i}].{name}"), k);
                    let v = clean(format!("alerts[{i}].{name}.{k}"), v);
                    (k, v)
                })
                .collect::<BTreeMap<_, _>>()
        };
        let labels = clean_map("labels", labels, &mut clean);
        let annotations = clean_map("annotations", annotations, &mut clean);
        let id = id.map(|f| clean(format!("alerts[{i}].fingerprint"), f));
        let link = link.map(|l| clean(format!("alerts[{i}].link"), l));
        let status = &*clean(format!("alerts[{i}].status"), status.to_owned());
        let defect = (!nul.is_empty()).then(|| {
            format!(
                "NUL bytes in {} (replaced by U+FFFD); parked, not mapped",
                nul.join(", ")
            )
        });
        let firing = match status {
            "firing" => true,
            "resolved" => false,
            other => {
                return Err(AppError::invalid(
                    format!("alerts[{i}].status"),
                    format!("{other:?} is neither firing nor resolved"),
                ));
            }
        };
        Ok(Alert {
            fingerprint: id
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| alertmanager::fingerprint_of(&labels)),
            firing,
            labels,
            annotations,
            starts_at: starts_at.trunc_subsecs(6),
            ends_at: ends_at.map(|t| t.trunc_subsecs(6)),
            link: link.filter(|l| !l.is_empty()),
            defect,
        })
    }
}

impl From<&alerts::Model> for Alert {
    fn from(row: &alerts::Model) -> Alert {
        Alert {
            fingerprint: row.fingerprint.clone(),
            firing: *row.status == crate::db::entities::alerts::Status::Firing,
            labels: serde_json::from_value(row.labels.clone()).unwrap_or_default(),
            annotations: serde_json::from_value(row.annotations.clone()).unwrap_or_default(),
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            link: None,
            defect: None,
        }
    }
}

impl Received {
    fn new(alert: &Alert, outcome: &str, ticket: Option<&str>) -> Received {
        Received {
            fingerprint: alert.fingerprint.clone(),
            outcome: outcome.to_owned(),
            ticket: ticket.map(str::to_owned),
            reason: None,
        }
    }
}

/// Takes in one alert inside `txn`, with what `known` read for its notification.
#[allow(clippy::too_many_arguments)]
pub async fn receive(
    txn: &DatabaseTransaction,
    state: &Context,
    source: &intake_sources::Model,
    rules: &Rules,
    known: &mut batch::Known,
    alert: Alert,
    now: DateTime<Utc>,
    from: &ClientAddr,
) -> AppResult<Received> {
    let (latest, ticket) = known.latest(txn, source.id, &alert.fingerprint).await?;
    let ticket_open = ticket.as_ref().is_some_and(|t| is_open(*t.status));
    let number = ticket.as_ref().map(|t| t.number.clone());
    let same_episode = latest.as_ref().is_some_and(|a| a.starts_at == alert.starts_at);
    // A notification about an episode older than the latest one (a late or replayed request).
    let stale = latest.as_ref().is_some_and(|a| alert.starts_at < a.starts_at);

    if !alert.firing {
        if stale {
            return Ok(Received::new(&alert, "repeated", number.as_deref()));
        }
        let Some(row) = latest.filter(|a| same_episode || *a.status == crate::db::entities::alerts::Status::Firing)
        else {
            insert(
                txn,
                source,
                &alert,
                None,
                None,
                Some("only seen resolved: its firing never reached opsclock"),
                now,
            )
            .await?;
            return Ok(Received {
                reason: Some("only seen resolved".into()),
                ..Received::new(&alert, "triage", None)
            });
        };
        let was_firing = *row.status == crate::db::entities::alerts::Status::Firing;
        let in_triage = row.ticket_id.is_none() && row.triage_outcome.is_none();
        let rule = row.rule.clone();
        seen(txn, row, &alert, now).await?;
        if in_triage {
            return Ok(Received::new(&alert, "triage", None));
        }
        let (Some(number), true) = (number, was_firing) else {
            return Ok(Received::new(
                &alert,
                "repeated",
                ticket.as_ref().map(|t| t.number.as_str()),
            ));
        };
        if !ticket_open {
            return Ok(Received::new(&alert, "resolved", Some(&number)));
        }
        let ends = alert.ends_at.unwrap_or(now).min(now);
        let text = format!(
            "告警已恢复 / alert resolved: {} ({})",
            title_of(&alert),
            ends.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        act(txn, state, &number, now, |at| Command::Comment { at, text }).await?;
        if rule.is_some_and(|r| rules.auto_resolves(&r)) {
            auto_resolve(txn, state, &number, ends, now).await?;
            return Ok(Received::new(&alert, "auto_resolved", Some(&number)));
        }
        return Ok(Received::new(&alert, "resolved", Some(&number)));
    }

    if stale {
        return Ok(Received::new(&alert, "repeated", number.as_deref()));
    }
    if let Some(row) = latest.clone().filter(|_| same_episode) {
        // A repeated notification of the episode already recorded.
        let in_triage = row.ticket_id.is_none() && row.triage_outcome.is_none();
        if !in_triage {
            seen(txn, row, &alert, now).await?;
            return Ok(Received::new(&alert, "repeated", number.as_deref()));
        }
        // Still in triage: the rules may have changed since.
        return match map(txn, source, rules, known, &alert).await? {
            Ok((mapping, system)) => {
                let (opened, _) =
                    open_alarm(txn, state, &alert, system, Opening::by_rule(&mapping, now), now, from).await?;
                let row_notifications = row.notifications;
                let mut am: alerts::ActiveModel = row.into();
                am.ticket_id = Set(Some(opened.id));
                am.rule = Set(Some(mapping.rule));
                am.triage_reason = Set(None);
                am.status = Set(crate::db::Key(crate::db::entities::alerts::Status::Firing));
                am.ends_at = Set(None);
                am.annotations = Set(serde_json::json!(alert.annotations));
                am.notifications = Set(row_notifications + 1);
                am.last_seen_at = Set(now);
                am.update(txn).await?;
                Ok(Received::new(&alert, "opened", Some(&opened.number)))
            }
            Err(reason) => {
                seen(txn, row, &alert, now).await?;
                Ok(Received {
                    reason: Some(reason),
                    ..Received::new(&alert, "triage", None)
                })
            }
        };
    }

    if let (true, Some(t)) = (ticket_open, &ticket) {
        // A new firing episode while its ticket is open: added to it.
        let rule = latest.and_then(|a| a.rule);
        insert(txn, source, &alert, Some(t.id), rule.as_deref(), None, now).await?;
        let text = format!(
            "告警再次触发 / alert fired again: {} ({})",
            title_of(&alert),
            alert.starts_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        act(txn, state, &t.number, now, |at| Command::Comment { at, text }).await?;
        return Ok(Received::new(&alert, "added", Some(&t.number)));
    }

    match map(txn, source, rules, known, &alert).await? {
        Ok((mapping, system)) => {
            let (opened, _) =
                open_alarm(txn, state, &alert, system, Opening::by_rule(&mapping, now), now, from).await?;
            insert(txn, source, &alert, Some(opened.id), Some(&mapping.rule), None, now).await?;
            Ok(Received::new(&alert, "opened", Some(&opened.number)))
        }
        Err(reason) => {
            insert(txn, source, &alert, None, None, Some(&reason), now).await?;
            Ok(Received {
                reason: Some(reason),
                ..Received::new(&alert, "triage", None)
            })
        }
    }
}

/// Whether an alert joins the ticket: its work is not done yet. A resolved ticket counts as done
/// (its clocks have stopped), so an alert firing again after the repair opens a new ticket with
/// clocks of its own instead of a comment nobody is measured on.
fn is_open(status: Status) -> bool {
    status.is_open() && status != Status::Resolved
}

/// Serialises alerts of one fingerprint: a PostgreSQL advisory lock for the transaction (SQLite
/// write transactions are serial already).
pub(crate) async fn lock_fingerprint(
    txn: &DatabaseTransaction,
    source: i64,
    fingerprint: &str,
) -> Result<(), sea_orm::DbErr> {
    if txn.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    txn.execute_raw(sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [fingerprint_key(source, fingerprint).into()],
    ))
    .await?;
    Ok(())
}

/// The advisory-lock key of a fingerprint of `source`.
fn fingerprint_key(source: i64, fingerprint: &str) -> i64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("opsclock-alert/{source}/{fingerprint}"));
    let mut key = [0u8; 8];
    key.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(key)
}

/// The rule's mapping and its system, or why the alert goes to triage.
async fn map(
    txn: &DatabaseTransaction,
    source: &intake_sources::Model,
    rules: &Rules,
    known: &mut batch::Known,
    alert: &Alert,
) -> AppResult<Result<(Mapping, systems::Model), String>> {
    let mapping = match rules.map(&source.code, &alert.labels) {
        Mapped::To(m) => m,
        Mapped::Triage(reason) => return Ok(Err(reason)),
    };
    let system = known.system(txn, &mapping.system).await?;
    Ok(match system {
        Some(s) => Ok((mapping, s)),
        None => Err(format!(
            "rule {:?}: there is no system {:?}",
            mapping.rule, mapping.system
        )),
    })
}

async fn insert(
    txn: &DatabaseTransaction,
    source: &intake_sources::Model,
    alert: &Alert,
    ticket_id: Option<i64>,
    rule: Option<&str>,
    triage_reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    alerts::ActiveModel {
        source_id: Set(source.id),
        fingerprint: Set(alert.fingerprint.clone()),
        ticket_id: Set(ticket_id),
        rule: Set(rule.map(str::to_owned)),
        status: Set(crate::db::Key(if alert.firing {
            crate::db::entities::alerts::Status::Firing
        } else {
            crate::db::entities::alerts::Status::Resolved
        })),
        labels: Set(serde_json::json!(alert.labels)),
        annotations: Set(serde_json::json!(alert.annotations)),
        starts_at: Set(alert.starts_at),
        ends_at: Set(alert.ends_at.filter(|_| !alert.firing)),
        notifications: Set(1),
        first_seen_at: Set(now),
        last_seen_at: Set(now),
        triage_reason: Set(triage_reason.map(str::to_owned)),
        triage_outcome: Set(None),
        triaged_by: Set(None),
        triaged_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Records another notification of the alert in `row`.
async fn seen(
    txn: &DatabaseTransaction,
    row: alerts::Model,
    alert: &Alert,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let notifications = row.notifications + 1;
    // An episode that ended stays ended: a firing notification for it is late or replayed.
    let resolved = !alert.firing || *row.status == crate::db::entities::alerts::Status::Resolved;
    let ends_at = if alert.firing { row.ends_at } else { alert.ends_at };
    let mut am: alerts::ActiveModel = row.into();
    am.notifications = Set(notifications);
    am.last_seen_at = Set(now);
    am.status = Set(crate::db::Key(if resolved {
        crate::db::entities::alerts::Status::Resolved
    } else {
        crate::db::entities::alerts::Status::Firing
    }));
    am.ends_at = Set(ends_at.filter(|_| resolved));
    am.annotations = Set(serde_json::json!(alert.annotations));
    am.update(txn).await?;
    Ok(())
}

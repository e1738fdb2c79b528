//! Alarm tickets: opening one for an alert (as a rule maps it, or as an admin triages it), and
//! what opsclock writes on it by itself when the alert fires again or resolves.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction};
use ticket_domain::{Command, Resolution};

use super::Alert;
use super::rules::Mapping;
use crate::app::Context;
use crate::app::audit::ClientAddr;
use crate::app::{AppError, AppResult};
use crate::db::entities::{systems, tickets};

/// How an alarm ticket is opened for an alert: as a rule maps it, or as an admin triages it.
pub struct Opening {
    /// The severity, as requests write it.
    pub severity: String,
    /// Why this severity.
    pub reason: String,
    /// The title [default: from the alert].
    pub title: Option<String>,
    /// A line added to the description.
    pub note: Option<String>,
    /// Who opens it (`None`: the monitor).
    pub reporter: Option<i64>,
    /// When it counts as received.
    pub received_at: DateTime<Utc>,
}

impl Opening {
    pub(super) fn by_rule(mapping: &Mapping, now: DateTime<Utc>) -> Opening {
        Opening {
            severity: mapping.severity.key().to_owned(),
            reason: format!("alert rule {:?}", mapping.rule),
            title: None,
            note: None,
            reporter: None,
            received_at: now,
        }
    }
}

/// Opens the alarm ticket of `alert` on `system`: its clocks start when the alert started.
pub async fn open_alarm(
    txn: &DatabaseTransaction,
    state: &Context,
    alert: &Alert,
    system: systems::Model,
    opening: Opening,
    now: DateTime<Utc>,
    from: &ClientAddr,
) -> AppResult<(tickets::Model, ticket_domain::Ticket)> {
    let mut description = description_of(alert);
    if let Some(note) = opening.note {
        description.push_str(&format!("\n{note}"));
    }
    let body = crate::app::tickets::open::CreateTicket {
        kind: "alarm".into(),
        system: system.code.clone(),
        severity: Some(opening.severity),
        severity_reason: Some(opening.reason),
        facts: None,
        title: opening.title.unwrap_or_else(|| title_of(alert)),
        description,
        // A monitor's clock may run slightly ahead; the clocks never start in the future.
        occurred_at: Some(alert.starts_at.min(now)),
        received_at: Some(opening.received_at.min(now)),
        assignee_id: None,
        duty: None,
        // A monitor does not sort: the desk does, with the categorise action.
        category: None,
    };
    let plan = crate::app::tickets::open::plan(txn, state, system, opening.reporter, body, now).await?;
    crate::app::tickets::open::open(txn, &state.calendars.snapshot(), plan, opening.reporter, now, from).await
}

/// A title from the alert's name and summary, at most 200 characters.
pub fn title_of(alert: &Alert) -> String {
    let name = alert.labels.get("alertname").filter(|s| !s.trim().is_empty());
    let summary = alert.annotations.get("summary").filter(|s| !s.trim().is_empty());
    let title = match (name, summary) {
        (Some(n), Some(s)) => format!("{n}: {s}"),
        (Some(n), None) => n.clone(),
        (None, Some(s)) => s.clone(),
        (None, None) => format!("alert {}", alert.fingerprint),
    };
    title.chars().take(200).collect()
}

fn description_of(alert: &Alert) -> String {
    let mut s = String::new();
    if let Some(d) = alert.annotations.get("description") {
        s.push_str(d);
        s.push_str("\n\n");
    }
    let labels: Vec<String> = alert.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    s.push_str(&format!(
        "labels: {}\nfingerprint: {}",
        labels.join(", "),
        alert.fingerprint
    ));
    if let Some(l) = &alert.link {
        s.push_str(&format!("\nsource: {l}"));
    }
    s
}

/// Applies the command `make` builds (given the ticket's last event time, so it is never dated
/// before it) to ticket `number`, as opsclock (no actor).
pub(super) async fn act(
    txn: &DatabaseTransaction,
    state: &Context,
    number: &str,
    now: DateTime<Utc>,
    make: impl FnOnce(DateTime<Utc>) -> Command,
) -> AppResult<()> {
    // As every ticket write does: lock first, so a person acting on it now waits for us.
    crate::app::tickets::lock(txn, tickets::Column::Number.eq(number).into()).await?;
    let loaded = crate::app::tickets::load(txn, number)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("ticket {number} is gone")))?;
    let command = make(now.max(loaded.ticket.last_event_at()));
    let system = loaded.system(txn).await?;
    let snapshot = state.calendars.snapshot();
    let calendars = crate::app::tickets::calendars::TicketCalendars::of(&snapshot, &loaded.ticket, &system)?;
    let version = loaded.row.version;
    crate::app::tickets::act(txn, &calendars, loaded, version, command, None, now, None).await?;
    Ok(())
}

/// Resolves ticket `number` because its alert ended at `ends`: acknowledging or resuming it first
/// if it needs that to be resolved.
pub(super) async fn auto_resolve(
    txn: &DatabaseTransaction,
    state: &Context,
    number: &str,
    ends: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for _ in 0..3 {
        let loaded = crate::app::tickets::load(txn, number)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("ticket {number} is gone")))?;
        let allowed = loaded.ticket.allowed();
        let occurred = loaded.ticket.occurred_at();
        if allowed.contains(&"resolve") {
            return act(txn, state, number, now, |at| Command::Resolve {
                at,
                resolution: Resolution {
                    root_cause: "监控告警已恢复 / the alert resolved".into(),
                    fix: "告警恢复，按规则自动解决 / resolved automatically by the rule's auto_resolve".into(),
                    impact_from: occurred.min(ends),
                    impact_to: ends.max(occurred).min(at),
                    follow_up: None,
                },
            })
            .await;
        } else if allowed.contains(&"acknowledge") {
            act(txn, state, number, now, |at| Command::Acknowledge { at }).await?;
        } else if allowed.contains(&"resume") {
            act(txn, state, number, now, |at| Command::Resume { at }).await?;
        } else {
            return Ok(());
        }
    }
    Ok(())
}

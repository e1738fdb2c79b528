//! Scheduled duties: recurring work (monthly inspection of a system, daily backup check,
//! quarterly drill) that opens a `request` ticket at each occurrence, due within its period, so
//! that a missed duty is a breach like any other; and quotas ("≥ 4 penetration tests a year")
//! counted over the tickets that belong to the duty.
//!
//! The schedule is a cron rule (`min hour day month weekday`, optionally with seconds first) read
//! in the zone of the system's calendar. Each occurrence is recorded in `duty_runs`, unique per
//! `(duty, occurrence)`, in the same transaction as the ticket it opens, so several servers and
//! restarts open it once. Occurrences missed while every server was down are opened when one
//! comes back, each dated at its own occurrence (so its deadline is the one it always had).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use croner::Cron;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use sla_clock::{Calendar, Severity, SlaDuration};
use ticket_domain::{Kind, NewTicket, ServiceMode, Targets};
use utoipa::ToSchema;

use crate::app::AppError;
use crate::db::entities::{duties, duty_runs, systems, tickets, users};

/// At most this many missed occurrences of one duty are opened in one pass.
const CATCH_UP: usize = 100;

/// A duty as written in a file or sent to the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DutyDoc {
    /// Stable code.
    pub code: String,
    /// What is to be done; the title of the tickets it opens.
    pub name: String,
    /// The system's code.
    pub system: String,
    /// Cron rule in the calendar's zone, e.g. `0 9 1 * *` (09:00 on the 1st of every month);
    /// without it the duty opens nothing and only counts tickets logged against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// How long each occurrence has, e.g. `5wd`, `1d`, `4h` (the ticket's repair target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Details written into each ticket.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Who does it (user name); without it the on-duty engineer at the occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// How many must be done per period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
}

/// A quota: `count` done (resolved) per `per`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// How many.
    pub count: u32,
    /// `month`, `quarter` or `year`.
    pub per: String,
}

/// Progress against a quota in the current period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuotaProgress {
    /// E.g. `2026`, `2026-Q4`, `2026-11`.
    pub period: String,
    /// Resolved in the period.
    pub done: u64,
    /// Required.
    pub required: u32,
    /// Whether `done >= required`.
    pub met: bool,
}

/// A stored duty with what the scheduler and the quota say.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DutyView {
    /// The document.
    pub duty: DutyDoc,
    /// The next occurrence to open.
    pub next_run_at: Option<DateTime<Utc>>,
    /// Tickets opened by or logged against it.
    pub tickets: u64,
    /// Quota progress, if it has a quota.
    pub quota: Option<QuotaProgress>,
}

fn cron(text: &str) -> Result<Cron, AppError> {
    text.parse::<Cron>()
        .map_err(|e| AppError::invalid("schedule", format!("{text:?} is not a cron rule: {e}")))
}

/// The first occurrence of `schedule` strictly after `after`, in `calendar`'s zone.
pub fn next_occurrence(
    schedule: &str,
    calendar: &Calendar,
    after: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let c = cron(schedule)?;
    Ok(c.find_next_occurrence(&calendar.local(after), false)
        .ok()
        .map(|t| t.with_timezone(&Utc)))
}

fn parse_doc(row: &duties::Model) -> Result<DutyDoc, AppError> {
    serde_json::from_value(row.document.clone())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("duty {} is unreadable: {e}", row.code)))
}

async fn system_of(db: &impl ConnectionTrait, code: &str) -> Result<systems::Model, AppError> {
    systems::Entity::find()
        .filter(systems::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or_else(|| AppError::invalid("system", format!("no system {code:?}")))
}

/// Checks a duty and stores it; its next occurrence is the first after `now`.
pub async fn set(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    doc: &DutyDoc,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if !crate::app::catalog::is_valid_code(&doc.code) {
        return Err(AppError::invalid(
            "code",
            "use letters, digits, '-' and '_' (at most 64)",
        ));
    }
    if doc.name.trim().is_empty() {
        return Err(AppError::invalid("name", "must not be empty"));
    }
    let system = system_of(db, &doc.system).await?;
    let calendar = super::calendar(calendars, "system", &system.calendar)?;
    if let Some(d) = &doc.due {
        d.parse::<SlaDuration>()
            .map_err(|e| AppError::invalid("due", format!("{d:?}: {e}")))?;
    }
    if let Some(q) = &doc.quota
        && (q.count == 0 || !["month", "quarter", "year"].contains(&q.per.as_str()))
    {
        return Err(AppError::invalid("quota", "count ≥ 1 per month, quarter or year"));
    }
    if doc.schedule.is_some() && doc.due.is_none() {
        return Err(AppError::invalid(
            "due",
            "a scheduled duty needs a due period, e.g. \"5wd\"",
        ));
    }
    if let Some(a) = &doc.assignee
        && users::Entity::find()
            .filter(users::Column::Username.eq(a))
            .one(db)
            .await?
            .is_none()
    {
        return Err(AppError::invalid("assignee", format!("no user {a:?}")));
    }
    crate::app::text::refuse_nul(doc)?;
    let next = match &doc.schedule {
        Some(s) => next_occurrence(s, calendar, now)?,
        None => None,
    };
    if let (Some(schedule), None) = (&doc.schedule, next) {
        return Err(AppError::invalid(
            "schedule",
            format!(
                "{schedule:?} never occurs after now (in calendar {:?}), so the duty would never open a ticket",
                system.calendar
            ),
        ));
    }
    // Each occurrence's ticket is due `due` after it, on its repair clock: countable from the next
    // occurrence in the calendar that clock counts in (the system's `clock_calendars` may put it
    // on another than the system's calendar; the counting must also be possible at the
    // occurrences after it, which the opening checks).
    if let (Some(at), Some(due)) = (next, doc.due.as_deref()) {
        let d: SlaDuration = due
            .parse()
            .map_err(|e| AppError::invalid("due", format!("{due:?}: {e}")))?;
        let repair = super::clock_calendar(calendars, "system", &system, ticket_domain::ClockName::Repair)?;
        crate::app::countable::duration(repair, at, d).map_err(|why| AppError::invalid("due", why))?;
    }
    let document = serde_json::to_value(doc).map_err(|e| AppError::Internal(e.into()))?;
    let existing = duties::Entity::find()
        .filter(duties::Column::Code.eq(&doc.code))
        .one(db)
        .await?;
    match existing {
        Some(row) if row.document == document => Ok(false),
        Some(row) => {
            let mut am = row.into_active_model();
            am.name = Set(doc.name.clone());
            am.system_id = Set(system.id);
            am.document = Set(document);
            am.next_run_at = Set(next);
            am.updated_at = Set(now);
            am.update(db).await?;
            Ok(true)
        }
        None => {
            duties::ActiveModel {
                code: Set(doc.code.clone()),
                name: Set(doc.name.clone()),
                system_id: Set(system.id),
                document: Set(document),
                next_run_at: Set(next),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            Ok(true)
        }
    }
}

/// Removes a duty (its tickets stay); whether there was one.
pub async fn remove(db: &impl ConnectionTrait, code: &str) -> Result<bool, AppError> {
    let Some(row) = duties::Entity::find()
        .filter(duties::Column::Code.eq(code))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    duty_runs::Entity::delete_many()
        .filter(duty_runs::Column::DutyId.eq(row.id))
        .exec(db)
        .await?;
    duties::Entity::delete_by_id(row.id).exec(db).await?;
    Ok(true)
}

/// The period containing `now` in `calendar`'s zone: its label and bounds.
pub fn period_of(per: &str, calendar: &Calendar, now: DateTime<Utc>) -> (String, DateTime<Utc>, DateTime<Utc>) {
    let d = calendar.local(now).date_naive();
    let (label, first, next) = match per {
        "month" => {
            let first = d.with_day(1).unwrap_or(d);
            (
                format!("{}-{:02}", d.year(), d.month()),
                first,
                first + chrono::Months::new(1),
            )
        }
        "quarter" => {
            let q = (d.month() - 1) / 3;
            let first = NaiveDate::from_ymd_opt(d.year(), q * 3 + 1, 1).unwrap_or(d);
            (
                format!("{}-Q{}", d.year(), q + 1),
                first,
                first + chrono::Months::new(3),
            )
        }
        _ => {
            let first = NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap_or(d);
            (d.year().to_string(), first, first + chrono::Months::new(12))
        }
    };
    let zone = calendar.zone();
    let at = |date: NaiveDate| {
        zone.from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map_or(now, |t| t.with_timezone(&Utc))
    };
    (label, at(first), at(next))
}

/// Every duty with its next occurrence, ticket count and quota progress at `now`.
pub async fn list(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    now: DateTime<Utc>,
) -> Result<Vec<DutyView>, AppError> {
    let mut out = Vec::new();
    for row in duties::Entity::find()
        .order_by_asc(duties::Column::Code)
        .all(db)
        .await?
    {
        // One that cannot be read is left out (and logged), not the whole list.
        let doc = match parse_doc(&row) {
            Ok(doc) => doc,
            Err(e) => {
                tracing::error!(duty = %row.code, error = %e, "duty left out of the list");
                continue;
            }
        };
        let count = tickets::Entity::find()
            .filter(tickets::Column::DutyId.eq(row.id))
            .count(db)
            .await?;
        let quota = match &doc.quota {
            None => None,
            Some(q) => {
                let system = systems::Entity::find_by_id(row.system_id).one(db).await?;
                let Some(cal) = system.as_ref().and_then(|s| calendars.get(&s.calendar)) else {
                    tracing::error!(duty = %row.code, "no calendar for the duty's system: its quota is not counted");
                    out.push(DutyView {
                        duty: doc,
                        next_run_at: row.next_run_at,
                        tickets: count,
                        quota: None,
                    });
                    continue;
                };
                let (period, from, to) = period_of(&q.per, cal, now);
                let done = tickets::Entity::find()
                    .filter(tickets::Column::DutyId.eq(row.id))
                    .filter(tickets::Column::ResolvedAt.gte(from))
                    .filter(tickets::Column::ResolvedAt.lt(to))
                    .count(db)
                    .await?;
                Some(QuotaProgress {
                    period,
                    done,
                    required: q.count,
                    met: done >= u64::from(q.count),
                })
            }
        };
        out.push(DutyView {
            duty: doc,
            next_run_at: row.next_run_at,
            tickets: count,
            quota,
        });
    }
    Ok(out)
}

/// The id of duty `code`, which must be a duty of system `system_id`.
pub async fn id_of(db: &impl ConnectionTrait, code: &str, system_id: i64) -> Result<i64, AppError> {
    let d = duties::Entity::find()
        .filter(duties::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or_else(|| AppError::invalid("duty", format!("no duty {code:?}")))?;
    if d.system_id != system_id {
        return Err(AppError::invalid(
            "duty",
            format!("duty {code:?} is for another system"),
        ));
    }
    Ok(d.id)
}

/// Opens the tickets of every occurrence due by `now`; returns the ticket numbers opened.
pub async fn run_due(
    db: &DatabaseConnection,
    calendars: &BTreeMap<String, Calendar>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    let due = duties::Entity::find()
        .filter(duties::Column::NextRunAt.lte(now))
        .order_by_asc(duties::Column::NextRunAt)
        .all(db)
        .await?;
    let mut opened = Vec::new();
    for d in due {
        for _ in 0..CATCH_UP {
            let _turn = crate::db::turn::take(db).await;
            let txn = crate::db::begin_write(db)
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            // One duty that cannot run (its calendar ran out, its system was re-configured) is
            // logged and retried next round; it does not hold up the others.
            let step = match run_one(&txn, calendars, d.id, now).await {
                Ok(step) => step,
                Err(e) => {
                    tracing::error!(duty = %d.code, error = %e, "scheduled duty failed");
                    break;
                }
            };
            txn.commit().await?;
            match step {
                Step::Opened(number) => opened.push(number),
                Step::Skipped => {}
                Step::Done => break,
            }
        }
    }
    Ok(opened)
}

enum Step {
    Opened(String),
    Skipped,
    Done,
}

/// Opens the duty's next occurrence if it is due, and moves `next_run_at` past it.
async fn run_one(
    txn: &sea_orm::DatabaseTransaction,
    calendars: &BTreeMap<String, Calendar>,
    duty_id: i64,
    now: DateTime<Utc>,
) -> Result<Step, AppError> {
    // Claim the row first (a write), so two schedulers take turns on it.
    crate::db::claim::<duties::Entity>(txn, duties::Column::UpdatedAt, duties::Column::Id.eq(duty_id)).await?;
    let Some(row) = duties::Entity::find_by_id(duty_id).one(txn).await? else {
        return Ok(Step::Done);
    };
    let Some(at) = row.next_run_at.filter(|t| *t <= now) else {
        return Ok(Step::Done);
    };
    let doc = parse_doc(&row)?;
    let system = systems::Entity::find_by_id(row.system_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("duty {}: system is gone", row.code)))?;
    let calendar = super::calendar(calendars, "system", &system.calendar)?;
    let next = match &doc.schedule {
        Some(s) => next_occurrence(s, calendar, at)?,
        None => None,
    };
    let mut am = row.clone().into_active_model();
    am.next_run_at = Set(next);
    am.update(txn).await?;
    let inserted = duty_runs::Entity::insert(duty_runs::ActiveModel {
        duty_id: Set(row.id),
        scheduled_at: Set(at),
        ticket_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([duty_runs::Column::DutyId, duty_runs::Column::ScheduledAt])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    if inserted != 1 {
        return Ok(Step::Skipped); // another server opened this occurrence
    }
    let due: SlaDuration = doc
        .due
        .as_deref()
        .unwrap_or("1d")
        .parse()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("duty {}: due: {e}", row.code)))?;
    let (assignee, assigned_by) = match &doc.assignee {
        Some(name) => (
            users::Entity::find()
                .filter(users::Column::Username.eq(name))
                .one(txn)
                .await?
                .map(|u| u.id),
            None,
        ),
        None => match super::rosters::pick_assignee(txn, calendars, &system, at).await? {
            Some(d) => (Some(d.user_id), Some(d.assigned_by())),
            None => (None, None),
        },
    };
    let service_mode: ServiceMode = system
        .service_mode
        .parse()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("system {}: {e}", system.code)))?;
    let local = calendar.local(at).format("%Y-%m-%d %H:%M");
    let new = NewTicket {
        category: None,
        kind: Kind::Request,
        severity: Severity::General,
        severity_reason: Some(format!("scheduled duty {}", doc.code)),
        title: format!("{} ({local})", doc.name),
        description: doc.description.clone(),
        occurred_at: at,
        received_at: at,
        service_mode,
        targets: Targets {
            response: None,
            arrival: None,
            repair: Some(due),
            repair_from_arrival: false,
            ..Default::default()
        },
        reporter: None,
        assignee,
        major_event: None,
        clocks_from: None,
        immediate_from_report: true,
        outside_service: false,
        calendars: None,
    };
    // Opened like every other ticket (and audited as one, by no one: the schedule opened it).
    let plan = crate::app::tickets::open::Plan {
        calendars: crate::app::tickets::calendars::system_names(&system),
        system,
        window: None,
        new,
        assigned_by,
        duty_id: Some(row.id),
        proposal: None,
        recording: None,
        start_escapes_window: false,
        targets_from: format!("定期任务 {}", doc.code),
        outside_service: None,
    };
    let (ticket, _) = crate::app::tickets::open::open(
        txn,
        calendars,
        plan,
        None,
        now,
        &crate::app::audit::ClientAddr::default(),
    )
    .await?;
    let mut am = ticket.clone().into_active_model();
    am.duty_id = Set(Some(row.id));
    am.update(txn).await?;
    duty_runs::Entity::update_many()
        .col_expr(duty_runs::Column::TicketId, sea_orm::sea_query::Expr::value(ticket.id))
        .filter(duty_runs::Column::DutyId.eq(row.id))
        .filter(duty_runs::Column::ScheduledAt.eq(at))
        .exec(txn)
        .await?;
    tracing::info!(duty = %row.code, ticket = %ticket.number, occurrence = %at, "scheduled duty opened a ticket");
    Ok(Step::Opened(ticket.number))
}

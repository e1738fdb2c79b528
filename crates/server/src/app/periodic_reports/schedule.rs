//! The reports each contract's `[[contracts.reports]]` owes, created and watched by the sweep.
//!
//! **Created once, when their period begins.** Each round adds, for each duty of each stored
//! contract, the report of the period holding now (in the duty calendar's zone): the vendor can
//! write it while the period runs, and it is due after (or, for `in = "last_month"`, within) it.
//! The first period owed is the one holding the day the sweep first sees the duty (in practice
//! the day the contract is set), and after that the one holding now: nothing is owed for periods
//! that ended before opsclock knew of them, or while no server ran, as with inspections ([`crate::app::inspections::schedule`]). Rows are unique per
//! (contract, duty, period start) and inserted with `ON CONFLICT DO NOTHING`: several servers,
//! restarts and rounds create each once.
//!
//! **Due dates.** [`sla_clock::DueRule::due`] on the duty's calendar. A working-day rule that
//! reaches past the published holidays is provisional (`due_provisional`) and computed again
//! every round until the year is published; one the calendar cannot answer at all stays without
//! a due date (and is logged) until it can.
//!
//! **Reminder and breach, each once.** `next_look_at` is when the sweep must next look: `remind_hours`
//! before the due instant (the vendor's managers are reminded), then the due instant itself. A
//! report still open then is *breached*: `breached_at` is set, once and for good (submitting later
//! does not undo it), and the vendor's managers and the bureau's managers are told. Each notice
//! has its outbox identity (`RPT-7/remind`, `RPT-7/breach`): exactly once across servers.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use contract_terms::{ReportDuty, ReportEvery};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use sla_clock::Calendar;

use crate::app::AppError;
use crate::app::catalog::file::Period;
use crate::app::escalation::Links;
use crate::app::inspections::schedule::{bounds, label, midnight};
use crate::app::reports::deductions;
use crate::db::entities::periodic_reports;

/// At most this many periods of one duty are added in one round.
const CATCH_UP: usize = 400;

/// The calendar period of a duty's `every`; `None` for the 重保 windows' periods.
pub fn period_of(every: ReportEvery) -> Option<Period> {
    Some(match every {
        ReportEvery::Day => Period::Day,
        ReportEvery::Week => Period::Week,
        ReportEvery::Month => Period::Month,
        ReportEvery::Quarter => Period::Quarter,
        ReportEvery::HalfYear => Period::HalfYear,
        ReportEvery::Year => Period::Year,
        ReportEvery::MajorEvent | ReportEvery::MajorEventDay => return None,
    })
}

/// The days of the period `[start, end)` in `calendar`'s zone: its first day and the day after
/// its last (a window closing at 18:00 on the 7th has the 8th as the day after).
pub fn days_of(calendar: &Calendar, start: DateTime<Utc>, end: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let first = calendar.local(start).date_naive();
    let last = calendar.local(end - TimeDelta::milliseconds(1)).date_naive().max(first);
    (first, last.succ_opt().unwrap_or(last))
}

/// The row of `duty`'s report over `[start, end)`, written `label`, due by its rule, owed since
/// `since` (when it is created, or for a period the sweep missed while no server ran, the
/// period's start: [`super::is_late`] judges a report owed since after its due instant never
/// late, and one the sweep merely caught up late like any other).
pub(crate) fn owed(
    contract_id: i64,
    duty: &ReportDuty,
    calendar: &Calendar,
    label: String,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    since: DateTime<Utc>,
) -> periodic_reports::ActiveModel {
    let (from, next) = days_of(calendar, start, end);
    let (due_at, provisional) = due_of(duty, calendar, from, next);
    // Nothing to remind of or breach for a report owed only once its due instant had passed.
    let look = first_look(duty.remind_hours, due_at).filter(|_| due_at.is_some_and(|d| d > since));
    periodic_reports::ActiveModel {
        contract_id: Set(contract_id),
        duty: Set(duty.code.clone()),
        name: Set(duty.name.clone()),
        every: Set(duty.every.key().to_owned()),
        period: Set(label),
        period_start: Set(start),
        period_end: Set(end),
        due_at: Set(due_at),
        due_provisional: Set(provisional),
        state: Set("open".to_owned()),
        narrative: Set(None),
        content: Set(None),
        first_submitted_at: Set(None),
        submitted_at: Set(None),
        submitted_by: Set(None),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
        returned_note: Set(None),
        breached_at: Set(None),
        next_look_at: Set(look),
        version: Set(1),
        created_at: Set(since),
        ..Default::default()
    }
}

/// The due instant of `duty`'s report on the period `[from, next)` and whether it is
/// provisional; `None` when the calendar cannot say.
pub fn due_of(
    duty: &ReportDuty,
    calendar: &Calendar,
    from: chrono::NaiveDate,
    next: chrono::NaiveDate,
) -> (Option<DateTime<Utc>>, bool) {
    match duty.due.due_date(calendar, from, next) {
        Ok(date) => match duty.due.due(calendar, from, next) {
            Ok(at) => (Some(at), duty.due.is_provisional(calendar, date)),
            Err(e) => {
                tracing::warn!(duty = %duty.code, error = %e, "no due instant for a periodic report");
                (None, false)
            }
        },
        Err(e) => {
            tracing::warn!(duty = %duty.code, error = %e, "no due date for a periodic report yet");
            (None, false)
        }
    }
}

/// When the sweep looks first at a report due at `due`: the reminder, or the due instant.
pub fn first_look(duty_remind_hours: u32, due: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    due.map(|d| d - TimeDelta::hours(i64::from(duty_remind_hours)))
}

/// What a round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Reports created.
    pub created: u64,
    /// Reminders queued.
    pub reminded: u64,
    /// Reports that became breached.
    pub breached: u64,
}

/// Creates the reports owed up to `now`, settles provisional due dates, and sends the due
/// reminders and breach notices.
pub async fn sweep(
    db: &DatabaseConnection,
    calendars: &BTreeMap<String, Calendar>,
    links: &Links,
    now: DateTime<Utc>,
) -> Result<Swept, AppError> {
    let created = create_owed(db, calendars, now).await?;
    settle(db, calendars, now).await?;
    let (reminded, breached) = look(db, links, now).await?;
    Ok(Swept {
        created,
        reminded,
        breached,
    })
}

async fn create_owed(
    db: &DatabaseConnection,
    calendars: &BTreeMap<String, Calendar>,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    // The latest period held per (contract, duty, every), withdrawn ones left out: a duty whose
    // period kind changed starts afresh.
    let held: Vec<(i64, String, String, DateTime<Utc>)> = periodic_reports::Entity::find()
        .select_only()
        .column(periodic_reports::Column::ContractId)
        .column(periodic_reports::Column::Duty)
        .column(periodic_reports::Column::Every)
        .column_as(periodic_reports::Column::PeriodStart.max(), "latest")
        .filter(periodic_reports::Column::State.ne("withdrawn"))
        .group_by(periodic_reports::Column::ContractId)
        .group_by(periodic_reports::Column::Duty)
        .group_by(periodic_reports::Column::Every)
        .into_tuple()
        .all(db)
        .await?;
    let latest: BTreeMap<(i64, String, String), DateTime<Utc>> =
        held.into_iter().map(|(c, d, e, at)| ((c, d, e), at)).collect();
    let mut rows = Vec::new();
    let mut windows = super::windows::Windows::default();
    for stored in deductions::list(db).await? {
        let contract_id = stored.id;
        for duty in &stored.contract.reports {
            let Some(calendar) = calendars.get(&duty.calendar) else {
                tracing::error!(contract = %stored.contract.code, duty = %duty.code, calendar = %duty.calendar,
                    "no such calendar: the report is not scheduled");
                continue;
            };
            let held = latest
                .get(&(contract_id, duty.code.clone(), duty.every.key().to_owned()))
                .copied();
            let Some(period) = period_of(duty.every) else {
                rows.extend(windows.owed(db, &stored, duty, calendar, now).await?);
                continue;
            };
            let today = calendar.local(now).date_naive();
            // The latest period held again (a round cut short between inserts is completed), up to
            // the one holding now; a period that ended while no server ran is not made up, as an
            // inspection's is not: nobody was reminded of it through opsclock.
            let now_from = bounds(period, today).0;
            let mut start = match held {
                Some(at) => bounds(period, calendar.local(at).date_naive()).0.max(now_from),
                None => now_from,
            };
            for _ in 0..CATCH_UP {
                if start > today {
                    break;
                }
                let (from, next) = bounds(period, start);
                let (Some(period_start), Some(period_end)) = (midnight(calendar, from), midnight(calendar, next))
                else {
                    break;
                };
                rows.push(owed(
                    contract_id,
                    duty,
                    calendar,
                    label(duty.every.key(), from),
                    (period_start, period_end),
                    now,
                ));
                start = next;
            }
        }
    }
    let created = insert(db, &rows).await?;
    revive(db, &rows, now).await?;
    Ok(created)
}

/// Inserts `rows`, each unless its (contract, duty, period start) is there already.
async fn insert(db: &DatabaseConnection, rows: &[periodic_reports::ActiveModel]) -> Result<u64, AppError> {
    let mut created = 0;
    for chunk in rows.chunks(200) {
        created += periodic_reports::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    periodic_reports::Column::ContractId,
                    periodic_reports::Column::Duty,
                    periodic_reports::Column::PeriodStart,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(created)
}

/// Opens again the withdrawn reports among `rows` (owed again: a window moved back, a duty
/// restored), with the span and due date they owe now and the text the vendor had written.
async fn revive(
    db: &DatabaseConnection,
    rows: &[periodic_reports::ActiveModel],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use sea_orm::ActiveValue;
    use sea_orm::sea_query::ExprTrait as _;
    for row in rows {
        let (ActiveValue::Set(contract_id), ActiveValue::Set(duty), ActiveValue::Set(start)) =
            (&row.contract_id, &row.duty, &row.period_start)
        else {
            continue;
        };
        let (ActiveValue::Set(end), ActiveValue::Set(due_at), ActiveValue::Set(provisional)) =
            (&row.period_end, &row.due_at, &row.due_provisional)
        else {
            continue;
        };
        let (ActiveValue::Set(every), ActiveValue::Set(name), ActiveValue::Set(label)) =
            (&row.every, &row.name, &row.period)
        else {
            continue;
        };
        let look = due_at.filter(|d| *d > now);
        // Its kind, name and label too: a duty whose period kind changed may owe a period that
        // starts where the withdrawn one of the old kind did (a week from Monday 1 June).
        periodic_reports::Entity::update_many()
            .col_expr(periodic_reports::Column::State, Expr::value("open"))
            .col_expr(periodic_reports::Column::Every, Expr::value(every.clone()))
            .col_expr(periodic_reports::Column::Name, Expr::value(name.clone()))
            .col_expr(periodic_reports::Column::Period, Expr::value(label.clone()))
            .col_expr(periodic_reports::Column::PeriodEnd, Expr::value(*end))
            .col_expr(periodic_reports::Column::DueAt, Expr::value(*due_at))
            .col_expr(periodic_reports::Column::DueProvisional, Expr::value(*provisional))
            .col_expr(periodic_reports::Column::NextLookAt, Expr::value(look))
            .col_expr(periodic_reports::Column::CreatedAt, Expr::value(now))
            .col_expr(
                periodic_reports::Column::Version,
                Expr::col(periodic_reports::Column::Version).add(1),
            )
            .filter(periodic_reports::Column::ContractId.eq(*contract_id))
            .filter(periodic_reports::Column::Duty.eq(duty.clone()))
            .filter(periodic_reports::Column::PeriodStart.eq(*start))
            .filter(periodic_reports::Column::State.eq("withdrawn"))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Brings the open reports not yet submitted nor breached in line with what they owe now:
/// a due date that was provisional or unknown is computed again (publishing a year's holidays
/// may move it); a report whose duty the contract dropped, or whose 重保 window went away, is
/// withdrawn; one whose window's end moved follows it.
async fn settle(
    db: &DatabaseConnection,
    calendars: &BTreeMap<String, Calendar>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let open = periodic_reports::Entity::find()
        .filter(periodic_reports::Column::State.eq("open"))
        .filter(periodic_reports::Column::BreachedAt.is_null())
        .filter(periodic_reports::Column::FirstSubmittedAt.is_null())
        .all(db)
        .await?;
    if open.is_empty() {
        return Ok(());
    }
    let contracts = deductions::list(db).await?;
    let mut windows = super::windows::Windows::default();
    for row in open {
        let stored = contracts.iter().find(|s| s.id == row.contract_id);
        let duty = stored.and_then(|s| s.contract.reports.iter().find(|d| d.code == row.duty));
        let (Some(stored), Some(duty)) = (stored, duty) else {
            withdraw(db, &row).await?;
            continue;
        };
        if row.every != duty.every.key() {
            // The duty now owes another kind of period: this one is no longer owed.
            withdraw(db, &row).await?;
            continue;
        }
        let span = if duty.every.is_major_event() {
            match windows.span(db, stored, duty, &row).await? {
                Some(span) => span,
                None => {
                    withdraw(db, &row).await?;
                    continue;
                }
            }
        } else {
            (row.period_start, row.period_end)
        };
        let moved = span.1 != row.period_end;
        if !(moved || row.due_provisional || row.due_at.is_none()) {
            continue;
        }
        let Some(calendar) = calendars.get(&duty.calendar) else {
            continue;
        };
        let (from, next) = days_of(calendar, span.0, span.1);
        let (due_at, provisional) = due_of(duty, calendar, from, next);
        if moved || due_at != row.due_at || provisional != row.due_provisional {
            // A due date moved into the past (a window's end brought forward after the fact) is
            // owed from now and never late, like a report owed only after its due date.
            let past = due_at.is_some_and(|d| d <= now);
            let since = if past { now.max(row.created_at) } else { row.created_at };
            let look = first_look(duty.remind_hours, due_at).filter(|_| !past);
            periodic_reports::Entity::update_many()
                .col_expr(periodic_reports::Column::CreatedAt, Expr::value(since))
                .col_expr(periodic_reports::Column::PeriodEnd, Expr::value(span.1))
                .col_expr(periodic_reports::Column::DueAt, Expr::value(due_at))
                .col_expr(periodic_reports::Column::DueProvisional, Expr::value(provisional))
                .col_expr(periodic_reports::Column::NextLookAt, Expr::value(look))
                .filter(periodic_reports::Column::Id.eq(row.id))
                .filter(periodic_reports::Column::Version.eq(row.version))
                .filter(periodic_reports::Column::State.eq("open"))
                .filter(periodic_reports::Column::BreachedAt.is_null())
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Withdraws `row` (open, never submitted, not breached): nothing more is owed of it.
async fn withdraw(db: &DatabaseConnection, row: &periodic_reports::Model) -> Result<(), AppError> {
    use sea_orm::sea_query::ExprTrait as _;
    let done = periodic_reports::Entity::update_many()
        .col_expr(periodic_reports::Column::State, Expr::value("withdrawn"))
        .col_expr(periodic_reports::Column::NextLookAt, Expr::value(None::<DateTime<Utc>>))
        .col_expr(
            periodic_reports::Column::Version,
            Expr::col(periodic_reports::Column::Version).add(1),
        )
        .filter(periodic_reports::Column::Id.eq(row.id))
        .filter(periodic_reports::Column::Version.eq(row.version))
        .filter(periodic_reports::Column::State.eq("open"))
        .filter(periodic_reports::Column::BreachedAt.is_null())
        .exec(db)
        .await?;
    if done.rows_affected == 1 {
        tracing::info!(report = %format!("RPT-{}", row.id), duty = %row.duty, "periodic report withdrawn: its duty or window went away");
    }
    Ok(())
}

/// Sends the reminders and breach notices that have fallen due; returns (reminded, breached).
async fn look(db: &DatabaseConnection, links: &Links, now: DateTime<Utc>) -> Result<(u64, u64), AppError> {
    let due: Vec<periodic_reports::Model> = periodic_reports::Entity::find()
        .filter(periodic_reports::Column::NextLookAt.lte(now))
        .order_by_asc(periodic_reports::Column::NextLookAt)
        .limit(500)
        .all(db)
        .await?;
    let (mut reminded, mut breached) = (0, 0);
    for row in due {
        let Some(due_at) = row.due_at else { continue };
        let _turn = crate::db::turn::take(db).await;
        let txn = crate::db::begin_write(db)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        // Claim the row as read: a submission or another server in between leaves it alone.
        let breach = due_at <= now && row.state == "open";
        let mut claim = periodic_reports::Entity::update_many()
            .col_expr(
                periodic_reports::Column::NextLookAt,
                Expr::value(if breach || row.state != "open" {
                    None
                } else {
                    Some(due_at)
                }),
            )
            .filter(periodic_reports::Column::Id.eq(row.id))
            .filter(periodic_reports::Column::Version.eq(row.version))
            .filter(periodic_reports::Column::NextLookAt.eq(row.next_look_at));
        if breach {
            claim = claim.col_expr(periodic_reports::Column::BreachedAt, Expr::value(Some(due_at)));
        }
        if claim.exec(&txn).await?.rows_affected != 1 || row.state != "open" {
            txn.commit().await?;
            continue;
        }
        let act = if breach { "breach" } else { "remind" };
        super::notify::notice(&txn, links, &row, act, now).await?;
        txn.commit().await?;
        if breach {
            breached += 1;
        } else {
            reminded += 1;
        }
    }
    Ok((reminded, breached))
}

//! Measuring provisional deadlines again when a calendar changes (a year's holidays added).
//!
//! A deadline that runs past a calendar's published years is counted with the weekly schedule
//! alone and stored as provisional (`clocks.provisional`). When the calendar gains that year,
//! [`remeasure`] projects every ticket with such a clock again, in one transaction:
//!
//! - each clock gets the deadline the published arrangement gives (and loses the provisional mark
//!   where the new year covers it);
//! - a ticket whose deadline moved gets a remark on its timeline saying which clock moved from when
//!   to when, and its assignee an email;
//! - one audit entry, `calendar.remeasure`, lists how many clocks were measured, which deadlines
//!   moved and which settled (none when nothing changed, so start-ups leave no noise).
//!
//! For example, a fault logged on cn-5x8 at 16:00 on Thursday 31 December 2026 with "3 个工作日内修复"
//! is due, by the weekly schedule alone, on Tuesday 5 January 2027 at 17:00 (Friday 1, Monday 4,
//! Tuesday 5). If the 2027 notice makes 1 January a holiday, adding it moves the deadline to
//! Wednesday 6 January 17:00, and the ticket, the audit log and the assignee all say so.
//!
//! Running it twice changes nothing the second time: a clock already measured with the new
//! calendar measures the same again, so several replicas that reload the same files may all run it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};
use serde::Serialize;
use sla_clock::Calendar;
use ticket_domain::{ClockName, Command};

use crate::app::AppError;
use crate::app::escalation::{Links, NewMessage, message};
use crate::db::entities::{clocks, tickets, users};

/// A clock whose deadline moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MovedDeadline {
    /// The ticket's number.
    pub ticket: String,
    /// `response`, `arrival` or `repair`.
    pub clock: String,
    /// The calendar it counts in.
    pub calendar: String,
    /// The deadline before.
    pub before: DateTime<Utc>,
    /// The deadline now.
    pub after: DateTime<Utc>,
    /// Whether it is still provisional (it runs past the calendar's published years even now).
    pub provisional: bool,
}

/// What [`remeasure`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Remeasured {
    /// Provisional clocks measured again.
    pub clocks: usize,
    /// Of those, the ones whose deadline moved.
    pub moved: Vec<MovedDeadline>,
    /// Of those, the ones that were provisional and are final now.
    pub settled: usize,
    /// Tickets that could not be measured (their calendar cannot answer); left as they were.
    pub failed: Vec<String>,
}

/// Which clocks of a calendar to measure again: the provisional ones, and, when the calendar
/// changed inside its published years, every one whose deadline is on or after the first changed
/// day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    /// The calendar's name.
    pub calendar: String,
    /// The start of the first changed published day, if any.
    pub changed_from: Option<DateTime<Utc>>,
}

impl Affected {
    fn condition(&self) -> sea_orm::Condition {
        let mut any = sea_orm::Condition::any().add(clocks::Column::Provisional.eq(true));
        if let Some(from) = self.changed_from {
            any = any.add(clocks::Column::Deadline.gte(from));
        }
        sea_orm::Condition::all()
            .add(clocks::Column::Calendar.eq(self.calendar.as_str()))
            .add(any)
    }

    fn covers(&self, c: &clocks::Model) -> bool {
        c.calendar == self.calendar
            && (c.provisional
                || self
                    .changed_from
                    .is_some_and(|from| c.deadline.is_some_and(|d| d >= from)))
    }
}

/// Measures again the clocks `affected` names, with `calendars` as they are now, in one
/// transaction (see the module documentation). `actor` is the admin who asked (`None` for a
/// signal, start-up or a replica following another). A ticket that cannot be measured (its
/// calendar cannot answer) is left as it was and logged; the others go on.
pub async fn remeasure(
    db: &DatabaseConnection,
    calendars: &BTreeMap<String, Calendar>,
    affected: &[Affected],
    links: &Links,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Remeasured, AppError> {
    let mut out = Remeasured::default();
    if affected.is_empty() {
        return Ok(out);
    }
    let txn = crate::db::begin_write(db)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let scope = affected
        .iter()
        .fold(sea_orm::Condition::any(), |c, a| c.add(a.condition()));
    let ticket_ids: Vec<i64> = clocks::Entity::find()
        .select_only()
        .column(clocks::Column::TicketId)
        .filter(scope)
        .distinct()
        .order_by_asc(clocks::Column::TicketId)
        .into_tuple()
        .all(&txn)
        .await?;
    for ticket_id in ticket_ids {
        // Lock before reading the clocks, in id order: another replica re-measuring at the same
        // time waits here and then finds them measured already, and nothing is noted twice.
        crate::app::tickets::lock(&txn, sea_orm::Condition::all().add(tickets::Column::Id.eq(ticket_id))).await?;
        let Some(row) = tickets::Entity::find_by_id(ticket_id).one(&txn).await? else {
            continue;
        };
        let before = clock_rows(&txn, ticket_id).await?;
        // A savepoint per ticket: one that cannot be measured is rolled back alone.
        let one = txn.begin().await?;
        if let Err(e) = crate::app::tickets::refresh(&one, calendars, &row.number, now).await {
            one.rollback().await?;
            tracing::error!(ticket = %row.number, error = %e.detail(), "cannot measure the ticket's deadlines again");
            out.failed.push(row.number.clone());
            continue;
        }
        one.commit().await?;
        let after = clock_rows(&txn, ticket_id).await?;
        let mut moved_here = Vec::new();
        for b in before.iter().filter(|b| affected.iter().any(|a| a.covers(b))) {
            out.clocks += 1;
            let Some(a) = after.iter().find(|a| a.name == b.name) else {
                continue;
            };
            if b.provisional && !a.provisional {
                out.settled += 1;
            }
            if let (Some(from), Some(to)) = (b.deadline, a.deadline)
                && from != to
            {
                moved_here.push(MovedDeadline {
                    ticket: row.number.clone(),
                    clock: b.name.clone(),
                    calendar: b.calendar.clone(),
                    before: from,
                    after: to,
                    provisional: a.provisional,
                });
            }
        }
        if moved_here.is_empty() {
            continue;
        }
        let calendar = calendars.get(&moved_here[0].calendar);
        remark(&txn, calendars, calendar, &row.number, &moved_here, now).await?;
        notify(&txn, links, calendar, &row, &moved_here, now).await?;
        out.moved.extend(moved_here);
    }
    // Only what changed is recorded: a reload or a start-up that finds nothing to move (next
    // year still unpublished) leaves no entry each time.
    if !out.moved.is_empty() || out.settled > 0 || !out.failed.is_empty() {
        let names: Vec<&str> = affected.iter().map(|a| a.calendar.as_str()).collect();
        crate::app::audit::record(
            &txn,
            actor,
            "calendar.remeasure",
            &names.join(","),
            serde_json::json!({"clocks": out.clocks, "settled": out.settled, "moved": out.moved, "failed": out.failed}),
            &crate::app::audit::ClientAddr(None),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(out)
}

async fn clock_rows(txn: &sea_orm::DatabaseTransaction, ticket_id: i64) -> Result<Vec<clocks::Model>, AppError> {
    Ok(clocks::Entity::find()
        .filter(clocks::Column::TicketId.eq(ticket_id))
        .all(txn)
        .await?)
}

/// `修复 2027-01-05 17:00 → 2027-01-06 17:00` for each moved clock, in the calendar's zone.
fn moves_zh(calendar: Option<&Calendar>, moved: &[MovedDeadline]) -> String {
    moves(calendar, moved, true)
}

/// The moves in Chinese (`zh`) or English.
fn moves(calendar: Option<&Calendar>, moved: &[MovedDeadline], zh: bool) -> String {
    let local = |t: DateTime<Utc>| match calendar {
        Some(c) => c.local(t).format("%Y-%m-%d %H:%M").to_string(),
        None => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    };
    moved
        .iter()
        .map(|m| {
            let name = match m.clock.parse::<ClockName>() {
                Ok(c) if zh => c.label_zh(),
                _ => m.clock.as_str(),
            };
            let still = match (m.provisional, zh) {
                (false, _) => "",
                (true, true) => "（仍为暂定）",
                (true, false) => " (still provisional)",
            };
            format!("{name} {} → {}{still}", local(m.before), local(m.after))
        })
        .collect::<Vec<_>>()
        .join(if zh { "；" } else { "; " })
}

/// The remark on the ticket's timeline.
async fn remark(
    txn: &sea_orm::DatabaseTransaction,
    calendars: &BTreeMap<String, Calendar>,
    calendar: Option<&Calendar>,
    number: &str,
    moved: &[MovedDeadline],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(calendar) = calendar else {
        return Ok(());
    };
    let Some(loaded) = crate::app::tickets::load(txn, number).await? else {
        return Ok(());
    };
    let text = format!(
        "日历 {} 的节假日安排已更新，截止时间已重新计算：{}",
        calendar.name(),
        moves_zh(Some(calendar), moved)
    );
    let system = loaded.system(txn).await?;
    let measured = super::calendars::TicketCalendars::of(calendars, &loaded.ticket, &system)?;
    let version = loaded.row.version;
    let at = now.max(loaded.ticket.last_event_at());
    match crate::app::tickets::act(
        txn,
        &measured,
        loaded,
        version,
        Command::Comment { at, text },
        None,
        now,
        None,
    )
    .await
    {
        // A finished ticket takes no remarks; the audit entry still lists the move.
        Ok(_) | Err(AppError::InvalidTransition { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Emails the assignee (if any, with an address) that the deadlines moved, once per move.
async fn notify(
    txn: &sea_orm::DatabaseTransaction,
    links: &Links,
    calendar: Option<&Calendar>,
    row: &tickets::Model,
    moved: &[MovedDeadline],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(assignee) = row.assignee_id else {
        return Ok(());
    };
    let Some(email) = users::Entity::find_by_id(assignee)
        .one(txn)
        .await?
        .and_then(|u| u.email.filter(|e| !e.trim().is_empty()))
    else {
        return Ok(());
    };
    let moves = moves_zh(calendar, moved);
    let moves_en = self::moves(calendar, moved, false);
    let key = format!(
        "remeasure/{}/{}",
        row.number,
        moved
            .iter()
            .map(|m| format!("{}-{}", m.clock, m.after.timestamp()))
            .collect::<Vec<_>>()
            .join("/")
    );
    let subject = format!("[opsclock] {} 截止时间已按新的节假日安排调整", row.number);
    let page = links.page(&row.number);
    let text = format!(
        "工单 {} 《{}》的截止时间已按新发布的节假日安排重新计算：\n{moves}\n\n请按新的截止时间处理：{page}\n",
        row.number, row.title
    );
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"></head><body>\
         <p>工单 <b>{}</b>《{}》的截止时间已按新发布的节假日安排重新计算：</p><p>{}</p>\
         <p><a href=\"{}\">查看工单</a></p></body></html>",
        message::escape(&row.number),
        message::escape(&row.title),
        message::escape(&moves),
        message::escape(&page)
    );
    crate::app::escalation::enqueue(
        txn,
        links,
        NewMessage {
            key,
            kind: "remeasure",
            step: None,
            due_at: now,
            recipients: vec![email],
            note: None,
            mail: message::Rendered {
                subject,
                text,
                html,
                english: Some(message::EnglishCopy {
                    text: format!(
                        "The deadlines of ticket {} \"{}\" were measured again with the newly published holidays:\n{moves_en}\n\nPlease work to the new deadlines: {page}\n",
                        row.number, row.title
                    ),
                    html: format!(
                        "<p>The deadlines of ticket <b>{}</b> \"{}\" were measured again with the newly published holidays:</p>\
                         <p>{}</p><p><a href=\"{}\">Open the ticket</a></p>",
                        message::escape(&row.number),
                        message::escape(&row.title),
                        message::escape(&moves_en),
                        message::escape(&page)
                    ),
                }),
            },
            thread_id: Some(links.thread_id(&row.number)),
            attachments: Vec::new(),
        },
        now,
    )
    .await?;
    Ok(())
}

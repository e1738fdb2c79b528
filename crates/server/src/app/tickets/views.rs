//! What a reader sees of a ticket: its row, its clocks evaluated now, what it allows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use sla_clock::{Calendar, Clock, Severity};
use ticket_domain::{ClockName, ServiceMode};
use utoipa::ToSchema;

use super::parse;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{clocks, systems, tickets};

/// A clock, evaluated when the answer was made.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    /// `response`, `arrival` or `repair`.
    pub name: String,
    /// running, paused, met, breached-running, breached-met or cancelled.
    pub state: String,
    /// Whether the deadline has passed (or passed before the clock stopped).
    pub breached: bool,
    /// The target in force (e.g. `4h`, `3wd`).
    pub target: String,
    /// Every target it has had, oldest first (re-grading keeps the history).
    pub targets: Vec<String>,
    /// The calendar it counts in.
    pub calendar: String,
    /// The deadline (for a paused clock: if it resumed now).
    pub deadline: DateTime<Utc>,
    /// Working time left, seconds.
    pub remaining_seconds: i64,
    /// Working time past the deadline, seconds.
    pub overdue_seconds: i64,
    /// Working time paused, seconds.
    pub paused_seconds: i64,
    /// Share of the budget used (1.0 = all).
    pub share_used: f64,
    /// When (if it keeps running) it has used half its budget, as the escalation ladder counts
    /// working time; absent for clocks that are paused or stopped short of it.
    pub at_50: Option<DateTime<Utc>>,
    /// The same for 80 %.
    pub at_80: Option<DateTime<Utc>>,
    /// Whether the deadline rests on days whose holidays are not published yet (counted with the
    /// calendar's weekly schedule alone). It is escalated on as it stands and measured again when
    /// the year is added to the calendar.
    pub provisional: bool,
    /// Why the deadline is provisional, when it is.
    pub provisional_reason: Option<String>,
}

/// A ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketView {
    /// Human-friendly number, e.g. `INC-2026-000123`.
    pub number: String,
    /// fault, request, security or alarm.
    pub kind: String,
    /// The status.
    pub status: String,
    /// urgent, serious, general or minor.
    pub severity: String,
    /// 紧急, 严重, 一般 or 轻微.
    pub severity_zh: String,
    /// One-line summary.
    pub title: String,
    /// Details.
    pub description: String,
    /// The system's id.
    pub system_id: i64,
    /// The reporter's user id.
    pub reporter_id: Option<i64>,
    /// The assignee's user id.
    pub assignee_id: Option<i64>,
    /// Send this back with every action (optimistic concurrency).
    pub version: i64,
    /// When the problem began.
    pub occurred_at: DateTime<Utc>,
    /// When it was logged.
    pub received_at: DateTime<Utc>,
    /// First acknowledgement.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// First arrival on site.
    pub on_site_at: Option<DateTime<Utc>>,
    /// Resolution (cleared on reopen).
    pub resolved_at: Option<DateTime<Utc>>,
    /// Closure (cleared on reopen).
    pub closed_at: Option<DateTime<Utc>>,
    /// The clocks, evaluated now.
    pub clocks: Vec<ClockView>,
    /// Actions allowed now (for the ticket's state; your role may allow fewer).
    pub allowed: Vec<String>,
    /// Every event, oldest first (only when reading one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<TimelineEntry>>,
    /// The escalation emails queued for the ticket, by when they fell due (only when reading
    /// one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalations: Option<Vec<EscalationEntry>>,
    /// The major-event window (重保) the ticket was opened under, and what it changed (only when
    /// reading one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub major_event: Option<MajorEventView>,
    /// The scheduled duty it belongs to (only when reading one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duty: Option<String>,
    /// The claims and requests between the two parties, with their decisions: actions dated
    /// earlier than recorded, pauses the buyer must confirm, downgrades and cancellations that
    /// would clear a breach (only when reading one ticket, and after an action).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<Vec<super::evidence::ClaimView>>,
    /// The impact grade after the event (事后定级), apart from `severity`, which sets the
    /// deadlines; graded with the `grade_impact` action (only when reading one ticket, and after
    /// an action).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    /// The contract's category (分类) it is sorted into, by code (see the system's policy's
    /// `categories`); absent while unsorted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The problem record (问题单) it belongs to, as one of a recurring class of fault on its
    /// system (only when reading one ticket, and after opening or sorting it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// When the clocks start, if not at the stated start: the buyer opened it with a start
    /// earlier than recorded, and the vendor has not accepted it yet (only when reading one
    /// ticket, and after an action).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clocks_from: Option<DateTime<Utc>>,
    /// The files attached, oldest first, without their bytes (only when reading one ticket):
    /// `GET /tickets/{number}/attachments/{id}` downloads one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<crate::app::attachments::AttachmentView>>,
    /// The devices (一机一档) it names, by code (only when reading one ticket):
    /// `PUT /tickets/{number}/devices` names them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<crate::app::devices::tickets::DeviceRef>>,
}

/// Why a ticket's targets are a major-event window's.
#[derive(Debug, Serialize, ToSchema)]
pub struct MajorEventView {
    /// The window's code.
    pub code: String,
    /// The window's name.
    pub name: String,
    /// The calendar its clocks count in.
    pub calendar: String,
    /// What the window changed, clock by clock.
    pub reason: String,
}

/// A message about a ticket: an escalation email (one ladder step of one clock), an event
/// notice by email or SMS, a webhook post. Who was told what, when, and whether it arrived.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationEntry {
    /// `response`, `arrival` or `repair`.
    pub clock: String,
    /// The ladder step.
    pub step: String,
    /// 0, or the reminder's number after the breach.
    pub repeat: i32,
    /// When the step fell due.
    pub due_at: DateTime<Utc>,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    /// Who it goes to.
    pub recipients: Vec<String>,
    /// When the mail server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// True for the English copy of a step, sent to the readers who asked for it (the step's
    /// Chinese message is another entry).
    pub english_copy: bool,
    /// `escalation` (a ladder step), `notice` (an event notice: `step` is the event, `opened`,
    /// `regraded`, `resolved` or `reopened`), `webhook`, or another kind of message.
    pub kind: String,
    /// `email`, `sms` or `webhook`.
    pub channel: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// When the next attempt may be made (a notice held back by quiet hours waits until then).
    pub next_attempt_at: DateTime<Utc>,
    /// The last delivery error, if the last attempt failed.
    pub last_error: Option<String>,
    /// What the sender noticed (roles nobody holds, quiet hours).
    pub note: Option<String>,
}

/// One event of a ticket's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    /// 1, 2, 3, … (the ticket's version after it).
    pub seq: i32,
    /// When it counts (for an action dated earlier than recorded and not yet approved: when it
    /// was recorded; the claimed instant is in the `claimed` entry that follows it).
    pub at: DateTime<Utc>,
    /// When the server recorded it (absent on entries older than this field).
    pub recorded_at: Option<DateTime<Utc>>,
    /// Who did it.
    pub actor: Option<String>,
    /// The event type (`opened`, `acknowledged`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The event as stored.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A page of tickets.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketPage {
    /// The tickets, newest first.
    pub items: Vec<TicketView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

pub(crate) fn clock_view(row: &clocks::Model, calendar: &Calendar, now: DateTime<Utc>) -> Result<ClockView, AppError> {
    let clock: Clock = serde_json::from_value(row.events.clone())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("clock {}: {e}", row.id)))?;
    let read_at = crate::app::escalation::read_at(&clock, now);
    let s = clock
        .status(calendar, read_at)
        .map_err(|e| AppError::Internal(e.into()))?;
    let share_at = |percent| {
        clock
            .share_reached_at(calendar, read_at, percent)
            .map_err(|e| AppError::Internal(e.into()))
    };
    Ok(ClockView {
        name: row.name.clone(),
        state: s.state.to_string(),
        breached: s.breached,
        target: s.target.to_string(),
        targets: clock.targets().iter().map(|(_, t)| t.to_string()).collect(),
        calendar: row.calendar.clone(),
        deadline: s.deadline,
        remaining_seconds: s.remaining.num_seconds(),
        overdue_seconds: s.overdue.num_seconds(),
        paused_seconds: s.paused.num_seconds(),
        share_used: s.share_used,
        at_50: share_at(50)?,
        at_80: share_at(80)?,
        provisional: s.provisional,
        provisional_reason: s.provisional.then(|| sla_clock::period::provisional_note(calendar)),
    })
}

/// The clock rows of `ticket_ids`, by ticket, each ticket's in the order response, arrival, repair.
pub(crate) async fn clock_rows(
    db: &impl ConnectionTrait,
    ticket_ids: Vec<i64>,
) -> AppResult<HashMap<i64, Vec<clocks::Model>>> {
    let mut by_ticket: HashMap<i64, Vec<clocks::Model>> = HashMap::new();
    for c in clocks::Entity::find()
        .filter(clocks::Column::TicketId.is_in(ticket_ids))
        .all(db)
        .await?
    {
        by_ticket.entry(c.ticket_id).or_default().push(c);
    }
    for rows in by_ticket.values_mut() {
        rows.sort_by_key(|c| ClockName::ALL.iter().position(|n| n.key() == c.name));
    }
    Ok(by_ticket)
}

pub(crate) async fn view(
    db: &impl ConnectionTrait,
    ctx: &Context,
    row: tickets::Model,
    now: DateTime<Utc>,
    allowed: Vec<String>,
    timeline: Option<Vec<TimelineEntry>>,
) -> AppResult<TicketView> {
    let clock_rows = clock_rows(db, vec![row.id]).await?.remove(&row.id).unwrap_or_default();
    view_with_clocks(ctx, row, &clock_rows, now, allowed, timeline)
}

pub(crate) fn view_with_clocks(
    ctx: &Context,
    row: tickets::Model,
    clock_rows: &[clocks::Model],
    now: DateTime<Utc>,
    allowed: Vec<String>,
    timeline: Option<Vec<TimelineEntry>>,
) -> AppResult<TicketView> {
    let mut views = Vec::new();
    for c in clock_rows {
        let calendar = ctx.calendar(&c.calendar)?;
        views.push(clock_view(c, &calendar, now)?);
    }
    let severity: Severity = *row.severity;
    Ok(TicketView {
        number: row.number,
        kind: row.kind.to_string(),
        status: row.status.to_string(),
        severity: row.severity.to_string(),
        severity_zh: severity.label_zh().to_owned(),
        title: row.title,
        description: row.description,
        system_id: row.system_id,
        reporter_id: row.reporter_id,
        assignee_id: row.assignee_id,
        version: row.version,
        occurred_at: row.occurred_at,
        received_at: row.received_at,
        acknowledged_at: row.acknowledged_at,
        on_site_at: row.on_site_at,
        resolved_at: row.resolved_at,
        closed_at: row.closed_at,
        clocks: views,
        allowed,
        timeline,
        escalations: None,
        major_event: None,
        duty: None,
        claims: None,
        impact: None,
        category: row.category,
        problem: None,
        clocks_from: None,
        attachments: None,
        devices: None,
    })
}

/// The views of ticket rows, as listed (no timeline): two queries for all of them, the clocks
/// and the service modes of their systems.
pub(crate) async fn views_of(
    ctx: &Context,
    rows: Vec<tickets::Model>,
    now: DateTime<Utc>,
) -> AppResult<Vec<TicketView>> {
    let mut clocks_of = clock_rows(&ctx.db, rows.iter().map(|r| r.id).collect()).await?;
    let ids: std::collections::BTreeSet<i64> = rows.iter().map(|r| r.system_id).collect();
    let systems = if crate::app::cache::in_reading() {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            found.extend(crate::app::scope::system_by_id(&ctx.db, id).await?);
        }
        found
    } else {
        systems::Entity::find()
            .filter(systems::Column::Id.is_in(ids))
            .all(&ctx.db)
            .await?
    };
    let on_site: HashMap<i64, bool> = systems
        .into_iter()
        .map(|s| {
            Ok((
                s.id,
                parse::<ServiceMode>("service_mode", &s.service_mode)?.has_on_site(),
            ))
        })
        .collect::<AppResult<_>>()?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let status = *r.status;
        let served_on_site = on_site.get(&r.system_id).copied().unwrap_or(false);
        let allowed = ticket_domain::allowed_actions(status, served_on_site && r.on_site_at.is_none())
            .iter()
            .map(|s| s.to_string())
            .chain(annotations(status))
            .collect();
        let clocks = clocks_of.remove(&r.id).unwrap_or_default();
        items.push(view_with_clocks(ctx, r, &clocks, now, allowed, None)?);
    }
    Ok(items)
}

/// The actions `ticket` allows now, as the API lists them: the lifecycle's, then grading the
/// impact and correcting (always), contesting (once cancelled), and approve and reject while a
/// claim or request waits (who may decide it is the other party's; see [`super::evidence`]).
pub(crate) fn allowed_of(ticket: &ticket_domain::Ticket) -> Vec<String> {
    let mut allowed: Vec<String> = ticket.allowed().iter().map(|s| s.to_string()).collect();
    allowed.extend(annotations(ticket.status()));
    // One contest stands for a voiding (the assessment settles it).
    if ticket
        .events()
        .iter()
        .any(|e| matches!(e, ticket_domain::Event::Contested { .. }))
    {
        allowed.retain(|a| a != "contest");
    }
    if !ticket.pending().is_empty() {
        allowed.extend(["approve".to_owned(), "reject".to_owned()]);
    }
    allowed
}

/// The actions outside the lifecycle a ticket in `status` allows.
fn annotations(status: ticket_domain::Status) -> impl Iterator<Item = String> {
    let contest = (status == ticket_domain::Status::Cancelled).then_some("contest");
    ["grade_impact", "correct", "categorise"]
        .into_iter()
        .chain(contest)
        .map(str::to_owned)
}

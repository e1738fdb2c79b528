//! Tickets: open, list, read (with clocks and timeline), act.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Deserializer, Serialize};
use sla_clock::{Calendar, Clock, Facts, Severity};
use ticket_domain::{CancelReason, ClockName, Command, Kind, NewTicket, PauseReason, Policy, Resolution, ServiceMode};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::catalog::{can_see_system, system_in_scope, visible_system_ids};
use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::db::entities::{clocks, outbox, policies, systems, ticket_events, tickets, users};

/// How far in the future a client-given instant may be (clock skew).
const FUTURE_SLACK: TimeDelta = TimeDelta::minutes(2);

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

/// An escalation email of a ticket: one ladder step of one clock.
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
}

/// One event of a ticket's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    /// 1, 2, 3, … (the ticket's version after it).
    pub seq: i32,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: Option<String>,
    /// The event type (`opened`, `acknowledged`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The event as stored.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// Facts for the severity classifier.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactsBody {
    /// `down`, `degraded` or `fine`.
    #[schema(value_type = String)]
    pub core_function: sla_clock::CoreFunction,
    /// A workaround exists.
    #[serde(default)]
    pub workaround: bool,
    /// `none`, `some` or `many`.
    #[serde(default)]
    #[schema(value_type = String)]
    pub users_affected: sla_clock::UsersAffected,
    /// A security incident.
    #[serde(default)]
    pub security_incident: bool,
    /// A major-event window (重保) is in force.
    #[serde(default)]
    pub major_event_window: bool,
}

/// A new ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTicket {
    /// fault, request, security or alarm.
    pub kind: String,
    /// The system's code.
    pub system: String,
    /// urgent, serious, general, minor (or 紧急, 严重, 一般, 轻微); omit to classify from `facts`.
    pub severity: Option<String>,
    /// Why this severity.
    pub severity_reason: Option<String>,
    /// Facts for the classifier, when `severity` is omitted.
    pub facts: Option<FactsBody>,
    /// One-line summary (≤ 200 characters).
    pub title: String,
    /// Details.
    #[serde(default)]
    pub description: String,
    /// When the problem began [default: received_at].
    pub occurred_at: Option<DateTime<Utc>>,
    /// When it was reported [default: now].
    pub received_at: Option<DateTime<Utc>>,
    /// Who works on it [default: the system's on-duty engineer by the duty rosters, if any].
    pub assignee_id: Option<i64>,
    /// The code of the scheduled duty it counts towards (e.g. a penetration test for a quota).
    pub duty: Option<String>,
}

fn double_option<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The body of every action; which fields apply depends on the action.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// The ticket's version as read (required).
    pub version: i64,
    /// When it happened [default: now]; not before the ticket's last event, not in the future.
    pub at: Option<DateTime<Utc>>,
    /// pause: awaiting_reporter | third_party | buyer_window; cancel: duplicate | withdrawn;
    /// regrade, reopen: free text (required).
    pub reason: Option<String>,
    /// pause, close, cancel: remarks.
    pub note: Option<String>,
    /// regrade: the new severity.
    pub severity: Option<String>,
    /// resolve: root cause (required).
    pub root_cause: Option<String>,
    /// resolve: what was done (required).
    pub fix: Option<String>,
    /// resolve: when the impact began [default: occurred_at].
    pub impact_from: Option<DateTime<Utc>>,
    /// resolve: when the impact ended [default: at].
    pub impact_to: Option<DateTime<Utc>>,
    /// close: satisfaction 1–5.
    pub satisfaction: Option<u8>,
    /// assign: the user id, or null to unassign (required).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    /// comment: the text (required).
    pub text: Option<String>,
}

/// Filters and paging for the ticket list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Status.
    pub status: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Severity.
    pub severity: Option<String>,
    /// System code.
    pub system: Option<String>,
    /// Unit id.
    pub unit: Option<i64>,
    /// Vendor id.
    pub vendor: Option<i64>,
    /// Assignee user id.
    pub assignee: Option<i64>,
    /// Only tickets with (or without) a breached clock, as of now.
    pub breached: Option<bool>,
    /// Only tickets with a running clock due before this instant.
    pub due_before: Option<DateTime<Utc>>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 [default 50].
    pub limit: Option<u64>,
}

/// A page of tickets.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketPage {
    /// The tickets, newest first.
    pub items: Vec<TicketView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn parse<T: std::str::FromStr>(field: &str, v: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    v.parse().map_err(|e: T::Err| ApiError::invalid(field, e.to_string()))
}

fn clock_view(row: &clocks::Model, calendar: &Calendar, now: DateTime<Utc>) -> Result<ClockView, ApiError> {
    let clock: Clock = serde_json::from_value(row.events.clone())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("clock {}: {e}", row.id)))?;
    let read_at = crate::app::escalation::read_at(&clock, now);
    let s = clock
        .status(calendar, read_at)
        .map_err(|e| ApiError::Internal(e.into()))?;
    let share_at = |percent| {
        clock
            .share_reached_at(calendar, read_at, percent)
            .map_err(|e| ApiError::Internal(e.into()))
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
async fn clock_rows(db: &impl ConnectionTrait, ticket_ids: Vec<i64>) -> ApiResult<HashMap<i64, Vec<clocks::Model>>> {
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
    state: &AppState,
    row: tickets::Model,
    now: DateTime<Utc>,
    allowed: Vec<String>,
    timeline: Option<Vec<TimelineEntry>>,
) -> ApiResult<TicketView> {
    let clock_rows = clock_rows(db, vec![row.id]).await?.remove(&row.id).unwrap_or_default();
    view_with_clocks(state, row, &clock_rows, now, allowed, timeline)
}

fn view_with_clocks(
    state: &AppState,
    row: tickets::Model,
    clock_rows: &[clocks::Model],
    now: DateTime<Utc>,
    allowed: Vec<String>,
    timeline: Option<Vec<TimelineEntry>>,
) -> ApiResult<TicketView> {
    let mut views = Vec::new();
    for c in clock_rows {
        let calendar = state.calendar(&c.calendar)?;
        views.push(clock_view(c, &calendar, now)?);
    }
    let severity: Severity = parse("severity", &row.severity)?;
    Ok(TicketView {
        number: row.number,
        kind: row.kind,
        status: row.status,
        severity: row.severity,
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
    })
}

async fn policy_row(db: &impl ConnectionTrait, system: &systems::Model) -> ApiResult<policies::Model> {
    policies::Entity::find_by_id(system.policy_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("system {} has no policy", system.code)))
}

fn policy_targets(p: &policies::Model) -> ApiResult<Policy> {
    serde_json::from_value(p.targets.clone()).map_err(|e| ApiError::Internal(anyhow::anyhow!("policy {}: {e}", p.code)))
}

/// What the classifier proposes from the facts given (with the major-event fact set when a
/// window covers the system).
fn proposal_of(body: &CreateTicket, in_window: bool) -> Option<sla_clock::Classification> {
    body.facts.as_ref().map(|f| {
        sla_clock::classify(&Facts {
            core_function: f.core_function,
            workaround: f.workaround,
            users_affected: f.users_affected,
            security_incident: f.security_incident,
            major_event_window: f.major_event_window || in_window,
        })
    })
}

/// The severity of a new ticket and why: stated, or proposed by the classifier, or both,
/// recorded.
fn severity_of(
    body: &CreateTicket,
    proposal: Option<&sla_clock::Classification>,
) -> ApiResult<(Severity, Option<String>)> {
    Ok(match (&body.severity, proposal) {
        (Some(s), None) => (parse::<Severity>("severity", s)?, body.severity_reason.clone()),
        (Some(s), Some(c)) => {
            let stated = parse::<Severity>("severity", s)?;
            let why = body.severity_reason.as_deref().unwrap_or("stated");
            let reason = if stated == c.severity {
                format!("{why}; the classifier agrees: {} / {}", c.reason_zh, c.reason_en)
            } else {
                format!(
                    "{why}; overrides the classifier's {} ({} / {})",
                    c.severity.key(),
                    c.reason_zh,
                    c.reason_en
                )
            };
            (stated, Some(reason))
        }
        (None, Some(c)) => (c.severity, Some(format!("{} / {}", c.reason_zh, c.reason_en))),
        (None, None) => return Err(ApiError::invalid("severity", "give a severity, or facts to classify")),
    })
}

async fn check_user(db: &impl ConnectionTrait, field: &str, id: i64) -> ApiResult<()> {
    match users::Entity::find_by_id(id).one(db).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::invalid(field, format!("no user {id}"))),
    }
}

/// What opening a ticket would do: the system, the window it falls under, the ticket as the
/// domain would open it, who gets it and why. Shared by [`create_ticket`] and [`preview_ticket`],
/// so that the preview shows exactly what submitting creates.
pub(crate) struct Plan {
    system: systems::Model,
    window: Option<crate::app::duty::windows::Loaded>,
    new: NewTicket,
    /// The calendar the clocks count in (the window's, under a major event).
    calendar: String,
    /// How the assignee was chosen, when the rosters chose.
    assigned_by: Option<String>,
    duty_id: Option<i64>,
    /// What the classifier proposed, when facts were given.
    proposal: Option<sla_clock::Classification>,
}

/// `system` is the one `body` names, already checked against the reader's scope; `reporter` who
/// reports it (`None`: a monitor).
pub(crate) async fn plan(
    txn: &impl ConnectionTrait,
    state: &AppState,
    system: systems::Model,
    reporter: Option<i64>,
    body: CreateTicket,
    now: DateTime<Utc>,
) -> ApiResult<Plan> {
    let kind: Kind = parse("kind", &body.kind)?;
    let received_at = body.received_at.unwrap_or(now);
    if received_at > now + FUTURE_SLACK {
        return Err(ApiError::invalid("received_at", "is in the future"));
    }
    let occurred_at = body.occurred_at.unwrap_or(received_at);
    let clocks_start = if kind.clocks_start_at_occurrence() {
        occurred_at
    } else {
        received_at
    };
    if let Some(a) = body.assignee_id {
        check_user(txn, "assignee_id", a).await?;
    }
    let window = crate::app::duty::windows::covering(txn, &system, clocks_start).await?;
    let proposal = proposal_of(&body, window.is_some());
    let (severity, severity_reason) = severity_of(&body, proposal.as_ref())?;
    let service_mode: ServiceMode = parse("service_mode", &system.service_mode)?;
    let policy = policy_row(txn, &system).await?;
    let usual = policy_targets(&policy)?.targets(kind, severity);
    let (targets, major_event) = match &window {
        Some(w) => {
            match crate::app::duty::windows::apply(w, &state.calendars.snapshot(), &policy, kind, usual, clocks_start)?
            {
                Some((t, r)) => (t, Some(r)),
                None => (usual, None),
            }
        }
        None => (usual, None),
    };
    let calendar = major_event.as_ref().map_or(&system.calendar, |m| &m.calendar).clone();
    state.calendar(&calendar)?;
    // Nobody named: the system's on-duty engineer by its vendors' rosters.
    let (assignee, assigned_by) = match body.assignee_id {
        Some(a) => (Some(a), None),
        None => {
            match crate::app::duty::rosters::pick_assignee(txn, &state.calendars.snapshot(), &system, received_at)
                .await?
            {
                Some(d) => (
                    Some(d.user_id),
                    Some(format!("on duty: {} ({}, {})", d.username, d.roster, d.line)),
                ),
                None => (None, None),
            }
        }
    };
    let duty_id = match &body.duty {
        Some(code) => Some(crate::app::duty::scheduled::id_of(txn, code, system.id).await?),
        None => None,
    };
    let new = NewTicket {
        kind,
        severity,
        severity_reason,
        title: body.title,
        description: body.description,
        occurred_at,
        received_at,
        service_mode,
        targets,
        reporter,
        assignee,
        major_event,
    };
    Ok(Plan {
        system,
        window,
        new,
        calendar,
        assigned_by,
        duty_id,
        proposal,
    })
}

/// Opens a ticket. Severity is given, or proposed by the classifier from `facts`.
#[utoipa::path(post, path = "/tickets", tag = "tickets", request_body = CreateTicket,
    responses((status = 201, body = TicketView), (status = 422, body = Problem), (status = 413, body = Problem)))]
pub async fn create_ticket(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<CreateTicket>,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    p.require_writer()?;
    let now = state.now();
    let txn = state.begin_write().await?;
    let system = system_in_scope(&txn, &p, &body.system).await?;
    let plan = plan(&txn, &state, system, Some(p.user_id), body, now).await?;
    let (row, ticket) = open(&txn, &state, plan, Some(p.user_id), now, &from).await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&state.db, &state, row, now, allowed_of(&ticket), None).await?),
    ))
}

/// Opens the ticket `plan` describes (`actor`: who, `None` for a monitor) and records it in the
/// audit log.
pub(crate) async fn open(
    txn: &DatabaseTransaction,
    state: &AppState,
    plan: Plan,
    actor: Option<i64>,
    now: DateTime<Utc>,
    from: &ClientAddr,
) -> ApiResult<(tickets::Model, ticket_domain::Ticket)> {
    let origin = crate::app::tickets::Origin {
        major_event_id: plan
            .window
            .as_ref()
            .filter(|_| plan.new.major_event.is_some())
            .map(|w| w.row.id),
        duty_id: plan.duty_id,
    };
    let calendar = state.calendar(&plan.calendar)?;
    let (row, ticket) =
        crate::app::tickets::create(txn, &calendar, plan.system.id, plan.new, actor, now, origin).await?;
    audit::record(
        txn,
        actor,
        "ticket.open",
        &row.number,
        serde_json::json!({"system": plan.system.code, "assigned": plan.assigned_by}),
        from,
        now,
    )
    .await?;
    Ok((row, ticket))
}

/// What a new ticket would get, before it is opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketPreview {
    /// The severity it would get.
    pub severity: String,
    /// 紧急, 严重, 一般 or 轻微.
    pub severity_zh: String,
    /// Why (stated, or the classifier's reason, or both).
    pub severity_reason: Option<String>,
    /// The classifier's proposal from the facts, if facts were given.
    pub proposed: Option<String>,
    /// The classifier's reason, in Chinese.
    pub proposed_reason_zh: Option<String>,
    /// The classifier's reason, in English.
    pub proposed_reason_en: Option<String>,
    /// The system's name.
    pub system_name: String,
    /// The calendar the clocks would count in.
    pub calendar: String,
    /// The major-event window it would be opened under, and what that changes.
    pub major_event: Option<MajorEventView>,
    /// Who would get it, when the rosters choose.
    pub assigned_by: Option<String>,
    /// The clocks it would start, with their deadlines.
    pub clocks: Vec<PreviewClock>,
    /// A repair clock that starts only when an engineer arrives, with its target.
    pub repair_on_arrival: Option<String>,
}

/// A clock a new ticket would start.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewClock {
    /// `response`, `arrival` or `repair`.
    pub name: String,
    /// The target (e.g. `15m`, `4h`, `3wd`).
    pub target: String,
    /// The deadline.
    pub deadline: DateTime<Utc>,
    /// How the deadline was counted, in the calendar's words.
    pub explanation: String,
    /// Whether the deadline rests on days whose holidays are not published yet (see
    /// [`ClockView::provisional`]).
    pub provisional: bool,
}

/// Shows what opening a ticket would do — the severity (and the classifier's proposal), the
/// major-event window, the assignee and every deadline — without opening it. Same body as
/// `POST /tickets`.
#[utoipa::path(post, path = "/tickets/preview", tag = "tickets", request_body = CreateTicket,
    responses((status = 200, body = TicketPreview), (status = 422, body = Problem)))]
pub async fn preview_ticket(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<CreateTicket>,
) -> ApiResult<Json<TicketPreview>> {
    p.require_writer()?;
    let system = system_in_scope(&state.db, &p, &body.system).await?;
    let plan = plan(&state.db, &state, system, Some(p.user_id), body, state.now()).await?;
    let calendar = state.calendar(&plan.calendar)?;
    // Approved maintenance and force-majeure windows pause the clocks, as when opening.
    let excluded = crate::app::duty::exclusions::approved_for(&state.db, plan.system.id).await?;
    let repair_on_arrival = plan
        .new
        .targets
        .repair
        .filter(|_| plan.new.targets.repair_from_arrival && plan.new.service_mode.has_on_site())
        .map(|t| t.to_string());
    let (ticket, _) = ticket_domain::Ticket::open(plan.new)?;
    let start = ticket.clocks_start();
    let mut clocks = Vec::new();
    for (name, clock) in ticket.clocks() {
        let clock = clock.excluding(&excluded).map_err(|e| ApiError::Internal(e.into()))?;
        let status = clock
            .status(&calendar, start)
            .map_err(|e| ApiError::Internal(e.into()))?;
        let explained = calendar
            .explain_deadline(start, status.target)
            .map_err(|e| ApiError::Internal(e.into()))?;
        let mut explanation = explained.rule.explain(&calendar, start);
        if explained.at != status.deadline {
            explanation.push_str("; moved later by an approved exclusion window");
        }
        if status.provisional {
            explanation.push_str("; ");
            explanation.push_str(&sla_clock::period::provisional_note(&calendar));
        }
        clocks.push(PreviewClock {
            name: name.key().to_owned(),
            target: status.target.to_string(),
            deadline: status.deadline,
            explanation,
            provisional: status.provisional,
        });
    }
    let severity = ticket.severity();
    let opened = ticket.opened_with();
    Ok(Json(TicketPreview {
        severity: severity.key().to_owned(),
        severity_zh: severity.label_zh().to_owned(),
        severity_reason: opened.severity_reason.clone(),
        proposed: plan.proposal.as_ref().map(|c| c.severity.key().to_owned()),
        proposed_reason_zh: plan.proposal.as_ref().map(|c| c.reason_zh.to_string()),
        proposed_reason_en: plan.proposal.as_ref().map(|c| c.reason_en.to_string()),
        system_name: plan.system.name,
        calendar: plan.calendar,
        major_event: opened.major_event.as_ref().map(|m| MajorEventView {
            code: m.code.clone(),
            name: m.name.clone(),
            calendar: m.calendar.clone(),
            reason: m.reason.clone(),
        }),
        assigned_by: plan.assigned_by,
        clocks,
        repair_on_arrival: repair_on_arrival.filter(|_| ticket.clock(ClockName::Repair).is_none()),
    }))
}

/// Lists tickets in scope, newest first, with filters and cursor paging.
#[utoipa::path(get, path = "/tickets", tag = "tickets", params(ListQuery),
    responses((status = 200, body = TicketPage), (status = 422, body = Problem)))]
pub async fn list_tickets(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<TicketPage>> {
    let now = state.now();
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be 1 to 200"));
    }
    let mut cond = Condition::all();
    if let Some(ids) = visible_system_ids(&state.db, &p).await? {
        cond = cond.add(tickets::Column::SystemId.is_in(ids));
    }
    if let Some(s) = &q.status {
        cond = cond.add(tickets::Column::Status.eq(parse::<ticket_domain::Status>("status", s)?.key()));
    }
    if let Some(k) = &q.kind {
        cond = cond.add(tickets::Column::Kind.eq(parse::<Kind>("kind", k)?.key()));
    }
    if let Some(s) = &q.severity {
        cond = cond.add(tickets::Column::Severity.eq(parse::<Severity>("severity", s)?.key()));
    }
    if let Some(code) = &q.system {
        let id = systems::Entity::find()
            .filter(systems::Column::Code.eq(code.as_str()))
            .one(&state.db)
            .await?
            .map_or(-1, |s| s.id);
        cond = cond.add(tickets::Column::SystemId.eq(id));
    }
    if let Some(u) = q.unit {
        cond = cond.add(
            tickets::Column::SystemId.in_subquery(
                Query::select()
                    .column(systems::Column::Id)
                    .from(systems::Entity)
                    .and_where(systems::Column::UnitId.eq(u))
                    .to_owned(),
            ),
        );
    }
    if let Some(v) = q.vendor {
        use crate::db::entities::system_vendors;
        cond = cond.add(
            tickets::Column::SystemId.in_subquery(
                Query::select()
                    .column(system_vendors::Column::SystemId)
                    .from(system_vendors::Entity)
                    .and_where(system_vendors::Column::VendorId.eq(v))
                    .to_owned(),
            ),
        );
    }
    if let Some(a) = q.assignee {
        cond = cond.add(tickets::Column::AssigneeId.eq(a));
    }
    let running = crate::app::tickets::running_state();
    if let Some(b) = q.breached {
        // Stored clock rows are exact as of their last write; a running clock whose deadline has
        // passed since is breached now.
        let breached_now = Query::select()
            .column(clocks::Column::TicketId)
            .from(clocks::Entity)
            .cond_where(
                Condition::any().add(clocks::Column::Breached.eq(true)).add(
                    Condition::all()
                        .add(clocks::Column::State.eq(running.clone()))
                        .add(clocks::Column::Deadline.lt(now)),
                ),
            )
            .to_owned();
        cond = cond.add(if b {
            tickets::Column::Id.in_subquery(breached_now)
        } else {
            tickets::Column::Id.not_in_subquery(breached_now)
        });
    }
    if let Some(t) = q.due_before {
        cond = cond.add(
            tickets::Column::Id.in_subquery(
                Query::select()
                    .column(clocks::Column::TicketId)
                    .from(clocks::Entity)
                    .and_where(clocks::Column::State.eq(running.clone()))
                    .and_where(clocks::Column::Deadline.lt(t))
                    .to_owned(),
            ),
        );
    }
    if let Some(c) = &q.cursor {
        let id: i64 = c
            .parse()
            .map_err(|_| ApiError::invalid("cursor", "not a cursor from this API"))?;
        cond = cond.add(tickets::Column::Id.lt(id));
    }
    let rows = tickets::Entity::find()
        .filter(cond)
        .order_by_desc(tickets::Column::Id)
        .limit(limit)
        .all(&state.db)
        .await?;
    let next_cursor = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    let items = views_of(&state, rows, now).await?;
    Ok(Json(TicketPage { items, next_cursor }))
}

/// The views of ticket rows, as listed (no timeline): two queries for all of them, the clocks
/// and the service modes of their systems.
pub(crate) async fn views_of(
    state: &AppState,
    rows: Vec<tickets::Model>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<TicketView>> {
    let mut clocks_of = clock_rows(&state.db, rows.iter().map(|r| r.id).collect()).await?;
    let on_site: HashMap<i64, bool> = systems::Entity::find()
        .filter(systems::Column::Id.is_in(rows.iter().map(|r| r.system_id).collect::<Vec<_>>()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| {
            Ok((
                s.id,
                parse::<ServiceMode>("service_mode", &s.service_mode)?.has_on_site(),
            ))
        })
        .collect::<ApiResult<_>>()?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let status: ticket_domain::Status = parse("status", &r.status)?;
        let served_on_site = on_site.get(&r.system_id).copied().unwrap_or(false);
        let allowed = ticket_domain::allowed_actions(status, served_on_site && r.on_site_at.is_none())
            .iter()
            .map(|s| s.to_string())
            .collect();
        let clocks = clocks_of.remove(&r.id).unwrap_or_default();
        items.push(view_with_clocks(state, r, &clocks, now, allowed, None)?);
    }
    Ok(items)
}

/// The actions `ticket` allows now, as the API lists them.
pub(crate) fn allowed_of(ticket: &ticket_domain::Ticket) -> Vec<String> {
    ticket.allowed().iter().map(|s| s.to_string()).collect()
}

/// The ticket with `number`, if the caller may see it (else 404).
async fn load_in_scope(
    db: &impl ConnectionTrait,
    p: &Principal,
    number: &str,
) -> ApiResult<crate::app::tickets::Loaded> {
    match crate::app::tickets::load(db, number).await? {
        Some(l) if can_see_system(db, p, l.row.system_id).await? => Ok(l),
        _ => Err(ApiError::NotFound(format!("no ticket {number}"))),
    }
}

/// One ticket with its clocks and timeline.
#[utoipa::path(get, path = "/tickets/{number}", tag = "tickets", params(("number" = String, Path)),
    responses((status = 200, body = TicketView), (status = 404, body = Problem)))]
pub async fn get_ticket(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<TicketView>> {
    let now = state.now();
    let loaded = load_in_scope(&state.db, &p, &number).await?;
    let actor_ids: Vec<i64> = loaded.events.iter().filter_map(|(r, _)| r.actor_id).collect();
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(actor_ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let timeline = loaded
        .events
        .iter()
        .map(|(r, _): &(ticket_events::Model, _)| TimelineEntry {
            seq: r.seq,
            at: r.at,
            actor: r.actor_id.and_then(|a| names.get(&a).cloned()),
            kind: r.kind.clone(),
            data: r.data.clone(),
        })
        .collect();
    let escalations = outbox::Entity::find()
        .filter(outbox::Column::TicketId.eq(loaded.row.id))
        .order_by_asc(outbox::Column::DueAt)
        .order_by_asc(outbox::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| EscalationEntry {
            clock: m.clock.unwrap_or_default(),
            step: m.step.unwrap_or_default(),
            repeat: m.repeat.unwrap_or_default(),
            due_at: m.due_at,
            status: m.status,
            recipients: serde_json::from_value(m.recipients).unwrap_or_default(),
            sent_at: m.sent_at,
        })
        .collect();
    let allowed = allowed_of(&loaded.ticket);
    let major_event = loaded
        .ticket
        .opened_with()
        .major_event
        .as_ref()
        .map(|m| MajorEventView {
            code: m.code.clone(),
            name: m.name.clone(),
            calendar: m.calendar.clone(),
            reason: m.reason.clone(),
        });
    let duty = match loaded.row.duty_id {
        Some(id) => crate::db::entities::duties::Entity::find_by_id(id)
            .one(&state.db)
            .await?
            .map(|d| d.code),
        None => None,
    };
    let mut view = view(&state.db, &state, loaded.row, now, allowed, Some(timeline)).await?;
    view.escalations = Some(escalations);
    view.major_event = major_event;
    view.duty = duty;
    Ok(Json(view))
}

/// The actions, in the order of the lifecycle.
pub const ACTIONS: [&str; 12] = [
    "acknowledge",
    "arrive",
    "start",
    "pause",
    "resume",
    "regrade",
    "resolve",
    "close",
    "reopen",
    "cancel",
    "assign",
    "comment",
];

/// Builds the domain command for `action` from the body, refusing fields that do not apply.
fn command(
    action: &str,
    b: ActionRequest,
    at: DateTime<Utc>,
    occurred_at: DateTime<Utc>,
) -> ApiResult<(Command, Option<Severity>)> {
    let given: BTreeMap<&str, bool> = BTreeMap::from([
        ("reason", b.reason.is_some()),
        ("note", b.note.is_some()),
        ("severity", b.severity.is_some()),
        ("root_cause", b.root_cause.is_some()),
        ("fix", b.fix.is_some()),
        ("impact_from", b.impact_from.is_some()),
        ("impact_to", b.impact_to.is_some()),
        ("satisfaction", b.satisfaction.is_some()),
        ("assignee_id", b.assignee_id.is_some()),
        ("text", b.text.is_some()),
    ]);
    let applies: &[&str] = match action {
        "pause" => &["reason", "note"],
        "regrade" => &["severity", "reason"],
        "resolve" => &["root_cause", "fix", "impact_from", "impact_to"],
        "close" => &["satisfaction", "note"],
        "reopen" => &["reason"],
        "cancel" => &["reason", "note"],
        "assign" => &["assignee_id"],
        "comment" => &["text"],
        _ => &[],
    };
    if let Some((field, _)) = given.iter().find(|(f, g)| **g && !applies.contains(f)) {
        return Err(ApiError::invalid(
            *field,
            format!(
                "{field} does not apply to {action}; {action} takes: version, at{}",
                applies.iter().map(|a| format!(", {a}")).collect::<String>()
            ),
        ));
    }
    let need = |field: &'static str, v: Option<String>| {
        v.ok_or_else(|| ApiError::invalid(field, format!("{action} needs {field}")))
    };
    Ok(match action {
        "acknowledge" => (Command::Acknowledge { at }, None),
        "arrive" => (Command::Arrive { at }, None),
        "start" => (Command::Start { at }, None),
        "pause" => (
            Command::Pause {
                at,
                reason: parse::<PauseReason>("reason", &need("reason", b.reason)?)?,
                note: b.note,
            },
            None,
        ),
        "resume" => (Command::Resume { at }, None),
        "regrade" => {
            let severity = parse::<Severity>("severity", &need("severity", b.severity)?)?;
            let reason = need("reason", b.reason)?;
            (
                Command::Regrade {
                    at,
                    severity,
                    reason,
                    targets: Default::default(),
                },
                Some(severity),
            )
        }
        "resolve" => (
            Command::Resolve {
                at,
                resolution: Resolution {
                    root_cause: need("root_cause", b.root_cause)?,
                    fix: need("fix", b.fix)?,
                    impact_from: b.impact_from.unwrap_or(occurred_at),
                    impact_to: b.impact_to.unwrap_or(at),
                },
            },
            None,
        ),
        "close" => (
            Command::Close {
                at,
                satisfaction: b.satisfaction,
                note: b.note,
            },
            None,
        ),
        "reopen" => (
            Command::Reopen {
                at,
                reason: need("reason", b.reason)?,
            },
            None,
        ),
        "cancel" => (
            Command::Cancel {
                at,
                reason: parse::<CancelReason>("reason", &need("reason", b.reason)?)?,
                note: b.note,
            },
            None,
        ),
        "assign" => (
            Command::Assign {
                at,
                assignee: b
                    .assignee_id
                    .ok_or_else(|| ApiError::invalid("assignee_id", "assign needs assignee_id (a user id, or null)"))?,
            },
            None,
        ),
        "comment" => (
            Command::Comment {
                at,
                text: need("text", b.text)?,
            },
            None,
        ),
        other => {
            return Err(ApiError::NotFound(format!(
                "no action {other:?}; actions: {}",
                ACTIONS.join(", ")
            )));
        }
    })
}

/// Performs an action: acknowledge, arrive, start, pause, resume, regrade, resolve, close,
/// reopen, cancel, assign or comment. The body carries the version read; a stale one gets 409
/// with `current_version`.
#[utoipa::path(post, path = "/tickets/{number}/{action}", tag = "tickets",
    params(("number" = String, Path), ("action" = String, Path, description = "acknowledge | arrive | start | pause | resume | regrade | resolve | close | reopen | cancel | assign | comment")),
    request_body = ActionRequest,
    responses((status = 200, body = TicketView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath((number, action)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ActionRequest>,
) -> ApiResult<Json<TicketView>> {
    let now = state.now();
    if !ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::NotFound(format!(
            "no action {action:?}; actions: {}",
            ACTIONS.join(", ")
        )));
    }
    let txn = state.begin_write().await?;
    let loaded = load_in_scope(&txn, &p, &number).await?;
    p.require_writer()?;
    let at = body.at.unwrap_or(now);
    if at > now + FUTURE_SLACK {
        return Err(ApiError::invalid("at", "is in the future"));
    }
    if let Some(Some(a)) = body.assignee_id {
        check_user(&txn, "assignee_id", a).await?;
    }
    let version = body.version;
    let (mut cmd, regrade_to) = command(&action, body, at, loaded.ticket.occurred_at())?;
    let system = systems::Entity::find_by_id(loaded.row.system_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("ticket {number} has no system")))?;
    if let (Some(sev), Command::Regrade { targets, .. }) = (regrade_to, &mut cmd) {
        let policy = policy_row(&txn, &system).await?;
        let usual = policy_targets(&policy)?.targets(loaded.ticket.kind(), sev);
        // A ticket opened under a major-event window is re-graded under it too.
        let window = match loaded.row.major_event_id {
            Some(id) => crate::app::duty::windows::by_id(&txn, id).await?,
            None => None,
        };
        *targets = match window {
            Some(w) => {
                let start = loaded.ticket.clocks_start();
                crate::app::duty::windows::apply(
                    &w,
                    &state.calendars.snapshot(),
                    &policy,
                    loaded.ticket.kind(),
                    usual,
                    start,
                )?
                .map_or(usual, |(t, _)| t)
            }
            None => usual,
        };
    }
    let calendar = state.calendar(crate::app::tickets::calendar_name(&loaded.ticket, &system.calendar))?;
    let detail = serde_json::to_value(&cmd).map_err(|e| ApiError::Internal(e.into()))?;
    let (row, ticket) = crate::app::tickets::act(&txn, &calendar, loaded, version, cmd, Some(p.user_id), now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        &format!("ticket.{action}"),
        &row.number,
        detail,
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Json(
        view(&state.db, &state, row, now, allowed_of(&ticket), None).await?,
    ))
}

//! What opening a ticket would do, without opening it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use ticket_domain::ClockName;
use utoipa::ToSchema;

use super::open::CreateTicket;
use super::views::MajorEventView;
use crate::app::auth::Principal;
use crate::app::scope::system_in_scope;
use crate::app::{AppError, AppResult, Context};

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
    /// The calendar the clocks would count in (the response's, where a clock has its own; each
    /// clock names its own in `clocks`).
    pub calendar: String,
    /// The major-event window it would be opened under, and what that changes.
    pub major_event: Option<MajorEventView>,
    /// Who would get it, when the rosters choose.
    pub assigned_by: Option<String>,
    /// The clocks it would start, with their deadlines.
    pub clocks: Vec<PreviewClock>,
    /// A repair clock that starts only when an engineer arrives, with its target.
    pub repair_on_arrival: Option<String>,
    /// An arrival clock that starts only when the buyer asks for a visit (`request_visit`), with
    /// its target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival_on_request: Option<String>,
    /// Targets that cannot be counted in the calendar from the clocks' start, and why: the ticket
    /// would open without those clocks, and say so on its timeline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unapplied: Vec<String>,
}

/// A clock a new ticket would start.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewClock {
    /// `response`, `arrival` or `repair`.
    pub name: String,
    /// The calendar it counts in.
    pub calendar: String,
    /// The target (e.g. `15m`, `4h`, `3wd`).
    pub target: String,
    /// The deadline.
    pub deadline: DateTime<Utc>,
    /// How the deadline was counted, in the calendar's words.
    pub explanation: String,
    /// The same in Chinese, as the pages show it (`app::vocab::rules`).
    pub explanation_zh: String,
    /// Whether the deadline rests on days whose holidays are not published yet (see
    /// [`ClockView::provisional`]).
    pub provisional: bool,
}

/// What opening a ticket would do — the severity (and the classifier's proposal), the
/// major-event window, the assignee and every deadline — without opening it: the same
/// `plan` (in [`super::open`]) as opening.
pub async fn preview(ctx: &Context, p: &Principal, body: CreateTicket) -> AppResult<TicketPreview> {
    crate::app::permissions::check(p, crate::app::permissions::Action::TicketOpen)?;
    let system = system_in_scope(&ctx.db, p, &body.system).await?;
    let side = Some(super::evidence::side_of(p));
    let mut plan = super::open::plan_as(&ctx.db, ctx, system, Some(p.user_id), body, ctx.now(), side).await?;
    let snapshot = ctx.calendars.snapshot();
    let calendars = super::calendars::TicketCalendars::new(&snapshot, plan.calendars.clone())?;
    let unapplied = super::open::countable_targets(&calendars, &mut plan.new, &plan.targets_from);
    // Approved maintenance and force-majeure windows pause the clocks, as when opening.
    let excluded = crate::app::duty::exclusions::approved_for(&ctx.db, plan.system.id).await?;
    let repair_on_arrival = plan
        .new
        .targets
        .repair
        .filter(|_| plan.new.targets.repair_from_arrival && plan.new.service_mode.has_on_site())
        .map(|t| t.to_string());
    let arrival_on_request = plan
        .new
        .targets
        .arrival
        .filter(|_| plan.new.targets.arrival_from_visit_request && plan.new.service_mode.has_on_site())
        .map(|t| t.to_string());
    let (ticket, _) = ticket_domain::Ticket::open(plan.new)?;
    let mut clocks = Vec::new();
    for (name, clock) in ticket.clocks() {
        let calendar = calendars.get(*name);
        // Each clock from its own start: a zero target ("立即") counts from the report.
        let start = ticket.opened_with().clock_start(*name);
        let clock = clock.excluding(&excluded).map_err(|e| AppError::Internal(e.into()))?;
        let status = clock
            .status(calendar, start)
            .map_err(|e| AppError::Internal(e.into()))?;
        let explained = calendar
            .explain_deadline(start, status.target)
            .map_err(|e| AppError::Internal(e.into()))?;
        let mut explanation = explained.rule.explain(calendar, explained.at);
        let mut explanation_zh = crate::app::vocab::rules::explain_zh(&explained.rule, calendar, explained.at);
        if explained.at != status.deadline {
            explanation.push_str("; moved later by an approved exclusion window");
            explanation_zh.push('；');
            explanation_zh.push_str(crate::app::vocab::rules::MOVED_BY_WINDOW_ZH);
        }
        if status.provisional {
            explanation.push_str("; ");
            explanation.push_str(&sla_clock::period::provisional_note(calendar));
            explanation_zh.push('；');
            explanation_zh.push_str(&crate::app::vocab::rules::provisional_zh(calendar));
        }
        clocks.push(PreviewClock {
            name: name.key().to_owned(),
            calendar: calendar.name().to_owned(),
            target: status.target.to_string(),
            deadline: status.deadline,
            explanation,
            explanation_zh,
            provisional: status.provisional,
        });
    }
    let severity = ticket.severity();
    let opened = ticket.opened_with();
    Ok(TicketPreview {
        severity: severity.key().to_owned(),
        severity_zh: severity.label_zh().to_owned(),
        severity_reason: opened.severity_reason.clone(),
        proposed: plan.proposal.as_ref().map(|c| c.severity.key().to_owned()),
        proposed_reason_zh: plan.proposal.as_ref().map(|c| c.reason_zh.to_string()),
        proposed_reason_en: plan.proposal.as_ref().map(|c| c.reason_en.to_string()),
        system_name: plan.system.name,
        calendar: calendars.main().name().to_owned(),
        major_event: opened.major_event.as_ref().map(|m| MajorEventView {
            code: m.code.clone(),
            name: m.name.clone(),
            calendar: m.calendar.clone(),
            reason: m.reason.clone(),
        }),
        assigned_by: plan.assigned_by,
        clocks,
        repair_on_arrival: repair_on_arrival.filter(|_| ticket.clock(ClockName::Repair).is_none()),
        arrival_on_request: arrival_on_request.filter(|_| ticket.clock(ClockName::Arrival).is_none()),
        unapplied,
    })
}

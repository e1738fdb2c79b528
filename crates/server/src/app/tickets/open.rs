//! Opening a ticket: one use case, whichever door asks (the API, the pages, alert intake, a
//! scheduled duty). `plan` decides what the ticket would be — scope, major-event window, policy,
//! classifier, roster assignment — and `open` opens it and writes the audit entry; the preview
//! ([`super::preview`]) shows the same plan without opening it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait};
use serde::Deserialize;
use sla_clock::{Calendar, Facts, Severity};
use ticket_domain::{Command, Kind, NewTicket, ServiceMode, Targets};
use utoipa::ToSchema;

use super::views::{TicketView, allowed_of, view};
use super::{FUTURE_SLACK, parse};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::catalog::service::ServiceDates;
use crate::app::scope::system_in_scope;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{systems, tickets, users};

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
    pub(crate) system: String,
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
    /// The contract's category (分类), by code: one of the system's policy's `categories` that
    /// sorts this kind [default: none, sorted later with the `categorise` action].
    #[serde(default)]
    pub category: Option<String>,
}

pub use super::policy::categories_for;
pub(crate) use super::policy::{check_category, policy_categories, policy_row, policy_targets};

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
) -> AppResult<(Severity, Option<String>)> {
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
        (None, None) => return Err(AppError::invalid("severity", "give a severity, or facts to classify")),
    })
}

/// Checks that user `id` may be given a ticket of system `system_id`: they exist, are enabled
/// and can see the system (another vendor's engineer cannot: they would get its escalation
/// mail for a system they may not open).
pub(crate) async fn check_assignee(db: &impl ConnectionTrait, field: &str, id: i64, system_id: i64) -> AppResult<()> {
    if users::Entity::find_by_id(id).one(db).await?.is_none() {
        return Err(AppError::invalid(field, format!("no user {id}")));
    }
    if !crate::app::scope::may_see_system(db, id, system_id).await? {
        return Err(AppError::invalid(
            field,
            format!("user {id} cannot see this ticket's system; assign it to someone of its unit or its vendors"),
        ));
    }
    Ok(())
}

/// What opening a ticket would do: the system, the window it falls under, the ticket as the
/// domain would open it, who gets it and why. [`plan`] makes one from a request (the API, the
/// pages, alert intake) and the preview shows it, so that the preview shows exactly what
/// submitting creates; a scheduled duty makes its own (its targets are the duty's, not the
/// policy's). Whichever made it, [`open`] opens it.
#[derive(Clone)]
pub(crate) struct Plan {
    /// The system the ticket is logged against.
    pub(crate) system: systems::Model,
    /// The major-event window it falls under, if any.
    pub(crate) window: Option<crate::app::duty::windows::Loaded>,
    /// The ticket as the domain opens it.
    pub(crate) new: NewTicket,
    /// The calendars the clocks count in, response, arrival, repair (the window's, under a major
    /// event; see [`super::calendars`]).
    pub(crate) calendars: [String; 3],
    /// How the assignee was chosen, when the rosters chose.
    pub(crate) assigned_by: Option<String>,
    /// The scheduled duty the ticket is an occurrence of (or is logged against).
    pub(crate) duty_id: Option<i64>,
    /// What the classifier proposed, when facts were given.
    pub(crate) proposal: Option<sla_clock::Classification>,
    /// Which party records it, for a person; `None` for a monitor or the scheduler.
    pub(crate) recording: Option<ticket_domain::Recording>,
    /// The vendor states a start before the major-event window in force as it records the
    /// ticket: the earlier start would take the ticket out of the window's stricter targets, so
    /// it is a claim the buyer decides ([`ticket_domain::Ticket::open_as_with`]), and until then
    /// the clocks start at the recording, inside the window.
    pub(crate) start_escapes_window: bool,
    /// Where the targets come from, for the reason recorded when one of them cannot be counted
    /// (`策略 shunyi-a`, `定期任务 backup-sa`).
    pub(crate) targets_from: String,
    /// Why the ticket gets no contract clocks: its problem began outside the system's days of
    /// service ([`crate::app::catalog::service`]); [`open`] writes it on the timeline.
    pub(crate) outside_service: Option<String>,
}

/// `system` is the one `body` names, already checked against the reader's scope; `reporter` who
/// reports it (`None`: a monitor).
pub(crate) async fn plan(
    txn: &impl ConnectionTrait,
    ctx: &Context,
    system: systems::Model,
    reporter: Option<i64>,
    body: CreateTicket,
    now: DateTime<Utc>,
) -> AppResult<Plan> {
    plan_as(txn, ctx, system, reporter, body, now, None).await
}

/// [`plan`] for a person of party `side` (`None`: a monitor).
pub(crate) async fn plan_as(
    txn: &impl ConnectionTrait,
    ctx: &Context,
    system: systems::Model,
    reporter: Option<i64>,
    body: CreateTicket,
    now: DateTime<Utc>,
    side: Option<ticket_domain::Side>,
) -> AppResult<Plan> {
    let kind: Kind = parse("kind", &body.kind)?;
    let received_at = body.received_at.unwrap_or(now);
    if received_at > now + FUTURE_SLACK {
        return Err(AppError::invalid("received_at", "is in the future"));
    }
    let occurred_at = body.occurred_at.unwrap_or(received_at);
    let policy = policy_row(txn, &system).await?;
    let policy_targets = policy_targets(&policy)?;
    let category = check_category("category", &policy, kind, body.category.as_deref())?;
    // The policy says where the clocks start (`clock_start`), for every severity alike; a
    // major-event window says it for the tickets opened under it.
    let policy_start = policy_targets.start(kind);
    let at_of = |s: ticket_domain::ClockStart| {
        if s.at_occurrence(kind) {
            occurred_at
        } else {
            received_at
        }
    };
    if let Some(a) = body.assignee_id {
        check_assignee(txn, "assignee_id", a, system.id).await?;
    }
    // The window in force when the clocks start (as the window counts them: see
    // `windows::in_force`). The vendor cannot leave one in force as it records the ticket by
    // stating an earlier start: that start waits for the buyer, and the window holds meanwhile
    // (see `start_escapes_window`).
    let mut start_escapes_window = false;
    let found =
        crate::app::duty::windows::in_force(txn, &system, &policy, kind, (occurred_at, received_at), policy_start)
            .await?;
    let window = match found {
        None if side == Some(ticket_domain::Side::Vendor) && at_of(policy_start) < now => {
            let now_window = crate::app::duty::windows::covering(txn, &system, now).await?;
            start_escapes_window = now_window.is_some();
            now_window.map(|w| {
                let s = w.clock_start(&policy, kind, policy_start);
                (w, s)
            })
        }
        found => found,
    };
    let (window, window_start) = match window {
        Some((w, s)) => (Some(w), s),
        None => (None, policy_start),
    };
    let proposal = proposal_of(&body, window.is_some());
    let (severity, severity_reason) = severity_of(&body, proposal.as_ref())?;
    let service_mode: ServiceMode = parse("service_mode", &system.service_mode)?;
    let usual = policy_targets.targets(kind, severity);
    let (targets, major_event, start) = match &window {
        Some(w) => {
            let snapshot = ctx.calendars.snapshot();
            match crate::app::duty::windows::apply(w, &snapshot, &policy, kind, usual, at_of(window_start)) {
                Ok(Some((t, r))) => (t, Some(r), window_start),
                Ok(None) => (usual, None, policy_start),
                // A window that cannot be applied (stored before its targets were checked, or its
                // calendar changed since) does not stop the ticket: it opens on the usual targets
                // and calendar, and says why.
                Err(e) => {
                    tracing::warn!(window = %w.doc.code, system = %system.code, error = %e, "major-event window not applied");
                    let reason = format!(
                        "重保 {} ({}) could not be applied: {e}; the usual targets and calendar hold",
                        w.doc.name, w.doc.code
                    );
                    let r = ticket_domain::MajorEventRef {
                        code: w.doc.code.clone(),
                        name: w.doc.name.clone(),
                        calendar: system.calendar.clone(),
                        reason,
                        applied: false,
                    };
                    (usual, Some(r), policy_start)
                }
            }
        }
        None => (usual, None, policy_start),
    };
    // A problem outside the system's days of service is accepted, with no contract clocks.
    // Gated on where the clocks start: under `clock_start = "reported"` a fault reported on the
    // first day of service counts, however early it began.
    let clocks_start = at_of(start);
    let outside_service = if clocks_start == occurred_at {
        ServiceDates::of(system.profile.as_ref()).outside(occurred_at)
    } else {
        ServiceDates::of(system.profile.as_ref()).outside_as(clocks_start, ("报告于", "it was reported on"))
    };
    let targets = if outside_service.is_some() {
        Targets::default()
    } else {
        // The clocks start where the policy says, or the window in force (`start`); a window
        // never changes what starts the arrival.
        Targets {
            start,
            arrival_from_visit_request: usual.arrival_from_visit_request,
            ..targets
        }
    };
    let calendars = super::calendars::names(&system, major_event.as_ref());
    super::calendars::TicketCalendars::new(&ctx.calendars.snapshot(), calendars.clone())?;
    // Nobody named: the system's on-duty engineer by its vendors' rosters.
    let (assignee, assigned_by) = match body.assignee_id {
        Some(a) => (Some(a), None),
        None => {
            match crate::app::duty::rosters::pick_assignee(txn, &ctx.calendars.snapshot(), &system, received_at).await?
            {
                Some(d) => (Some(d.user_id), Some(d.assigned_by())),
                None => (None, None),
            }
        }
    };
    let duty_id = match &body.duty {
        Some(code) => Some(crate::app::duty::scheduled::id_of(txn, code, system.id).await?),
        None => None,
    };
    let new = NewTicket {
        category,
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
        clocks_from: None,
        immediate_from_report: true,
        outside_service: outside_service.is_some(),
        calendars: None,
    };
    Ok(Plan {
        system,
        window,
        new,
        calendars,
        assigned_by,
        duty_id,
        proposal,
        recording: None,
        start_escapes_window,
        targets_from: format!("策略 {}", policy.code),
        outside_service,
    })
}

/// Drops each target of `new` that cannot be counted in `calendar` from the clocks' start (no
/// clock runs for it, as for an "immediate" one) and says why, one reason per target dropped. A
/// start the calendar does not answer for at all drops nothing: opening then fails naming the
/// calendar and the year, as it always has.
///
/// Targets are checked when they are saved (policies, catalogue files, windows, scheduled
/// duties), but a calendar's coverage ends as time passes: a `1800d` repair target countable in
/// 2026 cannot be counted from 2028 by a calendar that counts to 2031. Such a ticket still opens,
/// on the targets that can be counted, and the reason is recorded on its timeline (issue 25).
pub(crate) fn countable_targets(
    calendars: &super::calendars::TicketCalendars<'_>,
    new: &mut NewTicket,
    targets_from: &str,
) -> Vec<String> {
    let start = new.clocks_from.unwrap_or(new.stated_start());
    let mut dropped = Vec::new();
    for clock in ticket_domain::ClockName::ALL {
        let calendar = calendars.get(*clock);
        // A start the calendar does not answer for (a ticket dated 2001) is the request's
        // mistake, refused as such when the clocks are measured; only a target reaching past
        // what the calendar counts is dropped.
        if crate::app::countable::span(calendar, start, start).is_err() {
            continue;
        }
        let Some(d) = new.targets.get(*clock) else { continue };
        if let Err(why) = crate::app::countable::duration(calendar, start, d) {
            dropped.push(format!(
                "{targets_from} 的{}时限 {d} 无法计算，此时钟未启动（{why}）",
                clock.label_zh()
            ));
            match clock {
                ticket_domain::ClockName::Response => new.targets.response = None,
                ticket_domain::ClockName::Arrival => new.targets.arrival = None,
                ticket_domain::ClockName::Repair => new.targets.repair = None,
            }
        }
    }
    dropped
}

/// Opens a ticket for a person: the system must be in their scope and they may not be a viewer.
/// Severity is given, or proposed by the classifier from `facts`.
pub async fn open_ticket(ctx: &Context, p: &Principal, body: CreateTicket, from: &ClientAddr) -> AppResult<TicketView> {
    open_ticket_with(ctx, p, body, from, None).await
}

/// [`open_ticket`], recording the form's one-time token `once` with the ticket in the same
/// transaction ([`super::once`]): of two sends of one form, one opens the ticket and the other
/// fails on the token's unique index and opens nothing.
pub(crate) async fn open_ticket_with(
    ctx: &Context,
    p: &Principal,
    body: CreateTicket,
    from: &ClientAddr,
    once: Option<&str>,
) -> AppResult<TicketView> {
    let now = ctx.now();
    // What the ticket would be is read first, outside any transaction, on the read connections
    // (in parallel with other requests); the group's transaction then only writes
    // ([`crate::app::group_commit`]: concurrent creations share it and its commit, and this one
    // is answered after that commit). A refusal (a wrong field, a system out of scope) is
    // answered from the plan without waiting for a group.
    // The configuration it reads (system, policy, windows, rosters, contracts) comes from the
    // cache while the configuration epoch stays put ([`crate::app::cache`]).
    // Most tickets are also made ready here, measured and serialised, and written with the
    // others of the group by one statement per table ([`super::fresh`]).
    let ready = ctx
        .cache
        .read_at(p.epoch, &ctx.db, async {
            let plan = plan_for(&ctx.db, ctx, p, body, now).await?;
            super::fresh::ready(&ctx.db, ctx, plan, p.user_id, now).await
        })
        .await?;
    let (user, once) = (p.user_id, once.map(str::to_owned));
    let mut plan = match ready {
        super::fresh::Ready::Fresh(fresh, made) => {
            let opening = super::fresh::Opening {
                fresh,
                detail: serde_json::json!({"system": made.plan.system.code, "assigned": made.plan.assigned_by}),
                system: made.plan.system.clone(),
                from: from.clone(),
                once: once.map(|t| (user, t)),
                made,
            };
            let (row, ticket, problem, clocks) = ctx.group.run_batched::<super::fresh::OpenMany>(opening).await?;
            return view_of_new(ctx, row, ticket, problem, clocks, now).await;
        }
        super::fresh::Ready::Plan(plan) => plan,
    };
    let (c, from2) = (ctx.clone(), from.clone());
    let (row, ticket, problem) = ctx
        .group
        .run(move |txn| {
            Box::pin(async move {
                let calendars = c.calendars.snapshot();
                // The on-duty engineer with the fewest open tickets is chosen again in the
                // transaction: the plan counted them before the tickets of the same burst were
                // written, and a burst is spread as if it came one ticket at a time.
                if plan.assigned_by.is_some()
                    && let Some(d) =
                        crate::app::duty::rosters::pick_assignee(txn, &calendars, &plan.system, plan.new.received_at)
                            .await?
                {
                    plan.new.assignee = Some(d.user_id);
                    plan.assigned_by = Some(d.assigned_by());
                }
                let (row, ticket, problem) = open_new(txn, &calendars, plan, Some(user), now, &from2).await?;
                if let Some(token) = once {
                    super::once::record(txn, user, &token, &row.number, now).await?;
                }
                Ok((row, ticket, problem))
            })
        })
        .await?;
    view_of_new(ctx, row, ticket, problem, None, now).await
}

/// What the one who opened ticket `row` is answered (with its `clocks` as written, or read).
async fn view_of_new(
    ctx: &Context,
    row: tickets::Model,
    ticket: ticket_domain::Ticket,
    problem: Option<String>,
    clocks: Option<Vec<crate::db::entities::clocks::Model>>,
    now: DateTime<Utc>,
) -> AppResult<TicketView> {
    let mut view = match clocks {
        Some(clocks) => super::views::view_with_clocks(ctx, row, &clocks, now, allowed_of(&ticket), None)?,
        None => view(&ctx.db, ctx, row, now, allowed_of(&ticket), None).await?,
    };
    view.claims = Some(super::evidence::claims_of(&ticket));
    view.clocks_from = ticket.opened_with().clocks_from;
    view.impact = ticket.impact().map(|s| s.key().to_owned());
    view.problem = problem;
    Ok(view)
}

/// Opens a ticket for person `p` inside `txn` (the pages and the API through
/// [`open_ticket`], mail in in the transaction that records the message): the system must be in
/// their scope and they may not be a viewer.
pub(crate) async fn open_in(
    txn: &DatabaseTransaction,
    ctx: &Context,
    p: &Principal,
    body: CreateTicket,
    from: &ClientAddr,
    now: DateTime<Utc>,
) -> AppResult<(tickets::Model, ticket_domain::Ticket)> {
    let plan = plan_for(txn, ctx, p, body, now).await?;
    open(txn, &ctx.calendars.snapshot(), plan, Some(p.user_id), now, from).await
}

/// The plan of a ticket person `p` opens, read on `db` (the read connections, or the
/// transaction that will open it): `p` may open tickets (not a viewer) and the system is in their
/// scope; the ticket is recorded as their party's.
async fn plan_for(
    db: &impl ConnectionTrait,
    ctx: &Context,
    p: &Principal,
    body: CreateTicket,
    now: DateTime<Utc>,
) -> AppResult<Plan> {
    crate::app::permissions::check(p, crate::app::permissions::Action::TicketOpen)?;
    let system = system_in_scope(db, p, &body.system).await?;
    let side = Some(super::evidence::side_of(p));
    let mut plan = plan_as(db, ctx, system, Some(p.user_id), body, now, side).await?;
    plan.recording = Some(super::recording(db, ctx, p, &plan.system, now).await?);
    Ok(plan)
}

/// Opens the ticket `plan` describes (`actor`: who, `None` for a monitor) and records it in the
/// audit log.
pub(crate) async fn open(
    txn: &DatabaseTransaction,
    calendars: &BTreeMap<String, Calendar>,
    plan: Plan,
    actor: Option<i64>,
    now: DateTime<Utc>,
    from: &ClientAddr,
) -> AppResult<(tickets::Model, ticket_domain::Ticket)> {
    let (row, ticket, _) = open_new(txn, calendars, plan, actor, now, from).await?;
    Ok((row, ticket))
}

/// [`open`], and the number of the problem the new ticket joined, if it recurs
/// ([`crate::app::problems`]).
pub(crate) async fn open_new(
    txn: &DatabaseTransaction,
    calendars: &BTreeMap<String, Calendar>,
    plan: Plan,
    actor: Option<i64>,
    now: DateTime<Utc>,
    from: &ClientAddr,
) -> AppResult<(tickets::Model, ticket_domain::Ticket, Option<String>)> {
    let origin = super::fresh::origin_of(&plan);
    let (calendars, mut new) = super::fresh::staged(calendars, &plan)?;
    let unapplied = countable_targets(&calendars, &mut new, &plan.targets_from);
    let outside_service = plan.outside_service.clone();
    let (mut row, mut ticket) = super::create(
        txn,
        &calendars,
        plan.system.id,
        new,
        actor,
        now,
        origin,
        plan.recording.as_ref(),
        plan.start_escapes_window,
    )
    .await?;
    let mut detail = serde_json::json!({"system": plan.system.code, "assigned": plan.assigned_by});
    // Said on the timeline, where the people working the ticket see why a clock is missing: the
    // targets that cannot be counted, and the days of service the problem began outside of.
    let mut said = Vec::new();
    if !unapplied.is_empty() {
        tracing::warn!(ticket = %row.number, reasons = ?unapplied, "ticket opened without the targets that cannot be counted");
        detail["unapplied"] = serde_json::json!(unapplied);
        said.push(unapplied.join("；"));
    }
    said.extend(outside_service);
    for text in said {
        let loaded = super::load(txn, &row.number)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("ticket {} vanished", row.number)))?;
        let (version, at) = (
            loaded.row.version,
            now.max(loaded.ticket.last_event_at()).max(ticket.last_event_at()),
        );
        (row, ticket) = super::act(
            txn,
            &calendars,
            loaded,
            version,
            Command::Comment { at, text },
            None,
            now,
            None,
        )
        .await?;
    }
    audit::record(txn, actor, "ticket.open", &row.number, detail, from, now).await?;
    // Of a class that recurs on its system: one problem with the others (app::problems).
    let problem = crate::app::problems::detect_new(txn, &row, &plan.system, now, &[]).await?;
    Ok((row, ticket, problem))
}

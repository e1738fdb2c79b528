//! Acting on a ticket: acknowledge, request a visit, arrive, start, pause, resume, regrade, resolve, close,
//! reopen, cancel, assign, comment — and approve or reject the other party's claim or request.
//!
//! Who may is [`crate::app::permissions`]; what an action by one party leaves waiting for the
//! other is [`super::evidence`] (a back-dated claim, a downgrade after a breach, a pause the
//! buyer answers for).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use sla_clock::Severity;
use ticket_domain::{CancelReason, Command, PauseReason, Resolution};
use utoipa::ToSchema;

use super::open::{check_assignee, policy_row, policy_targets};
use super::read::load_in_scope;
use super::views::{TicketView, allowed_of, view};
use super::{FUTURE_SLACK, parse};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::{AppError, AppResult, Context};

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
    /// regrade, reopen, grade_impact, correct: free text (required); categorise: why (optional).
    pub reason: Option<String>,
    /// pause, cancel: what is awaited / why it is void (required); close: remarks; approve,
    /// reject: why (required to reject).
    pub note: Option<String>,
    /// approve, reject: the timeline entry (`seq`) of the claim or request decided on
    /// (required; see `claims` in the ticket).
    pub event: Option<i64>,
    /// regrade: the new severity; grade_impact: the impact grade after the event (urgent,
    /// serious, general, minor).
    pub severity: Option<String>,
    /// correct: the corrected title.
    pub title: Option<String>,
    /// correct: the corrected description.
    pub description: Option<String>,
    /// correct: the code of the system the ticket belongs to instead (alone: not with a title or
    /// description); its clocks get that system's targets from the same start. The vendor's,
    /// once the ticket left `new`, is a request the buyer approves.
    pub system: Option<String>,
    /// resolve: root cause (required).
    pub root_cause: Option<String>,
    /// resolve: what was done (required).
    pub fix: Option<String>,
    /// resolve: when the impact began [default: occurred_at].
    pub impact_from: Option<DateTime<Utc>>,
    /// resolve: when the impact ended [default: at].
    pub impact_to: Option<DateTime<Utc>>,
    /// resolve: what is still to be done so that it does not happen again (optional; the
    /// incident report's 后续措施).
    pub follow_up: Option<String>,
    /// close: satisfaction 1–5.
    pub satisfaction: Option<u8>,
    /// assign: the user id, or null to unassign (required).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    /// comment: the text (required).
    pub text: Option<String>,
    /// categorise: the category's code, one of the system's policy's `categories` for the
    /// ticket's kind, or `""` to leave it unsorted (required).
    pub category: Option<String>,
}

/// The actions, in the order of the lifecycle.
pub const ACTIONS: [&str; 19] = [
    "acknowledge",
    "request_visit",
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
    "grade_impact",
    "correct",
    "categorise",
    "contest",
    "approve",
    "reject",
];

/// Builds the domain command for `action` from the body, refusing fields that do not apply.
fn command(
    action: &str,
    b: ActionRequest,
    at: DateTime<Utc>,
    occurred_at: DateTime<Utc>,
) -> AppResult<(Command, Option<Severity>)> {
    let given: BTreeMap<&str, bool> = BTreeMap::from([
        ("reason", b.reason.is_some()),
        ("note", b.note.is_some()),
        ("severity", b.severity.is_some()),
        ("root_cause", b.root_cause.is_some()),
        ("fix", b.fix.is_some()),
        ("impact_from", b.impact_from.is_some()),
        ("impact_to", b.impact_to.is_some()),
        ("follow_up", b.follow_up.is_some()),
        ("satisfaction", b.satisfaction.is_some()),
        ("assignee_id", b.assignee_id.is_some()),
        ("text", b.text.is_some()),
        ("event", b.event.is_some()),
        ("title", b.title.is_some()),
        ("system", b.system.is_some()),
        ("description", b.description.is_some()),
        ("category", b.category.is_some()),
    ]);
    let applies: &[&str] = match action {
        "pause" => &["reason", "note"],
        "regrade" => &["severity", "reason"],
        "resolve" => &["root_cause", "fix", "impact_from", "impact_to", "follow_up"],
        "close" => &["satisfaction", "note"],
        "reopen" => &["reason"],
        "cancel" => &["reason", "note"],
        "assign" => &["assignee_id"],
        "comment" => &["text"],
        "approve" | "reject" => &["event", "note"],
        "grade_impact" => &["severity", "reason"],
        "correct" => &["title", "description", "system", "reason"],
        "categorise" => &["category", "reason"],
        "contest" => &["reason"],
        _ => &[],
    };
    if let Some((field, _)) = given.iter().find(|(f, g)| **g && !applies.contains(f)) {
        return Err(AppError::invalid(
            *field,
            format!(
                "{field} does not apply to {action}; {action} takes: version, at{}",
                applies.iter().map(|a| format!(", {a}")).collect::<String>()
            ),
        ));
    }
    let need = |field: &'static str, v: Option<String>| {
        v.ok_or_else(|| AppError::invalid(field, format!("{action} needs {field}")))
    };
    Ok(match action {
        "acknowledge" => (Command::Acknowledge { at }, None),
        "arrive" => (Command::Arrive { at }, None),
        "request_visit" => (Command::RequestVisit { at }, None),
        "start" => (Command::Start { at }, None),
        "pause" => (
            Command::Pause {
                at,
                reason: parse::<PauseReason>("reason", &need("reason", b.reason)?)?,
                note: Some(need_text("note", b.note, "pause needs a note saying what is awaited")?),
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
                    follow_up: b.follow_up,
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
                note: Some(need_text(
                    "note",
                    b.note,
                    "cancelling voids the ticket and takes it out of every SLA figure; say why in a note",
                )?),
            },
            None,
        ),
        "assign" => (
            Command::Assign {
                at,
                assignee: b
                    .assignee_id
                    .ok_or_else(|| AppError::invalid("assignee_id", "assign needs assignee_id (a user id, or null)"))?,
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
        "grade_impact" => (
            Command::GradeImpact {
                at,
                grade: parse::<Severity>("severity", &need("severity", b.severity)?)?,
                reason: need("reason", b.reason)?,
            },
            None,
        ),
        "correct" if b.system.is_some() => {
            if b.title.is_some() || b.description.is_some() {
                return Err(AppError::invalid(
                    "system",
                    "correct the system alone, then the title or description",
                ));
            }
            // The service mode and targets are filled in by `perform` from the new system.
            (
                Command::ChangeSystem {
                    at,
                    system: b.system.unwrap_or_default(),
                    service_mode: ticket_domain::ServiceMode::Remote,
                    targets: Default::default(),
                    reason: need("reason", b.reason)?,
                    calendars: None,
                },
                None,
            )
        }
        "correct" => (
            Command::Correct {
                at,
                title: b.title,
                description: b.description,
                reason: need("reason", b.reason)?,
            },
            None,
        ),
        "categorise" => (
            Command::Categorise {
                at,
                category: Some(b.category.ok_or_else(|| {
                    AppError::invalid(
                        "category",
                        "categorise needs category: a code, or \"\" to leave the ticket unsorted",
                    )
                })?),
                reason: b.reason,
            },
            None,
        ),
        "contest" => (
            Command::Contest {
                at,
                reason: need("reason", b.reason)?,
            },
            None,
        ),
        "approve" | "reject" => {
            let seq = b.event.ok_or_else(|| {
                AppError::invalid(
                    "event",
                    format!("{action} needs event: the seq of the claim or request"),
                )
            })?;
            let on = usize::try_from(seq - 1)
                .map_err(|_| AppError::invalid("event", format!("{seq} is not an entry of the timeline")))?;
            (
                Command::Decide {
                    at,
                    on,
                    approve: action == "approve",
                    note: b.note,
                },
                None,
            )
        }
        other => {
            return Err(AppError::NotFound(format!(
                "no action {other:?}; actions: {}",
                ACTIONS.join(", ")
            )));
        }
    })
}

/// `v` trimmed, or an invalid-input error on `field` saying `why`.
fn need_text(field: &str, v: Option<String>, why: &str) -> AppResult<String> {
    match v.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
        Some(t) => Ok(t),
        None => Err(AppError::invalid(field, why)),
    }
}

/// Performs `action` on ticket `number` for `p`: acknowledge, request_visit, arrive, start, pause, resume,
/// regrade, resolve, close, reopen, cancel, assign or comment. The body carries the version
/// read; a stale one is a [`AppError::VersionConflict`] with the current version.
pub async fn perform(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    number: &str,
    action: &str,
    body: ActionRequest,
) -> AppResult<TicketView> {
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    // No action writes the configuration: what it reads of it comes from the cache, as of the
    // epoch its transaction sees ([`crate::app::cache`]).
    let (row, ticket, problem) = ctx
        .cache
        .read_now(&txn, perform_in(&txn, ctx, p, from, number, action, body, now))
        .await?;
    txn.commit().await?;
    let mut view = view(&ctx.db, ctx, row, now, allowed_of(&ticket), None).await?;
    view.problem = problem;
    view.claims = Some(super::evidence::claims_of(&ticket));
    view.clocks_from = ticket.opened_with().clocks_from;
    view.impact = ticket.impact().map(|s| s.key().to_owned());
    Ok(view)
}

/// [`perform`] inside `txn` (mail in acts in the transaction that records the message): the
/// ticket's row and state after the action, and its problem record.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn perform_in(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    number: &str,
    action: &str,
    body: ActionRequest,
    now: DateTime<Utc>,
) -> AppResult<(
    crate::db::entities::tickets::Model,
    ticket_domain::Ticket,
    Option<String>,
)> {
    if !ACTIONS.contains(&action) {
        return Err(AppError::NotFound(format!(
            "no action {action:?}; actions: {}",
            ACTIONS.join(", ")
        )));
    }
    let loaded = load_in_scope(txn, p, number).await?;
    let permission = crate::app::permissions::Action::for_ticket_action(action)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("action {action} has no permission rule")))?;
    crate::app::permissions::check_ticket(p, permission, loaded.row.vendor_id.is_some())?;
    super::evidence::check_own_vendor(p, &loaded, action)?;
    let at = body.at.unwrap_or(now);
    if at > now + FUTURE_SLACK {
        return Err(AppError::invalid("at", "is in the future"));
    }
    if let Some(Some(a)) = body.assignee_id {
        check_assignee(txn, "assignee_id", a, loaded.row.system_id).await?;
        super::evidence::check_vendor_assignee(txn, p, a).await?;
    }
    let version = body.version;
    let (mut cmd, regrade_to) = command(action, body, at, loaded.ticket.occurred_at())?;
    let system = loaded.system(txn).await?;
    if let (Some(sev), Command::Regrade { targets, .. }) = (regrade_to, &mut cmd) {
        let policy = policy_row(txn, &system).await?;
        let usual = policy_targets(&policy)?.targets(loaded.ticket.kind(), sev);
        // A ticket opened under a major-event window is re-graded under it too.
        let window = match loaded.row.major_event_id {
            Some(id) => crate::app::duty::windows::by_id(txn, id).await?,
            None => None,
        };
        *targets = match window {
            Some(w) => {
                let start = loaded.ticket.clocks_start();
                crate::app::duty::windows::apply(
                    &w,
                    &ctx.calendars.snapshot(),
                    &policy,
                    loaded.ticket.kind(),
                    usual,
                    start,
                )?
                .map_or(usual, |(t, _)| t)
            }
            None => usual,
        };
        out_of_service(&system, &loaded.ticket, targets);
    }
    if let Command::Categorise { category, .. } = &mut cmd {
        let policy = policy_row(txn, &system).await?;
        *category = super::open::check_category("category", &policy, loaded.ticket.kind(), category.as_deref())?;
    }
    if let Command::Decide { on, .. } = &cmd {
        super::evidence::check_decision(ctx, &loaded.ticket, *on, now)?;
    }
    if let Command::Contest { .. } = &cmd {
        super::evidence::check_contest(txn, &loaded, p).await?;
    }
    if let Command::ChangeSystem {
        system: code,
        service_mode,
        targets,
        calendars,
        ..
    } = &mut cmd
    {
        let to = crate::app::scope::system_in_scope(txn, p, code).await?;
        if to.id == system.id {
            return Err(AppError::invalid("system", format!("the ticket is already on {code}")));
        }
        // Its category must be one the new system's contract sorts by.
        if let Some(c) = loaded.ticket.category() {
            let policy = policy_row(txn, &to).await?;
            if super::open::check_category("system", &policy, loaded.ticket.kind(), Some(c)).is_err() {
                return Err(AppError::invalid(
                    "system",
                    format!(
                        "the ticket is in category {c}, which {code}'s policy does not offer; categorise it first \
                         (\"\" leaves it unsorted)"
                    ),
                ));
            }
        }
        if loaded.row.major_event_id.is_some() {
            return Err(AppError::invalid(
                "system",
                "the ticket was opened under a major-event window; void it and open one on the right system",
            ));
        }
        // Nor into one: a window over the new system, in force when the clocks started or now,
        // would have set the stricter targets of a ticket opened there; a move must not skip them.
        for at in [loaded.ticket.clocks_start(), now] {
            if crate::app::duty::windows::covering(txn, &to, at).await?.is_some() {
                return Err(AppError::invalid(
                    "system",
                    format!("{code} is under a major-event window; void this ticket and open one on {code}"),
                ));
            }
        }
        *service_mode = parse("service_mode", &to.service_mode)?;
        *targets =
            policy_targets(&policy_row(txn, &to).await?)?.targets(loaded.ticket.kind(), loaded.ticket.severity());
        // A move changes durations, never where the clocks start: a policy that starts them
        // elsewhere (at the report, an arrival at the buyer's request) needs a new ticket.
        let opened = &loaded.ticket.opened_with().targets;
        if (targets.start, targets.arrival_from_visit_request) != (opened.start, opened.arrival_from_visit_request) {
            return Err(AppError::invalid(
                "system",
                format!(
                    "{code}'s policy starts the clocks elsewhere (clock_start, arrival_from); void this ticket and \
                     open one on {code}"
                ),
            ));
        }
        out_of_service(&to, &loaded.ticket, targets);
        // The new system's calendars, pinned with the move as at an opening.
        *calendars = Some(super::calendars::system_names(&to).into());
    }
    let snapshot = ctx.calendars.snapshot();
    let calendars = super::calendars::TicketCalendars::of(&snapshot, &loaded.ticket, &system)?;
    let detail = serde_json::to_value(&cmd).map_err(|e| AppError::Internal(e.into()))?;
    let rec = super::recording(txn, ctx, p, &system, now).await?;
    let (mut row, ticket) = super::act(txn, &calendars, loaded, version, cmd, Some(p.user_id), now, Some(&rec)).await?;
    let moved = row.system_id != system.id;
    if moved {
        // Moved: measure again in the new system's calendar.
        super::refresh(txn, &snapshot, &row.number, now).await?;
        row = super::load(txn, &row.number)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("ticket {number} is gone")))?
            .row;
    }
    audit::record(
        txn,
        Some(p.user_id),
        &format!("ticket.{action}"),
        &row.number,
        detail,
        from,
        now,
    )
    .await?;
    // Sorted into a class, or moved to a system, where it recurs: one problem with the others
    // (and out of one it no longer belongs to).
    let problem = if action == "categorise" || moved {
        crate::app::problems::reconsider(txn, &row, now).await?
    } else {
        crate::app::problems::problem_of(txn, row.id).await?
    };
    Ok((row, ticket, problem))
}

/// A ticket whose problem began outside `system`'s days of service keeps no contract clocks
/// through a re-grade or a move (see [`crate::app::catalog::service`]).
fn out_of_service(
    system: &crate::db::entities::systems::Model,
    t: &ticket_domain::Ticket,
    targets: &mut ticket_domain::Targets,
) {
    let dates = crate::app::catalog::service::ServiceDates::of(system.profile.as_ref());
    if dates.outside(t.occurred_at()).is_some() {
        *targets = ticket_domain::Targets::default();
    }
}

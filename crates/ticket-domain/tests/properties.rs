//! Property tests of the ticket aggregate: random command sequences on random tickets, checked
//! against the decide/apply contract, the allowed actions, a model of each action and the invariants.

use std::sync::LazyLock;

use chrono::{DateTime, TimeDelta, Utc};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;
use sla_clock::{Calendar, ClockState, DurationUnit, Severity, SlaDuration};
use ticket_domain::evidence::{Recording, Side};
use ticket_domain::{
    CancelReason, ClockName, ClockStart, Command, DomainError, Event, Kind, NewTicket, PauseReason, Resolution,
    ServiceMode, Status, Targets, Ticket, UserId,
};

/// The lifecycle's actions, in the order of `Ticket::allowed`, then the annotations.
const ACTIONS: [&str; 16] = [
    "acknowledge",
    "arrive",
    "start",
    "pause",
    "resume",
    "resolve",
    "close",
    "reopen",
    "request_visit",
    "regrade",
    "cancel",
    "assign",
    "comment",
    "grade_impact",
    "correct",
    "categorise",
];

/// The shipped calendars, built once.
static CALENDARS: LazyLock<[Calendar; 2]> =
    LazyLock::new(|| ["24x7", "cn-5x8"].map(|name| sla_clock::builtin::calendar(name).expect("shipped calendar")));

/// Monday 2026-03-02 00:00 in Beijing: tickets open within the following month, so that every
/// deadline stays inside cn-5x8's coverage (2025-2026).
fn base() -> DateTime<Utc> {
    "2026-03-02T00:00:00+08:00".parse().expect("base instant")
}

/// 256 cases (about a second in debug), unless `PROPTEST_CASES` asks for more; no regression
/// files are written.
fn config() -> Config {
    let default = Config::default();
    Config {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            default.cases
        } else {
            256
        },
        failure_persistence: None,
        ..default
    }
}

// ---- strategies ----------------------------------------------------------------------------------

fn duration() -> impl Strategy<Value = SlaDuration> {
    prop_oneof![
        (0u32..=240).prop_map(|n| SlaDuration::new(n, DurationUnit::Minutes)),
        (1u32..=48).prop_map(|n| SlaDuration::new(n, DurationUnit::Hours)),
        (0u32..=3).prop_map(|n| SlaDuration::new(n, DurationUnit::Days)),
        (0u32..=5).prop_map(|n| SlaDuration::new(n, DurationUnit::WorkingDays)),
    ]
}

fn targets() -> impl Strategy<Value = Targets> {
    (
        option::of(duration()),
        option::of(duration()),
        option::of(duration()),
        any::<bool>(),
        any::<bool>(),
        select(vec![ClockStart::Occurred, ClockStart::Reported]),
    )
        .prop_map(
            |(response, arrival, repair, repair_from_arrival, arrival_from_visit_request, start)| Targets {
                response,
                arrival,
                repair,
                repair_from_arrival,
                arrival_from_visit_request,
                start,
            },
        )
}

fn severity() -> impl Strategy<Value = Severity> {
    select(Severity::ALL.to_vec())
}

fn assignee() -> impl Strategy<Value = Option<UserId>> {
    option::of(1i64..=3)
}

/// Texts for reasons, comments, root causes and fixes: one in four blank.
fn text() -> impl Strategy<Value = &'static str> {
    select(vec![
        "光模块老化",
        "光模块老化",
        " 等待厂商 ",
        " 等待厂商 ",
        "x",
        "x",
        "",
        "  \t",
    ])
}

/// Regrade targets: a few fixed sets (cheaper to generate per step than [`targets`]).
fn regrade_targets() -> impl Strategy<Value = Targets> {
    let d = |n, unit| Some(SlaDuration::new(n, unit));
    select(vec![
        Targets::default(),
        Targets {
            response: d(15, DurationUnit::Minutes),
            arrival: d(2, DurationUnit::Hours),
            repair: d(4, DurationUnit::Hours),
            repair_from_arrival: true,
            ..Default::default()
        },
        Targets {
            response: d(0, DurationUnit::Minutes),
            arrival: d(1, DurationUnit::Days),
            repair: d(3, DurationUnit::WorkingDays),
            ..Targets::default()
        },
        Targets {
            response: None,
            arrival: None,
            repair: d(1, DurationUnit::Minutes),
            ..Targets::default()
        },
        Targets {
            response: d(8, DurationUnit::Hours),
            arrival: d(0, DurationUnit::WorkingDays),
            repair: d(2, DurationUnit::Days),
            ..Targets::default()
        },
    ])
}

prop_compose! {
    fn new_ticket()(
        kind in select(Kind::ALL.to_vec()),
        severity in severity(),
        service_mode in select(ServiceMode::ALL.to_vec()),
        received in 0i64..30 * 24 * 3600,
        lag in prop_oneof![Just(0i64), 0i64..6 * 3600],
        targets in targets(),
        reporter in assignee(),
        assignee in assignee(),
        immediate_from_report in any::<bool>(),
    ) -> NewTicket {
        let received_at = base() + TimeDelta::seconds(received);
        NewTicket {
            kind,
            severity,
            severity_reason: None,
            title: "核心交换机端口故障".into(),
            description: String::new(),
            occurred_at: received_at - TimeDelta::seconds(lag),
            received_at,
            service_mode,
            targets,
            reporter,
            assignee,
            major_event: None,
            clocks_from: None,
            immediate_from_report,
            outside_service: false,
            calendars: None,
            category: None,
        }
    }
}

/// One random command, relative to the ticket it is applied to.
#[derive(Debug, Clone)]
struct Step {
    /// Pick among the allowed actions (to get deep into the lifecycle) or among all twelve.
    from_allowed: bool,
    /// Which one, weighted by [`weight`].
    pick: u32,
    /// Seconds after the ticket's last event (negative: out of order).
    delta: i64,
    severity: Severity,
    targets: Targets,
    text: &'static str,
    fix: &'static str,
    note: Option<&'static str>,
    pause: PauseReason,
    cancel: CancelReason,
    satisfaction: Option<u8>,
    assignee: Option<UserId>,
    /// Seconds before the command's instant at which the impact window begins and ends.
    impact: (i64, i64),
}

prop_compose! {
    fn step()(
        from_allowed in any::<bool>(),
        pick in any::<u32>(),
        delta in prop_oneof![6 => 0i64..12 * 3600, 2 => Just(0i64), 1 => -3600i64..0],
        severity in severity(),
        targets in regrade_targets(),
        text in text(),
        fix in text(),
        note in select(vec![None, Some(""), Some(" 请尽快 "), Some("x")]),
        pause in select(PauseReason::ALL.to_vec()),
        cancel in select(CancelReason::ALL.to_vec()),
        satisfaction in select(vec![None, Some(0u8), Some(1), Some(3), Some(5), Some(6)]),
        assignee in select(vec![None, Some(1), Some(2), Some(3)]),
        impact in (-600i64..7200, -600i64..7200, 0u8..5),
    ) -> Step {
        // Four in five impact windows are in order and end by the resolution.
        let (a, b, order) = impact;
        let impact = if order == 0 { (a, b) } else { (a.max(b).max(0), a.min(b).max(0)) };
        Step { from_allowed, pick, delta, severity, targets, text, fix, note, pause, cancel, satisfaction, assignee, impact }
    }
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    vec(step(), 0..40)
}

// ---- commands ------------------------------------------------------------------------------------

fn command(action: &str, at: DateTime<Utc>, s: &Step) -> Command {
    let owned = |text: &str| text.to_owned();
    match action {
        "acknowledge" => Command::Acknowledge { at },
        "arrive" => Command::Arrive { at },
        "request_visit" => Command::RequestVisit { at },
        "start" => Command::Start { at },
        "pause" => Command::Pause {
            at,
            reason: s.pause,
            note: s.note.map(owned),
        },
        "resume" => Command::Resume { at },
        "regrade" => Command::Regrade {
            at,
            severity: s.severity,
            reason: owned(s.text),
            targets: s.targets,
        },
        "resolve" => Command::Resolve {
            at,
            resolution: Resolution {
                root_cause: owned(s.text),
                fix: owned(s.fix),
                impact_from: at - TimeDelta::seconds(s.impact.0),
                impact_to: at - TimeDelta::seconds(s.impact.1),
                follow_up: None,
            },
        },
        "close" => Command::Close {
            at,
            satisfaction: s.satisfaction,
            note: s.note.map(owned),
        },
        "reopen" => Command::Reopen {
            at,
            reason: owned(s.text),
        },
        "cancel" => Command::Cancel {
            at,
            reason: s.cancel,
            note: s.note.map(owned),
        },
        "assign" => Command::Assign {
            at,
            assignee: s.assignee,
        },
        "comment" => Command::Comment {
            at,
            text: owned(s.text),
        },
        "grade_impact" => Command::GradeImpact {
            at,
            grade: s.severity,
            reason: owned(s.text),
        },
        "correct" => Command::Correct {
            at,
            title: s.note.map(owned),
            description: None,
            reason: owned(s.fix),
        },
        "categorise" => Command::Categorise {
            at,
            category: s.note.map(owned),
            reason: Some(owned(s.text)),
        },
        other => panic!("unknown action {other}"),
    }
}

/// The random command of `step` for `ticket`.
fn random_command(ticket: &Ticket, step: &Step) -> Command {
    let allowed = ticket.allowed();
    let candidates: &[&str] = if step.from_allowed { &allowed } else { &ACTIONS };
    let total: u32 = candidates.iter().map(|a| weight(a)).sum();
    let mut r = step.pick % total;
    let mut action = candidates[0];
    for a in candidates {
        if r < weight(a) {
            action = a;
            break;
        }
        r -= weight(a);
    }
    command(action, ticket.last_event_at() + TimeDelta::seconds(step.delta), step)
}

/// How often an action is picked: cancelling ends the interesting part of a ticket's life, and
/// comments, assignments and regrades do not move it.
fn weight(action: &str) -> u32 {
    match action {
        "cancel" => 1,
        "comment" | "assign" | "regrade" => 3,
        _ => 12,
    }
}

/// A command for `action` with valid arguments, at the ticket's last event.
fn probe(action: &str, ticket: &Ticket) -> Command {
    let at = ticket.last_event_at();
    let s = Step {
        from_allowed: false,
        pick: 0,
        delta: 0,
        severity: if ticket.severity() == Severity::Urgent {
            Severity::Minor
        } else {
            Severity::Urgent
        },
        targets: ticket.opened_with().targets,
        text: "probe",
        fix: "probe",
        note: None,
        pause: PauseReason::ThirdParty,
        cancel: CancelReason::Duplicate,
        satisfaction: Some(3),
        assignee: if ticket.assignee().is_some() { None } else { Some(99) },
        impact: (0, 0),
    };
    command(action, at, &s)
}

/// Whether the probe of an always-possible action is refused for its fields (the probe's
/// correction repeats no title, so it has nothing to correct).
fn probe_is_invalid(cmd: &Command, ticket: &Ticket) -> bool {
    matches!(expected(ticket, cmd), Expected::Invalid(_))
}

/// What `decide` must answer, from the ticket's status and the command's fields alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    Accepted,
    NotAllowed,
    ServedRemotely,
    OutOfOrder,
    Invalid(&'static str),
}

fn expected(ticket: &Ticket, cmd: &Command) -> Expected {
    let blank = |s: &str| s.trim().is_empty();
    let annotation = matches!(
        cmd,
        Command::GradeImpact { .. } | Command::Correct { .. } | Command::Categorise { .. }
    );
    if !annotation && !ticket.allowed().contains(&cmd.name()) {
        let t = &ticket.opened_with().targets;
        let arrival_waits = t.arrival_from_visit_request
            && t.arrival.is_some()
            && ticket.service_mode().has_on_site()
            && ticket.visit_requested_at().is_none()
            && ticket.on_site_at().is_none();
        return if cmd.name() == "arrive" && !ticket.service_mode().has_on_site() {
            Expected::ServedRemotely
        } else if cmd.name() == "request_visit" && !arrival_waits {
            // Nothing waits for a request: said as such, not as a matter of status.
            Expected::Invalid("action")
        } else {
            Expected::NotAllowed
        };
    }
    if cmd.at() < ticket.last_event_at() {
        return Expected::OutOfOrder;
    }
    let invalid = match cmd {
        Command::Regrade { reason, severity, .. } => {
            if blank(reason) {
                Some("reason")
            } else if *severity == ticket.severity() {
                Some("severity")
            } else {
                None
            }
        }
        Command::Resolve { at, resolution: r } => {
            if blank(&r.root_cause) {
                Some("root_cause")
            } else if blank(&r.fix) {
                Some("fix")
            } else if r.impact_from > r.impact_to || r.impact_to > *at {
                Some("impact_to")
            } else {
                None
            }
        }
        Command::Close {
            satisfaction: Some(s), ..
        } if !(1..=5).contains(s) => Some("satisfaction"),
        Command::Reopen { reason, .. } if blank(reason) => Some("reason"),
        Command::Assign { assignee, .. } if *assignee == ticket.assignee() => Some("assignee"),
        Command::Comment { text, .. } if blank(text) => Some("text"),
        Command::GradeImpact { reason, .. } if blank(reason) => Some("reason"),
        Command::Correct { title, .. } if title.as_deref().is_none_or(|t| blank(t) || t.trim() == ticket.title()) => {
            Some("title")
        }
        Command::Correct { reason, .. } if blank(reason) => Some("reason"),
        Command::Categorise { category, .. }
            if category.as_deref().map(str::trim).filter(|c| !c.is_empty()) == ticket.category() =>
        {
            Some("category")
        }
        _ => None,
    };
    invalid.map_or(Expected::Accepted, Expected::Invalid)
}

fn outcome(ticket: &Ticket, cmd: &Command, result: &Result<Vec<Event>, DomainError>) -> Result<(), TestCaseError> {
    let expected = expected(ticket, cmd);
    match (expected, result) {
        (Expected::Accepted, Ok(events)) => {
            prop_assert_eq!(events.len(), 1);
            prop_assert_eq!(events[0].at(), cmd.at());
            prop_assert_eq!(events[0].kind(), event_kind(cmd.name()));
        }
        (
            Expected::NotAllowed,
            Err(DomainError::InvalidTransition {
                action,
                status,
                allowed,
            }),
        ) => {
            prop_assert_eq!(*action, cmd.name());
            prop_assert_eq!(*status, ticket.status());
            prop_assert_eq!(allowed, &ticket.allowed().join(", "));
        }
        (Expected::ServedRemotely, Err(DomainError::Invalid { field, problem })) => {
            prop_assert_eq!(*field, "action");
            prop_assert_eq!(problem, "the system is served remotely; there is no arrival on site");
        }
        (Expected::OutOfOrder, Err(DomainError::OutOfOrder { action, at, last })) => {
            prop_assert_eq!(*action, cmd.name());
            prop_assert_eq!(*at, cmd.at());
            prop_assert_eq!(*last, ticket.last_event_at());
        }
        (Expected::Invalid(want), Err(DomainError::Invalid { field, .. })) => prop_assert_eq!(*field, want),
        (expected, actual) => {
            prop_assert!(
                false,
                "{cmd:?} on a {} ticket: expected {expected:?}, got {actual:?}",
                ticket.status()
            );
        }
    }
    Ok(())
}

fn event_kind(action: &str) -> &'static str {
    match action {
        "acknowledge" => "acknowledged",
        "arrive" => "arrived",
        "request_visit" => "visit_requested",
        "start" => "started",
        "pause" => "paused",
        "resume" => "resumed",
        "regrade" => "regraded",
        "resolve" => "resolved",
        "close" => "closed",
        "reopen" => "reopened",
        "cancel" => "cancelled",
        "assign" => "assigned",
        "comment" => "commented",
        "grade_impact" => "impact_graded",
        "correct" => "corrected",
        "categorise" => "categorised",
        other => panic!("unknown action {other}"),
    }
}

// ---- the model and the invariants ----------------------------------------------------------------

/// What an accepted command did to the ticket, compared with what it was before.
fn model(before: &Ticket, cmd: &Command, after: &Ticket) -> Result<(), TestCaseError> {
    let status = match cmd {
        Command::Acknowledge { .. } => Status::Acknowledged,
        Command::Arrive { .. } => Status::OnSite,
        Command::Start { .. } | Command::Resume { .. } | Command::Reopen { .. } => Status::InProgress,
        Command::Pause { .. } => Status::Paused,
        Command::Resolve { .. } => Status::Resolved,
        Command::Close { .. } => Status::Closed,
        Command::Cancel { .. } => Status::Cancelled,
        Command::Regrade { .. }
        | Command::RequestVisit { .. }
        | Command::Assign { .. }
        | Command::Comment { .. }
        | Command::GradeImpact { .. }
        | Command::Categorise { .. }
        | Command::Correct { .. }
        | Command::Contest { .. }
        | Command::ChangeSystem { .. }
        | Command::Decide { .. } => before.status(),
    };
    prop_assert_eq!(after.status(), status, "after {:?}", cmd);
    // Only categorising moves the category, to the trimmed code (or to none).
    let category = match cmd {
        Command::Categorise { category, .. } => category.as_deref().map(str::trim).filter(|c| !c.is_empty()),
        _ => before.category(),
    };
    prop_assert_eq!(after.category(), category);
    prop_assert_eq!(after.last_event_at(), cmd.at());
    prop_assert_eq!(after.event_count(), before.event_count() + 1);

    let at = Some(cmd.at());
    let (ack, on_site) = match cmd {
        Command::Acknowledge { .. } => (at, before.on_site_at()),
        Command::Arrive { .. } => (before.acknowledged_at(), at),
        _ => (before.acknowledged_at(), before.on_site_at()),
    };
    prop_assert_eq!(after.acknowledged_at(), ack);
    prop_assert_eq!(after.on_site_at(), on_site);
    let severity = match cmd {
        Command::Regrade { severity, .. } => *severity,
        _ => before.severity(),
    };
    prop_assert_eq!(after.severity(), severity);
    let assignee = match cmd {
        Command::Assign { assignee, .. } => *assignee,
        _ => before.assignee(),
    };
    prop_assert_eq!(after.assignee(), assignee);
    let reopened = before.reopened() + u32::from(matches!(cmd, Command::Reopen { .. }));
    prop_assert_eq!(after.reopened(), reopened);
    match cmd {
        Command::Resolve { resolution, .. } => {
            prop_assert_eq!(after.resolved_at(), at);
            let stored = after.resolution().expect("a resolution after resolve");
            prop_assert_eq!(stored.root_cause.as_str(), resolution.root_cause.trim());
            prop_assert_eq!(stored.fix.as_str(), resolution.fix.trim());
        }
        Command::Close { satisfaction, .. } => {
            prop_assert_eq!(after.closed_at(), at);
            prop_assert_eq!(after.satisfaction(), *satisfaction);
        }
        Command::Reopen { .. } => {
            prop_assert_eq!(after.resolved_at(), None);
            prop_assert_eq!(after.closed_at(), None);
            prop_assert_eq!(after.satisfaction(), None);
        }
        _ => {
            prop_assert_eq!(after.resolved_at(), before.resolved_at());
            prop_assert_eq!(after.closed_at(), before.closed_at());
        }
    }
    prop_assert_eq!(after.opened_with(), before.opened_with());
    Ok(())
}

fn invariants(ticket: &Ticket, events: &[Event]) -> Result<(), TestCaseError> {
    let status = ticket.status();
    prop_assert_eq!(ticket.event_count(), events.len());
    prop_assert_eq!(Some(ticket.last_event_at()), events.last().map(Event::at));
    prop_assert_eq!(
        status == Status::Resolved || status == Status::Closed,
        ticket.resolved_at().is_some(),
        "resolved_at {:?} in {}",
        ticket.resolved_at(),
        status
    );
    if matches!(status, Status::Resolved | Status::Closed) {
        prop_assert!(ticket.resolution().is_some());
    }
    prop_assert_eq!(status == Status::Closed, ticket.closed_at().is_some());
    if ticket.satisfaction().is_some() {
        prop_assert_eq!(status, Status::Closed);
    }
    if status == Status::New {
        prop_assert_eq!(ticket.acknowledged_at(), None);
    }
    if !matches!(status, Status::New | Status::Cancelled) {
        prop_assert!(ticket.acknowledged_at().is_some(), "{} without acknowledgement", status);
    }
    if status == Status::OnSite {
        prop_assert!(ticket.on_site_at().is_some());
    }
    if !ticket.service_mode().has_on_site() {
        prop_assert_eq!(ticket.on_site_at(), None);
    }
    let reopened = events.iter().filter(|e| matches!(e, Event::Reopened { .. })).count();
    prop_assert_eq!(ticket.reopened() as usize, reopened);

    // The clocks that run: those with a target, arrival only for on-site service modes, and a
    // repair counted from the arrival only once someone has arrived.
    let opened = ticket.opened_with();
    let t = &opened.targets;
    let waits = t.repair_from_arrival && t.arrival.is_some() && t.repair.is_some() && opened.service_mode.has_on_site();
    // An arrival counted from the buyer's request runs once a visit was requested before anyone
    // arrived.
    let on_request = t.arrival_from_visit_request && t.arrival.is_some() && opened.service_mode.has_on_site();
    let first_arrival = events.iter().position(|e| matches!(e, Event::Arrived { .. }));
    let requested = events.iter().enumerate().find_map(|(i, e)| match e {
        Event::VisitRequested { at } if first_arrival.is_none_or(|a| i < a) => Some(*at),
        _ => None,
    });
    let mut names: Vec<_> = ticket.clocks().iter().map(|(n, _)| *n).collect();
    names.sort();
    let expected_names: Vec<_> = ClockName::ALL
        .iter()
        .copied()
        .filter(|n| t.get(*n).is_some())
        .filter(|n| *n != ClockName::Arrival || opened.service_mode.has_on_site())
        .filter(|n| *n != ClockName::Repair || !waits || ticket.on_site_at().is_some())
        .filter(|n| *n != ClockName::Arrival || !on_request || requested.is_some())
        .collect();
    prop_assert_eq!(names, expected_names);

    let now = ticket.last_event_at();
    // Under a policy counting from the report, every kind starts at the receipt.
    let start = if opened.kind == Kind::Alarm
        || (opened.kind.clocks_start_at_occurrence() && t.start == ClockStart::Occurred)
    {
        opened.occurred_at
    } else {
        opened.received_at
    };
    for calendar in CALENDARS.iter() {
        for (name, clock) in ticket.clocks() {
            let s = clock.status(calendar, now);
            prop_assert!(s.is_ok(), "{} clock at {} in {}: {:?}", name, now, calendar.name(), s);
            let s = s.expect("checked");
            if waits && *name == ClockName::Repair {
                let first_arrival = events.iter().find_map(|e| match e {
                    Event::Arrived { at } => Some(*at),
                    _ => None,
                });
                prop_assert_eq!(Some(s.started_at), first_arrival);
            } else if on_request && *name == ClockName::Arrival {
                prop_assert_eq!(Some(s.started_at), requested);
            } else if opened.immediate_from_report && opened.targets.get(*name).is_some_and(|t| t.is_zero()) {
                // A zero target ("立即") never starts before the report.
                prop_assert_eq!(s.started_at, opened.received_at);
            } else {
                prop_assert_eq!(s.started_at, start);
            }
            use ClockState::*;
            let ok = match (name, status) {
                (_, Status::Cancelled) => matches!(s.state, Cancelled | Met | BreachedMet),
                (ClockName::Response, Status::New) => matches!(s.state, Running | BreachedRunning),
                (ClockName::Response, _) => matches!(s.state, Met | BreachedMet),
                (ClockName::Arrival, _) if ticket.on_site_at().is_some() => {
                    matches!(s.state, Met | BreachedMet | Cancelled)
                }
                (ClockName::Arrival, Status::Resolved | Status::Closed) => s.state == Cancelled,
                (ClockName::Arrival, _) => {
                    matches!(s.state, Running | BreachedRunning | Cancelled)
                }
                (ClockName::Repair, Status::Paused) => s.state == Paused,
                (ClockName::Repair, Status::Resolved | Status::Closed) => {
                    matches!(s.state, Met | BreachedMet)
                }
                (ClockName::Repair, _) => matches!(s.state, Running | BreachedRunning),
            };
            prop_assert!(ok, "{} clock {} in a {} ticket", name, s.state, status);
            match s.state {
                BreachedRunning | BreachedMet => prop_assert!(s.breached),
                Running | Met => prop_assert!(!s.breached),
                Paused | Cancelled => {}
            }
            // Short of a breach, the deadline is the clean one moved by the paused working time.
            if !s.breached {
                let clean = calendar.deadline(s.started_at, s.target);
                prop_assert!(clean.is_ok(), "{:?}", clean);
                let moved = calendar.add_working_time(clean.expect("checked"), s.paused);
                prop_assert_eq!(moved, Ok(s.deadline), "{} clock in {}: {:?}", name, calendar.name(), s);
            }
        }
    }
    Ok(())
}

/// Every action: allowed ones succeed with valid arguments, the others are refused as not allowed
/// (or, for `arrive` on a remote system, as served remotely).
fn probes(ticket: &Ticket) -> Result<(), TestCaseError> {
    let allowed = ticket.allowed();
    let in_order: Vec<&str> = ACTIONS.iter().copied().filter(|a| allowed.contains(a)).collect();
    prop_assert_eq!(
        &allowed,
        &in_order,
        "allowed() is in the stable order, without duplicates"
    );
    prop_assert!(allowed.contains(&"comment"));
    for action in ACTIONS {
        let cmd = probe(action, ticket);
        let result = ticket.decide(cmd.clone());
        if allowed.contains(&action) {
            prop_assert!(
                result.is_ok(),
                "{} is allowed in {} but {:?}",
                action,
                ticket.status(),
                result
            );
        } else {
            outcome(ticket, &cmd, &result)?;
            // Grading the impact, correcting the text and categorising are always possible (not
            // in `allowed`).
            let annotation = matches!(action, "grade_impact" | "correct" | "categorise");
            prop_assert_eq!(result.is_err(), !annotation || probe_is_invalid(&cmd, ticket));
        }
    }
    Ok(())
}

// ---- the runs ------------------------------------------------------------------------------------

/// Opens the ticket and runs the steps through `decide` and `apply`, checking the contract of
/// the two (decide never changes the ticket, its events always apply) and calling `check` after
/// each step with the ticket before, the command, the result and the events so far.
fn run(
    new: NewTicket,
    steps: &[Step],
    mut check: impl FnMut(
        &Ticket,
        &Command,
        &Result<Vec<Event>, DomainError>,
        &Ticket,
        &[Event],
    ) -> Result<(), TestCaseError>,
) -> Result<(Ticket, Vec<Event>), TestCaseError> {
    let (mut ticket, opened) = Ticket::open(new).map_err(|e| TestCaseError::fail(format!("open: {e}")))?;
    let mut events = vec![opened];
    for step in steps {
        let before = ticket.clone();
        let cmd = random_command(&ticket, step);
        let result = ticket.decide(cmd.clone());
        prop_assert_eq!(&ticket, &before, "decide changed the ticket");
        prop_assert_eq!(&ticket.decide(cmd.clone()), &result, "decide is deterministic");
        if let Ok(decided) = &result {
            for e in decided {
                let applied = ticket.apply(e);
                prop_assert!(applied.is_ok(), "{:?} decided but did not apply: {:?}", e, applied);
            }
            events.extend(decided.iter().cloned());
        }
        check(&before, &cmd, &result, &ticket, &events)?;
    }
    Ok((ticket, events))
}

proptest! {
    #![proptest_config(config())]

    /// Whatever `decide` accepts applies; it never changes the ticket; replaying the stored events
    /// (also after a JSON round trip) gives the ticket built step by step.
    #[test]
    fn decided_events_apply_and_replay_to_the_same_ticket(new in new_ticket(), steps in steps()) {
        let (ticket, events) = run(new, &steps, |_, _, _, _, _| Ok(()))?;
        let replayed = Ticket::from_events(&events);
        prop_assert_eq!(replayed.as_ref(), Ok(&ticket));
        let json = serde_json::to_string(&events).expect("events serialize");
        let stored: Vec<Event> = serde_json::from_str(&json).expect("events deserialize");
        prop_assert_eq!(&stored, &events);
        prop_assert_eq!(Ticket::from_events(&stored), Ok(ticket));
        // Dropping the opened event is refused.
        prop_assert_eq!(Ticket::from_events(&events[1..]).err(), Some(DomainError::NotOpened));
    }

    /// `decide` answers exactly as the status, the order of instants and the field rules say, and
    /// `allowed()` lists exactly the actions that succeed with valid arguments.
    #[test]
    fn outcomes_follow_allowed_actions_and_field_rules(new in new_ticket(), steps in steps()) {
        run(new, &steps, |before, cmd, result, after, _| {
            outcome(before, cmd, result)?;
            if result.is_ok() {
                model(before, cmd, after)?;
            }
            probes(after)
        })?;
    }

    /// After every step: the status agrees with the timestamps, the counters with the events, and
    /// every clock can be evaluated at the last event, in a state that fits the ticket's status.
    #[test]
    fn invariants_hold_after_every_step(new in new_ticket(), steps in steps()) {
        let (ticket, events) = run(new, &steps, |_, _, _, after, events| invariants(after, events))?;
        invariants(&ticket, &events)?;
    }

    /// Two parties, one record: no sequence of the vendor's own actions — back-dated as far as
    /// it likes, re-graded, paused, cancelled, approving its own claims — turns a clock that was
    /// breached when an action was recorded into one that is not (see `ticket_domain::evidence`).
    #[test]
    fn the_vendor_alone_never_clears_a_breach(
        new in new_ticket(),
        steps in steps(),
        backs in vec(prop_oneof![2 => Just(0i64), 1 => 0i64..300, 3 => 0i64..6 * 3600], 40),
        cal in 0usize..2,
    ) {
        let calendar = &CALENDARS[cal];
        let Ok((mut ticket, opened)) = Ticket::open(new) else { return Ok(()) };
        let mut events = vec![opened];
        let mut recorded = ticket.last_event_at();
        let mut ever: Vec<ClockName> = Vec::new();
        for (step, back) in steps.iter().zip(backs) {
            recorded += TimeDelta::seconds(step.delta.abs());
            let claimed = (recorded - TimeDelta::seconds(back)).max(ticket.last_event_at());
            let mut cmd = random_command(&ticket, step).with_at(claimed);
            if step.pick % 7 == 0
                && let Some(p) = ticket.claims_and_requests().last()
            {
                cmd = Command::Decide { at: claimed, on: p.index, approve: true, note: None };
            }
            let rec = Recording { side: Side::Vendor, at: recorded, tolerance: TimeDelta::minutes(5) };
            if let Ok(new_events) = ticket.decide_as(cmd.clone(), &rec, calendar) {
                prop_assert!(!matches!(cmd, Command::Decide { .. }), "the vendor decided its own claim: {:?}", new_events);
                for e in &new_events {
                    ticket.apply(e).map_err(|e| TestCaseError::fail(format!("decided event does not apply: {e}")))?;
                }
                events.extend(new_events);
            }
            let now = ticket
                .breached_clocks(calendar, recorded)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            for c in &ever {
                prop_assert!(now.contains(c), "{c} was breached and is not after {:?} recorded at {recorded}", cmd);
            }
            ever = now;
        }
        prop_assert_eq!(Ticket::from_events(&events), Ok(ticket));
    }

    /// With both parties acting and deciding each other's claims and requests, every decided
    /// event applies, and replaying the stored events gives the same ticket: an approved claim
    /// re-measures the clocks the same way step by step and from the store.
    #[test]
    fn claims_and_decisions_replay_to_the_same_ticket(
        new in new_ticket(),
        steps in steps(),
        backs in vec(prop_oneof![1 => Just(0i64), 3 => 0i64..6 * 3600], 40),
        sides in vec(select(vec![Side::Buyer, Side::Vendor, Side::Supervisor]), 40),
        cal in 0usize..2,
    ) {
        let calendar = &CALENDARS[cal];
        let rec = Recording { side: Side::Buyer, at: new.received_at, tolerance: TimeDelta::minutes(5) };
        let received = new.received_at;
        let Ok((mut ticket, mut events)) = Ticket::open_as(new, &Recording { at: received + TimeDelta::minutes(20), ..rec }) else {
            return Ok(());
        };
        let mut recorded = received + TimeDelta::minutes(20);
        for ((step, back), side) in steps.iter().zip(backs).zip(sides) {
            recorded += TimeDelta::seconds(step.delta.abs());
            let claimed = (recorded - TimeDelta::seconds(back)).max(ticket.last_event_at());
            let mut cmd = random_command(&ticket, step).with_at(claimed);
            if step.pick % 3 == 0
                && let Some(p) = ticket.pending().first()
            {
                cmd = Command::Decide { at: claimed, on: p.index, approve: step.pick % 2 == 0, note: Some("核实".into()) };
            }
            let rec = Recording { side, at: recorded, tolerance: TimeDelta::minutes(5) };
            if let Ok(new_events) = ticket.decide_as(cmd, &rec, calendar) {
                for e in &new_events {
                    ticket.apply(e).map_err(|e| TestCaseError::fail(format!("decided event does not apply: {e}")))?;
                }
                events.extend(new_events);
            }
        }
        prop_assert_eq!(Ticket::from_events(&events), Ok(ticket));
    }
}

proptest! {
    #![proptest_config(config())]

    /// A measure counts what the clock would: the same events, opened without a response or a
    /// repair target, measure each of those times ([`Ticket::measured`]) exactly as the clock of
    /// the ticket with the target did — paused, resumed, stopped, reopened and cancelled alike —
    /// in either calendar, wherever the clock started with the others. A measure never refuses an
    /// event: the stream without targets folds as well.
    #[test]
    fn a_measure_counts_what_the_clock_would(new in new_ticket(), steps in steps(), cal in 0usize..2) {
        let (ticket, events) = run(new, &steps, |_, _, _, _, _| Ok(()))?;
        let mut untargeted = events.clone();
        let Event::Opened { ticket: opened, .. } = &mut untargeted[0] else {
            return Err(TestCaseError::fail("the first event opens"));
        };
        opened.targets.response = None;
        opened.targets.repair = None;
        let measured = Ticket::from_events(&untargeted);
        prop_assert!(measured.is_ok(), "without targets the stream is refused: {:?}", measured);
        let measured = measured.expect("checked");
        prop_assert!(measured.clock(ClockName::Response).is_none() && measured.clock(ClockName::Repair).is_none());
        let calendar = &CALENDARS[cal];
        let at = ticket.last_event_at();
        for name in [ClockName::Response, ClockName::Repair] {
            let measure = measured.measured(name).expect("a measure is kept").status(calendar, at);
            let measure = measure.map_err(|e| TestCaseError::fail(format!("measure: {e}")))?;
            prop_assert_eq!(measure.started_at, measured.clocks_start());
            let Some(clock) = ticket.clock(name) else { continue };
            let clock = clock.status(calendar, at).map_err(|e| TestCaseError::fail(format!("clock: {e}")))?;
            if clock.started_at != measure.started_at {
                continue; // a repair counted from the arrival
            }
            prop_assert_eq!(clock.consumed, measure.consumed, "{} consumed", name.key());
            prop_assert_eq!(clock.ended_at, measure.ended_at, "{} ended", name.key());
            prop_assert_eq!(clock.paused, measure.paused, "{} paused", name.key());
            prop_assert_eq!(ticket.measured(name), ticket.clock(name));
        }
    }
}

// ---- categories ----------------------------------------------------------------------------------

mod categories {
    use super::*;
    use ticket_domain::{Categories, CategoryDef};

    fn def() -> impl Strategy<Value = CategoryDef> {
        (
            select(vec!["account", "data", "latent", "x", "", "a b", "资源"]),
            select(vec!["账号管理", "数据处理", "潜伏故障", " ", "x"]),
            vec(select(Kind::ALL.to_vec()), 0..3),
        )
            .prop_map(|(code, name, kinds)| CategoryDef::new(code, name, &kinds))
    }

    proptest! {
        #![proptest_config(config())]

        /// A list that checks clean answers `find` exactly as its definitions say: a code is
        /// found for the kinds it sorts and refused, with a reason, for the others and for codes
        /// it does not have; and the kinds it offers are those it finds.
        #[test]
        fn a_checked_list_finds_what_it_defines(defs in vec(def(), 0..6), kind in select(Kind::ALL.to_vec())) {
            let list = Categories(defs);
            let problems = list.check();
            let codes_ok = list.0.iter().all(|c| !c.code.is_empty() && c.code.chars().all(|ch| ch.is_ascii_alphanumeric()));
            let unique = list.0.iter().enumerate().all(|(i, c)| {
                list.0[..i].iter().all(|o| o.code != c.code && o.name.trim() != c.name.trim())
                    && c.kinds.iter().enumerate().all(|(j, k)| !c.kinds[..j].contains(k))
            });
            let names_ok = list.0.iter().all(|c| !c.name.trim().is_empty());
            prop_assert_eq!(problems.is_empty(), codes_ok && unique && names_ok, "{:?}", problems);
            if problems.is_empty() {
                for c in &list.0 {
                    let found = list.find(&c.code, kind);
                    prop_assert_eq!(found.is_ok(), c.kinds.is_empty() || c.kinds.contains(&kind));
                    if let Err(why) = found {
                        prop_assert!(why.contains(&c.code) && why.contains(kind.key()), "{}", why);
                    }
                }
                prop_assert!(list.find("no-such-code", kind).is_err());
                let offered: Vec<&str> = list.for_kind(kind).map(|c| c.code.as_str()).collect();
                let found: Vec<&str> = list.0.iter().filter(|c| list.find(&c.code, kind).is_ok()).map(|c| c.code.as_str()).collect();
                prop_assert_eq!(offered, found);
            }
        }
    }
}

// ---- recurring faults ----------------------------------------------------------------------------

mod recurrence {
    use super::*;
    use ticket_domain::recurrence::{Occurrence, Recurrence};

    fn occurrence() -> impl Strategy<Value = Occurrence> {
        (
            select(Kind::ALL.to_vec()),
            option::of(select(vec!["latent", "occasional"])),
            -90i64..=90,
            any::<bool>(),
        )
            .prop_map(|(kind, category, day, voided)| Occurrence {
                kind,
                category: category.map(str::to_owned),
                occurred_at: base() + TimeDelta::hours(day * 12),
                voided,
            })
    }

    fn rule() -> impl Strategy<Value = Recurrence> {
        (2u32..=4, 1u32..=40, vec(select(Kind::ALL.to_vec()), 1..3)).prop_map(|(count, within_days, kinds)| {
            Recurrence {
                enabled: true,
                count,
                within_days,
                kinds,
            }
        })
    }

    proptest! {
        #![proptest_config(config())]

        /// A recurrence is exactly "at least `count` of one class, all begun within the window of
        /// each other, the new one among them": every ticket it names is of the new one's class,
        /// counted and not voided; the group's whole span is within the window; no window holding
        /// the new ticket holds more; and it is found whenever such a window holds enough.
        #[test]
        fn a_recurrence_names_a_group_of_the_class_within_one_window(
            rule in rule(),
            new in occurrence(),
            earlier in vec(occurrence(), 0..12),
        ) {
            let class = |o: &Occurrence| !o.voided && rule.kinds.contains(&o.kind) && o.category == new.category;
            let w = rule.window();
            // Brute force: every window [s, s + w] holding `new`, s anywhere a ticket began.
            let most = std::iter::once(new.occurred_at)
                .chain(earlier.iter().map(|o| o.occurred_at))
                .filter(|s| *s <= new.occurred_at && new.occurred_at - *s <= w)
                .map(|s| earlier.iter().filter(|o| class(o) && o.occurred_at >= s && o.occurred_at - s <= w).count())
                .max()
                .unwrap_or(0);
            let counted = !new.voided && rule.kinds.contains(&new.kind);
            match rule.recurs(&new, &earlier) {
                Some(found) => {
                    prop_assert!(counted);
                    prop_assert!(found.iter().all(|i| class(&earlier[*i])));
                    let times: Vec<_> = found.iter().map(|i| earlier[*i].occurred_at).chain([new.occurred_at]).collect();
                    let span = *times.iter().max().unwrap() - *times.iter().min().unwrap();
                    prop_assert!(span <= w, "span {:?} over {:?}", span, w);
                    prop_assert_eq!(found.len(), most);
                    prop_assert!(found.len() + 1 >= rule.count as usize);
                    prop_assert!(found.windows(2).all(|p| earlier[p[0]].occurred_at <= earlier[p[1]].occurred_at));
                }
                None => prop_assert!(!counted || most + 1 < rule.count as usize, "most {}", most),
            }
            let stricter = Recurrence { count: rule.count + 1, ..rule.clone() };
            if stricter.recurs(&new, &earlier).is_some() {
                prop_assert!(rule.recurs(&new, &earlier).is_some());
            }
            let off = Recurrence { enabled: false, ..rule.clone() };
            prop_assert!(off.recurs(&new, &earlier).is_none());
        }
    }
}

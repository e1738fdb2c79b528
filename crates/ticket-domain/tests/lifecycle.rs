//! Dated lifecycle tests of the ticket aggregate: every kind from open to close, refused moves,
//! validation, reopening, cancelling, re-grading, visits and the event stream.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use sla_clock::{Calendar, ClockEvent, ClockState, ClockStatus, Severity, SlaDuration};
use ticket_domain::{
    CancelReason, ClockName, Command, DomainError, Event, Kind, MAX_TITLE_CHARS, NewTicket, PauseReason, Resolution,
    ServiceMode, Status, Targets, Ticket, UserId,
};

// ---- helpers -------------------------------------------------------------------------------------

/// An instant written as Beijing local time, `"2026-11-23 10:04"`.
fn t(local: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").expect("instant as YYYY-MM-DD HH:MM");
    format!("{}+08:00", naive.format("%Y-%m-%dT%H:%M:%S"))
        .parse()
        .expect("instant with offset")
}

fn dur(text: &str) -> SlaDuration {
    text.parse().expect("SLA duration")
}

/// The shipped calendars, built once (building 24x7's century-long timeline is not free).
static CALENDARS: LazyLock<[Calendar; 2]> =
    LazyLock::new(|| ["24x7", "cn-5x8"].map(|name| sla_clock::builtin::calendar(name).expect("shipped calendar")));

fn cal(name: &str) -> Calendar {
    CALENDARS
        .iter()
        .find(|c| c.name() == name)
        .cloned()
        .expect("shipped calendar")
}

fn both() -> [Calendar; 2] {
    CALENDARS.clone()
}

fn targets(response: Option<&str>, arrival: Option<&str>, repair: Option<&str>) -> Targets {
    Targets {
        response: response.map(dur),
        arrival: arrival.map(dur),
        repair: repair.map(dur),
        repair_from_arrival: false,
        ..Default::default()
    }
}

fn new_ticket(kind: Kind, mode: ServiceMode, occurred: &str, received: &str, targets: Targets) -> NewTicket {
    NewTicket {
        category: None,
        kind,
        severity: Severity::Serious,
        severity_reason: Some("核心功能受损".into()),
        title: "核心交换机端口故障".into(),
        description: "二楼机房核心交换机多个端口不通".into(),
        occurred_at: t(occurred),
        received_at: t(received),
        service_mode: mode,
        targets,
        reporter: Some(3),
        assignee: Some(7),
        major_event: None,
        clocks_from: None,
        immediate_from_report: false,
        outside_service: false,
        calendars: None,
    }
}

fn resolution(from: &str, to: &str) -> Resolution {
    Resolution {
        root_cause: "光模块老化".into(),
        fix: "更换光模块".into(),
        impact_from: t(from),
        impact_to: t(to),
        follow_up: None,
    }
}

fn ack(at: &str) -> Command {
    Command::Acknowledge { at: t(at) }
}

fn arrive(at: &str) -> Command {
    Command::Arrive { at: t(at) }
}

fn start(at: &str) -> Command {
    Command::Start { at: t(at) }
}

fn pause(at: &str, reason: PauseReason) -> Command {
    Command::Pause {
        at: t(at),
        reason,
        note: Some(format!("  {}  ", reason.label_zh())),
    }
}

fn resume(at: &str) -> Command {
    Command::Resume { at: t(at) }
}

fn resolve(at: &str, impact_from: &str) -> Command {
    Command::Resolve {
        at: t(at),
        resolution: resolution(impact_from, at),
    }
}

fn close(at: &str, satisfaction: Option<u8>) -> Command {
    Command::Close {
        at: t(at),
        satisfaction,
        note: None,
    }
}

fn reopen(at: &str, reason: &str) -> Command {
    Command::Reopen {
        at: t(at),
        reason: reason.into(),
    }
}

fn cancel(at: &str, reason: CancelReason) -> Command {
    Command::Cancel {
        at: t(at),
        reason,
        note: Some("   ".into()),
    }
}

fn regrade(at: &str, severity: Severity, reason: &str, targets: Targets) -> Command {
    Command::Regrade {
        at: t(at),
        severity,
        reason: reason.into(),
        targets,
    }
}

fn assign(at: &str, assignee: Option<UserId>) -> Command {
    Command::Assign { at: t(at), assignee }
}

fn comment(at: &str, text: &str) -> Command {
    Command::Comment {
        at: t(at),
        text: text.into(),
    }
}

/// A ticket with its stored events; every command goes through `decide` then `apply`.
struct Log {
    ticket: Ticket,
    events: Vec<Event>,
}

impl Log {
    fn open(new: NewTicket) -> Log {
        let (ticket, opened) = Ticket::open(new).expect("the ticket opens");
        Log {
            ticket,
            events: vec![opened],
        }
    }

    /// Decides `command`; on success applies and stores the events. The ticket must not change
    /// while deciding, whatever the outcome.
    fn run(&mut self, command: Command) -> Result<(), DomainError> {
        let before = self.ticket.clone();
        let decided = self.ticket.decide(command);
        assert_eq!(self.ticket, before, "decide changed the ticket");
        let events = decided?;
        for e in &events {
            self.ticket.apply(e).expect("decided events apply");
        }
        self.events.extend(events);
        assert_eq!(self.ticket.event_count(), self.events.len());
        Ok(())
    }

    fn ok(&mut self, command: Command) {
        let name = command.name();
        if let Err(e) = self.run(command) {
            panic!("{name} refused: {e}");
        }
    }

    fn err(&mut self, command: Command) -> DomainError {
        let name = command.name();
        let count = self.events.len();
        match self.run(command) {
            Ok(()) => panic!("{name} was accepted: {:?}", self.events.last()),
            Err(e) => {
                assert_eq!(self.events.len(), count);
                e
            }
        }
    }

    fn status(&self) -> Status {
        self.ticket.status()
    }

    fn clock(&self, name: ClockName, calendar: &Calendar, now: &str) -> ClockStatus {
        self.ticket
            .clock(name)
            .unwrap_or_else(|| panic!("no {name} clock"))
            .status(calendar, t(now))
            .unwrap_or_else(|e| panic!("{name} clock status at {now} in {}: {e}", calendar.name()))
    }

    fn clock_names(&self) -> Vec<ClockName> {
        self.ticket.clocks().iter().map(|(n, _)| *n).collect()
    }

    fn last_event(&self) -> &Event {
        self.events.last().expect("at least the opened event")
    }
}

fn invalid(field: &'static str, problem: &str) -> DomainError {
    DomainError::Invalid {
        field,
        problem: problem.into(),
    }
}

fn assert_invalid_transition(err: &DomainError, action: &str, status: Status) {
    match err {
        DomainError::InvalidTransition {
            action: a, status: s, ..
        } => assert_eq!((*a, *s), (action, status), "{err}"),
        other => panic!("expected InvalidTransition, got {other:?}"),
    }
}

/// The repair deadline must be the clean deadline moved by exactly the paused working time.
fn assert_moved_by_pauses(status: &ClockStatus, calendar: &Calendar, start: DateTime<Utc>) {
    let clean = calendar.deadline(start, status.target).expect("clean deadline");
    let moved = calendar
        .add_working_time(clean, status.paused)
        .expect("clean deadline + paused working time");
    assert_eq!(status.deadline, moved, "in {}: {status:?}", calendar.name());
    assert_eq!(
        calendar.elapsed(clean, status.deadline).expect("elapsed"),
        status.paused
    );
}

// ---- one full lifecycle per kind -------------------------------------------------------------------

#[test]
fn fault_on_site_lifecycle_in_working_hours_is_the_same_in_both_calendars() {
    // Monday 2026-11-23: every instant is inside 09:00-17:00, so 24x7 and cn-5x8 agree.
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ));
    assert_eq!(log.status(), Status::New);
    assert_eq!(log.ticket.kind(), Kind::Fault);
    assert_eq!(log.ticket.severity(), Severity::Serious);
    assert_eq!(log.ticket.assignee(), Some(7));
    assert_eq!(log.ticket.last_event_at(), t("2026-11-23 10:00"));
    assert_eq!(log.ticket.event_count(), 1);
    assert_eq!(log.ticket.reopened(), 0);
    assert_eq!(
        log.clock_names(),
        [ClockName::Response, ClockName::Arrival, ClockName::Repair]
    );
    assert_eq!(
        log.ticket.allowed(),
        ["acknowledge", "regrade", "cancel", "assign", "comment"]
    );
    for c in &both() {
        for (name, deadline) in [
            (ClockName::Response, "2026-11-23 10:05"),
            (ClockName::Arrival, "2026-11-23 11:50"),
            (ClockName::Repair, "2026-11-23 13:50"),
        ] {
            let s = log.clock(name, c, "2026-11-23 10:00");
            assert_eq!(s.state, ClockState::Running, "{name}");
            assert_eq!(
                s.started_at,
                t("2026-11-23 09:50"),
                "a fault's clocks start when it began"
            );
            assert_eq!(s.deadline, t(deadline), "{name} in {}", c.name());
        }
    }

    log.ok(ack("2026-11-23 10:04"));
    assert_eq!(log.status(), Status::Acknowledged);
    assert_eq!(log.ticket.acknowledged_at(), Some(t("2026-11-23 10:04")));
    assert_eq!(
        log.ticket.allowed(),
        ["arrive", "start", "resolve", "regrade", "cancel", "assign", "comment"]
    );
    for c in &both() {
        let s = log.clock(ClockName::Response, c, "2026-11-23 10:30");
        assert_eq!(s.state, ClockState::Met);
        assert_eq!(s.ended_at, Some(t("2026-11-23 10:04")));
        assert_eq!(s.deadline, t("2026-11-23 10:05"));
        assert_eq!(s.consumed, TimeDelta::minutes(14));
    }

    log.ok(arrive("2026-11-23 11:30"));
    assert_eq!(log.status(), Status::OnSite);
    assert_eq!(log.ticket.on_site_at(), Some(t("2026-11-23 11:30")));
    assert_eq!(
        log.ticket.allowed(),
        ["start", "resolve", "regrade", "cancel", "assign", "comment"]
    );
    for c in &both() {
        let s = log.clock(ClockName::Arrival, c, "2026-11-23 11:30");
        assert_eq!((s.state, s.deadline), (ClockState::Met, t("2026-11-23 11:50")));
    }

    log.ok(start("2026-11-23 11:35"));
    assert_eq!(log.status(), Status::InProgress);
    assert_eq!(
        log.ticket.allowed(),
        ["pause", "resolve", "regrade", "cancel", "assign", "comment"]
    );

    // Three pauses, one per reason: 30 + 15 + 15 minutes, each moving the 13:50 deadline.
    let pauses = [
        (
            PauseReason::AwaitingReporter,
            "2026-11-23 12:00",
            "2026-11-23 12:30",
            "2026-11-23 14:20",
        ),
        (
            PauseReason::ThirdParty,
            "2026-11-23 12:45",
            "2026-11-23 13:00",
            "2026-11-23 14:35",
        ),
        (
            PauseReason::BuyerWindow,
            "2026-11-23 13:10",
            "2026-11-23 13:25",
            "2026-11-23 14:50",
        ),
    ];
    let mut paused_total = TimeDelta::zero();
    for (reason, from, to, deadline) in pauses {
        log.ok(pause(from, reason));
        assert_eq!(log.status(), Status::Paused);
        assert_eq!(
            log.last_event(),
            &Event::Paused {
                at: t(from),
                reason,
                note: Some(reason.label_zh().to_owned()),
            },
            "the note is trimmed"
        );
        assert_eq!(
            log.ticket.allowed(),
            ["resume", "regrade", "cancel", "assign", "comment"]
        );
        for c in &both() {
            assert_eq!(log.clock(ClockName::Repair, c, from).state, ClockState::Paused);
        }
        log.ok(resume(to));
        assert_eq!(log.status(), Status::InProgress);
        paused_total += t(to) - t(from);
        for c in &both() {
            let s = log.clock(ClockName::Repair, c, to);
            assert_eq!(s.state, ClockState::Running);
            assert_eq!(s.deadline, t(deadline), "after the {reason} pause in {}", c.name());
            assert_eq!(s.paused, paused_total);
            assert_moved_by_pauses(&s, c, t("2026-11-23 09:50"));
        }
    }
    let repair = log.ticket.clock(ClockName::Repair).expect("repair clock");
    let reasons: Vec<&str> = repair
        .events()
        .iter()
        .filter_map(|e| match e {
            ClockEvent::Paused { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, ["awaiting_reporter", "third_party", "buyer_window"]);

    log.ok(resolve("2026-11-23 14:40", "2026-11-23 09:50"));
    assert_eq!(log.status(), Status::Resolved);
    assert_eq!(log.ticket.resolved_at(), Some(t("2026-11-23 14:40")));
    assert_eq!(
        log.ticket.resolution(),
        Some(&resolution("2026-11-23 09:50", "2026-11-23 14:40"))
    );
    assert_eq!(
        log.ticket.allowed(),
        ["close", "reopen", "regrade", "assign", "comment"]
    );
    for c in &both() {
        let s = log.clock(ClockName::Repair, c, "2026-11-23 15:00");
        assert_eq!(s.state, ClockState::Met);
        assert_eq!(s.ended_at, Some(t("2026-11-23 14:40")));
        assert_eq!(s.deadline, t("2026-11-23 14:50"));
        assert_eq!(s.consumed, TimeDelta::minutes(3 * 60 + 50));
        assert_eq!(s.remaining, TimeDelta::minutes(10));
    }

    log.ok(close("2026-11-23 15:00", Some(5)));
    assert_eq!(log.status(), Status::Closed);
    assert_eq!(log.ticket.closed_at(), Some(t("2026-11-23 15:00")));
    assert_eq!(log.ticket.resolved_at(), Some(t("2026-11-23 14:40")));
    assert_eq!(log.ticket.satisfaction(), Some(5));
    assert_eq!(log.ticket.allowed(), ["reopen", "comment"]);
    assert_eq!(log.ticket.event_count(), 12);
    for c in &both() {
        for name in ClockName::ALL {
            assert_eq!(log.clock(*name, c, "2026-11-24 09:00").state, ClockState::Met, "{name}");
        }
    }
}

#[test]
fn request_remote_lifecycle_starts_its_clocks_when_received() {
    // Received Friday 2026-11-20 16:30 (the problem noticed at 16:00); requests count from receipt.
    let mut log = Log::open(new_ticket(
        Kind::Request,
        ServiceMode::Remote,
        "2026-11-20 16:00",
        "2026-11-20 16:30",
        targets(Some("1h"), Some("4h"), Some("8h")),
    ));
    let (c24, cn) = (cal("24x7"), cal("cn-5x8"));
    assert_eq!(
        log.clock_names(),
        [ClockName::Response, ClockName::Repair],
        "a remote system has no arrival clock, whatever the targets say"
    );
    for c in [&c24, &cn] {
        for name in [ClockName::Response, ClockName::Repair] {
            assert_eq!(log.clock(name, c, "2026-11-20 16:30").started_at, t("2026-11-20 16:30"));
        }
    }
    assert_eq!(
        log.clock(ClockName::Response, &c24, "2026-11-20 16:30").deadline,
        t("2026-11-20 17:30")
    );
    assert_eq!(
        log.clock(ClockName::Response, &cn, "2026-11-20 16:30").deadline,
        t("2026-11-23 09:30")
    );
    assert_eq!(
        log.clock(ClockName::Repair, &c24, "2026-11-20 16:30").deadline,
        t("2026-11-21 00:30")
    );
    assert_eq!(
        log.clock(ClockName::Repair, &cn, "2026-11-20 16:30").deadline,
        t("2026-11-23 16:30")
    );

    // Acknowledged Monday 09:10: in time on working days, long late on 7×24.
    log.ok(ack("2026-11-23 09:10"));
    assert_eq!(log.status(), Status::Acknowledged);
    assert_eq!(log.ticket.acknowledged_at(), Some(t("2026-11-23 09:10")));
    assert_eq!(
        log.clock(ClockName::Response, &cn, "2026-11-23 09:10").state,
        ClockState::Met
    );
    let late = log.clock(ClockName::Response, &c24, "2026-11-23 09:10");
    assert_eq!(late.state, ClockState::BreachedMet);
    assert_eq!(late.overdue_wall, t("2026-11-23 09:10") - t("2026-11-20 17:30"));
    assert_eq!(
        log.ticket.allowed(),
        ["start", "resolve", "regrade", "cancel", "assign", "comment"],
        "no arrive on a remote system"
    );

    let err = log.err(arrive("2026-11-23 09:12"));
    assert_eq!(
        err,
        invalid("action", "the system is served remotely; there is no arrival on site")
    );
    assert_eq!(
        err.to_string(),
        "action: the system is served remotely; there is no arrival on site"
    );

    log.ok(start("2026-11-23 09:15"));
    assert_eq!(log.status(), Status::InProgress);
    assert_eq!(log.ticket.on_site_at(), None);

    // cn-5x8: 30 min on Friday + 7.5 h on Monday → Monday 16:30, then moved by each pause's
    // working time; the overnight pause costs only 16:00-17:00 and 09:00-10:00.
    let pauses = [
        (
            PauseReason::AwaitingReporter,
            "2026-11-23 10:00",
            "2026-11-23 11:00",
            "2026-11-24 09:30",
            60,
        ),
        (
            PauseReason::ThirdParty,
            "2026-11-23 16:00",
            "2026-11-24 10:00",
            "2026-11-24 11:30",
            180,
        ),
        (
            PauseReason::BuyerWindow,
            "2026-11-24 10:30",
            "2026-11-24 10:45",
            "2026-11-24 11:45",
            195,
        ),
    ];
    for (reason, from, to, deadline, paused_minutes) in pauses {
        log.ok(pause(from, reason));
        assert_eq!(log.status(), Status::Paused);
        log.ok(resume(to));
        assert_eq!(log.status(), Status::InProgress);
        let s = log.clock(ClockName::Repair, &cn, to);
        assert_eq!(s.state, ClockState::Running);
        assert_eq!(s.deadline, t(deadline), "after the {reason} pause");
        assert_eq!(s.paused, TimeDelta::minutes(paused_minutes));
        assert_moved_by_pauses(&s, &cn, t("2026-11-20 16:30"));
        // On 7×24 the deadline passed on Saturday 00:30; pausing afterwards does not undo it.
        let s = log.clock(ClockName::Repair, &c24, to);
        assert_eq!(s.state, ClockState::BreachedRunning);
        assert_eq!(s.deadline, t("2026-11-21 00:30"));
    }

    log.ok(resolve("2026-11-24 11:40", "2026-11-20 16:00"));
    assert_eq!(log.status(), Status::Resolved);
    assert_eq!(log.ticket.resolved_at(), Some(t("2026-11-24 11:40")));
    let s = log.clock(ClockName::Repair, &cn, "2026-11-24 12:00");
    assert_eq!((s.state, s.deadline), (ClockState::Met, t("2026-11-24 11:45")));
    assert_eq!(
        log.clock(ClockName::Repair, &c24, "2026-11-24 12:00").state,
        ClockState::BreachedMet
    );

    log.ok(close("2026-11-24 12:00", None));
    assert_eq!(log.status(), Status::Closed);
    assert_eq!(log.ticket.closed_at(), Some(t("2026-11-24 12:00")));
    assert_eq!(log.ticket.satisfaction(), None);
}

#[test]
fn security_remote_and_on_site_lifecycle_with_working_day_targets() {
    // Wednesday 2026-11-25 15:00; 1 working day to be on site, 2 to repair.
    let mut log = Log::open(new_ticket(
        Kind::Security,
        ServiceMode::RemoteAndOnSite,
        "2026-11-25 15:00",
        "2026-11-25 15:20",
        targets(Some("30m"), Some("1wd"), Some("2wd")),
    ));
    let (c24, cn) = (cal("24x7"), cal("cn-5x8"));
    let began = t("2026-11-25 15:00");
    assert_eq!(
        log.clock_names(),
        [ClockName::Response, ClockName::Arrival, ClockName::Repair]
    );
    for (c, arrival, repair) in [
        (&cn, "2026-11-26 17:00", "2026-11-27 17:00"),
        (&c24, "2026-11-27 00:00", "2026-11-28 00:00"),
    ] {
        assert_eq!(
            log.clock(ClockName::Response, c, "2026-11-25 15:20").deadline,
            t("2026-11-25 15:30")
        );
        let a = log.clock(ClockName::Arrival, c, "2026-11-25 15:20");
        assert_eq!((a.started_at, a.deadline), (began, t(arrival)), "{}", c.name());
        let r = log.clock(ClockName::Repair, c, "2026-11-25 15:20");
        assert_eq!((r.started_at, r.deadline), (began, t(repair)), "{}", c.name());
        assert_eq!(r.deadline, c.deadline(began, dur("2wd")).expect("deadline"));
    }

    log.ok(ack("2026-11-25 15:25"));
    log.ok(arrive("2026-11-26 10:00"));
    assert_eq!(log.status(), Status::OnSite);
    assert_eq!(log.ticket.on_site_at(), Some(t("2026-11-26 10:00")));
    for c in [&c24, &cn] {
        assert_eq!(
            log.clock(ClockName::Response, c, "2026-11-26 10:00").state,
            ClockState::Met
        );
        assert_eq!(
            log.clock(ClockName::Arrival, c, "2026-11-26 10:00").state,
            ClockState::Met
        );
    }
    log.ok(start("2026-11-26 10:05"));

    // cn-5x8 paused working time: 3 h, then 16:00-17:00 + 09:00-10:00, then 30 min.
    let pauses = [
        (
            PauseReason::AwaitingReporter,
            "2026-11-26 11:00",
            "2026-11-26 14:00",
            "2026-11-30 12:00",
        ),
        (
            PauseReason::ThirdParty,
            "2026-11-26 16:00",
            "2026-11-27 10:00",
            "2026-11-30 14:00",
        ),
        (
            PauseReason::BuyerWindow,
            "2026-11-27 11:00",
            "2026-11-27 11:30",
            "2026-11-30 14:30",
        ),
    ];
    for (reason, from, to, deadline) in pauses {
        log.ok(pause(from, reason));
        assert_eq!(log.status(), Status::Paused);
        log.ok(resume(to));
        assert_eq!(log.status(), Status::InProgress);
        let s = log.clock(ClockName::Repair, &cn, to);
        assert_eq!(s.deadline, t(deadline), "after the {reason} pause");
        assert_moved_by_pauses(&s, &cn, began);
        assert_moved_by_pauses(&log.clock(ClockName::Repair, &c24, to), &c24, began);
    }
    // 7×24 counts every paused hour: 3 h + 18 h + 30 min after Saturday 00:00.
    let s = log.clock(ClockName::Repair, &c24, "2026-11-27 11:30");
    assert_eq!(s.paused, TimeDelta::minutes(21 * 60 + 30));
    assert_eq!(s.deadline, t("2026-11-28 21:30"));

    log.ok(resolve("2026-11-30 10:00", "2026-11-25 15:00"));
    assert_eq!(log.status(), Status::Resolved);
    assert_eq!(log.ticket.resolved_at(), Some(t("2026-11-30 10:00")));
    let s = log.clock(ClockName::Repair, &cn, "2026-11-30 10:00");
    assert_eq!((s.state, s.deadline), (ClockState::Met, t("2026-11-30 14:30")));
    assert_eq!(
        log.clock(ClockName::Repair, &c24, "2026-11-30 10:00").state,
        ClockState::BreachedMet
    );
    assert_eq!(
        log.clock(ClockName::Arrival, &cn, "2026-11-30 10:00").state,
        ClockState::Met,
        "an arrived ticket keeps its arrival met"
    );

    log.ok(close("2026-11-30 10:30", Some(4)));
    assert_eq!(log.status(), Status::Closed);
    assert_eq!(log.ticket.closed_at(), Some(t("2026-11-30 10:30")));
    assert_eq!(log.ticket.satisfaction(), Some(4));
}

#[test]
fn alarm_remote_lifecycle_on_a_weekend_night() {
    // Saturday 2026-11-28 02:10: 7×24 counts every minute, cn-5x8 waits for Monday 09:00.
    let mut log = Log::open(new_ticket(
        Kind::Alarm,
        ServiceMode::Remote,
        "2026-11-28 02:10",
        "2026-11-28 02:12",
        targets(Some("5m"), None, Some("2h")),
    ));
    let (c24, cn) = (cal("24x7"), cal("cn-5x8"));
    assert_eq!(log.clock_names(), [ClockName::Response, ClockName::Repair]);
    let r = log.clock(ClockName::Response, &c24, "2026-11-28 02:12");
    assert_eq!(
        (r.started_at, r.deadline),
        (t("2026-11-28 02:10"), t("2026-11-28 02:15"))
    );
    assert_eq!(
        log.clock(ClockName::Response, &cn, "2026-11-28 02:12").deadline,
        t("2026-11-30 09:05")
    );
    assert_eq!(
        log.clock(ClockName::Repair, &c24, "2026-11-28 02:12").deadline,
        t("2026-11-28 04:10")
    );
    assert_eq!(
        log.clock(ClockName::Repair, &cn, "2026-11-28 02:12").deadline,
        t("2026-11-30 11:00")
    );

    log.ok(ack("2026-11-28 02:14"));
    assert_eq!(log.ticket.acknowledged_at(), Some(t("2026-11-28 02:14")));
    for c in [&c24, &cn] {
        assert_eq!(
            log.clock(ClockName::Response, c, "2026-11-28 02:14").state,
            ClockState::Met
        );
    }
    log.ok(start("2026-11-28 02:20"));

    let pauses = [
        (
            PauseReason::AwaitingReporter,
            "2026-11-28 02:30",
            "2026-11-28 02:40",
            "2026-11-28 04:20",
        ),
        (
            PauseReason::ThirdParty,
            "2026-11-28 03:00",
            "2026-11-28 03:30",
            "2026-11-28 04:50",
        ),
        (
            PauseReason::BuyerWindow,
            "2026-11-28 03:40",
            "2026-11-28 04:00",
            "2026-11-28 05:10",
        ),
    ];
    for (reason, from, to, deadline) in pauses {
        log.ok(pause(from, reason));
        assert_eq!(log.status(), Status::Paused);
        assert_eq!(log.clock(ClockName::Repair, &c24, from).state, ClockState::Paused);
        log.ok(resume(to));
        assert_eq!(log.status(), Status::InProgress);
        let s = log.clock(ClockName::Repair, &c24, to);
        assert_eq!(s.deadline, t(deadline), "after the {reason} pause");
        assert_moved_by_pauses(&s, &c24, t("2026-11-28 02:10"));
        // A weekend pause costs no working time.
        let s = log.clock(ClockName::Repair, &cn, to);
        assert_eq!((s.deadline, s.paused), (t("2026-11-30 11:00"), TimeDelta::zero()));
    }

    log.ok(resolve("2026-11-28 04:30", "2026-11-28 02:10"));
    assert_eq!(log.ticket.resolved_at(), Some(t("2026-11-28 04:30")));
    for c in [&c24, &cn] {
        assert_eq!(
            log.clock(ClockName::Repair, c, "2026-11-28 04:30").state,
            ClockState::Met
        );
    }
    log.ok(close("2026-11-28 04:45", Some(3)));
    assert_eq!(log.status(), Status::Closed);
    assert_eq!(log.ticket.closed_at(), Some(t("2026-11-28 04:45")));
    assert_eq!(log.ticket.satisfaction(), Some(3));
}

#[test]
fn requests_start_clocks_at_receipt_and_other_kinds_at_occurrence() {
    let c24 = cal("24x7");
    for kind in Kind::ALL {
        let log = Log::open(new_ticket(
            *kind,
            ServiceMode::OnSite,
            "2026-11-23 08:00",
            "2026-11-23 09:30",
            targets(Some("1h"), Some("3h"), Some("4h")),
        ));
        let (start, deadline) = if *kind == Kind::Request {
            ("2026-11-23 09:30", "2026-11-23 10:30")
        } else {
            ("2026-11-23 08:00", "2026-11-23 09:00")
        };
        assert_eq!(kind.clocks_start_at_occurrence(), *kind != Kind::Request);
        for name in ClockName::ALL {
            let s = log.clock(*name, &c24, "2026-11-23 09:30");
            assert_eq!(s.started_at, t(start), "{kind} {name}");
        }
        let response = log.clock(ClockName::Response, &c24, "2026-11-23 09:30");
        assert_eq!(response.deadline, t(deadline), "{kind}");
        let expected = if *kind == Kind::Request {
            ClockState::Running
        } else {
            ClockState::BreachedRunning
        };
        assert_eq!(response.state, expected, "{kind}: logged 90 minutes after it began");
    }
}

// ---- refused moves -------------------------------------------------------------------------------

#[test]
fn invalid_moves_say_which_actions_are_allowed() {
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ));
    let err = log.err(start("2026-11-23 10:01"));
    assert_eq!(
        err,
        DomainError::InvalidTransition {
            action: "start",
            status: Status::New,
            allowed: "acknowledge, regrade, cancel, assign, comment".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        "cannot start a ticket that is new; allowed now: acknowledge, regrade, cancel, assign, comment"
    );
    assert_invalid_transition(
        &log.err(resolve("2026-11-23 10:01", "2026-11-23 09:50")),
        "resolve",
        Status::New,
    );
    assert_invalid_transition(&log.err(arrive("2026-11-23 10:01")), "arrive", Status::New);
    assert_invalid_transition(&log.err(reopen("2026-11-23 10:01", "x")), "reopen", Status::New);

    log.ok(ack("2026-11-23 10:04"));
    assert_eq!(
        log.err(close("2026-11-23 10:05", Some(5))).to_string(),
        "cannot close a ticket that is acknowledged; allowed now: arrive, start, resolve, regrade, cancel, assign, comment"
    );
    assert_invalid_transition(&log.err(ack("2026-11-23 10:05")), "acknowledge", Status::Acknowledged);
    assert_invalid_transition(
        &log.err(pause("2026-11-23 10:05", PauseReason::ThirdParty)),
        "pause",
        Status::Acknowledged,
    );

    log.ok(start("2026-11-23 10:10"));
    log.ok(pause("2026-11-23 10:20", PauseReason::ThirdParty));
    assert_eq!(
        log.err(resolve("2026-11-23 10:30", "2026-11-23 09:50")).to_string(),
        "cannot resolve a ticket that is paused; allowed now: resume, regrade, cancel, assign, comment"
    );
    assert_invalid_transition(&log.err(arrive("2026-11-23 10:30")), "arrive", Status::Paused);
    assert_invalid_transition(
        &log.err(pause("2026-11-23 10:30", PauseReason::ThirdParty)),
        "pause",
        Status::Paused,
    );
    log.ok(resume("2026-11-23 10:40"));

    // Arriving while in progress puts the ticket on site; arriving twice is refused.
    log.ok(arrive("2026-11-23 10:50"));
    assert_eq!(log.status(), Status::OnSite);
    log.ok(start("2026-11-23 10:55"));
    assert_eq!(
        log.err(arrive("2026-11-23 11:00")).to_string(),
        "cannot arrive a ticket that is in_progress; allowed now: pause, resolve, regrade, cancel, assign, comment"
    );
    assert_invalid_transition(&log.err(resume("2026-11-23 11:00")), "resume", Status::InProgress);

    log.ok(resolve("2026-11-23 11:30", "2026-11-23 09:50"));
    assert_eq!(
        log.err(pause("2026-11-23 11:40", PauseReason::AwaitingReporter))
            .to_string(),
        "cannot pause a ticket that is resolved; allowed now: close, reopen, regrade, assign, comment"
    );
    assert_invalid_transition(
        &log.err(cancel("2026-11-23 11:40", CancelReason::Duplicate)),
        "cancel",
        Status::Resolved,
    );

    log.ok(close("2026-11-23 12:00", None));
    let err = log.err(regrade(
        "2026-11-23 12:10",
        Severity::Urgent,
        "更严重",
        Targets::default(),
    ));
    assert_eq!(
        err.to_string(),
        "cannot regrade a ticket that is closed; allowed now: reopen, comment"
    );
    assert_invalid_transition(&log.err(assign("2026-11-23 12:10", Some(9))), "assign", Status::Closed);
    assert_invalid_transition(&log.err(close("2026-11-23 12:10", Some(4))), "close", Status::Closed);
    log.ok(comment("2026-11-23 12:10", "回访完成"));
}

#[test]
fn arriving_on_a_remote_system_is_invalid_in_every_status() {
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::Remote,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ));
    let remote = invalid("action", "the system is served remotely; there is no arrival on site");
    assert_eq!(log.err(arrive("2026-11-23 10:01")), remote, "new");
    log.ok(ack("2026-11-23 10:02"));
    assert_eq!(log.err(arrive("2026-11-23 10:03")), remote, "acknowledged");
    log.ok(start("2026-11-23 10:04"));
    assert_eq!(log.err(arrive("2026-11-23 10:05")), remote, "in progress");
    assert!(!log.ticket.allowed().contains(&"arrive"));
    assert!(log.ticket.clock(ClockName::Arrival).is_none());
}

#[test]
fn actions_dated_before_the_last_event_are_out_of_order() {
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ));
    // Before the receipt (even though after the occurrence).
    let err = log.err(ack("2026-11-23 09:59"));
    assert_eq!(
        err,
        DomainError::OutOfOrder {
            action: "acknowledge",
            at: t("2026-11-23 09:59"),
            last: t("2026-11-23 10:00"),
        }
    );
    assert_eq!(
        err.to_string(),
        "acknowledge at 2026-11-23 01:59:00 UTC is earlier than the ticket's last event at \
         2026-11-23 02:00:00 UTC; actions must be in time order"
    );
    // The same instant as the last event is fine.
    log.ok(ack("2026-11-23 10:00"));
    log.ok(comment("2026-11-23 10:30", "已联系现场"));
    assert!(matches!(
        log.err(arrive("2026-11-23 10:29")),
        DomainError::OutOfOrder { action: "arrive", .. }
    ));
    assert!(matches!(
        log.err(comment("2026-11-23 10:00", "补记")),
        DomainError::OutOfOrder { action: "comment", .. }
    ));
    // The status check comes first: a refused action says so whatever its instant.
    assert_invalid_transition(&log.err(ack("2026-11-23 09:00")), "acknowledge", Status::Acknowledged);

    // Applying a stored event out of order is refused too, naming the event.
    let before = log.ticket.clone();
    let err = log
        .ticket
        .apply(&Event::Arrived {
            at: t("2026-11-23 10:20"),
        })
        .unwrap_err();
    assert!(
        matches!(err, DomainError::OutOfOrder { action: "arrived", .. }),
        "{err:?}"
    );
    assert_eq!(log.ticket, before);
}

// ---- validation ----------------------------------------------------------------------------------

#[test]
fn opening_checks_the_title_and_the_instants() {
    let base = new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    );
    let with_title = |title: String| NewTicket { title, ..base.clone() };
    for blank in ["", "   ", "\t\n"] {
        assert_eq!(
            Ticket::open(with_title(blank.into())).unwrap_err(),
            invalid("title", "must not be empty"),
            "{blank:?}"
        );
    }
    let err = Ticket::open(with_title("故".repeat(MAX_TITLE_CHARS + 1))).unwrap_err();
    assert_eq!(err, invalid("title", "must be at most 200 characters"));
    assert_eq!(err.to_string(), "title: must be at most 200 characters");
    // 200 characters (600 bytes) is fine, and surrounding blanks do not count.
    assert!(Ticket::open(with_title("故".repeat(MAX_TITLE_CHARS))).is_ok());
    assert!(Ticket::open(with_title(format!("  {}  ", "a".repeat(MAX_TITLE_CHARS)))).is_ok());

    let err = Ticket::open(NewTicket {
        occurred_at: t("2026-11-23 10:01"),
        ..base.clone()
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "occurred_at: 2026-11-23 02:01:00 UTC is after received_at 2026-11-23 02:00:00 UTC"
    );
    assert!(matches!(
        err,
        DomainError::Invalid {
            field: "occurred_at",
            ..
        }
    ));
    // Occurring at the instant of receipt is fine.
    assert!(
        Ticket::open(NewTicket {
            occurred_at: t("2026-11-23 10:00"),
            ..base
        })
        .is_ok()
    );
}

#[test]
fn commands_check_their_fields() {
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ));
    let urgent = targets(Some("10m"), Some("1h"), Some("2h"));

    // Regrade: a reason is required, and the severity must change.
    assert_eq!(
        log.err(regrade("2026-11-23 10:01", Severity::Urgent, "  ", urgent)),
        invalid("reason", "is required")
    );
    let err = log.err(regrade("2026-11-23 10:01", Severity::Serious, "再评估", urgent));
    assert_eq!(err, invalid("severity", "the ticket is already serious"));
    assert_eq!(err.to_string(), "severity: the ticket is already serious");

    // Assign: someone else (or nobody) than now.
    assert_eq!(
        log.err(assign("2026-11-23 10:01", Some(7))),
        invalid("assignee", "the ticket is already assigned so")
    );
    log.ok(assign("2026-11-23 10:01", None));
    assert_eq!(log.ticket.assignee(), None);
    assert_eq!(
        log.err(assign("2026-11-23 10:02", None)),
        invalid("assignee", "the ticket is already assigned so")
    );
    log.ok(assign("2026-11-23 10:02", Some(8)));
    assert_eq!(log.ticket.assignee(), Some(8));

    // Comment: text required, stored trimmed.
    assert_eq!(
        log.err(comment("2026-11-23 10:03", " \n ")),
        invalid("text", "is required")
    );
    log.ok(comment("2026-11-23 10:03", "  已通知值班  "));
    assert_eq!(
        log.last_event(),
        &Event::Commented {
            at: t("2026-11-23 10:03"),
            text: "已通知值班".into(),
        }
    );

    log.ok(ack("2026-11-23 10:04"));
    log.ok(start("2026-11-23 10:05"));

    // Resolve: root cause and fix required; the impact window must be in order and end by then.
    let at = "2026-11-23 11:00";
    let with = |f: &dyn Fn(&mut Resolution)| {
        let mut r = resolution("2026-11-23 09:50", at);
        f(&mut r);
        Command::Resolve {
            at: t(at),
            resolution: r,
        }
    };
    assert_eq!(
        log.err(with(&|r| r.root_cause = " ".into())),
        invalid("root_cause", "is required")
    );
    assert_eq!(log.err(with(&|r| r.fix = String::new())), invalid("fix", "is required"));
    assert_eq!(
        log.err(with(&|r| {
            r.impact_from = t("2026-11-23 10:30");
            r.impact_to = t("2026-11-23 10:20");
        })),
        invalid("impact_to", "the impact window ends before it begins")
    );
    assert_eq!(
        log.err(with(&|r| r.impact_to = t("2026-11-23 11:01"))),
        invalid("impact_to", "the impact window ends after the resolution")
    );
    // An empty window ending at the resolution is fine; the texts are stored trimmed.
    log.ok(with(&|r| {
        r.root_cause = "  光模块老化 ".into();
        r.impact_from = t(at);
        r.follow_up = Some(" 更换同批次光模块 ".into());
    }));
    assert_eq!(
        log.ticket.resolution().map(|r| r.root_cause.as_str()),
        Some("光模块老化")
    );
    // The follow-up (for the incident report) is optional, stored trimmed; blank is none.
    assert_eq!(
        log.ticket.resolution().and_then(|r| r.follow_up.as_deref()),
        Some("更换同批次光模块")
    );

    // Close: satisfaction 1-5.
    for bad in [0, 6, 255] {
        let err = log.err(close("2026-11-23 11:10", Some(bad)));
        assert_eq!(err, invalid("satisfaction", &format!("{bad} is not between 1 and 5")));
    }
    assert_eq!(
        log.err(close("2026-11-23 11:10", Some(0))).to_string(),
        "satisfaction: 0 is not between 1 and 5"
    );

    // Reopen: a reason is required.
    assert_eq!(
        log.err(reopen("2026-11-23 11:10", "")),
        invalid("reason", "is required")
    );

    log.ok(close("2026-11-23 11:10", Some(1)));
    assert_eq!(log.ticket.satisfaction(), Some(1));
    log.ok(reopen("2026-11-23 11:20", "仍然丢包"));
    log.ok(resolve("2026-11-23 11:30", "2026-11-23 09:50"));
    log.ok(close("2026-11-23 11:40", Some(5)));
    assert_eq!(log.ticket.satisfaction(), Some(5));
}

// ---- reopen --------------------------------------------------------------------------------------

#[test]
fn reopening_runs_the_repair_clock_again_without_the_resolved_gap() {
    let c24 = cal("24x7");
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::Remote,
        "2026-11-23 10:00",
        "2026-11-23 10:00",
        targets(Some("15m"), None, Some("4h")),
    ));
    log.ok(ack("2026-11-23 10:05"));
    log.ok(start("2026-11-23 10:10"));
    log.ok(resolve("2026-11-23 11:00", "2026-11-23 10:00"));
    let s = log.clock(ClockName::Repair, &c24, "2026-11-23 12:00");
    assert_eq!((s.state, s.consumed), (ClockState::Met, TimeDelta::hours(1)));

    // From resolved.
    log.ok(reopen("2026-11-23 13:00", "  用户反馈仍无法登录 "));
    assert_eq!(
        log.last_event(),
        &Event::Reopened {
            at: t("2026-11-23 13:00"),
            reason: "用户反馈仍无法登录".into(),
        }
    );
    assert_eq!(log.status(), Status::InProgress);
    assert_eq!(log.ticket.reopened(), 1);
    assert_eq!(log.ticket.resolved_at(), None);
    assert_eq!(log.ticket.closed_at(), None);
    assert!(log.ticket.resolution().is_some(), "the latest resolution is kept");
    assert_eq!(
        log.ticket.allowed(),
        ["pause", "resolve", "regrade", "cancel", "assign", "comment"]
    );
    let s = log.clock(ClockName::Repair, &c24, "2026-11-23 13:30");
    assert_eq!(s.state, ClockState::Running);
    assert_eq!(s.ended_at, None);
    assert_eq!(s.consumed, TimeDelta::minutes(90), "11:00-13:00 is not counted");
    assert_eq!(s.deadline, t("2026-11-23 16:00"));
    assert_eq!(
        log.clock(ClockName::Response, &c24, "2026-11-23 13:30").state,
        ClockState::Met,
        "reopening does not touch the response clock"
    );

    log.ok(resolve("2026-11-23 14:00", "2026-11-23 10:00"));
    assert_eq!(log.ticket.resolved_at(), Some(t("2026-11-23 14:00")));
    let s = log.clock(ClockName::Repair, &c24, "2026-11-23 14:00");
    assert_eq!(
        (s.state, s.consumed, s.deadline),
        (ClockState::Met, TimeDelta::hours(2), t("2026-11-23 16:00"))
    );
    log.ok(close("2026-11-23 14:30", Some(2)));
    assert_eq!(log.ticket.closed_at(), Some(t("2026-11-23 14:30")));

    // From closed.
    log.ok(reopen("2026-11-23 15:00", "再次中断"));
    assert_eq!(log.status(), Status::InProgress);
    assert_eq!(log.ticket.reopened(), 2);
    assert_eq!(log.ticket.resolved_at(), None);
    assert_eq!(log.ticket.closed_at(), None);
    assert_eq!(log.ticket.satisfaction(), None);
    let s = log.clock(ClockName::Repair, &c24, "2026-11-23 15:00");
    assert_eq!((s.state, s.deadline), (ClockState::Running, t("2026-11-23 17:00")));
    assert_eq!(
        log.clock(ClockName::Repair, &c24, "2026-11-23 17:30").state,
        ClockState::BreachedRunning
    );
    log.ok(resolve("2026-11-23 17:45", "2026-11-23 10:00"));
    let s = log.clock(ClockName::Repair, &c24, "2026-11-23 18:00");
    assert_eq!(s.state, ClockState::BreachedMet);
    assert_eq!(s.overdue_wall, TimeDelta::minutes(45));
}

#[test]
fn reopening_overnight_in_working_days_skips_the_working_hours_in_between() {
    let cn = cal("cn-5x8");
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::Remote,
        "2026-11-23 09:00",
        "2026-11-23 09:05",
        targets(Some("30m"), None, Some("8h")),
    ));
    log.ok(ack("2026-11-23 09:10"));
    log.ok(start("2026-11-23 09:15"));
    log.ok(resolve("2026-11-23 16:00", "2026-11-23 09:00"));
    // Reopened the next morning: Monday 16:00-17:00 and Tuesday 09:00-10:00 are not counted.
    log.ok(reopen("2026-11-24 10:00", "早上复现"));
    let s = log.clock(ClockName::Repair, &cn, "2026-11-24 10:30");
    assert_eq!(s.state, ClockState::Running);
    assert_eq!(s.consumed, TimeDelta::minutes(7 * 60 + 30));
    assert_eq!(s.deadline, t("2026-11-24 11:00"));
}

// ---- cancel --------------------------------------------------------------------------------------

#[test]
fn cancelling_cancels_unfinished_clocks_and_keeps_met_ones() {
    let c24 = cal("24x7");
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ));
    log.ok(ack("2026-11-23 10:04"));
    log.ok(start("2026-11-23 10:10"));
    log.ok(pause("2026-11-23 10:30", PauseReason::ThirdParty));
    log.ok(cancel("2026-11-23 11:00", CancelReason::Duplicate));
    assert_eq!(log.status(), Status::Cancelled);
    assert_eq!(
        log.last_event(),
        &Event::Cancelled {
            at: t("2026-11-23 11:00"),
            reason: CancelReason::Duplicate,
            note: None,
        },
        "a blank note is dropped"
    );
    let response = log.clock(ClockName::Response, &c24, "2026-11-23 12:00");
    assert_eq!(
        (response.state, response.ended_at),
        (ClockState::Met, Some(t("2026-11-23 10:04")))
    );
    assert_eq!(
        log.ticket
            .clock(ClockName::Response)
            .expect("response clock")
            .events()
            .len(),
        2,
        "nothing is appended to a met clock"
    );
    for name in [ClockName::Arrival, ClockName::Repair] {
        let s = log.clock(name, &c24, "2026-11-23 12:00");
        assert_eq!(
            (s.state, s.ended_at),
            (ClockState::Cancelled, Some(t("2026-11-23 11:00"))),
            "{name}"
        );
        assert!(matches!(
            log.ticket.clock(name).and_then(|c| c.events().last()),
            Some(ClockEvent::Cancelled { reason, .. }) if reason == "duplicate"
        ));
    }

    // Nothing but comments afterwards.
    assert_eq!(log.ticket.allowed(), ["comment"]);
    let later = "2026-11-23 11:30";
    let refused = [
        ack(later),
        arrive(later),
        start(later),
        pause(later, PauseReason::AwaitingReporter),
        resume(later),
        regrade(later, Severity::Urgent, "升级", Targets::default()),
        resolve(later, "2026-11-23 09:50"),
        close(later, Some(3)),
        reopen(later, "误取消"),
        cancel(later, CancelReason::Withdrawn),
        assign(later, Some(9)),
    ];
    for command in refused {
        let name = command.name();
        let err = log.err(command);
        assert_eq!(
            err,
            DomainError::InvalidTransition {
                action: name,
                status: Status::Cancelled,
                allowed: "comment".into(),
            }
        );
    }
    assert_eq!(
        log.err(assign(later, None)).to_string(),
        "cannot assign a ticket that is cancelled; allowed now: comment"
    );
    log.ok(comment(later, "与 INC-2026-000122 重复"));
    assert_eq!(log.status(), Status::Cancelled);
}

#[test]
fn cancelling_keeps_a_breached_met_clock_breached_met() {
    let c24 = cal("24x7");
    let mut log = Log::open(new_ticket(
        Kind::Alarm,
        ServiceMode::OnSite,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ));
    log.ok(ack("2026-11-23 10:20"));
    log.ok(arrive("2026-11-23 11:00"));
    log.ok(cancel("2026-11-23 11:30", CancelReason::Withdrawn));
    let states: Vec<ClockState> = ClockName::ALL
        .iter()
        .map(|n| log.clock(*n, &c24, "2026-11-23 12:00").state)
        .collect();
    assert_eq!(
        states,
        [ClockState::BreachedMet, ClockState::Met, ClockState::Cancelled]
    );
}

#[test]
fn cancelling_a_new_ticket_cancels_every_clock() {
    let cn = cal("cn-5x8");
    let mut log = Log::open(new_ticket(
        Kind::Request,
        ServiceMode::OnSite,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ));
    log.ok(cancel("2026-11-23 10:01", CancelReason::Withdrawn));
    assert_eq!(log.ticket.acknowledged_at(), None);
    for name in ClockName::ALL {
        let s = log.clock(*name, &cn, "2026-11-23 10:01");
        assert_eq!(
            (s.state, s.ended_at),
            (ClockState::Cancelled, Some(t("2026-11-23 10:01")))
        );
    }
}

// ---- regrade -------------------------------------------------------------------------------------

#[test]
fn regrading_measures_the_new_targets_from_the_original_start() {
    for c in &both() {
        let mut log = Log::open(NewTicket {
            severity: Severity::General,
            ..new_ticket(
                Kind::Fault,
                ServiceMode::OnSite,
                "2026-11-23 09:30",
                "2026-11-23 09:40",
                targets(Some("30m"), Some("4h"), Some("8h")),
            )
        });
        let began = t("2026-11-23 09:30");
        log.ok(ack("2026-11-23 09:50"));
        let urgent = targets(Some("15m"), Some("2h"), Some("4h"));
        log.ok(regrade("2026-11-23 10:30", Severity::Urgent, " 核心业务中断 ", urgent));
        assert_eq!(
            log.last_event(),
            &Event::Regraded {
                at: t("2026-11-23 10:30"),
                from: Severity::General,
                to: Severity::Urgent,
                reason: "核心业务中断".into(),
                targets: urgent,
            }
        );
        assert_eq!(log.ticket.severity(), Severity::Urgent);
        assert_eq!(
            log.status(),
            Status::Acknowledged,
            "regrading does not change the status"
        );
        assert_eq!(log.ticket.opened_with().severity, Severity::General);

        for (name, old, new) in [
            (ClockName::Response, "30m", "15m"),
            (ClockName::Arrival, "4h", "2h"),
            (ClockName::Repair, "8h", "4h"),
        ] {
            let clock = log.ticket.clock(name).expect("clock");
            assert_eq!(
                clock.targets(),
                [(began, dur(old)), (t("2026-11-23 10:30"), dur(new))],
                "{name}: the old target is kept in the history"
            );
            let s = log.clock(name, c, "2026-11-23 10:30");
            assert_eq!(s.target, dur(new));
            assert_eq!(s.started_at, began);
            assert_eq!(
                s.deadline,
                c.deadline(began, dur(new)).expect("deadline"),
                "{name} in {}",
                c.name()
            );
            // Before the regrade the old target was in force.
            assert_eq!(log.clock(name, c, "2026-11-23 10:00").target, dur(old));
        }
        // Acknowledged at 09:50: within 30 minutes, not within 15.
        assert_eq!(
            log.clock(ClockName::Response, c, "2026-11-23 10:00").state,
            ClockState::Met
        );
        let s = log.clock(ClockName::Response, c, "2026-11-23 10:30");
        assert_eq!((s.state, s.deadline), (ClockState::BreachedMet, t("2026-11-23 09:45")));
        assert_eq!(
            log.clock(ClockName::Repair, c, "2026-11-23 10:30").deadline,
            t("2026-11-23 13:30")
        );
    }
}

#[test]
fn regrading_after_resolution_changes_met_and_breached_met() {
    let c24 = cal("24x7");
    let mut log = Log::open(NewTicket {
        severity: Severity::General,
        ..new_ticket(
            Kind::Fault,
            ServiceMode::Remote,
            "2026-11-23 10:00",
            "2026-11-23 10:00",
            targets(Some("30m"), None, Some("8h")),
        )
    });
    log.ok(ack("2026-11-23 10:05"));
    log.ok(start("2026-11-23 10:10"));
    log.ok(resolve("2026-11-23 15:00", "2026-11-23 10:00"));
    assert_eq!(
        log.clock(ClockName::Repair, &c24, "2026-11-23 15:30").state,
        ClockState::Met
    );

    log.ok(regrade(
        "2026-11-23 16:00",
        Severity::Urgent,
        "确认影响核心业务",
        targets(Some("15m"), None, Some("4h")),
    ));
    assert_eq!(log.status(), Status::Resolved);
    let s = log.clock(ClockName::Repair, &c24, "2026-11-23 16:00");
    assert_eq!(s.state, ClockState::BreachedMet);
    assert_eq!(s.deadline, t("2026-11-23 14:00"));
    assert_eq!(s.overdue_wall, TimeDelta::hours(1));
    assert_eq!(
        log.clock(ClockName::Repair, &c24, "2026-11-23 15:30").state,
        ClockState::Met,
        "evaluated before the regrade, the old target applies"
    );
    assert_eq!(
        log.clock(ClockName::Response, &c24, "2026-11-23 16:00").state,
        ClockState::Met
    );

    log.ok(regrade(
        "2026-11-23 16:30",
        Severity::General,
        "复核后降级",
        targets(Some("30m"), None, Some("8h")),
    ));
    assert_eq!(log.ticket.severity(), Severity::General);
    assert_eq!(
        log.clock(ClockName::Repair, &c24, "2026-11-23 16:30").state,
        ClockState::Met
    );
    assert_eq!(log.ticket.clock(ClockName::Repair).expect("repair").targets().len(), 3);

    log.ok(close("2026-11-23 17:00", Some(4)));
    assert_invalid_transition(
        &log.err(regrade("2026-11-23 17:10", Severity::Urgent, "x", Targets::default())),
        "regrade",
        Status::Closed,
    );
}

#[test]
fn regrading_with_working_day_targets_uses_the_period_rules() {
    let cn = cal("cn-5x8");
    let mut log = Log::open(new_ticket(
        Kind::Request,
        ServiceMode::Remote,
        "2026-11-25 14:00",
        "2026-11-25 15:00",
        targets(Some("4h"), None, Some("5wd")),
    ));
    let began = t("2026-11-25 15:00");
    assert_eq!(
        log.clock(ClockName::Repair, &cn, "2026-11-25 15:00").deadline,
        t("2026-12-02 17:00")
    );
    log.ok(regrade(
        "2026-11-26 09:00",
        Severity::Urgent,
        "影响全员",
        targets(Some("1h"), None, Some("2wd")),
    ));
    let s = log.clock(ClockName::Repair, &cn, "2026-11-26 09:00");
    assert_eq!(s.deadline, cn.deadline(began, dur("2wd")).expect("deadline"));
    assert_eq!(s.deadline, t("2026-11-27 17:00"));
    // The response clock, still running, breached once the new 1 h ran out (16:00 Wednesday).
    let s = log.clock(ClockName::Response, &cn, "2026-11-26 09:00");
    assert_eq!(
        (s.state, s.deadline),
        (ClockState::BreachedRunning, t("2026-11-25 16:00"))
    );
}

// ---- visits --------------------------------------------------------------------------------------

#[test]
fn resolving_without_a_visit_cancels_the_arrival_clock() {
    let c24 = cal("24x7");
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::RemoteAndOnSite,
        "2026-11-23 10:00",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ));
    log.ok(ack("2026-11-23 10:05"));
    log.ok(start("2026-11-23 10:10"));
    log.ok(resolve("2026-11-23 11:00", "2026-11-23 10:00"));
    assert_eq!(log.ticket.on_site_at(), None);
    let arrival = log.clock(ClockName::Arrival, &c24, "2026-11-23 11:00");
    assert_eq!(
        (arrival.state, arrival.ended_at),
        (ClockState::Cancelled, Some(t("2026-11-23 11:00")))
    );
    assert!(matches!(
        log.ticket.clock(ClockName::Arrival).and_then(|c| c.events().last()),
        Some(ClockEvent::Cancelled { reason, .. }) if reason == "resolved without a visit"
    ));
    assert_eq!(
        log.clock(ClockName::Response, &c24, "2026-11-23 11:00").state,
        ClockState::Met
    );
    assert_eq!(
        log.clock(ClockName::Repair, &c24, "2026-11-23 11:00").state,
        ClockState::Met
    );

    // A regrade leaves the cancelled arrival clock alone.
    log.ok(regrade(
        "2026-11-23 11:30",
        Severity::Urgent,
        "升级",
        targets(Some("10m"), Some("1h"), Some("2h")),
    ));
    assert_eq!(
        log.ticket.clock(ClockName::Arrival).expect("arrival").targets().len(),
        1
    );
    assert_eq!(log.ticket.clock(ClockName::Repair).expect("repair").targets().len(), 2);
    assert_eq!(
        log.clock(ClockName::Arrival, &c24, "2026-11-23 11:30").state,
        ClockState::Cancelled
    );

    // Reopened, an engineer may still go; the visit is recorded, the arrival clock stays cancelled.
    log.ok(reopen("2026-11-23 12:00", "需要现场处理"));
    assert!(log.ticket.allowed().contains(&"arrive"));
    log.ok(arrive("2026-11-23 12:30"));
    assert_eq!(log.status(), Status::OnSite);
    assert_eq!(log.ticket.on_site_at(), Some(t("2026-11-23 12:30")));
    assert_eq!(
        log.clock(ClockName::Arrival, &c24, "2026-11-23 12:30").state,
        ClockState::Cancelled
    );
}

#[test]
fn resolving_without_a_visit_after_the_arrival_deadline_still_cancels_it() {
    let c24 = cal("24x7");
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 10:00",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ));
    log.ok(ack("2026-11-23 10:05"));
    log.ok(resolve("2026-11-23 13:00", "2026-11-23 10:00"));
    let s = log.clock(ClockName::Arrival, &c24, "2026-11-23 13:00");
    assert_eq!(s.state, ClockState::Cancelled);
    assert!(s.breached, "the deadline (12:00) passed while it ran");
}

#[test]
fn an_arrived_ticket_keeps_its_arrival_met_when_resolved() {
    let cn = cal("cn-5x8");
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 10:00",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ));
    log.ok(ack("2026-11-23 10:05"));
    log.ok(arrive("2026-11-23 11:00"));
    log.ok(start("2026-11-23 11:05"));
    log.ok(resolve("2026-11-23 12:00", "2026-11-23 10:00"));
    let s = log.clock(ClockName::Arrival, &cn, "2026-11-23 12:00");
    assert_eq!((s.state, s.ended_at), (ClockState::Met, Some(t("2026-11-23 11:00"))));
    assert_eq!(log.ticket.clock(ClockName::Arrival).expect("arrival").events().len(), 2);
}

// ---- the event stream ----------------------------------------------------------------------------

#[test]
fn events_round_trip_through_json_and_replay_to_the_same_ticket() {
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("3wd")),
    ));
    log.ok(assign("2026-11-23 10:01", Some(8)));
    log.ok(comment("2026-11-23 10:02", "已电话联系"));
    log.ok(ack("2026-11-23 10:03"));
    log.ok(arrive("2026-11-23 10:30"));
    log.ok(start("2026-11-23 10:35"));
    log.ok(pause("2026-11-23 10:40", PauseReason::AwaitingReporter));
    log.ok(resume("2026-11-23 10:50"));
    log.ok(regrade(
        "2026-11-23 11:00",
        Severity::Urgent,
        "升级",
        targets(Some("10m"), Some("1h"), Some("4h")),
    ));
    log.ok(resolve("2026-11-23 12:00", "2026-11-23 09:50"));
    log.ok(close("2026-11-23 12:10", Some(5)));
    log.ok(reopen("2026-11-23 12:20", "复发"));
    log.ok(cancel("2026-11-23 12:30", CancelReason::Withdrawn));
    log.ok(comment("2026-11-23 12:40", "用户撤回"));
    let kinds: Vec<&str> = log.events.iter().map(Event::kind).collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "assigned",
            "commented",
            "acknowledged",
            "arrived",
            "started",
            "paused",
            "resumed",
            "regraded",
            "resolved",
            "closed",
            "reopened",
            "cancelled",
            "commented"
        ]
    );

    let json = serde_json::to_string(&log.events).expect("events serialize");
    let stored: Vec<Event> = serde_json::from_str(&json).expect("events deserialize");
    assert_eq!(stored, log.events);
    let replayed = Ticket::from_events(&stored).expect("the stored stream replays");
    assert_eq!(replayed, log.ticket);
    assert_eq!(replayed.event_count(), 14);
    assert_eq!(replayed.last_event_at(), t("2026-11-23 12:40"));

    // Each event is tagged by its type, instants in UTC.
    assert_eq!(
        serde_json::to_value(&log.events[6]).expect("serialize"),
        serde_json::json!({
            "type": "paused",
            "at": "2026-11-23T02:40:00Z",
            "reason": "awaiting_reporter",
            "note": "等待报告人",
        })
    );
    let opened = serde_json::to_value(&log.events[0]).expect("serialize");
    assert_eq!(opened["type"], "opened");
    assert_eq!(
        opened["ticket"]["targets"],
        serde_json::json!({"response": "15m", "arrival": "2h", "repair": "3wd"})
    );
    assert_eq!(opened["ticket"]["service_mode"], "on_site");

    // Every prefix replays to the ticket as it was then.
    let mut step = Ticket::from_events(&stored[..1]).expect("opened");
    for (i, e) in stored.iter().enumerate().skip(1) {
        step.apply(e).expect("apply");
        assert_eq!(Ticket::from_events(&stored[..=i]).expect("prefix"), step);
    }
}

#[test]
fn commands_round_trip_through_json_tagged_by_action() {
    let command: Command = serde_json::from_value(serde_json::json!({
        "action": "pause",
        "at": "2026-11-23T10:40:00+08:00",
        "reason": "third_party",
        "note": null,
    }))
    .expect("command");
    assert_eq!(
        command,
        Command::Pause {
            at: t("2026-11-23 10:40"),
            reason: PauseReason::ThirdParty,
            note: None,
        }
    );
    for c in [
        ack("2026-11-23 10:00"),
        resolve("2026-11-23 12:00", "2026-11-23 09:00"),
        regrade(
            "2026-11-23 11:00",
            Severity::Minor,
            "降级",
            targets(None, None, Some("3d")),
        ),
        close("2026-11-23 13:00", Some(4)),
        cancel("2026-11-23 13:00", CancelReason::Duplicate),
        assign("2026-11-23 13:00", None),
    ] {
        let json = serde_json::to_string(&c).expect("serialize");
        assert!(json.contains(&format!("\"action\":\"{}\"", c.name())), "{json}");
        assert_eq!(serde_json::from_str::<Command>(&json).expect("deserialize"), c);
    }
}

#[test]
fn a_stream_must_start_with_opened_and_only_once() {
    let (_, opened) = Ticket::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ))
    .expect("open");
    let acknowledged = Event::Acknowledged {
        at: t("2026-11-23 10:05"),
    };
    assert_eq!(
        Ticket::from_events(Vec::<&Event>::new()).unwrap_err(),
        DomainError::NotOpened
    );
    let err = Ticket::from_events([&acknowledged, &opened]).unwrap_err();
    assert_eq!(err, DomainError::NotOpened);
    assert_eq!(
        err.to_string(),
        "a ticket's first event must be `opened`, and only the first"
    );
    assert_eq!(
        Ticket::from_events([&opened, &opened]).unwrap_err(),
        DomainError::NotOpened
    );
    // A second `opened` later in the stream is also out of order (it carries the receipt instant).
    assert!(Ticket::from_events([&opened, &acknowledged, &opened]).is_err());
    let mut ticket = Ticket::from_events([&opened]).expect("opened alone");
    assert_eq!(ticket.apply(&opened).unwrap_err(), DomainError::NotOpened);
    // An opened event with invalid contents is refused on replay as on opening.
    let Event::Opened { at, ticket: mut new } = opened.clone() else {
        unreachable!()
    };
    new.title = " ".into();
    assert_eq!(
        Ticket::from_events([&Event::Opened { at, ticket: new }]).unwrap_err(),
        invalid("title", "must not be empty")
    );
}

#[test]
fn a_stored_stream_that_resumes_what_never_paused_is_refused() {
    let (_, opened) = Ticket::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ))
    .expect("open");
    // Resuming a repair clock that never paused.
    let err = Ticket::from_events([
        &opened,
        &Event::Resumed {
            at: t("2026-11-23 10:05"),
        },
    ])
    .unwrap_err();
    assert!(
        matches!(
            err,
            DomainError::InvalidTransition {
                action: "resume",
                status: Status::New,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_stored_stream_with_an_impossible_transition_is_refused() {
    let (_, opened) = Ticket::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 09:50",
        "2026-11-23 10:00",
        targets(Some("15m"), Some("2h"), Some("4h")),
    ))
    .expect("open");
    let at = t("2026-11-23 10:05");
    let streams: [(&str, Vec<Event>); 3] = [
        // Closed without ever being acknowledged or resolved.
        (
            "opened, closed",
            vec![Event::Closed {
                at,
                satisfaction: Some(5),
                note: None,
            }],
        ),
        // Work started on a ticket nobody acknowledged.
        ("opened, started", vec![Event::Started { at }]),
        // Acknowledged twice: the second would overwrite `acknowledged_at`.
        (
            "opened, acknowledged, acknowledged",
            vec![
                Event::Acknowledged { at },
                Event::Acknowledged {
                    at: t("2026-11-23 11:00"),
                },
            ],
        ),
    ];
    let accepted: Vec<String> = streams
        .iter()
        .filter_map(|(name, rest)| {
            let replayed = Ticket::from_events(std::iter::once(&opened).chain(rest)).ok()?;
            Some(format!(
                "[{name}] replayed to status {}, acknowledged_at {:?}, resolved_at {:?}",
                replayed.status(),
                replayed.acknowledged_at(),
                replayed.resolved_at()
            ))
        })
        .collect();
    assert!(
        accepted.is_empty(),
        "corrupted streams accepted:\n{}",
        accepted.join("\n")
    );
}

#[test]
fn repair_counted_from_arrival_starts_when_the_engineer_checks_in() {
    // Seed 004 row 22: "2 小时内做出响应，3 小时内到达故障现场，到达现场后 1 小时内修复".
    let from_arrival = Targets {
        repair_from_arrival: true,
        ..targets(Some("2h"), Some("3h"), Some("1h"))
    };
    let c24 = cal("24x7");
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 10:00",
        "2026-11-23 10:05",
        from_arrival,
    ));
    assert_eq!(log.clock_names(), [ClockName::Response, ClockName::Arrival]);
    log.ok(ack("2026-11-23 10:30"));
    // A regrade before the arrival changes the waiting target, not where it starts.
    log.ok(regrade(
        "2026-11-23 10:40",
        Severity::Urgent,
        "全部业务中断",
        Targets {
            repair_from_arrival: true,
            ..targets(Some("1h"), Some("3h"), Some("2h"))
        },
    ));
    log.ok(arrive("2026-11-23 11:50"));
    assert_eq!(
        log.clock_names(),
        [ClockName::Response, ClockName::Arrival, ClockName::Repair]
    );
    let r = log.clock(ClockName::Repair, &c24, "2026-11-23 12:00");
    assert_eq!(
        (r.started_at, r.deadline, r.state),
        (t("2026-11-23 11:50"), t("2026-11-23 13:50"), ClockState::Running)
    );
    log.ok(start("2026-11-23 11:55"));
    log.ok(resolve("2026-11-23 13:00", "2026-11-23 10:00"));
    assert_eq!(
        log.clock(ClockName::Repair, &c24, "2026-11-23 13:00").state,
        ClockState::Met
    );

    // A remote ticket has no arrival: the same targets count repair from the start.
    let log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::Remote,
        "2026-11-23 10:00",
        "2026-11-23 10:05",
        from_arrival,
    ));
    assert_eq!(log.clock_names(), [ClockName::Response, ClockName::Repair]);
    assert_eq!(
        log.clock(ClockName::Repair, &c24, "2026-11-23 10:05").deadline,
        t("2026-11-23 11:00")
    );

    // Resolved without a visit: the repair clock never started, the arrival is cancelled.
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::RemoteAndOnSite,
        "2026-11-23 10:00",
        "2026-11-23 10:05",
        from_arrival,
    ));
    log.ok(ack("2026-11-23 10:10"));
    log.ok(start("2026-11-23 10:15"));
    log.ok(resolve("2026-11-23 10:45", "2026-11-23 10:00"));
    assert_eq!(log.clock_names(), [ClockName::Response, ClockName::Arrival]);
    assert_eq!(
        log.clock(ClockName::Arrival, &c24, "2026-11-23 10:45").state,
        ClockState::Cancelled
    );
}

#[test]
fn a_regrade_without_a_repair_target_keeps_the_waiting_repair_clock() {
    // Found by the property test: new targets without a repair duration used to drop the repair
    // clock still waiting for the arrival, while a running one keeps its target. Both keep it.
    let from_arrival = Targets {
        repair_from_arrival: true,
        ..targets(None, Some("1h"), Some("4h"))
    };
    let c24 = cal("24x7");
    let mut log = Log::open(new_ticket(
        Kind::Fault,
        ServiceMode::OnSite,
        "2026-11-23 10:00",
        "2026-11-23 10:00",
        from_arrival,
    ));
    log.ok(regrade(
        "2026-11-23 10:10",
        Severity::General,
        "影响有限",
        targets(None, None, None),
    ));
    log.ok(ack("2026-11-23 10:20"));
    log.ok(arrive("2026-11-23 10:50"));
    assert_eq!(log.clock_names(), [ClockName::Arrival, ClockName::Repair]);
    assert_eq!(
        log.clock(ClockName::Repair, &c24, "2026-11-23 11:00").deadline,
        t("2026-11-23 14:50")
    );
}

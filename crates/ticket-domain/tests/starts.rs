//! Where clocks start and which calendar each counts in, as contracts word them (issue 24):
//! clocks counted from the report, an arrival counted from the buyer's request for a visit, and
//! a response on 7×24 beside a repair on 5×8.

use chrono::{DateTime, NaiveDateTime, Utc};
use sla_clock::{Calendar, ClockState, Severity, SlaDuration};
use ticket_domain::evidence::{Recording, Side};
use ticket_domain::{
    Calendars, ClockName, ClockStart, Command, DomainError, Event, Kind, NewTicket, ServiceMode, Targets, Ticket,
};

/// An instant written as Beijing local time, `"2026-11-23 10:04"`.
fn t(local: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").expect("instant as YYYY-MM-DD HH:MM");
    format!("{}+08:00", naive.format("%Y-%m-%dT%H:%M:%S"))
        .parse()
        .expect("instant with offset")
}

fn dur(text: &str) -> Option<SlaDuration> {
    Some(text.parse().expect("SLA duration"))
}

fn cal(name: &str) -> Calendar {
    sla_clock::builtin::calendar(name).expect("shipped calendar")
}

fn new_ticket(mode: ServiceMode, occurred: &str, received: &str, targets: Targets) -> NewTicket {
    NewTicket {
        category: None,
        kind: Kind::Fault,
        severity: Severity::Serious,
        severity_reason: None,
        title: "视频专网汇聚交换机掉线".into(),
        description: String::new(),
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

fn apply(ticket: &mut Ticket, command: Command) -> Result<(), DomainError> {
    for e in ticket.decide(command)? {
        ticket.apply(&e)?;
    }
    Ok(())
}

fn deadline(ticket: &Ticket, clock: ClockName, calendar: &Calendar) -> DateTime<Utc> {
    ticket
        .clock(clock)
        .expect("clock runs")
        .status(calendar, ticket.last_event_at())
        .expect("status")
        .deadline
}

/// Seed 004 counts "在接到故障通知或发现故障问题后" (L27561): under `start = reported` a reporter's
/// early `occurred_at` is kept but starts nothing; by default it starts every clock.
#[test]
fn clocks_start_at_the_report_when_the_policy_says_so() {
    let cal = cal("24x7");
    let targets = |start| Targets {
        response: dur("1h"),
        repair: dur("24h"),
        start,
        ..Default::default()
    };
    let (reported, _) = Ticket::open(new_ticket(
        ServiceMode::Remote,
        "2026-11-23 06:00",
        "2026-11-23 09:00",
        targets(ClockStart::Reported),
    ))
    .unwrap();
    assert_eq!(reported.clocks_start(), t("2026-11-23 09:00"));
    assert_eq!(reported.occurred_at(), t("2026-11-23 06:00"), "the fact is kept");
    assert_eq!(deadline(&reported, ClockName::Response, &cal), t("2026-11-23 10:00"));
    assert_eq!(deadline(&reported, ClockName::Repair, &cal), t("2026-11-24 09:00"));

    let (occurred, _) = Ticket::open(new_ticket(
        ServiceMode::Remote,
        "2026-11-23 06:00",
        "2026-11-23 09:00",
        targets(ClockStart::Occurred),
    ))
    .unwrap();
    assert_eq!(deadline(&occurred, ClockName::Response, &cal), t("2026-11-23 07:00"));
    // Received at 09:00, the default reading is breached on arrival; the reported one is not.
    assert_eq!(
        occurred.breached_clocks(&cal, t("2026-11-23 09:00")).unwrap(),
        vec![ClockName::Response]
    );
    assert!(
        reported
            .breached_clocks(&cal, t("2026-11-23 09:00"))
            .unwrap()
            .is_empty()
    );
}

/// "或发现故障问题后": an alarm is the monitor's discovery, so under `start = reported` it still
/// counts from the firing, while a fault counts from the report.
#[test]
fn an_alarm_counts_from_its_firing_even_under_reported_starts() {
    let cal = cal("24x7");
    let new = NewTicket {
        category: None,
        kind: Kind::Alarm,
        ..new_ticket(
            ServiceMode::Remote,
            "2026-11-23 06:00",
            "2026-11-23 06:02",
            Targets {
                response: dur("1h"),
                start: ClockStart::Reported,
                ..Default::default()
            },
        )
    };
    let (alarm, _) = Ticket::open(new).unwrap();
    assert_eq!(alarm.clocks_start(), t("2026-11-23 06:00"));
    assert_eq!(deadline(&alarm, ClockName::Response, &cal), t("2026-11-23 07:00"));
}

/// Under `start = reported` a vendor's back-dated receipt is still the claim the buyer decides:
/// the stated start is the receipt, compared with the recording.
#[test]
fn a_back_dated_report_is_a_claim_under_reported_starts() {
    let new = new_ticket(
        ServiceMode::Remote,
        "2026-11-23 06:00",
        "2026-11-23 07:00",
        Targets {
            response: dur("1h"),
            start: ClockStart::Reported,
            ..Default::default()
        },
    );
    let rec = Recording {
        side: Side::Buyer,
        at: t("2026-11-23 09:00"),
        tolerance: chrono::TimeDelta::minutes(15),
    };
    let (ticket, _) = Ticket::open_as(new, &rec).unwrap();
    assert_eq!(ticket.stated_start(), t("2026-11-23 07:00"));
    assert_eq!(ticket.clocks_start(), t("2026-11-23 09:00"), "waits for the vendor");
}

fn on_request() -> Targets {
    Targets {
        response: dur("30m"),
        arrival: dur("4h"),
        repair: dur("24h"),
        arrival_from_visit_request: true,
        ..Default::default()
    }
}

/// sy-057: "接到用户现场服务要求后 4 小时内到达现场" (seed 004 L11985–11989): the arrival clock
/// starts at the buyer's request, not at the fault.
#[test]
fn an_arrival_counted_from_the_request_for_a_visit_starts_there() {
    let cal = cal("24x7");
    let (mut ticket, _) = Ticket::open(new_ticket(
        ServiceMode::RemoteAndOnSite,
        "2026-11-23 08:00",
        "2026-11-23 08:00",
        on_request(),
    ))
    .unwrap();
    assert!(
        ticket.clock(ClockName::Arrival).is_none(),
        "no arrival clock until asked"
    );
    assert!(ticket.allowed().contains(&"request_visit"));
    apply(
        &mut ticket,
        Command::Acknowledge {
            at: t("2026-11-23 08:10"),
        },
    )
    .unwrap();
    apply(
        &mut ticket,
        Command::RequestVisit {
            at: t("2026-11-23 13:00"),
        },
    )
    .unwrap();
    assert_eq!(ticket.visit_requested_at(), Some(t("2026-11-23 13:00")));
    assert_eq!(deadline(&ticket, ClockName::Arrival, &cal), t("2026-11-23 17:00"));
    let names: Vec<_> = ticket.clocks().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        vec![ClockName::Response, ClockName::Arrival, ClockName::Repair],
        "in order"
    );
    assert!(!ticket.allowed().contains(&"request_visit"));
    let again = ticket
        .decide(Command::RequestVisit {
            at: t("2026-11-23 14:00"),
        })
        .unwrap_err();
    assert!(again.to_string().contains("already requested"), "{again}");
    // 16:30 is within the 4 hours from the request, though 8.5 hours from the fault.
    apply(
        &mut ticket,
        Command::Arrive {
            at: t("2026-11-23 16:30"),
        },
    )
    .unwrap();
    let arrival = ticket
        .clock(ClockName::Arrival)
        .unwrap()
        .status(&cal, t("2026-11-23 16:30"))
        .unwrap();
    assert_eq!(arrival.state, ClockState::Met);
    // The replay gives the same ticket.
    assert_eq!(Ticket::from_events(ticket.events()).unwrap(), ticket);
}

/// Unasked, a visit meets no deadline, and afterwards no arrival can be asked for.
#[test]
fn a_visit_nobody_asked_for_starts_no_arrival_clock() {
    let (mut ticket, _) = Ticket::open(new_ticket(
        ServiceMode::OnSite,
        "2026-11-23 08:00",
        "2026-11-23 08:00",
        on_request(),
    ))
    .unwrap();
    apply(
        &mut ticket,
        Command::Acknowledge {
            at: t("2026-11-23 08:10"),
        },
    )
    .unwrap();
    apply(
        &mut ticket,
        Command::Arrive {
            at: t("2026-11-23 20:00"),
        },
    )
    .unwrap();
    assert!(ticket.clock(ClockName::Arrival).is_none());
    let err = ticket
        .decide(Command::RequestVisit {
            at: t("2026-11-23 20:05"),
        })
        .unwrap_err();
    assert!(err.to_string().contains("already on site"), "{err}");
}

/// A system whose arrival counts with the other clocks refuses a request for a visit, saying why.
#[test]
fn a_request_for_a_visit_where_the_arrival_does_not_count_from_it_is_refused() {
    let targets = Targets {
        arrival_from_visit_request: false,
        ..on_request()
    };
    let (ticket, _) = Ticket::open(new_ticket(
        ServiceMode::OnSite,
        "2026-11-23 08:00",
        "2026-11-23 08:00",
        targets,
    ))
    .unwrap();
    assert!(ticket.clock(ClockName::Arrival).is_some());
    let err = ticket
        .decide(Command::RequestVisit {
            at: t("2026-11-23 09:00"),
        })
        .unwrap_err();
    assert!(err.to_string().contains("does not count from a request"), "{err}");
    // Remote service: no arrival at all, so nothing to ask for either.
    let (remote, _) = Ticket::open(new_ticket(
        ServiceMode::Remote,
        "2026-11-23 08:00",
        "2026-11-23 08:00",
        on_request(),
    ))
    .unwrap();
    assert!(
        remote
            .decide(Command::RequestVisit {
                at: t("2026-11-23 09:00")
            })
            .is_err()
    );
}

/// A re-grade before the request changes the target the arrival will count; it still waits.
#[test]
fn a_regrade_before_the_request_changes_the_waiting_target() {
    let cal = cal("24x7");
    let (mut ticket, _) = Ticket::open(new_ticket(
        ServiceMode::OnSite,
        "2026-11-23 08:00",
        "2026-11-23 08:00",
        on_request(),
    ))
    .unwrap();
    apply(
        &mut ticket,
        Command::Regrade {
            at: t("2026-11-23 08:05"),
            severity: Severity::Urgent,
            reason: "全区视频中断".into(),
            targets: Targets {
                arrival: dur("2h"),
                ..on_request()
            },
        },
    )
    .unwrap();
    assert!(ticket.clock(ClockName::Arrival).is_none());
    apply(
        &mut ticket,
        Command::RequestVisit {
            at: t("2026-11-23 09:00"),
        },
    )
    .unwrap();
    assert_eq!(deadline(&ticket, ClockName::Arrival, &cal), t("2026-11-23 11:00"));
}

/// A buyer's back-dated request makes the arrival earlier, so it is a claim the vendor decides;
/// the vendor's own back-dated record of the request counts at once.
#[test]
fn a_back_dated_request_for_a_visit_by_the_buyer_is_a_claim() {
    let (ticket, _) = Ticket::open(new_ticket(
        ServiceMode::OnSite,
        "2026-11-23 08:00",
        "2026-11-23 08:00",
        on_request(),
    ))
    .unwrap();
    let cal = cal("24x7");
    let rec = |side| Recording {
        side,
        at: t("2026-11-23 12:00"),
        tolerance: chrono::TimeDelta::minutes(15),
    };
    let buyer = ticket
        .decide_as(
            Command::RequestVisit {
                at: t("2026-11-23 09:00"),
            },
            &rec(Side::Buyer),
            &cal,
        )
        .unwrap();
    assert!(buyer.iter().any(|e| matches!(e, Event::Claimed { .. })), "{buyer:?}");
    let vendor = ticket
        .decide_as(
            Command::RequestVisit {
                at: t("2026-11-23 09:00"),
            },
            &rec(Side::Vendor),
            &cal,
        )
        .unwrap();
    assert!(
        matches!(vendor.as_slice(), [Event::VisitRequested { .. }]),
        "{vendor:?}"
    );
}

/// seed 004 sy-038 (L8998–9006): "远程提供 7x24 小时远程响应，5x8 小时远程故障解决支持。出现故障
/// 时在 1小时内响应". A Saturday fault's 1 h response falls due that Saturday on 7×24, while its
/// repair counts only working hours.
#[test]
fn each_clock_counts_in_its_own_calendar() {
    let office = cal("cn-5x8");
    let always = cal("24x7");
    let cals = Calendars::one(&office).with(ClockName::Response, &always);
    let (ticket, _) = Ticket::open(new_ticket(
        ServiceMode::Remote,
        "2026-11-28 10:00", // a Saturday
        "2026-11-28 10:00",
        Targets {
            response: dur("1h"),
            repair: dur("8h"),
            ..Default::default()
        },
    ))
    .unwrap();
    let at = t("2026-11-28 11:30");
    assert_eq!(
        deadline(&ticket, ClockName::Response, cals.get(ClockName::Response)),
        t("2026-11-28 11:00")
    );
    assert_eq!(ticket.breached_clocks(cals, at).unwrap(), vec![ClockName::Response]);
    // On one office calendar the response would not be due before Monday.
    assert!(ticket.breached_clocks(&office, at).unwrap().is_empty());
    assert_eq!(
        deadline(&ticket, ClockName::Repair, cals.get(ClockName::Repair))
            .date_naive()
            .to_string(),
        "2026-11-30"
    );
}

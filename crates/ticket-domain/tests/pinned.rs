//! What a ticket records when it opens so that later edits do not re-measure it (issue 24): the
//! calendar of each clock, by name; and where a zero target ("立即") starts.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use proptest::prelude::*;
use sla_clock::{ClockState, Severity, SlaDuration};
use ticket_domain::{
    CalendarNames, ClockName, ClockStart, Command, Event, Kind, NewTicket, ServiceMode, Targets, Ticket,
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

fn names(response: &str, arrival: &str, repair: &str) -> CalendarNames {
    CalendarNames::from([response.to_owned(), arrival.to_owned(), repair.to_owned()])
}

fn new_ticket(occurred: &str, received: &str, targets: Targets, calendars: Option<CalendarNames>) -> NewTicket {
    NewTicket {
        category: None,
        kind: Kind::Fault,
        severity: Severity::Urgent,
        severity_reason: None,
        title: "硬件损坏导致业务停止".into(),
        description: String::new(),
        occurred_at: t(occurred),
        received_at: t(received),
        service_mode: ServiceMode::Remote,
        targets,
        reporter: Some(3),
        assignee: Some(7),
        major_event: None,
        clocks_from: None,
        immediate_from_report: true,
        outside_service: false,
        calendars,
    }
}

fn apply(ticket: &mut Ticket, command: Command) {
    for e in ticket.decide(command).expect("allowed") {
        ticket.apply(&e).expect("applies");
    }
}

/// An event stream stored before calendars were recorded: no `calendars` on the opening nor on
/// the move. It still reads, folds, and names no calendars (the system's hold, as before).
#[test]
fn old_events_without_calendars_still_read() {
    let old = r#"[
      {"type":"opened","at":"2026-11-23T02:00:00Z","ticket":{"kind":"fault","severity":"urgent",
       "severity_reason":null,"title":"核心交换机宕机","description":"","occurred_at":"2026-11-23T01:50:00Z",
       "received_at":"2026-11-23T02:00:00Z","service_mode":"remote","targets":{"response":"15m","repair":"4h"},
       "reporter":null,"assignee":null}},
      {"type":"system_changed","at":"2026-11-23T02:05:00Z","system":"sy-038",
       "targets":{"response":"1h","repair":"1wd"},"reason":"登记错了系统"}
    ]"#;
    let events: Vec<Event> = serde_json::from_str(old).expect("old events deserialize");
    let Event::Opened { ticket: new, .. } = &events[0] else {
        panic!("first event is the opening")
    };
    assert_eq!(new.calendars, None);
    assert!(matches!(&events[1], Event::SystemChanged { calendars: None, .. }));
    let ticket = Ticket::from_events(&events).expect("folds");
    assert_eq!(ticket.calendar_names(), None);
    // And written back, they stay as they were: no `calendars` key appears.
    let again = serde_json::to_string(&events).unwrap();
    assert!(!again.contains("calendars"), "{again}");
}

/// Pinned names follow the last move: a move with names gives the new system's, a move recorded
/// without them (an old stream) gives none, never the calendars of the system left.
#[test]
fn the_last_move_decides_the_calendars() {
    let targets = Targets {
        response: dur("1h"),
        repair: dur("8h"),
        ..Default::default()
    };
    let (mut ticket, _) = Ticket::open(new_ticket(
        "2026-11-27 09:00",
        "2026-11-27 09:00",
        targets,
        Some(names("cn-5x8", "cn-5x8", "cn-5x8")),
    ))
    .unwrap();
    assert_eq!(ticket.calendar_names(), Some(&names("cn-5x8", "cn-5x8", "cn-5x8")));
    let mv = |calendars| Command::ChangeSystem {
        at: t("2026-11-27 09:10"),
        system: "sy-038".into(),
        service_mode: ServiceMode::Remote,
        targets,
        reason: "登记错了系统".into(),
        calendars,
    };
    let mut moved = ticket.clone();
    apply(&mut moved, mv(Some(names("cn-7x24", "cn-5x8", "cn-5x8"))));
    assert_eq!(moved.calendar_names(), Some(&names("cn-7x24", "cn-5x8", "cn-5x8")));
    apply(&mut ticket, mv(None));
    assert_eq!(ticket.calendar_names(), None);
}

fn arb_names() -> impl Strategy<Value = Option<CalendarNames>> {
    let name = prop_oneof![Just("cn-5x8"), Just("cn-7x24"), Just("cn-7x12"), Just("24x7")];
    proptest::option::of((name.clone(), name.clone(), name).prop_map(|(a, b, c)| names(a, b, c)))
}

proptest! {
    /// Any opening or move reads back as written; without its `calendars` key (as written before
    /// they were recorded) it reads as the same event with none.
    #[test]
    fn events_read_with_and_without_calendars(
        calendars in arb_names(),
        occurred in 0i64..600,
        late in 0i64..600,
        response in 0u32..120,
    ) {
        let start = t("2026-11-23 08:00");
        let mut new = new_ticket("2026-11-23 08:00", "2026-11-23 08:00", Targets {
            response: Some(SlaDuration::new(response, sla_clock::DurationUnit::Minutes)),
            ..Default::default()
        }, calendars.clone());
        new.occurred_at = start + TimeDelta::minutes(occurred);
        new.received_at = new.occurred_at + TimeDelta::minutes(late);
        let opened = Event::Opened { at: new.received_at, ticket: new.clone() };
        let moved = Event::SystemChanged {
            at: new.received_at,
            system: "sy-001".into(),
            targets: new.targets,
            reason: "改系统".into(),
            calendars: calendars.clone(),
        };
        for event in [opened, moved] {
            let json = serde_json::to_value(&event).unwrap();
            prop_assert_eq!(&serde_json::from_value::<Event>(json.clone()).unwrap(), &event);
            let mut old = json;
            match &mut old {
                serde_json::Value::Object(m) if m.contains_key("ticket") => {
                    m["ticket"].as_object_mut().unwrap().remove("calendars");
                }
                serde_json::Value::Object(m) => {
                    m.remove("calendars");
                }
                _ => unreachable!("events are objects"),
            }
            let read: Event = serde_json::from_value(old).unwrap();
            let expected = match event {
                Event::Opened { at, mut ticket } => {
                    ticket.calendars = None;
                    Event::Opened { at, ticket }
                }
                Event::SystemChanged { at, system, targets, reason, .. } => {
                    Event::SystemChanged { at, system, targets, reason, calendars: None }
                }
                other => other,
            };
            prop_assert_eq!(read, expected);
        }
    }

    /// A zero target never starts before the report, whatever the policy's clock start and
    /// however late the report; the other clocks start where the policy says.
    #[test]
    fn a_zero_target_starts_at_the_report(late in 0i64..720, start in prop_oneof![Just(ClockStart::Occurred), Just(ClockStart::Reported)]) {
        let occurred = t("2026-11-23 08:00");
        let mut new = new_ticket("2026-11-23 08:00", "2026-11-23 08:00", Targets {
            response: dur("0m"),
            repair: dur("4h"),
            start,
            ..Default::default()
        }, None);
        new.received_at = occurred + TimeDelta::minutes(late);
        let (ticket, _) = Ticket::open(new.clone()).unwrap();
        let started = |c| ticket.clock(c).unwrap().events()[0].at();
        prop_assert_eq!(started(ClockName::Response), new.received_at);
        prop_assert_eq!(started(ClockName::Repair), if start == ClockStart::Occurred { occurred } else { new.received_at });
    }
}

/// Seed 004 sy-126 (L22948–22951): "四级故障 属于紧急问题；其具体现象为：硬件损坏、网络故障导致业务停止。
/// 工程师立即响应；业务应在 4 小时内恢复正常。" A fault that began at 08:00 and was reported at 08:30,
/// acknowledged in the minute it was reported, met its "立即" response; the 4 h repair still
/// counts from 08:00 (the policy counts from the occurrence) and is due at 12:00.
#[test]
fn an_immediate_response_is_met_by_answering_the_report() {
    let cal = sla_clock::builtin::calendar("cn-7x24").unwrap();
    let targets = Targets {
        response: dur("立即"),
        repair: dur("4h"),
        ..Default::default()
    };
    let (mut ticket, _) = Ticket::open(new_ticket("2026-11-23 08:00", "2026-11-23 08:30", targets, None)).unwrap();
    let response = ticket
        .clock(ClockName::Response)
        .unwrap()
        .status(&cal, t("2026-11-23 08:30"))
        .unwrap();
    assert_eq!(response.deadline, t("2026-11-23 08:30"));
    let repair = ticket
        .clock(ClockName::Repair)
        .unwrap()
        .status(&cal, t("2026-11-23 08:30"))
        .unwrap();
    assert_eq!(repair.deadline, t("2026-11-23 12:00"));
    apply(
        &mut ticket,
        Command::Acknowledge {
            at: t("2026-11-23 08:30"),
        },
    );
    let response = ticket
        .clock(ClockName::Response)
        .unwrap()
        .status(&cal, t("2026-11-23 08:31"))
        .unwrap();
    assert_eq!(response.state, ClockState::Met);

    // Answered at 08:37 instead: 7 minutes late, counted from the report, not 37 from the fault.
    let (mut late, _) = Ticket::open(new_ticket("2026-11-23 08:00", "2026-11-23 08:30", targets, None)).unwrap();
    apply(
        &mut late,
        Command::Acknowledge {
            at: t("2026-11-23 08:37"),
        },
    );
    let response = late
        .clock(ClockName::Response)
        .unwrap()
        .status(&cal, t("2026-11-23 08:40"))
        .unwrap();
    assert_eq!(response.state, ClockState::BreachedMet);
    assert_eq!(response.deadline, t("2026-11-23 08:30"));
}

/// Tickets opened before the rule ("立即" counts from the report) replay with the deadlines they
/// had: their opening records no `immediate_from_report`, and their zero target counts from the
/// policy's start, as it did.
#[test]
fn tickets_opened_before_the_immediate_rule_keep_their_deadlines() {
    let cal = sla_clock::builtin::calendar("cn-7x24").unwrap();
    let targets = Targets {
        response: dur("立即"),
        ..Default::default()
    };
    let mut new = new_ticket("2026-11-23 08:00", "2026-11-23 08:30", targets, None);
    new.immediate_from_report = false;
    let (ticket, opened) = Ticket::open(new).unwrap();
    let stored = serde_json::to_string(&opened).unwrap();
    assert!(!stored.contains("immediate_from_report"), "{stored}");
    let replayed = Ticket::from_events(&[serde_json::from_str::<Event>(&stored).unwrap()]).unwrap();
    assert_eq!(replayed, ticket);
    let response = replayed
        .clock(ClockName::Response)
        .unwrap()
        .status(&cal, t("2026-11-23 08:30"))
        .unwrap();
    assert_eq!(response.deadline, t("2026-11-23 08:00"));
}

/// A ticket outside the system's days of service runs no clock and measures no time, so the
/// month's averages leave it out (seed 004 L28725–28735: a system outside its service is not
/// served by the contract).
#[test]
fn a_ticket_outside_service_measures_nothing() {
    let mut new = new_ticket("2026-03-02 08:00", "2026-03-02 08:00", Targets::default(), None);
    new.outside_service = true;
    let (mut ticket, _) = Ticket::open(new).unwrap();
    apply(
        &mut ticket,
        Command::Acknowledge {
            at: t("2026-03-02 08:40"),
        },
    );
    assert!(ticket.measured(ClockName::Response).is_none());
    assert!(ticket.measured(ClockName::Repair).is_none());
    // Inside service, the same ticket measures its 40 minutes.
    let (mut inside, _) = Ticket::open(new_ticket(
        "2026-03-02 08:00",
        "2026-03-02 08:00",
        Targets::default(),
        None,
    ))
    .unwrap();
    apply(
        &mut inside,
        Command::Acknowledge {
            at: t("2026-03-02 08:40"),
        },
    );
    let cal = sla_clock::builtin::calendar("cn-7x24").unwrap();
    let status = inside
        .measured(ClockName::Response)
        .unwrap()
        .status(&cal, t("2026-03-02 08:40"))
        .unwrap();
    assert_eq!(status.consumed, chrono::TimeDelta::minutes(40));
}

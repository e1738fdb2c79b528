//! The two parties' rules (`ticket_domain::evidence`), one scenario each.

use chrono::{DateTime, TimeDelta, Utc};
use sla_clock::{Calendar, ClockState, Severity};
use ticket_domain::evidence::{Change, Claim, Recording, Side};
use ticket_domain::{
    CancelReason, ClockName, Command, DomainError, Event, Kind, NewTicket, PauseReason, ServiceMode, Status, Targets,
    Ticket,
};

fn at(s: &str) -> DateTime<Utc> {
    format!("2026-11-23T{s}:00+08:00").parse().expect("valid in this test")
}

fn cal() -> Calendar {
    sla_clock::builtin::calendar("24x7").expect("valid in this test")
}

fn rec(side: Side, when: &str) -> Recording {
    Recording {
        side,
        at: at(when),
        tolerance: TimeDelta::minutes(5),
    }
}

fn targets(response: &str, repair: &str) -> Targets {
    Targets {
        response: Some(response.parse().expect("valid in this test")),
        repair: Some(repair.parse().expect("valid in this test")),
        ..Default::default()
    }
}

/// An urgent remote fault logged at 10:00 by the buyer: response 15m, repair 4h.
fn ticket() -> Ticket {
    let (t, events) = Ticket::open_as(
        NewTicket {
            category: None,
            kind: Kind::Fault,
            severity: Severity::Urgent,
            severity_reason: None,
            title: "核心交换机宕机".into(),
            description: String::new(),
            occurred_at: at("10:00"),
            received_at: at("10:00"),
            service_mode: ServiceMode::Remote,
            targets: targets("15m", "4h"),
            reporter: None,
            assignee: None,
            major_event: None,
            clocks_from: None,
            immediate_from_report: false,
            outside_service: false,
            calendars: None,
        },
        &rec(Side::Buyer, "10:01"),
    )
    .expect("valid in this test");
    assert_eq!(events.len(), 1, "within the tolerance: no claim");
    t
}

fn act(t: &mut Ticket, cmd: Command, r: Recording) -> Vec<Event> {
    let events = t.decide_as(cmd, &r, &cal()).expect("valid in this test");
    for e in &events {
        t.apply(e).expect("valid in this test");
    }
    events
}

fn state(t: &Ticket, clock: ClockName, when: &str) -> ClockState {
    t.clock(clock)
        .expect("valid in this test")
        .status(&cal(), at(when))
        .expect("valid in this test")
        .state
}

#[test]
fn a_back_dated_acknowledgement_counts_as_recorded_until_the_buyer_approves() {
    let mut t = ticket();
    let events = act(
        &mut t,
        Command::Acknowledge { at: at("10:10") },
        rec(Side::Vendor, "10:40"),
    );
    assert_eq!(events[0], Event::Acknowledged { at: at("10:40") });
    assert!(matches!(
        events[1],
        Event::Claimed {
            claim: Claim::EarlierTime { .. },
            by: Side::Vendor,
            ..
        }
    ));
    assert_eq!(state(&t, ClockName::Response, "11:00"), ClockState::BreachedMet);
    let claim = t.pending()[0].index;
    // The vendor cannot approve its own claim; the buyer can reject it with a note.
    let own = t.decide_as(
        Command::Decide {
            at: at("10:50"),
            on: claim,
            approve: true,
            note: None,
        },
        &rec(Side::Vendor, "10:50"),
        &cal(),
    );
    assert!(matches!(own, Err(DomainError::Invalid { field: "on", .. })), "{own:?}");
    let bare = t.decide_as(
        Command::Decide {
            at: at("10:50"),
            on: claim,
            approve: false,
            note: None,
        },
        &rec(Side::Buyer, "10:50"),
        &cal(),
    );
    assert!(
        matches!(bare, Err(DomainError::Invalid { field: "note", .. })),
        "{bare:?}"
    );
    act(
        &mut t,
        Command::Decide {
            at: at("10:50"),
            on: claim,
            approve: false,
            note: Some("值班记录无此响应".into()),
        },
        rec(Side::Buyer, "10:50"),
    );
    assert_eq!(state(&t, ClockName::Response, "11:00"), ClockState::BreachedMet);
    assert!(t.pending().is_empty());
    let decision = t.claims_and_requests()[0].decision.as_ref();
    assert!(decision.is_some_and(|d| !d.approved), "{decision:?}");
}

#[test]
fn inside_the_tolerance_a_claim_counts_unless_it_would_clear_a_breach() {
    // 10:13 recorded 10:16: the deadline 10:15 had passed, so the claim waits.
    let mut t = ticket();
    let events = act(
        &mut t,
        Command::Acknowledge { at: at("10:13") },
        rec(Side::Vendor, "10:16"),
    );
    assert_eq!(events.len(), 2);
    assert_eq!(state(&t, ClockName::Response, "11:00"), ClockState::BreachedMet);
    // 10:10 recorded 10:13: nothing was breached; it counts as claimed.
    let mut t = ticket();
    let events = act(
        &mut t,
        Command::Acknowledge { at: at("10:10") },
        rec(Side::Vendor, "10:13"),
    );
    assert_eq!(events, vec![Event::Acknowledged { at: at("10:10") }]);
    assert_eq!(t.acknowledged_at(), Some(at("10:10")));
}

#[test]
fn a_downgrade_after_a_breach_is_a_request_and_an_upgrade_is_not() {
    let mut t = ticket();
    let down = Command::Regrade {
        at: at("10:30"),
        severity: Severity::Minor,
        reason: "影响很小".into(),
        targets: targets("8h", "7d"),
    };
    let events = act(&mut t, down, rec(Side::Vendor, "10:30"));
    assert!(matches!(
        &events[..],
        [Event::Requested {
            change: Change::Regrade {
                to: Severity::Minor,
                ..
            },
            ..
        }]
    ));
    assert_eq!(t.severity(), Severity::Urgent);
    assert_eq!(state(&t, ClockName::Response, "10:30"), ClockState::BreachedRunning);
    // The buyer approves: the severity and the targets change, and the breach is gone.
    let on = t.pending()[0].index;
    act(
        &mut t,
        Command::Decide {
            at: at("10:40"),
            on,
            approve: true,
            note: None,
        },
        rec(Side::Buyer, "10:40"),
    );
    assert_eq!(t.severity(), Severity::Minor);
    assert_eq!(state(&t, ClockName::Response, "10:40"), ClockState::Running);

    // Before any breach the vendor's downgrade applies at once.
    let mut t = ticket();
    let down = Command::Regrade {
        at: at("10:05"),
        severity: Severity::Minor,
        reason: "影响很小".into(),
        targets: targets("8h", "7d"),
    };
    let events = act(&mut t, down, rec(Side::Vendor, "10:05"));
    assert!(matches!(&events[..], [Event::Regraded { .. }]));
}

#[test]
fn the_vendor_cancelling_a_breached_ticket_asks_the_buyer() {
    let mut t = ticket();
    let cancel = Command::Cancel {
        at: at("10:30"),
        reason: CancelReason::Duplicate,
        note: Some("重复".into()),
    };
    act(&mut t, cancel, rec(Side::Vendor, "10:30"));
    assert_eq!(t.status(), Status::New);
    let on = t.pending()[0].index;
    act(
        &mut t,
        Command::Decide {
            at: at("10:35"),
            on,
            approve: true,
            note: None,
        },
        rec(Side::Supervisor, "10:35"),
    );
    assert_eq!(t.status(), Status::Cancelled);
}

#[test]
fn a_pause_awaiting_the_reporter_stops_the_clock_only_once_the_buyer_confirms() {
    let mut t = ticket();
    act(
        &mut t,
        Command::Acknowledge { at: at("10:05") },
        rec(Side::Vendor, "10:05"),
    );
    act(&mut t, Command::Start { at: at("10:06") }, rec(Side::Vendor, "10:06"));
    let pause = Command::Pause {
        at: at("11:00"),
        reason: PauseReason::AwaitingReporter,
        note: Some("等用户提供账号".into()),
    };
    let events = act(&mut t, pause, rec(Side::Vendor, "11:00"));
    assert!(matches!(
        events[1],
        Event::Claimed {
            claim: Claim::BuyerPause { .. },
            ..
        }
    ));
    assert_eq!(t.status(), Status::Paused);
    assert!(t.pause_unconfirmed());
    assert_eq!(
        state(&t, ClockName::Repair, "13:00"),
        ClockState::Running,
        "unconfirmed: the clock runs on"
    );
    // The buyer confirms at 13:00: the pause counts from 11:00.
    let on = t.pending()[0].index;
    act(
        &mut t,
        Command::Decide {
            at: at("13:00"),
            on,
            approve: true,
            note: None,
        },
        rec(Side::Buyer, "13:00"),
    );
    let s = t
        .clock(ClockName::Repair)
        .expect("valid in this test")
        .status(&cal(), at("13:00"))
        .expect("valid in this test");
    assert_eq!(s.state, ClockState::Paused);
    assert_eq!(s.paused, TimeDelta::hours(2));
    // A pause for a third party needs nobody's word.
    let mut t = ticket();
    act(
        &mut t,
        Command::Acknowledge { at: at("10:05") },
        rec(Side::Vendor, "10:05"),
    );
    act(&mut t, Command::Start { at: at("10:06") }, rec(Side::Vendor, "10:06"));
    let pause = Command::Pause {
        at: at("11:00"),
        reason: PauseReason::ThirdParty,
        note: Some("等运营商".into()),
    };
    assert_eq!(act(&mut t, pause, rec(Side::Vendor, "11:00")).len(), 1);
    assert_eq!(state(&t, ClockName::Repair, "13:00"), ClockState::Paused);
}

#[test]
fn a_ticket_opened_with_an_old_start_starts_its_clocks_when_recorded_until_the_vendor_accepts() {
    let mut new = ticket().opened_with().clone();
    new.occurred_at = at("08:00");
    let (mut t, events) = Ticket::open_as(new, &rec(Side::Buyer, "10:00")).expect("valid in this test");
    assert_eq!(events.len(), 2);
    assert_eq!(t.clocks_start(), at("10:00"));
    assert_eq!(t.stated_start(), at("08:00"));
    assert_eq!(state(&t, ClockName::Response, "10:10"), ClockState::Running);
    let on = t.pending()[0].index;
    act(
        &mut t,
        Command::Decide {
            at: at("10:10"),
            on,
            approve: true,
            note: None,
        },
        rec(Side::Vendor, "10:10"),
    );
    assert_eq!(t.clocks_start(), at("08:00"));
    assert_eq!(state(&t, ClockName::Response, "10:10"), ClockState::BreachedRunning);
    assert_eq!(Ticket::from_events(t.events()), Ok(t));
}

#[test]
fn a_claim_that_can_only_hurt_the_claimant_counts_at_once() {
    // The vendor logs a fault that began two hours ago: its own clocks are the stricter for it.
    let mut new = ticket().opened_with().clone();
    new.occurred_at = at("08:00");
    let (t, events) = Ticket::open_as(new, &rec(Side::Vendor, "10:00")).expect("opens");
    assert_eq!(events.len(), 1);
    assert_eq!(t.clocks_start(), at("08:00"));
    // The vendor's resumption dated an hour back counts: less pause, more time used.
    let mut t = ticket();
    act(
        &mut t,
        Command::Acknowledge { at: at("10:05") },
        rec(Side::Vendor, "10:05"),
    );
    act(&mut t, Command::Start { at: at("10:06") }, rec(Side::Vendor, "10:06"));
    let pause = Command::Pause {
        at: at("10:10"),
        reason: PauseReason::ThirdParty,
        note: Some("等运营商".into()),
    };
    act(&mut t, pause, rec(Side::Vendor, "10:10"));
    let events = act(&mut t, Command::Resume { at: at("11:00") }, rec(Side::Vendor, "12:00"));
    assert_eq!(events, vec![Event::Resumed { at: at("11:00") }]);
}

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use sla_clock::Calendar;

use super::*;

fn cal() -> Calendar {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/calendars/cn-5x8.toml"
    ))
    .unwrap();
    Calendar::from_toml(&text).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn line(name: &str, start: &str, end: &str, members: &[&str]) -> ShiftLine {
    ShiftLine {
        name: name.into(),
        team: "ops".into(),
        start: start.parse().unwrap(),
        end: end.parse().unwrap(),
        days: Days::All,
        rotate: Rotate::Daily,
        anchor: "2026-03-02".parse().unwrap(),
        until: None,
        per_shift: 1,
        members: members.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn night_shift_crosses_midnight_and_belongs_to_the_day_it_began() {
    let r = Roster {
        shifts: vec![line("night", "20:00", "08:00", &["a", "b"])],
        staffing: vec![],
    };
    let s = r.on_duty(&cal(), at("2026-03-03T03:00:00+08:00"), &[]).unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].date, "2026-03-02".parse::<NaiveDate>().unwrap());
    assert_eq!(s[0].members, ["a"]);
    assert_eq!(s[0].end, at("2026-03-03T08:00:00+08:00"));
    // The end is exclusive: 08:00 belongs to nobody (the next night starts at 20:00).
    assert!(
        r.on_duty(&cal(), at("2026-03-03T08:00:00+08:00"), &[])
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        r.on_duty(&cal(), at("2026-03-03T21:00:00+08:00"), &[]).unwrap()[0].members,
        ["b"]
    );
}

#[test]
fn nothing_before_the_anchor_or_after_until() {
    let mut l = line("day", "09:00", "17:00", &["a"]);
    l.until = Some("2026-03-05".parse().unwrap());
    let r = Roster {
        shifts: vec![l],
        staffing: vec![],
    };
    assert!(
        r.on_duty(&cal(), at("2026-03-01T10:00:00+08:00"), &[])
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        r.on_duty(&cal(), at("2026-03-05T10:00:00+08:00"), &[]).unwrap().len(),
        1
    );
    assert!(
        r.on_duty(&cal(), at("2026-03-06T10:00:00+08:00"), &[])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn two_per_shift_rotate_in_pairs() {
    let mut l = line("ops", "00:00", "00:00", &["a", "b", "c"]);
    l.per_shift = 2;
    let r = Roster {
        shifts: vec![l],
        staffing: vec![],
    };
    let who = |t| r.on_duty(&cal(), at(t), &[]).unwrap()[0].members.clone();
    assert_eq!(who("2026-03-02T12:00:00+08:00"), ["a", "b"]);
    assert_eq!(who("2026-03-03T12:00:00+08:00"), ["c", "a"]);
    assert_eq!(who("2026-03-04T12:00:00+08:00"), ["b", "c"]);
}

#[test]
fn gaps_report_the_shortfall_and_merge_equal_neighbours() {
    let r = Roster {
        shifts: vec![
            line("day", "08:00", "20:00", &["a", "b"]),
            line("night", "20:00", "08:00", &["c"]),
        ],
        staffing: vec![StaffingRule {
            team: "ops".into(),
            min: 1,
        }],
    };
    let from = at("2026-03-02T00:00:00+08:00");
    let to = at("2026-03-04T00:00:00+08:00");
    let off = Override {
        line: "night".into(),
        date: "2026-03-02".parse().unwrap(),
        off: Some("c".into()),
        on: None,
        reason: "leave".into(),
    };
    let shifts = r.instances(&cal(), from, to, &[off]).unwrap();
    let g = gaps(&shifts, &r.staffing, from, to);
    // Before the anchor's first shift (00:00–08:00 on the 2nd) and the night of the 2nd.
    assert_eq!(g.len(), 2, "{g:?}");
    assert_eq!((g[0].from, g[0].to), (from, at("2026-03-02T08:00:00+08:00")));
    assert_eq!(
        (g[1].from, g[1].to, g[1].have),
        (at("2026-03-02T20:00:00+08:00"), at("2026-03-03T08:00:00+08:00"), 0)
    );
}

#[test]
fn problems_name_their_fields() {
    let mut l = line("day", "09:00", "17:00", &["a", "a"]);
    l.per_shift = 3;
    let r = Roster {
        shifts: vec![l.clone(), l],
        staffing: vec![StaffingRule {
            team: "ops".into(),
            min: 0,
        }],
    };
    let p = r.problems().join("\n");
    assert!(p.contains("shifts[0].members: \"a\" is listed twice"), "{p}");
    assert!(
        p.contains("shifts[1].name: \"day\" is also the name of shifts[0]"),
        "{p}"
    );
    assert!(p.contains("shifts[0].per_shift: 3 must be between 1"), "{p}");
    assert!(p.contains("staffing[0].min"), "{p}");
    assert!("25:00".parse::<TimeOfDay>().is_err());
    assert!("8:30".parse::<TimeOfDay>().is_err());
    assert_eq!(
        "mon,fri".parse::<Days>().unwrap(),
        Days::Weekdays(vec![Weekday::Mon, Weekday::Fri])
    );
    assert!("weekends".parse::<Days>().is_err());
}

//! Property tests of duty rosters: the "who is on duty at T" query agrees with the laid-out
//! shifts, turns are fair, overrides do what they say, and gaps are exactly the understaffed time.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use duty_roster::{Days, Override, Roster, Rotate, ShiftLine, StaffingRule, gaps};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;
use sla_clock::Calendar;

static CALENDAR: LazyLock<Calendar> =
    LazyLock::new(|| sla_clock::builtin::calendar("cn-5x8").expect("shipped calendar"));

fn config() -> Config {
    let default = Config::default();
    Config {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            default.cases
        } else {
            128
        },
        failure_persistence: None,
        ..default
    }
}

const PEOPLE: [&str; 6] = ["a", "b", "c", "d", "e", "f"];

fn anchor() -> NaiveDate {
    "2026-09-21".parse().expect("date")
}

fn line_strategy(name: &'static str) -> impl Strategy<Value = ShiftLine> {
    (
        0u16..48,
        1u16..48,
        select(vec!["all", "workdays", "rest_days", "mon,wed,fri"]),
        any::<bool>(),
        0i64..10,
        2usize..=6,
        1u32..=3,
        select(vec!["ops", "security"]),
    )
        .prop_map(move |(start, len, days, weekly, anchor_shift, n, k, team)| {
            let start_min = start * 30;
            let end_min = (start_min + len * 30) % 1440;
            let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60).parse().expect("time");
            ShiftLine {
                name: name.to_owned(),
                team: team.to_owned(),
                start: hm(start_min),
                end: hm(end_min),
                days: days.parse::<Days>().expect("days"),
                rotate: if weekly { Rotate::Weekly } else { Rotate::Daily },
                anchor: anchor() + TimeDelta::days(anchor_shift),
                until: None,
                per_shift: k.min(n as u32),
                members: PEOPLE[..n].iter().map(|s| s.to_string()).collect(),
            }
        })
}

fn roster_strategy() -> impl Strategy<Value = Roster> {
    (line_strategy("one"), line_strategy("two"), 1u32..=3).prop_map(|(a, b, min)| Roster {
        shifts: vec![a, b],
        staffing: vec![
            StaffingRule {
                team: "ops".into(),
                min,
            },
            StaffingRule {
                team: "security".into(),
                min: 1,
            },
        ],
    })
}

fn overrides_strategy() -> impl Strategy<Value = Vec<Override>> {
    vec(
        (
            select(vec!["one", "two"]),
            0i64..40,
            proptest::option::of(select(PEOPLE.to_vec())),
            proptest::option::of(select(PEOPLE.to_vec())),
        ),
        0..6,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(line, d, off, on)| Override {
                line: line.to_owned(),
                date: anchor() + TimeDelta::days(d),
                off: off.map(str::to_owned),
                on: on.map(str::to_owned),
                reason: "test".into(),
            })
            .collect()
    })
}

fn base() -> DateTime<Utc> {
    "2026-09-21T00:00:00+08:00".parse().expect("instant")
}

proptest! {
    #![proptest_config(config())]

    /// Asking "who is on duty at T" gives exactly the laid-out shifts that cover T.
    #[test]
    fn on_duty_agrees_with_the_laid_out_shifts(
        r in roster_strategy(),
        o in overrides_strategy(),
        probes in vec(0i64..(40 * 24 * 60), 1..12),
    ) {
        let from = base();
        let to = from + TimeDelta::days(41);
        let all = r.instances(&CALENDAR, from, to, &o).expect("instances");
        for m in probes {
            let t = from + TimeDelta::minutes(m);
            let mut want: Vec<_> = all.iter().filter(|s| s.covers(t)).cloned().collect();
            want.sort_by(|a, b| (a.start, &a.line).cmp(&(b.start, &b.line)));
            let got = r.on_duty(&CALENDAR, t, &o).expect("on duty");
            prop_assert_eq!(got, want);
        }
    }

    /// Without overrides every shift is held by `per_shift` distinct people, and over any
    /// `members` consecutive shifts of a daily line everyone holds exactly `per_shift` of them.
    #[test]
    fn turns_are_full_and_fair(r in roster_strategy()) {
        let from = base();
        let to = from + TimeDelta::days(60);
        let all = r.instances(&CALENDAR, from, to, &[]).expect("instances");
        for line in &r.shifts {
            let mine: Vec<_> = all.iter().filter(|s| s.line == line.name && s.start >= from).collect();
            for s in &mine {
                let mut m = s.members.clone();
                m.sort();
                m.dedup();
                prop_assert_eq!(m.len(), line.per_shift as usize);
                prop_assert!(s.start < s.end);
            }
            if line.rotate == Rotate::Daily {
                let n = line.members.len();
                for w in mine.windows(n) {
                    for p in &line.members {
                        let held = w.iter().filter(|s| s.members.contains(p)).count();
                        prop_assert_eq!(held, line.per_shift as usize, "{} in {:?}", p, w);
                    }
                }
            }
        }
    }

    /// An override takes `off` off that one shift and puts `on` on it; other shifts are unchanged.
    #[test]
    fn an_override_changes_one_shift_only(r in roster_strategy(), o in overrides_strategy()) {
        let from = base();
        let to = from + TimeDelta::days(41);
        let plain = r.instances(&CALENDAR, from, to, &[]).expect("instances");
        let changed = r.instances(&CALENDAR, from, to, &o).expect("instances");
        prop_assert_eq!(plain.len(), changed.len());
        for (p, c) in plain.iter().zip(&changed) {
            let mine: Vec<_> = o.iter().filter(|x| x.line == p.line && x.date == p.date).collect();
            if mine.is_empty() {
                prop_assert_eq!(p, c);
            } else if let Some(last) = mine.last() {
                if let Some(on) = &last.on {
                    prop_assert!(c.members.contains(on));
                }
                if let (Some(off), true) = (&last.off, last.on != last.off) {
                    prop_assert!(!c.members.contains(off));
                }
            }
        }
    }

    /// An instant is in a gap of a rule exactly when fewer than `min` people of the team are on
    /// duty then, and the gap says how many are.
    #[test]
    fn gaps_are_exactly_the_understaffed_time(
        r in roster_strategy(),
        o in overrides_strategy(),
        probes in vec(0i64..(20 * 24 * 60), 1..16),
    ) {
        let from = base() + TimeDelta::days(3);
        let to = from + TimeDelta::days(20);
        let shifts = r.instances(&CALENDAR, from, to, &o).expect("instances");
        let g = gaps(&shifts, &r.staffing, from, to);
        for m in probes {
            let t = from + TimeDelta::minutes(m);
            for rule in &r.staffing {
                let mut people: Vec<&String> = shifts
                    .iter()
                    .filter(|s| s.team == rule.team && s.covers(t))
                    .flat_map(|s| &s.members)
                    .collect();
                people.sort();
                people.dedup();
                let have = people.len() as u32;
                let gap = g.iter().find(|x| x.team == rule.team && x.from <= t && t < x.to);
                if have < rule.min {
                    prop_assert!(gap.is_some(), "{:?} at {}", rule, t);
                    prop_assert_eq!(gap.map(|x| x.have), Some(have));
                } else {
                    prop_assert!(gap.is_none(), "{:?} at {}: {:?}", rule, t, gap);
                }
            }
        }
    }
}

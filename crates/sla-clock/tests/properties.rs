//! Property tests for the invariants of period arithmetic and clocks, over the shipped calendars.

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use sla_clock::{Calendar, Clock, DurationUnit, SlaDuration};

fn cn() -> &'static Calendar {
    static CAL: std::sync::OnceLock<Calendar> = std::sync::OnceLock::new();
    CAL.get_or_init(|| sla_clock::builtin::calendar("cn-5x8").expect("shipped"))
}

fn all_day() -> &'static Calendar {
    static CAL: std::sync::OnceLock<Calendar> = std::sync::OnceLock::new();
    CAL.get_or_init(|| sla_clock::builtin::calendar("24x7").expect("shipped"))
}

/// Instants in 2025-01-01 .. 2026-11-30 (cn-5x8 covers 2025–2026; leave room for the deadline),
/// to the second, so that starts land on, just before and just after interval edges.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let from = "2025-01-01T00:00:00+08:00"
        .parse::<DateTime<Utc>>()
        .expect("valid")
        .timestamp();
    let to = "2026-11-30T00:00:00+08:00"
        .parse::<DateTime<Utc>>()
        .expect("valid")
        .timestamp();
    prop_oneof![
        // Anywhere.
        (from..to).prop_map(|s| DateTime::from_timestamp(s, 0).expect("in range")),
        // On the minute, where interval edges are.
        (from / 60..to / 60).prop_map(|m| DateTime::from_timestamp(m * 60, 0).expect("in range")),
    ]
}

fn duration() -> impl Strategy<Value = SlaDuration> {
    prop_oneof![
        (0u32..600).prop_map(|n| SlaDuration::new(n, DurationUnit::Minutes)),
        (0u32..48).prop_map(|n| SlaDuration::new(n, DurationUnit::Hours)),
        (0u32..15).prop_map(|n| SlaDuration::new(n, DurationUnit::Days)),
        (0u32..15).prop_map(|n| SlaDuration::new(n, DurationUnit::WorkingDays)),
    ]
}

fn working_time() -> impl Strategy<Value = SlaDuration> {
    prop_oneof![
        (0u32..3000).prop_map(|n| SlaDuration::new(n, DurationUnit::Minutes)),
        (0u32..100).prop_map(|n| SlaDuration::new(n, DurationUnit::Hours)),
    ]
}

fn calendars() -> impl Strategy<Value = &'static Calendar> {
    prop_oneof![Just(cn()), Just(all_day())]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// A later start never gives an earlier deadline, for every unit.
    #[test]
    fn deadlines_are_monotonic_in_start(cal in calendars(), a in instant(), b in instant(), d in duration()) {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        let da = cal.deadline(a, d).expect("covered");
        let db = cal.deadline(b, d).expect("covered");
        prop_assert!(da <= db, "{d}: start {a} → {da}, later start {b} → {db}");
    }

    /// Deadlines are never before the start.
    #[test]
    fn deadlines_are_not_before_the_start(cal in calendars(), a in instant(), d in duration()) {
        prop_assert!(cal.deadline(a, d).expect("covered") >= a);
    }

    /// For minutes and hours, exactly the duration of working time elapses by the deadline, and
    /// it is the earliest such instant: a millisecond earlier, less has elapsed.
    #[test]
    fn working_time_deadlines_elapse_exactly_the_duration(cal in calendars(), a in instant(), d in working_time()) {
        let due = cal.deadline(a, d).expect("covered");
        let want = TimeDelta::milliseconds(d.working_millis().expect("m/h"));
        prop_assert_eq!(cal.elapsed(a, due).expect("covered"), want);
        if !d.is_zero() {
            let before = due - TimeDelta::milliseconds(1);
            prop_assert!(cal.elapsed(a, before).expect("covered") < want);
        }
    }

    /// A pause of working length p, taken before the deadline, moves the deadline by exactly p of
    /// working time.
    #[test]
    fn a_pause_moves_the_deadline_by_its_working_length(
        cal in calendars(),
        start in instant(),
        d in duration(),
        pause_at in 0.0f64..1.0,
        pause_len in 0i64..(3 * 24 * 3600),
    ) {
        let mut clock = Clock::start(start, d);
        let before = clock.status(cal, start).expect("covered").deadline;
        let span = (before - start).num_seconds();
        let p0 = start + TimeDelta::seconds((span as f64 * pause_at) as i64);
        let p1 = p0 + TimeDelta::seconds(pause_len);
        prop_assume!(p0 < before);
        clock.pause(p0, "awaiting reporter").expect("running");
        clock.resume(p1).expect("paused");
        let after = clock.status(cal, p1).expect("covered").deadline;
        let paused = cal.elapsed(p0, p1).expect("covered");
        prop_assert_eq!(after, cal.add_working_time(before, paused).expect("covered"));
        prop_assert_eq!(cal.elapsed(before, after).expect("covered"), paused);
    }

    /// The countdown's colour instants are ordered (50 % ≤ 80 % ≤ 100 %), 100 % is the deadline,
    /// and the clock has used at least that share by then: for a running clock, with or without a
    /// pause behind it.
    #[test]
    fn share_instants_are_ordered_and_end_at_the_deadline(
        cal in calendars(),
        start in instant(),
        d in duration(),
        pause_len in 0i64..(2 * 24 * 3600),
    ) {
        let mut clock = Clock::start(start, d);
        if pause_len > 0 {
            clock.pause(start, "awaiting reporter").expect("running");
            clock.resume(start + TimeDelta::seconds(pause_len)).expect("paused");
        }
        let now = start + TimeDelta::seconds(pause_len);
        let at = |p| clock.share_reached_at(cal, now, p).expect("covered").expect("running");
        let (half, most, all) = (at(50), at(80), at(100));
        prop_assert!(half <= most && most <= all, "{half} {most} {all}");
        prop_assert_eq!(all, clock.status(cal, now).expect("covered").deadline);
        let s = clock.status(cal, most.max(now)).expect("covered");
        prop_assert!(s.share_used >= 0.8 || s.budget.is_zero(), "{:?}", s);
    }

    /// Re-grading replaces the target as if it had been the target from the original start.
    #[test]
    fn regrading_is_measured_from_the_original_start(
        cal in calendars(),
        start in instant(),
        first in duration(),
        second in duration(),
        later in 0i64..(5 * 24 * 3600),
    ) {
        let mut clock = Clock::start(start, first);
        let when = start + TimeDelta::seconds(later);
        clock.retarget(when, second, "re-graded").expect("running");
        let regraded = clock.status(cal, when).expect("covered");
        let fresh = Clock::start(start, second).status(cal, when).expect("covered");
        prop_assert_eq!(regraded.deadline, fresh.deadline);
        prop_assert_eq!(regraded.deadline, cal.deadline(start, second).expect("covered"));
        prop_assert_eq!(regraded.state, fresh.state);
    }

    /// Durations print and parse back to themselves.
    #[test]
    fn durations_round_trip_through_text(d in duration()) {
        prop_assert_eq!(d.to_string().parse::<SlaDuration>().expect("canonical"), d);
    }
}

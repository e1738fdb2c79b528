//! Property tests for `Clock::excluding`: random valid clocks and random exclusion windows, over
//! the shipped calendars.
//!
//! Every instant is on the minute, so the expected figures can be worked out minute by minute
//! from the original events, without the code under test: in the minute `[m, m + 1)` a clock is
//! in the phase its events at or before `m` left it in, and inside a window if some window has
//! `from <= m < to`.

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use sla_clock::{Calendar, Clock, ClockEvent, ClockStatus, DurationUnit, Exclusion, SlaDuration};

fn cn() -> &'static Calendar {
    static CAL: std::sync::OnceLock<Calendar> = std::sync::OnceLock::new();
    CAL.get_or_init(|| sla_clock::builtin::calendar("cn-5x8").expect("shipped"))
}

fn all_day() -> &'static Calendar {
    static CAL: std::sync::OnceLock<Calendar> = std::sync::OnceLock::new();
    CAL.get_or_init(|| sla_clock::builtin::calendar("24x7").expect("shipped"))
}

fn calendars() -> impl Strategy<Value = &'static Calendar> {
    prop_oneof![Just(all_day()), Just(cn())]
}

/// Cases per property: `PROPTEST_CASES` if set, 1000 otherwise.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 1000;
    }
    config
}

/// Starts on the minute in 2025-01-01 .. 2026-11-30 (cn-5x8 covers 2025–2026; leave room for
/// the events, windows and deadlines after the start).
fn start() -> impl Strategy<Value = DateTime<Utc>> {
    let from = "2025-01-01T00:00:00+08:00"
        .parse::<DateTime<Utc>>()
        .expect("valid")
        .timestamp();
    let to = "2026-11-30T00:00:00+08:00"
        .parse::<DateTime<Utc>>()
        .expect("valid")
        .timestamp();
    (from / 60..to / 60).prop_map(|m| DateTime::from_timestamp(m * 60, 0).expect("in range"))
}

fn target() -> impl Strategy<Value = SlaDuration> {
    prop_oneof![
        (0u32..600).prop_map(|n| SlaDuration::new(n, DurationUnit::Minutes)),
        (0u32..48).prop_map(|n| SlaDuration::new(n, DurationUnit::Hours)),
        (0u32..5).prop_map(|n| SlaDuration::new(n, DurationUnit::Days)),
        (0u32..5).prop_map(|n| SlaDuration::new(n, DurationUnit::WorkingDays)),
    ]
}

fn minutes(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

/// Phases as the test models them, independently of the crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    Paused,
    Stopped,
    Cancelled,
}

/// A valid clock: from each step's gap (minutes, zero included, so events share instants) and
/// choice, the move the clock's phase allows.
fn clock() -> impl Strategy<Value = Clock> {
    (
        start(),
        target(),
        prop::collection::vec((0i64..240, 0u8..10, target()), 0..10),
    )
        .prop_map(|(start, first, steps)| {
            let mut clock = Clock::start(start, first);
            let mut phase = Phase::Running;
            let mut t = start;
            for (gap, choice, target) in steps {
                t += minutes(gap);
                let moved = match (phase, choice) {
                    (Phase::Cancelled, _) => break,
                    (_, 0 | 1) => clock.retarget(t, target, "re-graded").map(|()| phase),
                    (Phase::Running, 2..=5) => clock.pause(t, "awaiting reporter").map(|()| Phase::Paused),
                    (Phase::Running, 6..=8) => clock.stop(t).map(|()| Phase::Stopped),
                    (Phase::Running, _) => clock.cancel(t, "duplicate").map(|()| Phase::Cancelled),
                    (Phase::Paused, 2..=6) => clock.resume(t).map(|()| Phase::Running),
                    (Phase::Paused, 7 | 8) => clock.stop(t).map(|()| Phase::Stopped),
                    (Phase::Paused, _) => clock.cancel(t, "duplicate").map(|()| Phase::Cancelled),
                    (Phase::Stopped, _) => clock.resume(t).map(|()| Phase::Running),
                };
                phase = moved.expect("a move the phase allows");
            }
            clock
        })
}

/// Windows around the clock's events: some before the start, some empty or backwards, some
/// overlapping, some after everything; each with its own reason.
fn windows() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((-300i64..2700, -30i64..600), 0..6)
}

fn place(start: DateTime<Utc>, windows: &[(i64, i64)]) -> Vec<Exclusion> {
    windows
        .iter()
        .enumerate()
        .map(|(i, &(offset, len))| Exclusion {
            from: start + minutes(offset),
            to: start + minutes(offset + len),
            reason: format!("window {i}"),
        })
        .collect()
}

fn started(clock: &Clock) -> DateTime<Utc> {
    clock.events()[0].at()
}

/// The original clock's phase in each minute from its start to `now`, replayed from its events.
fn phases(clock: &Clock, now: DateTime<Utc>) -> Vec<Phase> {
    let start = started(clock);
    let mut phase = Phase::Running;
    let mut events = clock.events()[1..].iter().peekable();
    let mut out = Vec::new();
    let mut m = start;
    while m < now {
        while let Some(e) = events.next_if(|e| e.at() <= m) {
            phase = match e {
                ClockEvent::Paused { .. } => Phase::Paused,
                ClockEvent::Resumed { .. } => Phase::Running,
                ClockEvent::Stopped { .. } => Phase::Stopped,
                ClockEvent::Cancelled { .. } => Phase::Cancelled,
                ClockEvent::Started { .. } | ClockEvent::Retargeted { .. } => phase,
            };
        }
        out.push(phase);
        m += minutes(1);
    }
    out
}

/// The working time of the minutes from `start` for which `keep` holds, summed stretch by stretch.
fn working_time(cal: &Calendar, start: DateTime<Utc>, keep: &[bool]) -> TimeDelta {
    let mut total = TimeDelta::zero();
    let mut i = 0;
    while i < keep.len() {
        if keep[i] {
            let j = (i..keep.len()).find(|&j| !keep[j]).unwrap_or(keep.len());
            total += cal
                .elapsed(start + minutes(i as i64), start + minutes(j as i64))
                .expect("covered");
            i = j;
        } else {
            i += 1;
        }
    }
    total
}

/// (working time running, working time running inside a window) from the start to `now`.
fn expected(cal: &Calendar, clock: &Clock, windows: &[Exclusion], now: DateTime<Utc>) -> (TimeDelta, TimeDelta) {
    let start = started(clock);
    let running: Vec<bool> = phases(clock, now).into_iter().map(|p| p == Phase::Running).collect();
    let covered = |i: usize| {
        let m = start + minutes(i as i64);
        windows.iter().any(|w| w.from <= m && m < w.to)
    };
    let excluded: Vec<bool> = running.iter().enumerate().map(|(i, &r)| r && covered(i)).collect();
    (working_time(cal, start, &running), working_time(cal, start, &excluded))
}

fn status(cal: &Calendar, clock: &Clock, now: DateTime<Utc>) -> ClockStatus {
    clock.status(cal, now).expect("covered")
}

proptest! {
    #![proptest_config(config())]

    /// Excluding windows takes out exactly the working time in which the clock ran inside them.
    #[test]
    fn excluding_takes_out_the_running_time_inside_the_windows(
        cal in calendars(),
        clock in clock(),
        windows in windows(),
        now in 0i64..3000,
    ) {
        let windows = place(started(&clock), &windows);
        let now = started(&clock) + minutes(now);
        let excluded = clock.excluding(&windows).expect("a valid clock");
        let (running, inside) = expected(cal, &clock, &windows, now);
        prop_assert_eq!(status(cal, &clock, now).consumed, running, "the model agrees with the clock");
        prop_assert_eq!(status(cal, &excluded, now).consumed, running - inside, "{:?}", excluded.events());
    }

    /// Excluding never consumes more, never brings the deadline forward and never creates a
    /// breach; the target and the end stay; without running time inside the windows the
    /// consumed time is the same.
    #[test]
    fn excluding_never_makes_a_clock_worse(
        cal in calendars(),
        clock in clock(),
        windows in windows(),
        now in 0i64..3000,
    ) {
        let windows = place(started(&clock), &windows);
        let now = started(&clock) + minutes(now);
        let excluded = clock.excluding(&windows).expect("a valid clock");
        let (before, after) = (status(cal, &clock, now), status(cal, &excluded, now));
        prop_assert!(after.consumed <= before.consumed);
        prop_assert!(after.deadline >= before.deadline, "{} < {}", after.deadline, before.deadline);
        prop_assert!(!after.breached || before.breached);
        prop_assert_eq!(after.target, before.target);
        prop_assert_eq!(after.ended_at, before.ended_at);
        prop_assert_eq!(after.budget, before.budget);
        let (_, inside) = expected(cal, &clock, &windows, now);
        if inside.is_zero() {
            prop_assert_eq!(after.consumed, before.consumed);
        }
    }

    /// The order in which the windows are given does not matter; excluding them in two goes is
    /// excluding them at once; excluding twice is excluding once.
    #[test]
    fn excluding_does_not_depend_on_the_order_or_grouping_of_windows(
        cal in calendars(),
        clock in clock(),
        (windows, order, split) in windows().prop_flat_map(|w| {
            let n = w.len();
            (Just(w), Just((0..n).collect::<Vec<usize>>()).prop_shuffle(), 0..=n)
        }),
        now in 0i64..3000,
    ) {
        let start = started(&clock);
        let now = start + minutes(now);
        let windows = place(start, &windows);
        let mut shuffled: Vec<Exclusion> = order.iter().map(|&i| windows[i].clone()).collect();
        let mut sorted = windows.clone();
        sorted.sort_by_key(|w| (w.from, w.to));
        let once = clock.excluding(&sorted).expect("a valid clock");
        let want = status(cal, &once, now);
        prop_assert_eq!(&clock.excluding(&windows).expect("valid"), &once);
        prop_assert_eq!(&clock.excluding(&shuffled).expect("valid"), &once);
        prop_assert_eq!(status(cal, &clock.excluding(&shuffled).expect("valid"), now), want.clone());
        let later = shuffled.split_off(split);
        let twice = clock
            .excluding(&shuffled)
            .and_then(|c| c.excluding(&later))
            .expect("valid");
        prop_assert_eq!(status(cal, &twice, now), want.clone(), "{:?} then {:?}", shuffled, later);
        let again = once.excluding(&sorted).expect("valid");
        prop_assert_eq!(status(cal, &again, now), want);
    }

    /// No windows, or only windows that cannot matter, give the clock back unchanged.
    #[test]
    fn excluding_nothing_is_the_identity(clock in clock(), windows in windows()) {
        prop_assert_eq!(&clock.excluding(&[]).expect("valid"), &clock);
        let start = started(&clock);
        // Empty, backwards, or ending at or before the start.
        let harmless: Vec<Exclusion> = place(start, &windows)
            .into_iter()
            .map(|mut w| {
                if w.from < w.to && w.to > start {
                    w.to = w.from.min(start);
                }
                w
            })
            .collect();
        prop_assert_eq!(&clock.excluding(&harmless).expect("valid"), &clock);
    }
}

//! SLA clocks: a target duration counted in a calendar, started, paused and resumed, stopped,
//! re-targeted or cancelled.
//!
//! A clock is its list of [`ClockEvent`]s. Its [`ClockStatus`] at an instant is a pure function of
//! (calendar, events, instant): replaying the same events always gives the same deadline. Only
//! events at or before the instant count, so a status can also be asked for the past.
//!
//! The budget is the working time the target allows from the start: for minutes and hours the
//! duration itself; for days and working days the working time between the start and the deadline
//! of the period rule (see [`crate::period`]). The clock consumes working time while it runs.
//! The deadline is the earliest instant at which the consumed time reaches the budget, so a pause
//! before the deadline moves it by exactly the paused working time, and a pause after a breach
//! does not undo the breach. Re-targeting (re-grading) replaces the target, measured from the
//! original start.
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use sla_clock::{Calendar, Clock, ClockState};
//! # let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/calendars/24x7.toml")).unwrap();
//! let cal = Calendar::from_toml(&text).unwrap();
//! let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
//!
//! let mut clock = Clock::start(at("2026-11-23T10:00:00+08:00"), "4h".parse().unwrap());
//! clock.pause(at("2026-11-23T11:00:00+08:00"), "awaiting reporter").unwrap();
//! clock.resume(at("2026-11-23T11:30:00+08:00")).unwrap();
//! let s = clock.status(&cal, at("2026-11-23T12:00:00+08:00")).unwrap();
//! assert_eq!(s.state, ClockState::Running);
//! assert_eq!(cal.local(s.deadline).to_rfc3339(), "2026-11-23T14:30:00+08:00"); // 4 h + 30 min paused
//! assert_eq!(s.consumed.num_minutes(), 90);
//! assert_eq!(s.share_used, 0.375);
//! ```

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError};
use crate::duration::SlaDuration;

/// Something that happened to a clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ClockEvent {
    /// The clock started with a target (always the first event).
    Started {
        /// When.
        at: DateTime<Utc>,
        /// The target duration.
        target: SlaDuration,
    },
    /// The clock stopped consuming time.
    Paused {
        /// When.
        at: DateTime<Utc>,
        /// Why (awaiting reporter, third party, a window the buyer must open, …).
        reason: String,
    },
    /// The clock consumes time again: after a pause, or after a stop when the goal turned out
    /// not to be reached (a ticket reopened). The time between stop and resume is not consumed.
    Resumed {
        /// When.
        at: DateTime<Utc>,
    },
    /// The goal was reached (acknowledged, on site, restored).
    Stopped {
        /// When.
        at: DateTime<Utc>,
    },
    /// The target was replaced (severity re-graded); it counts from the original start.
    Retargeted {
        /// When.
        at: DateTime<Utc>,
        /// The new target.
        target: SlaDuration,
        /// Why.
        reason: String,
    },
    /// The clock no longer applies (ticket cancelled, duplicate, …).
    Cancelled {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: String,
    },
}

impl ClockEvent {
    /// When the event happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            ClockEvent::Started { at, .. }
            | ClockEvent::Paused { at, .. }
            | ClockEvent::Resumed { at }
            | ClockEvent::Stopped { at }
            | ClockEvent::Retargeted { at, .. }
            | ClockEvent::Cancelled { at, .. } => *at,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            ClockEvent::Started { .. } => "start",
            ClockEvent::Paused { .. } => "pause",
            ClockEvent::Resumed { .. } => "resume",
            ClockEvent::Stopped { .. } => "stop",
            ClockEvent::Retargeted { .. } => "retarget",
            ClockEvent::Cancelled { .. } => "cancel",
        }
    }
}

/// Where a clock is in its life, ignoring the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Running,
    Paused,
    Stopped,
    Cancelled,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Running => "running",
            Phase::Paused => "paused",
            Phase::Stopped => "stopped",
            Phase::Cancelled => "cancelled",
        }
    }

    fn allowed(self) -> &'static str {
        match self {
            Phase::Running => "pause, stop, retarget, cancel",
            Phase::Paused => "resume, stop, retarget, cancel",
            Phase::Stopped => "resume (reopen), retarget",
            Phase::Cancelled => "nothing",
        }
    }
}

/// An event that cannot follow the clock's events so far.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The event is not allowed in the clock's current phase.
    #[error("cannot {event} a {phase} clock; allowed: {allowed}")]
    InvalidTransition {
        /// The attempted event.
        event: &'static str,
        /// The clock's phase.
        phase: &'static str,
        /// What is allowed instead.
        allowed: &'static str,
    },
    /// The event is earlier than the previous one.
    #[error("event at {at} is earlier than the previous event at {previous}; events must be in time order")]
    OutOfOrder {
        /// The event's time.
        at: DateTime<Utc>,
        /// The previous event's time.
        previous: DateTime<Utc>,
    },
    /// The first event must be `Started`, and only the first.
    #[error("a clock's first event must be its start, and it starts only once")]
    StartMisplaced,
    /// A status was asked for an instant before the clock started.
    #[error("the clock starts at {start}; there is no status at {at}")]
    BeforeStart {
        /// The clock's start.
        start: DateTime<Utc>,
        /// The instant asked about.
        at: DateTime<Utc>,
    },
    /// The calendar could not answer.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// The state of a clock at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Consuming time, deadline not passed.
    Running,
    /// Not consuming time (see [`ClockStatus::breached`] for whether it breached before).
    Paused,
    /// Stopped at or before the deadline.
    Met,
    /// Consuming time, deadline passed.
    BreachedRunning,
    /// Stopped after the deadline.
    BreachedMet,
    /// No longer applies.
    Cancelled,
}

impl fmt::Display for ClockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClockState::Running => "running",
            ClockState::Paused => "paused",
            ClockState::Met => "met",
            ClockState::BreachedRunning => "breached-running",
            ClockState::BreachedMet => "breached-met",
            ClockState::Cancelled => "cancelled",
        })
    }
}

/// What a clock reports at an instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClockStatus {
    /// The state.
    pub state: ClockState,
    /// Whether the deadline passed while the clock was live (true for breached states; may be
    /// true for a paused or cancelled clock).
    pub breached: bool,
    /// The target in force.
    pub target: SlaDuration,
    /// When the clock started.
    pub started_at: DateTime<Utc>,
    /// The deadline. For a paused clock that has not breached, the deadline if it resumed at the
    /// instant asked about; for a stopped one, the deadline it was measured against.
    pub deadline: DateTime<Utc>,
    /// When it stopped or was cancelled, if it did.
    pub ended_at: Option<DateTime<Utc>>,
    /// Working time the target allows.
    #[serde(with = "millis")]
    pub budget: TimeDelta,
    /// Working time consumed so far (up to the end, for stopped clocks).
    #[serde(with = "millis")]
    pub consumed: TimeDelta,
    /// Working time left before the deadline (zero once breached).
    #[serde(with = "millis")]
    pub remaining: TimeDelta,
    /// Working time consumed past the budget.
    #[serde(with = "millis")]
    pub overdue: TimeDelta,
    /// Wall-clock time from the deadline to the instant (or the end), when breached.
    #[serde(with = "millis")]
    pub overdue_wall: TimeDelta,
    /// Working time spent paused before the instant.
    #[serde(with = "millis")]
    pub paused: TimeDelta,
    /// Consumed / budget (1.0 is the deadline; a zero budget counts as fully used).
    pub share_used: f64,
    /// Whether the deadline rests on days the calendar has not published (counted with its weekly
    /// schedule alone, see [`Calendar::is_provisional`]): it is escalated on as it stands, and may
    /// move when that year's holidays are added.
    pub provisional: bool,
}

mod millis {
    use chrono::TimeDelta;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(d: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_milliseconds())
    }
}

/// A window during which a clock does not consume time, as if paused: approved maintenance,
/// force majeure. See [`Clock::excluding`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    /// Where the window begins (included).
    pub from: DateTime<Utc>,
    /// Where the window ends (excluded). A window with `to <= from` is empty.
    pub to: DateTime<Utc>,
    /// Why (maintenance ticket, force-majeure notice, …); the reason of the pauses it causes.
    pub reason: String,
}

/// A clock: its events, validated as they are applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<ClockEvent>", into = "Vec<ClockEvent>")]
pub struct Clock {
    events: Vec<ClockEvent>,
}

impl TryFrom<Vec<ClockEvent>> for Clock {
    type Error = ClockError;
    fn try_from(events: Vec<ClockEvent>) -> Result<Self, Self::Error> {
        Clock::from_events(events)
    }
}

impl From<Clock> for Vec<ClockEvent> {
    fn from(c: Clock) -> Self {
        c.events
    }
}

/// The running stretches of a clock up to an instant, and how it ended.
pub(crate) struct Runs {
    pub(crate) start: i64,
    pub(crate) target: SlaDuration,
    /// `[start, end)` in ms; the last may be open (running at the instant).
    pub(crate) runs: Vec<(i64, Option<i64>)>,
    pub(crate) phase: Phase,
    pub(crate) ended_at: Option<i64>,
}

impl Clock {
    /// A clock started at `at` with `target`.
    pub fn start(at: DateTime<Utc>, target: SlaDuration) -> Clock {
        Clock {
            events: vec![ClockEvent::Started { at, target }],
        }
    }

    /// Rebuilds a clock from stored events, checking that they make sense in order.
    pub fn from_events(events: impl IntoIterator<Item = ClockEvent>) -> Result<Clock, ClockError> {
        let mut iter = events.into_iter();
        let mut clock = match iter.next() {
            Some(ClockEvent::Started { at, target }) => Clock::start(at, target),
            _ => return Err(ClockError::StartMisplaced),
        };
        for e in iter {
            clock.apply(e)?;
        }
        Ok(clock)
    }

    /// The events so far.
    pub fn events(&self) -> &[ClockEvent] {
        &self.events
    }

    /// Every target the clock has had, with when it was set (the first is the original).
    pub fn targets(&self) -> Vec<(DateTime<Utc>, SlaDuration)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ClockEvent::Started { at, target } | ClockEvent::Retargeted { at, target, .. } => Some((*at, *target)),
                _ => None,
            })
            .collect()
    }

    fn phase(&self) -> Phase {
        self.events.iter().fold(Phase::Running, |p, e| match e {
            ClockEvent::Paused { .. } => Phase::Paused,
            ClockEvent::Resumed { .. } => Phase::Running,
            ClockEvent::Stopped { .. } => Phase::Stopped,
            ClockEvent::Cancelled { .. } => Phase::Cancelled,
            ClockEvent::Started { .. } | ClockEvent::Retargeted { .. } => p,
        })
    }

    /// Appends an event if it may follow the ones so far.
    pub fn apply(&mut self, event: ClockEvent) -> Result<(), ClockError> {
        if let Some(previous) = self.events.last().map(ClockEvent::at)
            && event.at() < previous
        {
            return Err(ClockError::OutOfOrder {
                at: event.at(),
                previous,
            });
        }
        let phase = self.phase();
        let ok = match (&event, phase) {
            (ClockEvent::Started { .. }, _) => return Err(ClockError::StartMisplaced),
            (ClockEvent::Paused { .. }, Phase::Running) => true,
            (ClockEvent::Resumed { .. }, Phase::Paused | Phase::Stopped) => true,
            (ClockEvent::Stopped { .. }, Phase::Running | Phase::Paused) => true,
            (ClockEvent::Cancelled { .. }, Phase::Running | Phase::Paused) => true,
            (ClockEvent::Retargeted { .. }, p) => p != Phase::Cancelled,
            _ => false,
        };
        if !ok {
            return Err(ClockError::InvalidTransition {
                event: event.name(),
                phase: phase.name(),
                allowed: phase.allowed(),
            });
        }
        self.events.push(event);
        Ok(())
    }

    /// Pauses the clock.
    pub fn pause(&mut self, at: DateTime<Utc>, reason: impl Into<String>) -> Result<(), ClockError> {
        self.apply(ClockEvent::Paused {
            at,
            reason: reason.into(),
        })
    }

    /// Resumes a paused clock, or a stopped one whose goal turned out not to be reached.
    pub fn resume(&mut self, at: DateTime<Utc>) -> Result<(), ClockError> {
        self.apply(ClockEvent::Resumed { at })
    }

    /// Stops the clock: its goal was reached.
    pub fn stop(&mut self, at: DateTime<Utc>) -> Result<(), ClockError> {
        self.apply(ClockEvent::Stopped { at })
    }

    /// Replaces the target, counted from the original start.
    pub fn retarget(
        &mut self,
        at: DateTime<Utc>,
        target: SlaDuration,
        reason: impl Into<String>,
    ) -> Result<(), ClockError> {
        self.apply(ClockEvent::Retargeted {
            at,
            target,
            reason: reason.into(),
        })
    }

    /// Cancels the clock.
    pub fn cancel(&mut self, at: DateTime<Utc>, reason: impl Into<String>) -> Result<(), ClockError> {
        self.apply(ClockEvent::Cancelled {
            at,
            reason: reason.into(),
        })
    }

    /// The clock with the given exclusion windows taken out of its running time: approved
    /// maintenance or force-majeure windows, during which the clock consumes no time, as in a
    /// pause.
    ///
    /// The result's events are this clock's with `Paused { at: from, reason }` and
    /// `Resumed { at: to }` merged in, so that at every instant the clock is in the phase it was,
    /// except that running inside a window becomes paused. Windows may be in any order and may
    /// overlap; overlapping or adjacent windows are merged (a merged window takes the reason of
    /// its earliest). Empty windows (`to <= from`) and the parts of windows before the start are
    /// ignored. A window is `[from, to)`: events at `from` happen inside it, events at `to` after
    /// it. This clock's own pauses and resumes that change nothing inside a window are dropped;
    /// a reopen inside a window becomes a resume and a pause at the same instant; its starts,
    /// stops, re-targets and cancellations are kept (a window that begins as the clock stops adds
    /// nothing).
    ///
    /// Like any event, a window counts only in statuses at or after the instants it begins and
    /// ends: a window still to come does not move the deadline of a status asked before it. The
    /// result is meant to be read (statuses, reports); new events for the ticket belong on the
    /// original clock, from which the windowed one can be derived again.
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use sla_clock::{Calendar, Clock, ClockState, Exclusion};
    /// # let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/calendars/24x7.toml")).unwrap();
    /// let cal = Calendar::from_toml(&text).unwrap();
    /// let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    ///
    /// let clock = Clock::start(at("2026-11-23T10:00:00+08:00"), "4h".parse().unwrap());
    /// let maintenance = Exclusion {
    ///     from: at("2026-11-23T11:00:00+08:00"),
    ///     to: at("2026-11-23T12:00:00+08:00"),
    ///     reason: "approved maintenance window".into(),
    /// };
    /// let windowed = clock.excluding(&[maintenance]).unwrap();
    /// let s = windowed.status(&cal, at("2026-11-23T12:30:00+08:00")).unwrap();
    /// assert_eq!(s.state, ClockState::Running);
    /// assert_eq!(cal.local(s.deadline).to_rfc3339(), "2026-11-23T15:00:00+08:00"); // 4 h + 1 h excluded
    /// let s = windowed.status(&cal, at("2026-11-23T11:30:00+08:00")).unwrap();
    /// assert_eq!(s.state, ClockState::Paused);
    /// assert_eq!(clock.excluding(&[]).unwrap(), clock);
    /// ```
    pub fn excluding(&self, windows: &[Exclusion]) -> Result<Clock, ClockError> {
        let (first, rest) = match self.events.split_first() {
            Some((first @ ClockEvent::Started { .. }, rest)) => (first, rest),
            _ => return Err(ClockError::StartMisplaced),
        };
        let windows = merge_windows(first.at(), windows);
        let mut sweep = Sweep {
            events: Vec::with_capacity(self.events.len() + 2 * windows.len()),
            original: Phase::Running,
            effective: Phase::Running,
            window: None,
            window_pause: None,
            windows: windows.iter(),
        };
        sweep.events.push(first.clone());
        for event in rest {
            sweep.boundaries_until(Some(event.at()));
            sweep.event(event)?;
        }
        sweep.boundaries_until(None);
        Clock::from_events(sweep.events)
    }

    /// The running stretches up to instant `now` (events after `now` are ignored).
    pub(crate) fn runs(&self, now: i64) -> Result<Runs, ClockError> {
        let (start, mut target) = match self.events.first() {
            Some(ClockEvent::Started { at, target }) => (*at, *target),
            _ => return Err(ClockError::StartMisplaced),
        };
        let start_ms = start.timestamp_millis();
        if now < start_ms {
            return Err(ClockError::BeforeStart {
                start,
                at: DateTime::from_timestamp_millis(now).unwrap_or(start),
            });
        }
        let mut runs = vec![(start_ms, None)];
        let mut phase = Phase::Running;
        let mut ended_at = None;
        for e in self.events.iter().skip(1) {
            let t = e.at().timestamp_millis();
            if t > now {
                break;
            }
            match e {
                ClockEvent::Paused { .. } | ClockEvent::Stopped { .. } | ClockEvent::Cancelled { .. } => {
                    if let Some(last) = runs.last_mut().filter(|r| r.1.is_none()) {
                        last.1 = Some(t);
                    }
                    phase = match e {
                        ClockEvent::Paused { .. } => Phase::Paused,
                        ClockEvent::Stopped { .. } => Phase::Stopped,
                        _ => Phase::Cancelled,
                    };
                    if phase != Phase::Paused {
                        ended_at = Some(t);
                    }
                }
                ClockEvent::Resumed { .. } => {
                    runs.push((t, None));
                    phase = Phase::Running;
                    ended_at = None;
                }
                ClockEvent::Retargeted { target: new, .. } => target = *new,
                ClockEvent::Started { .. } => return Err(ClockError::StartMisplaced),
            }
        }
        Ok(Runs {
            start: start_ms,
            target,
            runs,
            phase,
            ended_at,
        })
    }

    /// The clock's status at `now` under the target in force then.
    pub fn status(&self, calendar: &Calendar, now: DateTime<Utc>) -> Result<ClockStatus, ClockError> {
        let runs = self.runs(now.timestamp_millis())?;
        let target = runs.target;
        runs.status(calendar, now.timestamp_millis(), target)
    }

    /// The instant at which the clock has used `percent` % of its budget (rounded up to the
    /// millisecond, as the escalation ladder counts), if it gets there: while it runs, the share
    /// is reached after `now` or was reached before; a paused, stopped or cancelled clock that
    /// had not reached it never will (`None`).
    ///
    /// The board colours a countdown at 50 % and 80 % with these instants, so that a clock on
    /// a business-hours calendar changes colour when the working time says, not the wall clock.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use sla_clock::{Clock, builtin};
    ///
    /// let cal = builtin::calendar("cn-5x8").unwrap();
    /// // Friday 2026-03-06 16:00 Beijing time (08:00 UTC), 4 working hours.
    /// let start = Utc.with_ymd_and_hms(2026, 3, 6, 8, 0, 0).unwrap();
    /// let clock = Clock::start(start, "4h".parse().unwrap());
    /// // Half the budget is two working hours: Friday 16:00–17:00, then Monday 09:00–10:00.
    /// let half = clock.share_reached_at(&cal, start, 50).unwrap();
    /// assert_eq!(half, Some(Utc.with_ymd_and_hms(2026, 3, 9, 2, 0, 0).unwrap()));
    /// // 100 % is the deadline.
    /// let due = clock.status(&cal, start).unwrap().deadline;
    /// assert_eq!(clock.share_reached_at(&cal, start, 100).unwrap(), Some(due));
    /// ```
    pub fn share_reached_at(
        &self,
        calendar: &Calendar,
        now: DateTime<Utc>,
        percent: u32,
    ) -> Result<Option<DateTime<Utc>>, ClockError> {
        let runs = self.runs(now.timestamp_millis())?;
        let budget = runs.budget(calendar, runs.target)?;
        let amount = (budget * i64::from(percent) + 99) / 100;
        Ok(match runs.reach(calendar, amount)? {
            Some(t) => Some(calendar.instant(t)?),
            None => None,
        })
    }

    /// The clock's status at `now` had `target` been in force throughout (for reports that show
    /// a ticket against its original target as well as the re-graded one).
    pub fn status_for_target(
        &self,
        calendar: &Calendar,
        now: DateTime<Utc>,
        target: SlaDuration,
    ) -> Result<ClockStatus, ClockError> {
        self.runs(now.timestamp_millis())?
            .status(calendar, now.timestamp_millis(), target)
    }
}

/// The windows that matter to a clock started at `start`, clipped to begin no earlier than the
/// start, without empty ones, merged where they overlap or touch, in time order.
fn merge_windows(start: DateTime<Utc>, windows: &[Exclusion]) -> Vec<Exclusion> {
    let mut sorted: Vec<&Exclusion> = windows.iter().filter(|w| w.from < w.to && start < w.to).collect();
    // The whole window as key, so that the result does not depend on the order given.
    sorted.sort_by(|a, b| (a.from, a.to, &a.reason).cmp(&(b.from, b.to, &b.reason)));
    let mut merged: Vec<Exclusion> = Vec::with_capacity(sorted.len());
    for w in sorted {
        let from = w.from.max(start);
        match merged.last_mut() {
            Some(last) if from <= last.to => last.to = last.to.max(w.to),
            _ => merged.push(Exclusion {
                from,
                to: w.to,
                reason: w.reason.clone(),
            }),
        }
    }
    merged
}

/// The state of [`Clock::excluding`] as it walks through a clock's events and the merged windows.
struct Sweep<'a> {
    /// The events emitted so far.
    events: Vec<ClockEvent>,
    /// The original clock's phase after the events so far.
    original: Phase,
    /// The emitted events' phase: `original`, except `Paused` for `Running` inside a window.
    effective: Phase,
    /// The window the sweep is in.
    window: Option<&'a Exclusion>,
    /// Where in `events` the last pause the sweep added for a window is.
    window_pause: Option<usize>,
    /// The windows still to come.
    windows: std::slice::Iter<'a, Exclusion>,
}

impl<'a> Sweep<'a> {
    /// Enters and leaves the windows whose boundaries are at or before `until` (all, if `None`).
    /// A boundary at the instant of an event comes before the event, so the event sees whether
    /// the window covers that instant.
    fn boundaries_until(&mut self, until: Option<DateTime<Utc>>) {
        let due = |t: DateTime<Utc>| until.is_none_or(|u| t <= u);
        loop {
            match self.window {
                Some(w) if due(w.to) => {
                    self.window = None;
                    if self.original == Phase::Running && self.effective == Phase::Paused {
                        self.events.push(ClockEvent::Resumed { at: w.to });
                        self.effective = Phase::Running;
                    }
                }
                Some(_) => break,
                None => match self.windows.as_slice().first() {
                    Some(w) if due(w.from) => {
                        self.windows.next();
                        self.window = Some(w);
                        if self.effective == Phase::Running {
                            self.window_pause = Some(self.events.len());
                            self.events.push(ClockEvent::Paused {
                                at: w.from,
                                reason: w.reason.clone(),
                            });
                            self.effective = Phase::Paused;
                        }
                    }
                    _ => break,
                },
            }
        }
    }

    /// Passes an original event through, or drops it when it does not change the effective phase.
    fn event(&mut self, event: &ClockEvent) -> Result<(), ClockError> {
        match event {
            ClockEvent::Started { .. } => return Err(ClockError::StartMisplaced),
            ClockEvent::Retargeted { .. } => self.events.push(event.clone()),
            ClockEvent::Stopped { .. } | ClockEvent::Cancelled { .. } => {
                // A window that begins as the clock ends adds a pause of no length: leave it out.
                if let Some(i) = self.window_pause.take() {
                    let same_instant = self.events.get(i).is_some_and(|p| p.at() == event.at());
                    let only_retargets_since = self
                        .events
                        .get(i + 1..)
                        .is_some_and(|rest| rest.iter().all(|e| matches!(e, ClockEvent::Retargeted { .. })));
                    if same_instant && only_retargets_since {
                        self.events.remove(i);
                    }
                }
                self.original = if matches!(event, ClockEvent::Stopped { .. }) {
                    Phase::Stopped
                } else {
                    Phase::Cancelled
                };
                self.effective = self.original;
                self.events.push(event.clone());
            }
            ClockEvent::Paused { .. } => {
                self.original = Phase::Paused;
                if self.effective == Phase::Running {
                    self.events.push(event.clone());
                    self.effective = Phase::Paused;
                }
            }
            ClockEvent::Resumed { at } => {
                self.original = Phase::Running;
                match self.window {
                    None => {
                        self.events.push(event.clone());
                        self.effective = Phase::Running;
                    }
                    // Reopened inside a window: paused, which only a running clock may be.
                    Some(w) if self.effective == Phase::Stopped => {
                        self.events.push(event.clone());
                        self.window_pause = Some(self.events.len());
                        self.events.push(ClockEvent::Paused {
                            at: *at,
                            reason: w.reason.clone(),
                        });
                        self.effective = Phase::Paused;
                    }
                    // Resumed from a pause inside a window: still paused.
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }
}

impl Runs {
    /// Working-time budget of `target` from the start.
    pub(crate) fn budget(&self, calendar: &Calendar, target: SlaDuration) -> Result<i64, CalendarError> {
        match target.working_millis() {
            Some(ms) => Ok(ms),
            None => {
                let end = calendar.deadline_millis(self.start, target)?;
                calendar.elapsed_millis(self.start, end)
            }
        }
    }

    /// Working time consumed while running, up to `now`.
    pub(crate) fn consumed(&self, calendar: &Calendar, now: i64) -> Result<i64, CalendarError> {
        let mut total = 0;
        for &(s, e) in &self.runs {
            total += calendar.elapsed_millis(s, e.unwrap_or(now))?;
        }
        Ok(total)
    }

    /// The earliest instant at which the consumed time reaches `amount`, if the runs reach it
    /// (an open run reaches everything, possibly after `now`).
    pub(crate) fn reach(&self, calendar: &Calendar, amount: i64) -> Result<Option<i64>, CalendarError> {
        let mut before = 0;
        for &(s, e) in &self.runs {
            match e {
                None => return calendar.add_working_millis(s, amount - before).map(Some),
                Some(e) => {
                    let w = calendar.elapsed_millis(s, e)?;
                    if before + w >= amount {
                        return calendar.add_working_millis(s, amount - before).map(Some);
                    }
                    before += w;
                }
            }
        }
        Ok(None)
    }

    fn status(&self, calendar: &Calendar, now: i64, target: SlaDuration) -> Result<ClockStatus, ClockError> {
        let budget = self.budget(calendar, target)?;
        let consumed = self.consumed(calendar, now)?;
        let end = self.ended_at.unwrap_or(now);
        let deadline = match self.reach(calendar, budget)? {
            Some(t) => t,
            // Paused, stopped or cancelled short of the budget: the deadline had it resumed at the end.
            None => calendar.add_working_millis(end, budget - consumed)?,
        };
        let breached = deadline < end;
        let state = match (self.phase, breached) {
            (Phase::Running, false) => ClockState::Running,
            (Phase::Running, true) => ClockState::BreachedRunning,
            (Phase::Paused, _) => ClockState::Paused,
            (Phase::Stopped, false) => ClockState::Met,
            (Phase::Stopped, true) => ClockState::BreachedMet,
            (Phase::Cancelled, _) => ClockState::Cancelled,
        };
        let paused = calendar.elapsed_millis(self.start, end)? - consumed;
        // Counting to the deadline passed every day before it; a target in days also rests on the
        // day its period ends, which on an all-hours calendar the wall-clock deadline does not show.
        let provisional = calendar.provisional_ms(deadline, false)
            || (target.unit().is_days()
                && calendar.provisional_ms(calendar.deadline_millis(self.start, target)?, true));
        let ms = TimeDelta::milliseconds;
        let at = |t: i64| DateTime::from_timestamp_millis(t).ok_or(CalendarError::InstantOutOfRange);
        Ok(ClockStatus {
            state,
            breached,
            target,
            started_at: at(self.start)?,
            deadline: at(deadline)?,
            ended_at: self.ended_at.map(at).transpose()?,
            budget: ms(budget),
            consumed: ms(consumed),
            remaining: ms((budget - consumed).max(0)),
            overdue: ms((consumed - budget).max(0)),
            overdue_wall: ms(if breached { end - deadline } else { 0 }),
            paused: ms(paused),
            share_used: if budget == 0 {
                1.0
            } else {
                consumed as f64 / budget as f64
            },
            provisional,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{at, calendar};

    fn h(n: u32) -> SlaDuration {
        SlaDuration::new(n, crate::DurationUnit::Hours)
    }

    #[test]
    fn a_running_clock_breaches_after_its_deadline() {
        let cal = calendar("24x7");
        let clock = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        let s = clock.status(&cal, at("2026-11-23T14:00:00+08:00")).unwrap();
        assert_eq!(
            (s.state, s.breached),
            (ClockState::Running, false),
            "at the deadline itself: not yet breached"
        );
        assert_eq!(s.remaining, TimeDelta::zero());
        let s = clock.status(&cal, at("2026-11-23T15:05:00+08:00")).unwrap();
        assert_eq!(s.state, ClockState::BreachedRunning);
        assert_eq!(s.overdue, TimeDelta::minutes(65));
        assert_eq!(s.overdue_wall, TimeDelta::minutes(65));
    }

    #[test]
    fn stopping_at_the_deadline_is_met_and_after_is_breached_met() {
        let cal = calendar("24x7");
        let mut met = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        met.stop(at("2026-11-23T14:00:00+08:00")).unwrap();
        let s = met.status(&cal, at("2026-11-24T00:00:00+08:00")).unwrap();
        assert_eq!(s.state, ClockState::Met);
        assert_eq!(s.consumed, TimeDelta::hours(4));
        let mut late = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        late.stop(at("2026-11-23T14:00:01+08:00")).unwrap();
        let s = late.status(&cal, at("2026-11-24T00:00:00+08:00")).unwrap();
        assert_eq!(s.state, ClockState::BreachedMet);
        assert_eq!(s.overdue_wall, TimeDelta::seconds(1));
    }

    #[test]
    fn pauses_in_working_hours_extend_the_deadline_outside_they_do_not() {
        let cal = calendar("cn-5x8");
        // Monday 2026-11-23 10:00, 4h → 14:00. Pause 11:00–11:30 → 14:30.
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        c.pause(at("2026-11-23T11:00:00+08:00"), "awaiting reporter").unwrap();
        c.resume(at("2026-11-23T11:30:00+08:00")).unwrap();
        let s = c.status(&cal, at("2026-11-23T12:00:00+08:00")).unwrap();
        assert_eq!(s.deadline, at("2026-11-23T14:30:00+08:00"));
        assert_eq!(s.paused, TimeDelta::minutes(30));
        // A pause overnight costs no working time.
        let mut n = Clock::start(at("2026-11-23T16:00:00+08:00"), h(4));
        n.pause(at("2026-11-23T18:00:00+08:00"), "third party").unwrap();
        n.resume(at("2026-11-24T08:00:00+08:00")).unwrap();
        let s = n.status(&cal, at("2026-11-24T09:00:00+08:00")).unwrap();
        assert_eq!(s.deadline, at("2026-11-24T12:00:00+08:00"));
        assert_eq!(s.paused, TimeDelta::zero());
    }

    #[test]
    fn a_paused_clock_projects_its_deadline_from_the_instant_asked() {
        let cal = calendar("24x7");
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        c.pause(at("2026-11-23T11:00:00+08:00"), "awaiting reporter").unwrap();
        let s = c.status(&cal, at("2026-11-23T13:00:00+08:00")).unwrap();
        assert_eq!((s.state, s.breached), (ClockState::Paused, false));
        assert_eq!(s.deadline, at("2026-11-23T16:00:00+08:00"));
        assert_eq!(s.remaining, TimeDelta::hours(3));
        assert_eq!(s.share_used, 0.25);
    }

    #[test]
    fn a_pause_after_the_breach_does_not_undo_it() {
        let cal = calendar("24x7");
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(1));
        c.pause(at("2026-11-23T12:00:00+08:00"), "awaiting reporter").unwrap();
        c.resume(at("2026-11-23T15:00:00+08:00")).unwrap();
        let s = c.status(&cal, at("2026-11-23T15:30:00+08:00")).unwrap();
        assert_eq!(s.deadline, at("2026-11-23T11:00:00+08:00"));
        assert_eq!(s.state, ClockState::BreachedRunning);
        assert_eq!(s.overdue, TimeDelta::minutes(90), "1 h before the pause + 30 min after");
    }

    #[test]
    fn regrading_measures_from_the_original_start_and_keeps_history() {
        let cal = calendar("24x7");
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(8));
        c.retarget(at("2026-11-23T11:00:00+08:00"), h(2), "core function down")
            .unwrap();
        let s = c.status(&cal, at("2026-11-23T11:30:00+08:00")).unwrap();
        assert_eq!(s.deadline, at("2026-11-23T12:00:00+08:00"));
        assert_eq!(s.target, h(2));
        // Before the re-grade, the old target was in force.
        let s = c.status(&cal, at("2026-11-23T10:30:00+08:00")).unwrap();
        assert_eq!(s.target, h(8));
        assert_eq!(c.targets().len(), 2);
        let original = c
            .status_for_target(&cal, at("2026-11-23T11:30:00+08:00"), h(8))
            .unwrap();
        assert_eq!(original.deadline, at("2026-11-23T18:00:00+08:00"));
        // Re-grading to a target already exceeded breaches at once.
        c.retarget(at("2026-11-23T11:40:00+08:00"), h(1), "worse").unwrap();
        let s = c.status(&cal, at("2026-11-23T11:45:00+08:00")).unwrap();
        assert_eq!(s.state, ClockState::BreachedRunning);
    }

    #[test]
    fn working_day_targets_budget_the_working_time_to_the_period_deadline() {
        let cal = calendar("cn-5x8");
        let c = Clock::start(at("2026-09-24T15:00:00+08:00"), "7wd".parse().unwrap());
        let s = c.status(&cal, at("2026-09-24T15:00:00+08:00")).unwrap();
        assert_eq!(s.deadline, at("2026-10-12T17:00:00+08:00"));
        // 2 h on the 24th plus seven 8-hour working days.
        assert_eq!(s.budget, TimeDelta::hours(2 + 7 * 8));
    }

    #[test]
    fn immediate_targets_breach_as_soon_as_time_passes() {
        let cal = calendar("24x7");
        let c = Clock::start(at("2026-11-23T10:00:00+08:00"), SlaDuration::IMMEDIATE);
        let s = c.status(&cal, at("2026-11-23T10:00:00+08:00")).unwrap();
        assert_eq!((s.state, s.share_used), (ClockState::Running, 1.0));
        let s = c.status(&cal, at("2026-11-23T10:00:01+08:00")).unwrap();
        assert_eq!(s.state, ClockState::BreachedRunning);
    }

    #[test]
    fn a_reopened_clock_runs_again_without_counting_the_resolved_gap() {
        let cal = calendar("24x7");
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        c.stop(at("2026-11-23T12:00:00+08:00")).unwrap();
        assert_eq!(
            c.status(&cal, at("2026-11-23T13:00:00+08:00")).unwrap().state,
            ClockState::Met
        );
        c.resume(at("2026-11-23T15:00:00+08:00")).unwrap();
        let s = c.status(&cal, at("2026-11-23T16:00:00+08:00")).unwrap();
        assert_eq!(s.state, ClockState::Running);
        assert_eq!(s.ended_at, None);
        assert_eq!(s.consumed, TimeDelta::hours(3));
        // 2 h used before the stop, 2 h left from 15:00.
        assert_eq!(s.deadline, at("2026-11-23T17:00:00+08:00"));
        assert_eq!(
            c.status(&cal, at("2026-11-23T17:30:00+08:00")).unwrap().state,
            ClockState::BreachedRunning
        );
    }

    #[test]
    fn invalid_moves_say_what_is_allowed() {
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        let e = c.resume(at("2026-11-23T10:05:00+08:00")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot resume a running clock; allowed: pause, stop, retarget, cancel"
        );
        c.cancel(at("2026-11-23T10:06:00+08:00"), "duplicate").unwrap();
        assert!(matches!(
            c.stop(at("2026-11-23T10:07:00+08:00")),
            Err(ClockError::InvalidTransition { .. })
        ));
        let mut d = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        let e = d.stop(at("2026-11-23T09:00:00+08:00")).unwrap_err();
        assert!(matches!(e, ClockError::OutOfOrder { .. }));
        let e = d
            .status(&calendar("24x7"), at("2026-11-23T09:00:00+08:00"))
            .unwrap_err();
        assert!(matches!(e, ClockError::BeforeStart { .. }));
    }

    #[test]
    fn events_round_trip_through_json_and_are_revalidated() {
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        c.pause(at("2026-11-23T11:00:00+08:00"), "awaiting reporter").unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains("\"event\":\"paused\""), "{json}");
        assert_eq!(serde_json::from_str::<Clock>(&json).unwrap(), c);
        let bad = json.replace("\"paused\"", "\"resumed\"");
        assert!(serde_json::from_str::<Clock>(&bad).is_err());
    }

    #[test]
    fn status_is_a_function_of_the_instant_even_in_the_past() {
        let cal = calendar("24x7");
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        c.stop(at("2026-11-23T12:00:00+08:00")).unwrap();
        let before = c.status(&cal, at("2026-11-23T11:00:00+08:00")).unwrap();
        assert_eq!(before.state, ClockState::Running);
        assert_eq!(before.ended_at, None);
    }

    fn window(from: &str, to: &str, reason: &str) -> Exclusion {
        Exclusion {
            from: at(from),
            to: at(to),
            reason: reason.into(),
        }
    }

    #[test]
    fn excluding_a_window_inside_a_run_moves_the_deadline_by_its_working_time() {
        let cal = calendar("24x7");
        let c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        let w = c
            .excluding(&[window(
                "2026-11-23T11:00:00+08:00",
                "2026-11-23T11:45:00+08:00",
                "maintenance",
            )])
            .unwrap();
        assert_eq!(
            w.events()[1..],
            [
                ClockEvent::Paused {
                    at: at("2026-11-23T11:00:00+08:00"),
                    reason: "maintenance".into()
                },
                ClockEvent::Resumed {
                    at: at("2026-11-23T11:45:00+08:00")
                },
            ]
        );
        let s = w.status(&cal, at("2026-11-23T12:00:00+08:00")).unwrap();
        assert_eq!(s.deadline, at("2026-11-23T14:45:00+08:00"));
        assert_eq!(
            (s.consumed, s.paused),
            (TimeDelta::hours(1) + TimeDelta::minutes(15), TimeDelta::minutes(45))
        );
        // In working hours: Monday 16:00 to Tuesday 10:00 holds 2 h of working time (16–17, 09–10).
        let cal = calendar("cn-5x8");
        let c = Clock::start(at("2026-11-23T14:00:00+08:00"), h(4));
        let before = c.status(&cal, at("2026-11-23T14:00:00+08:00")).unwrap().deadline;
        assert_eq!(before, at("2026-11-24T10:00:00+08:00"));
        let w = c
            .excluding(&[window(
                "2026-11-23T16:00:00+08:00",
                "2026-11-24T10:00:00+08:00",
                "maintenance",
            )])
            .unwrap();
        let s = w.status(&cal, at("2026-11-24T10:00:00+08:00")).unwrap();
        assert_eq!(s.deadline, at("2026-11-24T12:00:00+08:00"));
        assert_eq!(s.paused, TimeDelta::hours(2));
    }

    #[test]
    fn excluding_a_window_over_a_pause_counts_their_union_once() {
        let cal = calendar("24x7");
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        c.pause(at("2026-11-23T11:00:00+08:00"), "awaiting reporter").unwrap();
        c.resume(at("2026-11-23T12:00:00+08:00")).unwrap();
        let w = c
            .excluding(&[window(
                "2026-11-23T11:30:00+08:00",
                "2026-11-23T12:30:00+08:00",
                "maintenance",
            )])
            .unwrap();
        // The original resume at 12:00 is inside the window: dropped; the window's end resumes.
        assert_eq!(
            w.events()[1..],
            [
                ClockEvent::Paused {
                    at: at("2026-11-23T11:00:00+08:00"),
                    reason: "awaiting reporter".into()
                },
                ClockEvent::Resumed {
                    at: at("2026-11-23T12:30:00+08:00")
                },
            ]
        );
        let s = w.status(&cal, at("2026-11-23T13:00:00+08:00")).unwrap();
        assert_eq!(s.paused, TimeDelta::minutes(90));
        assert_eq!(s.deadline, at("2026-11-23T15:30:00+08:00"));
        // A window wholly inside the pause changes nothing.
        let inside = c
            .excluding(&[window(
                "2026-11-23T11:10:00+08:00",
                "2026-11-23T11:50:00+08:00",
                "maintenance",
            )])
            .unwrap();
        assert_eq!(inside, c);
        // Nor does a pause wholly inside a window add anything: the window alone counts.
        let around = c
            .excluding(&[window(
                "2026-11-23T10:30:00+08:00",
                "2026-11-23T12:30:00+08:00",
                "maintenance",
            )])
            .unwrap();
        let s = around.status(&cal, at("2026-11-23T13:00:00+08:00")).unwrap();
        assert_eq!(s.paused, TimeDelta::hours(2));
        assert_eq!(around.events().len(), 3, "{:?}", around.events());
    }

    #[test]
    fn excluding_a_window_around_a_stop_keeps_the_stop_and_does_not_resume() {
        let cal = calendar("24x7");
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        c.stop(at("2026-11-23T11:00:00+08:00")).unwrap();
        let w = c
            .excluding(&[window(
                "2026-11-23T10:30:00+08:00",
                "2026-11-23T12:00:00+08:00",
                "maintenance",
            )])
            .unwrap();
        assert_eq!(
            w.events()[1..],
            [
                ClockEvent::Paused {
                    at: at("2026-11-23T10:30:00+08:00"),
                    reason: "maintenance".into()
                },
                ClockEvent::Stopped {
                    at: at("2026-11-23T11:00:00+08:00")
                },
            ]
        );
        let s = w.status(&cal, at("2026-11-23T13:00:00+08:00")).unwrap();
        assert_eq!(s.state, ClockState::Met);
        assert_eq!(s.ended_at, Some(at("2026-11-23T11:00:00+08:00")));
        assert_eq!(s.consumed, TimeDelta::minutes(30));
    }

    #[test]
    fn excluding_a_window_around_a_reopen_pauses_the_reopened_clock_until_it_ends() {
        let cal = calendar("24x7");
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        c.stop(at("2026-11-23T11:00:00+08:00")).unwrap();
        c.resume(at("2026-11-23T12:00:00+08:00")).unwrap();
        let w = c
            .excluding(&[window(
                "2026-11-23T11:30:00+08:00",
                "2026-11-23T13:00:00+08:00",
                "maintenance",
            )])
            .unwrap();
        assert_eq!(
            w.events()[1..],
            [
                ClockEvent::Stopped {
                    at: at("2026-11-23T11:00:00+08:00")
                },
                ClockEvent::Resumed {
                    at: at("2026-11-23T12:00:00+08:00")
                },
                ClockEvent::Paused {
                    at: at("2026-11-23T12:00:00+08:00"),
                    reason: "maintenance".into()
                },
                ClockEvent::Resumed {
                    at: at("2026-11-23T13:00:00+08:00")
                },
            ]
        );
        for (when, state) in [
            ("2026-11-23T11:45:00+08:00", ClockState::Met),
            ("2026-11-23T12:00:00+08:00", ClockState::Paused),
            ("2026-11-23T12:30:00+08:00", ClockState::Paused),
            ("2026-11-23T13:00:00+08:00", ClockState::Running),
        ] {
            assert_eq!(w.status(&cal, at(when)).unwrap().state, state, "at {when}");
        }
        let s = w.status(&cal, at("2026-11-23T12:30:00+08:00")).unwrap();
        assert_eq!((s.consumed, s.ended_at), (TimeDelta::hours(1), None));
        let s = w.status(&cal, at("2026-11-23T14:00:00+08:00")).unwrap();
        assert_eq!(s.consumed, TimeDelta::hours(2));
        assert_eq!(s.deadline, at("2026-11-23T16:00:00+08:00"));
    }

    #[test]
    fn excluding_windows_before_the_start_or_after_the_stop_changes_nothing() {
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        c.pause(at("2026-11-23T11:00:00+08:00"), "awaiting reporter").unwrap();
        c.resume(at("2026-11-23T11:30:00+08:00")).unwrap();
        c.stop(at("2026-11-23T12:00:00+08:00")).unwrap();
        let w = c
            .excluding(&[
                window("2026-11-23T13:00:00+08:00", "2026-11-23T14:00:00+08:00", "after"),
                window("2026-11-23T08:00:00+08:00", "2026-11-23T09:00:00+08:00", "before"),
                window(
                    "2026-11-23T09:00:00+08:00",
                    "2026-11-23T10:00:00+08:00",
                    "up to the start",
                ),
                window(
                    "2026-11-23T12:00:00+08:00",
                    "2026-11-23T12:30:00+08:00",
                    "from the stop",
                ),
                window("2026-11-23T10:30:00+08:00", "2026-11-23T10:30:00+08:00", "empty"),
                window("2026-11-23T10:40:00+08:00", "2026-11-23T10:20:00+08:00", "backwards"),
            ])
            .unwrap();
        assert_eq!(w, c);
        assert_eq!(c.excluding(&[]).unwrap(), c);
    }

    #[test]
    fn excluding_a_window_from_before_the_start_pauses_at_the_start() {
        let cal = calendar("24x7");
        let c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        for from in ["2026-11-23T09:00:00+08:00", "2026-11-23T10:00:00+08:00"] {
            let w = c
                .excluding(&[window(from, "2026-11-23T10:30:00+08:00", "maintenance")])
                .unwrap();
            assert_eq!(
                w.events()[1..],
                [
                    ClockEvent::Paused {
                        at: at("2026-11-23T10:00:00+08:00"),
                        reason: "maintenance".into()
                    },
                    ClockEvent::Resumed {
                        at: at("2026-11-23T10:30:00+08:00")
                    },
                ]
            );
            let s = w.status(&cal, at("2026-11-23T10:00:00+08:00")).unwrap();
            assert_eq!((s.state, s.consumed), (ClockState::Paused, TimeDelta::zero()));
            let s = w.status(&cal, at("2026-11-23T11:00:00+08:00")).unwrap();
            assert_eq!(s.deadline, at("2026-11-23T14:30:00+08:00"));
        }
    }

    #[test]
    fn excluding_a_window_over_the_breach_turns_a_stop_right_after_into_met() {
        let cal = calendar("24x7");
        // 1 h from 10:00: due 11:00; stopped 11:20, breached.
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(1));
        c.stop(at("2026-11-23T11:20:00+08:00")).unwrap();
        let s = c.status(&cal, at("2026-11-23T12:00:00+08:00")).unwrap();
        assert_eq!(s.state, ClockState::BreachedMet);
        // Maintenance 10:50–11:15 covers the breach: due 11:25, stopped at 11:20, met.
        let w = c
            .excluding(&[window(
                "2026-11-23T10:50:00+08:00",
                "2026-11-23T11:15:00+08:00",
                "maintenance",
            )])
            .unwrap();
        let s = w.status(&cal, at("2026-11-23T12:00:00+08:00")).unwrap();
        assert_eq!((s.state, s.breached), (ClockState::Met, false));
        assert_eq!(s.deadline, at("2026-11-23T11:25:00+08:00"));
        assert_eq!(s.consumed, TimeDelta::minutes(55));
    }

    #[test]
    fn excluding_merges_overlapping_windows_in_any_order() {
        let cal = calendar("24x7");
        let c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        let windows = [
            window("2026-11-23T12:00:00+08:00", "2026-11-23T12:30:00+08:00", "adjacent"),
            window("2026-11-23T11:15:00+08:00", "2026-11-23T11:45:00+08:00", "inner"),
            window("2026-11-23T11:00:00+08:00", "2026-11-23T12:00:00+08:00", "first"),
            window("2026-11-23T13:00:00+08:00", "2026-11-23T13:10:00+08:00", "separate"),
        ];
        let w = c.excluding(&windows).unwrap();
        assert_eq!(
            w.events()[1..],
            [
                ClockEvent::Paused {
                    at: at("2026-11-23T11:00:00+08:00"),
                    reason: "first".into()
                },
                ClockEvent::Resumed {
                    at: at("2026-11-23T12:30:00+08:00")
                },
                ClockEvent::Paused {
                    at: at("2026-11-23T13:00:00+08:00"),
                    reason: "separate".into()
                },
                ClockEvent::Resumed {
                    at: at("2026-11-23T13:10:00+08:00")
                },
            ]
        );
        let mut reversed = windows.clone();
        reversed.reverse();
        assert_eq!(c.excluding(&reversed).unwrap(), w);
        let s = w.status(&cal, at("2026-11-23T14:00:00+08:00")).unwrap();
        assert_eq!(s.paused, TimeDelta::minutes(100));
    }

    #[test]
    fn excluding_keeps_events_at_window_edges_in_an_order_clocks_accept() {
        let cal = calendar("24x7");
        // Resumed exactly where a window begins (dropped: the window pauses it), paused exactly
        // where one ends (the window's end resumes, the pause follows at the same instant),
        // re-targeted and cancelled inside a window.
        let mut c = Clock::start(at("2026-11-23T10:00:00+08:00"), h(4));
        c.pause(at("2026-11-23T10:30:00+08:00"), "awaiting reporter").unwrap();
        c.resume(at("2026-11-23T11:00:00+08:00")).unwrap();
        c.pause(at("2026-11-23T12:00:00+08:00"), "third party").unwrap();
        c.resume(at("2026-11-23T13:00:00+08:00")).unwrap();
        c.retarget(at("2026-11-23T13:30:00+08:00"), h(8), "re-graded").unwrap();
        c.cancel(at("2026-11-23T13:40:00+08:00"), "duplicate").unwrap();
        let w = c
            .excluding(&[
                window("2026-11-23T11:00:00+08:00", "2026-11-23T12:00:00+08:00", "maintenance"),
                window(
                    "2026-11-23T13:20:00+08:00",
                    "2026-11-23T14:00:00+08:00",
                    "force majeure",
                ),
            ])
            .unwrap();
        assert_eq!(
            w.events()[1..],
            [
                ClockEvent::Paused {
                    at: at("2026-11-23T10:30:00+08:00"),
                    reason: "awaiting reporter".into()
                },
                ClockEvent::Resumed {
                    at: at("2026-11-23T12:00:00+08:00")
                },
                ClockEvent::Paused {
                    at: at("2026-11-23T12:00:00+08:00"),
                    reason: "third party".into()
                },
                ClockEvent::Resumed {
                    at: at("2026-11-23T13:00:00+08:00")
                },
                ClockEvent::Paused {
                    at: at("2026-11-23T13:20:00+08:00"),
                    reason: "force majeure".into()
                },
                ClockEvent::Retargeted {
                    at: at("2026-11-23T13:30:00+08:00"),
                    target: h(8),
                    reason: "re-graded".into()
                },
                ClockEvent::Cancelled {
                    at: at("2026-11-23T13:40:00+08:00"),
                    reason: "duplicate".into()
                },
            ]
        );
        let s = w.status(&cal, at("2026-11-23T15:00:00+08:00")).unwrap();
        assert_eq!(s.state, ClockState::Cancelled);
        assert_eq!(s.consumed, TimeDelta::minutes(30 + 20));
        assert_eq!(s.target, h(8));
    }
}

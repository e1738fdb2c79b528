//! Two parties, one record: what the measured party may claim, and what waits for the other
//! party's word.
//!
//! The vendor (the measured party) and the buyer share one ticket. Each action is recorded when
//! it is made, and may claim to have happened earlier (an arrival logged after the fact). The
//! rules that keep the record fair to both:
//!
//! 1. **A claim older than the tolerance waits.** An action claimed earlier than its recording
//!    by more than the tolerance (a contract setting, a few minutes by default) counts at the
//!    instant it was recorded; the claimed instant is kept beside it ([`Event::Claimed`]) and
//!    counts once the other party approves it. The same holds for a ticket the buyer opens with
//!    a stated start earlier than its recording: its clocks start when it was recorded
//!    ([`NewTicket::clocks_from`]) until the vendor accepts the stated start. Only claims that
//!    could favour the claimant wait: the vendor's earlier acknowledgement, arrival, pause,
//!    resolution, cancellation or re-grade; the buyer's earlier start, resumption, reopening or
//!    re-grade. A claim that can only make the claimant's own measure worse (the vendor logging
//!    a fault that began an hour ago) counts at once.
//! 2. **A breach that happened stays on record.** No action of the vendor alone turns a clock
//!    that was breached when the action was recorded into one that was met: a back-dated claim
//!    that would do so waits like rule 1 even inside the tolerance; every cancellation by the
//!    vendor, its downgrade once the ticket was acknowledged, its system move once the ticket
//!    left `new`, and any re-grade of its whose targets would clear a breach are requests
//!    ([`Event::Requested`]) that change nothing until the buyer approves them. An upgrade needs
//!    no approval. The buyer's re-grade of a resolved ticket (it would re-measure stopped clocks)
//!    is a request the vendor decides; a request whose severity changed since cannot be
//!    approved, and a ticket with a request waiting cannot be closed.
//! 3. **Pauses the buyer answers for need the buyer's word.** A vendor's pause for a reason tied
//!    to the buyer (awaiting the reporter, the buyer's window) stops the work but not the clock
//!    until the buyer confirms it; confirmed, it counts from when it began.
//! 4. **The other party decides.** A claim or request is approved or rejected
//!    ([`Command::Decide`]) by a party other than the one that made it; the supervisor (监理) may
//!    decide either way. An approval re-measures the clocks from the events as claimed.
//!
//! ```
//! use chrono::{DateTime, TimeDelta, Utc};
//! use sla_clock::{ClockState, Severity};
//! use ticket_domain::evidence::{Recording, Side};
//! use ticket_domain::{ClockName, Command, Kind, NewTicket, ServiceMode, Targets, Ticket};
//!
//! let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
//! let cal = sla_clock::builtin::calendar("24x7").unwrap();
//! let rec = |side, when: &str| Recording { side, at: at(when), tolerance: TimeDelta::minutes(5) };
//! let new = NewTicket {
//!     category: None,
//!     kind: Kind::Fault, severity: Severity::Urgent, severity_reason: None,
//!     title: "核心交换机宕机".into(), description: String::new(),
//!     occurred_at: at("2026-11-23T10:00:00+08:00"), received_at: at("2026-11-23T10:00:00+08:00"),
//!     service_mode: ServiceMode::Remote,
//!     targets: Targets { response: Some("15m".parse().unwrap()), ..Default::default() },
//!     reporter: None, assignee: None, major_event: None, clocks_from: None, immediate_from_report: true, outside_service: false, calendars: None,
//! };
//! let (mut ticket, opened) = Ticket::open_as(new, &rec(Side::Buyer, "2026-11-23T10:00:00+08:00")).unwrap();
//! assert_eq!(opened.len(), 1);
//!
//! // At 10:40 the vendor acknowledges, claiming 10:10: the response clock was breached at 10:15.
//! let cmd = Command::Acknowledge { at: at("2026-11-23T10:10:00+08:00") };
//! let events = ticket.decide_as(cmd, &rec(Side::Vendor, "2026-11-23T10:40:00+08:00"), &cal).unwrap();
//! for e in &events { ticket.apply(e).unwrap(); }
//! // It counts as recorded, 10:40: breached. The claim waits for the buyer.
//! let state = |t: &Ticket| t.clock(ClockName::Response).unwrap().status(&cal, at("2026-11-23T11:00:00+08:00")).unwrap().state;
//! assert_eq!(state(&ticket), ClockState::BreachedMet);
//! let claim = ticket.pending()[0].index;
//!
//! // The buyer approves it (a witness saw the engineer answer at 10:10): the clock is met.
//! let approve = Command::Decide { at: at("2026-11-23T11:00:00+08:00"), on: claim, approve: true, note: None };
//! for e in ticket.decide_as(approve, &rec(Side::Buyer, "2026-11-23T11:00:00+08:00"), &cal).unwrap() {
//!     ticket.apply(&e).unwrap();
//! }
//! assert_eq!(state(&ticket), ClockState::Met);
//! ```

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sla_clock::Severity;

use crate::calendars::Calendars;
use crate::event::{Command, Event, NewTicket};
use crate::kind::{CancelReason, ClockName, PauseReason};
use crate::policy::Targets;
use crate::ticket::{DomainError, Ticket};

/// Which party acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The buyer: the bureau and its units. Not measured.
    Buyer,
    /// The vendor: the measured party.
    Vendor,
    /// The supervisor (监理): decides claims and requests either way, does no work.
    Supervisor,
}

impl Side {
    /// The stored name.
    pub fn key(self) -> &'static str {
        match self {
            Side::Buyer => "buyer",
            Side::Vendor => "vendor",
            Side::Supervisor => "supervisor",
        }
    }

    /// The Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Side::Buyer => "甲方",
            Side::Vendor => "乙方",
            Side::Supervisor => "监理",
        }
    }

    /// Whether this side may decide a claim or request made by `by`: the other party, or the
    /// supervisor.
    pub fn may_decide(self, by: Side) -> bool {
        self == Side::Supervisor || self != by
    }
}

/// What a [`Event::Claimed`] says about the event it refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Claim {
    /// It happened at `at`, earlier than it was recorded.
    EarlierTime {
        /// The claimed instant.
        at: DateTime<Utc>,
    },
    /// The pause is for a reason the buyer answers for; it stops the clock once the buyer
    /// confirms it.
    BuyerPause {
        /// The reason given.
        reason: PauseReason,
    },
}

/// What a [`Event::Requested`] asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A lower severity, with that severity's targets.
    Regrade {
        /// The severity before.
        from: Severity,
        /// The severity asked for.
        to: Severity,
        /// Why.
        reason: String,
        /// The targets for `to`.
        targets: Targets,
    },
    /// Moving the ticket to another system, with its targets.
    System {
        /// The new system's code.
        system: String,
        /// Its targets.
        targets: Targets,
        /// Why.
        reason: String,
        /// Its calendar per clock (absent in requests written before they were recorded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        calendars: Option<crate::CalendarNames>,
    },
    /// Cancelling the ticket.
    Cancel {
        /// Why.
        reason: CancelReason,
        /// Details.
        note: Option<String>,
    },
}

/// Who records a command, when, and how far back a claim counts without the other party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recording {
    /// The party acting.
    pub side: Side,
    /// When the command is recorded (the server's "now").
    pub at: DateTime<Utc>,
    /// How much earlier than `at` a command may claim to have happened and still count at once.
    pub tolerance: TimeDelta,
}

/// A claim or request, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pending {
    /// The index of the `claimed` or `requested` event (what [`Command::Decide`] names).
    pub index: usize,
    /// The index of the event a claim is about; `None` for a request.
    pub event: Option<usize>,
    /// Who made it.
    pub by: Side,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The claim, for a claim.
    pub claim: Option<Claim>,
    /// The change, for a request.
    pub change: Option<Change>,
    /// The decision, once made.
    pub decision: Option<Decision>,
}

/// A decision on a claim or request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Approved or rejected.
    pub approved: bool,
    /// By whom.
    pub by: Side,
    /// When.
    pub at: DateTime<Utc>,
    /// Why.
    pub note: Option<String>,
}

/// Whether an earlier instant for `c` could favour `side`, so that the other party must approve
/// it. Stopping, pausing, cancelling or re-grading a clock earlier favours the vendor; resuming or
/// reopening it earlier favours the buyer (and the supervisor, who does no work, is held to the
/// buyer's rule). A claim that can only make the claimant's own measure worse counts at once.
fn favours(side: Side, c: &Command) -> bool {
    let vendor = matches!(
        c,
        Command::Acknowledge { .. }
            | Command::Arrive { .. }
            | Command::Pause { .. }
            | Command::Resolve { .. }
            | Command::Cancel { .. }
            | Command::Regrade { .. }
    );
    let buyer = matches!(
        c,
        Command::Resume { .. } | Command::Reopen { .. } | Command::Regrade { .. } | Command::RequestVisit { .. }
    );
    match side {
        Side::Vendor => vendor,
        Side::Buyer | Side::Supervisor => buyer,
    }
}

/// Whether `reason` is one the contract ties to the buyer.
pub fn buyer_reason(reason: PauseReason) -> bool {
    matches!(reason, PauseReason::AwaitingReporter | PauseReason::BuyerWindow)
}

impl Ticket {
    /// Opens a ticket recorded by `rec`: a stated start earlier than the recording by more than
    /// the tolerance is a claim (rule 1), and the clocks start at the recording until the other
    /// party accepts it.
    pub fn open_as(new: NewTicket, rec: &Recording) -> Result<(Ticket, Vec<Event>), DomainError> {
        // An earlier start makes the vendor's clocks stricter: the vendor's own counts at once.
        Ticket::open_as_with(new, rec, rec.side != Side::Vendor)
    }

    /// [`Ticket::open_as`], saying whether an earlier stated start could favour the party that
    /// records it (`favours`). The buyer's always could; the vendor's could when it would take
    /// the ticket out of a major-event window in force at the recording (the window's stricter
    /// targets), which the caller knows. A favourable start beyond the tolerance is a claim.
    pub fn open_as_with(
        mut new: NewTicket,
        rec: &Recording,
        favours: bool,
    ) -> Result<(Ticket, Vec<Event>), DomainError> {
        let stated = new.stated_start();
        let claim = favours && rec.at - stated > rec.tolerance;
        if claim {
            new.clocks_from = Some(rec.at);
        }
        let (mut ticket, opened) = Ticket::open(new)?;
        let mut events = vec![opened];
        if claim {
            let e = Event::Claimed {
                at: rec.at.max(ticket.last_event_at()),
                event: 0,
                claim: Claim::EarlierTime { at: stated },
                by: rec.side,
            };
            ticket.apply(&e)?;
            events.push(e);
        }
        Ok((ticket, events))
    }

    /// The events `command` causes when `rec.side` records it at `rec.at`, under the rules of
    /// this module, or why it cannot be done. The ticket is not changed.
    pub fn decide_as<'c>(
        &self,
        command: Command,
        rec: &Recording,
        calendars: impl Into<Calendars<'c>>,
    ) -> Result<Vec<Event>, DomainError> {
        let calendars = calendars.into();
        if let Command::Decide { on, approve, note, .. } = &command {
            return self.decide_on(*on, *approve, note.clone(), rec);
        }
        let claimed = command.at();
        let measured = rec.side == Side::Vendor;
        let breached = if measured {
            self.breached_clocks(calendars, rec.at)?
        } else {
            Vec::new()
        };
        // Rule 2: the vendor's cancellation, its downgrade once the ticket was acknowledged, and
        // any re-grade of its that would clear a breach are requests; so is the buyer's re-grade
        // of a resolved ticket (it would re-measure clocks that stopped).
        let status = self.status();
        {
            let change = match &command {
                Command::Regrade {
                    severity,
                    reason,
                    targets,
                    ..
                } => {
                    let events = self.decide(command.clone().with_at(rec.at))?;
                    let asks = if measured {
                        (*severity > self.severity() && status != crate::kind::Status::New)
                            || self.clears_breach(&events, &breached, calendars, rec.at)?
                    } else {
                        status == crate::kind::Status::Resolved
                    };
                    asks.then(|| Change::Regrade {
                        from: self.severity(),
                        to: *severity,
                        reason: reason.trim().to_owned(),
                        targets: *targets,
                    })
                }
                Command::Cancel { reason, note, .. } if measured => {
                    self.decide(command.clone().with_at(rec.at))?;
                    Some(Change::Cancel {
                        reason: *reason,
                        note: note.as_ref().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
                    })
                }
                _ => None,
            };
            if let Some(change) = change {
                return Ok(vec![Event::Requested {
                    at: rec.at.max(self.last_event_at()),
                    change,
                    by: rec.side,
                }]);
            }
        }
        // A system change by the vendor once the ticket left `new` is the buyer's to approve.
        if let (
            true,
            Command::ChangeSystem {
                system,
                targets,
                reason,
                calendars,
                ..
            },
        ) = (measured, &command)
            && (self.status() != crate::kind::Status::New || !breached.is_empty())
        {
            self.decide(command.clone().with_at(rec.at))?;
            return Ok(vec![Event::Requested {
                at: rec.at.max(self.last_event_at()),
                change: Change::System {
                    system: system.clone(),
                    targets: *targets,
                    reason: reason.trim().to_owned(),
                    calendars: calendars.clone(),
                },
                by: rec.side,
            }]);
        }
        let mut events = self.decide(command.clone())?;
        // Rule 1 (and rule 2 inside the tolerance): an earlier claim waits for the other party.
        let back_dated = claimed < rec.at && favours(rec.side, &command);
        if back_dated
            && (rec.at - claimed > rec.tolerance
                || (measured && self.clears_breach(&events, &breached, calendars, rec.at)?))
        {
            events = self.decide(command.clone().with_at(rec.at))?;
            events.push(Event::Claimed {
                at: rec.at,
                event: self.event_count(),
                claim: Claim::EarlierTime { at: claimed },
                by: rec.side,
            });
        }
        // Rule 3: a vendor's pause for a reason the buyer answers for.
        if let (true, Command::Pause { reason, .. }) = (measured, &command)
            && buyer_reason(*reason)
        {
            let at = events[0].at();
            events.push(Event::Claimed {
                at,
                event: self.event_count(),
                claim: Claim::BuyerPause { reason: *reason },
                by: rec.side,
            });
        }
        let mut trial = self.clone();
        for e in &events {
            trial.apply(e)?;
        }
        Ok(events)
    }

    fn decide_on(
        &self,
        on: usize,
        approve: bool,
        note: Option<String>,
        rec: &Recording,
    ) -> Result<Vec<Event>, DomainError> {
        let Some(p) = self.pending.iter().find(|p| p.index == on) else {
            return Err(DomainError::Invalid {
                field: "on",
                problem: format!("event {on} is not a claim or request of this ticket"),
            });
        };
        if let Some(d) = &p.decision {
            return Err(DomainError::Invalid {
                field: "on",
                problem: format!(
                    "it was already {} by the {}",
                    if d.approved { "approved" } else { "rejected" },
                    d.by.key()
                ),
            });
        }
        if !rec.side.may_decide(p.by) {
            return Err(DomainError::Invalid {
                field: "on",
                problem: format!(
                    "the {} made it; the other party or the supervisor decides it",
                    p.by.key()
                ),
            });
        }
        let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if !approve && note.is_none() {
            return Err(DomainError::Invalid {
                field: "note",
                problem: "a rejection needs a note saying why".into(),
            });
        }
        let event = Event::Decided {
            at: rec.at.max(self.last_event_at()),
            on,
            approved: approve,
            note,
            by: rec.side,
        };
        self.clone().apply(&event)?;
        Ok(vec![event])
    }

    /// The clocks breached when measured at `at`.
    pub fn breached_clocks<'c>(
        &self,
        calendars: impl Into<Calendars<'c>>,
        at: DateTime<Utc>,
    ) -> Result<Vec<ClockName>, DomainError> {
        let calendars = calendars.into();
        let mut out = Vec::new();
        for (name, clock) in self.clocks() {
            let s = clock
                .status(calendars.get(*name), at)
                .map_err(|source| DomainError::Clock { clock: *name, source })?;
            if s.breached {
                out.push(*name);
            }
        }
        Ok(out)
    }

    /// Whether applying `events` leaves any of `breached` not breached when measured at `at`.
    fn clears_breach(
        &self,
        events: &[Event],
        breached: &[ClockName],
        calendars: Calendars<'_>,
        at: DateTime<Utc>,
    ) -> Result<bool, DomainError> {
        if breached.is_empty() {
            return Ok(false);
        }
        let mut trial = self.clone();
        for e in events {
            trial.apply(e)?;
        }
        let after = trial.breached_clocks(calendars, at)?;
        Ok(breached.iter().any(|c| !after.contains(c)))
    }

    /// Every claim and request, in order, with its decision if made.
    pub fn claims_and_requests(&self) -> &[Pending] {
        &self.pending
    }

    /// The claims and requests not yet decided.
    pub fn pending(&self) -> Vec<&Pending> {
        self.pending.iter().filter(|p| p.decision.is_none()).collect()
    }
}

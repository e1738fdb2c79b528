//! # ticket-domain
//!
//! The opsclock ticket aggregate: what a ticket is ([`Kind`], [`Status`]), what can be asked of
//! it ([`Command`]), what happened to it ([`Event`]) and the ticket as the fold of its events
//! ([`Ticket`]), with its SLA clocks from [`sla_clock`].
//!
//! Pure: no I/O, no async, no database. The server stores the events and a projection of the
//! ticket; replaying the events always gives the same ticket and the same deadlines.
//!
//! ## Lifecycle
//!
//! ```text
//! new ──acknowledge──▶ acknowledged ──arrive──▶ on_site ──start──▶ in_progress ⇄ paused
//!                          │  └──────────start─────────────────────▲  │
//!                          └──────────────resolve──────────────────┴──┴──▶ resolved ──close──▶ closed
//!                                                        reopen ◀──────────┴──────────────────┘
//! cancel (duplicate / withdrawn) from any open status before resolved; comment always;
//! regrade and assign while open.
//! ```
//!
//! Clocks: `response` stops at acknowledge, `arrival` (on-site service modes only) at arrive and
//! is cancelled if the ticket is resolved without a visit, `repair` pauses and resumes with the
//! ticket, stops at resolve and runs again on reopen (the time between resolution and reopening is
//! not counted). Faults, alarms and security events start their clocks when the problem began
//! (`occurred_at`); requests when they were received; under a policy whose clocks start at the
//! report ([`ClockStart::Reported`]) every kind but alarms when it was received. An arrival counted from the
//! buyer's request for a visit starts at `request_visit`. A zero target ("立即") starts at the
//! report whatever the policy says ([`NewTicket::clock_start`]): nobody answers before being told.
//! Each clock counts in its own calendar ([`Calendars`]), named on the ticket when it opens or
//! moves ([`CalendarNames`]), so editing a system's calendar later does not re-measure it.
//!
//! Two parties share a ticket: the buyer and the vendor it measures. [`evidence`] holds their
//! rules — a back-dated claim waits for the other party, a breach the vendor alone cannot clear,
//! pauses the buyer answers for need the buyer's word — through [`Ticket::open_as`] and
//! [`Ticket::decide_as`].
//!
//! Not here: a contract's deduction clauses (违约金) are in `contract-terms`, which reads the clocks
//! measured here, and who is on duty is in `duty-roster`. Nothing in this crate depends on either.

pub mod calendars;
pub mod category;
pub mod event;
pub mod evidence;
pub mod kind;
pub mod policy;
pub mod recurrence;
pub mod ticket;

pub use calendars::{CalendarNames, Calendars};
pub use category::{Categories, CategoryDef};
pub use event::{Command, Event, MajorEventRef, NewTicket, Resolution, UserId};
pub use evidence::{Change, Claim, Pending, Recording, Side};
pub use kind::{CancelReason, ClockName, Kind, PauseReason, ServiceMode, Status, UnknownValue};
pub use policy::{ClockStart, Policy, Targets};
pub use recurrence::Recurrence;
pub use sla_clock;
pub use ticket::{DomainError, MAX_TITLE_CHARS, Ticket, allowed_actions};

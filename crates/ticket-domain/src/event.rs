//! What can be asked of a ticket ([`Command`]) and what happened to it ([`Event`]).
//!
//! Commands carry the instant they take effect; the server fills it with "now" unless a person
//! back-dates an action (an arrival logged after the fact), and the ticket refuses instants earlier
//! than its last event. Events are append-only; the ticket is their fold.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sla_clock::Severity;

use crate::calendars::CalendarNames;
use crate::evidence::{Change, Claim, Side};
use crate::kind::{CancelReason, Kind, PauseReason, ServiceMode};
use crate::policy::Targets;

/// A user's id, as the server stores it.
pub type UserId = i64;

/// Everything needed to open a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTicket {
    /// What it is about.
    pub kind: Kind,
    /// The severity, stated or proposed by the classifier.
    pub severity: Severity,
    /// Why this severity (the classifier's reason, or the person's).
    pub severity_reason: Option<String>,
    /// A one-line summary.
    pub title: String,
    /// The details.
    pub description: String,
    /// When the problem began (the alarm fired); at or before `received_at`.
    pub occurred_at: DateTime<Utc>,
    /// When the ticket was logged.
    pub received_at: DateTime<Utc>,
    /// How the system is served (decides whether the arrival clock runs).
    pub service_mode: ServiceMode,
    /// The clock targets from the system's policy for this kind and severity.
    pub targets: Targets,
    /// Who reported it.
    pub reporter: Option<UserId>,
    /// Who works on it, if known already.
    pub assignee: Option<UserId>,
    /// The major-event window (重保) its clocks started in, if any: the targets above are the
    /// window's, and the clocks count in the window's calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major_event: Option<MajorEventRef>,
    /// When set, the clocks start here rather than at the stated start (`occurred_at` for
    /// faults, alarms and security events, `received_at` for requests): the stated start is
    /// earlier than the ticket was recorded by more than the tolerance, and counts only once the
    /// other party accepts it (see [`crate::evidence`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clocks_from: Option<DateTime<Utc>>,
    /// The calendar each clock counts in, named when the ticket opened (the system's, or the
    /// major-event window's); absent in events written before they were recorded, whose
    /// tickets count in their system's current calendars ([`CalendarNames`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendars: Option<CalendarNames>,
    /// A zero target ("立即") counts from the report, whatever the policy's start
    /// ([`NewTicket::clock_start`]). Recorded, so that tickets opened before the rule replay with
    /// the deadlines they had: absent (false) in their events.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub immediate_from_report: bool,
    /// The problem lies outside the system's days of service: no contract clock runs, and no
    /// time is measured for the averages either ([`crate::Ticket::measured`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outside_service: bool,
    /// The contract's category (分类) it was logged under, by code ([`crate::Categories`]); the
    /// server checks it against the system's policy. Absent when not sorted yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl NewTicket {
    /// The start the ticket states for its clocks: `occurred_at` for faults, alarms and security
    /// events, `received_at` for requests, and for faults and security events too under a policy
    /// whose clocks start at the report ([`crate::ClockStart`]; an alarm still counts from firing).
    pub fn stated_start(&self) -> DateTime<Utc> {
        if self.targets.start.at_occurrence(self.kind) {
            self.occurred_at
        } else {
            self.received_at
        }
    }
}

/// The major-event window a ticket was opened in, and why its targets are what they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MajorEventRef {
    /// The window's code.
    pub code: String,
    /// The window's name (e.g. 2026 国庆重保).
    pub name: String,
    /// The calendar the clocks count in during the window.
    pub calendar: String,
    /// What the window changed, for the reader ("response 15m → 1h was looser, kept 15m; …").
    pub reason: String,
    /// Whether the window's targets and calendar apply; `false` when it could not be applied
    /// (the reason says why) and the system's own targets and calendars hold.
    #[serde(default = "applied", skip_serializing_if = "is_applied")]
    pub applied: bool,
}

fn applied() -> bool {
    true
}

fn is_applied(applied: &bool) -> bool {
    *applied
}

/// What an engineer found and did, required to resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// Why it happened (根本原因).
    pub root_cause: String,
    /// What was done (处理措施).
    pub fix: String,
    /// When the impact began.
    pub impact_from: DateTime<Utc>,
    /// When the impact ended.
    pub impact_to: DateTime<Utc>,
    /// What is still to be done to keep it from happening again (整改措施 / 后续跟进), if
    /// anything: the incident report prints it. Absent in events written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<String>,
}

/// An action on an existing ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    /// First answer (stops the response clock).
    Acknowledge {
        /// When.
        at: DateTime<Utc>,
    },
    /// An engineer checked in on site (stops the arrival clock).
    Arrive {
        /// When.
        at: DateTime<Utc>,
    },
    /// The buyer asks for an engineer on site: starts an arrival clock counted from the request
    /// ([`crate::Targets::arrival_from_visit_request`]).
    RequestVisit {
        /// When.
        at: DateTime<Utc>,
    },
    /// Work begins.
    Start {
        /// When.
        at: DateTime<Utc>,
    },
    /// Waiting for someone else (pauses the repair clock).
    Pause {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: PauseReason,
        /// Details.
        note: Option<String>,
    },
    /// Work continues (resumes the repair clock).
    Resume {
        /// When.
        at: DateTime<Utc>,
    },
    /// The severity changes; the clocks get the new targets, measured from the original start.
    Regrade {
        /// When.
        at: DateTime<Utc>,
        /// The new severity.
        severity: Severity,
        /// Why (required).
        reason: String,
        /// The targets of the policy for the new severity.
        targets: Targets,
    },
    /// Service restored (stops the repair clock).
    Resolve {
        /// When.
        at: DateTime<Utc>,
        /// What was found and done.
        resolution: Resolution,
    },
    /// The reporter confirms.
    Close {
        /// When.
        at: DateTime<Utc>,
        /// Satisfaction 1–5, if given.
        satisfaction: Option<u8>,
        /// Remarks.
        note: Option<String>,
    },
    /// It is not fixed after all (the repair clock runs again).
    Reopen {
        /// When.
        at: DateTime<Utc>,
        /// Why (required).
        reason: String,
    },
    /// A duplicate or withdrawn (all clocks cancelled).
    Cancel {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: CancelReason,
        /// Details.
        note: Option<String>,
    },
    /// Someone else works on it (or nobody).
    Assign {
        /// When.
        at: DateTime<Utc>,
        /// Who.
        assignee: Option<UserId>,
    },
    /// A remark on the timeline.
    Comment {
        /// When.
        at: DateTime<Utc>,
        /// The text.
        text: String,
    },
    /// The impact grade after the event (事后定级: 000 "事后需要综合事件损失和影响面，对事件
    /// 重新定级，重新报备"), kept apart from the SLA severity: it moves no clock.
    GradeImpact {
        /// When.
        at: DateTime<Utc>,
        /// The grade, on the four-step scale.
        grade: Severity,
        /// Why: the loss and the reach found (required).
        reason: String,
    },
    /// The ticket is sorted into one of its contract's categories (or out of all, with `None`);
    /// like the impact grade it moves no clock, and is possible in any status. The server checks
    /// the code against the system's policy ([`crate::Categories::find`]).
    Categorise {
        /// When.
        at: DateTime<Utc>,
        /// The category's code, or none to leave it unsorted.
        category: Option<String>,
        /// Why, if said (a change of an earlier category).
        reason: Option<String>,
    },
    /// The title or the description is corrected; the old text stays in the event stream.
    Correct {
        /// When.
        at: DateTime<Utc>,
        /// The new title, if it changes.
        title: Option<String>,
        /// The new description, if it changes.
        description: Option<String>,
        /// Why (required).
        reason: String,
    },
    /// The ticket was logged against the wrong system: it moves to `system`, and its clocks get
    /// that system's targets, measured from the same start (like a re-grade). The service mode
    /// must allow the same clocks (on site or remote).
    ChangeSystem {
        /// When.
        at: DateTime<Utc>,
        /// The new system's code.
        system: String,
        /// How the new system is served.
        service_mode: ServiceMode,
        /// The new system's targets for the ticket's kind and severity.
        targets: Targets,
        /// Why (required).
        reason: String,
        /// The new system's calendar per clock, recorded with the move.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        calendars: Option<CalendarNames>,
    },
    /// The other party disputes a cancellation: the ticket stays cancelled, the dispute is on
    /// record (and in the report) for the assessment to settle.
    Contest {
        /// When.
        at: DateTime<Utc>,
        /// Why it should count (required).
        reason: String,
    },
    /// The other party approves or rejects a pending claim or request (see [`crate::evidence`]).
    Decide {
        /// When.
        at: DateTime<Utc>,
        /// The index of the `claimed` or `requested` event decided on.
        on: usize,
        /// Approve (true) or reject (false).
        approve: bool,
        /// Why (required to reject).
        note: Option<String>,
    },
}

/// Something that happened to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(
    clippy::large_enum_variant,
    reason = "one `opened` per ticket, among a few dozen events at most; boxing it would change every match on the stored stream for a few hundred bytes per ticket"
)]
pub enum Event {
    /// The ticket was logged.
    Opened {
        /// When (the `received_at` instant).
        at: DateTime<Utc>,
        /// Everything it was opened with.
        ticket: NewTicket,
    },
    /// See [`Command::Acknowledge`].
    Acknowledged {
        /// When.
        at: DateTime<Utc>,
    },
    /// See [`Command::Arrive`].
    Arrived {
        /// When.
        at: DateTime<Utc>,
    },
    /// See [`Command::RequestVisit`].
    VisitRequested {
        /// When.
        at: DateTime<Utc>,
    },
    /// See [`Command::Start`].
    Started {
        /// When.
        at: DateTime<Utc>,
    },
    /// See [`Command::Pause`].
    Paused {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: PauseReason,
        /// Details.
        note: Option<String>,
    },
    /// See [`Command::Resume`].
    Resumed {
        /// When.
        at: DateTime<Utc>,
    },
    /// See [`Command::Regrade`].
    Regraded {
        /// When.
        at: DateTime<Utc>,
        /// The severity before.
        from: Severity,
        /// The severity after.
        to: Severity,
        /// Why.
        reason: String,
        /// The new targets.
        targets: Targets,
    },
    /// See [`Command::Resolve`].
    Resolved {
        /// When.
        at: DateTime<Utc>,
        /// What was found and done.
        resolution: Resolution,
    },
    /// See [`Command::Close`].
    Closed {
        /// When.
        at: DateTime<Utc>,
        /// Satisfaction 1–5.
        satisfaction: Option<u8>,
        /// Remarks.
        note: Option<String>,
    },
    /// See [`Command::Reopen`].
    Reopened {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: String,
    },
    /// See [`Command::Cancel`].
    Cancelled {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: CancelReason,
        /// Details.
        note: Option<String>,
    },
    /// See [`Command::Assign`].
    Assigned {
        /// When.
        at: DateTime<Utc>,
        /// Who.
        assignee: Option<UserId>,
    },
    /// See [`Command::Comment`].
    Commented {
        /// When.
        at: DateTime<Utc>,
        /// The text.
        text: String,
    },
    /// See [`Command::Categorise`].
    Categorised {
        /// When.
        at: DateTime<Utc>,
        /// The category before, if there was one.
        from: Option<String>,
        /// The category now (none: unsorted).
        to: Option<String>,
        /// Why, if said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// See [`Command::GradeImpact`].
    ImpactGraded {
        /// When.
        at: DateTime<Utc>,
        /// The grade before, if there was one.
        from: Option<Severity>,
        /// The grade now.
        to: Severity,
        /// Why.
        reason: String,
    },
    /// See [`Command::Correct`].
    Corrected {
        /// When.
        at: DateTime<Utc>,
        /// The new title, if it changed.
        title: Option<String>,
        /// The new description, if it changed.
        description: Option<String>,
        /// Why.
        reason: String,
    },
    /// See [`Command::ChangeSystem`].
    SystemChanged {
        /// When.
        at: DateTime<Utc>,
        /// The new system's code.
        system: String,
        /// The new targets.
        targets: Targets,
        /// Why.
        reason: String,
        /// The new system's calendar per clock; absent in events written before they were
        /// recorded (the system's current calendars then hold).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        calendars: Option<CalendarNames>,
    },
    /// See [`Command::Contest`].
    Contested {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: String,
    },
    /// A part of an earlier event that counts only once the other party accepts it: an earlier
    /// time than recorded, or a pause for a reason the buyer answers for. Until then the event
    /// counts as recorded (see [`crate::evidence`]).
    Claimed {
        /// When it was recorded (the instant of the event it is about).
        at: DateTime<Utc>,
        /// The index of the event it is about.
        event: usize,
        /// What is claimed.
        claim: Claim,
        /// Who claims it.
        by: Side,
    },
    /// The measured party asks for a change that would clear a breach (a downgrade, a
    /// cancellation). Nothing changes until the other party approves it.
    Requested {
        /// When.
        at: DateTime<Utc>,
        /// What is asked for.
        change: Change,
        /// Who asks.
        by: Side,
    },
    /// See [`Command::Decide`].
    Decided {
        /// When.
        at: DateTime<Utc>,
        /// The index of the `claimed` or `requested` event decided on.
        on: usize,
        /// Approved (true) or rejected.
        approved: bool,
        /// Why.
        note: Option<String>,
        /// Who decided.
        by: Side,
    },
}

impl Command {
    /// When the command takes effect.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Command::Acknowledge { at }
            | Command::Arrive { at }
            | Command::RequestVisit { at }
            | Command::Start { at }
            | Command::Pause { at, .. }
            | Command::Resume { at }
            | Command::Regrade { at, .. }
            | Command::Resolve { at, .. }
            | Command::Close { at, .. }
            | Command::Reopen { at, .. }
            | Command::Cancel { at, .. }
            | Command::Assign { at, .. }
            | Command::Comment { at, .. }
            | Command::GradeImpact { at, .. }
            | Command::Categorise { at, .. }
            | Command::Correct { at, .. }
            | Command::Contest { at, .. }
            | Command::ChangeSystem { at, .. }
            | Command::Decide { at, .. } => *at,
        }
    }

    /// The same command at another instant.
    pub fn with_at(mut self, instant: DateTime<Utc>) -> Command {
        match &mut self {
            Command::Acknowledge { at }
            | Command::Arrive { at }
            | Command::RequestVisit { at }
            | Command::Start { at }
            | Command::Pause { at, .. }
            | Command::Resume { at }
            | Command::Regrade { at, .. }
            | Command::Resolve { at, .. }
            | Command::Close { at, .. }
            | Command::Reopen { at, .. }
            | Command::Cancel { at, .. }
            | Command::Assign { at, .. }
            | Command::Comment { at, .. }
            | Command::GradeImpact { at, .. }
            | Command::Categorise { at, .. }
            | Command::Correct { at, .. }
            | Command::Contest { at, .. }
            | Command::ChangeSystem { at, .. }
            | Command::Decide { at, .. } => *at = instant,
        }
        self
    }

    /// The action's name, as in the API path (`acknowledge`, `arrive`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Acknowledge { .. } => "acknowledge",
            Command::Arrive { .. } => "arrive",
            Command::RequestVisit { .. } => "request_visit",
            Command::Start { .. } => "start",
            Command::Pause { .. } => "pause",
            Command::Resume { .. } => "resume",
            Command::Regrade { .. } => "regrade",
            Command::Resolve { .. } => "resolve",
            Command::Close { .. } => "close",
            Command::Reopen { .. } => "reopen",
            Command::Cancel { .. } => "cancel",
            Command::Assign { .. } => "assign",
            Command::Comment { .. } => "comment",
            Command::GradeImpact { .. } => "grade_impact",
            Command::Categorise { .. } => "categorise",
            Command::Correct { .. } => "correct",
            Command::Contest { .. } => "contest",
            Command::ChangeSystem { .. } => "correct",
            Command::Decide { approve: true, .. } => "approve",
            Command::Decide { approve: false, .. } => "reject",
        }
    }
}

impl Event {
    /// When it happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Event::Opened { at, .. }
            | Event::Acknowledged { at }
            | Event::Arrived { at }
            | Event::VisitRequested { at }
            | Event::Started { at }
            | Event::Paused { at, .. }
            | Event::Resumed { at }
            | Event::Regraded { at, .. }
            | Event::Resolved { at, .. }
            | Event::Closed { at, .. }
            | Event::Reopened { at, .. }
            | Event::Cancelled { at, .. }
            | Event::Assigned { at, .. }
            | Event::Commented { at, .. }
            | Event::ImpactGraded { at, .. }
            | Event::Categorised { at, .. }
            | Event::Corrected { at, .. }
            | Event::Contested { at, .. }
            | Event::SystemChanged { at, .. }
            | Event::Claimed { at, .. }
            | Event::Requested { at, .. }
            | Event::Decided { at, .. } => *at,
        }
    }

    /// The same event at another instant (an accepted claim of an earlier time). The opening
    /// keeps its instant and drops `clocks_from`: the stated start counts.
    pub(crate) fn with_at(&self, instant: DateTime<Utc>) -> Event {
        let mut e = self.clone();
        match &mut e {
            Event::Opened { ticket, .. } => ticket.clocks_from = None,
            Event::Acknowledged { at }
            | Event::Arrived { at }
            | Event::VisitRequested { at }
            | Event::Started { at }
            | Event::Paused { at, .. }
            | Event::Resumed { at }
            | Event::Regraded { at, .. }
            | Event::Resolved { at, .. }
            | Event::Closed { at, .. }
            | Event::Reopened { at, .. }
            | Event::Cancelled { at, .. }
            | Event::Assigned { at, .. }
            | Event::Commented { at, .. }
            | Event::ImpactGraded { at, .. }
            | Event::Categorised { at, .. }
            | Event::Corrected { at, .. }
            | Event::Contested { at, .. }
            | Event::SystemChanged { at, .. }
            | Event::Claimed { at, .. }
            | Event::Requested { at, .. }
            | Event::Decided { at, .. } => *at = instant,
        }
        e
    }

    /// The action that causes the event (`acknowledge` for `acknowledged`, …); `None` for
    /// `opened`.
    pub fn action(&self) -> Option<&'static str> {
        Some(match self {
            Event::Opened { .. } => return None,
            Event::Acknowledged { .. } => "acknowledge",
            Event::Arrived { .. } => "arrive",
            Event::VisitRequested { .. } => "request_visit",
            Event::Started { .. } => "start",
            Event::Paused { .. } => "pause",
            Event::Resumed { .. } => "resume",
            Event::Regraded { .. } => "regrade",
            Event::Resolved { .. } => "resolve",
            Event::Closed { .. } => "close",
            Event::Reopened { .. } => "reopen",
            Event::Cancelled { .. } => "cancel",
            Event::Assigned { .. } => "assign",
            Event::Commented { .. } => "comment",
            Event::ImpactGraded { .. } => "grade_impact",
            Event::Categorised { .. } => "categorise",
            Event::Corrected { .. } => "correct",
            Event::Contested { .. } => "contest",
            Event::SystemChanged { .. } => "correct",
            Event::Claimed { .. } => "claim",
            Event::Requested { .. } => "request",
            Event::Decided { approved: true, .. } => "approve",
            Event::Decided { approved: false, .. } => "reject",
        })
    }

    /// The event's type name, as serialized (`opened`, `acknowledged`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Opened { .. } => "opened",
            Event::Acknowledged { .. } => "acknowledged",
            Event::Arrived { .. } => "arrived",
            Event::VisitRequested { .. } => "visit_requested",
            Event::Started { .. } => "started",
            Event::Paused { .. } => "paused",
            Event::Resumed { .. } => "resumed",
            Event::Regraded { .. } => "regraded",
            Event::Resolved { .. } => "resolved",
            Event::Closed { .. } => "closed",
            Event::Reopened { .. } => "reopened",
            Event::Cancelled { .. } => "cancelled",
            Event::Assigned { .. } => "assigned",
            Event::Commented { .. } => "commented",
            Event::ImpactGraded { .. } => "impact_graded",
            Event::Categorised { .. } => "categorised",
            Event::Corrected { .. } => "corrected",
            Event::Contested { .. } => "contested",
            Event::SystemChanged { .. } => "system_changed",
            Event::Claimed { .. } => "claimed",
            Event::Requested { .. } => "requested",
            Event::Decided { .. } => "decided",
        }
    }
}

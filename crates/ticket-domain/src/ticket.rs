//! The ticket aggregate: the fold of its events, and the decisions that produce new ones.
//!
//! [`Ticket::open`] starts a ticket; [`Ticket::decide`] turns a [`Command`] into the events it
//! causes, or a [`DomainError`] saying why not and what is allowed instead; [`Ticket::apply`]
//! folds an event in. `decide` never changes the ticket: it checks the events by applying them to
//! a copy, so anything `decide` returns can be stored and applied without failing.
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use sla_clock::Severity;
//! use ticket_domain::{ClockName, Command, Kind, NewTicket, ServiceMode, Status, Targets, Ticket};
//!
//! let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
//! let (mut ticket, opened) = Ticket::open(NewTicket {
//!     category: None,
//!     kind: Kind::Fault,
//!     severity: Severity::Urgent,
//!     severity_reason: None,
//!     title: "核心交换机宕机".into(),
//!     description: String::new(),
//!     occurred_at: at("2026-11-23T09:50:00+08:00"),
//!     received_at: at("2026-11-23T10:00:00+08:00"),
//!     service_mode: ServiceMode::OnSite,
//!     targets: Targets { response: Some("15m".parse().unwrap()), arrival: Some("2h".parse().unwrap()), repair: Some("4h".parse().unwrap()), repair_from_arrival: false, ..Default::default() },
//!     reporter: None,
//!     assignee: None,
//!     major_event: None,
//!     clocks_from: None, immediate_from_report: true, outside_service: false,
//!     calendars: None,
//! }).unwrap();
//! assert_eq!(ticket.status(), Status::New);
//!
//! // Resolving before anyone acknowledged is refused, saying what is allowed.
//! let err = ticket.decide(Command::Start { at: at("2026-11-23T10:05:00+08:00") }).unwrap_err();
//! assert_eq!(err.to_string(), "cannot start a ticket that is new; allowed now: acknowledge, regrade, cancel, assign, comment");
//!
//! for e in ticket.decide(Command::Acknowledge { at: at("2026-11-23T10:04:00+08:00") }).unwrap() {
//!     ticket.apply(&e).unwrap();
//! }
//! assert_eq!(ticket.status(), Status::Acknowledged);
//! // The clocks started when the fault began, 09:50.
//! assert!(ticket.clock(ClockName::Response).unwrap().events().len() == 2);
//! ```

use chrono::{DateTime, Utc};
use sla_clock::{Clock, ClockError, ClockEvent, Severity, SlaDuration};

use std::collections::{BTreeMap, BTreeSet};

use crate::event::{Command, Event, NewTicket, Resolution, UserId};
use crate::evidence::{Change, Claim, Decision, Pending};
use crate::kind::{ClockName, Kind, ServiceMode, Status};
use crate::policy::Targets;

/// Longest title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// Why a command or an event does not fit the ticket.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The action is not allowed in the ticket's status.
    #[error("cannot {action} a ticket that is {status}; allowed now: {allowed}")]
    InvalidTransition {
        /// The attempted action.
        action: &'static str,
        /// The ticket's status.
        status: Status,
        /// The actions allowed now, comma-separated.
        allowed: String,
    },
    /// The action is dated before the ticket's last event.
    #[error("{action} at {at} is earlier than the ticket's last event at {last}; actions must be in time order")]
    OutOfOrder {
        /// The attempted action.
        action: &'static str,
        /// Its instant.
        at: DateTime<Utc>,
        /// The last event's instant.
        last: DateTime<Utc>,
    },
    /// A field is missing or wrong.
    #[error("{field}: {problem}")]
    Invalid {
        /// The field, as named in the API.
        field: &'static str,
        /// What is wrong, for a person.
        problem: String,
    },
    /// A clock refused an event (a defect: the status checks should have caught it).
    #[error("{clock} clock: {source}")]
    Clock {
        /// Which clock.
        clock: ClockName,
        /// What it said.
        source: ClockError,
    },
    /// Event streams start with exactly one `opened`.
    #[error("a ticket's first event must be `opened`, and only the first")]
    NotOpened,
}

/// The target of a measure ([`Ticket::measured`]): nothing reads its deadline.
const MEASURE_ONLY: SlaDuration = SlaDuration::new(0, sla_clock::DurationUnit::Minutes);

fn invalid(field: &'static str, problem: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field,
        problem: problem.into(),
    }
}

/// A ticket: the fold of its events.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub(crate) opened: NewTicket,
    pub(crate) status: Status,
    pub(crate) severity: Severity,
    pub(crate) assignee: Option<UserId>,
    pub(crate) acknowledged_at: Option<DateTime<Utc>>,
    pub(crate) on_site_at: Option<DateTime<Utc>>,
    pub(crate) resolved_at: Option<DateTime<Utc>>,
    pub(crate) closed_at: Option<DateTime<Utc>>,
    pub(crate) resolution: Option<Resolution>,
    pub(crate) satisfaction: Option<u8>,
    pub(crate) reopened: u32,
    pub(crate) clocks: Vec<(ClockName, Clock)>,
    /// The response and repair times measured where no target runs a clock (see
    /// [`Ticket::measured`]): clocks with a zero target that nothing reads as a deadline.
    pub(crate) measures: Vec<(ClockName, Clock)>,
    /// The repair target of a repair clock that starts at the first arrival, until it does.
    pub(crate) repair_on_arrival: Option<SlaDuration>,
    /// The arrival target of an arrival clock that starts when the buyer asks for a visit, until
    /// asked (or until an engineer arrives unasked).
    pub(crate) arrival_on_request: Option<SlaDuration>,
    pub(crate) last_at: DateTime<Utc>,
    /// Every event so far, in order (an approved claim re-folds them).
    pub(crate) history: Vec<Event>,
    /// Claims and requests, with their decisions.
    pub(crate) pending: Vec<Pending>,
    /// The claims (indices of `claimed` events) known to be approved when the fold began.
    pub(crate) approved: BTreeSet<usize>,
    /// When the current pause began, while paused.
    pub(crate) paused_at: Option<DateTime<Utc>>,
    /// The current pause waits for the buyer: the repair clock runs on.
    pub(crate) pause_uncounted: bool,
    /// The title and the description, as last corrected.
    pub(crate) title: String,
    pub(crate) description: String,
    /// The impact grade after the event, if graded.
    pub(crate) impact: Option<Severity>,
    /// The contract's category, by code, if sorted.
    pub(crate) category: Option<String>,
    /// The system it was moved to, if it was.
    pub(crate) system: Option<String>,
}

impl Ticket {
    /// Opens a ticket, checking what it is opened with.
    pub fn open(new: NewTicket) -> Result<(Ticket, Event), DomainError> {
        let event = Event::Opened {
            at: new.received_at,
            ticket: new,
        };
        let ticket = Ticket::from_events([&event])?;
        Ok((ticket, event))
    }

    /// Rebuilds a ticket from its stored events, checking each.
    ///
    /// Claims the other party approved count as claimed: the events they are about are folded at
    /// the claimed instants (see [`crate::evidence`]).
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Ticket, DomainError> {
        let events: Vec<&Event> = events.into_iter().collect();
        // Which claims were approved, and the instants they move events to.
        let mut approved = BTreeSet::new();
        let mut moved: BTreeMap<usize, DateTime<Utc>> = BTreeMap::new();
        for e in &events {
            if let Event::Decided { on, approved: true, .. } = e
                && let Some(Event::Claimed { event, claim, .. }) = events.get(*on)
            {
                approved.insert(*on);
                if let Claim::EarlierTime { at } = claim {
                    moved.insert(*event, *at);
                }
            }
        }
        let event = |i: usize| match moved.get(&i) {
            Some(at) => events[i].with_at(*at),
            None => events[i].clone(),
        };
        let Some(Event::Opened { ticket: new, .. }) = events.first().map(|_| event(0)) else {
            return Err(DomainError::NotOpened);
        };
        let mut ticket = Ticket::opened(new)?;
        ticket.history = vec![events[0].clone()];
        ticket.approved = approved;
        for (i, stored) in events.iter().enumerate().skip(1) {
            ticket.apply_moved(stored, &event(i))?;
        }
        Ok(ticket)
    }

    fn opened(new: NewTicket) -> Result<Ticket, DomainError> {
        let title = new.title.trim();
        if title.is_empty() {
            return Err(invalid("title", "must not be empty"));
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(invalid(
                "title",
                format!("must be at most {MAX_TITLE_CHARS} characters"),
            ));
        }
        if new.occurred_at > new.received_at {
            return Err(invalid(
                "occurred_at",
                format!("{} is after received_at {}", new.occurred_at, new.received_at),
            ));
        }
        let waits = repair_waits_for_arrival(&new.targets, new.service_mode);
        let on_request = arrival_waits_for_request(&new.targets, new.service_mode);
        let clocks = ClockName::ALL
            .iter()
            .filter(|c| **c != ClockName::Arrival || new.service_mode.has_on_site())
            .filter(|c| !(waits && **c == ClockName::Repair))
            .filter(|c| !(on_request && **c == ClockName::Arrival))
            .filter_map(|c| new.targets.get(*c).map(|t| (*c, Clock::start(new.clock_start(*c), t))))
            .collect();
        // A repair that waits for an arrival is measured from the clocks' start until it does
        // (then its clock measures it), so that a repair done without a visit still counts.
        let measures = [ClockName::Response, ClockName::Repair]
            .into_iter()
            .filter(|_| !new.outside_service)
            .filter(|c| new.targets.get(*c).is_none() || (waits && *c == ClockName::Repair))
            .map(|c| (c, Clock::start(new.clock_start(c), MEASURE_ONLY)))
            .collect();
        let repair_on_arrival = if waits { new.targets.repair } else { None };
        let arrival_on_request = if on_request { new.targets.arrival } else { None };
        Ok(Ticket {
            status: Status::New,
            severity: new.severity,
            assignee: new.assignee,
            acknowledged_at: None,
            on_site_at: None,
            resolved_at: None,
            closed_at: None,
            resolution: None,
            satisfaction: None,
            reopened: 0,
            clocks,
            measures,
            repair_on_arrival,
            arrival_on_request,
            last_at: new.received_at,
            history: Vec::new(),
            pending: Vec::new(),
            approved: BTreeSet::new(),
            paused_at: None,
            pause_uncounted: false,
            title: title.to_owned(),
            description: new.description.clone(),
            impact: None,
            category: new.category.clone(),
            system: None,
            opened: new.clone(),
        })
    }

    /// What the ticket was opened with.
    pub fn opened_with(&self) -> &NewTicket {
        &self.opened
    }

    /// Its kind.
    pub fn kind(&self) -> Kind {
        self.opened.kind
    }

    /// Its status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Its current severity.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// The title, as last corrected.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The description, as last corrected.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The code of the system the ticket was last moved to, if it was moved (else it is the one
    /// it was opened against, which the server keeps).
    pub fn moved_to(&self) -> Option<&str> {
        self.system.as_deref()
    }

    /// The impact grade after the event (事后定级), if graded: apart from the SLA severity.
    pub fn impact(&self) -> Option<Severity> {
        self.impact
    }

    /// The contract's category (分类) it is sorted into, by code, if it is.
    pub fn category(&self) -> Option<&str> {
        self.category.as_deref()
    }

    /// Who works on it.
    pub fn assignee(&self) -> Option<UserId> {
        self.assignee
    }

    /// How the system is served.
    pub fn service_mode(&self) -> ServiceMode {
        self.opened.service_mode
    }

    /// When the clocks start: the stated start ([`NewTicket::stated_start`]) — unless that stated start still waits for the other
    /// party ([`NewTicket::clocks_from`]).
    pub fn clocks_start(&self) -> DateTime<Utc> {
        self.opened.clocks_from.unwrap_or(self.stated_start())
    }

    /// The start the ticket was opened with ([`NewTicket::stated_start`]): when the problem began
    /// for faults, alarms and security events, when it was received for requests or under a
    /// policy whose clocks start at the report.
    pub fn stated_start(&self) -> DateTime<Utc> {
        self.opened.stated_start()
    }

    /// Every event, in order.
    pub fn events(&self) -> &[Event] {
        &self.history
    }

    /// Whether the current pause waits for the buyer's confirmation (the repair clock runs on).
    pub fn pause_unconfirmed(&self) -> bool {
        self.pause_uncounted
    }

    /// When the problem began.
    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.opened.occurred_at
    }

    /// When the ticket was logged, as stated.
    pub fn received_at(&self) -> DateTime<Utc> {
        self.opened.received_at
    }

    /// When the problem counts as begun (outages in availability): as stated, or no earlier than
    /// the recording while a stated start earlier than it waits for the other party.
    pub fn counts_as_occurred_at(&self) -> DateTime<Utc> {
        self.opened
            .clocks_from
            .map_or(self.opened.occurred_at, |from| from.max(self.opened.occurred_at))
    }

    /// When the ticket counts as received: as stated, or, while a stated start earlier than its
    /// recording waits for the other party ([`NewTicket::clocks_from`]), no earlier than the
    /// recording. Reports file a ticket under the period it counts as received in, so a ticket
    /// back-dated into a period already reported changes that period only once accepted.
    pub fn counts_as_received_at(&self) -> DateTime<Utc> {
        self.opened
            .clocks_from
            .map_or(self.opened.received_at, |from| from.max(self.opened.received_at))
    }

    /// First acknowledgement.
    pub fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.acknowledged_at
    }

    /// First arrival on site.
    pub fn on_site_at(&self) -> Option<DateTime<Utc>> {
        self.on_site_at
    }

    /// The latest resolution, unless reopened since.
    pub fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.resolved_at
    }

    /// When the reporter confirmed, unless reopened since.
    pub fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.closed_at
    }

    /// The latest resolution.
    pub fn resolution(&self) -> Option<&Resolution> {
        self.resolution.as_ref()
    }

    /// The reporter's satisfaction, 1–5.
    pub fn satisfaction(&self) -> Option<u8> {
        self.satisfaction
    }

    /// How many times it was reopened.
    pub fn reopened(&self) -> u32 {
        self.reopened
    }

    /// Its clocks, in the order response, arrival, repair (those that run).
    pub fn clocks(&self) -> &[(ClockName, Clock)] {
        &self.clocks
    }

    /// One clock.
    pub fn clock(&self, name: ClockName) -> Option<&Clock> {
        self.clocks.iter().find(|(n, _)| *n == name).map(|(_, c)| c)
    }

    /// The clock that measures `name`'s time, for averages: the ticket's clock if a target runs
    /// one, else a measure kept for `response` and `repair` alone, from the clocks' start to the
    /// acknowledgement or the resolution, paused and resumed as a repair clock is.
    ///
    /// Contracts average times no ticket has a deadline for: seed 003 sets one per-ticket target,
    /// the urgent response (L133–135), but charges the month's mean response and repair times over
    /// every need raised ("运维需求平均故障恢复时间大于 60 分钟且小于 120 分钟", L832). A measure is a
    /// clock with a zero target (`0m`): its `consumed` working time is the figure, its state and
    /// deadline mean nothing, and it never appears in [`Ticket::clocks`]. No arrival is measured
    /// without a target.
    ///
    /// ```
    /// # use chrono::{TimeDelta, TimeZone, Utc};
    /// # use ticket_domain::{ClockName, Command, Kind, NewTicket, Resolution, ServiceMode, Targets, Ticket};
    /// # use ticket_domain::sla_clock::Severity;
    /// let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    /// let minutes = |m| t0 + TimeDelta::minutes(m);
    /// let targets = Targets { response: Some("30m".parse().unwrap()), ..Targets::default() };
    /// let (mut ticket, _) = Ticket::open(NewTicket {
    ///     category: None,
    ///     kind: Kind::Fault, severity: Severity::Urgent, severity_reason: None,
    ///     title: "门户网站无法访问".into(), description: String::new(),
    ///     occurred_at: t0, received_at: t0, service_mode: ServiceMode::Remote, targets,
    ///     reporter: None, assignee: None, major_event: None, clocks_from: None, calendars: None,
    ///     immediate_from_report: true, outside_service: false,
    /// }).unwrap();
    /// let resolution = Resolution {
    ///     root_cause: "证书过期".into(), fix: "更换证书".into(), impact_from: t0, impact_to: minutes(95),
    ///     follow_up: None,
    /// };
    /// for command in [
    ///     Command::Acknowledge { at: minutes(10) },
    ///     Command::Resolve { at: minutes(95), resolution },
    /// ] {
    ///     for e in ticket.decide(command).unwrap() { ticket.apply(&e).unwrap(); }
    /// }
    /// let cal = ticket_domain::sla_clock::builtin::calendar("cn-7x24").unwrap();
    /// let consumed = |name| ticket.measured(name).unwrap().status(&cal, minutes(95)).unwrap().consumed;
    /// assert_eq!(consumed(ClockName::Response), TimeDelta::minutes(10)); // the response clock itself
    /// assert_eq!(consumed(ClockName::Repair), TimeDelta::minutes(95));   // no target, measured all the same
    /// assert!(ticket.clock(ClockName::Repair).is_none());
    /// assert!(ticket.measured(ClockName::Arrival).is_none());
    /// ```
    pub fn measured(&self, name: ClockName) -> Option<&Clock> {
        self.clock(name)
            .or_else(|| self.measures.iter().find(|(n, _)| *n == name).map(|(_, c)| c))
    }

    /// The instant of the last event.
    pub fn last_event_at(&self) -> DateTime<Utc> {
        self.last_at
    }

    /// How many events the ticket has (its version).
    pub fn event_count(&self) -> usize {
        self.history.len()
    }

    /// The actions allowed now, in a stable order.
    pub fn allowed(&self) -> Vec<&'static str> {
        let mut allowed = allowed_actions(
            self.status,
            self.service_mode().has_on_site() && self.on_site_at.is_none(),
        );
        if self.visit_requestable() {
            let at = allowed.iter().position(|a| *a == "regrade").unwrap_or(allowed.len());
            allowed.insert(at, "request_visit");
        }
        allowed
    }

    /// Whether the buyer can ask for a visit now: the arrival counts from that request, none was
    /// made, nobody has arrived, and the ticket is open and not yet resolved.
    pub fn visit_requestable(&self) -> bool {
        self.arrival_on_request.is_some()
            && self.on_site_at.is_none()
            && matches!(
                self.status,
                Status::New | Status::Acknowledged | Status::InProgress | Status::Paused
            )
    }

    /// When the buyer asked for a visit, if it did (the arrival clock's start).
    pub fn visit_requested_at(&self) -> Option<DateTime<Utc>> {
        self.history.iter().find_map(|e| match e {
            Event::VisitRequested { at } => Some(*at),
            _ => None,
        })
    }

    /// The events `command` causes, or why it cannot be done. The ticket is not changed.
    ///
    /// This is the ticket's own rule, regardless of who asks; [`Ticket::decide_as`] adds the
    /// rules of the two parties. A [`Command::Decide`] needs the deciding party and goes through
    /// [`Ticket::decide_as`].
    pub fn decide(&self, command: Command) -> Result<Vec<Event>, DomainError> {
        let action = command.name();
        if let Command::Decide { .. } = command {
            return Err(invalid(
                "action",
                "approving or rejecting needs the deciding party (decide_as)",
            ));
        }
        // Grading the impact and correcting the text are always possible, in any status: they move
        // no clock and are not steps of the lifecycle (not in `allowed`).
        let annotation = matches!(
            command,
            Command::GradeImpact { .. }
                | Command::Categorise { .. }
                | Command::Correct { .. }
                | Command::Contest { .. }
                | Command::ChangeSystem { .. }
        );
        if !annotation && !self.allowed().contains(&action) {
            if action == "request_visit" && self.arrival_on_request.is_none() {
                let why = if self.visit_requested_at().is_some() {
                    "a visit was already requested; its arrival clock runs"
                } else if self.on_site_at.is_some() {
                    "an engineer is already on site"
                } else {
                    "the system's arrival does not count from a request for a visit (its policy \
                     has no arrival_from = \"visit_request\", or the system is served remotely)"
                };
                return Err(invalid("action", why));
            }
            if action == "arrive" && !self.service_mode().has_on_site() {
                return Err(invalid(
                    "action",
                    "the system is served remotely; there is no arrival on site",
                ));
            }
            return Err(DomainError::InvalidTransition {
                action,
                status: self.status,
                allowed: self.allowed().join(", "),
            });
        }
        let at = command.at();
        if at < self.last_at {
            return Err(DomainError::OutOfOrder {
                action,
                at,
                last: self.last_at,
            });
        }
        let event = match command {
            Command::Acknowledge { at } => Event::Acknowledged { at },
            Command::Arrive { at } => Event::Arrived { at },
            Command::RequestVisit { at } => Event::VisitRequested { at },
            Command::Start { at } => Event::Started { at },
            Command::Pause { at, reason, note } => Event::Paused {
                at,
                reason,
                note: non_blank(note),
            },
            Command::Resume { at } => Event::Resumed { at },
            Command::Regrade {
                at,
                severity,
                reason,
                targets,
            } => {
                let reason = required("reason", reason)?;
                if severity == self.severity {
                    return Err(invalid("severity", format!("the ticket is already {}", severity.key())));
                }
                Event::Regraded {
                    at,
                    from: self.severity,
                    to: severity,
                    reason,
                    targets,
                }
            }
            Command::Resolve { at, resolution } => {
                let resolution = Resolution {
                    root_cause: required("root_cause", resolution.root_cause)?,
                    fix: required("fix", resolution.fix)?,
                    // Blank is none: the report prints no empty follow-up.
                    follow_up: resolution
                        .follow_up
                        .map(|f| f.trim().to_owned())
                        .filter(|f| !f.is_empty()),
                    ..resolution
                };
                if resolution.impact_from > resolution.impact_to {
                    return Err(invalid("impact_to", "the impact window ends before it begins"));
                }
                if resolution.impact_to > at {
                    return Err(invalid("impact_to", "the impact window ends after the resolution"));
                }
                Event::Resolved { at, resolution }
            }
            Command::Close { at, satisfaction, note } => {
                if self.pending.iter().any(|p| p.change.is_some() && p.decision.is_none()) {
                    return Err(invalid(
                        "action",
                        "a request waits for a decision; decide it before closing",
                    ));
                }
                if let Some(s) = satisfaction.filter(|s| !(1..=5).contains(s)) {
                    return Err(invalid("satisfaction", format!("{s} is not between 1 and 5")));
                }
                Event::Closed {
                    at,
                    satisfaction,
                    note: non_blank(note),
                }
            }
            Command::Reopen { at, reason } => Event::Reopened {
                at,
                reason: required("reason", reason)?,
            },
            Command::Cancel { at, reason, note } => Event::Cancelled {
                at,
                reason,
                note: non_blank(note),
            },
            Command::Assign { at, assignee } => {
                if assignee == self.assignee {
                    return Err(invalid("assignee", "the ticket is already assigned so"));
                }
                Event::Assigned { at, assignee }
            }
            Command::Comment { at, text } => Event::Commented {
                at,
                text: required("text", text)?,
            },
            Command::GradeImpact { at, grade, reason } => Event::ImpactGraded {
                at,
                from: self.impact,
                to: grade,
                reason: required("reason", reason)?,
            },
            Command::Categorise { at, category, reason } => {
                let to = non_blank(category);
                if to == self.category {
                    return Err(invalid(
                        "category",
                        match &to {
                            Some(c) => format!("the ticket is already in category {c}"),
                            None => "the ticket has no category".to_owned(),
                        },
                    ));
                }
                Event::Categorised {
                    at,
                    from: self.category.clone(),
                    to,
                    reason: non_blank(reason),
                }
            }
            Command::Correct {
                at,
                title,
                description,
                reason,
            } => {
                let title = non_blank(title).filter(|t| t != &self.title);
                let description = description
                    .map(|d| d.trim().to_owned())
                    .filter(|d| d != &self.description);
                if title.is_none() && description.is_none() {
                    return Err(invalid("title", "nothing to correct: give a new title or description"));
                }
                if let Some(t) = &title
                    && t.chars().count() > MAX_TITLE_CHARS
                {
                    return Err(invalid(
                        "title",
                        format!("must be at most {MAX_TITLE_CHARS} characters"),
                    ));
                }
                Event::Corrected {
                    at,
                    title,
                    description,
                    reason: required("reason", reason)?,
                }
            }
            Command::ChangeSystem {
                at,
                system,
                service_mode,
                targets,
                reason,
                calendars,
            } => {
                if service_mode.has_on_site() != self.service_mode().has_on_site() {
                    return Err(invalid(
                        "system",
                        format!(
                            "{system} is served {}, this ticket {}: its clocks would differ; void this ticket and open one on {system}",
                            if service_mode.has_on_site() {
                                "on site"
                            } else {
                                "remotely"
                            },
                            if self.service_mode().has_on_site() {
                                "on site"
                            } else {
                                "remotely"
                            },
                        ),
                    ));
                }
                if matches!(self.status, Status::Closed | Status::Cancelled) {
                    return Err(invalid(
                        "system",
                        format!("the ticket is {}; its system stays", self.status),
                    ));
                }
                Event::SystemChanged {
                    at,
                    system,
                    targets,
                    reason: required("reason", reason)?,
                    calendars,
                }
            }
            Command::Contest { at, reason } => {
                if self.status != Status::Cancelled {
                    return Err(invalid(
                        "action",
                        format!("only a cancelled ticket can be contested; this one is {}", self.status),
                    ));
                }
                // A voided ticket stays void, so one contest stands for it until the assessment
                // settles it; a second would only repeat the first.
                if self.history.iter().any(|e| matches!(e, Event::Contested { .. })) {
                    return Err(invalid(
                        "action",
                        "this cancellation is already contested; the assessment settles it".to_owned(),
                    ));
                }
                Event::Contested {
                    at,
                    reason: required("reason", reason)?,
                }
            }
            Command::Decide { .. } => unreachable!("refused above"),
        };
        self.clone().apply(&event)?;
        Ok(vec![event])
    }

    /// Folds one event in. Events from [`Ticket::decide`] always apply; stored events are
    /// checked again, so a corrupted stream is an error rather than a wrong ticket.
    pub fn apply(&mut self, event: &Event) -> Result<(), DomainError> {
        self.apply_moved(event, event)
    }

    /// Folds `stored`, counting it as `effective` (the same event, or the event at the instant an
    /// approved claim moved it to).
    fn apply_moved(&mut self, stored: &Event, event: &Event) -> Result<(), DomainError> {
        let Some(action) = event.action() else {
            return Err(DomainError::NotOpened);
        };
        let record = matches!(
            event,
            Event::Claimed { .. }
                | Event::Requested { .. }
                | Event::Decided { .. }
                | Event::ImpactGraded { .. }
                | Event::Categorised { .. }
                | Event::Corrected { .. }
                | Event::Contested { .. }
                | Event::SystemChanged { .. }
        );
        // Stored streams are checked like commands: an event its status does not allow is refused.
        if !record && !self.allowed().contains(&action) {
            return Err(DomainError::InvalidTransition {
                action,
                status: self.status,
                allowed: self.allowed().join(", "),
            });
        }
        let at = event.at();
        if at < self.last_at {
            return Err(DomainError::OutOfOrder {
                action: event.kind(),
                at,
                last: self.last_at,
            });
        }
        match event {
            Event::Opened { .. } => return Err(DomainError::NotOpened),
            Event::Acknowledged { at } => {
                self.clock_op(ClockName::Response, |c| c.stop(*at))?;
                self.acknowledged_at = Some(*at);
                self.status = Status::Acknowledged;
            }
            Event::VisitRequested { at } => {
                let target = self
                    .arrival_on_request
                    .take()
                    .ok_or_else(|| invalid("action", "no arrival waits for a request for a visit"))?;
                // Clocks stay in the order response, arrival, repair.
                let i = self
                    .clocks
                    .iter()
                    .position(|(n, _)| *n == ClockName::Repair)
                    .unwrap_or(self.clocks.len());
                self.clocks.insert(i, (ClockName::Arrival, Clock::start(*at, target)));
            }
            Event::Arrived { at } => {
                // Unasked, the visit meets no deadline; no clock starts for it later.
                self.arrival_on_request = None;
                self.clock_op(ClockName::Arrival, |c| c.stop(*at))?;
                if let Some(target) = self.repair_on_arrival.take() {
                    self.clocks.push((ClockName::Repair, Clock::start(*at, target)));
                }
                self.on_site_at = Some(*at);
                self.status = Status::OnSite;
            }
            Event::Started { .. } => self.status = Status::InProgress,
            Event::Paused { at, reason, .. } => {
                self.clock_op(ClockName::Repair, |c| c.pause(*at, reason.key()))?;
                self.paused_at = Some(*at);
                self.status = Status::Paused;
            }
            Event::Resumed { at } => {
                if !std::mem::take(&mut self.pause_uncounted) {
                    self.clock_op(ClockName::Repair, |c| c.resume(*at))?;
                }
                self.paused_at = None;
                self.status = Status::InProgress;
            }
            Event::Regraded {
                at,
                to,
                reason,
                targets,
                ..
            } => {
                self.retarget(*at, targets, reason)?;
                self.severity = *to;
            }
            Event::Resolved { at, resolution } => {
                self.clock_op(ClockName::Repair, |c| c.stop(*at))?;
                if self.on_site_at.is_none() {
                    self.clock_op(ClockName::Arrival, |c| c.cancel(*at, "resolved without a visit"))?;
                }
                self.resolved_at = Some(*at);
                self.resolution = Some(resolution.clone());
                self.status = Status::Resolved;
            }
            Event::Closed { at, satisfaction, .. } => {
                self.closed_at = Some(*at);
                self.satisfaction = *satisfaction;
                self.status = Status::Closed;
            }
            Event::Reopened { at, .. } => {
                self.clock_op(ClockName::Repair, |c| c.resume(*at))?;
                self.resolved_at = None;
                self.closed_at = None;
                self.satisfaction = None;
                self.reopened += 1;
                self.status = Status::InProgress;
            }
            Event::Cancelled { at, reason, .. } => self.cancel(*at, reason.key())?,
            Event::Assigned { assignee, .. } => self.assignee = *assignee,
            Event::Commented { .. } => {}
            Event::ImpactGraded { to, .. } => self.impact = Some(*to),
            Event::Categorised { to, .. } => self.category = to.clone(),
            Event::Contested { .. } => {}
            Event::SystemChanged {
                at,
                system,
                targets,
                reason,
                ..
            } => {
                if matches!(self.status, Status::Closed | Status::Cancelled) {
                    return Err(invalid(
                        "system",
                        format!("the ticket is {}; its system stays", self.status),
                    ));
                }
                self.retarget(*at, targets, reason)?;
                self.system = Some(system.clone());
            }
            Event::Corrected { title, description, .. } => {
                if let Some(t) = title {
                    self.title = t.clone();
                }
                if let Some(d) = description {
                    self.description = d.clone();
                }
            }
            Event::Claimed { at, event, claim, by } => {
                let index = self.history.len();
                let about = self.history.get(*event).filter(|_| *event < index);
                if about.is_none_or(|e| {
                    matches!(
                        e,
                        Event::Claimed { .. } | Event::Requested { .. } | Event::Decided { .. }
                    )
                }) {
                    return Err(invalid(
                        "event",
                        format!("a claim must be about an earlier action, not event {event}"),
                    ));
                }
                if let Claim::BuyerPause { .. } = claim {
                    let follows = matches!(self.history.get(*event), Some(Event::Paused { .. }))
                        && self.history[*event + 1..]
                            .iter()
                            .all(|e| matches!(e, Event::Claimed { .. }));
                    if self.status != Status::Paused || !follows {
                        return Err(invalid("event", "a pause claim follows its pause"));
                    }
                    // Until the buyer confirms it, the pause does not stop the clock: it resumes at
                    // once, and the resumption ahead does nothing.
                    if !self.approved.contains(&index) {
                        let began = self.paused_at.unwrap_or(*at);
                        self.clock_op(ClockName::Repair, |c| c.resume(began))?;
                        self.pause_uncounted = true;
                    }
                }
                self.pending.push(Pending {
                    index,
                    event: Some(*event),
                    by: *by,
                    recorded_at: *at,
                    claim: Some(claim.clone()),
                    change: None,
                    decision: None,
                });
            }
            Event::Requested { at, change, by } => {
                let index = self.history.len();
                self.pending.push(Pending {
                    index,
                    event: None,
                    by: *by,
                    recorded_at: *at,
                    claim: None,
                    change: Some(change.clone()),
                    decision: None,
                });
            }
            Event::Decided {
                at,
                on,
                approved,
                note,
                by,
            } => {
                let Some(p) = self.pending.iter_mut().find(|p| p.index == *on) else {
                    return Err(invalid(
                        "on",
                        format!("event {on} is not a claim or request of this ticket"),
                    ));
                };
                if p.decision.is_some() {
                    return Err(invalid("on", format!("event {on} was already decided")));
                }
                p.decision = Some(Decision {
                    approved: *approved,
                    by: *by,
                    at: *at,
                    note: note.clone(),
                });
                let change = p.change.clone();
                if *approved {
                    match change {
                        // An approved claim re-folds every event with the claimed instants.
                        None if !self.approved.contains(on) => {
                            let mut events = self.history.clone();
                            events.push(stored.clone());
                            *self = Ticket::from_events(&events)?;
                            return Ok(());
                        }
                        None => {}
                        Some(Change::Regrade {
                            from,
                            to,
                            reason,
                            targets,
                        }) => {
                            if from != self.severity {
                                return Err(invalid(
                                    "on",
                                    format!(
                                        "the severity changed since the request ({} then, {} now); it must be asked again",
                                        from.key(),
                                        self.severity.key()
                                    ),
                                ));
                            }
                            if matches!(self.status, Status::Closed | Status::Cancelled) {
                                return Err(invalid(
                                    "on",
                                    format!("the ticket is {} now; it cannot be re-graded", self.status),
                                ));
                            }
                            self.retarget(*at, &targets, &reason)?;
                            self.severity = to;
                        }
                        Some(Change::System {
                            system,
                            targets,
                            reason,
                            ..
                        }) => {
                            if matches!(self.status, Status::Closed | Status::Cancelled) {
                                return Err(invalid(
                                    "on",
                                    format!("the ticket is {} now; its system stays", self.status),
                                ));
                            }
                            self.retarget(*at, &targets, &reason)?;
                            self.system = Some(system);
                        }
                        Some(Change::Cancel { reason, .. }) => {
                            if !self.allowed().contains(&"cancel") {
                                return Err(invalid(
                                    "on",
                                    format!("the ticket is {} now; it cannot be cancelled", self.status),
                                ));
                            }
                            self.cancel(*at, reason.key())?;
                        }
                    }
                }
            }
        }
        self.last_at = at;
        self.history.push(stored.clone());
        Ok(())
    }

    fn cancel(&mut self, at: DateTime<Utc>, reason: &str) -> Result<(), DomainError> {
        self.pause_uncounted = false;
        for name in ClockName::ALL {
            self.clock_op(*name, |c| c.cancel(at, reason))?;
        }
        self.status = Status::Cancelled;
        Ok(())
    }

    /// Applies `op` to the clock `name` if it runs and has not ended.
    fn clock_op(
        &mut self,
        name: ClockName,
        op: impl FnOnce(&mut Clock) -> Result<(), ClockError>,
    ) -> Result<(), DomainError> {
        let Some((_, clock)) = self.clocks.iter_mut().find(|(n, _)| *n == name) else {
            // A measure follows the clock it stands in for, but never refuses an event.
            if let Some((_, measure)) = self.measures.iter_mut().find(|(n, _)| *n == name) {
                let mut trial = measure.clone();
                if op(&mut trial).is_ok() {
                    *measure = trial;
                }
            }
            return Ok(());
        };
        let ended = matches!(last_phase_event(clock), Some(ClockEvent::Cancelled { .. }));
        let stopped = matches!(last_phase_event(clock), Some(ClockEvent::Stopped { .. }));
        let mut trial = clock.clone();
        match op(&mut trial) {
            Ok(()) => {
                *clock = trial;
                Ok(())
            }
            // Ending a clock that already ended is a no-op (cancelling a ticket whose response
            // clock was met, resolving when the arrival clock was met).
            Err(ClockError::InvalidTransition {
                event: "cancel" | "stop",
                ..
            }) if ended || stopped => Ok(()),
            Err(source) => Err(DomainError::Clock { clock: name, source }),
        }
    }

    fn retarget(&mut self, at: DateTime<Utc>, targets: &Targets, reason: &str) -> Result<(), DomainError> {
        // A regrade changes durations, never where a clock starts: a repair clock still waiting for
        // the arrival keeps waiting, with the new target. New targets without a repair duration
        // leave it as it was, exactly as they leave a running clock's target.
        if let (Some(waiting), Some(new)) = (self.repair_on_arrival.as_mut(), targets.repair) {
            *waiting = new;
        }
        if let (Some(waiting), Some(new)) = (self.arrival_on_request.as_mut(), targets.arrival) {
            *waiting = new;
        }
        for (name, clock) in &mut self.clocks {
            let cancelled = matches!(last_phase_event(clock), Some(ClockEvent::Cancelled { .. }));
            if let (Some(t), false) = (targets.get(*name), cancelled) {
                clock
                    .retarget(at, t, reason)
                    .map_err(|source| DomainError::Clock { clock: *name, source })?;
            }
        }
        Ok(())
    }
}

/// Whether the repair clock starts at the first arrival rather than with the others: the targets
/// say so, and there can be an arrival (an on-site mode with an arrival target).
fn repair_waits_for_arrival(targets: &Targets, mode: ServiceMode) -> bool {
    targets.repair_from_arrival && targets.arrival.is_some() && targets.repair.is_some() && mode.has_on_site()
}

/// Whether the arrival clock starts at the buyer's request for a visit rather than with the
/// others: the targets say so, and there can be an arrival (an on-site mode with an arrival
/// target).
fn arrival_waits_for_request(targets: &Targets, mode: ServiceMode) -> bool {
    targets.arrival_from_visit_request && targets.arrival.is_some() && mode.has_on_site()
}

/// The actions a ticket in `status` allows, in a stable order; `arrive_possible` says whether the
/// system is served on site and nobody has arrived yet. [`Ticket::allowed`] is this for a ticket;
/// a list of stored tickets can call it without replaying their events.
pub fn allowed_actions(status: Status, arrive_possible: bool) -> Vec<&'static str> {
    use Status::*;
    let s = status;
    [
        (s == New, "acknowledge"),
        (matches!(s, Acknowledged | InProgress) && arrive_possible, "arrive"),
        (matches!(s, Acknowledged | OnSite), "start"),
        (s == InProgress, "pause"),
        (s == Paused, "resume"),
        (matches!(s, Acknowledged | OnSite | InProgress), "resolve"),
        (s == Resolved, "close"),
        (matches!(s, Resolved | Closed), "reopen"),
        (!matches!(s, Closed | Cancelled), "regrade"),
        (matches!(s, New | Acknowledged | OnSite | InProgress | Paused), "cancel"),
        (s.is_open(), "assign"),
        (true, "comment"),
    ]
    .into_iter()
    .filter_map(|(ok, name)| ok.then_some(name))
    .collect()
}

/// The last event of a clock that changed its phase (ignoring re-targets).
fn last_phase_event(clock: &Clock) -> Option<&ClockEvent> {
    clock
        .events()
        .iter()
        .rev()
        .find(|e| !matches!(e, ClockEvent::Retargeted { .. }))
}

fn required(field: &'static str, text: String) -> Result<String, DomainError> {
    let t = text.trim();
    if t.is_empty() {
        Err(invalid(field, "is required"))
    } else {
        Ok(t.to_owned())
    }
}

fn non_blank(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

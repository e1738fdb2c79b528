//! Over 600 lines because the table is one table: every action, its grant groups and its row read
//! together, with the words that print it.
//!
//! What each party and role may do: one table, asked by every door.
//!
//! Every account belongs to a [`Party`](crate::app::auth::Party): the buyer (the bureau, or one of
//! its units), a vendor, or the supervisor (监理). What it may do is a row of [`TABLE`]: for each
//! [`Action`], which parties and which of their roles may. Admins may everything. The API asks
//! before a handler runs (`api/permissions.rs` maps every route to its action), so do the pages
//! (`web/permissions.rs` maps every page), and the use cases in `app/` ask again with what they
//! know about the thing acted on. `docs/permissions.md` prints this table ([`markdown`]); a test
//! keeps the two the same.
//!
//! Some grants hold only under a condition the use case checks ([`Only`]): a unit's managers set
//! only windows and duties of their own unit, a vendor reads only its own contracts, and the buyer
//! does a vendor's work on a ticket only when the ticket has no vendor.
//!
//! ```text
//! check(p, Action::WindowWrite)            a vendor manager: Forbidden("only admins, the bureau's
//!                                          managers and a unit's managers (own unit only) may set a
//!                                          major-event window; you are a vendor manager")
//! check_ticket(p, Action::TicketAcknowledge, has_vendor)
//!                                          a unit engineer: only when has_vendor is false
//! ```

use std::fmt::Write as _;

use crate::app::auth::{PartyKind, Principal, Role};
use crate::app::{AppError, AppResult};

macro_rules! actions {
    ($($variant:ident = $key:literal, $what:literal;)+) => {
        /// Everything the permission table answers for, one variant per row of [`TABLE`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $(#[doc = concat!("`", $key, "`: ", $what, ".")] $variant),+
        }

        impl Action {
            /// Every action, in the table's order.
            pub const ALL: &'static [Action] = &[$(Action::$variant),+];

            /// Its stable name, as the documentation and the route table write it.
            pub fn key(self) -> &'static str {
                match self {
                    $(Action::$variant => $key),+
                }
            }

            /// What it is, as a refusal says it: "set a major-event window".
            pub fn what(self) -> &'static str {
                match self {
                    $(Action::$variant => $what),+
                }
            }
        }
    };
}

actions! {
    Own = "own", "read your own account and change your password";
    CatalogRead = "catalog.read", "read units, vendors, policies and the systems in your scope";
    CatalogWrite = "catalog.write", "create and change units, vendors and systems";
    CatalogFile = "catalog.file", "import or export the catalogue file";
    PolicyWrite = "policy.write", "create and change SLA policies";
    CalendarRead = "calendar.read", "read which calendars there are";
    CalendarChange = "calendar.change", "reload the calendars or add a holiday notice";
    LadderRead = "ladder.read", "read the escalation ladders";
    LadderWrite = "ladder.write", "set or remove an escalation ladder";
    Outbox = "outbox", "read the mail and webhook outbox and send a message again";
    TicketRead = "ticket.read", "read the tickets in your scope";
    TicketOpen = "ticket.open", "open a ticket";
    TicketAcknowledge = "ticket.acknowledge", "acknowledge a ticket";
    TicketArrive = "ticket.arrive", "record arriving on site";
    TicketRequestVisit = "ticket.request_visit", "ask for an engineer on site (starts an arrival counted from the request)";
    TicketStart = "ticket.start", "start the repair";
    TicketPause = "ticket.pause", "pause a ticket's clocks";
    TicketResume = "ticket.resume", "resume a ticket's clocks";
    TicketRegrade = "ticket.regrade", "re-grade a ticket";
    TicketResolve = "ticket.resolve", "resolve a ticket";
    TicketClose = "ticket.close", "close a ticket and rate the service";
    TicketReopen = "ticket.reopen", "reopen a ticket";
    TicketCancel = "ticket.cancel", "cancel a ticket";
    TicketAssign = "ticket.assign", "assign a ticket";
    TicketComment = "ticket.comment", "comment on a ticket";
    TicketAttach = "ticket.attach", "attach a file to a ticket";
    TicketGradeImpact = "ticket.grade_impact", "grade an event's impact after it (事后定级)";
    TicketCorrect = "ticket.correct", "correct a ticket's title or description";
    TicketCategorise = "ticket.categorise", "sort a ticket into one of its contract's categories (分类)";
    TicketContest = "ticket.contest", "contest the other party's cancellation of a ticket";
    TicketDecide = "ticket.decide", "approve or reject the other party's claim or request on a ticket";
    DutyRead = "duty.read", "read rosters, windows, exclusions, scheduled duties, who is on duty and staffing gaps";
    RosterWrite = "roster.write", "set a roster or change one of its shifts";
    RosterRemove = "roster.remove", "remove a roster";
    ShiftsOfOthers = "shifts.others", "read another person's shifts";
    WindowWrite = "window.write", "set a major-event window";
    WindowRemove = "window.remove", "remove a major-event window";
    ExclusionPropose = "exclusion.propose", "record an exclusion window (proposed until decided)";
    ExclusionDecide = "exclusion.decide", "approve, reject or revoke an exclusion window";
    DutyWrite = "duty.write", "set a scheduled duty";
    DutyRemove = "duty.remove", "remove a scheduled duty";
    ReportRead = "report.read", "read the breach report";
    Dashboard = "dashboard", "read the dashboard (the breach report's trend, compliance, availability and deductions)";
    ContractRead = "contract.read", "read contracts, their prices and deduction rules";
    ContractWrite = "contract.write", "create or replace a contract";
    FindingRead = "finding.read", "read the findings (认定) against the contracts and tickets in your scope";
    FindingWrite = "finding.write", "record or withdraw a finding (认定) on a ticket or a contract's month";
    AssessmentRead = "assessment.read", "read the assessments (考核) of the contracts in your scope";
    AssessmentWrite = "assessment.write", "create, revise and send an assessment, or maintain it after a dispute";
    AssessmentAnswer = "assessment.answer", "agree to or dispute an assessment sent to your vendor";
    AssessmentReply = "assessment.reply", "reply in a disputed assessment's thread";
    AssessmentSign = "assessment.sign", "sign an assessment for your party";
    AssessmentAttach = "assessment.attach", "attach a scanned signed copy to an assessment of your party";
    AssessmentReopen = "assessment.reopen", "reopen a final assessment, with a reason";
    RectificationRead = "rectification.read", "read the rectification orders (整改通知) in your scope";
    RectificationIssue = "rectification.issue", "issue a rectification order to a vendor, accept or reject its rectification, or withdraw it";
    RectificationAnswer = "rectification.answer", "report a rectification ordered of your vendor done";
    RectificationRefuse = "rectification.refuse", "refuse a rectification ordered of your vendor (a refusal of the bureau's order is priced by 004 八-7)";
    ProblemRead = "problem.read", "read the problem records (问题单) of the systems in your scope";
    ProblemWrite = "problem.write", "write a problem record's root-cause analysis and fix plan";
    ProblemClose = "problem.close", "close a problem record once its analysis and plan are written";
    DeviceRead = "device.read", "read the devices (一机一档) of the systems in your scope, their tickets and availability";
    DeviceWrite = "device.write", "create, change and import the devices of a system";
    TicketDevices = "ticket.devices", "name the devices a ticket is about";
    PeriodicReportRead = "periodic_report.read", "read the periodic reports (定期报告: 月报, 季度报告…) of the contracts in your scope";
    PeriodicReportWrite = "periodic_report.write", "write and submit a periodic report your vendor owes";
    PeriodicReportAcknowledge = "periodic_report.acknowledge", "acknowledge a submitted periodic report, or return it with a reason";
    InspectionRead = "inspection.read", "read the inspections (巡检) of the systems in your scope";
    InspectionRecord = "inspection.record", "record an inspection of a system your vendor serves, item by item (findings may open fault tickets)";
    SurveyRead = "survey.read", "read the satisfaction surveys (满意度调查) in your scope";
    SurveyWrite = "survey.write", "fill or replace your unit's satisfaction survey of a contract's service for a month or quarter";
    SpareRead = "spare.read", "read the spares (备品备件) of the contracts in your scope: stock, movements, settlement, the ledger of removed devices";
    SpareCatalogue = "spare.catalogue", "load a contract's spares list and enter its unit prices from the vendor's bid";
    SpareMove = "spare.move", "record a movement of your vendor's spares warehouse: received, out to a ticket, returned";
    SpareConfirm = "spare.confirm", "confirm a contract's spares inventory for the supervisor (备品备件库存清单，经监理确认)";
    ReplacementRequest = "replacement.request", "ask for a device's replacement on a ticket, record it once approved, track an OEM warranty repair";
    ReplacementDecide = "replacement.decide", "approve or refuse a device's replacement for your party (the buyer's or the supervisor's)";
    IntakeManage = "intake.manage", "read and change alert mapping rules and intake sources";
    IntakeTriage = "intake.triage", "open or dismiss alerts in the triage queue";
    MailInTriage = "mail_in.triage", "read the mail taken in, open or dismiss the messages waiting in its triage queue";
    Webhooks = "webhooks", "read and change webhook subscriptions";
    UserManage = "user.manage", "add users, set their party and roles, list them";
    TokenManage = "token.manage", "issue and revoke API tokens";
    Administer = "administer", "use the administration pages";
}

impl Action {
    /// The action a ticket action's name asks for (`POST /tickets/{number}/{action}`, the
    /// ticket page's buttons): `acknowledge` … `comment`, `grade_impact`, `correct`, and
    /// `approve` / `reject` (a decision on the other party's pending claim or request). `None`
    /// for a name that is no action.
    pub fn for_ticket_action(name: &str) -> Option<Action> {
        Some(match name {
            "acknowledge" => Action::TicketAcknowledge,
            "arrive" => Action::TicketArrive,
            "request_visit" => Action::TicketRequestVisit,
            "start" => Action::TicketStart,
            "pause" => Action::TicketPause,
            "resume" => Action::TicketResume,
            "regrade" => Action::TicketRegrade,
            "resolve" => Action::TicketResolve,
            "close" => Action::TicketClose,
            "reopen" => Action::TicketReopen,
            "cancel" => Action::TicketCancel,
            "assign" => Action::TicketAssign,
            "comment" => Action::TicketComment,
            "grade_impact" => Action::TicketGradeImpact,
            "correct" => Action::TicketCorrect,
            "categorise" => Action::TicketCategorise,
            "contest" => Action::TicketContest,
            "approve" | "reject" => Action::TicketDecide,
            _ => return None,
        })
    }
}

/// A condition on a grant, checked by the use case that knows the thing acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Only {
    /// No condition.
    Always,
    /// Over their own unit only: a window covering only the unit's systems, a duty or an
    /// exclusion of one of its systems.
    OwnUnit,
    /// Their own vendor's only (its contracts, its rosters, its figures).
    OwnVendor,
    /// Only on a ticket whose system has no vendor: the buyer then does the vendor's work.
    TicketWithoutVendor,
}

impl Only {
    fn phrase(self) -> &'static str {
        match self {
            Only::Always => "",
            Only::OwnUnit => "own unit only",
            Only::OwnVendor => "own vendor only",
            Only::TicketWithoutVendor => "on a ticket with no vendor",
        }
    }
}

/// Who a grant is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Everyone signed in, of any party or none.
    SignedIn,
    /// These roles of this party.
    Party(PartyKind, &'static [Role]),
}

/// One grant of a row: who, and under which condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// Who.
    pub who: Who,
    /// Under which condition.
    pub only: Only,
}

/// A row of the table: an action and who may do it (admins may everything, and are not listed).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The action.
    pub action: Action,
    /// Who may; empty: admins only.
    pub grants: &'static [Grant],
}

const M: &[Role] = &[Role::Manager];
const ME: &[Role] = &[Role::Manager, Role::Engineer];
const MEV: &[Role] = &[Role::Manager, Role::Engineer, Role::Viewer];

const fn to(party: PartyKind, roles: &'static [Role]) -> Grant {
    Grant {
        who: Who::Party(party, roles),
        only: Only::Always,
    }
}

const fn to_only(party: PartyKind, roles: &'static [Role], only: Only) -> Grant {
    Grant {
        who: Who::Party(party, roles),
        only,
    }
}

const fn row(action: Action, grants: &'static [Grant]) -> Rule {
    Rule { action, grants }
}

// The groups the table grants to.
const SIGNED_IN: &[Grant] = &[Grant {
    who: Who::SignedIn,
    only: Only::Always,
}];
const ADMINS: &[Grant] = &[];
const EVERY_PARTY: &[Grant] = &[
    to(PartyKind::Bureau, MEV),
    to(PartyKind::Unit, MEV),
    to(PartyKind::Vendor, MEV),
    to(PartyKind::Supervisor, MEV),
];
const BUREAU_MANAGERS: &[Grant] = &[to(PartyKind::Bureau, M)];
const BUYER_MANAGERS: &[Grant] = &[to(PartyKind::Bureau, M), to(PartyKind::Unit, M)];
const BUYER_MANAGERS_OWN_UNIT: &[Grant] = &[to(PartyKind::Bureau, M), to_only(PartyKind::Unit, M, Only::OwnUnit)];
const BUYER_AND_VENDOR_WRITERS: &[Grant] = &[
    to(PartyKind::Bureau, ME),
    to(PartyKind::Unit, ME),
    to(PartyKind::Vendor, ME),
];
/// The vendor's work on a ticket: its engineers and managers; the buyer's only when no vendor
/// serves the system.
const VENDOR_WORK: &[Grant] = &[
    to(PartyKind::Vendor, ME),
    to_only(PartyKind::Bureau, ME, Only::TicketWithoutVendor),
    to_only(PartyKind::Unit, ME, Only::TicketWithoutVendor),
];

const BUYER_WRITERS: &[Grant] = &[to(PartyKind::Bureau, ME), to(PartyKind::Unit, ME)];
const EVERY_PARTY_WRITERS: &[Grant] = &[
    to(PartyKind::Bureau, ME),
    to(PartyKind::Unit, ME),
    to(PartyKind::Vendor, ME),
    to(PartyKind::Supervisor, ME),
];
const DECIDERS: &[Grant] = &[
    to(PartyKind::Bureau, M),
    to(PartyKind::Unit, M),
    to(PartyKind::Vendor, M),
    to(PartyKind::Supervisor, ME),
];
const EVERY_PARTYS_MANAGERS: &[Grant] = &[
    to(PartyKind::Bureau, M),
    to(PartyKind::Unit, M),
    to(PartyKind::Vendor, M),
    to(PartyKind::Supervisor, M),
];
const ROSTER_KEEPERS: &[Grant] = &[
    to(PartyKind::Bureau, M),
    to(PartyKind::Unit, M),
    to_only(PartyKind::Vendor, M, Only::OwnVendor),
];
const REPORT_READERS: &[Grant] = &[
    to(PartyKind::Bureau, MEV),
    to(PartyKind::Unit, MEV),
    to_only(PartyKind::Vendor, MEV, Only::OwnVendor),
    to(PartyKind::Supervisor, MEV),
];
/// The dashboard is the managers' view of the report: the report's readers, managers only.
const DASHBOARD_READERS: &[Grant] = &[
    to(PartyKind::Bureau, M),
    to(PartyKind::Unit, M),
    to_only(PartyKind::Vendor, M, Only::OwnVendor),
    to(PartyKind::Supervisor, M),
];
const CONTRACT_READERS: &[Grant] = &[
    to(PartyKind::Bureau, M),
    to(PartyKind::Unit, M),
    to_only(PartyKind::Vendor, M, Only::OwnVendor),
    to(PartyKind::Supervisor, ME),
];
/// Findings are read by the buyer (a unit's people for its own systems), the vendor a finding is
/// against and the supervisor.
const FINDING_READERS: &[Grant] = &[
    to(PartyKind::Bureau, MEV),
    to_only(PartyKind::Unit, MEV, Only::OwnUnit),
    to_only(PartyKind::Vendor, MEV, Only::OwnVendor),
    to(PartyKind::Supervisor, MEV),
];

/// Assessments are read by the buyer (a unit's managers for their own unit), the vendor assessed
/// and the supervisor.
const ASSESSMENT_READERS: &[Grant] = &[
    to(PartyKind::Bureau, M),
    to_only(PartyKind::Unit, M, Only::OwnUnit),
    to_only(PartyKind::Vendor, M, Only::OwnVendor),
    to(PartyKind::Supervisor, MEV),
];
/// Who speaks and signs for a party of an assessment: its managers, and the supervisor.
const ASSESSMENT_PARTIES: &[Grant] = &[
    to(PartyKind::Bureau, M),
    to_only(PartyKind::Unit, M, Only::OwnUnit),
    to_only(PartyKind::Vendor, M, Only::OwnVendor),
    to(PartyKind::Supervisor, M),
];
const VENDOR_MANAGERS_OWN: &[Grant] = &[to_only(PartyKind::Vendor, M, Only::OwnVendor)];
/// The vendor's people who do its work: engineers and managers, for their own vendor.
const VENDOR_WORKERS_OWN: &[Grant] = &[to_only(PartyKind::Vendor, ME, Only::OwnVendor)];

/// A contract's periodic reports are read by the bureau, the supervisor and the contract's vendor:
/// a report covers every unit's systems of the contract, so a unit's people do not.
const PERIODIC_REPORT_READERS: &[Grant] = &[
    to(PartyKind::Bureau, MEV),
    to_only(PartyKind::Vendor, MEV, Only::OwnVendor),
    to(PartyKind::Supervisor, MEV),
];

/// A unit's managers, for their own unit: a satisfaction survey speaks for the unit (its
/// engineers rate the tickets they close; docs/satisfaction.md).
const UNIT_MANAGERS_OWN: &[Grant] = &[to_only(PartyKind::Unit, M, Only::OwnUnit)];
/// A system's device list is kept by the buyer's managers and the managers of its vendor.
const DEVICE_KEEPERS: &[Grant] = &[
    to(PartyKind::Bureau, M),
    to_only(PartyKind::Unit, M, Only::OwnUnit),
    to_only(PartyKind::Vendor, M, Only::OwnVendor),
];

/// The supervisor's people (监理): what the contract has it confirm.
const SUPERVISORS: &[Grant] = &[to(PartyKind::Supervisor, ME)];
/// A device's replacement is approved by the buyer (the bureau's managers, a unit's for its own
/// systems) and by the supervisor (004 L27689–27691: 由采购人、监理单位共同确认).
const REPLACEMENT_DECIDERS: &[Grant] = &[
    to(PartyKind::Bureau, M),
    to_only(PartyKind::Unit, M, Only::OwnUnit),
    to(PartyKind::Supervisor, ME),
];

/// The permission table: one row per [`Action`], in its order.
pub const TABLE: &[Rule] = &[
    row(Action::Own, SIGNED_IN),
    row(Action::CatalogRead, SIGNED_IN),
    row(Action::CatalogWrite, ADMINS),
    row(Action::CatalogFile, ADMINS),
    row(Action::PolicyWrite, BUREAU_MANAGERS),
    row(Action::CalendarRead, EVERY_PARTY),
    row(Action::CalendarChange, ADMINS),
    row(Action::LadderRead, EVERY_PARTY),
    row(Action::LadderWrite, BUREAU_MANAGERS),
    row(Action::Outbox, ADMINS),
    row(Action::TicketRead, SIGNED_IN),
    row(Action::TicketOpen, BUYER_AND_VENDOR_WRITERS),
    row(Action::TicketAcknowledge, VENDOR_WORK),
    row(Action::TicketArrive, VENDOR_WORK),
    // The buyer asks; a vendor recording the request itself would set the start of a clock it is
    // charged on (Shunyi 8-4), unchallenged.
    row(Action::TicketRequestVisit, BUYER_WRITERS),
    row(Action::TicketStart, VENDOR_WORK),
    row(Action::TicketPause, VENDOR_WORK),
    row(Action::TicketResume, VENDOR_WORK),
    row(Action::TicketRegrade, BUYER_AND_VENDOR_WRITERS),
    row(Action::TicketResolve, VENDOR_WORK),
    row(Action::TicketClose, BUYER_WRITERS),
    row(Action::TicketReopen, BUYER_AND_VENDOR_WRITERS),
    row(Action::TicketCancel, BUYER_AND_VENDOR_WRITERS),
    row(Action::TicketAssign, BUYER_AND_VENDOR_WRITERS),
    row(Action::TicketComment, EVERY_PARTY_WRITERS),
    // Whoever may comment may attach: a screenshot or a log is a comment's evidence.
    row(Action::TicketAttach, EVERY_PARTY_WRITERS),
    row(Action::TicketGradeImpact, BUYER_AND_VENDOR_WRITERS),
    row(Action::TicketCorrect, BUYER_AND_VENDOR_WRITERS),
    row(Action::TicketCategorise, BUYER_AND_VENDOR_WRITERS),
    row(Action::TicketContest, BUYER_AND_VENDOR_WRITERS),
    row(Action::TicketDecide, DECIDERS),
    row(Action::DutyRead, EVERY_PARTY),
    row(Action::RosterWrite, ROSTER_KEEPERS),
    row(Action::RosterRemove, ADMINS),
    row(Action::ShiftsOfOthers, EVERY_PARTYS_MANAGERS),
    row(Action::WindowWrite, BUYER_MANAGERS_OWN_UNIT),
    row(Action::WindowRemove, ADMINS),
    row(Action::ExclusionPropose, BUYER_AND_VENDOR_WRITERS),
    row(Action::ExclusionDecide, BUYER_MANAGERS_OWN_UNIT),
    row(Action::DutyWrite, BUYER_MANAGERS_OWN_UNIT),
    row(Action::DutyRemove, ADMINS),
    row(Action::ReportRead, REPORT_READERS),
    row(Action::Dashboard, DASHBOARD_READERS),
    row(Action::ContractRead, CONTRACT_READERS),
    row(Action::ContractWrite, BUREAU_MANAGERS),
    row(Action::FindingRead, FINDING_READERS),
    row(Action::FindingWrite, BUYER_MANAGERS_OWN_UNIT),
    row(Action::AssessmentRead, ASSESSMENT_READERS),
    row(Action::AssessmentWrite, BUYER_MANAGERS_OWN_UNIT),
    row(Action::AssessmentAnswer, VENDOR_MANAGERS_OWN),
    row(Action::AssessmentReply, ASSESSMENT_PARTIES),
    row(Action::AssessmentSign, ASSESSMENT_PARTIES),
    row(Action::AssessmentAttach, ASSESSMENT_PARTIES),
    row(Action::AssessmentReopen, ADMINS),
    row(Action::RectificationRead, FINDING_READERS),
    row(Action::RectificationIssue, BUYER_MANAGERS_OWN_UNIT),
    row(Action::RectificationAnswer, VENDOR_WORKERS_OWN),
    row(Action::RectificationRefuse, VENDOR_MANAGERS_OWN),
    row(Action::ProblemRead, EVERY_PARTY),
    row(Action::ProblemWrite, VENDOR_WORK),
    row(Action::ProblemClose, BUYER_MANAGERS),
    row(Action::DeviceRead, EVERY_PARTY),
    row(Action::DeviceWrite, DEVICE_KEEPERS),
    row(Action::TicketDevices, BUYER_AND_VENDOR_WRITERS),
    row(Action::PeriodicReportRead, PERIODIC_REPORT_READERS),
    row(Action::PeriodicReportWrite, VENDOR_WORKERS_OWN),
    row(Action::PeriodicReportAcknowledge, BUREAU_MANAGERS),
    row(Action::InspectionRead, EVERY_PARTY),
    row(Action::InspectionRecord, VENDOR_WORKERS_OWN),
    row(Action::SurveyRead, FINDING_READERS),
    row(Action::SurveyWrite, UNIT_MANAGERS_OWN),
    row(Action::SpareRead, REPORT_READERS),
    row(Action::SpareCatalogue, BUREAU_MANAGERS),
    row(Action::SpareMove, VENDOR_WORKERS_OWN),
    row(Action::SpareConfirm, SUPERVISORS),
    row(Action::ReplacementRequest, VENDOR_WORK),
    row(Action::ReplacementDecide, REPLACEMENT_DECIDERS),
    row(Action::IntakeManage, ADMINS),
    row(Action::IntakeTriage, ADMINS),
    row(Action::MailInTriage, BUREAU_MANAGERS),
    row(Action::Webhooks, ADMINS),
    row(Action::UserManage, ADMINS),
    row(Action::TokenManage, ADMINS),
    row(Action::Administer, ADMINS),
];

/// The row of `a` (an action without a row: admins only, and a test fails).
pub fn rule(a: Action) -> Option<&'static Rule> {
    TABLE.iter().find(|r| r.action == a)
}

/// The grants of `a` that are `p`'s (whatever their condition).
fn grants_of(p: &Principal, a: Action) -> impl Iterator<Item = &'static Grant> + '_ {
    rule(a).map_or(&[][..], |r| r.grants).iter().filter(|g| match g.who {
        Who::SignedIn => true,
        Who::Party(kind, roles) => p.party_kind() == Some(kind) && roles.contains(&p.role),
    })
}

/// Whether `p` may do `a` where no condition is left to check, or only the scope conditions
/// ([`Only::OwnUnit`], [`Only::OwnVendor`]) that the use case checks against the thing itself.
pub fn may(p: &Principal, a: Action) -> bool {
    p.role == Role::Admin || grants_of(p, a).any(|g| g.only != Only::TicketWithoutVendor)
}

/// Whether `p` may do `a` on something, under some condition: what a door asks before it knows
/// the thing acted on (the route, the button). A use case asks [`check`] or [`check_ticket`].
pub fn may_at_all(p: &Principal, a: Action) -> bool {
    p.role == Role::Admin || grants_of(p, a).next().is_some()
}

/// Fails with [`AppError::Forbidden`], saying who may, unless `p` may do `a` ([`may`]).
///
/// A grant under [`Only::OwnUnit`] or [`Only::OwnVendor`] passes here: the use case then checks
/// that the thing is the caller's own (out of scope: as if absent). A grant under
/// [`Only::TicketWithoutVendor`] does not: ask [`check_ticket`].
pub fn check(p: &Principal, a: Action) -> AppResult<()> {
    if may(p, a) { Ok(()) } else { Err(refusal(p, a)) }
}

/// [`check`] for an action on a ticket whose system has a vendor (`ticket_has_vendor`) or none:
/// where no vendor serves the system, the buyer's people do the vendor's work.
pub fn check_ticket(p: &Principal, a: Action, ticket_has_vendor: bool) -> AppResult<()> {
    let granted =
        p.role == Role::Admin || grants_of(p, a).any(|g| g.only != Only::TicketWithoutVendor || !ticket_has_vendor);
    if granted { Ok(()) } else { Err(refusal(p, a)) }
}

/// What a door answers when `p` may not do `a` under any condition ([`may_at_all`]).
pub fn check_at_all(p: &Principal, a: Action) -> AppResult<()> {
    if may_at_all(p, a) { Ok(()) } else { Err(refusal(p, a)) }
}

/// "only admins and the buyer's managers may set a scheduled duty; you are a vendor manager".
fn refusal(p: &Principal, a: Action) -> AppError {
    AppError::Forbidden(format!(
        "only {} may {}; you are {}",
        who_may(a),
        a.what(),
        p.describe()
    ))
}

/// Who may do `a`, in words: "admins, the buyer's managers (own unit only) and …".
pub fn who_may(a: Action) -> String {
    let grants = rule(a).map_or(&[][..], |r| r.grants);
    if grants.iter().any(|g| g.who == Who::SignedIn) {
        return "people signed in".to_owned();
    }
    let mut parts = vec!["admins".to_owned()];
    let mut done = vec![false; grants.len()];
    for (i, g) in grants.iter().enumerate() {
        if done[i] {
            continue;
        }
        let Who::Party(kind, roles) = g.who else { continue };
        // The bureau and a unit with the same roles and condition are the buyer.
        let unit_twin = (kind == PartyKind::Bureau)
            .then(|| {
                grants
                    .iter()
                    .position(|o| o.who == Who::Party(PartyKind::Unit, roles) && o.only == g.only)
            })
            .flatten();
        let owner = match unit_twin {
            Some(j) => {
                done[j] = true;
                "the buyer's"
            }
            None => match kind {
                PartyKind::Bureau => "the bureau's",
                PartyKind::Unit => "a unit's",
                PartyKind::Vendor => "a vendor's",
                PartyKind::Supervisor => "the supervisor's",
            },
        };
        let mut part = format!("{owner} {}", roles_phrase(roles));
        if g.only != Only::Always {
            let _ = write!(part, " ({})", g.only.phrase());
        }
        parts.push(part);
    }
    match parts.len() {
        1 => "admins".to_owned(),
        n => format!("{} and {}", parts[..n - 1].join(", "), parts[n - 1]),
    }
}

fn roles_phrase(roles: &[Role]) -> &'static str {
    match roles {
        [Role::Manager] => "managers",
        [Role::Manager, Role::Engineer] => "managers and engineers",
        [Role::Manager, Role::Engineer, Role::Viewer] => "people",
        _ => "some roles",
    }
}

/// The cell of party `kind` in the row of `rule`: "managers", "managers, engineers (own unit
/// only)", "—".
fn cell(rule: &Rule, kind: PartyKind) -> String {
    let mut out = Vec::new();
    for g in rule.grants {
        let (roles, only) = match g.who {
            Who::SignedIn => (MEV, g.only),
            Who::Party(k, roles) if k == kind => (roles, g.only),
            Who::Party(..) => continue,
        };
        let names: Vec<&str> = roles.iter().map(|r| r.key()).collect();
        let mut text = names.join(", ");
        if only != Only::Always {
            let _ = write!(text, " ({})", only.phrase());
        }
        out.push(text);
    }
    if out.is_empty() {
        "—".to_owned()
    } else {
        out.join("; ")
    }
}

/// The table as `docs/permissions.md` prints it: one row per action, a column per party, the
/// roles that may in each cell (admins may everything and have no column).
pub fn markdown() -> String {
    let mut s = String::from(
        "| action | what | bureau | unit | vendor | supervisor | no party |\n|---|---|---|---|---|---|---|\n",
    );
    for r in TABLE {
        let no_party = if r.grants.iter().any(|g| g.who == Who::SignedIn) {
            "yes"
        } else {
            "—"
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            r.action.key(),
            r.action.what(),
            cell(r, PartyKind::Bureau),
            cell(r, PartyKind::Unit),
            cell(r, PartyKind::Vendor),
            cell(r, PartyKind::Supervisor),
            no_party,
        );
    }
    s
}

#[cfg(test)]
#[path = "permissions_tests.rs"]
mod tests;

//! The incident report's data: what [`super::get`] gathers and every format writes.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::tickets::evidence::ClaimView;
use crate::app::tickets::views::MajorEventView;

/// A unit, a vendor or a system: its code and name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    /// The code.
    pub code: String,
    /// The name.
    pub name: String,
}

/// A person: user name and display name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    /// The user name.
    pub username: String,
    /// The name shown.
    pub name: String,
}

/// A re-grading (重新定级): the severity before and after, why, who and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct Regrading {
    /// When it counts.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Option<String>,
    /// The severity before.
    pub from: String,
    /// The severity after.
    pub to: String,
    /// Why.
    pub reason: String,
}

/// A clock as the report states it: its target, its deadline and how it ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportClock {
    /// `response`, `arrival` or `repair`.
    pub name: String,
    /// The calendar it counts in.
    pub calendar: String,
    /// The target in force (`30m`, `4h`, `7wd`).
    pub target: String,
    /// Every target it has had, oldest first (a re-grading keeps the history).
    pub targets: Vec<String>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// The deadline (extended by the paused working time).
    pub deadline: DateTime<Utc>,
    /// When it stopped or was cancelled; none while it runs.
    pub ended_at: Option<DateTime<Utc>>,
    /// running, paused, met, breached-running, breached-met or cancelled.
    pub state: String,
    /// `met`; `breached` (stopped late, 超时完成); `breached_running` (still counting, or paused,
    /// past the deadline: 超时未完成); `running` (not late yet); `paused` (not late; its deadline
    /// is the one it would have if it resumed now); `cancelled`.
    pub outcome: String,
    /// Working time past the deadline, seconds (0 when met).
    pub overdue_seconds: i64,
    /// Wall time from the deadline to the stop (or to now while it runs late), seconds; none
    /// when not late.
    pub overdue_wall_seconds: Option<i64>,
    /// Working time paused, seconds.
    pub paused_seconds: i64,
    /// Whether the deadline is provisional (it runs into days whose holidays are not published).
    pub provisional: bool,
}

/// What was found and done, from the latest resolution.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResolutionView {
    /// Why it happened (根本原因).
    pub root_cause: String,
    /// What was done (处理措施).
    pub fix: String,
    /// What is still to be done (后续措施), if the resolver said.
    pub follow_up: Option<String>,
    /// When the impact began.
    pub impact_from: DateTime<Utc>,
    /// When the impact ended.
    pub impact_to: DateTime<Utc>,
    /// The impact window's length, seconds of wall time.
    pub impact_seconds: i64,
    /// Who resolved it.
    pub by: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// Whether the ticket was reopened since: this is the last resolution's record, not a
    /// recovery (the ticket's `resolved_at` is empty until it is resolved again).
    pub superseded: bool,
}

/// The impact grade after the event (事后定级), apart from the severity that set the deadlines.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactGrade {
    /// urgent, serious, general or minor.
    pub grade: String,
    /// Why (the latest grading's reason).
    pub reason: String,
    /// Who graded it.
    pub by: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// One event of the ticket's history, with the times it was claimed and recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportEvent {
    /// 1, 2, 3, …
    pub seq: i32,
    /// The event type (`opened`, `acknowledged`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// When it counts.
    pub at: DateTime<Utc>,
    /// When the server recorded it.
    pub recorded_at: Option<DateTime<Utc>>,
    /// The earlier instant the actor claimed for it, when they did (see `claims`).
    pub claimed_at: Option<DateTime<Utc>>,
    /// Whether that claim is `pending`, `approved` or `rejected`.
    pub claim_status: Option<String>,
    /// Who did it (user name).
    pub actor: Option<String>,
    /// Their name shown.
    pub actor_name: Option<String>,
    /// The event as stored.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A message the outbox holds about the ticket: an escalation email, an event notice (email or
/// SMS) or a webhook post.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    /// `escalation`, `notice` or `webhook`.
    pub kind: String,
    /// `email`, `sms` or `webhook`.
    pub channel: String,
    /// The clock it is about, if any.
    pub clock: Option<String>,
    /// The ladder step (or the event a notice or a webhook reports).
    pub step: Option<String>,
    /// 0, or the reminder's number after a breach.
    pub repeat: i32,
    /// Who it goes to.
    pub recipients: Vec<String>,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    /// When it fell due.
    pub due_at: DateTime<Utc>,
    /// When the mail server or the receiver accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// The subject line.
    pub subject: String,
    /// Whether it is a step's English copy, to the readers who asked for English.
    pub english_copy: bool,
}

/// A comment on the ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct Comment {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (user name).
    pub actor: Option<String>,
    /// Their name shown.
    pub actor_name: Option<String>,
    /// The text.
    pub text: String,
}

/// A party that signs the printed report.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureBlock {
    /// `vendor` (服务商), `unit` (用户单位) or `supervisor` (监理).
    pub party: String,
    /// The party's name (the vendor's, the unit's), where the record has it.
    pub name: Option<String>,
}

/// The incident report of one ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentReport {
    /// The ticket's number.
    pub number: String,
    /// The title, as last corrected.
    pub title: String,
    /// The description, as last corrected.
    pub description: String,
    /// fault, request, security or alarm.
    pub kind: String,
    /// The contract's category (分类) it is sorted into, if it is: its code and its name as the
    /// policies list it (the code again, if none lists it any more).
    pub category: Option<Named>,
    /// The status now.
    pub status: String,
    /// The severity in force (urgent, serious, general, minor).
    pub severity: String,
    /// The severity it was opened with.
    pub opened_severity: String,
    /// Why it was opened with that severity (the classifier's reason or the person's).
    pub severity_reason: Option<String>,
    /// Every re-grading, oldest first.
    pub regradings: Vec<Regrading>,
    /// The system.
    pub system: Named,
    /// The buyer unit that owns the system.
    pub unit: Named,
    /// The vendor it counts against, if any.
    pub vendor: Option<Named>,
    /// Who reported it.
    pub reporter: Option<Person>,
    /// Who works on it.
    pub assignee: Option<Person>,
    /// When the problem began.
    pub occurred_at: DateTime<Utc>,
    /// When it was received (logged).
    pub received_at: DateTime<Utc>,
    /// First acknowledgement.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// First arrival on site.
    pub on_site_at: Option<DateTime<Utc>>,
    /// Resolution (cleared on reopen).
    pub resolved_at: Option<DateTime<Utc>>,
    /// Closure (cleared on reopen).
    pub closed_at: Option<DateTime<Utc>>,
    /// The major-event window (重保) it was opened under.
    pub major_event: Option<MajorEventView>,
    /// Every clock with its calendar, target, deadline and outcome.
    pub clocks: Vec<ReportClock>,
    /// Root cause, fix, follow-up and impact window, once resolved.
    pub resolution: Option<ResolutionView>,
    /// The impact grade after the event, if graded.
    pub impact_grade: Option<ImpactGrade>,
    /// Every event, oldest first.
    pub timeline: Vec<ReportEvent>,
    /// The claims and requests between the parties, with their decisions.
    pub claims: Vec<ClaimView>,
    /// The messages sent (or queued) about it.
    pub notifications: Vec<Notification>,
    /// The comments, oldest first.
    pub comments: Vec<Comment>,
    /// The files attached, oldest first (name, type, size, SHA-256, who, when, how).
    pub attachments: Vec<crate::app::attachments::AttachmentView>,
    /// The reporter's rating on closing, 1–5.
    pub satisfaction: Option<u64>,
    /// Who signs the printed report: the vendor, the unit, and the supervisor where one is engaged.
    pub signatures: Vec<SignatureBlock>,
    /// When the report was made.
    pub generated_at: DateTime<Utc>,
}

//! The application layer: every use case of opsclock, whichever door asks for it.
//!
//! The doors (`api/`, `web/`, `cli/`, `jobs.rs`) only read a request and say the answer in their
//! own words; what may be done, by whom, and what it writes is decided here, once. The rules (see
//! `docs/architecture.md`):
//!
//! - A use case takes a [`&Context`](Context) (the database, the calendars, "now") and, where a
//!   person acts, the [`&Principal`](auth::Principal) acting and the
//!   [`&ClientAddr`](audit::ClientAddr) they act from; it returns an [`AppResult`], failing with
//!   an [`AppError`] that every door knows how to say.
//! - It imports no door and not `crate::http` (`tests/architecture.rs` fails if it does).
//! - Who may do what is asked of [`permissions`], and who sees what of [`scope`], never decided
//!   on the spot: a party or role that may not is refused (403), out of scope answers as if
//!   absent.
//! - What must stand or fall together is written in one [`Context::begin_write`] transaction,
//!   with an [`audit::record`] before the commit; "now" is [`Context::now`], never the system
//!   clock.
//!
//! Some use cases the jobs and the CLI call still take the context's pieces (a database
//! connection, the calendars, `now`) instead of a [`Context`].
//!
//! | module | what |
//! |---|---|
//! | [`tickets`] | every use case on tickets (open, preview, read, act, re-measure), and the store that keeps them |
//! | [`scope`] | who may see which systems, and so which tickets, duties and reports |
//! | [`auth`] | who is asking and what they may see and do: principals, parties, roles, sessions, secrets |
//! | [`permissions`] | what each party and role may do: the one table every door and use case asks |
//! | [`audit`] | the audit log: every write, who did it, when, from where |
//! | [`catalog`] | system catalogues: units, vendors, SLA policies and systems, one at a time or as one TOML file |
//! | [`intake`] | alert intake: monitors open and update `alarm` tickets by themselves |
//! | [`mail_in`] | mail in: messages in IMAP mailboxes become tickets, comments and acknowledgements |
//! | [`duty`] | rosters, major-event windows, exclusions and scheduled duties ([`duty::manage`] holds the use cases) |
//! | [`reports`] | breach reports for managers, as a reader asks for them ([`reports::request`]), and the contracts they apply ([`reports::contracts`]) |
//! | [`incident_report`] | the incident report (故障处理情况报告) of one ticket: its data, the printable page, the Word file |
//! | [`findings`] | findings (认定) a buyer-side manager records on a ticket or a contract's month, which contract rules need |
//! | [`escalation`] | which ladder a ticket uses, who its roles are, what the email says, and the sweep |
//! | [`notices`] | event notices: who hears at once when a ticket is opened, re-graded, resolved or reopened, by email and SMS, quiet hours |
//! | [`action_links`] | links in messages that act as their recipient (acknowledge with one tap), single-use and expiring |
//! | [`webhooks`] | outbound webhooks: ticket events posted to chat robots and other systems |
//! | [`spares`] | spare parts (备品备件): the contract's capped lists, the warehouse's movements, the settlement by actual use, the supervisor's inventory, device replacements and their approvals |
//! | [`sms`] | SMS as an outbox channel: phone numbers, segment rules, the HTTP, Kannel, Alibaba and Tencent gateways, the sender |
//! | [`outbound`] | the one HTTP client for requests to other servers: no internal addresses unless `[outbound] allow` names them, no redirects |
//! | [`outbox`] | the outbox as admins see it (email and webhooks): list, read with attempts, send again |
//! | [`calendar_reload`] | reloading calendars while the server runs, and which calendars are loaded |
//! | [`calendar_notice`] | adding a year's State Council holiday notice to a calendar file |
//! | [`countable`] | whether what a setting names can be counted in the calendars: the check behind every setting saved, and behind isolating one that no longer can be |
//! | [`text`] | rules for any text that is stored: no NUL byte, found by its path |
//! | [`vocab`] | one vocabulary for what people read: durations in the contracts' words, names of steps, roles, modes, kinds, clocks |
//! | [`coverage`] | warnings ahead of a dated calendar running out of published holidays |
//! | [`retention`] | how long the records that are not tickets are kept, and the daily purge |
//! | [`backup`] | `opsclock backup` and `opsclock restore` for a SQLite database |
//! | [`demo`] | the demo loaded into an empty database by `opsclock serve` |
//! | [`context`] | what every use case runs with: [`Context`] |
//! | [`error`] | what a use case can fail with, whichever door asked: [`AppError`], [`AppResult`] |
pub mod action_links;
pub mod assessments;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cache;
pub mod calendar_notice;
pub mod calendar_reload;
pub mod catalog;
pub mod context;
pub mod countable;
pub mod coverage;
pub mod demo;
pub mod devices;
pub(crate) mod docx_parts;
pub mod duty;
pub mod error;
pub mod escalation;
pub mod findings;
pub mod group_commit;
pub mod incident_report;
pub mod inspections;
pub mod intake;
pub mod mail_in;
pub mod notices;
pub mod outbound;
pub mod outbox;
pub mod periodic_reports;
pub mod permissions;
pub mod problems;
pub mod rectification;
pub mod reports;
pub mod retention;
pub mod scope;
pub mod sms;
pub mod spares;
pub mod surveys;
pub mod text;
pub mod tickets;
pub mod vocab;
pub mod webhooks;

pub use context::{CalendarRef, Context, calendar_in};
pub use error::{AppError, AppResult};

/// Fails unless `body`, the code in a document, is `addressed`, the code the document was sent
/// to (`PUT /things/{code}`): a document cannot rename what it replaces.
pub fn same_code(addressed: &str, body: &str) -> AppResult<()> {
    if addressed == body {
        Ok(())
    } else {
        Err(AppError::invalid(
            "code",
            format!("{body:?} differs from the path's {addressed:?}"),
        ))
    }
}

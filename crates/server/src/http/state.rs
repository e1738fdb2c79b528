//! The state both HTTP doors (the API and the pages) hold: the application's [`Context`] and
//! what only HTTP needs.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::app::Context;
use crate::calendars::Calendars;
use crate::http::limits::Limits;

/// What every handler and page can reach.
///
/// It dereferences to the [`Context`], so a handler passes `&state` to a use case and reads
/// `state.db` or `state.now()` directly; the fields below are the HTTP doors' own.
#[derive(Clone)]
pub struct AppState {
    /// The application's context: database, calendars, clock, links.
    pub ctx: Context,
    /// Whether the session cookie is marked `Secure`.
    pub secure_cookies: bool,
    /// Timeouts, sign-in throttling and lockout.
    pub limits: Arc<Limits>,
}

impl std::ops::Deref for AppState {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.ctx
    }
}

impl AppState {
    /// The state of a server over `db`.
    ///
    /// SQLite lets one transaction write at a time, and a connection that finds the write lock
    /// taken sleeps in SQLite's busy handler (1, 2, 5, … up to 100 ms between tries) rather than
    /// queueing. Under many concurrent writers that wastes most of the time the lock is free and
    /// stretches the tail latency to seconds. So on SQLite, requests that may write (every method
    /// but GET and HEAD, and signing in) take turns on an in-process semaphore, first come first
    /// served, each after its body has arrived ([`Context::turn`]); only sign-ins, the background
    /// jobs and CLI commands still meet the busy handler. Reads never wait for it. Creating a
    /// ticket through the API takes no turn of its own: it queues for a group commit
    /// ([`crate::app::group_commit`]), and each group takes one turn.
    pub fn new(db: DatabaseConnection, calendars: Calendars, secure_cookies: bool, limits: Limits) -> AppState {
        let mut ctx = Context::new(db, calendars);
        ctx.passwords = crate::app::auth::secret::PasswordGate::new(limits.password_checks_at_once);
        AppState {
            ctx,
            secure_cookies,
            limits: Arc::new(limits),
        }
    }

    /// The same state with another coverage warning window (`[sla] coverage_warning_days`).
    pub fn with_coverage_warning_days(mut self, days: u32) -> AppState {
        self.ctx.coverage_warning_days = days;
        self
    }

    /// The same state with other evidence rules (`[sla] claim_tolerance`, …).
    pub fn with_evidence(mut self, rules: crate::app::tickets::evidence::Rules) -> AppState {
        self.ctx.evidence = rules;
        self
    }

    /// The same state with another outbound policy (`[outbound] allow`).
    pub fn with_outbound(mut self, outbound: crate::app::outbound::Outbound) -> AppState {
        self.ctx.outbound = outbound;
        self
    }

    /// The same state writing links with `links` (the server's public URL and mail domain).
    pub fn with_links(mut self, links: crate::app::escalation::Links) -> AppState {
        self.ctx.links = links;
        self
    }

    /// The same state with other inspection checklists (`[inspections] checklist_dir`).
    pub fn with_checklists(mut self, checklists: Arc<crate::app::inspections::Checklists>) -> AppState {
        self.ctx.checklists = checklists;
        self
    }

    /// The same state with other attachment settings (`[attachments]`).
    pub fn with_attachments(mut self, attachments: crate::app::attachments::AttachmentStore) -> AppState {
        self.ctx.attachments = attachments;
        self
    }

    /// The same state with "now" taken from `time` (tests pin it; see [`crate::time`]).
    pub fn with_time(mut self, time: Arc<dyn crate::time::TimeSource>) -> AppState {
        self.ctx.time = time;
        self
    }
}

//! What every use case runs with: the database, the calendars, the clock and the settings.

use std::collections::BTreeMap;
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use sla_clock::Calendar;

use crate::app::{AppError, AppResult};
use crate::calendars::Calendars;
use crate::time::TimeSource;

/// The world a use case sees. Cheap to clone (every field is shared).
///
/// The HTTP doors keep one in their state; the CLI and the jobs still pass its pieces (database,
/// calendars, now) one by one. A use case never reads the system clock or a configuration file:
/// it asks the context (or is given "now"), so a test (or `faketime`) moves time for all of them
/// at once.
#[derive(Clone)]
pub struct Context {
    /// The database.
    pub db: DatabaseConnection,
    /// The calendars, by name (replaceable while the server runs: take a
    /// [`snapshot`](Calendars::snapshot) for the length of a use case).
    pub calendars: Calendars,
    /// Where "now" comes from: the system clock, or a test's.
    pub time: Arc<dyn TimeSource>,
    /// How links in emails are written (the server sets its public URL).
    pub links: crate::app::escalation::Links,
    /// Days before a calendar's published holidays run out that the admin pages warn
    /// (`[sla] coverage_warning_days`, see [`crate::app::coverage`]).
    pub coverage_warning_days: u32,
    /// The two parties' rules for claims, pauses and closing (`[sla]`, see
    /// [`crate::app::tickets::evidence`]).
    pub evidence: crate::app::tickets::evidence::Rules,
    /// What outbound HTTP may reach (`[outbound]`, see [`crate::app::outbound`]).
    pub outbound: crate::app::outbound::Outbound,
    /// How many passwords are checked at once (`[server] password_checks_at_once`, see
    /// [`crate::app::auth::secret::PasswordGate`]).
    pub passwords: crate::app::auth::secret::PasswordGate,
    /// The inspection checklists (`config/checklists`, see [`crate::app::inspections`]).
    pub checklists: Arc<crate::app::inspections::Checklists>,
    /// Where attachments go and how much they may hold (`[attachments]`, see
    /// [`crate::app::attachments`]).
    pub attachments: crate::app::attachments::AttachmentStore,
    /// On SQLite, the process's write turn: requests that may write take turns on it (see
    /// [`crate::http::AppState::new`]), and so does each group of [`Context::group`]. SQLite lets
    /// one transaction write at a time, and a connection that finds the lock taken sleeps in
    /// SQLite's busy handler (1, 2, 5 … 100 ms) however soon it frees; a queue wastes none of
    /// that. `None` on PostgreSQL.
    pub turn: Option<Arc<tokio::sync::Semaphore>>,
    /// Concurrent ticket creations share one transaction and one commit
    /// ([`crate::app::group_commit`]).
    pub group: crate::app::group_commit::GroupCommit,
    /// What requests read of the read-mostly configuration, kept while the database's
    /// configuration epoch stays put ([`crate::app::cache`]).
    pub cache: Arc<crate::app::cache::ConfigCache>,
}

impl Context {
    /// A context over `db` and `calendars`, on the system clock, with default links and
    /// warning window.
    pub fn new(db: DatabaseConnection, calendars: Calendars) -> Context {
        let turn = crate::db::turn::for_db(&db);
        let cache = crate::app::cache::ConfigCache::new();
        Context {
            group: crate::app::group_commit::GroupCommit::new(db.clone(), turn.clone()).with_cache(cache.clone()),
            cache,
            turn,
            db,
            calendars,
            time: Arc::new(crate::time::SystemTime),
            links: crate::app::escalation::Links::new(None, "127.0.0.1:8080", "opsclock.localhost".to_owned()),
            coverage_warning_days: crate::app::coverage::DEFAULT_WARNING_DAYS,
            evidence: Default::default(),
            outbound: Default::default(),
            passwords: crate::app::auth::secret::PasswordGate::for_this_machine(),
            checklists: Arc::default(),
            attachments: Default::default(),
        }
    }

    /// The current instant, from [`Context::time`]. Use cases never read the system clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.time.now()
    }

    /// A write transaction (see [`crate::db::begin_write`]).
    pub async fn begin_write(&self) -> AppResult<sea_orm::DatabaseTransaction> {
        crate::db::begin_write(&self.db)
            .await
            .map_err(|e| AppError::Internal(e.into()))
    }

    /// The calendar called `name`, as the calendars are now.
    pub fn calendar(&self, name: &str) -> AppResult<CalendarRef> {
        calendar_in(self.calendars.snapshot(), name)
    }
}

/// One calendar of a [snapshot](Calendars::snapshot), usable as a `&Calendar`.
#[derive(Clone)]
pub struct CalendarRef {
    set: Arc<BTreeMap<String, Calendar>>,
    name: String,
}

impl std::ops::Deref for CalendarRef {
    type Target = Calendar;
    fn deref(&self) -> &Calendar {
        // `calendar_in` checked the name, and the set is immutable.
        &self.set[&self.name]
    }
}

/// The calendar called `name` in `set`, or an internal error listing the names there are.
pub fn calendar_in(set: Arc<BTreeMap<String, Calendar>>, name: &str) -> AppResult<CalendarRef> {
    if set.contains_key(name) {
        Ok(CalendarRef {
            set,
            name: name.to_owned(),
        })
    } else {
        Err(AppError::Internal(anyhow::anyhow!(
            "calendar {name:?} is not loaded; known: {}",
            set.keys().cloned().collect::<Vec<_>>().join(", ")
        )))
    }
}

//! Reloading calendars while the server runs — on SIGHUP, on an admin's request ([`reload_by`]),
//! or because another replica did — and measuring again the provisional deadlines of the
//! calendars that changed; and which calendars are loaded, with what they cover ([`list`]).
//!
//! Each replica reads its own calendar files (the `[sla] calendar_dir` every replica is deployed
//! with). An admin's reload (`POST /api/v1/calendars/reload`, the button on `/admin/calendars`,
//! `opsclock calendar import-notice --yes` followed by either) reads the files on the replica that
//! answered, re-measures, and writes a new generation (a fresh random token, so that two reloads
//! at once cannot write the same one) in the `settings` table; every other
//! replica sees the new number within a minute ([`Follower`]) and reloads its own files. SIGHUP
//! reloads the replica it is sent to.
//!
//! A reload that finds an invalid file changes nothing and says which file and why; the server
//! keeps counting with the calendars it had.
//!
//! Every replica must count with the same files, or a ticket's deadline would depend on which
//! replica wrote it last. The generation carries a fingerprint of each calendar as the reloading
//! replica read it; a replica whose own file differs says so in its log and in `/metrics`
//! (`opsclock_calendar_file_mismatch`), until its files are put right and reloaded.

use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;

use crate::app::auth::Principal;
use crate::app::escalation::Links;
use crate::app::tickets::remeasure::{Affected, Remeasured, remeasure};
use crate::app::{AppError, AppResult, Context};
use crate::calendars::{CalendarChange, Calendars};
use crate::db::entities::{clocks, settings};

/// The `settings` key of the calendar generation replicas follow.
pub const GENERATION_KEY: &str = "calendars.generation";

/// A calendar whose published range changed, as answered to an admin.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChangedCalendar {
    /// The calendar's name.
    pub name: String,
    /// Last published date before (absent: the calendar is new).
    pub before_to: Option<chrono::NaiveDate>,
    /// Last published date now.
    pub after_to: Option<chrono::NaiveDate>,
}

impl From<&CalendarChange> for ChangedCalendar {
    fn from(c: &CalendarChange) -> Self {
        ChangedCalendar {
            name: c.name.clone(),
            before_to: c.before.map(|r| r.1),
            after_to: c.after.map(|r| r.1),
        }
    }
}

/// What a reload did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Reloaded {
    /// The calendars whose files changed (empty: nothing changed, nothing was measured).
    pub changed: Vec<ChangedCalendar>,
    /// The provisional clocks measured again.
    pub remeasured: Remeasured,
}

/// Reads the calendar files again and counts with them from now on, then measures again every
/// provisional clock, and every deadline from a published day a changed file touched (one audited
/// step). With `announce`, records a new generation so that the other replicas follow.
pub async fn reload(
    db: &DatabaseConnection,
    calendars: &Calendars,
    links: &Links,
    actor: Option<i64>,
    now: DateTime<Utc>,
    announce: bool,
) -> Result<Reloaded, AppError> {
    let changes = calendars.reload().map_err(|e| AppError::Invalid {
        field: None,
        detail: format!("the calendars were not reloaded: {e:#}"),
    })?;
    if announce {
        bump_generation(db, calendars, actor, now).await?;
    }
    if !changes.is_empty() {
        let names: Vec<&str> = changes.iter().map(|c| c.name.as_str()).collect();
        tracing::info!(calendars = names.join(","), "calendars reloaded");
    }
    let remeasured = measure_again(db, calendars, (&changes, false), links, actor, now).await?;
    Ok(Reloaded {
        changed: changes.iter().map(ChangedCalendar::from).collect(),
        remeasured,
    })
}

/// An admin's reload (see [`reload`]), announced to the other replicas.
pub async fn reload_by(ctx: &Context, p: &Principal) -> AppResult<Reloaded> {
    crate::app::permissions::check(p, crate::app::permissions::Action::CalendarChange)?;
    reload(&ctx.db, &ctx.calendars, &ctx.links, Some(p.user_id), ctx.now(), true).await
}

/// A calendar and what it can answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarInfo {
    /// Its name, e.g. `cn-5x8`.
    pub name: String,
    /// One line for people.
    pub description: String,
    /// Its time zone.
    pub zone: String,
    /// First date it answers.
    pub covers_from: NaiveDate,
    /// Last date whose holidays and make-up days are published; absent for a calendar with no
    /// holidays to publish (`24x7`), which is exact on every date.
    pub published_to: Option<NaiveDate>,
    /// Last date it answers at all; after `published_to` its answers are provisional.
    pub counts_to: NaiveDate,
    /// Clocks on it whose deadline is provisional now.
    pub provisional_clocks: u64,
}

/// Every calendar loaded now, with the dates it covers and how many deadlines on it are
/// provisional.
pub async fn list(ctx: &Context) -> AppResult<Vec<CalendarInfo>> {
    let mut out = Vec::new();
    for (name, cal) in ctx.calendars.snapshot().iter() {
        let provisional_clocks = clocks::Entity::find()
            .filter(clocks::Column::Provisional.eq(true))
            .filter(clocks::Column::Calendar.eq(name.as_str()))
            .count(&ctx.db)
            .await?;
        out.push(CalendarInfo {
            name: name.clone(),
            description: cal.spec().description.clone(),
            zone: cal.zone().name().to_owned(),
            covers_from: cal.covered_dates().0,
            published_to: cal.published_to(),
            counts_to: cal.counts_to(),
            provisional_clocks,
        });
    }
    Ok(out)
}

/// Measures again every provisional clock with the calendars as they are (see
/// [`crate::app::tickets::remeasure`]); the server does this at start-up, so that calendar files
/// changed while it was down (or shipped with an upgrade) settle the deadlines they publish.
pub async fn remeasure_all(
    db: &DatabaseConnection,
    calendars: &Calendars,
    links: &Links,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Remeasured, AppError> {
    measure_again(db, calendars, (&[], true), links, actor, now).await
}

/// Every provisional clock of every calendar — not only of those that changed now, so that a
/// re-measure that failed after an earlier reload is made good by the next — and, for each of
/// `changes`, every deadline from the first published day it touched.
async fn measure_again(
    db: &DatabaseConnection,
    calendars: &Calendars,
    (changes, at_start): (&[CalendarChange], bool),
    links: &Links,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Remeasured, AppError> {
    let snapshot = calendars.snapshot();
    let affected: Vec<Affected> = snapshot
        .iter()
        .map(|(name, cal)| Affected {
            calendar: name.clone(),
            changed_from: changes
                .iter()
                .find(|c| &c.name == name)
                .and_then(|c| c.first_changed)
                .and_then(|d| cal.start_of_day(d).ok()),
        })
        .collect();
    // Rectification orders store no provisional deadline to measure again: the sweep measures
    // each one's deadline when it looks, so it looks again now — at start-up (the files may have
    // changed while the server was down) and after a reload that changed a calendar.
    if at_start || !changes.is_empty() {
        crate::app::rectification::escalate::look_again(db, now).await?;
    }
    remeasure(db, &snapshot, &affected, links, actor, now).await
}

/// A fingerprint of each calendar: SHA-256 of what it was built from.
pub fn fingerprints(
    calendars: &std::collections::BTreeMap<String, sla_clock::Calendar>,
) -> std::collections::BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    calendars
        .iter()
        .map(|(name, cal)| {
            (
                name.clone(),
                hex::encode(Sha256::digest(format!("{:?}", cal.spec()).as_bytes())),
            )
        })
        .collect()
}

/// Compares this replica's calendars with the fingerprints in `generation`; remembers and logs
/// the ones that differ.
fn check_fingerprints(generation: &serde_json::Value, calendars: &Calendars) {
    let Some(published) = generation.get("fingerprints").and_then(|f| f.as_object()) else {
        return;
    };
    let own = fingerprints(&calendars.snapshot());
    let differ: std::collections::BTreeSet<String> = published
        .iter()
        .filter(|(name, fp)| own.get(*name).map(String::as_str) != fp.as_str())
        .map(|(name, _)| name.clone())
        .collect();
    for name in &differ {
        tracing::error!(
            calendar = %name,
            "this replica's calendar file differs from the one the last reload read on another replica; \
             deploy the same calendar files to every replica and reload, or deadlines will depend on which \
             replica wrote them"
        );
    }
    calendars.set_mismatched(differ);
}

async fn generation(db: &DatabaseConnection) -> Result<serde_json::Value, sea_orm::DbErr> {
    Ok(settings::Entity::find_by_id(GENERATION_KEY)
        .one(db)
        .await?
        .map(|s| s.value)
        .unwrap_or(serde_json::Value::Null))
}

async fn bump_generation(
    db: &DatabaseConnection,
    calendars: &Calendars,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    // A fresh token rather than a counter: no read-then-write for two reloads to race on.
    let token = format!("{}-{:016x}", now.timestamp_micros(), rand::random::<u64>());
    calendars.set_mismatched(Default::default());
    let value = serde_json::json!({"token": token, "fingerprints": fingerprints(&calendars.snapshot())});
    crate::db::put_setting(db, GENERATION_KEY, value, actor, now).await
}

/// A replica following the others' reloads: remembers the generation it has seen.
#[derive(Debug, Default)]
pub struct Follower {
    seen: Mutex<Option<serde_json::Value>>,
}

impl Follower {
    /// Reloads when the stored generation differs from the one seen last (the first look only
    /// remembers it: a replica starting up has just read its files). Returns the reload, if any.
    pub async fn follow(
        &self,
        db: &DatabaseConnection,
        calendars: &Calendars,
        links: &Links,
        now: DateTime<Utc>,
    ) -> Result<Option<Reloaded>, AppError> {
        let current = generation(db).await?;
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let result = match &seen {
            Some(s) if *s != current => Some(reload(db, calendars, links, None, now, false).await?),
            _ => None,
        };
        if seen.as_ref() != Some(&current) {
            check_fingerprints(&current, calendars);
        }
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(current);
        Ok(result)
    }
}

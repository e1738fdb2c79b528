//! System catalogues: units, vendors, SLA policies and systems as one TOML file, imported in one
//! transaction and exported in the same format. `docs/catalog.md` is the reference for the format;
//! `config/catalogs/shunyi-2026.toml` is the Shunyi district's 154 systems.
//!
//! - [`file`](mod@file): the TOML types;
//! - [`check`]: validation of every entry, references resolved; [`tiers`]: a policy's tiers
//!   compiled into clock targets, each target counted in the loaded calendars; [`facts`]: a
//!   system's contract facts, its checklist among the loaded ones;
//! - [`orgs`], [`policies`], [`systems`]: reading and editing one record at a time;
//! - [`store`]: the plan (what an import would create, change or leave) and the import itself;
//! - [`export`]: the database written back as a file;
//! - [`json`]: a policy's parts as stored, and documents flattened for the plan;
//! - [`service`]: a system's service dates and fee; [`service_edit`]: setting them by hand;
//!   [`hand_set`]: what a re-import does to those set by hand.

pub mod check;
pub mod export;
pub mod facts;
pub mod file;
pub mod hand_set;
pub mod json;
pub mod orgs;
pub mod policies;
pub mod service;
pub mod service_edit;
pub mod store;
pub mod systems;
pub mod tiers;

use std::fmt;

use sea_orm::{DbErr, SqlErr};
use ticket_domain::Policy;

use crate::app::{AppError, AppResult};

pub use check::Known;
pub use file::CatalogFile;

/// Whether `code` is a valid code for a unit, vendor, policy or system: 1 to 64 ASCII letters,
/// digits, '-' or '_'. The API and catalogue files apply the same rule.
pub fn is_valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
}

/// One thing wrong with a catalogue file.
// Named apart from the API's `Problem` (RFC 9457), which it would otherwise replace in the
// OpenAPI document's schemas.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = FileProblem)]
pub struct Problem {
    /// 1-based line of the entry (or of the syntax error), when known.
    pub line: Option<usize>,
    /// Key path, e.g. `systems[17].policy`.
    pub path: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// A checked catalogue, ready to compare with the database and apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    /// Units, in file order.
    pub units: Vec<OrgDef>,
    /// Vendors, in file order.
    pub vendors: Vec<OrgDef>,
    /// Policies, in file order.
    pub policies: Vec<PolicyDef>,
    /// Systems, in file order.
    pub systems: Vec<SystemDef>,
}

/// A unit or vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgDef {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A policy: compiled targets and, for a tiered policy, the document that describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDef {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// What the clocks use.
    pub targets: Policy,
    /// The tiers as written, if the file gave tiers.
    pub document: Option<serde_json::Value>,
    /// The contract's categories (分类), in its order.
    pub categories: ticket_domain::Categories,
    /// The rule for recurring faults, if the file sets one.
    pub recurrence: Option<ticket_domain::Recurrence>,
}

/// A system, referring to others by code.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemDef {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Unit code.
    pub unit: String,
    /// Vendor codes.
    pub vendors: Vec<String>,
    /// Policy code.
    pub policy: String,
    /// Calendar name.
    pub calendar: String,
    /// Clocks on other calendars, clock → name, as JSON (none: every clock on `calendar`).
    pub clock_calendars: Option<serde_json::Value>,
    /// Service mode key.
    pub service_mode: String,
    /// The contract facts, as JSON.
    pub profile: Option<serde_json::Value>,
}

/// Reads the text of a catalogue file: a syntax or type error is one problem with its line.
pub fn parse(text: &str) -> Result<CatalogFile, Problem> {
    let line_of = |e: &toml::de::Error| {
        e.span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
    };
    let de = toml::de::Deserializer::parse(text).map_err(|e| Problem {
        line: line_of(&e),
        path: "(syntax)".into(),
        message: e.message().trim().to_owned(),
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        // Entries are wrapped in `toml::Spanned` for their line numbers; the wrapper is not a key.
        let path = e.path().to_string().replace(".$__serde_spanned_private_value", "");
        let inner = e.into_inner();
        Problem {
            line: line_of(&inner),
            path: if path == "." { "(top level)".into() } else { path },
            message: inner.message().trim().to_owned(),
        }
    })
}

/// Parses and checks: every problem found, or the catalogue.
pub fn load(text: &str, known: &Known) -> Result<Catalog, Vec<Problem>> {
    let file = parse(text).map_err(|p| vec![p])?;
    check::check(&file, text, known)
}

/// [`load`] on tokio's blocking pool (a large file is CPU work that would otherwise stall the
/// runtime's threads), counting in `progress`; dropping the future (a request that timed out or
/// whose client went away) cancels the check at its next entry.
pub async fn load_with(
    text: &str,
    known: Known,
    progress: std::sync::Arc<check::Progress>,
) -> Result<Catalog, Vec<Problem>> {
    struct CancelOnDrop(std::sync::Arc<check::Progress>);
    impl Drop for CancelOnDrop {
        fn drop(&mut self) {
            self.0.cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let _cancel = CancelOnDrop(progress.clone());
    let text = text.to_owned();
    tokio::task::spawn_blocking(move || {
        let checked = parse(&text)
            .map_err(|p| vec![p])
            .and_then(|file| check::check_with(&file, &text, &known, &progress));
        progress.finished.store(true, std::sync::atomic::Ordering::Relaxed);
        checked
    })
    .await
    .unwrap_or_else(|e| {
        Err(vec![Problem {
            line: None,
            path: "(top level)".into(),
            message: format!("the check stopped: {e}"),
        }])
    })
}

/// Writes a catalogue file as TOML.
pub fn to_toml(file: &CatalogFile) -> String {
    let body = toml::to_string(file).unwrap_or_else(|e| format!("# export failed: {e}\n"));
    format!(
        "# opsclock catalogue (format {}): units, vendors, policies, systems. See docs/catalog.md.\n{body}",
        file::FORMAT
    )
}

/// [`to_toml`] on tokio's blocking pool: serialising a large catalogue is CPU work that would
/// otherwise hold one of the runtime's few worker threads (`GET /catalog/export`).
pub async fn to_toml_off_thread(file: CatalogFile) -> AppResult<String> {
    tokio::task::spawn_blocking(move || to_toml(&file))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the catalogue file was not written: {e}")))
}

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file has problems; nothing was written.
    #[error("{source_name} has {} problem(s); nothing was imported:\n{}", problems.len(),
        problems.iter().map(|p| format!("  {source_name}: {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file's name, for messages.
        source_name: String,
        /// Every problem found.
        problems: Vec<Problem>,
    },
    /// The database failed; the transaction was rolled back.
    #[error("the database refused the import (nothing was imported): {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// How an import runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Check and plan only; write nothing.
    pub dry_run: bool,
    /// Keep service dates and fees set by hand where the file's differ ([`hand_set`]); by default
    /// the file's replace them (and the plan lists each).
    pub keep_hand_set: bool,
}

/// Checks `text` and, unless `dry_run`, imports it in one write transaction at `now`. Either way
/// returns the plan: what is (or would be) created, changed and left alone. Systems may name any of
/// `calendars` and of `checklists`, and every policy target must be countable in each calendar
/// from `now`. Service dates and fees set by hand are replaced by the file's (see [`import_with`]
/// to keep them).
#[allow(clippy::too_many_arguments)]
pub async fn import(
    db: &sea_orm::DatabaseConnection,
    text: &str,
    source_name: &str,
    calendars: std::sync::Arc<std::collections::BTreeMap<String, sla_clock::Calendar>>,
    checklists: &crate::app::inspections::Checklists,
    dry_run: bool,
    user_id: Option<i64>,
    from: &crate::app::audit::ClientAddr,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<store::Plan, ImportError> {
    let options = ImportOptions {
        dry_run,
        keep_hand_set: false,
    };
    import_with(
        db,
        text,
        source_name,
        calendars,
        checklists,
        options,
        user_id,
        from,
        now,
    )
    .await
}

/// [`import`] with its [`ImportOptions`]. The plan's `hand_set` lists each service date or fee
/// set by hand that the file's differs from, and whether it was kept; each is also audited as
/// `catalog.hand_set` when the import writes.
#[allow(clippy::too_many_arguments)]
pub async fn import_with(
    db: &sea_orm::DatabaseConnection,
    text: &str,
    source_name: &str,
    calendars: std::sync::Arc<std::collections::BTreeMap<String, sla_clock::Calendar>>,
    checklists: &crate::app::inspections::Checklists,
    options: ImportOptions,
    user_id: Option<i64>,
    from: &crate::app::audit::ClientAddr,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<store::Plan, ImportError> {
    let invalid = |problems| ImportError::Invalid {
        source_name: source_name.to_owned(),
        problems,
    };
    if options.dry_run {
        let current = store::Current::load(db).await?;
        let mut cat = load_with(text, current.known(calendars, checklists, now), Default::default())
            .await
            .map_err(invalid)?;
        let hand = hand_set::reconcile(db, current.systems(), &mut cat, options.keep_hand_set).await?;
        let mut plan = current.plan(&cat);
        plan.hand_set = hand;
        return Ok(plan);
    }
    let txn = crate::db::begin_write(db)
        .await
        .map_err(|e| ImportError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    // Checked inside the write transaction, so the references it resolves cannot change before
    // the writes that rely on them.
    let current = store::Current::load(&txn).await?;
    let mut cat = load_with(text, current.known(calendars, checklists, now), Default::default())
        .await
        .map_err(invalid)?;
    let hand = hand_set::reconcile(&txn, current.systems(), &mut cat, options.keep_hand_set).await?;
    let mut plan = store::apply(&txn, &current, &cat, user_id, from, source_name, now).await?;
    if plan.is_noop() {
        txn.rollback().await?;
    } else {
        for h in &hand {
            let detail = serde_json::json!({
                "source": source_name, "field": h.field, "hand_set": h.hand_set, "file": h.file,
                "set_at": h.set_at, "set_by": h.set_by, "kept": h.kept,
            });
            let target = format!("system:{}", h.system);
            crate::app::audit::record(&txn, user_id, "catalog.hand_set", &target, detail, from, now).await?;
        }
        txn.commit().await?;
    }
    plan.hand_set = hand;
    Ok(plan)
}

/// Checks a code: 1–64 letters, digits, '-' or '_'.
pub fn check_code(code: &str) -> AppResult<String> {
    let c = code.trim();
    if !is_valid_code(c) {
        return Err(AppError::invalid(
            "code",
            format!("{code:?} must be 1 to 64 ASCII letters, digits, '-' or '_'"),
        ));
    }
    Ok(c.to_owned())
}

/// Checks a name: 1–200 characters once trimmed.
pub fn check_name(name: &str) -> AppResult<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 {
        return Err(AppError::invalid("name", "must be 1 to 200 characters"));
    }
    Ok(n.to_owned())
}

/// Maps a unique-key violation to [`AppError::Duplicate`] naming the code.
pub fn duplicate(what: &str, code: &str) -> impl FnOnce(DbErr) -> AppError {
    let msg = format!("a {what} with code {code:?} already exists");
    move |e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Duplicate(msg),
        _ => e.into(),
    }
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Entries created.
    pub created: usize,
    /// Entries changed.
    pub changed: usize,
    /// Entries already as in the file.
    pub unchanged: usize,
    /// The details.
    pub plan: store::Plan,
}

/// Imports a catalogue file an admin uploaded (`source` names them), or on a dry run reports
/// what it would do; an invalid file lists every problem and writes nothing.
pub async fn upload(
    ctx: &crate::app::Context,
    p: &crate::app::auth::Principal,
    from: &crate::app::audit::ClientAddr,
    text: &str,
    options: ImportOptions,
) -> AppResult<ImportReport> {
    crate::app::permissions::check(p, crate::app::permissions::Action::CatalogFile)?;
    let source = format!("upload by {}", p.username);
    let plan = import_with(
        &ctx.db,
        text,
        &source,
        ctx.calendars.snapshot(),
        &ctx.checklists,
        options,
        Some(p.user_id),
        from,
        ctx.now(),
    )
    .await
    .map_err(|e| match e {
        ImportError::Invalid { problems, .. } => AppError::InvalidFile {
            detail: format!(
                "the catalogue file has {} problem(s); nothing was imported. First: {}",
                problems.len(),
                problems.first().map(ToString::to_string).unwrap_or_default()
            ),
            problems,
        },
        ImportError::Db(e) => AppError::from(e),
    })?;
    Ok(ImportReport {
        dry_run: options.dry_run,
        created: plan.count(store::Action::Create),
        changed: plan.count(store::Action::Change),
        unchanged: plan.count(store::Action::Unchanged),
        plan,
    })
}

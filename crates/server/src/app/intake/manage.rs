//! What admins do with intake, whichever door they come through: the mapping rules (read,
//! replace, try), the intake sources (list, add, revoke) and the alerts received, with the
//! triage queue (open a ticket for an alert no rule mapped, or dismiss it). Every write is one
//! transaction with its audit entry.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseTransaction, EntityTrait, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::rules::{Mapped, RuleSet};
use super::store::{self, AlertView, StoredRules};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::tickets::views::TicketView;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{alerts, intake_sources};

// ---- rules ---------------------------------------------------------------------------------------

/// The mapping rules and where they come from (admins).
pub async fn get_rules(ctx: &Context, p: &Principal) -> AppResult<StoredRules> {
    permissions::check(p, Action::IntakeManage)?;
    store::stored(&ctx.db).await
}

/// Replaces the mapping rules with `set` (admins). Every problem is reported at once; nothing
/// changes unless all rules check. Refused (a conflict) while `[intake] rules_file` manages them.
pub async fn put_rules(ctx: &Context, p: &Principal, from: &ClientAddr, set: RuleSet) -> AppResult<StoredRules> {
    permissions::check(p, Action::IntakeManage)?;
    if let Err(problems) = set.compile() {
        return Err(AppError::Invalid {
            field: Some("rules".into()),
            detail: problems.join("; "),
        });
    }
    let txn = ctx.begin_write().await?;
    let current = store::stored(&txn).await?;
    if let Some(file) = current.file {
        return Err(AppError::Conflict(format!(
            "the rules are managed by the configuration's [intake] rules_file ({file}); edit that file"
        )));
    }
    let doc = StoredRules { file: None, rules: set };
    let now = ctx.now();
    store::save(&txn, &doc, Some(p.user_id), now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "intake.rules",
        store::RULES_KEY,
        serde_json::json!({"rules": doc.rules.rules.len()}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(doc)
}

/// Labels to try the rules on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleTest {
    /// The source's code [default: none, so rules limited to sources do not apply].
    #[serde(default)]
    pub source: String,
    /// The alert's labels.
    pub labels: BTreeMap<String, String>,
}

/// What the rules make of some labels.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleTestResult {
    /// The rule that maps them.
    pub rule: Option<String>,
    /// The system's code.
    pub system: Option<String>,
    /// The severity.
    pub severity: Option<String>,
    /// Whether the ticket would resolve with the alert.
    pub auto_resolve: bool,
    /// Why the alert would go to triage.
    pub triage: Option<String>,
}

/// What the stored rules make of `t`'s labels, without opening anything (admins).
pub async fn test_rules(ctx: &Context, p: &Principal, t: RuleTest) -> AppResult<RuleTestResult> {
    permissions::check(p, Action::IntakeManage)?;
    let rules = store::rules(&ctx.db).await?;
    Ok(match rules.map(&t.source, &t.labels) {
        Mapped::To(m) => RuleTestResult {
            rule: Some(m.rule),
            system: Some(m.system),
            severity: Some(m.severity.key().to_owned()),
            auto_resolve: m.auto_resolve,
            triage: None,
        },
        Mapped::Triage(reason) => RuleTestResult {
            rule: None,
            system: None,
            severity: None,
            auto_resolve: false,
            triage: Some(reason),
        },
    })
}

// ---- sources -------------------------------------------------------------------------------------

/// An intake source.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceView {
    /// Its code.
    pub code: String,
    /// alertmanager or generic.
    pub kind: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last sent something accepted.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<intake_sources::Model> for SourceView {
    fn from(s: intake_sources::Model) -> Self {
        SourceView {
            code: s.code,
            kind: s.kind,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            revoked_at: s.revoked_at,
        }
    }
}

/// The intake sources, by code (admins).
pub async fn list_sources(ctx: &Context, p: &Principal) -> AppResult<Vec<SourceView>> {
    permissions::check(p, Action::IntakeManage)?;
    let rows = intake_sources::Entity::find()
        .order_by_asc(intake_sources::Column::Code)
        .all(&ctx.db)
        .await?;
    Ok(rows.into_iter().map(SourceView::from).collect())
}

/// A new intake source.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSource {
    /// Its code (1 to 64 ASCII letters, digits, '-' or '_').
    pub code: String,
    /// alertmanager (bearer token) or generic (HMAC secret).
    pub kind: String,
}

/// A source just added, with its credential (shown this once).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedSource {
    /// The source.
    pub source: SourceView,
    /// The bearer token (alertmanager) or the HMAC secret (generic).
    pub credential: String,
}

/// Adds an intake source (admins); the answer carries its credential, which is not shown again.
pub async fn create_source(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    body: NewSource,
) -> AppResult<CreatedSource> {
    permissions::check(p, Action::IntakeManage)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let (row, credential) = store::add_source(&txn, &body.code, &body.kind, now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "intake.source.add",
        &row.code,
        serde_json::json!({"kind": row.kind}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(CreatedSource {
        source: row.into(),
        credential,
    })
}

/// Revokes intake source `code` (admins): its token or secret stops working; its alerts stay.
pub async fn revoke_source(ctx: &Context, p: &Principal, from: &ClientAddr, code: &str) -> AppResult<()> {
    permissions::check(p, Action::IntakeManage)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    if !store::revoke_source(&txn, code, now).await? {
        return Err(AppError::NotFound(format!("no live intake source {code:?}")));
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "intake.source.revoke",
        code,
        serde_json::json!({}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

// ---- alerts and triage ---------------------------------------------------------------------------

/// Which alerts to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// Only those waiting in triage [default false].
    #[serde(default)]
    pub triage: bool,
    /// Only those of this ticket.
    pub ticket: Option<String>,
    /// At most this many [default 100, at most 1000].
    pub limit: Option<u64>,
}

/// Alerts received, newest first; with `triage`, the triage queue (admins).
pub async fn list_alerts(ctx: &Context, p: &Principal, q: AlertQuery) -> AppResult<Vec<AlertView>> {
    permissions::check(p, Action::IntakeTriage)?;
    let ticket = match &q.ticket {
        Some(number) => Some(
            crate::app::tickets::load(&ctx.db, number)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("no ticket {number}")))?
                .row
                .id,
        ),
        None => None,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(store::list_alerts(&ctx.db, q.triage, ticket, limit).await?)
}

/// How to open a ticket for an alert in triage.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageOpen {
    /// The system's code.
    pub system: String,
    /// The severity.
    pub severity: String,
    /// The title [default: from the alert].
    pub title: Option<String>,
}

/// Opens an `alarm` ticket for alert `id`, waiting in triage (admins): its clocks start when the
/// alert started, as if a rule had mapped it.
pub async fn open_alert(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: i64,
    body: TriageOpen,
) -> AppResult<TicketView> {
    permissions::check(p, Action::IntakeTriage)?;
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let row = waiting(&txn, id).await?;
    let system = crate::app::scope::system_in_scope(&txn, p, &body.system).await?;
    let opening = super::alarm::Opening {
        severity: body.severity,
        reason: format!("triaged by {}", p.username),
        title: body.title,
        note: Some(format!("(triaged from alert {})", row.id)),
        reporter: Some(p.user_id),
        received_at: row.first_seen_at,
    };
    let (ticket, allowed) =
        super::alarm::open_alarm(&txn, ctx, &super::Alert::from(&row), system, opening, now, from).await?;
    store::triaged(&txn, row, Some(ticket.id), p.user_id, now).await?;
    txn.commit().await?;
    let allowed = crate::app::tickets::views::allowed_of(&allowed);
    crate::app::tickets::views::view(&ctx.db, ctx, ticket, now, allowed, None).await
}

/// Dismisses alert `id`, waiting in triage (admins): it stays recorded, out of the queue.
pub async fn dismiss_alert(ctx: &Context, p: &Principal, from: &ClientAddr, id: i64) -> AppResult<()> {
    permissions::check(p, Action::IntakeTriage)?;
    let txn = ctx.begin_write().await?;
    let row = waiting(&txn, id).await?;
    let fingerprint = row.fingerprint.clone();
    let now = ctx.now();
    store::triaged(&txn, row, None, p.user_id, now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "intake.alert.dismiss",
        &fingerprint,
        serde_json::json!({"alert": id}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Alert `id`, if it waits in triage; its fingerprint is locked for the rest of `txn`, so a
/// notification of the same alert arriving now cannot map it at the same time.
async fn waiting(txn: &DatabaseTransaction, id: i64) -> AppResult<alerts::Model> {
    let found = store::alert(txn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no alert {id}")))?;
    super::lock_fingerprint(txn, found.source_id, &found.fingerprint).await?;
    let row = store::alert(txn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no alert {id}")))?;
    if row.ticket_id.is_some() || row.triage_outcome.is_some() {
        return Err(AppError::Conflict(format!("alert {id} is not waiting in triage")));
    }
    Ok(row)
}

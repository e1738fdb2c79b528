//! Alert intake over HTTP: the Alertmanager webhook, the signed generic intake, and for admins
//! the sources, the mapping rules and the triage queue (see [`crate::app::intake`]).

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, parse_json};
use crate::app::AppError;
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::intake::rules::{Mapped, RuleSet};
use crate::app::intake::store::{self, AlertView, StoredRules};
use crate::app::intake::{Received, alertmanager, generic};
use crate::app::tickets::views::TicketView;
use crate::http::AppState;

/// Largest intake body, in bytes: an Alertmanager group can hold many alerts.
pub const INTAKE_LIMIT: usize = 1024 * 1024;

/// What became of each alert of a notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeReport {
    /// One entry per alert, in order.
    pub received: Vec<Received>,
}

/// Takes in an Alertmanager notification (webhook payload version 4). Authenticated by an
/// intake source's bearer token (`Authorization: Bearer oci_…` — Alertmanager's
/// `http_config.authorization.credentials`).
#[utoipa::path(post, path = "/intake/alertmanager", tag = "intake", request_body = alertmanager::Notification,
    responses((status = 200, body = IntakeReport), (status = 401, body = super::problem::Problem), (status = 422, body = super::problem::Problem)))]
pub async fn alertmanager_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    from: ClientAddr,
    body: Bytes,
) -> ApiResult<Json<IntakeReport>> {
    let token = crate::http::extract::bearer(&headers).ok_or_else(|| {
        AppError::Unauthorized("send the intake source's token as Authorization: Bearer oci_…".into())
    })?;
    let source = store::source_by_token(&state.db, token)
        .await?
        .ok_or_else(|| AppError::Unauthorized("unknown or revoked intake token".into()))?;
    let notification: alertmanager::Notification = parse_json(&body)?;
    let alerts = notification.into_alerts()?;
    let received = crate::app::intake::receive_all(&state, &source, alerts, &from).await?;
    Ok(Json(IntakeReport { received }))
}

/// Takes in alerts from another monitor, signed: `X-Opsclock-Timestamp` (Unix seconds) and
/// `X-Opsclock-Signature: sha256=HMAC-SHA256(secret, "TIMESTAMP.BODY")`. Requests more than
/// 5 minutes from the server's clock are refused.
#[utoipa::path(post, path = "/intake/generic/{source}", tag = "intake", request_body = generic::Batch,
    params(("source" = String, Path, description = "the intake source's code")),
    responses((status = 200, body = IntakeReport), (status = 401, body = super::problem::Problem), (status = 422, body = super::problem::Problem)))]
pub async fn generic_webhook(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    from: ClientAddr,
    body: Bytes,
) -> ApiResult<Json<IntakeReport>> {
    let source = store::generic_source(&state.db, &code).await?;
    let secret = source.as_ref().and_then(|s| s.secret.as_deref());
    // An unknown source answers as a bad signature does, so codes cannot be probed.
    let Some((source, secret)) = source.as_ref().zip(secret) else {
        return Err(AppError::Unauthorized(generic::BAD_SIGNATURE.into()).into());
    };

    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    generic::check(
        secret,
        text("x-opsclock-timestamp"),
        text("x-opsclock-signature"),
        &body,
        state.now(),
    )?;
    let batch: generic::Batch = parse_json(&body)?;
    let alerts = batch.into_alerts()?;
    let received = crate::app::intake::receive_all(&state, source, alerts, &from).await?;
    Ok(Json(IntakeReport { received }))
}

/// The mapping rules and where they come from (admins).
#[utoipa::path(get, path = "/intake/rules", tag = "intake",
    responses((status = 200, body = StoredRules), (status = 403, body = super::problem::Problem)))]
pub async fn get_rules(State(state): State<AppState>, p: Principal) -> ApiResult<Json<StoredRules>> {
    p.require_admin()?;
    Ok(Json(store::stored(&state.db).await?))
}

/// Replaces the mapping rules (admins). Every problem is reported at once; nothing changes
/// unless all rules check. Refused (409) while `[intake] rules_file` manages them.
#[utoipa::path(put, path = "/intake/rules", tag = "intake", request_body = RuleSet,
    responses((status = 200, body = StoredRules), (status = 409, body = super::problem::Problem), (status = 422, body = super::problem::Problem)))]
pub async fn put_rules(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(set): ApiJson<RuleSet>,
) -> ApiResult<Json<StoredRules>> {
    p.require_admin()?;
    if let Err(problems) = set.compile() {
        return Err(AppError::Invalid {
            field: Some("rules".into()),
            detail: problems.join("; "),
        }
        .into());
    }
    let txn = state.begin_write().await?;
    let current = store::stored(&txn).await?;
    if let Some(file) = current.file {
        return Err(AppError::Conflict(format!(
            "the rules are managed by the configuration's [intake] rules_file ({file}); edit that file"
        ))
        .into());
    }
    let doc = StoredRules { file: None, rules: set };
    let now = state.now();
    store::save(&txn, &doc, Some(p.user_id), now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "intake.rules",
        store::RULES_KEY,
        serde_json::json!({"rules": doc.rules.rules.len()}),
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Json(doc))
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

/// Tries the stored rules on `labels` without opening anything (admins).
#[utoipa::path(post, path = "/intake/rules/test", tag = "intake", request_body = RuleTest,
    responses((status = 200, body = RuleTestResult)))]
pub async fn test_rules(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(t): ApiJson<RuleTest>,
) -> ApiResult<Json<RuleTestResult>> {
    p.require_admin()?;
    let rules = store::rules(&state.db).await?;
    Ok(Json(match rules.map(&t.source, &t.labels) {
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
    }))
}

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

impl From<crate::db::entities::intake_sources::Model> for SourceView {
    fn from(s: crate::db::entities::intake_sources::Model) -> Self {
        SourceView {
            code: s.code,
            kind: s.kind,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            revoked_at: s.revoked_at,
        }
    }
}

/// The intake sources (admins).
#[utoipa::path(get, path = "/intake/sources", tag = "intake", responses((status = 200, body = Vec<SourceView>)))]
pub async fn list_sources(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<SourceView>>> {
    use sea_orm::{EntityTrait, QueryOrder};
    p.require_admin()?;
    let rows = crate::db::entities::intake_sources::Entity::find()
        .order_by_asc(crate::db::entities::intake_sources::Column::Code)
        .all(&state.db)
        .await?;
    Ok(Json(rows.into_iter().map(SourceView::from).collect()))
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
#[utoipa::path(post, path = "/intake/sources", tag = "intake", request_body = NewSource,
    responses((status = 201, body = CreatedSource), (status = 409, body = super::problem::Problem), (status = 422, body = super::problem::Problem)))]
pub async fn create_source(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<NewSource>,
) -> ApiResult<(StatusCode, Json<CreatedSource>)> {
    p.require_admin()?;
    let txn = state.begin_write().await?;
    let now = state.now();
    let (row, credential) = store::add_source(&txn, &body.code, &body.kind, now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "intake.source.add",
        &row.code,
        serde_json::json!({"kind": row.kind}),
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedSource {
            source: row.into(),
            credential,
        }),
    ))
}

/// Revokes an intake source (admins): its token or secret stops working; its alerts stay.
#[utoipa::path(delete, path = "/intake/sources/{code}", tag = "intake", params(("code" = String, Path)),
    responses((status = 204), (status = 404, body = super::problem::Problem)))]
pub async fn revoke_source(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<StatusCode> {
    p.require_admin()?;
    let txn = state.begin_write().await?;
    let now = state.now();
    if !store::revoke_source(&txn, &code, now).await? {
        return Err(AppError::NotFound(format!("no live intake source {code:?}")).into());
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "intake.source.revoke",
        &code,
        serde_json::json!({}),
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

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

/// Alerts received, newest first; `triage=true` is the triage queue (admins).
#[utoipa::path(get, path = "/intake/alerts", tag = "intake", params(AlertQuery),
    responses((status = 200, body = Vec<AlertView>)))]
pub async fn list_alerts(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> ApiResult<Json<Vec<AlertView>>> {
    p.require_admin()?;
    let ticket = match &q.ticket {
        Some(number) => Some(
            crate::app::tickets::load(&state.db, number)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("no ticket {number}")))?
                .row
                .id,
        ),
        None => None,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(store::list_alerts(&state.db, q.triage, ticket, limit).await?))
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

/// Opens an `alarm` ticket for an alert waiting in triage (admins): its clocks start when the
/// alert started, as if a rule had mapped it.
#[utoipa::path(post, path = "/intake/alerts/{id}/open", tag = "intake", params(("id" = i64, Path)), request_body = TriageOpen,
    responses((status = 201, body = TicketView), (status = 404, body = super::problem::Problem), (status = 409, body = super::problem::Problem)))]
pub async fn open_alert(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TriageOpen>,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    p.require_admin()?;
    let now = state.now();
    let txn = state.begin_write().await?;
    let row = waiting(&txn, id).await?;
    let system = crate::app::scope::system_in_scope(&txn, &p, &body.system).await?;
    let opening = crate::app::intake::Opening {
        severity: body.severity,
        reason: format!("triaged by {}", p.username),
        title: body.title,
        note: Some(format!("(triaged from alert {})", row.id)),
        reporter: Some(p.user_id),
        received_at: row.first_seen_at,
    };
    let (ticket, allowed) = crate::app::intake::open_alarm(
        &txn,
        &state,
        &crate::app::intake::Alert::from(&row),
        system,
        opening,
        now,
        &from,
    )
    .await?;
    store::triaged(&txn, row, Some(ticket.id), p.user_id, now).await?;
    txn.commit().await?;
    let allowed = crate::app::tickets::views::allowed_of(&allowed);
    Ok((
        StatusCode::CREATED,
        Json(crate::app::tickets::views::view(&state.db, &state, ticket, now, allowed, None).await?),
    ))
}

/// Dismisses an alert waiting in triage (admins): it stays recorded, out of the queue.
#[utoipa::path(post, path = "/intake/alerts/{id}/dismiss", tag = "intake", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::problem::Problem), (status = 409, body = super::problem::Problem)))]
pub async fn dismiss_alert(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    p.require_admin()?;
    let txn = state.begin_write().await?;
    let row = waiting(&txn, id).await?;
    let fingerprint = row.fingerprint.clone();
    let now = state.now();
    store::triaged(&txn, row, None, p.user_id, now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "intake.alert.dismiss",
        &fingerprint,
        serde_json::json!({"alert": id}),
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Alert `id`, if it waits in triage; its fingerprint is locked for the rest of `txn`, so a
/// notification of the same alert arriving now cannot map it at the same time.
async fn waiting(txn: &sea_orm::DatabaseTransaction, id: i64) -> ApiResult<crate::db::entities::alerts::Model> {
    let found = store::alert(txn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no alert {id}")))?;
    crate::app::intake::lock_fingerprint(txn, found.source_id, &found.fingerprint).await?;
    let row = store::alert(txn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no alert {id}")))?;
    if row.ticket_id.is_some() || row.triage_outcome.is_some() {
        return Err(AppError::Conflict(format!("alert {id} is not waiting in triage")).into());
    }
    Ok(row)
}

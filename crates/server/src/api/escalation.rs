//! Escalation over HTTP: ladders (`/ladders`) and the mail outbox (`/outbox`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sla_clock::Ladder;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::escalation::ladders::{self, Scope, SetError};
use crate::mail::outbox::{self, OutboxDetail, OutboxView, STATUSES};

/// A ladder as JSON: its steps in order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LadderDoc {
    /// The steps.
    pub steps: Vec<StepDoc>,
}

/// One step of a ladder.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    /// A name unique in the ladder, part of each email's identity: keep it stable.
    #[schema(example = "warning")]
    pub id: String,
    /// `"50%"` (share of the budget), `"breach"`, or `"every 30m after breach, 8 times"`.
    #[schema(example = "80%")]
    pub when: String,
    /// Roles (`assignee`, `on_duty`, `vendor_manager`, `unit_head`, `buyer_ops_lead`) and/or addresses.
    #[schema(example = json!(["assignee", "vendor_manager"]))]
    pub notify: Vec<String>,
}

impl LadderDoc {
    fn of(ladder: &Ladder) -> LadderDoc {
        LadderDoc {
            steps: ladder
                .steps()
                .iter()
                .map(|s| StepDoc {
                    id: s.id.clone(),
                    when: s.when.to_string(),
                    notify: s.notify.iter().map(ToString::to_string).collect(),
                })
                .collect(),
        }
    }

    fn ladder(&self) -> Result<Ladder, ApiError> {
        let value = serde_json::to_value(self).map_err(|e| ApiError::Internal(e.into()))?;
        serde_json::from_value(value).map_err(|e| ApiError::Invalid {
            field: Some("steps".into()),
            detail: e.to_string(),
        })
    }
}

/// A stored ladder.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredLadder {
    /// `default`, a policy code, or `policy-code:severity`.
    pub scope: String,
    /// The ladder.
    pub ladder: LadderDoc,
    /// When it was set.
    pub updated_at: DateTime<Utc>,
}

/// Every stored ladder, and the built-in default.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ladders {
    /// Stored ladders by scope. A ticket uses the ladder of `policy:severity`, else `policy`, else
    /// `default`, else `builtin_default`.
    pub stored: Vec<StoredLadder>,
    /// The ladder used when none is stored.
    pub builtin_default: LadderDoc,
}

fn scope(text: &str) -> Result<Scope, ApiError> {
    text.parse().map_err(|detail| ApiError::Invalid {
        field: Some("scope".into()),
        detail,
    })
}

/// Lists the stored escalation ladders and the built-in default.
#[utoipa::path(get, path = "/ladders", tag = "escalation", responses((status = 200, body = Ladders)))]
pub async fn list_ladders(State(state): State<AppState>, _p: Principal) -> ApiResult<Json<Ladders>> {
    let stored = ladders::list(&state.db)
        .await?
        .into_iter()
        .map(|(scope, ladder, updated_at)| StoredLadder {
            scope,
            ladder: LadderDoc::of(&ladder),
            updated_at,
        })
        .collect();
    Ok(Json(Ladders {
        stored,
        builtin_default: LadderDoc::of(&Ladder::default_ladder()),
    }))
}

/// Sets the ladder of a scope (admins): `default`, a policy code, or `policy-code:severity`.
/// Open tickets under it are re-evaluated at the next sweep; steps already sent are not sent again.
#[utoipa::path(put, path = "/ladders/{scope}", tag = "escalation", params(("scope" = String, Path)),
    request_body = LadderDoc, responses((status = 200, body = StoredLadder), (status = 422, body = super::problem::Problem)))]
pub async fn put_ladder(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(text): ApiPath<String>,
    ApiJson(doc): ApiJson<LadderDoc>,
) -> ApiResult<Json<StoredLadder>> {
    p.require_admin()?;
    let scope = scope(&text)?;
    let ladder = doc.ladder()?;
    let now = state.now();
    let txn = state.begin_write().await?;
    let changed = ladders::set(&txn, &scope, Some(&ladder), now)
        .await
        .map_err(set_error)?;
    if changed {
        let detail = serde_json::json!({ "ladder": ladder });
        audit::record(
            &txn,
            Some(p.user_id),
            "ladder.set",
            &scope.to_string(),
            detail,
            &from,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Json(StoredLadder {
        scope: scope.to_string(),
        ladder: LadderDoc::of(&ladder),
        updated_at: now,
    }))
}

/// Removes the ladder of a scope (admins), so that the next in line applies.
#[utoipa::path(delete, path = "/ladders/{scope}", tag = "escalation", params(("scope" = String, Path)),
    responses((status = 204), (status = 404, body = super::problem::Problem)))]
pub async fn delete_ladder(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(text): ApiPath<String>,
) -> ApiResult<StatusCode> {
    p.require_admin()?;
    let scope = scope(&text)?;
    let txn = state.begin_write().await?;
    let now = state.now();
    if !ladders::set(&txn, &scope, None, now).await.map_err(set_error)? {
        return Err(ApiError::NotFound(format!("no ladder is stored for {scope}")));
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "ladder.remove",
        &scope.to_string(),
        serde_json::json!({}),
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

fn set_error(e: SetError) -> ApiError {
    match e {
        SetError::NoPolicy(code) => ApiError::Invalid {
            field: Some("scope".into()),
            detail: format!("no policy with code {code:?}"),
        },
        SetError::Db(e) => e.into(),
    }
}

/// Filters of the outbox list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: Option<String>,
    /// At most this many, newest first [default 100, at most 1000].
    pub limit: Option<u64>,
}

/// The outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxList {
    /// How many messages have each status.
    pub counts: std::collections::BTreeMap<String, i64>,
    /// The messages, newest first.
    pub messages: Vec<OutboxView>,
}

/// Lists outbox messages (admins).
#[utoipa::path(get, path = "/outbox", tag = "escalation", params(OutboxQuery),
    responses((status = 200, body = OutboxList)))]
pub async fn list_outbox(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> ApiResult<Json<OutboxList>> {
    p.require_admin()?;
    if let Some(s) = q.status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return Err(ApiError::Invalid {
            field: Some("status".into()),
            detail: format!("{s:?} is not a status; expected one of: {}", STATUSES.join(", ")),
        });
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(OutboxList {
        counts: outbox::counts(&state.db).await?.into_iter().collect(),
        messages: outbox::list(&state.db, q.status.as_deref(), limit).await?,
    }))
}

/// One outbox message with every delivery attempt (admins).
#[utoipa::path(get, path = "/outbox/{id}", tag = "escalation", params(("id" = i64, Path)),
    responses((status = 200, body = OutboxDetail), (status = 404, body = super::problem::Problem)))]
pub async fn get_outbox(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OutboxDetail>> {
    p.require_admin()?;
    outbox::get(&state.db, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no outbox message {id}")))
}

/// Sends a failed message again with a fresh set of attempts (admins).
#[utoipa::path(post, path = "/outbox/{id}/retry", tag = "escalation", params(("id" = i64, Path)),
    responses((status = 200, body = OutboxDetail), (status = 404, body = super::problem::Problem),
        (status = 422, body = super::problem::Problem)))]
pub async fn retry_outbox(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OutboxDetail>> {
    p.require_admin()?;
    let txn = state.begin_write().await?;
    let now = state.now();
    let Some(current) = outbox::get(&txn, id).await? else {
        return Err(ApiError::NotFound(format!("no outbox message {id}")));
    };
    if outbox::retry(&txn, &state.calendars.snapshot(), Some(&[id]), now).await? == 0 {
        return Err(ApiError::Invalid {
            field: None,
            detail: format!(
                "message {id} is {}; only failed messages are retried",
                current.message.status
            ),
        });
    }
    let detail = serde_json::json!({ "ids": [id], "key": current.message.key });
    audit::record(&txn, Some(p.user_id), "outbox.retry", "outbox", detail, &from, now).await?;
    let after = outbox::get(&txn, id).await?;
    txn.commit().await?;
    after
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no outbox message {id}")))
}

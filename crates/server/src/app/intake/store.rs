//! What the intake keeps: its sources, its rules (the `intake.rules` setting) and its alerts.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules::{RuleSet, Rules};
use crate::app::auth::secret::{new_secret, secret_hash};
use crate::app::{AppError, AppResult};
use crate::db::entities::{alerts, intake_sources, settings, tickets};

/// The setting the rules are kept under.
pub const RULES_KEY: &str = "intake.rules";

/// The rules as kept, with where they came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StoredRules {
    /// The configuration's `[intake] rules_file` they were loaded from; while set, the API does
    /// not change them.
    pub file: Option<String>,
    /// The rules.
    pub rules: RuleSet,
}

/// The rules as kept (none yet: an empty set).
pub async fn stored(db: &impl ConnectionTrait) -> AppResult<StoredRules> {
    match settings::Entity::find_by_id(RULES_KEY).one(db).await? {
        Some(row) => serde_json::from_value(row.value)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("setting {RULES_KEY} does not read: {e}"))),
        None => Ok(StoredRules::default()),
    }
}

/// The rules, ready to match.
pub async fn rules(db: &impl ConnectionTrait) -> AppResult<Rules> {
    stored(db).await?.rules.compile().map_err(|p| {
        AppError::Internal(anyhow::anyhow!(
            "the stored intake rules do not compile: {}",
            p.join("; ")
        ))
    })
}

/// Replaces the rules (checked by the caller).
pub async fn save(
    db: &impl ConnectionTrait,
    doc: &StoredRules,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let value = serde_json::to_value(doc).map_err(|e| DbErr::Custom(e.to_string()))?;
    crate::db::put_setting(db, RULES_KEY, value, by, now).await
}

/// At start: with `file`, loads it as the rules (refusing to start if it does not check); without,
/// lets the API manage the rules again if a file managed them before. Returns how many rules
/// are in force.
pub async fn load_at_start(
    db: &impl ConnectionTrait,
    file: Option<&Path>,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let current = stored(db).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let Some(file) = file else {
        if current.file.is_some() {
            save(
                db,
                &StoredRules {
                    file: None,
                    ..current.clone()
                },
                None,
                now,
            )
            .await?;
        }
        return Ok(current.rules.rules.len());
    };
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read [intake] rules_file {}", file.display()))?;
    let set: RuleSet =
        toml::from_str(&text).with_context(|| format!("[intake] rules_file {} is not valid", file.display()))?;
    if let Err(problems) = set.compile() {
        anyhow::bail!("[intake] rules_file {}:\n  {}", file.display(), problems.join("\n  "));
    }
    let doc = StoredRules {
        file: Some(file.display().to_string()),
        rules: set,
    };
    if doc != current {
        save(db, &doc, None, now).await?;
    }
    Ok(doc.rules.rules.len())
}

/// The kinds of intake source.
pub const SOURCE_KINDS: [&str; 2] = ["alertmanager", "generic"];

/// Adds a source; returns it and its credential (an Alertmanager's bearer token, a generic
/// source's HMAC secret), which is shown once.
pub async fn add_source(
    db: &impl ConnectionTrait,
    code: &str,
    kind: &str,
    now: DateTime<Utc>,
) -> AppResult<(intake_sources::Model, String)> {
    let code = crate::app::catalog::check_code(code)?;
    let code = code.as_str();
    if !SOURCE_KINDS.contains(&kind) {
        return Err(AppError::invalid(
            "kind",
            format!("{kind:?} is not a kind; expected one of: {}", SOURCE_KINDS.join(", ")),
        ));
    }
    if intake_sources::Entity::find()
        .filter(intake_sources::Column::Code.eq(code))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::Duplicate(format!("an intake source {code:?} exists")));
    }
    let (credential, token_hash, secret) = if kind == "alertmanager" {
        let token = new_secret("oci_");
        let hash = secret_hash(&token);
        (token, Some(hash), None)
    } else {
        let secret = new_secret("");
        (secret.clone(), None, Some(secret))
    };
    let row = intake_sources::ActiveModel {
        code: Set(code.to_owned()),
        kind: Set(kind.to_owned()),
        token_hash: Set(token_hash),
        secret: Set(secret),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, credential))
}

/// Revokes source `code`; returns whether it existed (and was not revoked yet).
pub async fn revoke_source(db: &impl ConnectionTrait, code: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let r = intake_sources::Entity::update_many()
        .col_expr(intake_sources::Column::RevokedAt, Expr::value(now))
        .filter(intake_sources::Column::Code.eq(code))
        .filter(intake_sources::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// The live Alertmanager source whose bearer token this is.
pub async fn source_by_token(db: &impl ConnectionTrait, token: &str) -> Result<Option<intake_sources::Model>, DbErr> {
    intake_sources::Entity::find()
        .filter(intake_sources::Column::TokenHash.eq(secret_hash(token)))
        .filter(intake_sources::Column::Kind.eq("alertmanager"))
        .filter(intake_sources::Column::RevokedAt.is_null())
        .one(db)
        .await
}

/// The live generic source `code`.
pub async fn generic_source(db: &impl ConnectionTrait, code: &str) -> Result<Option<intake_sources::Model>, DbErr> {
    intake_sources::Entity::find()
        .filter(intake_sources::Column::Code.eq(code))
        .filter(intake_sources::Column::Kind.eq("generic"))
        .filter(intake_sources::Column::RevokedAt.is_null())
        .one(db)
        .await
}

/// An alert as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    /// Id (for triage).
    pub id: i64,
    /// The source's code.
    pub source: String,
    /// The fingerprint.
    pub fingerprint: String,
    /// firing or resolved.
    pub status: String,
    /// The ticket it opened or joined.
    pub ticket: Option<String>,
    /// The rule that mapped it.
    pub rule: Option<String>,
    /// Labels.
    #[schema(value_type = Object)]
    pub labels: serde_json::Value,
    /// Annotations.
    #[schema(value_type = Object)]
    pub annotations: serde_json::Value,
    /// When it began.
    pub starts_at: DateTime<Utc>,
    /// When it ended.
    pub ends_at: Option<DateTime<Utc>>,
    /// Notifications received.
    pub notifications: i32,
    /// First received.
    pub first_seen_at: DateTime<Utc>,
    /// Last received.
    pub last_seen_at: DateTime<Utc>,
    /// Why it waits in triage.
    pub triage_reason: Option<String>,
    /// How triage ended: opened or dismissed.
    pub triage_outcome: Option<String>,
}

/// Alerts, newest first: `triage` only those waiting in triage; `ticket` only that ticket's.
pub async fn list_alerts(
    db: &impl ConnectionTrait,
    triage: bool,
    ticket: Option<i64>,
    limit: u64,
) -> Result<Vec<AlertView>, DbErr> {
    let mut q = alerts::Entity::find();
    if triage {
        q = q
            .filter(alerts::Column::TicketId.is_null())
            .filter(alerts::Column::TriageOutcome.is_null());
    }
    if let Some(t) = ticket {
        q = q.filter(alerts::Column::TicketId.eq(t));
    }
    let rows = q.order_by_desc(alerts::Column::Id).limit(limit).all(db).await?;
    views(db, rows).await
}

/// One alert.
pub async fn alert(db: &impl ConnectionTrait, id: i64) -> Result<Option<alerts::Model>, DbErr> {
    alerts::Entity::find_by_id(id).one(db).await
}

async fn views(db: &impl ConnectionTrait, rows: Vec<alerts::Model>) -> Result<Vec<AlertView>, DbErr> {
    let sources: std::collections::HashMap<i64, String> = intake_sources::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let ticket_ids: Vec<i64> = rows.iter().filter_map(|r| r.ticket_id).collect();
    let numbers: std::collections::HashMap<i64, String> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .column(tickets::Column::Number)
        .filter(tickets::Column::Id.is_in(ticket_ids))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| AlertView {
            id: r.id,
            source: sources.get(&r.source_id).cloned().unwrap_or_default(),
            fingerprint: r.fingerprint,
            status: r.status.to_string(),
            ticket: r.ticket_id.and_then(|t| numbers.get(&t).cloned()),
            rule: r.rule,
            labels: r.labels,
            annotations: r.annotations,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            notifications: r.notifications,
            first_seen_at: r.first_seen_at,
            last_seen_at: r.last_seen_at,
            triage_reason: r.triage_reason,
            triage_outcome: r.triage_outcome,
        })
        .collect())
}

/// Ends the triage of alert `id`: `ticket` it was opened as, or dismissed (`None`).
pub async fn triaged(
    db: &impl ConnectionTrait,
    row: alerts::Model,
    ticket: Option<i64>,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut am: alerts::ActiveModel = row.into();
    am.ticket_id = Set(ticket);
    am.triage_outcome = Set(Some(if ticket.is_some() { "opened" } else { "dismissed" }.to_owned()));
    am.triaged_by = Set(Some(by));
    am.triaged_at = Set(Some(now));
    am.update(db).await?;
    Ok(())
}

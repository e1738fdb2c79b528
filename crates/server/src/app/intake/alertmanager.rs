//! Prometheus Alertmanager's webhook payload (version 4), as its `webhook_config` posts it.
//!
//! ```json
//! {"version": "4", "status": "firing", "receiver": "opsclock", "groupKey": "{}:{alertname=\"Down\"}",
//!  "alerts": [{"status": "firing", "labels": {"alertname": "Down", "system": "jingban"},
//!              "annotations": {"summary": "…"}, "startsAt": "2026-11-24T01:50:00Z",
//!              "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus/…",
//!              "fingerprint": "a1b2c3d4e5f60718"}], …}
//! ```
//!
//! Each alert in the group is taken in separately; the group's own fields are not needed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Alert, IntakeReport};
use crate::app::audit::ClientAddr;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::intake_sources;

/// The notification.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Must be "4".
    pub version: String,
    /// firing or resolved (of the group).
    #[serde(default)]
    pub status: Option<String>,
    /// The receiver's name.
    #[serde(default)]
    pub receiver: Option<String>,
    /// The group's key.
    #[serde(default)]
    pub group_key: Option<String>,
    /// Alerts left out because of `max_alerts`.
    #[serde(default)]
    pub truncated_alerts: Option<u64>,
    /// The alerts.
    pub alerts: Vec<AmAlert>,
}

/// One alert of the notification.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AmAlert {
    /// firing or resolved.
    pub status: String,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// When it began firing.
    pub starts_at: DateTime<Utc>,
    /// When it ended (meaningful when resolved).
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    /// The rule's page in Prometheus.
    #[serde(default, rename = "generatorURL")]
    pub generator_url: Option<String>,
    /// The alert's identity; computed from the labels when missing.
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// The intake source whose bearer token is `token` (Alertmanager's
/// `http_config.authorization.credentials`): refused (401) without one, or with one unknown or
/// revoked.
pub async fn source(ctx: &Context, token: Option<&str>) -> AppResult<intake_sources::Model> {
    let token = token.ok_or_else(|| {
        AppError::Unauthorized("send the intake source's token as Authorization: Bearer oci_…".into())
    })?;
    super::store::source_by_token(&ctx.db, token)
        .await?
        .ok_or_else(|| AppError::Unauthorized("unknown or revoked intake token".into()))
}

/// Takes in `notification` from `source` (see [`super::receive_all`]).
pub async fn take(
    ctx: &Context,
    source: &intake_sources::Model,
    notification: Notification,
    from: &ClientAddr,
) -> AppResult<IntakeReport> {
    let alerts = notification.into_alerts()?;
    let received = super::receive_all(ctx, source, alerts, from).await?;
    Ok(IntakeReport { received })
}

impl Notification {
    /// The alerts, checked.
    pub fn into_alerts(self) -> Result<Vec<Alert>, AppError> {
        if self.version != "4" {
            return Err(AppError::invalid(
                "version",
                format!(
                    "version {:?} is not supported; Alertmanager sends version \"4\"",
                    self.version
                ),
            ));
        }
        if let Some(n) = self.truncated_alerts.filter(|n| *n > 0) {
            tracing::warn!(truncated = n, group = ?self.group_key, "Alertmanager left alerts out of a notification (max_alerts)");
        }
        self.alerts
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                Alert::parse(
                    i,
                    a.fingerprint,
                    &a.status,
                    a.labels,
                    a.annotations,
                    a.starts_at,
                    // Alertmanager writes the zero time for "not ended".
                    a.ends_at.filter(|t| t.timestamp() > 0),
                    a.generator_url,
                )
            })
            .collect()
    }
}

/// A fingerprint from the labels alone (sorted `name=value` lines, SHA-256, 16 hex digits), for
/// senders that give none.
pub fn fingerprint_of(labels: &BTreeMap<String, String>) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for (k, v) in labels {
        h.update(k.as_bytes());
        h.update(b"=");
        h.update(v.as_bytes());
        h.update(b"\n");
    }
    hex::encode(&h.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_alertmanager_sends() {
        let n: Notification = serde_json::from_str(
            r#"{"receiver":"opsclock","status":"resolved","alerts":[{"status":"resolved","labels":{"alertname":"Down","system":"jingban"},
            "annotations":{"summary":"node down"},"startsAt":"2026-11-24T01:50:00.123Z","endsAt":"2026-11-24T02:10:00Z",
            "generatorURL":"http://prom/graph","fingerprint":"5c2e9b3e0f4d1a77"},
            {"status":"firing","labels":{"alertname":"Up"},"annotations":{},"startsAt":"2026-11-24T01:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":""}],
            "groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","version":"4","groupKey":"{}","truncatedAlerts":0}"#,
        )
        .unwrap();
        let alerts = n.into_alerts().unwrap();
        assert_eq!(alerts[0].fingerprint, "5c2e9b3e0f4d1a77");
        assert!(!alerts[0].firing);
        assert_eq!(alerts[0].ends_at.unwrap().to_rfc3339(), "2026-11-24T02:10:00+00:00");
        assert_eq!(alerts[0].link.as_deref(), Some("http://prom/graph"));
        assert!(alerts[1].firing && alerts[1].ends_at.is_none() && alerts[1].link.is_none());
        assert_eq!(alerts[1].fingerprint, fingerprint_of(&alerts[1].labels));
        assert_eq!(alerts[1].fingerprint.len(), 16);
    }

    #[test]
    fn other_versions_and_statuses_are_refused() {
        let n: Notification = serde_json::from_str(r#"{"version":"3","alerts":[]}"#).unwrap();
        assert!(n.into_alerts().unwrap_err().to_string().contains("version \"3\""));
        let n: Notification = serde_json::from_str(
            r#"{"version":"4","alerts":[{"status":"pending","startsAt":"2026-11-24T01:00:00Z"}]}"#,
        )
        .unwrap();
        assert!(n.into_alerts().unwrap_err().to_string().contains("alerts[0].status"));
    }
}

//! The generic intake for monitors other than Alertmanager (Zabbix media scripts, Nagios
//! handlers, in-house checks): JSON signed with HMAC-SHA256.
//!
//! `POST /api/v1/intake/generic/{source}` with
//!
//! - `X-Opsclock-Timestamp`: the Unix time in seconds when the request was made;
//! - `X-Opsclock-Signature`: `sha256=` and the hex HMAC-SHA256, under the source's secret, of
//!   `TIMESTAMP.BODY` (see [`crate::app::auth::hmac`]);
//! - a body like
//!
//! ```json
//! {"alerts": [{"id": "zbx-10422", "status": "firing", "labels": {"system": "jingban", "severity": "critical",
//!   "alertname": "Disk full"}, "annotations": {"summary": "/data 98 %"}, "starts_at": "2026-11-24T01:50:00Z"}]}
//! ```
//!
//! A request whose timestamp is more than five minutes from the server's clock is refused, so a
//! captured request cannot be replayed later; within those five minutes a replay is harmless,
//! since the same alert again only counts as a repeated notification.
//!
//! ```sh
//! ts=$(date +%s); body='{"alerts":[…]}'
//! sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
//! curl -H "X-Opsclock-Timestamp: $ts" -H "X-Opsclock-Signature: sha256=$sig" \
//!      -H 'Content-Type: application/json' -d "$body" http://opsclock/api/v1/intake/generic/zabbix
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Alert, IntakeReport};
use crate::app::audit::ClientAddr;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::intake_sources;

/// How far a request's timestamp may be from the server's clock.
pub const MAX_SKEW_SECS: u64 = 300;

/// The answer to a signature that does not check (or a source that does not exist).
pub const BAD_SIGNATURE: &str = "the signature does not match the body and timestamp";

/// The body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// The alerts.
    pub alerts: Vec<GenericAlert>,
}

/// One alert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenericAlert {
    /// The monitor's identity of the alert [default: from the labels].
    pub id: Option<String>,
    /// firing or resolved.
    pub status: String,
    /// Labels (the mapping rules read them).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations (`summary`, `description`).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// When it began.
    pub starts_at: DateTime<Utc>,
    /// When it ended (resolved).
    pub ends_at: Option<DateTime<Utc>>,
    /// Where the monitor shows it.
    pub url: Option<String>,
}

impl Batch {
    /// The alerts, checked.
    pub fn into_alerts(self) -> Result<Vec<Alert>, AppError> {
        self.alerts
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                Alert::parse(
                    i,
                    a.id,
                    &a.status,
                    a.labels,
                    a.annotations,
                    a.starts_at,
                    a.ends_at,
                    a.url,
                )
            })
            .collect()
    }
}

/// Generic source `code`, if `signature` signs `timestamp` and `body` under its secret and the
/// timestamp is fresh (see [`check`]). An unknown source answers as a bad signature does, so
/// codes cannot be probed.
pub async fn source(
    ctx: &Context,
    code: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> AppResult<intake_sources::Model> {
    let source = super::store::generic_source(&ctx.db, code).await?;
    let Some((source, secret)) = source.and_then(|s| s.secret.clone().map(|secret| (s, secret))) else {
        return Err(AppError::Unauthorized(BAD_SIGNATURE.into()));
    };
    check(&secret, timestamp, signature, body, ctx.now())?;
    Ok(source)
}

/// Whether generic source `code` exists and `timestamp` is fresh: what can be checked before the
/// body is read (the signature covers it). Refused as [`source`] refuses, so codes cannot be
/// probed.
pub async fn known_and_fresh(ctx: &Context, code: &str, timestamp: Option<&str>) -> AppResult<()> {
    let source = super::store::generic_source(&ctx.db, code).await?;
    if source.and_then(|s| s.secret).is_none() {
        return Err(AppError::Unauthorized(BAD_SIGNATURE.into()));
    }
    fresh(timestamp, ctx.now()).map(|_| ())
}

/// Takes in `batch` from `source` (see [`super::receive_all`]).
pub async fn take(
    ctx: &Context,
    source: &intake_sources::Model,
    batch: Batch,
    from: &ClientAddr,
) -> AppResult<IntakeReport> {
    let alerts = batch.into_alerts()?;
    let received = super::receive_all(ctx, source, alerts, from).await?;
    Ok(IntakeReport { received })
}

/// Checks a request's timestamp and signature against `secret` at `now`.
pub fn check(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let ts = fresh(timestamp, now)?;
    let Some(signature) = signature else {
        return Err(AppError::Unauthorized("X-Opsclock-Signature is missing".into()));
    };
    if !crate::app::auth::hmac::verify(secret, ts, body, signature) {
        return Err(AppError::Unauthorized(BAD_SIGNATURE.into()));
    }
    Ok(())
}

/// The request's timestamp, if it is Unix seconds within [`MAX_SKEW_SECS`] of `now`.
fn fresh(timestamp: Option<&str>, now: DateTime<Utc>) -> Result<i64, AppError> {
    let unauthorized = |m: String| Err(AppError::Unauthorized(m));
    let Some(ts) = timestamp.map(str::trim) else {
        return unauthorized("X-Opsclock-Timestamp is missing".into());
    };
    // Digits only: the signature covers the number as sent, and only one spelling of it exists.
    let digits = !ts.is_empty() && ts.bytes().all(|b| b.is_ascii_digit()) && (ts == "0" || !ts.starts_with('0'));
    let Some(ts) = ts.parse::<i64>().ok().filter(|_| digits) else {
        return unauthorized(format!("X-Opsclock-Timestamp {ts:?} is not Unix seconds"));
    };
    let skew = now.timestamp().abs_diff(ts);
    if skew > MAX_SKEW_SECS {
        return unauthorized(format!(
            "the timestamp is {skew} s from the server's clock; requests more than {MAX_SKEW_SECS} s old (or ahead) are refused as replays"
        ));
    }
    Ok(ts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::auth::hmac::sign;

    #[test]
    fn signed_fresh_requests_pass_and_stale_or_altered_ones_do_not() {
        let now: DateTime<Utc> = "2026-11-24T02:00:00Z".parse().unwrap();
        let body = br#"{"alerts":[]}"#;
        let ts = now.timestamp() - 30;
        let sig = sign("s", ts, body);
        assert!(check("s", Some(&ts.to_string()), Some(&sig), body, now).is_ok());
        let err = |r: Result<(), AppError>| r.unwrap_err().to_string();
        assert!(
            err(check("s", Some(&ts.to_string()), Some(&sig), br#"{"alerts":[1]}"#, now)).contains("does not match")
        );
        assert!(err(check("s", None, Some(&sig), body, now)).contains("Timestamp is missing"));
        assert!(err(check("s", Some("yesterday"), Some(&sig), body, now)).contains("not Unix seconds"));
        assert!(err(check("s", Some(&ts.to_string()), None, body, now)).contains("Signature is missing"));
        // The same request 6 minutes later: a replay.
        let later = now + chrono::TimeDelta::seconds(330);
        assert!(err(check("s", Some(&ts.to_string()), Some(&sig), body, later)).contains("refused as replays"));
        // Re-dating the request breaks the signature.
        let fresh = later.timestamp().to_string();
        assert!(err(check("s", Some(&fresh), Some(&sig), body, later)).contains("does not match"));
    }
}

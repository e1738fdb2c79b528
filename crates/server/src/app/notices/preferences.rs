//! A person's own notification settings: the English copy, and quiet hours per channel.
//!
//! Everyone sets their own (`/me/notifications` on the pages, `GET`/`PUT
//! /api/v1/me/notifications`); an admin sets others' addresses and roles on the user pages.
//! Every change is audited (`notifications.set`).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::quiet::{QuietHours, Window};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::users;

/// What a person is told, and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Preferences {
    /// The address emails go to (set by an admin).
    pub email: Option<String>,
    /// Whether emails carry the English copy below the Chinese.
    pub mail_english: bool,
    /// Quiet hours per channel (China time): non-urgent notices wait until they end.
    pub quiet_hours: QuietHours,
    /// The escalation roles held (set by an admin).
    pub notify_roles: Vec<String>,
    /// When this was read.
    pub now: DateTime<Utc>,
}

/// A change to one's settings; absent fields stay as they are.
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesPatch {
    /// Whether emails carry the English copy.
    pub mail_english: Option<bool>,
    /// Quiet hours per channel; a channel absent here has none.
    pub quiet_hours: Option<QuietHours>,
}

fn view(u: &users::Model, now: DateTime<Utc>) -> Preferences {
    Preferences {
        email: u.email.clone(),
        mail_english: u.mail_english,
        quiet_hours: QuietHours::of(u.quiet_hours.as_ref()),
        notify_roles: crate::app::escalation::recipients::held_roles(u)
            .into_iter()
            .map(|r| r.key().to_owned())
            .collect(),
        now,
    }
}

async fn me(ctx: &Context, p: &Principal) -> AppResult<users::Model> {
    users::Entity::find_by_id(p.user_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::NotFound("no such user".into()))
}

/// The caller's settings.
pub async fn get(ctx: &Context, p: &Principal) -> AppResult<Preferences> {
    Ok(view(&me(ctx, p).await?, ctx.now()))
}

/// Changes the caller's settings; a window that is not two different `HH:MM` times is refused,
/// naming it (`quiet_hours.sms.from`).
pub async fn set(ctx: &Context, p: &Principal, from: &ClientAddr, patch: PreferencesPatch) -> AppResult<Preferences> {
    if let Some(q) = &patch.quiet_hours {
        for (name, w) in [("email", &q.email), ("sms", &q.sms)] {
            if let Some(Window { from, to }) = w {
                let field = |side: &str| format!("quiet_hours.{name}.{side}");
                Window::new(from, "00:00")
                    .or_else(|_| Window::new(from, "00:01"))
                    .map_err(|e| AppError::invalid(field("from"), e))?;
                Window::new(to, "00:00")
                    .or_else(|_| Window::new(to, "00:01"))
                    .map_err(|e| AppError::invalid(field("to"), e))?;
                Window::new(from, to).map_err(|e| AppError::invalid(field("to"), e))?;
            }
        }
    }
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let user = users::Entity::find_by_id(p.user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound("no such user".into()))?;
    let mut am = user.into_active_model();
    if let Some(e) = patch.mail_english {
        am.mail_english = Set(e);
    }
    if let Some(q) = &patch.quiet_hours {
        let q = QuietHours {
            email: q
                .email
                .as_ref()
                .map(|w| Window::new(&w.from, &w.to))
                .transpose()
                .ok()
                .flatten(),
            sms: q
                .sms
                .as_ref()
                .map(|w| Window::new(&w.from, &w.to))
                .transpose()
                .ok()
                .flatten(),
        };
        am.quiet_hours = Set((q != QuietHours::default()).then(|| serde_json::json!(q)));
    }
    let user = am.update(&txn).await?;
    let detail = serde_json::json!({ "mail_english": user.mail_english, "quiet_hours": user.quiet_hours });
    audit::record(
        &txn,
        Some(p.user_id),
        "notifications.set",
        &p.username,
        detail,
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view(&user, now))
}

//! Accounts: adding a user and an administrator's password reset. The command line
//! (`opsclock user add | passwd`) calls these, so that its changes are audited like the API's.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::json;

use crate::app::audit::{self, Actor, ClientAddr};
use crate::app::auth::session::{Ended, end_access};
use crate::app::auth::{PartyKind, Role, secret, throttle};
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{units, users, vendors};

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// The buyer unit the user belongs to (its code).
    pub unit: Option<String>,
    /// The vendor the user belongs to (its code).
    pub vendor: Option<String>,
    /// The bureau or the supervisor, for people of neither a unit nor a vendor.
    pub party: Option<PartyKind>,
    /// Display name [default: the login name].
    pub display_name: Option<String>,
    /// Email address for notifications.
    pub email: Option<String>,
}

/// Adds `new` with a one-time password, which it returns (the user must change it at the first
/// sign-in). Audited as `user.add`.
pub async fn add(ctx: &Context, by: Actor<'_>, from: &ClientAddr, new: NewUser) -> AppResult<String> {
    may_manage_users(by)?;
    let unit_id = match &new.unit {
        Some(code) => Some(
            units::Entity::find()
                .filter(units::Column::Code.eq(code.as_str()))
                .one(&ctx.db)
                .await?
                .ok_or_else(|| AppError::invalid("unit", format!("no unit with code {code:?}")))?
                .id,
        ),
        None => None,
    };
    let vendor_id = match &new.vendor {
        Some(code) => Some(
            vendors::Entity::find()
                .filter(vendors::Column::Code.eq(code.as_str()))
                .one(&ctx.db)
                .await?
                .ok_or_else(|| AppError::invalid("vendor", format!("no vendor with code {code:?}")))?
                .id,
        ),
        None => None,
    };
    // An admin may do everything and acts as the bureau: tied to a vendor it would record the
    // vendor's side with an admin's rights (deciding the buyer's claims, setting the rules).
    crate::app::auth::session::check_username(&new.username)?;
    if new.role == Role::Admin
        && (unit_id.is_some() || vendor_id.is_some() || new.party.is_some_and(|p| p != PartyKind::Bureau))
    {
        return Err(AppError::invalid(
            "role",
            "an admin acts as the bureau and belongs to no unit, vendor or supervisor; give the account a \
             manager's role in its party instead",
        ));
    }
    if new.role != Role::Admin && unit_id.is_none() && vendor_id.is_none() && new.party.is_none() {
        return Err(AppError::invalid(
            "party",
            format!(
                "a {} must belong to a unit (--unit CODE), a vendor (--vendor CODE), the bureau (--party bureau) \
                 or the supervisor (--party supervisor)",
                new.role
            ),
        ));
    }
    let password = secret::one_time_password();
    let hash = secret::hash_password_off_thread(&ctx.passwords, &password)
        .await
        .map_err(secret::PasswordError::into_app)?;
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let username = new.username.clone();
    users::ActiveModel {
        username: Set(new.username.clone()),
        display_name: Set(new.display_name.clone().unwrap_or_else(|| new.username.clone())),
        email: Set(new.email.clone()),
        password_hash: Set(Some(hash)),
        role: Set(new.role.into()),
        unit_id: Set(unit_id),
        vendor_id: Set(vendor_id),
        party: Set(new.party.map(Into::into)),
        disabled: Set(false),
        must_change_password: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Duplicate(format!("a user called {username:?} already exists"))
        }
        _ => e.into(),
    })?;
    audit::record_by(
        &txn,
        by,
        "user.add",
        &new.username,
        json!({"role": new.role, "unit": new.unit, "vendor": new.vendor, "party": new.party.map(|p| p.key()),
               "email": new.email}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(password)
}

/// Sets a new one-time password for `username` (an administrator's reset), which it returns; ends
/// every session of the account and, with `revoke_tokens`, its API tokens; clears the sign-in
/// throttle of the name. Audited as `user.reset_password`.
pub async fn reset_password(
    ctx: &Context,
    by: Actor<'_>,
    from: &ClientAddr,
    username: &str,
    revoke_tokens: bool,
) -> AppResult<(String, Ended)> {
    may_manage_users(by)?;
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no user called {username:?}")))?;
    let password = secret::one_time_password();
    let hash = secret::hash_password_off_thread(&ctx.passwords, &password)
        .await
        .map_err(secret::PasswordError::into_app)?;
    let txn = ctx.begin_write().await?;
    let user_id = user.id;
    let mut am = user.into_active_model();
    am.password_hash = Set(Some(hash));
    am.must_change_password = Set(true);
    // Lockouts of the old scheme, if any are left, are lifted too.
    am.failed_sign_ins = Set(0);
    am.locked_until = Set(None);
    am.update(&txn).await?;
    throttle::clear_name(&txn, username).await?;
    let ended = end_access(&txn, user_id, None, revoke_tokens).await?;
    audit::record_by(
        &txn,
        by,
        "user.reset_password",
        username,
        json!({"sessions_ended": ended.sessions, "tokens_revoked": ended.tokens}),
        from,
        ctx.now(),
    )
    .await?;
    txn.commit().await?;
    Ok((password, ended))
}

/// A person needs to be allowed to manage users (admins); an operator at the command line is.
fn may_manage_users(by: Actor<'_>) -> AppResult<()> {
    match by {
        Actor::Person(p) => permissions::check(p, Action::UserManage),
        Actor::Operator(_) => Ok(()),
    }
}

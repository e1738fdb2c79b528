//! Accounts: adding a user, an administrator's password reset, disabling and enabling an
//! account, its role, and the escalation roles it holds with its address. The command line
//! (`opsclock user add | passwd | disable | enable | notify`) and the admin pages (`/admin/users`)
//! call these, so that either door's changes are checked and audited alike.
//!
//! Two guards keep the tool administrable: no admin disables their own account or takes away
//! their own admin role, and the last enabled admin stays one — for example, with `admin` the only
//! enabled admin, disabling `admin` (by another door, the command line) is refused with "the last
//! enabled admin cannot be disabled".

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

use crate::app::audit::{self, Actor, ClientAddr};
use crate::app::auth::session::{Ended, end_access};
use crate::app::auth::{PartyKind, Role, secret, throttle};
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context, sms};
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
    /// Mobile number for SMS notices (checked and normalised, [`crate::app::sms::phone`]).
    pub phone: Option<String>,
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
    let phone = new
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(sms::phone::check)
        .transpose()?;
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
        mail_english: Set(false),
        phone: Set(phone.clone()),
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
               "email": new.email, "phone": phone}),
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
    let user = find(ctx, username).await?;
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

/// Disables (`disabled = true`) or enables `username`. Disabling ends every session of the
/// account at once and keeps its API tokens, which are refused while it is disabled and work again
/// once it is enabled. Audited as `user.disable` or `user.enable`; doing what is already so changes
/// nothing and records nothing.
pub async fn set_disabled(
    ctx: &Context,
    by: Actor<'_>,
    from: &ClientAddr,
    username: &str,
    disabled: bool,
) -> AppResult<Ended> {
    may_manage_users(by)?;
    let user = find(ctx, username).await?;
    if user.disabled == disabled {
        return Ok(Ended::default());
    }
    if disabled {
        if let Actor::Person(p) = by
            && p.username == username
        {
            return Err(AppError::invalid("username", "you cannot disable your own account"));
        }
        last_admin_stays(ctx, &user, "disabled").await?;
    }
    let txn = ctx.begin_write().await?;
    let user_id = user.id;
    let mut am = user.into_active_model();
    am.disabled = Set(disabled);
    am.update(&txn).await?;
    let ended = if disabled {
        end_access(&txn, user_id, None, false).await?
    } else {
        Ended::default()
    };
    let action = if disabled { "user.disable" } else { "user.enable" };
    audit::record_by(
        &txn,
        by,
        action,
        username,
        json!({"sessions_ended": ended.sessions}),
        from,
        ctx.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// Gives `username` the role `role` in the party it belongs to, under the rules of [`add`] (an
/// admin belongs to no unit, vendor or supervisor; anyone else to one of them). Ends the account's
/// sessions, so that the new rights apply from the next sign-in. Audited as `user.role`.
pub async fn set_role(ctx: &Context, by: Actor<'_>, from: &ClientAddr, username: &str, role: Role) -> AppResult<()> {
    may_manage_users(by)?;
    let user = find(ctx, username).await?;
    let before = user.role.0;
    if before == role {
        return Ok(());
    }
    if before == Role::Admin {
        if let Actor::Person(p) = by
            && p.username == username
        {
            return Err(AppError::invalid("role", "you cannot take away your own admin role"));
        }
        last_admin_stays(ctx, &user, "given another role").await?;
    }
    let party = user.party.as_ref().map(|p| p.0);
    if role == Role::Admin
        && (user.unit_id.is_some() || user.vendor_id.is_some() || party.is_some_and(|p| p != PartyKind::Bureau))
    {
        return Err(AppError::invalid(
            "role",
            "an admin acts as the bureau and belongs to no unit, vendor or supervisor; this account belongs to one",
        ));
    }
    if role != Role::Admin && user.unit_id.is_none() && user.vendor_id.is_none() && party.is_none() {
        return Err(AppError::invalid(
            "role",
            "this account belongs to no unit, vendor, bureau or supervisor, so it can only be an admin; add a new \
             account in the party instead",
        ));
    }
    let txn = ctx.begin_write().await?;
    let user_id = user.id;
    let mut am = user.into_active_model();
    am.role = Set(role.into());
    am.update(&txn).await?;
    let ended = end_access(&txn, user_id, None, false).await?;
    audit::record_by(
        &txn,
        by,
        "user.role",
        username,
        json!({"from": before, "to": role, "sessions_ended": ended.sessions}),
        from,
        ctx.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What [`set_notify`] changes: the escalation roles held (`None` keeps them) and the address
/// (`None` keeps it; `Some("")` removes it).
#[derive(Debug, Clone, Default)]
pub struct Notify {
    /// The escalation roles to hold, replacing those held before.
    pub roles: Option<Vec<sla_clock::Role>>,
    /// The address escalations go to.
    pub email: Option<String>,
    /// Whether the emails carry the English copy below the Chinese.
    pub english: Option<bool>,
    /// The mobile number SMS notices go to (`None` keeps it; `Some("")` removes it).
    pub phone: Option<String>,
}

/// Sets the escalation roles `username` holds, its address, whether its emails carry the
/// English copy and its mobile number; returns the account as saved.
/// `on_duty` and `vendor_manager` apply to the systems of the user's vendor, `unit_head` to those
/// of the user's unit, `buyer_ops_lead` to the user's unit or, without one, to all; `assignee` is
/// not a role one holds (it is whoever a ticket is assigned to) and is refused. An address that is
/// not one (`ops@`) is refused with 422, and so is a phone number that is not a mobile one
/// (`12345`, on `phone`). Audited as `user.notify`.
pub async fn set_notify(
    ctx: &Context,
    by: Actor<'_>,
    from: &ClientAddr,
    username: &str,
    change: Notify,
) -> AppResult<users::Model> {
    may_manage_users(by)?;
    let user = find(ctx, username).await?;
    let mut am = user.into_active_model();
    if let Some(roles) = change.roles {
        if roles.contains(&sla_clock::Role::Assignee) {
            return Err(AppError::invalid(
                "roles",
                "assignee is whoever a ticket is assigned to, not a role one holds",
            ));
        }
        am.notify_roles = Set(Some(json!(roles)));
    }
    if let Some(e) = change.email {
        let e = e.trim().to_owned();
        if e.is_empty() {
            am.email = Set(None);
        } else {
            check_email(&e)?;
            am.email = Set(Some(e));
        }
    }
    if let Some(english) = change.english {
        am.mail_english = Set(english);
    }
    if let Some(p) = change.phone {
        let p = p.trim();
        am.phone = Set(if p.is_empty() {
            None
        } else {
            Some(sms::phone::check(p)?)
        });
    }
    let txn = ctx.begin_write().await?;
    let user = am.update(&txn).await?;
    let detail = json!({ "notify_roles": user.notify_roles, "email": user.email, "mail_english": user.mail_english,
                         "phone": user.phone });
    audit::record_by(&txn, by, "user.notify", username, detail, from, ctx.now()).await?;
    txn.commit().await?;
    Ok(user)
}

/// Refuses `e` with 422 on `email` unless it is an address (`ops@` is not).
pub fn check_email(e: &str) -> AppResult<()> {
    e.parse::<lettre::Address>()
        .map(|_| ())
        .map_err(|err| AppError::invalid("email", format!("{e:?} is not an email address: {err}")))
}

async fn find(ctx: &Context, username: &str) -> AppResult<users::Model> {
    users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no user called {username:?}")))
}

/// Refuses when `user` is the last enabled admin (about to be `what`).
async fn last_admin_stays(ctx: &Context, user: &users::Model, what: &str) -> AppResult<()> {
    if user.role.0 != Role::Admin || user.disabled {
        return Ok(());
    }
    let admins = users::Entity::find()
        .filter(users::Column::Role.eq(Role::Admin.key()))
        .filter(users::Column::Disabled.eq(false))
        .count(&ctx.db)
        .await?;
    if admins <= 1 {
        return Err(AppError::invalid(
            "username",
            format!("the last enabled admin cannot be {what}: make another account an admin first"),
        ));
    }
    Ok(())
}

/// A person needs to be allowed to manage users (admins); an operator at the command line is.
fn may_manage_users(by: Actor<'_>) -> AppResult<()> {
    match by {
        Actor::Person(p) => permissions::check(p, Action::UserManage),
        Actor::Operator(_) => Ok(()),
    }
}

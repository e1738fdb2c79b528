//! Personal API tokens: an admin issues one for a user (shown once, stored hashed) and revokes it.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Principal, secret};
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{api_tokens, users};

/// Issues a token called `name` for `username` (admins) and returns it: the only time it is seen.
pub async fn create(ctx: &Context, p: &Principal, from: &ClientAddr, username: &str, name: &str) -> AppResult<String> {
    permissions::check(p, Action::TokenManage)?;
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::invalid("username", format!("no user {username:?}")))?;
    let token = secret::new_secret("ocp_");
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    api_tokens::ActiveModel {
        user_id: Set(user.id),
        name: Set(name.to_owned()),
        token_hash: Set(secret::secret_hash(&token)),
        created_at: Set(now),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "token.create",
        &user.username,
        json!({"name": name}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// Revokes token `id` (admins).
pub async fn revoke(ctx: &Context, p: &Principal, from: &ClientAddr, id: i64) -> AppResult<()> {
    permissions::check(p, Action::TokenManage)?;
    let txn = ctx.begin_write().await?;
    let gone = api_tokens::Entity::delete_by_id(id).exec(&txn).await?.rows_affected;
    if gone == 0 {
        return Err(AppError::NotFound(format!("no token {id}")));
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "token.revoke",
        &id.to_string(),
        json!({}),
        from,
        ctx.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

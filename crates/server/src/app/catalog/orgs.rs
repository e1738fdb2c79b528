//! Units (用户单位) and vendors: listed to everyone signed in, created and renamed by admins.
//! Both are the same shape (a code and a name), so one macro writes the use cases of each:
//! [`units`] and [`vendors`].

use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A unit or a vendor.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgView {
    /// Id.
    pub id: i64,
    /// Short unique code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A new unit or vendor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    /// Short unique code: letters, digits, '-' or '_'.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A change of name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgPatch {
    /// New name.
    pub name: String,
}

macro_rules! org_use_cases {
    ($module:ident, $entity:ident, $what:literal) => {
        #[doc = concat!("The ", $what, "s: list, create, read, rename.")]
        pub mod $module {
            use super::*;
            use crate::app::audit::{self, ClientAddr};
            use crate::app::auth::Principal;
            use crate::app::catalog::{check_code, check_name, duplicate};
            use crate::app::{AppError, AppResult, Context};
            use crate::db::entities::$entity;

            #[doc = concat!("Every ", $what, ", by code.")]
            pub async fn list(ctx: &Context) -> AppResult<Vec<OrgView>> {
                let rows = $entity::Entity::find().order_by_asc($entity::Column::Code).all(&ctx.db).await?;
                Ok(rows.into_iter().map(|r| OrgView { id: r.id, code: r.code, name: r.name }).collect())
            }

            #[doc = concat!("Creates a ", $what, " (admins).")]
            pub async fn create(ctx: &Context, p: &Principal, from: &ClientAddr, body: NewOrg) -> AppResult<OrgView> {
                crate::app::permissions::check(p, crate::app::permissions::Action::CatalogWrite)?;
                let code = check_code(&body.code)?;
                let row = $entity::ActiveModel {
                    code: Set(code.clone()),
                    name: Set(check_name(&body.name)?),
                    created_at: Set(ctx.now()),
                    ..Default::default()
                }
                .insert(&ctx.db)
                .await
                .map_err(duplicate($what, &code))?;
                audit::record(&ctx.db, Some(p.user_id), concat!($what, ".create"), &row.code,
                    serde_json::json!({"name": row.name}), from, ctx.now()).await?;
                Ok(OrgView { id: row.id, code: row.code, name: row.name })
            }

            #[doc = concat!("The ", $what, " with `id`.")]
            pub async fn get(ctx: &Context, id: i64) -> AppResult<OrgView> {
                let r = $entity::Entity::find_by_id(id).one(&ctx.db).await?
                    .ok_or_else(|| AppError::NotFound(format!(concat!("no ", $what, " {}"), id)))?;
                Ok(OrgView { id: r.id, code: r.code, name: r.name })
            }

            #[doc = concat!("Renames a ", $what, " (admins).")]
            pub async fn rename(ctx: &Context, p: &Principal, from: &ClientAddr, id: i64, body: OrgPatch) -> AppResult<OrgView> {
                crate::app::permissions::check(p, crate::app::permissions::Action::CatalogWrite)?;
                let r = $entity::Entity::find_by_id(id).one(&ctx.db).await?
                    .ok_or_else(|| AppError::NotFound(format!(concat!("no ", $what, " {}"), id)))?;
                let mut am = r.into_active_model();
                am.name = Set(check_name(&body.name)?);
                let r = am.update(&ctx.db).await?;
                audit::record(&ctx.db, Some(p.user_id), concat!($what, ".update"), &r.code,
                    serde_json::json!({"name": r.name}), from, ctx.now()).await?;
                Ok(OrgView { id: r.id, code: r.code, name: r.name })
            }
        }
    };
}

org_use_cases!(units, units, "unit");
org_use_cases!(vendors, vendors, "vendor");

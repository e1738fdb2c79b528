//! Attachments on tickets (附件): screenshots, logs, signed forms, the mail a fault came in by.
//! Uploaded on the ticket page or the API ([`upload`]), or taken from a mail that came in (the
//! mail-in job calls [`store`] inside its own transaction); listed in the ticket's view, on its
//! page and in its incident report; downloaded by anyone who may see the ticket.
//!
//! - **What.** The type is told by the content ([`kinds::sniff`]), never by the name or the type
//!   it was sent as: a program or script (`MZ`, ELF, Mach-O, `#!`), HTML or SVG is refused even
//!   when sent as `image/png`; so is any kind `[attachments] allowed_types` does not list.
//! - **How much.** At most `max_file_mib` per file (default 10), `max_ticket_mib` per ticket
//!   (default 50) and `quota_gib` in all (default 5). A file over one is refused with
//!   [`AppError::Invalid`] on `file`, naming the setting, the limit and what is used. Counted in
//!   the transaction that inserts, under a lock (a PostgreSQL advisory lock; SQLite's write
//!   transaction holds the whole database), so two uploads at once cannot both pass.
//! - **The same file twice** on one ticket is stored once: the second time answers the
//!   attachment already there (a mail thread repeating its logo, a form sent twice).
//! - **Where.** In the database (`storage = "database"`, the default) or on disk
//!   (`storage = "disk"`, see [`disk`]); each row says where its bytes are, so a row written
//!   before a change of setting is read where it was written.
//! - **For good.** Nothing deletes an attachment: a ticket's record is what both parties rely on.
//! - **Audited** as `ticket.attach` (the ticket's number, the attachment's id, name, type, size,
//!   hash and source).

pub mod disk;
pub mod kinds;
mod settings;

pub use settings::{AttachmentStore, AttachmentsConfig, DEFAULT_KINDS, Storage};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use self::kinds::{Kind, Sniffed};
use self::settings::{GIB, MIB};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{ticket_attachments, tickets, users};

/// How an attachment came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Uploaded on the page or the API.
    Upload,
    /// Taken from a mail that came in.
    Mail,
}

impl Source {
    /// `upload` or `mail`, as stored.
    pub fn key(self) -> &'static str {
        match self {
            Source::Upload => "upload",
            Source::Mail => "mail",
        }
    }
}

/// An attachment as it is listed (without its bytes).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AttachmentView {
    /// Its id: `GET /api/v1/tickets/{number}/attachments/{id}`.
    pub id: i64,
    /// The file's name, sanitised (no path or control characters; the kind's extension added
    /// when it had none of it).
    pub name: String,
    /// Its type, told by its content: `image/png`, `application/pdf`, `text/plain`, ….
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Who attached it (user name); none for a mail from no user.
    pub uploaded_by: Option<String>,
    /// `upload` or `mail`.
    pub source: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The PostgreSQL advisory-lock key of attachment limits (ASCII "attachmt").
const LOCK_KEY: i64 = 0x6174_7461_6368_6d74;

/// `bytes` in MiB to one decimal, rounded up (a file is never "0.0").
fn mib(bytes: u64) -> String {
    let tenths = bytes.saturating_mul(10).div_ceil(MIB);
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// `bytes` in GiB to two decimals, rounded up.
fn gib(bytes: u64) -> String {
    let hundredths = bytes.saturating_mul(100).div_ceil(GIB);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// An amount as a person reads it: `10.0 MiB`, `5.00 GiB` from a GiB up.
pub fn amount(bytes: u64) -> String {
    if bytes >= GIB {
        format!("{} GiB", gib(bytes))
    } else {
        format!("{} MiB", mib(bytes))
    }
}

/// The bytes attachments hold, of one ticket or of all.
async fn held(txn: &impl ConnectionTrait, ticket_id: Option<i64>) -> AppResult<(u64, u64)> {
    let mut q = ticket_attachments::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .column_as(Expr::cust("CAST(COALESCE(SUM(size), 0) AS BIGINT)"), "bytes");
    if let Some(id) = ticket_id {
        q = q.filter(ticket_attachments::Column::TicketId.eq(id));
    }
    let (n, bytes) = q.into_tuple::<(i64, i64)>().one(txn).await?.unwrap_or((0, 0));
    Ok((u64::try_from(n).unwrap_or(0), u64::try_from(bytes).unwrap_or(0)))
}

/// The kind of `bytes` if a file of them may be attached at all (not empty, within
/// `max_file_mib`, of an allowed kind by its content), else why not. [`upload`] asks it of every
/// file of a request before storing any, so that a refused file cannot leave another's bytes on
/// disk behind a rolled-back transaction.
pub fn admit(settings: &AttachmentStore, name: &str, declared_type: Option<&str>, bytes: &[u8]) -> AppResult<Kind> {
    let size = bytes.len() as u64;
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "the file is empty (文件为空)"));
    }
    if size > settings.max_file {
        return Err(AppError::invalid(
            "file",
            format!(
                "the file is {}, over the {} a file may be ([attachments] max_file_mib) (单个附件不能超过 {})",
                amount(size),
                amount(settings.max_file),
                amount(settings.max_file)
            ),
        ));
    }
    let declared = declared_type
        .map(|d| d.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty());
    let sent_as = declared
        .as_deref()
        .map(|d| format!(", sent as {d}"))
        .unwrap_or_default();
    let kind = match kinds::sniff(bytes, name) {
        Sniffed::Kind(k) if settings.allowed.contains(&k) => k,
        Sniffed::Kind(k) => {
            return Err(AppError::invalid(
                "file",
                format!(
                    "the file's content is {} ({}){sent_as}, a kind this server does not take; allowed: {} \
                     ([attachments] allowed_types) (不接受此类文件)",
                    k.key(),
                    k.media_type(),
                    settings.allowed_keys()
                ),
            ));
        }
        Sniffed::Refused(what) => {
            return Err(AppError::invalid(
                "file",
                format!(
                    "the file's content is {what}{sent_as}: programs, scripts, HTML and SVG are never attached, \
                     whatever their name or type; zip it if it must travel with the ticket (不接受可执行文件、脚本、HTML 或 SVG)"
                ),
            ));
        }
        Sniffed::Unknown => {
            return Err(AppError::invalid(
                "file",
                format!(
                    "the file's content is none of the kinds attachments may be{sent_as} (told by its first bytes, \
                     not its name); allowed: {} ([attachments] allowed_types) (无法识别的文件类型)",
                    settings.allowed_keys()
                ),
            ));
        }
    };
    Ok(kind)
}

/// Stores a file as an attachment of ticket `ticket_id`, inside the caller's transaction `txn`
/// (which the caller commits), and audits it (`ticket.attach`).
///
/// Who may is the caller's to decide (the doors ask [`upload`], which checks; the mail-in job
/// has decided the sender's mail belongs to the ticket): `by` is the person (none for a mail
/// from no user), `source` how it came. `name` is the name it was sent with (sanitised here),
/// `declared_type` the type it was sent as (recorded in the audit, never trusted), `bytes` the
/// file.
///
/// Fails with [`AppError::Invalid`] on `file`, naming the rule: an empty file; a kind refused
/// (a program, HTML, SVG) or not in `allowed_types`; over `max_file_mib`, `max_ticket_mib` or
/// `quota_gib` (saying what is used). [`AppError::NotFound`] if there is no such ticket. The
/// same content already on the ticket is not stored again: its attachment is the answer.
#[allow(clippy::too_many_arguments)]
pub async fn store(
    txn: &impl ConnectionTrait,
    settings: &AttachmentStore,
    ticket_id: i64,
    by: Option<i64>,
    source: Source,
    name: &str,
    declared_type: Option<&str>,
    bytes: &[u8],
    from: &ClientAddr,
    now: DateTime<Utc>,
) -> AppResult<AttachmentView> {
    let size = bytes.len() as u64;
    let kind = admit(settings, name, declared_type, bytes)?;
    let declared = declared_type
        .map(|d| d.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty());
    let name = kinds::clean_name(name, kind);
    let sha256 = hex::encode(Sha256::digest(bytes));
    // One upload at a time counts and inserts (SQLite: the write transaction already is).
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [LOCK_KEY.into()],
        ))
        .await?;
    }
    let ticket = tickets::Entity::find_by_id(ticket_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no ticket with id {ticket_id}")))?;
    let same = ticket_attachments::Entity::find()
        .filter(ticket_attachments::Column::TicketId.eq(ticket_id))
        .filter(ticket_attachments::Column::Sha256.eq(&sha256))
        .order_by_asc(ticket_attachments::Column::Id)
        .one(txn)
        .await?;
    if let Some(row) = same {
        return Ok(views(txn, vec![row]).await?.remove(0));
    }
    let (n, on_ticket) = held(txn, Some(ticket_id)).await?;
    if on_ticket.saturating_add(size) > settings.max_ticket {
        return Err(AppError::invalid(
            "file",
            format!(
                "this file of {} would bring {}'s attachments to {}, over the {} a ticket keeps \
                 ([attachments] max_ticket_mib); {n} file(s) of {} already (每张工单附件合计不超过 {}，已用 {})",
                amount(size),
                ticket.number,
                amount(on_ticket + size),
                amount(settings.max_ticket),
                amount(on_ticket),
                amount(settings.max_ticket),
                amount(on_ticket)
            ),
        ));
    }
    let (_, all) = held(txn, None).await?;
    if all.saturating_add(size) > settings.quota {
        return Err(AppError::invalid(
            "file",
            format!(
                "this file of {} would bring all attachments to {}, over the quota of {} \
                 ([attachments] quota_gib); {} used (附件总配额 {}，已用 {})",
                amount(size),
                amount(all + size),
                amount(settings.quota),
                amount(all),
                amount(settings.quota),
                amount(all)
            ),
        ));
    }
    let (storage, data) = match &settings.storage {
        Storage::Database => ("db", Some(bytes.to_vec())),
        Storage::Disk(dir) => {
            let (dir, sha, owned) = (dir.clone(), sha256.clone(), bytes.to_vec());
            tokio::task::spawn_blocking(move || disk::write(&dir, &sha, &owned))
                .await
                .map_err(|e| AppError::Internal(e.into()))??;
            ("disk", None)
        }
    };
    let row = ticket_attachments::ActiveModel {
        ticket_id: Set(ticket_id),
        name: Set(name.clone()),
        content_type: Set(kind.media_type().to_owned()),
        size: Set(i64::try_from(size).unwrap_or(i64::MAX)),
        sha256: Set(sha256.clone()),
        storage: Set(storage.to_owned()),
        data: Set(data),
        uploaded_by: Set(by),
        source: Set(source.key().to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let detail = json!({"attachment": row.id, "name": name, "content_type": kind.media_type(), "size": size,
                        "sha256": sha256, "storage": storage, "source": source.key(), "declared_type": declared});
    audit::record(txn, by, "ticket.attach", &ticket.number, detail, from, now).await?;
    Ok(views(txn, vec![row]).await?.remove(0))
}

/// The views of `rows`, with their uploaders' names.
async fn views(db: &impl ConnectionTrait, rows: Vec<ticket_attachments::Model>) -> AppResult<Vec<AttachmentView>> {
    let names: std::collections::BTreeMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().filter_map(|r| r.uploaded_by)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| AttachmentView {
            id: r.id,
            uploaded_by: r.uploaded_by.and_then(|u| names.get(&u).cloned()),
            name: r.name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            source: r.source,
            created_at: r.created_at,
        })
        .collect())
}

/// The attachments of ticket `ticket_id`, oldest first, without their bytes (the caller has
/// checked that the reader may see the ticket).
pub async fn of_ticket(db: &impl ConnectionTrait, ticket_id: i64) -> AppResult<Vec<AttachmentView>> {
    let rows = ticket_attachments::Entity::find()
        .select_only()
        .columns([
            ticket_attachments::Column::Id,
            ticket_attachments::Column::TicketId,
            ticket_attachments::Column::Name,
            ticket_attachments::Column::ContentType,
            ticket_attachments::Column::Size,
            ticket_attachments::Column::Sha256,
            ticket_attachments::Column::Storage,
            ticket_attachments::Column::UploadedBy,
            ticket_attachments::Column::Source,
            ticket_attachments::Column::CreatedAt,
        ])
        .column_as(Expr::cust("NULL"), "data")
        .filter(ticket_attachments::Column::TicketId.eq(ticket_id))
        .order_by_asc(ticket_attachments::Column::Id)
        .all(db)
        .await?;
    views(db, rows).await
}

/// Whether `p` may attach files to ticket `number` (which they may see): what the page offers.
pub async fn may_attach(ctx: &Context, p: &Principal, number: &str) -> AppResult<bool> {
    if !permissions::may_at_all(p, Action::TicketAttach) {
        return Ok(false);
    }
    let loaded = crate::app::tickets::read::load_in_scope(&ctx.db, p, number).await?;
    Ok(permissions::check_ticket(p, Action::TicketAttach, loaded.row.vendor_id.is_some()).is_ok())
}

/// Fails unless `p` may attach files to ticket `number`: 404 if they cannot see it, 403 if they
/// may not act on it. The doors ask before they read an upload's body.
pub async fn check_upload(ctx: &Context, p: &Principal, number: &str) -> AppResult<()> {
    permissions::check_at_all(p, Action::TicketAttach)?;
    let loaded = crate::app::tickets::read::load_in_scope(&ctx.db, p, number).await?;
    permissions::check_ticket(p, Action::TicketAttach, loaded.row.vendor_id.is_some())
}

/// A file sent to [`upload`].
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    /// The name it was sent with.
    pub name: &'a str,
    /// The type it was sent as, if any.
    pub declared_type: Option<&'a str>,
    /// The file.
    pub bytes: &'a [u8],
}

/// Attaches `files` to ticket `number` as `p`, all or none: whoever may act on the ticket (the
/// people who may comment on it), seeing it (else 404).
pub async fn upload(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    number: &str,
    files: &[Upload<'_>],
) -> AppResult<Vec<AttachmentView>> {
    permissions::check_at_all(p, Action::TicketAttach)?;
    if files.is_empty() {
        return Err(AppError::invalid("file", "no file was sent (未选择文件)"));
    }
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let loaded = crate::app::tickets::read::load_in_scope(&txn, p, number).await?;
    permissions::check_ticket(p, Action::TicketAttach, loaded.row.vendor_id.is_some())?;
    for f in files {
        admit(&ctx.attachments, f.name, f.declared_type, f.bytes)?;
    }
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let view = store(
            &txn,
            &ctx.attachments,
            loaded.row.id,
            Some(p.user_id),
            Source::Upload,
            f.name,
            f.declared_type,
            f.bytes,
            from,
            now,
        )
        .await?;
        out.push(view);
    }
    txn.commit().await?;
    Ok(out)
}

/// The attachments of ticket `number`, which `p` may see.
pub async fn list(ctx: &Context, p: &Principal, number: &str) -> AppResult<Vec<AttachmentView>> {
    permissions::check(p, Action::TicketRead)?;
    let loaded = crate::app::tickets::read::load_in_scope(&ctx.db, p, number).await?;
    of_ticket(&ctx.db, loaded.row.id).await
}

/// Attachment `id` of ticket `number` (which `p` may see): its listing and its bytes.
pub async fn get(ctx: &Context, p: &Principal, number: &str, id: i64) -> AppResult<(AttachmentView, Vec<u8>)> {
    permissions::check(p, Action::TicketRead)?;
    let loaded = crate::app::tickets::read::load_in_scope(&ctx.db, p, number).await?;
    let row = ticket_attachments::Entity::find_by_id(id)
        .filter(ticket_attachments::Column::TicketId.eq(loaded.row.id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("{number} has no attachment {id}")))?;
    let bytes = match (row.storage.as_str(), &row.data) {
        ("db", Some(data)) => data.clone(),
        ("disk", _) => {
            let dir = ctx.attachments.dir.clone().ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "attachment {id} is on disk but [attachments] dir is not set"
                ))
            })?;
            let sha = row.sha256.clone();
            tokio::task::spawn_blocking(move || disk::read(&dir, &sha))
                .await
                .map_err(|e| AppError::Internal(e.into()))??
        }
        (other, _) => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "attachment {id} is stored as {other:?} without its bytes"
            )));
        }
    };
    let view = views(&ctx.db, vec![ticket_attachments::Model { data: None, ..row }])
        .await?
        .remove(0);
    Ok((view, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_a_person_reads_them() {
        assert_eq!(mib(1), "0.1");
        assert_eq!(amount(5 * GIB), "5.00 GiB");
        assert_eq!(amount(10 * MIB), "10.0 MiB");
        assert_eq!(amount(10 * MIB + 1), "10.1 MiB");
    }
}

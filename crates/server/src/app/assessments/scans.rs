//! Scanned signed copies (扫描件): the paper record (`/assessments/{id}/print`), signed and
//! stamped by the parties, scanned and attached to its assessment, as seed 004's voucher is
//! "经甲方、用户单位及乙方签字/盖章确认" (L28681–28685).
//!
//! - **What.** A PDF, PNG or JPEG of at most [`MAX_BYTES`] (10 MiB), its type told by its first
//!   bytes ([`sniff`]: `%PDF-`, the PNG signature, `FF D8 FF`), never by its name; a type sent
//!   along (the API's `Content-Type`) must agree. Stored in the database with its SHA-256, who
//!   attached it for which party, when, and the assessment's content hash at that moment; the
//!   same file twice on one assessment is refused (409).
//! - **How many.** At most [`MAX_SCANS`] (20) scans and [`MAX_TOTAL_BYTES`] (50 MiB) in all per
//!   assessment: one more is refused (422, `file`), saying what is allowed and what is there.
//!   Counted in the transaction that inserts, under the assessment's row lock (`FOR UPDATE` on
//!   PostgreSQL; SQLite's write transaction holds the whole database), so that two uploads at
//!   once cannot both pass.
//! - **Current or not.** A scan keeps the content hash of the figures it was attached to; once
//!   the figures are revised its [`ScanView::current`] is false: the paper shows figures the
//!   assessment no longer holds (the page and the workbook mark it).
//! - **Who.** Any party of the assessment who may read it, with its own account: the bureau's
//!   managers, the unit's of a unit's assessment, the vendor's, and the supervisor's only where
//!   the supervisor signs. Not an administrator's account, which acts for no party.
//! - **What it changes.** Nothing of the assessment: not its figures, its hash, its state or
//!   its version (a scan attached meanwhile refuses no one's act). It is audited
//!   (`assessment.attach`).
//!
//! ```
//! use opsclock::app::assessments::scans::sniff;
//! assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
//! assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
//! assert_eq!(sniff(b"\xFF\xD8\xFF\xE0..JFIF"), Some("image/jpeg"));
//! assert_eq!(sniff(b"<html>%PDF-"), None);
//! ```

use chrono::{DateTime, Utc};
use scorecard::lifecycle::Party;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{acts, lifecycle_of, load};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::reports::deductions::Stored;
use crate::app::{AppError, AppResult, Context, text};
use crate::db::entities::{assessment_scans, assessments, users};

/// The largest scan, in bytes: 10 MiB.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The most scans one assessment keeps: a signed record is a few pages, scanned once per party
/// or once for all, and a rescan now and then.
pub const MAX_SCANS: usize = 20;

/// The most bytes one assessment's scans hold in all: 50 MiB, five scans of the largest size.
pub const MAX_TOTAL_BYTES: usize = 50 * 1024 * 1024;

/// The longest file name kept, in characters.
const MAX_NAME: usize = 200;

/// The types a scan may be, by the first bytes that tell them.
const TYPES: [(&[u8], &str); 3] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xFF\xD8\xFF", "image/jpeg"),
];

/// The type of `bytes` by its first bytes: a PDF, PNG or JPEG; none for anything else.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    TYPES
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, media)| *media)
}

/// The file extension of a scan's type.
pub fn extension(media_type: &str) -> &'static str {
    match media_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    }
}

/// A scan as it is listed (without its bytes).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScanView {
    /// Its number within the assessment, from 1: `GET /assessments/{id}/scans/{n}`.
    pub number: i32,
    /// `application/pdf`, `image/png` or `image/jpeg`, told by its first bytes.
    pub media_type: String,
    /// The name it was sent with, if any.
    pub file_name: Option<String>,
    /// Its size in bytes.
    pub size: i64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// The assessment's content hash when it was attached.
    pub content_hash: String,
    /// Whether `content_hash` is still the assessment's: false once the figures were revised
    /// after it was attached (the paper scanned shows figures the assessment no longer holds).
    pub current: bool,
    /// Who attached it (user name).
    pub uploaded_by: Option<String>,
    /// For which party.
    pub party: Option<String>,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// A file to attach.
#[derive(Debug, Clone, Copy)]
pub struct NewScan<'a> {
    /// The file.
    pub bytes: &'a [u8],
    /// The type it was sent as, if it was (`Content-Type`, a form part's type).
    pub declared: Option<&'a str>,
    /// The name it was sent with, if any.
    pub file_name: Option<&'a str>,
}

/// A scan's columns but its bytes.
#[derive(Debug, FromQueryResult)]
struct Listed {
    number: i32,
    media_type: String,
    file_name: Option<String>,
    size: i64,
    sha256: String,
    content_hash: String,
    party: Option<String>,
    uploaded_by: i64,
    uploaded_at: DateTime<Utc>,
}

/// The party `p` attaches scans to `row` for, or why they may not: a party of the assessment
/// with its own account (the supervisor only where it signs); never an administrator's account.
fn attacher(p: &Principal, row: &assessments::Model, stored: &Stored) -> AppResult<Party> {
    if p.role == Role::Admin {
        return Err(AppError::Forbidden(
            "an administrator's account attaches nothing for a party; attach it with your party's own manager account (管理员账号不代表任何一方)".into(),
        ));
    }
    let Some(party) = acts::party_of(p, row, stored) else {
        return Err(AppError::Forbidden(format!(
            "you act for no party of A-{} (the unit it assesses, the vendor, the bureau or the supervisor where it signs) (您不是该考核的当事方)",
            row.id
        )));
    };
    if party == Party::Supervisor && !lifecycle_of(row)?.required.contains(&Party::Supervisor) {
        return Err(AppError::Forbidden(format!(
            "the supervisor does not sign A-{}, so attaches no signed copy (监理不是该考核的签字方)",
            row.id
        )));
    }
    Ok(party)
}

/// Whether `p` may attach a scan to assessment `id` (which they may read): what the page offers.
pub async fn may_attach(ctx: &Context, p: &Principal, id: i64) -> AppResult<bool> {
    if !permissions::may(p, Action::AssessmentAttach) {
        return Ok(false);
    }
    let (row, stored) = load(&ctx.db, p, id).await?;
    Ok(attacher(p, &row, &stored).is_ok())
}

/// Attaches `scan` to assessment `id` as `p`; audited as `assessment.attach`.
pub async fn attach(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: i64,
    scan: NewScan<'_>,
) -> AppResult<ScanView> {
    permissions::check(p, Action::AssessmentAttach)?;
    let (row, stored) = load(&ctx.db, p, id).await?;
    let party = attacher(p, &row, &stored)?;
    if scan.bytes.is_empty() {
        return Err(AppError::invalid("file", "the file is empty (文件为空)"));
    }
    if scan.bytes.len() > MAX_BYTES {
        return Err(AppError::invalid(
            "file",
            format!(
                "the file is {} bytes, over the {} MiB a scan may be (扫描件不能超过 10 MB)",
                scan.bytes.len(),
                MAX_BYTES / (1024 * 1024)
            ),
        ));
    }
    let Some(media_type) = sniff(scan.bytes) else {
        return Err(AppError::invalid(
            "file",
            "the file is not a PDF, PNG or JPEG by its first bytes, whatever its name (扫描件须为 PDF、PNG 或 JPEG 文件)",
        ));
    };
    if let Some(declared) = scan
        .declared
        .map(|d| d.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        && !declared.is_empty()
        && declared != "application/octet-stream"
        && declared != media_type
        && !(declared == "image/jpg" && media_type == "image/jpeg")
    {
        return Err(AppError::invalid(
            "file",
            format!("the file was sent as {declared} but its first bytes say {media_type} (文件类型与内容不符)"),
        ));
    }
    let file_name = match scan.file_name.map(base_name).filter(|n| !n.is_empty()) {
        Some(n) => Some(text::field(
            "file_name",
            &n.chars().take(MAX_NAME).collect::<String>(),
            MAX_NAME,
            false,
        )?),
        None => None,
    };
    let sha256 = hex::encode(Sha256::digest(scan.bytes));
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    // The assessment's row, locked until the scan is in: a second upload at once waits here and
    // then counts this one (on SQLite the write transaction already holds the whole database).
    // Read again, so that the hash kept is the figures' at the insert, not at the check above.
    let row = assessments::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no assessment A-{id}")))?;
    let before = assessment_scans::Entity::find()
        .select_only()
        .column(assessment_scans::Column::Number)
        .column(assessment_scans::Column::Sha256)
        .column(assessment_scans::Column::Size)
        .filter(assessment_scans::Column::AssessmentId.eq(id))
        .into_tuple::<(i32, String, i64)>()
        .all(&txn)
        .await?;
    if let Some((n, ..)) = before.iter().find(|(_, h, _)| *h == sha256) {
        return Err(AppError::Duplicate(format!(
            "this file is attached to A-{id} already, as scan {n} (该文件已作为第 {n} 份扫描件上传)"
        )));
    }
    within_caps(id, &before, scan.bytes.len())?;
    let number = before.iter().map(|(n, ..)| *n).max().unwrap_or(0) + 1;
    assessment_scans::ActiveModel {
        assessment_id: Set(id),
        number: Set(number),
        media_type: Set(media_type.to_owned()),
        file_name: Set(file_name.clone()),
        size: Set(i64::try_from(scan.bytes.len()).unwrap_or(i64::MAX)),
        sha256: Set(sha256.clone()),
        content_hash: Set(row.content_hash.clone()),
        party: Set(Some(party.key().to_owned())),
        uploaded_by: Set(p.user_id),
        uploaded_at: Set(now),
        data: Set(scan.bytes.to_vec()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(format!(
            "another scan was attached to A-{id} meanwhile; send it again (请重新上传)"
        )),
        _ => e.into(),
    })?;
    let detail = json!({"number": number, "media_type": media_type, "file_name": file_name, "size": scan.bytes.len(),
                        "sha256": sha256, "party": party.key(), "content_hash": row.content_hash, "state": row.state});
    audit::record(
        &txn,
        Some(p.user_id),
        "assessment.attach",
        &format!("A-{id}"),
        detail,
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(ScanView {
        number,
        media_type: media_type.to_owned(),
        file_name,
        size: i64::try_from(scan.bytes.len()).unwrap_or(i64::MAX),
        sha256,
        content_hash: row.content_hash,
        current: true,
        uploaded_by: Some(p.username.clone()),
        party: Some(party.key().to_owned()),
        uploaded_at: now,
    })
}

/// Whether one more scan of `size` bytes may join the scans `before` (number, SHA-256, size) of
/// A-`id`: at most [`MAX_SCANS`] of them and [`MAX_TOTAL_BYTES`] in all, or why not (422, `file`).
fn within_caps(id: i64, before: &[(i32, String, i64)], size: usize) -> AppResult<()> {
    let n = before.len();
    if n >= MAX_SCANS {
        return Err(AppError::invalid(
            "file",
            format!(
                "A-{id} has {n} scans already, the most an assessment keeps is {MAX_SCANS} \
                 (每份考核最多 {MAX_SCANS} 份扫描件，已有 {n} 份)"
            ),
        ));
    }
    let held: i64 = before.iter().map(|(.., s)| *s).sum();
    let held = usize::try_from(held).unwrap_or(usize::MAX);
    if held.saturating_add(size) > MAX_TOTAL_BYTES {
        let (cap, after) = (MAX_TOTAL_BYTES / (1024 * 1024), held.saturating_add(size));
        let (size, held, after) = (mib(size), mib(held), mib(after));
        return Err(AppError::invalid(
            "file",
            format!(
                "this file of {size} MiB would bring A-{id}'s scans to {after} MiB, over the {cap} MiB \
                 an assessment keeps in all ({n} scans of {held} MiB already) \
                 (每份考核的扫描件合计不超过 {cap} MB，已有 {n} 份共 {held} MB，本文件 {size} MB)"
            ),
        ));
    }
    Ok(())
}

/// `bytes` in mebibytes to one decimal, rounded up (a file is never "0.0"): `10.5`.
fn mib(bytes: usize) -> String {
    let tenths = bytes.saturating_mul(10).div_ceil(1024 * 1024);
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The last part of a path a browser may send as a file's name (`C:\scans\a.pdf` → `a.pdf`).
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name).trim()
}

/// The scans of a readable assessment `id` whose content hash is now `current`, in order,
/// without their bytes.
pub(crate) async fn listed(db: &impl sea_orm::ConnectionTrait, id: i64, current: &str) -> AppResult<Vec<ScanView>> {
    let rows = assessment_scans::Entity::find()
        .select_only()
        .columns([
            assessment_scans::Column::Number,
            assessment_scans::Column::MediaType,
            assessment_scans::Column::FileName,
            assessment_scans::Column::Size,
            assessment_scans::Column::Sha256,
            assessment_scans::Column::ContentHash,
            assessment_scans::Column::Party,
            assessment_scans::Column::UploadedBy,
            assessment_scans::Column::UploadedAt,
        ])
        .filter(assessment_scans::Column::AssessmentId.eq(id))
        .order_by_asc(assessment_scans::Column::Number)
        .into_model::<Listed>()
        .all(db)
        .await?;
    let names: std::collections::BTreeMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().map(|r| r.uploaded_by)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| ScanView {
            number: r.number,
            media_type: r.media_type,
            file_name: r.file_name,
            size: r.size,
            sha256: r.sha256,
            current: r.content_hash == current,
            content_hash: r.content_hash,
            uploaded_by: names.get(&r.uploaded_by).cloned(),
            party: r.party,
            uploaded_at: r.uploaded_at,
        })
        .collect())
}

/// The scans of assessment `id` (which `p` may read), in order, without their bytes.
pub async fn list(ctx: &Context, p: &Principal, id: i64) -> AppResult<Vec<ScanView>> {
    permissions::check(p, Action::AssessmentRead)?;
    let (row, _) = load(&ctx.db, p, id).await?;
    listed(&ctx.db, id, &row.content_hash).await
}

/// Scan `number` of assessment `id` (which `p` may read): its listing and its bytes.
pub async fn get(ctx: &Context, p: &Principal, id: i64, number: i32) -> AppResult<(ScanView, Vec<u8>)> {
    permissions::check(p, Action::AssessmentRead)?;
    let (assessment, _) = load(&ctx.db, p, id).await?;
    let missing = || AppError::NotFound(format!("A-{id} has no scan {number}"));
    let row = assessment_scans::Entity::find()
        .filter(assessment_scans::Column::AssessmentId.eq(id))
        .filter(assessment_scans::Column::Number.eq(number))
        .one(&ctx.db)
        .await?
        .ok_or_else(missing)?;
    let by = users::Entity::find_by_id(row.uploaded_by)
        .one(&ctx.db)
        .await?
        .map(|u| u.username);
    let view = ScanView {
        number: row.number,
        media_type: row.media_type,
        file_name: row.file_name,
        size: row.size,
        sha256: row.sha256,
        current: row.content_hash == assessment.content_hash,
        content_hash: row.content_hash,
        uploaded_by: by,
        party: row.party,
        uploaded_at: row.uploaded_at,
    };
    Ok((view, row.data))
}

/// A file name for scan `s` of assessment `id`: `A-3-scan-1.pdf`.
pub fn download_name(id: i64, s: &ScanView) -> String {
    format!("A-{id}-scan-{}.{}", s.number, extension(&s.media_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_is_told_by_the_first_bytes_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.4"), Some("application/pdf"));
        assert_eq!(sniff(b"%PDF"), None, "too short to tell");
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(base_name("C:\\scans\\签字页.pdf"), "签字页.pdf");
        assert_eq!(base_name("/tmp/a.png"), "a.png");
        assert_eq!(extension("image/jpeg"), "jpg");
    }
}

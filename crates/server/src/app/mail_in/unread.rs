//! Messages handled without being read whole: one too large to download, placed by its header
//! ([`handle_oversized`]), and one the server failed on round after round, recorded for triage
//! without acting on it ([`give_up`]). The IMAP worker (`crate::mail::imap`) decides when.

use sea_orm::{ActiveModelTrait, Set, TransactionTrait};

use super::Options;
use super::Parsed;
use super::act::{BODY_MAX, Handled, Place, facts, handle_parsed, insert_once};
use crate::app::{AppResult, Context};
use crate::db::entities::mail_in_messages;

/// Handles a message too large to read, of which only the header was fetched: `size` bytes,
/// over the mailbox's limit of `limit`. It is placed as any other — a new ticket, a comment —
/// with a text saying its body and files were not read, so a fault reported with a large
/// photo is not lost; the reporter attaches the files on the ticket's page.
pub async fn handle_oversized(
    ctx: &Context,
    opts: &Options,
    place: Place,
    header: &[u8],
    size: u64,
    limit: u64,
) -> AppResult<Handled> {
    let mut m = Parsed::from_bytes(header);
    m.text = oversized_text(size, limit);
    m.attachments.clear();
    handle_parsed(ctx, opts, place, m).await
}

/// Records message `raw` as waiting in triage without acting on it, after the server failed on
/// it round after round (`why`): a person then opens it as a ticket or dismisses it at
/// `/mail-in`, and the mailbox moves on. The sender is looked for as usual; when even that fails,
/// the message is recorded without one (triage can then only dismiss it). `Ok(false)`: the
/// message was recorded before.
pub async fn give_up(ctx: &Context, opts: &Options, place: Place, raw: &[u8], why: &str) -> AppResult<bool> {
    let m = Parsed::from_bytes(raw);
    let now = ctx.now();
    let _turn = crate::db::turn::take(&ctx.db).await;
    let txn = ctx.begin_write().await?;
    let Some(row) = insert_once(&txn, opts, place, &m, now).await? else {
        return Ok(false);
    };
    // In a savepoint: on PostgreSQL a failed statement would spoil the whole transaction.
    let savepoint = txn.begin().await?;
    let sender = match facts(&savepoint, opts, &m).await {
        Ok(f) => {
            savepoint.commit().await?;
            f.sender.map(|(id, _)| id)
        }
        Err(_) => {
            savepoint.rollback().await.ok();
            None
        }
    };
    let severity = opts
        .severity_keywords
        .iter()
        .find(|(k, _)| m.subject.to_lowercase().contains(&k.to_lowercase()))
        .map(|(_, s)| s.key().to_owned());
    let id = row.id;
    let mut am: mail_in_messages::ActiveModel = row.into();
    am.outcome = Set("triage".into());
    am.user_id = Set(sender);
    am.reason = Set(Some(format!("not handled: {why}")));
    am.severity = Set(severity);
    am.body = Set(Some(m.text.chars().take(BODY_MAX).collect()));
    am.update(&txn).await?;
    // Kept for triage to store with the ticket, as for mail no rule placed.
    super::triage::park(&txn, id, &m.attachments, now).await?;
    txn.commit().await?;
    Ok(true)
}

/// The text that stands for the body of a message too large to read.
///
/// ```
/// let text = opsclock::app::mail_in::unread::oversized_text(31_457_280, 26_214_400);
/// assert!(text.starts_with("（邮件共 30.0 MiB，超过邮箱上限 25.0 MiB，"));
/// ```
pub fn oversized_text(size: u64, limit: u64) -> String {
    let (size, limit) = (human(size), human(limit));
    format!(
        "（邮件共 {size}，超过邮箱上限 {limit}，正文和附件未读取；请在工单页面上传附件。）\n\
         (The message is {size}, over the mailbox's limit of {limit}; its text and files were not \
         read. Attach the files on the ticket's page.)"
    )
}

/// `bytes` in MiB with one decimal, or in KiB below one MiB.
fn human(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

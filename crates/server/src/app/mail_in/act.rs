//! Handling one message: record it once, gather what opsclock knows about it, decide, act as the
//! sender, and answer the reporter of a new ticket — all in one transaction.
//!
//! The row in `mail_in_messages` is inserted first with `ON CONFLICT DO NOTHING` on (mailbox,
//! Message-ID) and (mailbox, UIDVALIDITY, UID): the replica (or the restart) that finds it there
//! already does nothing, and the one that wrote it acts in the same transaction, so the act and
//! the record commit together or not at all. The act runs in a savepoint: when the sender may not
//! do what the message asks (a viewer opening a ticket, a comment on a ticket out of their
//! scope), the savepoint is rolled back and the message is recorded `refused` (or `triage`)
//! with the reason. When it fails for a reason of the server's own (the database, the disk), the
//! whole transaction is rolled back and the error returned: nothing is recorded, the message stays
//! where it is, and the next round tries it again.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde::Serialize;

use super::decide::{Decision, Facts, decide};
use super::{Options, Parsed};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::tickets::actions::ActionRequest;
use crate::app::tickets::open::CreateTicket;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{mail_in_messages, outbox, systems, tickets, units, users};

/// The longest text kept for a message waiting in triage.
pub(super) const BODY_MAX: usize = 64 * 1024;

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Handled {
    /// `ticket`, `comment`, `ack`, `ignored`, `triage`, `refused`; `seen` when it was handled
    /// before (another replica, an earlier run).
    pub outcome: String,
    /// The ticket it opened or joined.
    pub ticket: Option<String>,
    /// Why, or what was noted.
    pub reason: Option<String>,
}

/// Where a message was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The folder's UIDVALIDITY.
    pub uidvalidity: u32,
    /// The message's UID.
    pub uid: u32,
}

/// Handles message `raw`, found at `place` in the mailbox of `opts`, exactly once.
///
/// An internal failure while acting (the database, the disk) is returned, with nothing
/// recorded: the message stays in the mailbox and the next round tries it again. What the
/// sender may not do, or what cannot be placed, is recorded as `refused` or `triage`.
pub async fn handle(ctx: &Context, opts: &Options, place: Place, raw: &[u8]) -> AppResult<Handled> {
    handle_parsed(ctx, opts, place, Parsed::from_bytes(raw)).await
}

pub(super) async fn handle_parsed(ctx: &Context, opts: &Options, place: Place, m: Parsed) -> AppResult<Handled> {
    let now = ctx.now();
    let _turn = crate::db::turn::take(&ctx.db).await;
    let txn = ctx.begin_write().await?;
    let Some(row) = insert_once(&txn, opts, place, &m, now).await? else {
        txn.rollback().await?;
        return Ok(Handled {
            outcome: "seen".into(),
            ticket: None,
            reason: None,
        });
    };
    let facts = facts(&txn, opts, &m).await?;
    let decision = decide(&m, &facts, opts);
    let sender = match facts.sender {
        Some((id, _)) => users::Entity::find_by_id(id).one(&txn).await?,
        None => None,
    };
    let from = ClientAddr(Some(format!("mail-in:{}", opts.mailbox)));
    // Recorded whatever the act comes to (a refusal rolls the act back, not this).
    if let Some(u) = &sender {
        mail_in_messages::Entity::update_many()
            .col_expr(mail_in_messages::Column::UserId, Expr::value(u.id))
            .filter(mail_in_messages::Column::Id.eq(row.id))
            .exec(&txn)
            .await?;
    }
    let savepoint = txn.begin().await?;
    let acted = act(&savepoint, ctx, &row, sender.as_ref(), &decision, &m, &from, now).await;
    let handled = match acted {
        Ok(h) => {
            savepoint.commit().await?;
            h
        }
        Err(e) if matches!(e, AppError::Internal(_)) && e.calendar_not_covered().is_none() => {
            // Not the sender's doing: record nothing, leave the message for the next round (a
            // failing rollback must not hide why).
            savepoint.rollback().await.ok();
            txn.rollback().await.ok();
            return Err(e);
        }
        Err(e) => {
            savepoint.rollback().await?;
            refused(&decision, &e)
        }
    };
    let ticket_id = match &handled.ticket {
        Some(n) => tickets::Entity::find()
            .filter(tickets::Column::Number.eq(n))
            .one(&txn)
            .await?
            .map(|t| t.id),
        None => None,
    };
    let (severity, body) = match &decision {
        Decision::Triage {
            severity, description, ..
        } if handled.outcome == "triage" => (
            Some(severity.key().to_owned()),
            Some(description.chars().take(BODY_MAX).collect::<String>()),
        ),
        _ => (None, None),
    };
    let mut am: mail_in_messages::ActiveModel = row.clone().into();
    am.outcome = Set(handled.outcome.clone());
    am.ticket_id = Set(ticket_id);
    am.reason = Set(handled.reason.clone());
    am.severity = Set(severity);
    am.body = Set(body);
    am.update(&txn).await?;
    if handled.outcome == "triage" {
        super::triage::park(&txn, row.id, &m.attachments, now).await?;
    }
    if handled.outcome == "ticket"
        && let (Some(user), Some(number)) = (&sender, &handled.ticket)
    {
        answer(&txn, ctx, &row, user, number, now).await?;
    }
    txn.commit().await?;
    tracing::info!(mailbox = %opts.mailbox, message_id = %row.message_id, sender = %row.sender,
        outcome = %handled.outcome, ticket = ?handled.ticket, reason = ?handled.reason, "mail in");
    Ok(handled)
}

/// Inserts the message's row unless it is there already (by Message-ID or by place); returns it
/// when it was inserted.
pub(super) async fn insert_once(
    txn: &DatabaseTransaction,
    opts: &Options,
    place: Place,
    m: &Parsed,
    now: DateTime<Utc>,
) -> AppResult<Option<mail_in_messages::Model>> {
    let identity = m.identity();
    let row = mail_in_messages::ActiveModel {
        mailbox: Set(opts.mailbox.clone()),
        uidvalidity: Set(i64::from(place.uidvalidity)),
        uid: Set(i64::from(place.uid)),
        message_id: Set(identity.clone()),
        sender: Set(m.from.clone().unwrap_or_default()),
        user_id: Set(None),
        subject: Set(m.subject.chars().take(1000).collect()),
        outcome: Set("pending".into()),
        ticket_id: Set(None),
        reason: Set(None),
        body: Set(None),
        severity: Set(None),
        attachments: Set(files_json(m)),
        received_at: Set(now),
        triage_outcome: Set(None),
        triaged_by: Set(None),
        triaged_at: Set(None),
        ..Default::default()
    };
    let inserted = mail_in_messages::Entity::insert(row)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(txn)
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    Ok(mail_in_messages::Entity::find()
        .filter(mail_in_messages::Column::Mailbox.eq(&opts.mailbox))
        .filter(mail_in_messages::Column::MessageId.eq(identity))
        .one(txn)
        .await?)
}

/// The attachments as recorded: name, type, size.
fn files_json(m: &Parsed) -> Option<serde_json::Value> {
    (!m.attachments.is_empty()).then(|| {
        serde_json::json!(
            m.attachments
                .iter()
                .map(|f| serde_json::json!({"name": f.name, "type": f.content_type, "size": f.bytes.len()}))
                .collect::<Vec<_>>()
        )
    })
}

/// What opsclock knows about `m`.
pub async fn facts(txn: &DatabaseTransaction, opts: &Options, m: &Parsed) -> AppResult<Facts> {
    let mut facts = Facts::default();
    if let Some(id) = &m.message_id {
        facts.own_message = outbox::Entity::find()
            .filter(outbox::Column::MessageId.eq(id))
            .one(txn)
            .await?
            .is_some();
    }
    let matching = match &m.from {
        Some(from) => {
            users::Entity::find()
                .filter({
                    use sea_orm::sea_query::ExprTrait as _;
                    Expr::expr(Func::lower(Expr::col(users::Column::Email))).eq(from.to_lowercase())
                })
                .all(txn)
                .await?
        }
        None => Vec::new(),
    };
    // Two enabled accounts with one address: which one acts cannot be told, so neither does.
    let enabled: Vec<&users::Model> = matching.iter().filter(|u| !u.disabled).collect();
    let user = match (enabled.as_slice(), matching.first()) {
        ([one], _) => Some((*one).clone()),
        ([], first) => first.cloned(),
        (many, _) => {
            let names: Vec<&str> = many.iter().map(|u| u.username.as_str()).collect();
            facts.sender_refused = Some(format!(
                "{} is the address of several accounts ({}); give each its own",
                m.from.as_deref().unwrap_or_default(),
                names.join(", ")
            ));
            None
        }
    };
    if let Some(u) = &user {
        if u.disabled {
            facts.sender_refused = Some(format!("{}'s account is disabled", u.username));
        } else {
            facts.sender = Some((u.id, u.username.clone()));
        }
    }
    facts.thread = thread(txn, m).await?;
    let unit = match &opts.unit {
        Some(code) => units::Entity::find()
            .filter(units::Column::Code.eq(code))
            .one(txn)
            .await?
            .map(|u| u.id),
        None => user.as_ref().and_then(|u| u.unit_id),
    };
    if let Some(unit) = unit {
        let mut codes: Vec<String> = systems::Entity::find()
            .filter(systems::Column::UnitId.eq(unit))
            .all(txn)
            .await?
            .into_iter()
            .map(|s| s.code)
            .collect();
        codes.sort();
        facts.unit_systems = codes;
    }
    Ok(facts)
}

/// The ticket `m` answers: one of the messages it replies to is an outbox message of a ticket,
/// a ticket's thread id (`{number}@{domain}`), or a message mail in took for a ticket; else a
/// ticket number in its subject (`INC-2026-000123`).
async fn thread(txn: &DatabaseTransaction, m: &Parsed) -> AppResult<Option<String>> {
    for id in m.replies_to.iter().rev() {
        let sent = outbox::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(outbox::Column::MessageId.eq(id))
                    .add(outbox::Column::ThreadId.eq(id)),
            )
            .filter(outbox::Column::TicketId.is_not_null())
            .one(txn)
            .await?;
        let ticket_id = match sent.and_then(|o| o.ticket_id) {
            Some(t) => Some(t),
            None => mail_in_messages::Entity::find()
                .filter(mail_in_messages::Column::MessageId.eq(id))
                .filter(mail_in_messages::Column::TicketId.is_not_null())
                .one(txn)
                .await?
                .and_then(|r| r.ticket_id),
        };
        if let Some(t) = ticket_id
            && let Some(row) = tickets::Entity::find_by_id(t).one(txn).await?
        {
            return Ok(Some(row.number));
        }
    }
    for found in numbers_in(&m.subject) {
        if tickets::Entity::find()
            .filter(tickets::Column::Number.eq(found))
            .one(txn)
            .await?
            .is_some()
        {
            return Ok(Some(found.to_owned()));
        }
    }
    Ok(None)
}

/// The ticket numbers written in `subject`, in order: `INC-2026-000031` and its like, set off
/// by anything but a Latin letter or digit — Chinese text included, which regex's `\b` counts
/// as part of a word.
///
/// ```
/// use opsclock::app::mail_in::act::numbers_in;
/// assert_eq!(numbers_in("关于工单INC-2026-000031的处理"), ["INC-2026-000031"]);
/// assert_eq!(numbers_in("回复：REQ-2026-000002进展如何 / ALM-2026-1234567"), ["REQ-2026-000002", "ALM-2026-1234567"]);
/// assert!(numbers_in("XINC-2026-000031").is_empty());
/// assert!(numbers_in("INC-2026-000031A").is_empty());
/// // A full-width digit after it is not read as part of the number.
/// assert_eq!(numbers_in("INC-2026-000031１"), ["INC-2026-000031"]);
/// assert!(numbers_in("INC-2026-00003").is_empty());
/// ```
pub fn numbers_in(subject: &str) -> Vec<&str> {
    static NUMBER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?:^|[^A-Za-z0-9])((?:INC|REQ|SEC|ALM)-[0-9]{4}-[0-9]{6,})(?:[^A-Za-z0-9]|$)")
            .expect("a valid pattern")
    });
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(c) = NUMBER.captures_at(subject, at) {
        let m = c.get(1).expect("group 1");
        found.push(m.as_str());
        at = m.end();
    }
    found
}

/// Does what `decision` says, as `sender`.
#[allow(clippy::too_many_arguments)]
async fn act(
    txn: &DatabaseTransaction,
    ctx: &Context,
    row: &mail_in_messages::Model,
    sender: Option<&users::Model>,
    decision: &Decision,
    m: &Parsed,
    from: &ClientAddr,
    now: DateTime<Utc>,
) -> AppResult<Handled> {
    let done = |outcome: &str, ticket: Option<String>, reason: Option<String>| Handled {
        outcome: outcome.to_owned(),
        ticket,
        reason,
    };
    let principal = |u: Option<&users::Model>| -> AppResult<Principal> {
        Principal::of(u.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no sender")))?)
    };
    Ok(match decision {
        Decision::Ignore(why) => done("ignored", None, Some(why.clone())),
        Decision::Refuse(why) => done("refused", None, Some(why.clone())),
        Decision::Triage { reason, .. } => done("triage", None, Some(reason.clone())),
        Decision::Open {
            system,
            severity,
            title,
            description,
            why,
        } => {
            let p = principal(sender)?;
            let body = CreateTicket {
                kind: "fault".into(),
                system: system.clone(),
                severity: Some(severity.key().into()),
                severity_reason: Some(format!("邮件报告 / reported by email ({why})")),
                facts: None,
                title: title.clone(),
                description: description.clone(),
                occurred_at: None,
                received_at: None,
                assignee_id: None,
                duty: None,
                category: None,
            };
            let (opened, _) = crate::app::tickets::open::open_in(txn, ctx, &p, body, from, now).await?;
            let note = store_files(txn, ctx, row, &opened, (p.user_id, &p), &m.attachments, from, now).await?;
            done("ticket", Some(opened.number), note)
        }
        Decision::Comment { ticket, text } => {
            let p = principal(sender)?;
            let version = current_version(txn, ticket).await?;
            let body = ActionRequest {
                version,
                text: Some(format!("{text}\n\n（邮件回复 / by email）")),
                ..Default::default()
            };
            let (commented, _, _) =
                crate::app::tickets::actions::perform_in(txn, ctx, &p, from, ticket, "comment", body, now).await?;
            let note = store_files(txn, ctx, row, &commented, (p.user_id, &p), &m.attachments, from, now).await?;
            done("comment", Some(ticket.clone()), note)
        }
        Decision::Acknowledge { ticket, keyword } => {
            let p = principal(sender)?;
            let version = current_version(txn, ticket).await?;
            let body = ActionRequest {
                version,
                ..Default::default()
            };
            crate::app::tickets::actions::perform_in(txn, ctx, &p, from, ticket, "acknowledge", body, now).await?;
            done("ack", Some(ticket.clone()), Some(format!("keyword {keyword}")))
        }
    })
}

/// The ticket's version now, the ticket locked for the rest of the transaction: a write to it
/// committed between this read and the act would otherwise refuse the act as a version
/// conflict, and the reply (a comment, an acknowledgement) would be recorded `refused` and lost.
async fn current_version(txn: &DatabaseTransaction, number: &str) -> AppResult<i64> {
    crate::app::tickets::lock(txn, tickets::Column::Number.eq(number).into()).await?;
    Ok(tickets::Entity::find()
        .filter(tickets::Column::Number.eq(number))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no ticket {number}")))?
        .version)
}

/// Stores `files`, a message's attachments, on ticket `t` through
/// [`crate::app::attachments::store`] (its limits and kinds), uploaded by `sender` (the user who
/// sent the mail). A file refused (too large, a program, a kind not allowed, the quota) does not
/// stop the ticket: it is named on the ticket's timeline with the reason, in a comment by `p`
/// (the sender; for mail opened from triage, the triager), and what became of every file is
/// recorded with the message. Returns the note.
#[allow(clippy::too_many_arguments)]
pub(super) async fn store_files(
    txn: &DatabaseTransaction,
    ctx: &Context,
    row: &mail_in_messages::Model,
    t: &tickets::Model,
    (sender, p): (i64, &Principal),
    files: &[super::MailFile],
    from: &ClientAddr,
    now: DateTime<Utc>,
) -> AppResult<Option<String>> {
    if files.is_empty() {
        return Ok(None);
    }
    let mut recorded = Vec::new();
    let mut refused = Vec::new();
    for f in files {
        let savepoint = txn.begin().await?;
        let stored = crate::app::attachments::store(
            &savepoint,
            &ctx.attachments,
            t.id,
            Some(sender),
            crate::app::attachments::Source::Mail,
            &f.name,
            Some(&f.content_type),
            &f.bytes,
            from,
            now,
        )
        .await;
        let mut entry = serde_json::json!({"name": f.name, "type": f.content_type, "size": f.bytes.len()});
        match stored {
            Ok(a) => {
                savepoint.commit().await?;
                entry["stored"] = serde_json::json!(a.id);
            }
            Err(AppError::Internal(e)) => {
                savepoint.rollback().await.ok();
                return Err(AppError::Internal(e));
            }
            Err(e) => {
                savepoint.rollback().await?;
                entry["refused"] = serde_json::json!(e.to_string());
                refused.push(format!("{}: {e}", f.name));
            }
        }
        recorded.push(entry);
    }
    mail_in_messages::Entity::update_many()
        .col_expr(
            mail_in_messages::Column::Attachments,
            Expr::value(serde_json::json!(recorded)),
        )
        .filter(mail_in_messages::Column::Id.eq(row.id))
        .exec(txn)
        .await?;
    if refused.is_empty() {
        return Ok(None);
    }
    let note = format!("attachments refused: {}", refused.join("; "));
    let body = ActionRequest {
        version: current_version(txn, &t.number).await?,
        text: Some(format!("邮件附件未保存 / {note}")),
        ..Default::default()
    };
    crate::app::tickets::actions::perform_in(txn, ctx, p, from, &t.number, "comment", body, now).await?;
    Ok(Some(note))
}

/// What became of a message whose act failed with `e`: a refusal (the sender may not), or triage
/// for a ticket that could not be opened on the chosen system (a rule naming a system out of the
/// sender's scope, or none at all).
fn refused(decision: &Decision, e: &AppError) -> Handled {
    // An internal error is never here but a calendar that cannot answer, which `detail` names.
    let reason = e.detail();
    let (outcome, ticket) = match decision {
        Decision::Open { system, .. } if !matches!(e, AppError::Forbidden(_)) => {
            return Handled {
                outcome: "triage".into(),
                ticket: None,
                reason: Some(format!("cannot open on {system}: {reason}")),
            };
        }
        Decision::Comment { ticket, .. } | Decision::Acknowledge { ticket, .. } => ("refused", Some(ticket.clone())),
        _ => ("refused", None),
    };
    Handled {
        outcome: outcome.into(),
        ticket,
        reason: Some(reason),
    }
}

/// Queues the answer to the reporter of ticket `number`: its number and a link, in reply to
/// their message (once per message: the key names it).
pub(crate) async fn answer(
    txn: &DatabaseTransaction,
    ctx: &Context,
    row: &mail_in_messages::Model,
    user: &users::Model,
    number: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(t) = tickets::Entity::find()
        .filter(tickets::Column::Number.eq(number))
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let key = format!("mail_in/{}/{}/ack", row.mailbox, row.id);
    let link = ctx.links.page(number);
    let subject = format!("[opsclock] 已受理 {number}：{}", t.title);
    let text = format!(
        "{name}，您好：\n\n您的邮件《{subj}》已登记为工单 {number}。\n标题：{title}\n查看：{link}\n\n\
         回复本邮件即为该工单追加备注（请保留主题中的工单号）。\n此邮件由 opsclock 自动发送。\n",
        name = user.display_name,
        subj = row.subject,
        title = t.title,
    );
    let esc = crate::app::escalation::message::escape;
    let html = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{s}</title></head><body>\
         <p>{name}，您好：</p><p>您的邮件《{subj}》已登记为工单 <b>{number}</b>。</p><p>标题：{title}</p>\
         <p><a href=\"{link}\">查看工单 {number}</a></p><p>回复本邮件即为该工单追加备注（请保留主题中的工单号）。</p>\
         <p>此邮件由 opsclock 自动发送。</p></body></html>",
        s = esc(&subject),
        name = esc(&user.display_name),
        subj = esc(&row.subject),
        title = esc(&t.title),
        link = esc(&link),
    );
    let recipient = user.email.clone().unwrap_or_else(|| row.sender.clone());
    let reply_to = (!row.message_id.starts_with("sha256:")).then(|| row.message_id.clone());
    let om = outbox::ActiveModel {
        message_id: Set(ctx.links.message_id(&key)),
        dedup_key: Set(key),
        kind: Set("mail_in_ack".to_owned()),
        ticket_id: Set(Some(t.id)),
        clock: Set(None),
        step: Set(None),
        repeat: Set(None),
        due_at: Set(now),
        recipients: Set(serde_json::json!([recipient])),
        note: Set(None),
        subject: Set(subject),
        body_text: Set(text),
        body_html: Set(html),
        thread_id: Set(reply_to),
        attachments: Set(None),
        status: Set(crate::db::Key(outbox::Status::Pending)),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
        channel: Set("email".to_owned()),
        subscription_id: Set(None),
        ..Default::default()
    };
    crate::delivery::insert_once(txn, om).await?;
    Ok(())
}

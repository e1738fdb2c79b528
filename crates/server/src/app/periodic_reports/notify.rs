//! Mail about periodic reports, through the outbox like every other notice, each with its own
//! identity so that it goes once across servers and rounds:
//!
//! | when | key | to |
//! |---|---|---|
//! | `remind_hours` before the due instant, still open | `RPT-7/remind` | the vendor's managers |
//! | the due instant passed, still open | `RPT-7/breach` | the vendor's managers and the bureau's managers |
//! | submitted | `RPT-7/submit/v3` | the bureau's managers, with the DOCX attached |
//! | acknowledged or returned | `RPT-7/acknowledge/v4` | the submitter and the vendor's managers |

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::content::local;
use super::{PeriodicReportView, state_zh};
use crate::app::auth::{Party, Role};
use crate::app::escalation::message::{EnglishCopy, Rendered, escape};
use crate::app::escalation::{Links, NewMessage, enqueue};
use crate::app::rectification::escalate::bureau_managers;
use crate::app::reports::deductions;
use crate::app::{AppError, AppResult};
use crate::db::entities::{periodic_reports, users};

/// The page of report `id`.
pub fn page(links: &Links, id: i64) -> String {
    format!("{}/periodic-reports/RPT-{id}", links.public_url)
}

/// The enabled managers of the vendors `vendor_ids` (with an address).
async fn vendor_managers(db: &impl ConnectionTrait, vendor_ids: &[i64]) -> Result<Vec<String>, DbErr> {
    Ok(users::Entity::find()
        .filter(users::Column::Disabled.eq(false))
        .filter(users::Column::VendorId.is_in(vendor_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .filter(|u| *u.role == Role::Manager && matches!(Party::of(u), Some(Party::Vendor(_))))
        .filter_map(|u| u.email)
        .collect())
}

/// The vendors the contract of `row` binds.
async fn vendors_of(db: &impl ConnectionTrait, row: &periodic_reports::Model) -> AppResult<Vec<i64>> {
    let contracts = deductions::list(db).await?;
    Ok(super::stored_of(db, &contracts, row)
        .await?
        .map(|s| s.vendor_ids())
        .unwrap_or_default())
}

fn due_text(row: &periodic_reports::Model) -> String {
    row.due_at.map_or_else(|| "—".to_owned(), local)
}

fn render(row: &periodic_reports::Model, lead: &str, zh: &str, en: &str, link: &str) -> Rendered {
    let subject = format!("【{lead}】RPT-{} {}（{}）", row.id, row.name, row.period);
    let facts = format!(
        "定期报告 RPT-{}：{}\n报告期：{}\n提交期限：{}\n状态：{}\n",
        row.id,
        row.name,
        row.period,
        due_text(row),
        state_zh(&row.state)
    );
    let facts_en = format!(
        "Periodic report RPT-{}: {}\nPeriod: {}\nDue: {}\n",
        row.id,
        row.name,
        row.period,
        due_text(row)
    );
    Rendered {
        subject,
        text: format!("{zh}\n\n{facts}\n打开：{link}\n"),
        html: format!(
            "<html><body><p><strong>{}</strong></p><pre>{}</pre><p><a href=\"{}\">打开报告</a></p></body></html>",
            escape(zh),
            escape(&facts),
            escape(link)
        ),
        english: Some(EnglishCopy {
            text: format!("{en}\n\n{facts_en}\nOpen: {link}\n"),
            html: format!(
                "<p><strong>{}</strong></p><pre>{}</pre><p><a href=\"{}\">Open the report</a></p>",
                escape(en),
                escape(&facts_en),
                escape(link)
            ),
        }),
    }
}

/// One mail about report `id`: its outbox identity, recipients, words and files.
struct Outgoing {
    id: i64,
    key: String,
    to: Vec<String>,
    mail: Rendered,
    attachments: Vec<crate::mail::Attachment>,
}

async fn send(db: &impl ConnectionTrait, links: &Links, m: Outgoing, now: DateTime<Utc>) -> AppResult<()> {
    let Outgoing {
        id,
        key,
        to,
        mail,
        attachments,
    } = m;
    let note = to
        .is_empty()
        .then(|| "nobody to tell: no enabled manager with an address".to_owned());
    enqueue(
        db,
        links,
        NewMessage {
            key,
            kind: "periodic_report",
            step: None,
            due_at: now,
            recipients: to,
            note,
            mail,
            thread_id: Some(links.thread_id(&format!("RPT-{id}"))),
            attachments,
        },
        now,
    )
    .await?;
    Ok(())
}

/// The sweep's notice on `row`: `remind` (the vendor's managers) or `breach` (the vendor's and
/// the bureau's managers).
pub(crate) async fn notice(
    db: &impl ConnectionTrait,
    links: &Links,
    row: &periodic_reports::Model,
    act: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut to = vendor_managers(db, &vendors_of(db, row).await?).await?;
    let due = due_text(row);
    let (lead, zh, en) = if act == "breach" {
        to.extend(bureau_managers(db).await?);
        (
            "报告逾期",
            format!("{} 未在期限 {due} 前提交，已逾期。请尽快提交。", row.name),
            format!("{} was not submitted by {due}; it is overdue. Submit it now.", row.name),
        )
    } else {
        (
            "报告即将到期",
            format!("{} 须在 {due} 前提交，请及时填写并提交。", row.name),
            format!("{} is due by {due}; write and submit it.", row.name),
        )
    };
    let mail = render(row, lead, &zh, &en, &page(links, row.id));
    let key = format!("RPT-{}/{act}", row.id);
    let m = Outgoing {
        id: row.id,
        key,
        to,
        mail,
        attachments: Vec::new(),
    };
    send(db, links, m, now).await
}

/// The notice of a submission, to the bureau's managers, with the DOCX.
pub(crate) async fn submitted(
    db: &impl ConnectionTrait,
    links: &Links,
    row: &periodic_reports::Model,
    v: &PeriodicReportView,
    file: Vec<u8>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let to = bureau_managers(db).await?;
    let who = v.submitted_by.clone().unwrap_or_default();
    let late = if v.late { "（逾期提交）" } else { "" };
    let mail = render(
        row,
        "报告待确认",
        &format!("{who} 已提交{}{late}，请审阅并确认或退回。", row.name),
        &format!(
            "{who} submitted the {}; please read it and acknowledge or return it.",
            row.name
        ),
        &page(links, row.id),
    );
    let attachment = crate::mail::Attachment::new(
        format!("RPT-{}-{}.docx", row.id, row.period),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &file,
    );
    let key = format!("RPT-{}/submit/v{}", row.id, row.version);
    send(
        db,
        links,
        Outgoing {
            id: row.id,
            key,
            to,
            mail,
            attachments: vec![attachment],
        },
        now,
    )
    .await
}

/// The notice of the buyer's decision, to the submitter and the vendor's managers.
pub(crate) async fn decided(
    db: &impl ConnectionTrait,
    links: &Links,
    row: &periodic_reports::Model,
    act: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut to = vendor_managers(db, &vendors_of(db, row).await?).await?;
    if let Some(id) = row.submitted_by
        && let Some(u) = users::Entity::find_by_id(id).one(db).await?
        && !u.disabled
        && let Some(email) = u.email
    {
        to.push(email);
    }
    let (lead, zh, en) = match act {
        "acknowledge" => (
            "报告已确认",
            format!("{} 已由甲方确认。", row.name),
            format!("The {} is acknowledged by the buyer.", row.name),
        ),
        "return" => (
            "报告被退回",
            format!(
                "{} 被退回：{}。请修改后重新提交（期限 {}）。",
                row.name,
                row.returned_note.as_deref().unwrap_or(""),
                due_text(row)
            ),
            format!(
                "The {} was returned: {}. Revise and submit it again (due {}).",
                row.name,
                row.returned_note.as_deref().unwrap_or(""),
                due_text(row)
            ),
        ),
        other => return Err(AppError::Internal(anyhow!("no notice for act {other}"))),
    };
    let mail = render(row, lead, &zh, &en, &page(links, row.id));
    let key = format!("RPT-{}/{act}/v{}", row.id, row.version);
    send(
        db,
        links,
        Outgoing {
            id: row.id,
            key,
            to,
            mail,
            attachments: Vec::new(),
        },
        now,
    )
    .await
}

//! Mail about rectification orders: a notice at each act, and the escalation sweep's pass over
//! the orders' clocks, with the same ladders as tickets (the order's system's policy at the
//! order's severity), the same outbox, the same exactly-once identity (`ZG-7/rectification/
//! breach/0`) and the same English copy for readers who asked for it.
//!
//! A due order is handled in one short transaction that first claims the order's row (as a
//! ticket write claims its ticket), so an act and the sweep never interleave on one order.

use std::collections::{BTreeMap, HashSet};

use anyhow::{Context as _, anyhow};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use sla_clock::{Calendar, ClockStatus, Recipient, Role};

use crate::app::escalation::message::{EnglishCopy, Rendered, escape, span_en, span_zh};
use crate::app::escalation::recipients::Directory;
use crate::app::escalation::{Links, NewMessage, enqueue, evaluate, ladders, next_look, next_look_or_event, read_at};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{outbox, rectification_orders, systems, users};

/// The clock's name in outbox identities.
const CLOCK: &str = "rectification";

/// The page of order `id`.
pub fn page(links: &Links, id: i64) -> String {
    format!("{}/rectifications/ZG-{id}", links.public_url)
}

/// What one mail says: the subject's lead, the first line in Chinese and in English.
struct Words {
    lead: &'static str,
    zh: String,
    en: String,
}

/// The words of a mail after act `act` (`issue`, `submit`, …), or for a ladder step when `act`
/// is `None` (then with the clock's `status`); `deadline` as people read it.
fn words(act: Option<&str>, status: Option<&ClockStatus>, deadline: &str) -> Words {
    let (lead, zh, en) = match (act, status) {
        (Some("issue"), _) => (
            "整改通知",
            format!("请在 {deadline} 前完成整改并在页面上报告。"),
            format!("Rectify by {deadline} and report it on the page."),
        ),
        (Some("submit"), _) => (
            "整改待验收",
            "乙方已报告整改完成，请验收（通过或不通过）。".to_owned(),
            "The vendor reports the rectification done; please check it.".to_owned(),
        ),
        (Some("reject"), _) => (
            "整改验收不通过",
            format!("验收不通过，请继续整改；期限 {deadline}。"),
            format!("Not accepted; rectify further by {deadline}."),
        ),
        (Some("accept"), _) => (
            "整改已验收",
            "整改已验收通过。".to_owned(),
            "The rectification is accepted.".to_owned(),
        ),
        (Some("refuse"), _) => (
            "拒不整改",
            "乙方拒绝整改。".to_owned(),
            "The vendor refuses to rectify.".to_owned(),
        ),
        (Some(_), _) => (
            "整改通知已撤回",
            "整改通知已撤回。".to_owned(),
            "The order is withdrawn.".to_owned(),
        ),
        (None, Some(st)) if st.breached => (
            "整改已超期",
            format!(
                "整改已超期 {}（期限 {deadline}）。请立即完成整改并报告。",
                span_zh(st.overdue_wall)
            ),
            format!(
                "Overdue by {} (deadline {deadline}). Rectify and report now.",
                span_en(st.overdue_wall)
            ),
        ),
        (None, st) => {
            let left = st.map_or(chrono::TimeDelta::zero(), |s| s.remaining);
            (
                "整改即将到期",
                format!(
                    "距整改期限还有 {}（按日历计的工作时间；期限 {deadline}）。",
                    span_zh(left)
                ),
                format!("{} of working time left to the deadline ({deadline}).", span_en(left)),
            )
        }
    };
    Words { lead, zh, en }
}

/// The deadline of `row` as people read it: on its calendar, or (the calendar gone) in Beijing time.
fn deadline_text(row: &rectification_orders::Model, cal: Option<&Calendar>, status: Option<&ClockStatus>) -> String {
    let at = status.map(|s| s.deadline).or(row.deadline);
    match (at, cal) {
        (Some(t), Some(cal)) => crate::app::countable::local(cal, t),
        (Some(t), None) => t
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        (None, _) => "—".to_owned(),
    }
}

/// The ladder's recipients for an order: its `assignee` is the vendor's person who last reported
/// on it; before anyone has, the vendor's managers stand in (a 50 % step must reach someone).
fn for_order(recipients: &[Recipient], assignee: Option<i64>) -> Vec<Recipient> {
    recipients
        .iter()
        .map(|r| match (r, assignee) {
            (Recipient::Role(Role::Assignee), None) => Recipient::Role(Role::VendorManager),
            _ => r.clone(),
        })
        .collect()
}

/// Renders a mail about `row` on `system`.
fn render(row: &rectification_orders::Model, system: &systems::Model, w: &Words, link: &str) -> Rendered {
    let subject = format!("【{}】ZG-{} {}（{}）", w.lead, row.id, row.title, system.name);
    let facts_zh = format!(
        "整改通知 ZG-{}：{}\n系统：{} {}\n合同：{}\n整改要求：{}\n整改时限：{}\n",
        row.id, row.title, system.code, system.name, row.contract_code, row.request, row.target
    );
    let facts_en = format!(
        "Rectification order ZG-{}: {}\nSystem: {} {}\nContract: {}\nWithin: {}\n",
        row.id, row.title, system.code, system.name, row.contract_code, row.target
    );
    let text = format!("{}\n\n{facts_zh}\n打开：{link}\n", w.zh);
    let html = format!(
        "<html><body><p><strong>{}</strong></p><pre>{}</pre><p><a href=\"{}\">打开整改通知</a></p></body></html>",
        escape(&w.zh),
        escape(&facts_zh),
        escape(link)
    );
    Rendered {
        subject,
        text,
        html,
        english: Some(EnglishCopy {
            text: format!("{}\n\n{facts_en}\nOpen: {link}\n", w.en),
            html: format!(
                "<p><strong>{}</strong></p><pre>{}</pre><p><a href=\"{}\">Open the order</a></p>",
                escape(&w.en),
                escape(&facts_en),
                escape(link)
            ),
        }),
    }
}

/// Queues the notice of act `act` on `row` (just written in `db`'s transaction): a new order,
/// a rejection or a final state to the vendor's managers (and the vendor's reporter); a report
/// to the person who issued the order.
pub(crate) async fn notice(
    db: &impl ConnectionTrait,
    ctx: &Context,
    row: &rectification_orders::Model,
    act: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let system = systems::Entity::find_by_id(row.system_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow!("system {} is gone", row.system_id)))?;
    let calendars = ctx.calendars.snapshot();
    let cal = calendars.get(&row.calendar);
    let (to, note) = act_recipients(db, &calendars, row, &system, act, now).await?;
    let w = words(Some(act), None, &deadline_text(row, cal, None));
    let message = NewMessage {
        key: format!("ZG-{}/{act}/v{}", row.id, row.version),
        kind: "rectification",
        step: None,
        due_at: now,
        recipients: to,
        note,
        mail: render(row, &system, &w, &page(&ctx.links, row.id)),
        thread_id: Some(ctx.links.thread_id(&format!("ZG-{}", row.id))),
        attachments: Vec::new(),
    };
    enqueue(db, &ctx.links, message, now).await?;
    Ok(())
}

/// Who hears of act `act` on `row` (see [`notice`]), and the note on why nobody does.
async fn act_recipients(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    row: &rectification_orders::Model,
    system: &systems::Model,
    act: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, Option<String>), DbErr> {
    let mut to: Vec<String> = Vec::new();
    let mut note = None;
    // The issuer hears of the vendor's answers and of the final state; a unit's order refused is
    // reported to the bureau's managers too (八-7 is the bureau's to apply, L28512–28514).
    if matches!(act, "submit" | "refuse" | "accept" | "reject" | "withdraw") {
        to.extend(enabled_address(db, row.issued_by).await?);
    }
    if act == "refuse" && row.issuer_party == "unit" {
        to.extend(bureau_managers(db).await?);
    }
    if act != "submit" && act != "refuse" {
        let directory = Directory::load(db).await?;
        let contacts = directory
            .for_system(db, calendars, system, now)
            .await?
            .only_vendor(row.vendor_id);
        let resolved = contacts.resolve(
            row.assignee_id,
            &for_order(
                &[Recipient::Role(Role::VendorManager), Recipient::Role(Role::Assignee)],
                row.assignee_id,
            ),
        );
        to.extend(resolved.addresses.iter().cloned());
        if to.is_empty() {
            note = resolved.note();
        }
    }
    Ok((to, note))
}

/// The address of user `id` if the account is enabled and has one.
async fn enabled_address(db: &impl ConnectionTrait, id: i64) -> Result<Option<String>, DbErr> {
    Ok(users::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|u| !u.disabled)
        .and_then(|u| u.email))
}

/// The addresses of the bureau's enabled managers.
pub(crate) async fn bureau_managers(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    Ok(users::Entity::find()
        .filter(users::Column::Disabled.eq(false))
        .all(db)
        .await?
        .into_iter()
        .filter(|u| {
            *u.role == crate::app::auth::Role::Manager
                && crate::app::auth::Party::of(u) == Some(crate::app::auth::Party::Bureau)
        })
        .filter_map(|u| u.email)
        .collect())
}

/// The outbox identities already recorded for order `id`.
async fn queued_keys(db: &impl ConnectionTrait, id: i64) -> Result<HashSet<String>, DbErr> {
    let keys: Vec<String> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::DedupKey)
        .filter(outbox::Column::DedupKey.starts_with(format!("ZG-{id}/{CLOCK}/")))
        .into_tuple()
        .all(db)
        .await?;
    Ok(keys.into_iter().collect())
}

/// What the sweep's pass over the orders did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Due orders looked at.
    pub orders: usize,
    /// Outbox rows inserted.
    pub queued: usize,
    /// Orders that could not be evaluated (logged; they stay due).
    pub failed: usize,
}

/// Queues the due ladder steps of every order whose `next_due_at` has passed.
pub async fn sweep(
    db: &DatabaseConnection,
    calendars: &BTreeMap<String, Calendar>,
    links: &Links,
    now: DateTime<Utc>,
    directory: &mut Option<Directory>,
) -> anyhow::Result<Swept> {
    let mut swept = Swept::default();
    let due: Vec<i64> = rectification_orders::Entity::find()
        .select_only()
        .column(rectification_orders::Column::Id)
        .filter(rectification_orders::Column::NextDueAt.lte(now))
        .order_by_asc(rectification_orders::Column::NextDueAt)
        .into_tuple()
        .all(db)
        .await?;
    if due.is_empty() {
        return Ok(swept);
    }
    let directory = match directory.as_mut() {
        Some(d) => d,
        None => directory.insert(Directory::load(db).await?),
    };
    for id in due {
        swept.orders += 1;
        match escalate(db, calendars, links, id, now, directory).await {
            Ok(n) => swept.queued += n,
            Err(e) => {
                tracing::error!(order = %format!("ZG-{id}"), error = %format!("{e:#}"), "cannot escalate a rectification order");
                swept.failed += 1;
            }
        }
    }
    Ok(swept)
}

/// Queues the due steps of order `id` and advances its `next_due_at`, in one transaction.
async fn escalate(
    db: &DatabaseConnection,
    calendars: &BTreeMap<String, Calendar>,
    links: &Links,
    id: i64,
    now: DateTime<Utc>,
    directory: &Directory,
) -> anyhow::Result<usize> {
    let _turn = crate::db::turn::take(db).await;
    let txn = crate::db::begin_write(db).await?;
    // Claim the row first, as acts do.
    super::acts::lock(&txn, id).await.map_err(|e| anyhow!("{e}"))?;
    let Some(row) = rectification_orders::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(0);
    };
    if row.next_due_at.is_none_or(|t| t > now) {
        return Ok(0); // an act or another sweep got here first
    }
    let system = systems::Entity::find_by_id(row.system_id)
        .one(&txn)
        .await?
        .ok_or_else(|| anyhow!("system {} is gone", row.system_id))?;
    let cal = calendars
        .get(&row.calendar)
        .ok_or_else(|| anyhow!("ZG-{id} runs on calendar {:?}, which is not loaded", row.calendar))?;
    let clock: sla_clock::Clock =
        serde_json::from_value(row.events.clone()).with_context(|| format!("ZG-{id}'s clock"))?;
    let ladder = ladders::effective(&txn, system.policy_id, &row.severity).await?;
    let at = read_at(&clock, now);
    let (evaluation, skipped) = evaluate(&ladder, &clock, cal, at)?;
    if !skipped.is_empty() {
        tracing::warn!(order = %format!("ZG-{id}"), skipped = ?skipped, "escalation steps skipped");
    }
    let status = clock.status(cal, at)?;
    // The ordered vendor's people only: another vendor serving the system does not read the order.
    let contacts = directory
        .for_system(&txn, calendars, &system, now)
        .await?
        .only_vendor(row.vendor_id);
    let number = format!("ZG-{id}");
    let deadline = deadline_text(&row, Some(cal), Some(&status));
    let mut queued = queued_keys(&txn, id).await?;
    let mut inserted = 0;
    // A closed order's steps are no longer news: only an open one is escalated.
    if super::is_open(&row.state) {
        for due in &evaluation.due {
            let key = due.identity(&format!("{number}/{CLOCK}"));
            if queued.contains(&key) {
                continue;
            }
            let to = contacts.resolve(row.assignee_id, &for_order(&due.recipients, row.assignee_id));
            let w = words(None, Some(&status), &deadline);
            let message = NewMessage {
                key: key.clone(),
                kind: "rectification",
                step: None,
                due_at: due.due_at,
                note: to.note(),
                recipients: to.addresses,
                mail: render(&row, &system, &w, &page(links, id)),
                thread_id: Some(links.thread_id(&number)),
                attachments: Vec::new(),
            };
            inserted += enqueue(&txn, links, message, now).await?;
            queued.insert(key);
        }
    }
    let next = if super::is_open(&row.state) {
        let next = next_look_or_event(next_look(&number, CLOCK, &evaluation, &queued), &clock, at);
        // Also at the deadline itself, whatever the ladder says: the breach is recorded (and,
        // where the contract reads it so, the refusal) even under a ladder with no breach step.
        if status.state == sla_clock::ClockState::Running {
            Some(next.map_or(status.deadline, |n| n.min(status.deadline)))
        } else {
            next
        }
    } else {
        None
    };
    // Where the contract read a passed deadline as the refusal itself when the bureau issued the
    // order (八-7, `overdue_rectification_is_refusal`), the breach records the
    // `refused_rectification` finding, once, in the issuer's name, in the month the deadline passed.
    let mut finding = None;
    if status.breached
        && super::is_open(&row.state)
        && row.finding_id.is_none()
        && row.overdue_is_refusal
        && row.issuer_party == "bureau"
    {
        let summary = format!("逾期未整改（合同约定视为拒不整改）：ZG-{id} {}", row.title);
        let evidence = format!("整改通知 ZG-{id}，整改期限 {deadline} 已过，整改未完成");
        let f = super::acts::record_refusal(&txn, &row, &summary, &evidence, status.deadline, now)
            .await
            .map_err(|e| anyhow!("ZG-{id}'s finding: {e}"))?;
        crate::app::audit::record(
            &txn,
            None,
            "rectification.overdue",
            &number,
            serde_json::json!({"finding": format!("F-{f}"), "deadline": status.deadline}),
            &crate::app::audit::ClientAddr(Some("escalation sweep".into())),
            now,
        )
        .await?;
        finding = Some(f);
    }
    let version = row.version;
    let mut am = row.into_active_model();
    if finding.is_some() {
        // A change the parties rely on: an act read before it is refused (409).
        am.finding_id = Set(finding);
        am.version = Set(version + 1);
    }
    am.next_due_at = Set(next);
    am.breached = Set(status.breached);
    am.deadline = Set(Some(status.deadline));
    am.update(&txn).await?;
    txn.commit().await?;
    Ok(inserted)
}

/// Resolves the recipients again for failed messages about orders that had none (the ones in
/// `ids`, or all), as [`crate::app::escalation::readdress`] does for tickets: after an admin
/// gives the ordered vendor a manager with an address (or the issuer one), a retry reaches them.
/// A message's key names its order and what it is: a ladder step (`ZG-7/rectification/breach/0`,
/// readdressed only while the order is open: a closed order's steps are no longer news, as the
/// sweep holds) or an act's notice (`ZG-7/issue/v1`, addressed as [`notice`] addresses it).
/// Returns how many now have recipients.
pub async fn readdress(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    ids: Option<&[i64]>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut q = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(crate::db::Key(outbox::Status::Failed)))
        .filter(outbox::Column::Kind.eq("rectification"));
    if let Some(ids) = ids {
        q = q.filter(outbox::Column::Id.is_in(ids.iter().copied()));
    }
    let rows = q.all(db).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let directory = Directory::load(db).await?;
    let mut readdressed = 0;
    for row in rows {
        let empty = serde_json::from_value::<Vec<String>>(row.recipients.clone()).map_or(true, |r| r.is_empty());
        let parts: Vec<&str> = row.dedup_key.split('/').collect();
        let Some(id) = parts
            .first()
            .and_then(|n| n.strip_prefix("ZG-"))
            .and_then(|n| n.parse::<i64>().ok())
        else {
            continue;
        };
        if !empty {
            continue;
        }
        let Some(order) = rectification_orders::Entity::find_by_id(id).one(db).await? else {
            continue;
        };
        let Some(system) = systems::Entity::find_by_id(order.system_id).one(db).await? else {
            continue;
        };
        let (to, note) = match parts.as_slice() {
            [_, CLOCK, step, _repeat] => {
                if !super::is_open(&order.state) {
                    continue;
                }
                let ladder = ladders::effective(db, system.policy_id, &order.severity).await?;
                let Some(step) = ladder.steps().iter().find(|s| s.id == *step) else {
                    continue;
                };
                let to = directory
                    .for_system(db, calendars, &system, now)
                    .await?
                    .only_vendor(order.vendor_id)
                    .resolve(order.assignee_id, &for_order(&step.notify, order.assignee_id));
                let note = to.note();
                (to.addresses, note)
            }
            [_, act, _version] => act_recipients(db, calendars, &order, &system, act, now).await?,
            _ => continue,
        };
        if to.is_empty() {
            continue;
        }
        let mut am = row.into_active_model();
        am.recipients = Set(serde_json::json!(to));
        am.note = Set(note);
        am.update(db).await?;
        readdressed += 1;
    }
    Ok(readdressed)
}

/// Makes every open order due for the sweep at `now`, so that it measures the deadline again
/// with the calendars as they are: a reload that publishes a holiday or a make-up working day
/// moves the deadlines of the orders counting across it, and the next look stored before may
/// now be late. Returns how many. (The pages measure the deadline as they show it.)
pub async fn look_again(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(rectification_orders::Entity::update_many()
        .col_expr(rectification_orders::Column::NextDueAt, Expr::value(now))
        .filter(rectification_orders::Column::State.is_in(super::OPEN))
        .exec(db)
        .await?
        .rows_affected)
}

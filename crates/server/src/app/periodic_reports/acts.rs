//! What the parties do to a report: the vendor writes its parts and submits it (the sections
//! frozen, the bureau's managers mailed the DOCX); the bureau's managers acknowledge it or
//! return it with a reason. Each act claims the report's version (a stale one is a conflict),
//! is audited, and mails the other party ([`super::notify`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{MAX_TEXT, Narrative, PeriodicReportView, docx, load, narrative_of, notify, sections_of, state_zh, view};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Party, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::reports::deductions::Stored;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::periodic_reports;

/// A change to the narrative.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NarrativeChange {
    /// The version read.
    pub version: i32,
    /// The parts to write, by heading; a heading the duty does not name is refused.
    pub narrative: Vec<Narrative>,
}

/// An act on a report: submit, acknowledge, return.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportAct {
    /// The version read.
    pub version: i32,
    /// Why (required to return a report).
    #[serde(default)]
    pub note: Option<String>,
}

/// Fails unless `p` is of a vendor the contract binds (or an admin).
fn check_vendor(p: &Principal, stored: &Stored) -> AppResult<()> {
    permissions::check(p, Action::PeriodicReportWrite)?;
    match (p.role, p.party) {
        (Role::Admin, _) => Err(not_a_party(
            "writes and submits a report for the vendor",
            "代表服务商填写、提交报告",
        )),
        (_, Some(Party::Vendor(own))) if stored.binds(own) => Ok(()),
        _ => Err(AppError::Forbidden(
            "only the people of the contract's vendor (or a member of its consortium) write its reports".to_owned(),
        )),
    }
}

/// An administrator keeps the server; it is on no side of the contract (as with inspections and
/// rectification orders): it neither writes the vendor's report nor accepts it for the buyer.
fn not_a_party(en: &str, zh: &str) -> AppError {
    AppError::Forbidden(format!(
        "an administrator is neither the vendor nor the bureau: nobody {en} as an administrator（管理员不{zh}）"
    ))
}

/// Moves the version of `row` on from `version`, or fails with a conflict.
async fn claim(db: &impl ConnectionTrait, row: &periodic_reports::Model, version: i32) -> AppResult<()> {
    let claimed = periodic_reports::Entity::update_many()
        .col_expr(periodic_reports::Column::Version, Expr::value(version + 1))
        .filter(periodic_reports::Column::Id.eq(row.id))
        .filter(periodic_reports::Column::Version.eq(version))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::VersionConflict {
            detail: format!(
                "RPT-{} changed since you read it (your version {version}, current {}); reload and retry",
                row.id, row.version
            ),
            current: i64::from(row.version),
        });
    }
    Ok(())
}

fn wrong_state(row: &periodic_reports::Model, what: &str, allowed: &[&str]) -> AppError {
    AppError::InvalidTransition {
        detail: format!("RPT-{} is {} ({}): {what}", row.id, row.state, state_zh(&row.state)),
        allowed: allowed.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// Writes narrative parts (the vendor's, while the report is open).
pub async fn change(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    number: &str,
    body: NarrativeChange,
) -> AppResult<PeriodicReportView> {
    permissions::check(p, Action::PeriodicReportWrite)?;
    let txn = ctx.begin_write().await?;
    let (row, stored) = load(&txn, p, number).await?;
    check_vendor(p, &stored)?;
    if row.state != "open" {
        return Err(wrong_state(&row, "only an open report is written", &[]));
    }
    let duty = stored.contract.reports.iter().find(|d| d.code == row.duty);
    let headings: Vec<String> = duty.map(|d| d.narrative.clone()).unwrap_or_default();
    let mut current: BTreeMap<String, String> = narrative_of(&row, duty)
        .into_iter()
        .map(|n| (n.heading, n.text))
        .collect();
    for (i, n) in body.narrative.iter().enumerate() {
        if !headings.contains(&n.heading) {
            return Err(AppError::invalid(
                format!("narrative[{i}].heading"),
                format!(
                    "{:?} is not a part of this report; its parts are: {}",
                    n.heading,
                    headings.join("、")
                ),
            ));
        }
        if n.text.chars().count() > MAX_TEXT {
            return Err(AppError::invalid(
                format!("narrative[{i}].text"),
                format!("at most {MAX_TEXT} characters"),
            ));
        }
        current.insert(n.heading.clone(), n.text.trim().to_owned());
    }
    claim(&txn, &row, body.version).await?;
    let now = ctx.now();
    periodic_reports::Entity::update_many()
        .col_expr(
            periodic_reports::Column::Narrative,
            Expr::value(serde_json::json!(current)),
        )
        .filter(periodic_reports::Column::Id.eq(row.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "periodic_report.write",
        &format!("RPT-{}", row.id),
        serde_json::json!({"headings": body.narrative.iter().map(|n| &n.heading).collect::<Vec<_>>()}),
        from,
        now,
    )
    .await?;
    let row = reload(&txn, row.id).await?;
    txn.commit().await?;
    view(&ctx.db, &stored, row, now).await
}

async fn reload(db: &impl ConnectionTrait, id: i64) -> AppResult<periodic_reports::Model> {
    periodic_reports::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no periodic report RPT-{id}")))
}

/// Submits the report (the vendor's): every narrative part must be written; the sections are
/// frozen as they read now; the bureau's managers are mailed it with the DOCX.
pub async fn submit(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    number: &str,
    body: ReportAct,
) -> AppResult<PeriodicReportView> {
    permissions::check(p, Action::PeriodicReportWrite)?;
    let (row, stored) = load(&ctx.db, p, number).await?;
    check_vendor(p, &stored)?;
    let sections = sections_of(ctx, &row, &stored).await?;
    let txn = ctx.begin_write().await?;
    let (row, stored) = load(&txn, p, number).await?;
    if row.state != "open" {
        return Err(wrong_state(&row, "only an open report is submitted", &[]));
    }
    let now = ctx.now();
    let duty = stored.contract.reports.iter().find(|d| d.code == row.duty);
    // A report about a period is handed in once the period has begun; a preparation, due before
    // its period (a 重保 window), before it.
    let ahead = duty.is_some_and(|d| d.due.counted_in == sla_clock::DueIn::Before);
    if row.period_start > now && !ahead {
        return Err(wrong_state(&row, "its period has not begun", &[]));
    }
    let missing: Vec<String> = narrative_of(&row, duty)
        .into_iter()
        .filter(|n| n.text.trim().is_empty())
        .map(|n| n.heading)
        .collect();
    if !missing.is_empty() {
        return Err(AppError::invalid(
            "narrative",
            format!(
                "write every part before submitting; still empty: {}",
                missing.join("、")
            ),
        ));
    }
    claim(&txn, &row, body.version).await?;
    let content = serde_json::to_value(&sections).map_err(|e| AppError::Internal(e.into()))?;
    periodic_reports::Entity::update_many()
        .col_expr(periodic_reports::Column::State, Expr::value("submitted"))
        .col_expr(periodic_reports::Column::Content, Expr::value(content))
        .col_expr(periodic_reports::Column::SubmittedAt, Expr::value(Some(now)))
        .col_expr(
            periodic_reports::Column::FirstSubmittedAt,
            Expr::value(Some(row.first_submitted_at.unwrap_or(now))),
        )
        .col_expr(periodic_reports::Column::SubmittedBy, Expr::value(Some(p.user_id)))
        .col_expr(periodic_reports::Column::NextLookAt, Expr::value(None::<DateTime<Utc>>))
        .filter(periodic_reports::Column::Id.eq(row.id))
        .exec(&txn)
        .await?;
    let row = reload(&txn, row.id).await?;
    let v = view(&txn, &stored, row.clone(), now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "periodic_report.submit",
        &v.number,
        serde_json::json!({"late": v.late}),
        from,
        now,
    )
    .await?;
    let file = docx::render(&v, &sections)?;
    notify::submitted(&txn, &ctx.links, &row, &v, file, now).await?;
    txn.commit().await?;
    Ok(v)
}

/// Acknowledges (`acknowledge`) or returns (`return`, with a reason) a submitted report: the
/// bureau's managers.
pub async fn decide(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    number: &str,
    act: &str,
    body: ReportAct,
) -> AppResult<PeriodicReportView> {
    permissions::check(p, Action::PeriodicReportAcknowledge)?;
    if p.role == Role::Admin {
        return Err(not_a_party(
            "acknowledges or returns a report for the bureau",
            "代表甲方确认或退回报告",
        ));
    }
    let txn = ctx.begin_write().await?;
    let (row, stored) = load(&txn, p, number).await?;
    if row.state != "submitted" {
        return Err(wrong_state(
            &row,
            "only a submitted report is acknowledged or returned",
            &[],
        ));
    }
    let note = body.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let now = ctx.now();
    let update = periodic_reports::Entity::update_many().filter(periodic_reports::Column::Id.eq(row.id));
    let update = match act {
        "acknowledge" => update
            .col_expr(periodic_reports::Column::State, Expr::value("acknowledged"))
            .col_expr(periodic_reports::Column::AcknowledgedAt, Expr::value(Some(now)))
            .col_expr(periodic_reports::Column::AcknowledgedBy, Expr::value(Some(p.user_id))),
        "return" => {
            let Some(note) = note else {
                return Err(AppError::invalid("note", "say why the report is returned"));
            };
            if note.chars().count() > 2000 {
                return Err(AppError::invalid("note", "at most 2000 characters"));
            }
            // Open again, due at the same instant; lateness stays judged on the first submission,
            // so the sweep has nothing more to remind or breach.
            let look: Option<DateTime<Utc>> = None;
            update
                .col_expr(periodic_reports::Column::State, Expr::value("open"))
                .col_expr(
                    periodic_reports::Column::ReturnedNote,
                    Expr::value(Some(note.to_owned())),
                )
                .col_expr(
                    periodic_reports::Column::Content,
                    Expr::value(None::<serde_json::Value>),
                )
                .col_expr(periodic_reports::Column::NextLookAt, Expr::value(look))
        }
        other => return Err(AppError::NotFound(format!("no act {other:?} on a periodic report"))),
    };
    claim(&txn, &row, body.version).await?;
    update.exec(&txn).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        &format!("periodic_report.{act}"),
        &format!("RPT-{}", row.id),
        serde_json::json!({"note": note}),
        from,
        now,
    )
    .await?;
    let row = reload(&txn, row.id).await?;
    notify::decided(&txn, &ctx.links, &row, act, now).await?;
    txn.commit().await?;
    view(&ctx.db, &stored, row, now).await
}

/// What a reader may do on a report now: the buttons a door offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Abilities {
    /// Write its narrative parts and submit it: the vendor's people while it is open.
    pub write: bool,
    /// Acknowledge it or return it: the bureau's managers once it is submitted.
    pub decide: bool,
}

/// What `p` may do on report `v`, which `p` has read ([`super::get`]): a vendor's people read only
/// the reports of the contracts binding their vendor, so the vendor's check in [`change`] and
/// [`submit`] holds for them; the use cases check again when they act. An administrator is on
/// no side, so it has no button.
pub fn abilities(p: &Principal, v: &PeriodicReportView) -> Abilities {
    if p.role == Role::Admin {
        return Abilities::default();
    }
    let vendor_side = matches!(p.party, Some(Party::Vendor(_)));
    Abilities {
        write: v.state == "open" && vendor_side && permissions::may(p, Action::PeriodicReportWrite),
        decide: v.state == "submitted" && permissions::may(p, Action::PeriodicReportAcknowledge),
    }
}
